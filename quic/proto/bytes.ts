/**
 * Bounds-checked cursor reader and growable writer for wire formats. Every
 * read checks the remaining length first, so malformed input yields a typed
 * error (by default `QuicError` FRAME_ENCODING_ERROR), never a RangeError and
 * never an allocation sized by an unchecked length field.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import { readVarInt, varIntLength, writeVarIntLen } from "./varint.ts";

/**
 * Builds the error thrown when input is truncated or a field is out of range.
 *
 * @example
 * ```ts
 * import { type ErrorFactory, QuicError } from "@gquic/core/quic";
 * const f: ErrorFactory = (m) => new QuicError(0x08, m);
 * console.log(f("bad").code); // 8
 * ```
 */
export type ErrorFactory = (message: string) => Error;

const frameEncodingError: ErrorFactory = (m) =>
  new QuicError(TransportErrorCode.FRAME_ENCODING_ERROR, m);

/**
 * A cursor over a byte array (a view: `bytes()` returns subarrays, no copy).
 *
 * @example
 * ```ts
 * import { ByteReader } from "@gquic/core/quic";
 * const r = new ByteReader(Uint8Array.of(0x40, 0x25, 1, 2, 3));
 * console.log(r.varint(), r.u8(), r.bytes(2), r.remaining); // 37 1 Uint8Array(2) [2, 3] 0
 * ```
 */
export class ByteReader {
  /** The underlying bytes. */
  readonly buf: Uint8Array;
  /** Current read position. */
  offset: number;
  /** End of the readable region (exclusive). */
  end: number;
  /** Builds the error for truncated or invalid input. */
  readonly error: ErrorFactory;

  /**
   * Creates a reader over `buf[offset..end)`.
   * @param buf bytes to read
   * @param offset start position
   * @param end end position (exclusive), defaults to `buf.length`
   * @param error error factory for truncation, defaults to FRAME_ENCODING_ERROR
   */
  constructor(
    buf: Uint8Array,
    offset = 0,
    end = buf.length,
    error: ErrorFactory = frameEncodingError,
  ) {
    this.buf = buf;
    this.offset = offset;
    this.end = end;
    this.error = error;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.offset;
  }

  /** Throws the reader's error unless `n` more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.offset || n < 0) throw this.error(`truncated: need ${n} bytes`);
  }

  /** Reads one byte. */
  u8(): number {
    if (this.offset >= this.end) throw this.error("truncated: need 1 byte");
    return this.buf[this.offset++];
  }

  /** Reads a big-endian 16-bit integer. */
  u16(): number {
    this.need(2);
    const b = this.buf, o = this.offset;
    this.offset = o + 2;
    return (b[o] << 8) | b[o + 1];
  }

  /** Reads a big-endian 24-bit integer. */
  u24(): number {
    this.need(3);
    const b = this.buf, o = this.offset;
    this.offset = o + 3;
    return (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
  }

  /** Reads a big-endian 32-bit unsigned integer. */
  u32(): number {
    this.need(4);
    const b = this.buf, o = this.offset;
    this.offset = o + 4;
    return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  /** Reads a QUIC varint (RFC 9000 §16) as a number (≤ 2^53-1). */
  varint(): number {
    if (this.end !== this.buf.length) {
      // Bound the read by `end`, not by the buffer.
      const first = this.offset < this.end ? this.buf[this.offset] : -1;
      if (first < 0 || (1 << (first >> 6)) > this.end - this.offset) {
        throw this.error("truncated varint");
      }
    }
    try {
      return readVarInt(this.buf, this);
    } catch (e) {
      if (e instanceof QuicError && e.code === TransportErrorCode.FRAME_ENCODING_ERROR) {
        throw this.error("truncated varint");
      }
      throw e;
    }
  }

  /** Returns the next `n` bytes as a subarray (no copy) and advances. */
  bytes(n: number): Uint8Array {
    this.need(n);
    const o = this.offset;
    this.offset = o + n;
    return this.buf.subarray(o, o + n);
  }

  /** Returns everything up to `end` and advances to it. */
  rest(): Uint8Array {
    const o = this.offset;
    this.offset = this.end;
    return this.buf.subarray(o, this.end);
  }
}

/**
 * A growable byte writer. `finish()` returns a view of what was written.
 *
 * @example
 * ```ts
 * import { ByteWriter } from "@gquic/core/quic";
 * const w = new ByteWriter();
 * w.u8(1); w.varint(15293); w.bytes(Uint8Array.of(9));
 * console.log(w.finish()); // Uint8Array(4) [1, 123, 189, 9]
 * ```
 */
export class ByteWriter {
  /** Backing store (may be replaced as it grows). */
  buf: Uint8Array;
  /** Bytes written so far. */
  offset = 0;

  /**
   * Creates an empty writer.
   * @param capacity initial capacity in bytes
   */
  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
  }

  /** Ensures room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.offset + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2 || 64;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.offset));
    this.buf = next;
  }

  /** Writes one byte. */
  u8(v: number): void {
    this.reserve(1);
    this.buf[this.offset++] = v;
  }

  /** Writes a big-endian 16-bit integer. */
  u16(v: number): void {
    this.reserve(2);
    this.buf[this.offset++] = v >>> 8;
    this.buf[this.offset++] = v;
  }

  /** Writes a big-endian 24-bit integer. */
  u24(v: number): void {
    this.reserve(3);
    this.buf[this.offset++] = v >>> 16;
    this.buf[this.offset++] = v >>> 8;
    this.buf[this.offset++] = v;
  }

  /** Writes a big-endian 32-bit integer. */
  u32(v: number): void {
    this.reserve(4);
    this.buf[this.offset++] = v >>> 24;
    this.buf[this.offset++] = v >>> 16;
    this.buf[this.offset++] = v >>> 8;
    this.buf[this.offset++] = v;
  }

  /** Writes a QUIC varint in its shortest form, or in `len` bytes. */
  varint(v: number, len?: 1 | 2 | 4 | 8): void {
    const l = len ?? varIntLength(v);
    this.reserve(l);
    this.offset = writeVarIntLen(this.buf, this.offset, v, l);
  }

  /** Appends bytes. */
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.offset);
    this.offset += b.length;
  }

  /** A view of the bytes written (shares the backing store). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.offset);
  }
}
