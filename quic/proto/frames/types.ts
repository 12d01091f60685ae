/**
 * QUIC frame types (RFC 9000 §19, RFC 9221 §4) as a discriminated union of
 * plain objects. STREAM, CRYPTO and DATAGRAM payloads are subarrays of the
 * decrypted packet (no copy): consume them before the buffer is reused.
 * @module
 */

/**
 * Frame Type values (RFC 9000 §19, Table 3; RFC 9221 §4). STREAM occupies
 * 0x08–0x0f (OFF=0x04, LEN=0x02, FIN=0x01 bits).
 *
 * @example
 * ```ts
 * import { FrameType } from "@gquic/core/quic";
 * console.log(FrameType.HANDSHAKE_DONE); // 30
 * ```
 */
export const FrameType = {
  PADDING: 0x00,
  PING: 0x01,
  ACK: 0x02,
  ACK_ECN: 0x03,
  RESET_STREAM: 0x04,
  STOP_SENDING: 0x05,
  CRYPTO: 0x06,
  NEW_TOKEN: 0x07,
  STREAM: 0x08,
  STREAM_MAX: 0x0f,
  MAX_DATA: 0x10,
  MAX_STREAM_DATA: 0x11,
  MAX_STREAMS_BIDI: 0x12,
  MAX_STREAMS_UNI: 0x13,
  DATA_BLOCKED: 0x14,
  STREAM_DATA_BLOCKED: 0x15,
  STREAMS_BLOCKED_BIDI: 0x16,
  STREAMS_BLOCKED_UNI: 0x17,
  NEW_CONNECTION_ID: 0x18,
  RETIRE_CONNECTION_ID: 0x19,
  PATH_CHALLENGE: 0x1a,
  PATH_RESPONSE: 0x1b,
  CONNECTION_CLOSE: 0x1c,
  CONNECTION_CLOSE_APP: 0x1d,
  HANDSHAKE_DONE: 0x1e,
  DATAGRAM: 0x30,
  DATAGRAM_LEN: 0x31,
} as const;

/**
 * STREAM frame type flag bits (RFC 9000 §19.8): OFF (Offset present), LEN
 * (Length present), FIN (end of stream).
 *
 * @example
 * ```ts
 * import { FrameType, StreamBits } from "@gquic/core/quic";
 * console.log(FrameType.STREAM | StreamBits.OFF | StreamBits.LEN); // 14
 * ```
 */
export const StreamBits = { OFF: 0x04, LEN: 0x02, FIN: 0x01 } as const;

/**
 * A run of PADDING bytes (RFC 9000 §19.1), decoded as one frame.
 * @example
 * ```ts
 * import type { PaddingFrame } from "@gquic/core/quic";
 * const f: PaddingFrame = { type: "padding", length: 10 };
 * console.log(f.length);
 * ```
 */
export interface PaddingFrame {
  /** Discriminant. */
  type: "padding";
  /** Number of consecutive 0x00 bytes. */
  length: number;
}

/**
 * PING (RFC 9000 §19.2).
 * @example
 * ```ts
 * import type { PingFrame } from "@gquic/core/quic";
 * const f: PingFrame = { type: "ping" };
 * console.log(f.type);
 * ```
 */
export interface PingFrame {
  /** Discriminant. */
  type: "ping";
}

/**
 * ECN counts of an ACK_ECN frame (RFC 9000 §19.3.2).
 * @example
 * ```ts
 * import type { EcnCounts } from "@gquic/core/quic";
 * const e: EcnCounts = { ect0: 1, ect1: 0, ce: 0 };
 * console.log(e.ect0);
 * ```
 */
export interface EcnCounts {
  /** ECT(0) count. */
  ect0: number;
  /** ECT(1) count. */
  ect1: number;
  /** ECN-CE count. */
  ce: number;
}

/**
 * An acknowledged range `[smallest, largest]`, both inclusive.
 * @example
 * ```ts
 * import type { AckRange } from "@gquic/core/quic";
 * const r: AckRange = [3, 7];
 * console.log(r[1] - r[0] + 1); // 5
 * ```
 */
export type AckRange = [smallest: number, largest: number];

/**
 * ACK / ACK_ECN (RFC 9000 §19.3). `ranges` is in descending order, the first
 * holds the Largest Acknowledged; consecutive ranges are separated by at
 * least one unacknowledged packet. `ackDelay` is the raw field (scale by
 * 2^ack_delay_exponent microseconds).
 * @example
 * ```ts
 * import type { AckFrame } from "@gquic/core/quic";
 * const f: AckFrame = { type: "ack", ackDelay: 0, ranges: [[5, 9], [0, 2]] };
 * console.log(f.ranges[0][1]); // largest acknowledged: 9
 * ```
 */
export interface AckFrame {
  /** Discriminant. */
  type: "ack";
  /** ACK Delay field (encoded units). */
  ackDelay: number;
  /** Acknowledged ranges, descending. */
  ranges: AckRange[];
  /** ECN counts (present → frame type 0x03). */
  ecn?: EcnCounts;
}

/**
 * RESET_STREAM (RFC 9000 §19.4).
 * @example
 * ```ts
 * import type { ResetStreamFrame } from "@gquic/core/quic";
 * const f: ResetStreamFrame = { type: "reset_stream", streamId: 0, errorCode: 0x10cn, finalSize: 5 };
 * console.log(f.errorCode);
 * ```
 */
export interface ResetStreamFrame {
  /** Discriminant. */
  type: "reset_stream";
  /** Stream ID. */
  streamId: number;
  /** Application Protocol Error Code (62-bit). */
  errorCode: bigint;
  /** Final Size. */
  finalSize: number;
}

/**
 * STOP_SENDING (RFC 9000 §19.5).
 * @example
 * ```ts
 * import type { StopSendingFrame } from "@gquic/core/quic";
 * const f: StopSendingFrame = { type: "stop_sending", streamId: 4, errorCode: 0n };
 * console.log(f.streamId);
 * ```
 */
export interface StopSendingFrame {
  /** Discriminant. */
  type: "stop_sending";
  /** Stream ID. */
  streamId: number;
  /** Application Protocol Error Code (62-bit). */
  errorCode: bigint;
}

/**
 * CRYPTO (RFC 9000 §19.6).
 * @example
 * ```ts
 * import type { CryptoFrame } from "@gquic/core/quic";
 * const f: CryptoFrame = { type: "crypto", offset: 0, data: Uint8Array.of(1) };
 * console.log(f.data.length);
 * ```
 */
export interface CryptoFrame {
  /** Discriminant. */
  type: "crypto";
  /** Byte offset in the crypto stream. */
  offset: number;
  /** Crypto Data (a subarray of the packet when decoded). */
  data: Uint8Array;
}

/**
 * NEW_TOKEN (RFC 9000 §19.7).
 * @example
 * ```ts
 * import type { NewTokenFrame } from "@gquic/core/quic";
 * const f: NewTokenFrame = { type: "new_token", token: Uint8Array.of(1, 2) };
 * console.log(f.token.length);
 * ```
 */
export interface NewTokenFrame {
  /** Discriminant. */
  type: "new_token";
  /** Token (non-empty). */
  token: Uint8Array;
}

/**
 * STREAM (RFC 9000 §19.8). The OFF bit is set when `offset > 0`; the LEN bit
 * unless `hasLength` is false (then the data extends to the packet end).
 * @example
 * ```ts
 * import type { StreamFrame } from "@gquic/core/quic";
 * const f: StreamFrame = { type: "stream", streamId: 0, offset: 0, data: Uint8Array.of(1), fin: true };
 * console.log(f.fin);
 * ```
 */
export interface StreamFrame {
  /** Discriminant. */
  type: "stream";
  /** Stream ID. */
  streamId: number;
  /** Byte offset of `data` in the stream. */
  offset: number;
  /** Stream Data (a subarray of the packet when decoded). */
  data: Uint8Array;
  /** FIN bit: this frame ends the stream. */
  fin: boolean;
  /** Whether the Length field is present (default true when encoding). */
  hasLength?: boolean;
}

/**
 * MAX_DATA (RFC 9000 §19.9). Values above 2^53-1 decode as 2^53-1.
 * @example
 * ```ts
 * import type { MaxDataFrame } from "@gquic/core/quic";
 * const f: MaxDataFrame = { type: "max_data", maximumData: 1 << 20 };
 * console.log(f.maximumData);
 * ```
 */
export interface MaxDataFrame {
  /** Discriminant. */
  type: "max_data";
  /** Maximum Data. */
  maximumData: number;
}

/**
 * MAX_STREAM_DATA (RFC 9000 §19.10). Values above 2^53-1 decode as 2^53-1.
 * @example
 * ```ts
 * import type { MaxStreamDataFrame } from "@gquic/core/quic";
 * const f: MaxStreamDataFrame = { type: "max_stream_data", streamId: 0, maximumStreamData: 1000 };
 * console.log(f.maximumStreamData);
 * ```
 */
export interface MaxStreamDataFrame {
  /** Discriminant. */
  type: "max_stream_data";
  /** Stream ID. */
  streamId: number;
  /** Maximum Stream Data. */
  maximumStreamData: number;
}

/**
 * MAX_STREAMS (RFC 9000 §19.11); `bidi` selects 0x12 or 0x13. At most
 * 2^60; values above 2^53-1 decode as 2^53-1.
 * @example
 * ```ts
 * import type { MaxStreamsFrame } from "@gquic/core/quic";
 * const f: MaxStreamsFrame = { type: "max_streams", bidi: true, maximumStreams: 100 };
 * console.log(f.maximumStreams);
 * ```
 */
export interface MaxStreamsFrame {
  /** Discriminant. */
  type: "max_streams";
  /** Bidirectional (0x12) or unidirectional (0x13). */
  bidi: boolean;
  /** Maximum Streams. */
  maximumStreams: number;
}

/**
 * DATA_BLOCKED (RFC 9000 §19.12).
 * @example
 * ```ts
 * import type { DataBlockedFrame } from "@gquic/core/quic";
 * const f: DataBlockedFrame = { type: "data_blocked", maximumData: 100 };
 * console.log(f.maximumData);
 * ```
 */
export interface DataBlockedFrame {
  /** Discriminant. */
  type: "data_blocked";
  /** The connection-level limit at which blocking occurred. */
  maximumData: number;
}

/**
 * STREAM_DATA_BLOCKED (RFC 9000 §19.13).
 * @example
 * ```ts
 * import type { StreamDataBlockedFrame } from "@gquic/core/quic";
 * const f: StreamDataBlockedFrame = { type: "stream_data_blocked", streamId: 0, maximumStreamData: 9 };
 * console.log(f.streamId);
 * ```
 */
export interface StreamDataBlockedFrame {
  /** Discriminant. */
  type: "stream_data_blocked";
  /** Stream ID. */
  streamId: number;
  /** The stream-level limit at which blocking occurred. */
  maximumStreamData: number;
}

/**
 * STREAMS_BLOCKED (RFC 9000 §19.14); `bidi` selects 0x16 or 0x17.
 * @example
 * ```ts
 * import type { StreamsBlockedFrame } from "@gquic/core/quic";
 * const f: StreamsBlockedFrame = { type: "streams_blocked", bidi: false, maximumStreams: 3 };
 * console.log(f.bidi);
 * ```
 */
export interface StreamsBlockedFrame {
  /** Discriminant. */
  type: "streams_blocked";
  /** Bidirectional (0x16) or unidirectional (0x17). */
  bidi: boolean;
  /** The stream limit at which blocking occurred. */
  maximumStreams: number;
}

/**
 * NEW_CONNECTION_ID (RFC 9000 §19.15).
 * @example
 * ```ts
 * import type { NewConnectionIdFrame } from "@gquic/core/quic";
 * const f: NewConnectionIdFrame = {
 *   type: "new_connection_id", sequenceNumber: 1, retirePriorTo: 0,
 *   connectionId: new Uint8Array(8), statelessResetToken: new Uint8Array(16),
 * };
 * console.log(f.sequenceNumber);
 * ```
 */
export interface NewConnectionIdFrame {
  /** Discriminant. */
  type: "new_connection_id";
  /** Sequence Number. */
  sequenceNumber: number;
  /** Retire Prior To (≤ sequenceNumber). */
  retirePriorTo: number;
  /** Connection ID (1–20 bytes). */
  connectionId: Uint8Array;
  /** Stateless Reset Token (16 bytes). */
  statelessResetToken: Uint8Array;
}

/**
 * RETIRE_CONNECTION_ID (RFC 9000 §19.16).
 * @example
 * ```ts
 * import type { RetireConnectionIdFrame } from "@gquic/core/quic";
 * const f: RetireConnectionIdFrame = { type: "retire_connection_id", sequenceNumber: 0 };
 * console.log(f.sequenceNumber);
 * ```
 */
export interface RetireConnectionIdFrame {
  /** Discriminant. */
  type: "retire_connection_id";
  /** Sequence Number of the connection ID being retired. */
  sequenceNumber: number;
}

/**
 * PATH_CHALLENGE (RFC 9000 §19.17).
 * @example
 * ```ts
 * import type { PathChallengeFrame } from "@gquic/core/quic";
 * const f: PathChallengeFrame = { type: "path_challenge", data: new Uint8Array(8) };
 * console.log(f.data.length);
 * ```
 */
export interface PathChallengeFrame {
  /** Discriminant. */
  type: "path_challenge";
  /** 8 bytes of entropy. */
  data: Uint8Array;
}

/**
 * PATH_RESPONSE (RFC 9000 §19.18).
 * @example
 * ```ts
 * import type { PathResponseFrame } from "@gquic/core/quic";
 * const f: PathResponseFrame = { type: "path_response", data: new Uint8Array(8) };
 * console.log(f.data.length);
 * ```
 */
export interface PathResponseFrame {
  /** Discriminant. */
  type: "path_response";
  /** The 8 bytes echoed from PATH_CHALLENGE. */
  data: Uint8Array;
}

/**
 * CONNECTION_CLOSE (RFC 9000 §19.19): 0x1c (transport, with `frameType`) or
 * 0x1d (`application: true`). The reason phrase is raw bytes (UTF-8 by
 * convention, not validated).
 * @example
 * ```ts
 * import type { ConnectionCloseFrame } from "@gquic/core/quic";
 * const f: ConnectionCloseFrame = {
 *   type: "connection_close", application: false, errorCode: 0x0an, frameType: 0x08,
 *   reasonPhrase: new TextEncoder().encode("bad stream"),
 * };
 * console.log(f.errorCode);
 * ```
 */
export interface ConnectionCloseFrame {
  /** Discriminant. */
  type: "connection_close";
  /** Application close (0x1d) rather than transport close (0x1c). */
  application: boolean;
  /** Error Code (62-bit). */
  errorCode: bigint;
  /** Frame Type that triggered the error (0x1c only; 0 if unknown). Saturates at 2^53-1. */
  frameType: number;
  /** Reason Phrase bytes. */
  reasonPhrase: Uint8Array;
}

/**
 * HANDSHAKE_DONE (RFC 9000 §19.20).
 * @example
 * ```ts
 * import type { HandshakeDoneFrame } from "@gquic/core/quic";
 * const f: HandshakeDoneFrame = { type: "handshake_done" };
 * console.log(f.type);
 * ```
 */
export interface HandshakeDoneFrame {
  /** Discriminant. */
  type: "handshake_done";
}

/**
 * DATAGRAM (RFC 9221 §4): 0x31 with a Length field unless `hasLength` is
 * false (0x30: the data extends to the packet end).
 * @example
 * ```ts
 * import type { DatagramFrame } from "@gquic/core/quic";
 * const f: DatagramFrame = { type: "datagram", data: Uint8Array.of(1, 2, 3) };
 * console.log(f.data.length);
 * ```
 */
export interface DatagramFrame {
  /** Discriminant. */
  type: "datagram";
  /** Datagram Data (a subarray of the packet when decoded). */
  data: Uint8Array;
  /** Whether the Length field is present (default true when encoding). */
  hasLength?: boolean;
}

/**
 * Any QUIC frame this stack understands.
 * @example
 * ```ts
 * import type { Frame } from "@gquic/core/quic";
 * const frames: Frame[] = [{ type: "ping" }, { type: "padding", length: 3 }];
 * console.log(frames.length);
 * ```
 */
export type Frame =
  | PaddingFrame
  | PingFrame
  | AckFrame
  | ResetStreamFrame
  | StopSendingFrame
  | CryptoFrame
  | NewTokenFrame
  | StreamFrame
  | MaxDataFrame
  | MaxStreamDataFrame
  | MaxStreamsFrame
  | DataBlockedFrame
  | StreamDataBlockedFrame
  | StreamsBlockedFrame
  | NewConnectionIdFrame
  | RetireConnectionIdFrame
  | PathChallengeFrame
  | PathResponseFrame
  | ConnectionCloseFrame
  | HandshakeDoneFrame
  | DatagramFrame;

/**
 * The wire Frame Type of `frame` (for permission checks and error reports).
 * @example
 * ```ts
 * import { frameTypeOf } from "@gquic/core/quic";
 * console.log(frameTypeOf({ type: "stream", streamId: 0, offset: 4, data: new Uint8Array(1), fin: true })); // 15
 * ```
 */
export function frameTypeOf(frame: Frame): number {
  switch (frame.type) {
    case "padding":
      return FrameType.PADDING;
    case "ping":
      return FrameType.PING;
    case "ack":
      return frame.ecn ? FrameType.ACK_ECN : FrameType.ACK;
    case "reset_stream":
      return FrameType.RESET_STREAM;
    case "stop_sending":
      return FrameType.STOP_SENDING;
    case "crypto":
      return FrameType.CRYPTO;
    case "new_token":
      return FrameType.NEW_TOKEN;
    case "stream":
      return FrameType.STREAM | (frame.offset > 0 ? StreamBits.OFF : 0) |
        (frame.hasLength === false ? 0 : StreamBits.LEN) | (frame.fin ? StreamBits.FIN : 0);
    case "max_data":
      return FrameType.MAX_DATA;
    case "max_stream_data":
      return FrameType.MAX_STREAM_DATA;
    case "max_streams":
      return frame.bidi ? FrameType.MAX_STREAMS_BIDI : FrameType.MAX_STREAMS_UNI;
    case "data_blocked":
      return FrameType.DATA_BLOCKED;
    case "stream_data_blocked":
      return FrameType.STREAM_DATA_BLOCKED;
    case "streams_blocked":
      return frame.bidi ? FrameType.STREAMS_BLOCKED_BIDI : FrameType.STREAMS_BLOCKED_UNI;
    case "new_connection_id":
      return FrameType.NEW_CONNECTION_ID;
    case "retire_connection_id":
      return FrameType.RETIRE_CONNECTION_ID;
    case "path_challenge":
      return FrameType.PATH_CHALLENGE;
    case "path_response":
      return FrameType.PATH_RESPONSE;
    case "connection_close":
      return frame.application ? FrameType.CONNECTION_CLOSE_APP : FrameType.CONNECTION_CLOSE;
    case "handshake_done":
      return FrameType.HANDSHAKE_DONE;
    case "datagram":
      return frame.hasLength === false ? FrameType.DATAGRAM : FrameType.DATAGRAM_LEN;
  }
}
