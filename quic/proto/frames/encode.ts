/**
 * Frame encoding into a caller buffer at an offset (zero-copy packet
 * assembly), exact sizes before writing, and the largest STREAM / CRYPTO /
 * DATAGRAM payload that fits a given space (RFC 9000 §19, RFC 9221 §4).
 * Encoding errors are our own bugs: `QuicError` INTERNAL_ERROR.
 * @module
 */
import { QuicError, TransportErrorCode } from "../errors.ts";
import { varIntLength, writeVarInt } from "../varint.ts";
import { type AckFrame, type Frame, FrameType, frameTypeOf, StreamBits } from "./types.ts";
import { varIntLengthBig, writeVarIntBig } from "./varint_ext.ts";

function internal(message: string): QuicError {
  return new QuicError(TransportErrorCode.INTERNAL_ERROR, message);
}

function ackSize(f: AckFrame): number {
  const r = f.ranges;
  if (r.length === 0) throw internal("ACK frame without ranges");
  const largest = r[0][1];
  let n = 1 + varIntLength(largest) + varIntLength(f.ackDelay) + varIntLength(r.length - 1) +
    varIntLength(largest - r[0][0]);
  let prevSmallest = r[0][0];
  for (let i = 1; i < r.length; i++) {
    const [s, l] = r[i];
    // RFC 9000 §19.3.1: Gap = previous smallest - this largest - 2.
    n += varIntLength(prevSmallest - l - 2) + varIntLength(l - s);
    prevSmallest = s;
  }
  if (f.ecn) n += varIntLength(f.ecn.ect0) + varIntLength(f.ecn.ect1) + varIntLength(f.ecn.ce);
  return n;
}

/**
 * Exact encoded size of `frame` in bytes.
 *
 * @example
 * ```ts
 * import { frameSize } from "@gquic/core/quic";
 * console.log(frameSize({ type: "stream", streamId: 4, offset: 0, data: new Uint8Array(100), fin: false })); // 104
 * ```
 */
export function frameSize(frame: Frame): number {
  switch (frame.type) {
    case "padding":
      return frame.length;
    case "ping":
    case "handshake_done":
      return 1;
    case "ack":
      return ackSize(frame);
    case "reset_stream":
      return 1 + varIntLength(frame.streamId) + varIntLengthBig(frame.errorCode) +
        varIntLength(frame.finalSize);
    case "stop_sending":
      return 1 + varIntLength(frame.streamId) + varIntLengthBig(frame.errorCode);
    case "crypto":
      return 1 + varIntLength(frame.offset) + varIntLength(frame.data.length) + frame.data.length;
    case "new_token":
      return 1 + varIntLength(frame.token.length) + frame.token.length;
    case "stream":
      return streamFrameHeaderSize(
        frame.streamId,
        frame.offset,
        frame.data.length,
        frame.hasLength !== false,
      ) + frame.data.length;
    case "max_data":
    case "data_blocked":
      return 1 + varIntLength(frame.maximumData);
    case "max_stream_data":
    case "stream_data_blocked":
      return 1 + varIntLength(frame.streamId) + varIntLength(frame.maximumStreamData);
    case "max_streams":
    case "streams_blocked":
      return 1 + varIntLength(frame.maximumStreams);
    case "new_connection_id":
      return 1 + varIntLength(frame.sequenceNumber) + varIntLength(frame.retirePriorTo) + 1 +
        frame.connectionId.length + 16;
    case "retire_connection_id":
      return 1 + varIntLength(frame.sequenceNumber);
    case "path_challenge":
    case "path_response":
      return 9;
    case "connection_close":
      return 1 + varIntLengthBig(frame.errorCode) +
        (frame.application ? 0 : varIntLength(frame.frameType)) +
        varIntLength(frame.reasonPhrase.length) + frame.reasonPhrase.length;
    case "datagram":
      return 1 + (frame.hasLength === false ? 0 : varIntLength(frame.data.length)) +
        frame.data.length;
  }
}

/**
 * Size of a STREAM frame's header (type, Stream ID, Offset if nonzero,
 * Length if present) for `length` data bytes.
 *
 * @example
 * ```ts
 * import { streamFrameHeaderSize } from "@gquic/core/quic";
 * console.log(streamFrameHeaderSize(0, 1000, 1200, true)); // 6
 * ```
 */
export function streamFrameHeaderSize(
  streamId: number,
  offset: number,
  length: number,
  hasLength: boolean,
): number {
  return 1 + varIntLength(streamId) + (offset > 0 ? varIntLength(offset) : 0) +
    (hasLength ? varIntLength(length) : 0);
}

/**
 * Writes a STREAM frame header (RFC 9000 §19.8) for `length` data bytes at
 * `buf[off]` and returns the offset where the data goes, so the caller can
 * copy stream data straight from its send buffer.
 *
 * @example
 * ```ts
 * import { writeStreamFrameHeader } from "@gquic/core/quic";
 * const buf = new Uint8Array(64);
 * const dataAt = writeStreamFrameHeader(buf, 0, 4, 0, 3, true, true);
 * buf.set([1, 2, 3], dataAt);
 * console.log(buf[0].toString(16), dataAt); // b 3
 * ```
 */
export function writeStreamFrameHeader(
  buf: Uint8Array,
  off: number,
  streamId: number,
  offset: number,
  length: number,
  fin: boolean,
  hasLength: boolean,
): number {
  checkStreamRange(offset, length);
  buf[off] = FrameType.STREAM | (offset > 0 ? StreamBits.OFF : 0) |
    (hasLength ? StreamBits.LEN : 0) | (fin ? StreamBits.FIN : 0);
  let p = writeVarInt(buf, off + 1, streamId);
  if (offset > 0) p = writeVarInt(buf, p, offset);
  if (hasLength) p = writeVarInt(buf, p, length);
  return p;
}

/**
 * Writes a CRYPTO frame header (RFC 9000 §19.6) for `length` bytes at
 * `buf[off]`; returns the offset where the data goes.
 *
 * @example
 * ```ts
 * import { writeCryptoFrameHeader } from "@gquic/core/quic";
 * const buf = new Uint8Array(16);
 * console.log(writeCryptoFrameHeader(buf, 0, 0, 241)); // 4
 * ```
 */
export function writeCryptoFrameHeader(
  buf: Uint8Array,
  off: number,
  offset: number,
  length: number,
): number {
  checkStreamRange(offset, length);
  buf[off] = FrameType.CRYPTO;
  return writeVarInt(buf, writeVarInt(buf, off + 1, offset), length);
}

function checkStreamRange(offset: number, length: number): void {
  // RFC 9000 §19.8: offset + length must stay ≤ 2^62-1 (and ≤ 2^53-1 in this stack).
  if (offset + length > Number.MAX_SAFE_INTEGER) throw internal("stream offset out of range");
}

/**
 * Writes `frame` at `buf[off]` and returns the offset after it. Throws
 * INTERNAL_ERROR if it does not fit or a field is invalid.
 *
 * @example
 * ```ts
 * import { encodeFrame } from "@gquic/core/quic";
 * const buf = new Uint8Array(32);
 * const end = encodeFrame(buf, 0, { type: "ack", ackDelay: 0, ranges: [[0, 2]] });
 * console.log(buf.subarray(0, end)); // Uint8Array(5) [2, 2, 0, 0, 2]
 * ```
 */
export function encodeFrame(buf: Uint8Array, off: number, frame: Frame): number {
  const size = frameSize(frame);
  if (off < 0 || off + size > buf.length) throw internal("frame does not fit the buffer");
  const type = frameTypeOf(frame);
  switch (frame.type) {
    case "padding":
      buf.fill(0, off, off + frame.length);
      return off + frame.length;
    case "ping":
    case "handshake_done":
      buf[off] = type;
      return off + 1;
    case "ack":
      return writeAck(buf, off, frame);
    case "reset_stream": {
      buf[off] = type;
      let p = writeVarInt(buf, off + 1, frame.streamId);
      p = writeVarIntBig(buf, p, frame.errorCode);
      return writeVarInt(buf, p, frame.finalSize);
    }
    case "stop_sending":
      buf[off] = type;
      return writeVarIntBig(buf, writeVarInt(buf, off + 1, frame.streamId), frame.errorCode);
    case "crypto": {
      const p = writeCryptoFrameHeader(buf, off, frame.offset, frame.data.length);
      buf.set(frame.data, p);
      return p + frame.data.length;
    }
    case "new_token": {
      // RFC 9000 §19.7: the token must not be empty.
      if (frame.token.length === 0) throw internal("NEW_TOKEN with empty token");
      buf[off] = type;
      const p = writeVarInt(buf, off + 1, frame.token.length);
      buf.set(frame.token, p);
      return p + frame.token.length;
    }
    case "stream": {
      const p = writeStreamFrameHeader(
        buf,
        off,
        frame.streamId,
        frame.offset,
        frame.data.length,
        frame.fin,
        frame.hasLength !== false,
      );
      buf.set(frame.data, p);
      return p + frame.data.length;
    }
    case "max_data":
    case "data_blocked":
      buf[off] = type;
      return writeVarInt(buf, off + 1, frame.maximumData);
    case "max_stream_data":
    case "stream_data_blocked":
      buf[off] = type;
      return writeVarInt(buf, writeVarInt(buf, off + 1, frame.streamId), frame.maximumStreamData);
    case "max_streams":
    case "streams_blocked":
      // RFC 9000 §19.11, §19.14: at most 2^60 (always true below 2^53).
      buf[off] = type;
      return writeVarInt(buf, off + 1, frame.maximumStreams);
    case "new_connection_id": {
      const cid = frame.connectionId;
      // RFC 9000 §19.15: 1..20-byte CID, 16-byte token, Retire Prior To ≤ Sequence Number.
      if (cid.length < 1 || cid.length > 20) throw internal("NEW_CONNECTION_ID length");
      if (frame.statelessResetToken.length !== 16) throw internal("reset token must be 16 bytes");
      if (frame.retirePriorTo > frame.sequenceNumber) throw internal("retirePriorTo > sequence");
      buf[off] = type;
      let p = writeVarInt(buf, off + 1, frame.sequenceNumber);
      p = writeVarInt(buf, p, frame.retirePriorTo);
      buf[p++] = cid.length;
      buf.set(cid, p);
      p += cid.length;
      buf.set(frame.statelessResetToken, p);
      return p + 16;
    }
    case "retire_connection_id":
      buf[off] = type;
      return writeVarInt(buf, off + 1, frame.sequenceNumber);
    case "path_challenge":
    case "path_response":
      if (frame.data.length !== 8) throw internal("path data must be 8 bytes");
      buf[off] = type;
      buf.set(frame.data, off + 1);
      return off + 9;
    case "connection_close": {
      buf[off] = type;
      let p = writeVarIntBig(buf, off + 1, frame.errorCode);
      if (!frame.application) p = writeVarInt(buf, p, frame.frameType);
      p = writeVarInt(buf, p, frame.reasonPhrase.length);
      buf.set(frame.reasonPhrase, p);
      return p + frame.reasonPhrase.length;
    }
    case "datagram": {
      buf[off] = type;
      let p = off + 1;
      if (frame.hasLength !== false) p = writeVarInt(buf, p, frame.data.length);
      buf.set(frame.data, p);
      return p + frame.data.length;
    }
  }
}

function writeAck(buf: Uint8Array, off: number, f: AckFrame): number {
  const r = f.ranges;
  const largest = r[0][1];
  const first = largest - r[0][0];
  if (first < 0) throw internal("ACK range smallest > largest");
  buf[off] = f.ecn ? FrameType.ACK_ECN : FrameType.ACK;
  let p = writeVarInt(buf, off + 1, largest);
  p = writeVarInt(buf, p, f.ackDelay);
  p = writeVarInt(buf, p, r.length - 1);
  p = writeVarInt(buf, p, first);
  let prevSmallest = r[0][0];
  for (let i = 1; i < r.length; i++) {
    const [s, l] = r[i];
    const gap = prevSmallest - l - 2;
    if (gap < 0 || l < s) throw internal("ACK ranges must be descending and disjoint");
    p = writeVarInt(buf, p, gap);
    p = writeVarInt(buf, p, l - s);
    prevSmallest = s;
  }
  if (f.ecn) {
    p = writeVarInt(buf, p, f.ecn.ect0);
    p = writeVarInt(buf, p, f.ecn.ect1);
    p = writeVarInt(buf, p, f.ecn.ce);
  }
  return p;
}

/** Largest value of a varint of each width (RFC 9000 §16). */
const LEN_WIDTHS: readonly [1 | 2 | 4 | 8, number][] = [
  [1, 0x3f],
  [2, 0x3fff],
  [4, 0x3fffffff],
  [8, Number.MAX_SAFE_INTEGER],
];

/** Largest `n` with `n + varIntLength(n) <= avail` (a Length field followed by n bytes). */
function maxWithLength(avail: number): number {
  let best = -1;
  for (const [w, max] of LEN_WIDTHS) {
    if (avail - w < 0) break;
    const n = Math.min(avail - w, max);
    if (n > best) best = n;
  }
  return best;
}

/**
 * The largest number of stream data bytes a STREAM frame for
 * (`streamId`, `offset`) can carry in `space` bytes, or -1 if not even an
 * empty frame fits. With `hasLength` false the frame must be the last in
 * the packet.
 *
 * @example
 * ```ts
 * import { maxStreamDataLength } from "@gquic/core/quic";
 * console.log(maxStreamDataLength(100, 0, 0, true)); // 96
 * ```
 */
export function maxStreamDataLength(
  space: number,
  streamId: number,
  offset: number,
  hasLength = true,
): number {
  const fixed = 1 + varIntLength(streamId) + (offset > 0 ? varIntLength(offset) : 0);
  const avail = space - fixed;
  if (avail < 0) return -1;
  return hasLength ? maxWithLength(avail) : avail;
}

/**
 * The largest number of bytes a CRYPTO frame at `offset` can carry in
 * `space` bytes, or -1 if not even an empty frame fits.
 *
 * @example
 * ```ts
 * import { maxCryptoDataLength } from "@gquic/core/quic";
 * console.log(maxCryptoDataLength(1000, 0)); // 996
 * ```
 */
export function maxCryptoDataLength(space: number, offset: number): number {
  const avail = space - 1 - varIntLength(offset);
  if (avail < 0) return -1;
  return maxWithLength(avail);
}

/**
 * The largest DATAGRAM payload that fits in `space` bytes (RFC 9221 §4), or
 * -1 if not even an empty frame fits.
 *
 * @example
 * ```ts
 * import { maxDatagramDataLength } from "@gquic/core/quic";
 * console.log(maxDatagramDataLength(1000, false)); // 999
 * ```
 */
export function maxDatagramDataLength(space: number, hasLength = true): number {
  const avail = space - 1;
  if (avail < 0) return -1;
  return hasLength ? maxWithLength(avail) : avail;
}
