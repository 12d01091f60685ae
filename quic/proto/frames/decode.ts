/**
 * Frame decoding (RFC 9000 §19, RFC 9221 §4) with the validation §19 asks
 * for. Every malformed input yields a `QuicError` carrying the §20 code and
 * the offending frame type; nothing is allocated from an unchecked length.
 * STREAM / CRYPTO / DATAGRAM / token / CID payloads are subarrays (no copy).
 * @module
 */
import { QuicError, TransportErrorCode } from "../errors.ts";
import { VARINT_MAX } from "../varint.ts";
import type { PacketTypeValue } from "../packet_type.ts";
import type { AckRange, EcnCounts, Frame } from "./types.ts";
import { FrameType, StreamBits } from "./types.ts";
import { readVarIntBigAt, readVarIntOrInfinity } from "./varint_ext.ts";
import { assertFrameAllowed } from "./permissions.ts";

/**
 * Default cap on the ACK ranges kept from one ACK frame (the rest are still
 * validated, then dropped: they acknowledge only older packets).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_ACK_RANGES } from "@gquic/core/quic";
 * console.log(DEFAULT_MAX_ACK_RANGES); // 256
 * ```
 */
export const DEFAULT_MAX_ACK_RANGES = 256;

/**
 * Options for {@link decodeFrame} and {@link decodeFrames}.
 *
 * @example
 * ```ts
 * import type { DecodeFrameOptions } from "@gquic/core/quic";
 * const o: DecodeFrameOptions = { maxAckRanges: 32 };
 * console.log(o.maxAckRanges);
 * ```
 */
export interface DecodeFrameOptions {
  /** Keep at most this many ACK ranges per frame (default 256). */
  maxAckRanges?: number;
}

const { FRAME_ENCODING_ERROR, PROTOCOL_VIOLATION, FLOW_CONTROL_ERROR, STREAM_LIMIT_ERROR } =
  TransportErrorCode;
/** 2^62 - 1 (RFC 9000 §16). */
const MAX_62 = (1n << 62n) - 1n;
/** 2^60 (RFC 9000 §19.11). */
const MAX_STREAMS_LIMIT = 1n << 60n;

function err(code: number, message: string, frameType: number): QuicError {
  return new QuicError(code, message, frameType);
}

/** Reads a varint that names an existing thing (stream ID, sequence number). */
function readId(buf: Uint8Array, c: { offset: number }, code: number, t: number): number {
  const v = readVarIntOrInfinity(buf, c);
  if (v === Infinity) throw err(code, "value above 2^53-1", t);
  return v;
}

/** Reads a limit or counter; values above 2^53-1 saturate (unreachable anyway). */
function readSat(buf: Uint8Array, c: { offset: number }): number {
  const v = readVarIntOrInfinity(buf, c);
  return v === Infinity ? VARINT_MAX : v;
}

/** Reads a length field and checks the bytes are there. */
function readLen(buf: Uint8Array, c: { offset: number }, t: number): number {
  const n = readVarIntOrInfinity(buf, c);
  if (n > buf.length - c.offset) throw err(FRAME_ENCODING_ERROR, "length exceeds packet", t);
  return n;
}

function take(buf: Uint8Array, c: { offset: number }, n: number, t: number): Uint8Array {
  const o = c.offset;
  if (n > buf.length - o) throw err(FRAME_ENCODING_ERROR, "frame truncated", t);
  c.offset = o + n;
  return buf.subarray(o, o + n);
}

/**
 * Checks offset + length of STREAM/CRYPTO data: above 2^62-1 is
 * FRAME_ENCODING_ERROR (RFC 9000 §19.6, §19.8); above 2^53-1 exceeds any
 * credit this stack grants, so `overCode` (FLOW_CONTROL_ERROR or
 * CRYPTO_BUFFER_EXCEEDED) as the same sections allow.
 */
function checkEnd(
  buf: Uint8Array,
  offsetAt: number,
  offset: number,
  length: number,
  overCode: number,
  t: number,
): void {
  if (offset + length <= VARINT_MAX) return;
  const exact = offset === Infinity ? readVarIntBigAt(buf, { offset: offsetAt }) : BigInt(offset);
  if (exact + BigInt(length) > MAX_62) {
    throw err(FRAME_ENCODING_ERROR, "offset + length exceeds 2^62-1", t);
  }
  throw err(overCode, "offset beyond any flow control limit", t);
}

function readMaxStreams(buf: Uint8Array, c: { offset: number }, t: number): number {
  const at = c.offset;
  const v = readVarIntOrInfinity(buf, c);
  if (v !== Infinity) return v;
  // RFC 9000 §19.11, §19.14: above 2^60 is FRAME_ENCODING_ERROR.
  if (readVarIntBigAt(buf, { offset: at }) > MAX_STREAMS_LIMIT) {
    throw err(FRAME_ENCODING_ERROR, "stream count above 2^60", t);
  }
  return VARINT_MAX;
}

function readFrameType(buf: Uint8Array, c: { offset: number }): number {
  const b0 = buf[c.offset];
  if (b0 < 0x40) {
    c.offset++;
    return b0;
  }
  // Every frame type this stack knows is below 0x40, so a longer encoding is
  // either a known type encoded too long — which RFC 9000 §12.4 lets us treat
  // as PROTOCOL_VIOLATION — or an unknown type: FRAME_ENCODING_ERROR (§12.4).
  const v = readVarIntOrInfinity(buf, c);
  if (v < 0x40) throw err(PROTOCOL_VIOLATION, "frame type not minimally encoded", v);
  throw err(FRAME_ENCODING_ERROR, "unknown frame type", v === Infinity ? VARINT_MAX : v);
}

function decodeAck(
  buf: Uint8Array,
  c: { offset: number },
  t: number,
  maxRanges: number,
): Frame {
  // RFC 9000 §19.3. Acknowledging a packet number we never sent (above
  // 2^53-1) is PROTOCOL_VIOLATION (§13.1).
  const largest = readId(buf, c, PROTOCOL_VIOLATION, t);
  const ackDelay = readSat(buf, c);
  const count = readVarIntOrInfinity(buf, c);
  // Each further range takes at least 2 bytes: reject impossible counts
  // before allocating anything.
  if (count > (buf.length - c.offset) / 2) {
    throw err(FRAME_ENCODING_ERROR, "ACK range count exceeds frame", t);
  }
  const firstRange = readVarIntOrInfinity(buf, c);
  let smallest = largest - firstRange;
  // RFC 9000 §19.3.1: a negative packet number is FRAME_ENCODING_ERROR.
  if (!(smallest >= 0)) throw err(FRAME_ENCODING_ERROR, "ACK range underflow", t);
  const ranges: AckRange[] = [[smallest, largest]];
  for (let i = 0; i < count; i++) {
    const gap = readVarIntOrInfinity(buf, c);
    const len = readVarIntOrInfinity(buf, c);
    const nextLargest = smallest - gap - 2;
    const nextSmallest = nextLargest - len;
    if (!(nextSmallest >= 0)) throw err(FRAME_ENCODING_ERROR, "ACK range underflow", t);
    if (ranges.length < maxRanges) ranges.push([nextSmallest, nextLargest]);
    smallest = nextSmallest;
  }
  if (t === FrameType.ACK_ECN) {
    // RFC 9000 §19.3.2.
    const ecn: EcnCounts = { ect0: readSat(buf, c), ect1: readSat(buf, c), ce: readSat(buf, c) };
    return { type: "ack", ackDelay, ranges, ecn };
  }
  return { type: "ack", ackDelay, ranges };
}

function decodeBody(
  buf: Uint8Array,
  c: { offset: number },
  t: number,
  options?: DecodeFrameOptions,
): Frame {
  if (t >= FrameType.STREAM && t <= FrameType.STREAM_MAX) {
    // RFC 9000 §19.8.
    const streamId = readId(buf, c, STREAM_LIMIT_ERROR, t);
    const offsetAt = c.offset;
    const offset = (t & StreamBits.OFF) !== 0 ? readVarIntOrInfinity(buf, c) : 0;
    const length = (t & StreamBits.LEN) !== 0 ? readLen(buf, c, t) : buf.length - c.offset;
    checkEnd(buf, offsetAt, offset, length, FLOW_CONTROL_ERROR, t);
    const o = c.offset;
    c.offset = o + length;
    const data = buf.subarray(o, o + length);
    const fin = (t & StreamBits.FIN) !== 0;
    return { type: "stream", streamId, offset, data, fin, hasLength: (t & StreamBits.LEN) !== 0 };
  }
  switch (t) {
    case FrameType.PADDING: {
      // RFC 9000 §19.1: a run of 0x00 bytes is reported as one frame.
      let p = c.offset;
      while (p < buf.length && buf[p] === 0) p++;
      const length = p - c.offset + 1;
      c.offset = p;
      return { type: "padding", length };
    }
    case FrameType.PING:
      return { type: "ping" };
    case FrameType.ACK:
    case FrameType.ACK_ECN:
      return decodeAck(buf, c, t, options?.maxAckRanges ?? DEFAULT_MAX_ACK_RANGES);
    case FrameType.RESET_STREAM: {
      // RFC 9000 §19.4; a final size beyond 2^53-1 exceeds any limit (§4.5).
      const streamId = readId(buf, c, STREAM_LIMIT_ERROR, t);
      const errorCode = readVarIntBigAt(buf, c);
      const finalSize = readId(buf, c, FLOW_CONTROL_ERROR, t);
      return { type: "reset_stream", streamId, errorCode, finalSize };
    }
    case FrameType.STOP_SENDING: {
      const streamId = readId(buf, c, STREAM_LIMIT_ERROR, t);
      return { type: "stop_sending", streamId, errorCode: readVarIntBigAt(buf, c) };
    }
    case FrameType.CRYPTO: {
      // RFC 9000 §19.6.
      const offsetAt = c.offset;
      const offset = readVarIntOrInfinity(buf, c);
      const length = readLen(buf, c, t);
      checkEnd(buf, offsetAt, offset, length, TransportErrorCode.CRYPTO_BUFFER_EXCEEDED, t);
      return { type: "crypto", offset, data: take(buf, c, length, t) };
    }
    case FrameType.NEW_TOKEN: {
      // RFC 9000 §19.7: an empty token is FRAME_ENCODING_ERROR.
      const length = readLen(buf, c, t);
      if (length === 0) throw err(FRAME_ENCODING_ERROR, "empty NEW_TOKEN", t);
      return { type: "new_token", token: take(buf, c, length, t) };
    }
    case FrameType.MAX_DATA:
      return { type: "max_data", maximumData: readSat(buf, c) };
    case FrameType.MAX_STREAM_DATA: {
      const streamId = readId(buf, c, STREAM_LIMIT_ERROR, t);
      return { type: "max_stream_data", streamId, maximumStreamData: readSat(buf, c) };
    }
    case FrameType.MAX_STREAMS_BIDI:
    case FrameType.MAX_STREAMS_UNI:
      return {
        type: "max_streams",
        bidi: t === FrameType.MAX_STREAMS_BIDI,
        maximumStreams: readMaxStreams(buf, c, t),
      };
    case FrameType.DATA_BLOCKED:
      return { type: "data_blocked", maximumData: readSat(buf, c) };
    case FrameType.STREAM_DATA_BLOCKED: {
      const streamId = readId(buf, c, STREAM_LIMIT_ERROR, t);
      return { type: "stream_data_blocked", streamId, maximumStreamData: readSat(buf, c) };
    }
    case FrameType.STREAMS_BLOCKED_BIDI:
    case FrameType.STREAMS_BLOCKED_UNI:
      return {
        type: "streams_blocked",
        bidi: t === FrameType.STREAMS_BLOCKED_BIDI,
        maximumStreams: readMaxStreams(buf, c, t),
      };
    case FrameType.NEW_CONNECTION_ID: {
      // RFC 9000 §19.15.
      const sequenceNumber = readId(buf, c, PROTOCOL_VIOLATION, t);
      const retirePriorTo = readVarIntOrInfinity(buf, c);
      if (retirePriorTo > sequenceNumber) {
        throw err(FRAME_ENCODING_ERROR, "Retire Prior To exceeds Sequence Number", t);
      }
      const cidLen = take(buf, c, 1, t)[0];
      if (cidLen < 1 || cidLen > 20) {
        throw err(FRAME_ENCODING_ERROR, "connection ID length not in 1..20", t);
      }
      const connectionId = take(buf, c, cidLen, t);
      const statelessResetToken = take(buf, c, 16, t);
      return {
        type: "new_connection_id",
        sequenceNumber,
        retirePriorTo,
        connectionId,
        statelessResetToken,
      };
    }
    case FrameType.RETIRE_CONNECTION_ID:
      // RFC 9000 §19.16: a sequence number never issued is PROTOCOL_VIOLATION.
      return {
        type: "retire_connection_id",
        sequenceNumber: readId(buf, c, PROTOCOL_VIOLATION, t),
      };
    case FrameType.PATH_CHALLENGE:
      return { type: "path_challenge", data: take(buf, c, 8, t) };
    case FrameType.PATH_RESPONSE:
      return { type: "path_response", data: take(buf, c, 8, t) };
    case FrameType.CONNECTION_CLOSE:
    case FrameType.CONNECTION_CLOSE_APP: {
      // RFC 9000 §19.19.
      const application = t === FrameType.CONNECTION_CLOSE_APP;
      const errorCode = readVarIntBigAt(buf, c);
      const frameType = application ? 0 : readSat(buf, c);
      const length = readLen(buf, c, t);
      const reasonPhrase = take(buf, c, length, t);
      return { type: "connection_close", application, errorCode, frameType, reasonPhrase };
    }
    case FrameType.HANDSHAKE_DONE:
      return { type: "handshake_done" };
    case FrameType.DATAGRAM:
    case FrameType.DATAGRAM_LEN: {
      // RFC 9221 §4: 0x30 extends to the end of the packet.
      const length = t === FrameType.DATAGRAM_LEN ? readLen(buf, c, t) : buf.length - c.offset;
      return {
        type: "datagram",
        data: take(buf, c, length, t),
        hasLength: t === FrameType.DATAGRAM_LEN,
      };
    }
    default:
      // RFC 9000 §12.4: unknown frame type.
      throw err(FRAME_ENCODING_ERROR, "unknown frame type", t);
  }
}

/**
 * Decodes one frame of `payload` at `cursor.offset` and advances the cursor
 * past it. Throws `QuicError` (with `frameType` set) on malformed input.
 *
 * @example
 * ```ts
 * import { decodeFrame } from "@gquic/core/quic";
 * const c = { offset: 0 };
 * const f = decodeFrame(Uint8Array.of(0x01, 0x1e), c);
 * console.log(f.type, c.offset); // "ping" 1
 * ```
 */
export function decodeFrame(
  payload: Uint8Array,
  cursor: { offset: number },
  options?: DecodeFrameOptions,
): Frame {
  if (cursor.offset >= payload.length) {
    throw new QuicError(FRAME_ENCODING_ERROR, "no frame to decode");
  }
  const start = cursor.offset;
  const t = readFrameType(payload, cursor);
  try {
    return decodeBody(payload, cursor, t, options);
  } catch (e) {
    cursor.offset = start;
    if (e instanceof QuicError && e.frameType === undefined) {
      throw new QuicError(e.code, e.message.replace(/^[A-Z_]+: /, ""), t);
    }
    throw e;
  }
}

/**
 * Decodes a whole packet payload. With `packetType`, also enforces the
 * frame/packet-type table of RFC 9000 §12.4 (PROTOCOL_VIOLATION); an empty
 * payload is PROTOCOL_VIOLATION (§12.4).
 *
 * @example
 * ```ts
 * import { decodeFrames, PacketType } from "@gquic/core/quic";
 * const frames = decodeFrames(Uint8Array.of(0x01, 0x00, 0x00), PacketType.Initial);
 * console.log(frames.map((f) => f.type)); // ["ping", "padding"]
 * ```
 */
export function decodeFrames(
  payload: Uint8Array,
  packetType?: PacketTypeValue,
  options?: DecodeFrameOptions,
): Frame[] {
  if (payload.length === 0) {
    throw new QuicError(PROTOCOL_VIOLATION, "packet payload contains no frames");
  }
  const frames: Frame[] = [];
  const c = { offset: 0 };
  while (c.offset < payload.length) {
    if (packetType !== undefined) {
      // Check before decoding: the frame type byte is enough (§12.4).
      const b0 = payload[c.offset];
      if (b0 < 0x40) assertFrameAllowed(b0, packetType);
    }
    frames.push(decodeFrame(payload, c, options));
  }
  return frames;
}
