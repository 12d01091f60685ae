/**
 * Unidirectional stream types (RFC 9114 §6.2, RFC 9204 §4.2) and the
 * incremental reader of a unidirectional stream's preface: the stream type
 * and, for push streams, the push ID (§4.6).
 * @module
 */
import { isGreaseId } from "./frames.ts";
import { varIntAt, varIntLengthOf, writeH3VarInt } from "./varint.ts";

/**
 * Unidirectional stream types (RFC 9114 §6.2, §11.2.4; RFC 9204 §4.2).
 *
 * @example
 * ```ts
 * import { StreamType } from "@gquic/core/http3";
 * console.log(StreamType.QPACK_DECODER); // 3
 * ```
 */
export const StreamType = {
  /** RFC 9114 §6.2.1 */
  CONTROL: 0x0,
  /** RFC 9114 §6.2.2 */
  PUSH: 0x1,
  /** RFC 9204 §4.2 */
  QPACK_ENCODER: 0x2,
  /** RFC 9204 §4.2 */
  QPACK_DECODER: 0x3,
} as const;

/**
 * What a receiver does with a unidirectional stream type: the four known
 * kinds, or `unknown` (reserved/GREASE included), which RFC 9114 §6.2 says
 * to abort reading with H3_STREAM_CREATION_ERROR without erroring the connection.
 *
 * @example
 * ```ts
 * import { classifyStreamType } from "@gquic/core/http3";
 * console.log(classifyStreamType(0x21)); // "unknown"
 * ```
 */
export function classifyStreamType(
  type: number,
): "control" | "push" | "qpackEncoder" | "qpackDecoder" | "unknown" {
  switch (type) {
    case StreamType.CONTROL:
      return "control";
    case StreamType.PUSH:
      return "push";
    case StreamType.QPACK_ENCODER:
      return "qpackEncoder";
    case StreamType.QPACK_DECODER:
      return "qpackDecoder";
    default:
      return "unknown";
  }
}

/**
 * True for a reserved stream type 0x1f * N + 0x21 (RFC 9114 §6.2.3).
 *
 * @example
 * ```ts
 * import { isGreaseStreamType } from "@gquic/core/http3";
 * console.log(isGreaseStreamType(0x5f)); // true
 * ```
 */
export function isGreaseStreamType(type: number): boolean {
  return isGreaseId(type);
}

/**
 * Encodes a stream preface: the type, then the push ID for push streams.
 *
 * @example
 * ```ts
 * import { encodeStreamPreface, StreamType } from "@gquic/core/http3";
 * console.log(encodeStreamPreface(StreamType.PUSH, 5)); // Uint8Array [1, 5]
 * ```
 */
export function encodeStreamPreface(type: number, pushId?: number): Uint8Array {
  const buf = new Uint8Array(16);
  let off = writeH3VarInt(buf, 0, type);
  if (pushId !== undefined) off = writeH3VarInt(buf, off, pushId);
  return buf.slice(0, off);
}

/**
 * Reads the varints at the start of a unidirectional stream, one byte at a
 * time across chunk boundaries. {@link PrefaceReader.read} returns how many
 * bytes of `chunk` it consumed; {@link PrefaceReader.value} is set once a
 * whole varint has been read.
 *
 * @example
 * ```ts
 * import { PrefaceReader } from "@gquic/core/http3";
 * const r = new PrefaceReader();
 * r.read(Uint8Array.of(0x40));
 * r.read(Uint8Array.of(0x21, 0xff));
 * console.log(r.value); // 33
 * ```
 */
export class PrefaceReader {
  private readonly buf = new Uint8Array(8);
  private len = 0;
  /** The varint once complete, else -1. */
  value: number = -1;

  /** Consumes bytes of `chunk` from `offset` until the varint is complete; returns bytes used. */
  read(chunk: Uint8Array, offset = 0): number {
    let i = offset;
    while (this.value < 0 && i < chunk.length) {
      this.buf[this.len++] = chunk[i++];
      if (this.len === varIntLengthOf(this.buf[0])) this.value = varIntAt(this.buf, 0);
    }
    return i - offset;
  }

  /** Starts over for the next varint. */
  reset(): void {
    this.len = 0;
    this.value = -1;
  }
}
