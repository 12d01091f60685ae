/**
 * Varint helpers the frame and transport-parameter codecs need beyond
 * `varint.ts`: a reader that maps values above 2^53-1 to `Infinity` (so each
 * field can apply its own RFC error or saturate), and 62-bit `bigint`
 * read/write into a caller buffer without a temporary array.
 * @module
 */
import { QuicError, TransportErrorCode } from "../errors.ts";
import { VARINT_MAX, VARINT_MAX_BIG } from "../varint.ts";

function truncated(): QuicError {
  return new QuicError(TransportErrorCode.FRAME_ENCODING_ERROR, "truncated varint");
}

/**
 * Reads a varint at `buf[c.offset]` and advances `c.offset`; values above
 * 2^53-1 come back as `Infinity` (the field's rule decides what that means).
 * Truncation → FRAME_ENCODING_ERROR.
 *
 * @example
 * ```ts
 * import { readVarIntOrInfinity } from "@gquic/core/quic";
 * const c = { offset: 0 };
 * console.log(readVarIntOrInfinity(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), c)); // Infinity
 * ```
 */
export function readVarIntOrInfinity(buf: Uint8Array, c: { offset: number }): number {
  const off = c.offset;
  if (off >= buf.length) throw truncated();
  const b0 = buf[off];
  const len = 1 << (b0 >> 6);
  if (off + len > buf.length) throw truncated();
  c.offset = off + len;
  switch (len) {
    case 1:
      return b0;
    case 2:
      return ((b0 & 0x3f) << 8) | buf[off + 1];
    case 4:
      return (b0 & 0x3f) * 0x1000000 + ((buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]);
    default: {
      const hi = (b0 & 0x3f) * 0x1000000 +
        ((buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]);
      if (hi > 0x1fffff) return Infinity;
      const lo = ((buf[off + 4] << 24) | (buf[off + 5] << 16) | (buf[off + 6] << 8) |
        buf[off + 7]) >>> 0;
      return hi * 0x100000000 + lo;
    }
  }
}

/**
 * Reads a full 62-bit varint as `bigint`, advancing `c.offset`.
 * Truncation → FRAME_ENCODING_ERROR.
 *
 * @example
 * ```ts
 * import { readVarIntBigAt } from "@gquic/core/quic";
 * console.log(readVarIntBigAt(Uint8Array.of(0x7b, 0xbd), { offset: 0 })); // 15293n
 * ```
 */
export function readVarIntBigAt(buf: Uint8Array, c: { offset: number }): bigint {
  const off = c.offset;
  if (off >= buf.length) throw truncated();
  const len = 1 << (buf[off] >> 6);
  if (off + len > buf.length) throw truncated();
  c.offset = off + len;
  if (len < 8) {
    let v = buf[off] & 0x3f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[off + i];
    return BigInt(v);
  }
  let v = BigInt(buf[off] & 0x3f);
  for (let i = 1; i < 8; i++) v = (v << 8n) | BigInt(buf[off + i]);
  return v;
}

/**
 * Encoded length of a 62-bit `bigint` varint; INTERNAL_ERROR if out of range.
 *
 * @example
 * ```ts
 * import { varIntLengthBig } from "@gquic/core/quic";
 * console.log(varIntLengthBig(1n << 61n)); // 8
 * ```
 */
export function varIntLengthBig(v: bigint): 1 | 2 | 4 | 8 {
  if (v < 0n || v > VARINT_MAX_BIG) {
    throw new QuicError(TransportErrorCode.INTERNAL_ERROR, `value ${v} is not a varint`);
  }
  if (v < 0x40n) return 1;
  if (v < 0x4000n) return 2;
  if (v < 0x40000000n) return 4;
  return 8;
}

/**
 * Writes a 62-bit `bigint` varint at `buf[off]` in its shortest form and
 * returns the new offset. Out of room → INTERNAL_ERROR.
 *
 * @example
 * ```ts
 * import { writeVarIntBig } from "@gquic/core/quic";
 * const buf = new Uint8Array(8);
 * console.log(writeVarIntBig(buf, 0, 151288809941952652n), buf[0].toString(16)); // 8 c2
 * ```
 */
export function writeVarIntBig(buf: Uint8Array, off: number, v: bigint): number {
  const len = varIntLengthBig(v);
  if (off + len > buf.length) {
    throw new QuicError(TransportErrorCode.INTERNAL_ERROR, "varint write past end of buffer");
  }
  if (len < 8 || v <= BigInt(VARINT_MAX)) {
    // Values ≤ 2^53-1 are exact as numbers.
    let n = Number(v);
    for (let i = len - 1; i >= 0; i--) {
      buf[off + i] = n % 256;
      n = Math.floor(n / 256);
    }
  } else {
    let x = v;
    for (let i = 7; i >= 0; i--) {
      buf[off + i] = Number(x & 0xffn);
      x >>= 8n;
    }
  }
  buf[off] |= len === 1 ? 0 : len === 2 ? 0x40 : len === 4 ? 0x80 : 0xc0;
  return off + len;
}
