/**
 * Prefix integers (RFC 7541 §5.1, used by RFC 9204 §4.1.1), a read cursor
 * and a growable output buffer shared by the QPACK encoder and decoder.
 * @module
 */
import { QpackError, type QpackErrorCodeValue } from "./errors.ts";

/** Returned by readers when the input ends inside an integer or string. */
export const INCOMPLETE = -1;

/**
 * Largest integer accepted from a peer. QPACK integers are indices, lengths,
 * capacities and stream IDs; anything above 2^53 - 1 cannot be represented
 * exactly and is rejected rather than silently rounded.
 */
const MAX_INT = Number.MAX_SAFE_INTEGER;

/** A read position over `buf[pos..end)`. Readers advance `pos`. */
export class Cursor {
  /** The bytes. */
  buf: Uint8Array;
  /** Next byte to read. */
  pos: number;
  /** End of input (exclusive). */
  end: number;
  /** Error code for malformed input read through this cursor. */
  readonly code: QpackErrorCodeValue;

  /**
   * @param buf bytes
   * @param pos start
   * @param end end (exclusive)
   * @param code error code for malformed input
   */
  constructor(buf: Uint8Array, pos: number, end: number, code: QpackErrorCodeValue) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.code = code;
  }

  /** Builds this cursor's typed error. */
  error(message: string): QpackError {
    return new QpackError(this.code, message);
  }
}

/**
 * Reads a prefix integer whose prefix is the low `prefixBits` bits of the
 * byte at `c.pos` (RFC 7541 §5.1). Returns {@link INCOMPLETE} when the input
 * ends first (then `c.pos` is unspecified); throws on values above 2^53 - 1.
 */
export function readPrefixInt(c: Cursor, prefixBits: number): number {
  const buf = c.buf;
  if (c.pos >= c.end) return INCOMPLETE;
  const max = (1 << prefixBits) - 1;
  let value = buf[c.pos++] & max;
  if (value < max) return value;
  let m = 1;
  for (;;) {
    if (c.pos >= c.end) return INCOMPLETE;
    const b = buf[c.pos++];
    value += (b & 0x7f) * m;
    if (value > MAX_INT) throw c.error("integer too large");
    if ((b & 0x80) === 0) return value;
    m *= 128;
    // Redundant zero continuation bytes can't grow the value but could be
    // sent forever; m > 2^53 means the encoding is longer than any valid one.
    if (m > MAX_INT * 128) throw c.error("integer encoding too long");
  }
}

/**
 * A growable byte buffer. `bytes` is reused across `reset()` calls so hot
 * paths don't allocate per field section.
 */
export class OutBuf {
  /** Backing storage; valid data is `bytes[0..length)`. */
  bytes: Uint8Array;
  /** Number of bytes written. */
  length = 0;

  /** @param capacity initial size */
  constructor(capacity = 256) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.bytes.subarray(0, this.length));
    this.bytes = b;
  }

  /** Appends one byte. */
  u8(v: number): void {
    if (this.length >= this.bytes.length) this.reserve(1);
    this.bytes[this.length++] = v;
  }

  /** Appends bytes. */
  append(b: Uint8Array): void {
    this.reserve(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }

  /** Copies out the written bytes and empties the buffer. */
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

/**
 * Appends a prefix integer (RFC 7541 §5.1): `flags` holds the bits above the
 * `prefixBits`-bit prefix in the first byte.
 */
export function writePrefixInt(
  out: OutBuf,
  flags: number,
  prefixBits: number,
  value: number,
): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.u8(flags | value);
    return;
  }
  out.u8(flags | max);
  value -= max;
  while (value >= 128) {
    out.u8((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.u8(value);
}

/** Number of bytes {@link writePrefixInt} uses for `value`. */
export function prefixIntLength(prefixBits: number, value: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) return 1;
  value -= max;
  let n = 2;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}
