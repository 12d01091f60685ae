/**
 * Variable-length integers (RFC 9000 §16). Values are `number`s: QUIC allows
 * up to 2^62-1, but the core rejects anything above 2^53-1 with a typed error
 * rather than lose precision (packet numbers, offsets and stream IDs never
 * reach that in practice). {@link readVarIntBig} decodes the full range.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";

/** Largest value a QUIC varint can carry: 2^62-1 (RFC 9000 §16). */
export const VARINT_MAX_BIG: bigint = (1n << 62n) - 1n;
/** Largest varint value representable exactly as a `number` (2^53-1). */
export const VARINT_MAX: number = Number.MAX_SAFE_INTEGER;

/**
 * Encoded length in bytes of `v` (1, 2, 4 or 8).
 *
 * @example
 * ```ts
 * import { varIntLength } from "@gquic/core/quic";
 * console.log(varIntLength(63), varIntLength(64)); // 1 2
 * ```
 */
export function varIntLength(v: number): 1 | 2 | 4 | 8 {
  if (v < 0x40) {
    if (v < 0 || !Number.isInteger(v)) throw badValue(v);
    return 1;
  }
  if (v < 0x4000) return 2;
  if (v < 0x40000000) return 4;
  if (v <= VARINT_MAX && Number.isInteger(v)) return 8;
  throw badValue(v);
}

function badValue(v: number | bigint): QuicError {
  return new QuicError(
    TransportErrorCode.INTERNAL_ERROR,
    `value ${v} cannot be encoded as a varint`,
  );
}

/**
 * Writes `v` at `buf[off]` in its shortest form and returns the new offset.
 * The caller guarantees room (see {@link varIntLength}); out of room throws a
 * `QuicError` (INTERNAL_ERROR: our own bug, not the peer's).
 *
 * @example
 * ```ts
 * import { writeVarInt } from "@gquic/core/quic";
 * const buf = new Uint8Array(8);
 * const end = writeVarInt(buf, 0, 15293); // RFC 9000 §A.1: 0x7bbd
 * console.log(end, buf[0].toString(16), buf[1].toString(16)); // 2 7b bd
 * ```
 */
export function writeVarInt(buf: Uint8Array, off: number, v: number): number {
  const len = varIntLength(v);
  return writeVarIntLen(buf, off, v, len);
}

/**
 * Writes `v` using exactly `len` bytes (a longer form than needed is legal,
 * RFC 9000 §16); returns the new offset.
 *
 * @example
 * ```ts
 * import { writeVarIntLen } from "@gquic/core/quic";
 * const buf = new Uint8Array(4);
 * writeVarIntLen(buf, 0, 37, 2); // 0x4025, RFC 9000 §A.1
 * console.log(buf[0].toString(16), buf[1].toString(16)); // 40 25
 * ```
 */
export function writeVarIntLen(
  buf: Uint8Array,
  off: number,
  v: number,
  len: 1 | 2 | 4 | 8,
): number {
  if (off + len > buf.length) {
    throw new QuicError(TransportErrorCode.INTERNAL_ERROR, "varint write past end of buffer");
  }
  switch (len) {
    case 1:
      if (v >= 0x40) throw badValue(v);
      buf[off] = v;
      return off + 1;
    case 2:
      if (v >= 0x4000) throw badValue(v);
      buf[off] = 0x40 | (v >>> 8);
      buf[off + 1] = v & 0xff;
      return off + 2;
    case 4:
      if (v >= 0x40000000) throw badValue(v);
      buf[off] = 0x80 | (v >>> 24);
      buf[off + 1] = (v >>> 16) & 0xff;
      buf[off + 2] = (v >>> 8) & 0xff;
      buf[off + 3] = v & 0xff;
      return off + 4;
    default: {
      if (v > VARINT_MAX || v < 0 || !Number.isInteger(v)) throw badValue(v);
      const hi = Math.floor(v / 0x100000000);
      const lo = v >>> 0;
      buf[off] = 0xc0 | (hi >>> 24);
      buf[off + 1] = (hi >>> 16) & 0xff;
      buf[off + 2] = (hi >>> 8) & 0xff;
      buf[off + 3] = hi & 0xff;
      buf[off + 4] = lo >>> 24;
      buf[off + 5] = (lo >>> 16) & 0xff;
      buf[off + 6] = (lo >>> 8) & 0xff;
      buf[off + 7] = lo & 0xff;
      return off + 8;
    }
  }
}

/**
 * Encodes a full-range (62-bit) varint from a `bigint` into a fresh array.
 *
 * @example
 * ```ts
 * import { encodeVarIntBig } from "@gquic/core/quic";
 * console.log(encodeVarIntBig(151288809941952652n).length); // 8
 * ```
 */
export function encodeVarIntBig(v: bigint): Uint8Array {
  if (v < 0n || v > VARINT_MAX_BIG) throw badValue(v);
  if (v <= BigInt(VARINT_MAX)) {
    const n = Number(v);
    const out = new Uint8Array(varIntLength(n));
    writeVarInt(out, 0, n);
    return out;
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v | (3n << 62n));
  return out;
}

/**
 * Reads a full-range varint as `bigint`. Returns `[value, newOffset]`;
 * truncated input throws `QuicError` FRAME_ENCODING_ERROR.
 *
 * @example
 * ```ts
 * import { readVarIntBig } from "@gquic/core/quic";
 * const [v] = readVarIntBig(Uint8Array.of(0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c), 0);
 * console.log(v); // 151288809941952652n
 * ```
 */
export function readVarIntBig(buf: Uint8Array, off: number): [bigint, number] {
  if (off >= buf.length) throw truncated();
  const len = 1 << (buf[off] >> 6);
  if (off + len > buf.length) throw truncated();
  let v = BigInt(buf[off] & 0x3f);
  for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(buf[off + i]);
  return [v, off + len];
}

function truncated(): QuicError {
  return new QuicError(TransportErrorCode.FRAME_ENCODING_ERROR, "truncated varint");
}

/**
 * Reads a varint as a `number` at `buf[off]`. Sets `out.offset` to the byte
 * after it and returns the value. Truncation → FRAME_ENCODING_ERROR; a value
 * above 2^53-1 → PROTOCOL_VIOLATION (not representable in this stack).
 * The out-parameter avoids a per-call allocation on the packet path.
 *
 * @example
 * ```ts
 * import { readVarInt } from "@gquic/core/quic";
 * const cursor = { offset: 0 };
 * console.log(readVarInt(Uint8Array.of(0x9d, 0x7f, 0x3e, 0x7d), cursor), cursor.offset); // 494878333 4
 * ```
 */
export function readVarInt(buf: Uint8Array, cursor: { offset: number }): number {
  const off = cursor.offset;
  if (off >= buf.length) throw truncated();
  const b0 = buf[off];
  switch (b0 >> 6) {
    case 0:
      cursor.offset = off + 1;
      return b0;
    case 1:
      if (off + 2 > buf.length) throw truncated();
      cursor.offset = off + 2;
      return ((b0 & 0x3f) << 8) | buf[off + 1];
    case 2:
      if (off + 4 > buf.length) throw truncated();
      cursor.offset = off + 4;
      return ((b0 & 0x3f) * 0x1000000) +
        ((buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]);
    default: {
      if (off + 8 > buf.length) throw truncated();
      const hi = ((b0 & 0x3f) * 0x1000000) +
        ((buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]);
      if (hi > 0x1fffff) {
        throw new QuicError(
          TransportErrorCode.PROTOCOL_VIOLATION,
          "varint value above 2^53-1 is not supported",
        );
      }
      const lo = ((buf[off + 4] << 24) | (buf[off + 5] << 16) | (buf[off + 6] << 8) |
        buf[off + 7]) >>> 0;
      cursor.offset = off + 8;
      return hi * 0x100000000 + lo;
    }
  }
}
