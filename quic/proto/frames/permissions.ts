/**
 * The frame-type table of RFC 9000 §12.4 (Table 3) plus DATAGRAM (RFC 9221
 * §4): which packet types may carry each frame (the I/H/0/1 columns) and the
 * N (not ack-eliciting), C (not congestion controlled) and P (probing) flags.
 * @module
 */
import { QuicError, TransportErrorCode } from "../errors.ts";
import { PacketType, type PacketTypeValue } from "../packet_type.ts";
import { FrameType } from "./types.ts";

// Column bits.
const I = 1, H = 2, Z = 4, O = 8;
// Flag bits.
const N = 1, C = 2, P = 4;

/** Indexed by frame type 0x00..0x31: [allowed packet columns, flags]; 0 = unknown. */
const ALLOWED = new Uint8Array(0x32);
const FLAGS = new Uint8Array(0x32);

function row(types: number[], cols: number, flags: number): void {
  for (const t of types) {
    ALLOWED[t] = cols;
    FLAGS[t] = flags;
  }
}

// RFC 9000 §12.4, Table 3.
row([FrameType.PADDING], I | H | Z | O, N | P);
row([FrameType.PING], I | H | Z | O, 0);
row([FrameType.ACK, FrameType.ACK_ECN], I | H | O, N | C);
row([FrameType.RESET_STREAM, FrameType.STOP_SENDING], Z | O, 0);
row([FrameType.CRYPTO], I | H | O, 0);
row([FrameType.NEW_TOKEN], O, 0);
row([0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f], Z | O, 0);
row(
  [
    FrameType.MAX_DATA,
    FrameType.MAX_STREAM_DATA,
    FrameType.MAX_STREAMS_BIDI,
    FrameType.MAX_STREAMS_UNI,
    FrameType.DATA_BLOCKED,
    FrameType.STREAM_DATA_BLOCKED,
    FrameType.STREAMS_BLOCKED_BIDI,
    FrameType.STREAMS_BLOCKED_UNI,
    FrameType.RETIRE_CONNECTION_ID,
  ],
  Z | O,
  0,
);
row([FrameType.NEW_CONNECTION_ID, FrameType.PATH_CHALLENGE], Z | O, P);
row([FrameType.PATH_RESPONSE], O, P);
// "ih01": only the transport CONNECTION_CLOSE (0x1c) may appear in Initial/Handshake.
row([FrameType.CONNECTION_CLOSE], I | H | Z | O, N);
row([FrameType.CONNECTION_CLOSE_APP], Z | O, N);
row([FrameType.HANDSHAKE_DONE], O, 0);
// RFC 9221 §4: DATAGRAM only in 0-RTT and 1-RTT; ack-eliciting, congestion controlled.
row([FrameType.DATAGRAM, FrameType.DATAGRAM_LEN], Z | O, 0);

function column(packetType: PacketTypeValue): number {
  switch (packetType) {
    case PacketType.Initial:
      return I;
    case PacketType.Handshake:
      return H;
    case PacketType.ZeroRtt:
      return Z;
    case PacketType.OneRtt:
      return O;
    default:
      return 0; // Retry, Version Negotiation: no frames at all.
  }
}

/**
 * Whether `frameType` is a frame type this stack knows (RFC 9000 §19,
 * RFC 9221).
 *
 * @example
 * ```ts
 * import { isKnownFrameType } from "@gquic/core/quic";
 * console.log(isKnownFrameType(0x1e), isKnownFrameType(0x1f)); // true false
 * ```
 */
export function isKnownFrameType(frameType: number): boolean {
  return frameType >= 0 && frameType < ALLOWED.length && ALLOWED[frameType] !== 0;
}

/**
 * Whether a frame of `frameType` may appear in a packet of `packetType`
 * (RFC 9000 §12.4 Table 3, "Pkts" column). Unknown frame types return false.
 *
 * @example
 * ```ts
 * import { FrameType, isFrameAllowed, PacketType } from "@gquic/core/quic";
 * console.log(isFrameAllowed(FrameType.STREAM, PacketType.Initial)); // false
 * console.log(isFrameAllowed(FrameType.CONNECTION_CLOSE, PacketType.Handshake)); // true
 * ```
 */
export function isFrameAllowed(frameType: number, packetType: PacketTypeValue): boolean {
  if (!isKnownFrameType(frameType)) return false;
  return (ALLOWED[frameType] & column(packetType)) !== 0;
}

/**
 * Throws `QuicError` PROTOCOL_VIOLATION if a known `frameType` is not
 * permitted in `packetType` (RFC 9000 §12.4). Unknown types pass: decoding
 * rejects them with FRAME_ENCODING_ERROR.
 *
 * @example
 * ```ts
 * import { assertFrameAllowed, FrameType, PacketType } from "@gquic/core/quic";
 * assertFrameAllowed(FrameType.CRYPTO, PacketType.Handshake); // fine
 * try { assertFrameAllowed(FrameType.HANDSHAKE_DONE, PacketType.Handshake); } catch (e) { console.log((e as Error).name); }
 * ```
 */
export function assertFrameAllowed(frameType: number, packetType: PacketTypeValue): void {
  if (isKnownFrameType(frameType) && (ALLOWED[frameType] & column(packetType)) === 0) {
    throw new QuicError(
      TransportErrorCode.PROTOCOL_VIOLATION,
      "frame type not permitted in this packet type",
      frameType,
    );
  }
}

/**
 * Whether a frame makes its packet ack-eliciting: everything except PADDING,
 * ACK and CONNECTION_CLOSE (RFC 9000 §12.4 "N", §13.2). Unknown types: false.
 *
 * @example
 * ```ts
 * import { FrameType, isAckEliciting } from "@gquic/core/quic";
 * console.log(isAckEliciting(FrameType.PING), isAckEliciting(FrameType.ACK)); // true false
 * ```
 */
export function isAckEliciting(frameType: number): boolean {
  return isKnownFrameType(frameType) && (FLAGS[frameType] & N) === 0;
}

/**
 * Whether a frame counts toward bytes in flight for congestion control
 * (RFC 9000 §12.4 "C": only ACK is exempt). Unknown types: false.
 *
 * @example
 * ```ts
 * import { FrameType, isCongestionControlled } from "@gquic/core/quic";
 * console.log(isCongestionControlled(FrameType.PADDING), isCongestionControlled(FrameType.ACK)); // true false
 * ```
 */
export function isCongestionControlled(frameType: number): boolean {
  return isKnownFrameType(frameType) && (FLAGS[frameType] & C) === 0;
}

/**
 * Whether a frame is a probing frame (RFC 9000 §9.1, §12.4 "P"): PADDING,
 * NEW_CONNECTION_ID, PATH_CHALLENGE, PATH_RESPONSE. A packet with only
 * probing frames is a probing packet.
 *
 * @example
 * ```ts
 * import { FrameType, isProbingFrame } from "@gquic/core/quic";
 * console.log(isProbingFrame(FrameType.PATH_CHALLENGE), isProbingFrame(FrameType.PING)); // true false
 * ```
 */
export function isProbingFrame(frameType: number): boolean {
  return isKnownFrameType(frameType) && (FLAGS[frameType] & P) !== 0;
}
