/**
 * Variable-length integers as HTTP/3 reads them (RFC 9000 §16, used by
 * RFC 9114 §7.1 frame headers and payloads). Unlike the QUIC core reader,
 * values above 2^53 are returned approximately instead of rejected: HTTP/3
 * carries such values legitimately (GREASE frame and setting identifiers, a
 * graceful GOAWAY of 2^62-4), and they only ever need comparing.
 * @module
 */
import { encodeVarIntBig, varIntLength, writeVarInt } from "../../quic/proto/varint.ts";
import { connectionError, H3ErrorCode } from "./errors.ts";

/** Largest varint value (2^62-1) as an (approximate) number. */
export const H3_VARINT_MAX = 2 ** 62 - 1;

/** Encoded length of the varint starting with byte `b0`. */
export function varIntLengthOf(b0: number): number {
  return 1 << (b0 >> 6);
}

/**
 * Decodes the varint at `buf[pos]`; the caller has checked that
 * {@link varIntLengthOf} bytes are available.
 */
export function varIntAt(buf: Uint8Array, pos: number): number {
  const b0 = buf[pos];
  switch (b0 >> 6) {
    case 0:
      return b0;
    case 1:
      return ((b0 & 0x3f) << 8) | buf[pos + 1];
    case 2:
      return (b0 & 0x3f) * 0x1000000 + ((buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]);
    default: {
      const hi = (b0 & 0x3f) * 0x1000000 +
        ((buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]);
      const lo = (buf[pos + 4] * 0x1000000) +
        ((buf[pos + 5] << 16) | (buf[pos + 6] << 8) | buf[pos + 7]);
      return hi * 0x100000000 + lo;
    }
  }
}

/** A cursor over a complete frame payload; truncation is H3_FRAME_ERROR (RFC 9114 §7.1). */
export class PayloadReader {
  /** Current offset. */
  pos = 0;
  /**
   * @param buf the payload
   * @param what frame name for error messages
   */
  constructor(readonly buf: Uint8Array, readonly what: string) {}

  /** Reads one varint or throws H3_FRAME_ERROR. */
  varint(): number {
    if (this.pos >= this.buf.length) throw this.truncated();
    const n = varIntLengthOf(this.buf[this.pos]);
    if (this.pos + n > this.buf.length) throw this.truncated();
    const v = varIntAt(this.buf, this.pos);
    this.pos += n;
    return v;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** The rest of the payload. */
  rest(): Uint8Array {
    const r = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return r;
  }

  /** RFC 9114 §7.1: extra bytes after the identified fields are H3_FRAME_ERROR. */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw connectionError(H3ErrorCode.H3_FRAME_ERROR, `${this.what}: trailing bytes`);
    }
  }

  private truncated(): Error {
    return connectionError(H3ErrorCode.H3_FRAME_ERROR, `${this.what}: truncated`);
  }
}

/** Encoded length of any varint value up to 2^62-1. */
export function h3VarIntLength(v: number): number {
  return v <= Number.MAX_SAFE_INTEGER ? varIntLength(v) : 8;
}

/** Writes any varint value up to 2^62-1 at `buf[off]`; returns the new offset. */
export function writeH3VarInt(buf: Uint8Array, off: number, v: number): number {
  if (v <= Number.MAX_SAFE_INTEGER) return writeVarInt(buf, off, v);
  const big = BigInt(Math.min(v, H3_VARINT_MAX));
  const bytes = encodeVarIntBig(big > (1n << 62n) - 1n ? (1n << 62n) - 1n : big);
  buf.set(bytes, off);
  return off + bytes.length;
}
