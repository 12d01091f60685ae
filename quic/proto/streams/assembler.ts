/**
 * Receive-side reassembly of a byte stream from out-of-order, duplicated and
 * overlapping frames (STREAM data, RFC 9000 §2.2; CRYPTO data, §19.6).
 *
 * Memory choice: a STREAM frame's payload is a subarray of the decrypted
 * packet buffer, which the driver reuses for the next datagram, and keeping a
 * view would also pin the whole packet buffer. So the assembler copies what it
 * keeps into stream-owned fixed-size blocks, allocated lazily for the offsets
 * that actually hold data and dropped as soon as the application has read past
 * them. Bytes are copied once on arrival; `readChunk()` hands the application a
 * view of a block (no second copy), and blocks are never reused, so views it
 * returned stay valid. Memory is bounded by `maxAhead` (how far past the read
 * offset data may lie, enforced with a typed error) and CPU by `maxRanges`
 * (how many disjoint received ranges, i.e. gaps, may be outstanding).
 * @module
 */
import { QuicError, TransportErrorCode } from "../errors.ts";
import { ByteRangeSet } from "./byte_range_set.ts";

/**
 * Limits for an {@link Assembler}.
 *
 * @example
 * ```ts
 * import { type AssemblerOptions, TransportErrorCode } from "@gquic/core/quic";
 * const o: AssemblerOptions = {
 *   maxAhead: 65536,
 *   aheadErrorCode: TransportErrorCode.CRYPTO_BUFFER_EXCEEDED,
 * };
 * console.log(o.maxAhead);
 * ```
 */
export interface AssemblerOptions {
  /** Bytes past the read offset that may be buffered (default 16 MiB). */
  maxAhead?: number;
  /** Maximum disjoint received ranges (gaps + 1) before erroring (default 1024). */
  maxRanges?: number;
  /** Storage block size in bytes (default 16 KiB). */
  blockSize?: number;
  /** Error code when data lies beyond `maxAhead` (default FLOW_CONTROL_ERROR). */
  aheadErrorCode?: number;
  /** Error code when `maxRanges` is exceeded (default PROTOCOL_VIOLATION). */
  rangesErrorCode?: number;
}

/**
 * Reassembles a byte stream. `insert` data at any offset (copied); `read` or
 * `readChunk` the contiguous prefix in order.
 *
 * @example
 * ```ts
 * import { Assembler } from "@gquic/core/quic";
 * const a = new Assembler();
 * a.insert(3, Uint8Array.of(4, 5));
 * a.insert(0, Uint8Array.of(1, 2, 3));
 * const out = new Uint8Array(5);
 * console.log(a.read(out), out); // 5 Uint8Array(5) [1, 2, 3, 4, 5]
 * ```
 */
export class Assembler {
  /** Bytes past the read offset that may be buffered. */
  readonly maxAhead: number;
  /** Maximum disjoint received ranges. */
  readonly maxRanges: number;
  readonly #blockSize: number;
  readonly #aheadErrorCode: number;
  readonly #rangesErrorCode: number;
  readonly #blocks = new Map<number, Uint8Array>();
  /** Received ranges; the first may start below the read offset. */
  readonly #received = new ByteRangeSet();
  #readOffset = 0;
  #highest = 0;
  /**
   * Fast mode (`#received` empty): the buffered data is exactly
   * `[#readOffset, #inOrderEnd)`, so in-order arrivals need no range
   * bookkeeping. Meaningless while `#received` holds ranges.
   */
  #inOrderEnd = 0;

  /**
   * Creates an empty assembler.
   * @param options limits and error codes
   */
  constructor(options: AssemblerOptions = {}) {
    this.maxAhead = options.maxAhead ?? 16 * 1024 * 1024;
    this.maxRanges = options.maxRanges ?? 1024;
    this.#blockSize = options.blockSize ?? 16 * 1024;
    this.#aheadErrorCode = options.aheadErrorCode ?? TransportErrorCode.FLOW_CONTROL_ERROR;
    this.#rangesErrorCode = options.rangesErrorCode ?? TransportErrorCode.PROTOCOL_VIOLATION;
  }

  /**
   * Offset of the next byte the application will read (bytes consumed).
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * console.log(new Assembler().readOffset); // 0
   * ```
   */
  get readOffset(): number {
    return this.#readOffset;
  }

  /**
   * One past the largest offset received so far.
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * const a = new Assembler();
   * a.insert(10, new Uint8Array(5));
   * console.log(a.highestOffset); // 15
   * ```
   */
  get highestOffset(): number {
    return this.#highest;
  }

  /**
   * End of the contiguous data starting at the read offset.
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * const a = new Assembler();
   * a.insert(0, new Uint8Array(4));
   * a.insert(8, new Uint8Array(4));
   * console.log(a.contiguousEnd); // 4
   * ```
   */
  get contiguousEnd(): number {
    const r = this.#received;
    if (r.size === 0) return this.#inOrderEnd;
    if (r.start(0) <= this.#readOffset) return r.end(0);
    return this.#readOffset;
  }

  /**
   * Bytes that can be read now, in order.
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * const a = new Assembler();
   * a.insert(0, new Uint8Array(4));
   * console.log(a.readableBytes); // 4
   * ```
   */
  get readableBytes(): number {
    return this.contiguousEnd - this.#readOffset;
  }

  /**
   * True if every byte of `[readOffset, end)` has been received.
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * const a = new Assembler();
   * a.insert(0, new Uint8Array(4));
   * console.log(a.hasAllUpTo(4), a.hasAllUpTo(5)); // true false
   * ```
   */
  hasAllUpTo(end: number): boolean {
    return this.contiguousEnd >= end;
  }

  /**
   * Number of disjoint received ranges held (a measure of fragmentation).
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * const a = new Assembler();
   * a.insert(5, new Uint8Array(1));
   * console.log(a.rangeCount); // 1
   * ```
   */
  get rangeCount(): number {
    const size = this.#received.size;
    if (size === 0) return this.#inOrderEnd > this.#readOffset ? 1 : 0;
    return size;
  }

  /**
   * Bytes of storage currently allocated (whole blocks).
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * console.log(new Assembler().allocatedBytes); // 0
   * ```
   */
  get allocatedBytes(): number {
    return this.#blocks.size * this.#blockSize;
  }

  /**
   * Stores `data` found at stream `offset`. Data already read is ignored;
   * duplicate data is ignored; overlapping data is merged. The bytes are
   * copied, so the caller may reuse `data`'s buffer immediately.
   * Throws QuicError (`aheadErrorCode`) if the data lies more than `maxAhead`
   * past the read offset, or (`rangesErrorCode`) if too fragmented.
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * const a = new Assembler();
   * console.log(a.insert(0, Uint8Array.of(1)), a.insert(0, Uint8Array.of(1))); // true false
   * ```
   * @returns true if any byte was new
   */
  insert(offset: number, data: Uint8Array): boolean {
    const end = offset + data.length;
    if (end - this.#readOffset > this.maxAhead) {
      throw new QuicError(
        this.#aheadErrorCode,
        `data up to ${end} exceeds buffer limit ${this.#readOffset + this.maxAhead}`,
      );
    }
    // Fast path: in-order data with no gap buffered (the common case) is
    // copied straight into the blocks, with no range-set work.
    if (offset === this.#inOrderEnd && this.#received.size === 0 && end > offset) {
      if (end > this.#highest) this.#highest = end;
      this.#inOrderEnd = end;
      this.#copyIn(offset, data);
      return true;
    }
    if (end <= this.#readOffset) return false;
    // General path: move the fast-mode prefix into the range set first.
    if (this.#received.size === 0 && this.#inOrderEnd > this.#readOffset) {
      this.#received.add(this.#readOffset, this.#inOrderEnd);
    }
    if (offset < this.#readOffset) {
      data = data.subarray(this.#readOffset - offset);
      offset = this.#readOffset;
    }
    if (this.#received.contains(offset, end)) return false;
    if (end > this.#highest) this.#highest = end;
    this.#received.add(offset, end);
    if (this.#received.size > this.maxRanges) {
      throw new QuicError(this.#rangesErrorCode, `more than ${this.maxRanges} reassembly gaps`);
    }
    this.#copyIn(offset, data);
    this.#maybeFastMode();
    return true;
  }

  /** Copies `data` into the blocks at stream `offset` (allocating blocks lazily). */
  #copyIn(offset: number, data: Uint8Array): void {
    // RFC 9000 §2.2: the receiver buffers data until it can be delivered in order.
    const end = offset + data.length;
    const bs = this.#blockSize;
    let pos = offset;
    let src = 0;
    while (pos < end) {
      const bi = Math.floor(pos / bs);
      const within = pos - bi * bs;
      let block = this.#blocks.get(bi);
      if (block === undefined) {
        block = new Uint8Array(bs);
        this.#blocks.set(bi, block);
      }
      const n = Math.min(bs - within, end - pos);
      block.set(n === data.length ? data : data.subarray(src, src + n), within);
      pos += n;
      src += n;
    }
  }

  /** Returns to fast mode once the buffered data is one range from the read offset. */
  #maybeFastMode(): void {
    const r = this.#received;
    if (r.size === 1 && r.start(0) <= this.#readOffset) {
      this.#inOrderEnd = r.end(0);
      r.clear();
    }
  }

  /**
   * Copies up to `dst.length - dstOffset` contiguous bytes into `dst` and
   * consumes them.
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * const a = new Assembler();
   * a.insert(0, Uint8Array.of(7, 8));
   * const dst = new Uint8Array(1);
   * console.log(a.read(dst), dst[0], a.readableBytes); // 1 7 1
   * ```
   * @returns bytes copied
   */
  read(dst: Uint8Array, dstOffset = 0): number {
    const want = Math.min(this.readableBytes, dst.length - dstOffset);
    if (want <= 0) return 0;
    const bs = this.#blockSize;
    let pos = this.#readOffset;
    const stop = pos + want;
    let out = dstOffset;
    while (pos < stop) {
      const bi = Math.floor(pos / bs);
      const within = pos - bi * bs;
      const n = Math.min(bs - within, stop - pos);
      dst.set(this.#blocks.get(bi)!.subarray(within, within + n), out);
      pos += n;
      out += n;
    }
    this.#consume(stop);
    return want;
  }

  /**
   * Returns the next contiguous bytes (at most `maxBytes`, and never past a
   * block boundary) as a view of the stream's own storage, without copying,
   * and consumes them; `null` if nothing is readable. The view stays valid.
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * const a = new Assembler();
   * a.insert(0, Uint8Array.of(1, 2, 3));
   * console.log(a.readChunk(2), a.readChunk()); // Uint8Array(2) [1, 2] Uint8Array(1) [3]
   * ```
   */
  readChunk(maxBytes = Infinity): Uint8Array | null {
    const avail = Math.min(this.readableBytes, maxBytes);
    if (avail <= 0) return null;
    const bs = this.#blockSize;
    const pos = this.#readOffset;
    const bi = Math.floor(pos / bs);
    const within = pos - bi * bs;
    const n = Math.min(bs - within, avail);
    const view = this.#blocks.get(bi)!.subarray(within, within + n);
    this.#consume(pos + n);
    return view;
  }

  /**
   * Drops all buffered data and treats everything up to `offset` as read
   * (used when a stream is reset or the application stops reading).
   *
   * @example
   * ```ts
   * import { Assembler } from "@gquic/core/quic";
   * const a = new Assembler();
   * a.insert(0, new Uint8Array(100));
   * a.discard(100);
   * console.log(a.allocatedBytes, a.readOffset); // 0 100
   * ```
   */
  discard(offset: number = this.#highest): void {
    this.#blocks.clear();
    this.#received.clear();
    if (offset > this.#readOffset) this.#readOffset = offset;
    if (this.#readOffset > this.#highest) this.#highest = this.#readOffset;
    this.#inOrderEnd = this.#readOffset;
  }

  #consume(newOffset: number): void {
    const bs = this.#blockSize;
    const firstLive = Math.floor(newOffset / bs);
    for (let bi = Math.floor(this.#readOffset / bs); bi < firstLive; bi++) {
      this.#blocks.delete(bi);
    }
    this.#readOffset = newOffset;
    // Keep the received set small: the consumed prefix is no longer needed.
    if (this.#received.size > 0) {
      if (this.#received.end(0) <= newOffset) this.#received.remove(0, newOffset);
      if (this.#received.size === 0) this.#inOrderEnd = newOffset;
      else this.#maybeFastMode();
    }
  }
}
