/**
 * Send-side byte queue of a stream (or CRYPTO stream): the application's
 * chunks with their stream offsets, what was sent, acknowledged and declared
 * lost (RFC 9000 §2.2, §13.3: lost STREAM/CRYPTO data is sent again in new
 * frames, not by retransmitting packets).
 *
 * Bulk path: chunks handed to {@link SendBuffer.write} are kept by reference
 * (no copy — the writer gives up ownership); {@link SendBuffer.emit} copies
 * stream bytes straight into the caller's packet buffer, so there is exactly
 * one copy between the application's chunk and the datagram. A chunk is
 * released once every byte of it has been acknowledged (a large chunk stays
 * whole until then; writers that care split writes).
 * @module
 */
import { ByteRangeSet } from "./byte_range_set.ts";

/**
 * What {@link SendBuffer.emit} wrote: the STREAM/CRYPTO frame's Offset,
 * Length and FIN.
 *
 * @example
 * ```ts
 * import type { EmitResult } from "@gquic/core/quic";
 * const r: EmitResult = { offset: 0, length: 10, fin: false };
 * console.log(r.length);
 * ```
 */
export interface EmitResult {
  /** Stream offset of the first byte written. */
  offset: number;
  /** Bytes written to the destination. */
  length: number;
  /** True if this frame carries the FIN bit (its end is the final size). */
  fin: boolean;
}

/**
 * An ordered send queue with retransmission and acknowledgement tracking.
 *
 * @example
 * ```ts
 * import { SendBuffer } from "@gquic/core/quic";
 * const sb = new SendBuffer();
 * sb.write(new TextEncoder().encode("hello"));
 * sb.finish();
 * const pkt = new Uint8Array(1200);
 * const r = sb.emit(3, pkt, 100)!; // {offset: 0, length: 3, fin: false}
 * sb.onLost(r.offset, r.length, r.fin);
 * console.log(sb.emit(100, pkt, 0)); // the lost bytes first: {offset: 0, length: 3, fin: false}
 * ```
 */
export class SendBuffer {
  #chunks: (Uint8Array | undefined)[] = [];
  #chunkOffsets: number[] = [];
  #head = 0;
  #writeOffset = 0;
  #sendOffset = 0;
  #ackedPrefix = 0;
  /** Acknowledged ranges above `#ackedPrefix`. */
  readonly #acked = new ByteRangeSet();
  /** Sent ranges declared lost and not acknowledged since. */
  readonly #lost = new ByteRangeSet();
  #finalSize = -1;
  #finSent = false;
  #finLost = false;
  #finAcked = false;
  readonly #tmp = { start: 0, end: 0 };

  /**
   * Total bytes written by the application (the next write's offset).
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(new Uint8Array(7));
   * console.log(sb.writeOffset); // 7
   * ```
   */
  get writeOffset(): number {
    return this.#writeOffset;
  }

  /**
   * One past the highest offset ever sent (the flow-control usage).
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * console.log(new SendBuffer().sendOffset); // 0
   * ```
   */
  get sendOffset(): number {
    return this.#sendOffset;
  }

  /**
   * All bytes below this offset are acknowledged (and freed).
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * console.log(new SendBuffer().ackedOffset); // 0
   * ```
   */
  get ackedOffset(): number {
    return this.#ackedPrefix;
  }

  /**
   * Bytes held (written but not yet acknowledged).
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(new Uint8Array(7));
   * console.log(sb.bufferedBytes); // 7
   * ```
   */
  get bufferedBytes(): number {
    return this.#writeOffset - this.#ackedPrefix;
  }

  /**
   * Bytes written but never sent.
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(new Uint8Array(7));
   * console.log(sb.unsentBytes); // 7
   * ```
   */
  get unsentBytes(): number {
    return this.#writeOffset - this.#sendOffset;
  }

  /**
   * The final size once {@link finish} was called, else -1.
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(new Uint8Array(3));
   * sb.finish();
   * console.log(sb.finalSize); // 3
   * ```
   */
  get finalSize(): number {
    return this.#finalSize;
  }

  /**
   * True once the FIN has been sent at least once.
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * console.log(new SendBuffer().finSent); // false
   * ```
   */
  get finSent(): boolean {
    return this.#finSent;
  }

  /**
   * True if lost data is waiting to be sent again.
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * console.log(new SendBuffer().hasLost); // false
   * ```
   */
  get hasLost(): boolean {
    return this.#lost.size > 0 || this.#finLost;
  }

  /**
   * True if the FIN still needs to be sent (first time or again).
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.finish();
   * console.log(sb.finPending); // true
   * ```
   */
  get finPending(): boolean {
    return this.#finalSize >= 0 && !this.#finAcked && (!this.#finSent || this.#finLost);
  }

  /**
   * True when every byte (and the FIN, if finished) is acknowledged.
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.finish();
   * const r = sb.emit(0, new Uint8Array(0), 0)!;
   * sb.onAck(r.offset, r.length, r.fin);
   * console.log(sb.allAcked); // true
   * ```
   */
  get allAcked(): boolean {
    return this.#finalSize >= 0 && this.#finAcked && this.#ackedPrefix === this.#finalSize;
  }

  /**
   * Queues `data` at the current write offset. The chunk is kept by
   * reference: the caller must not modify it afterwards.
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(Uint8Array.of(1, 2));
   * console.log(sb.unsentBytes); // 2
   * ```
   */
  write(data: Uint8Array): void {
    if (this.#finalSize >= 0) throw new Error("write after finish");
    if (data.length === 0) return;
    this.#chunks.push(data);
    this.#chunkOffsets.push(this.#writeOffset);
    this.#writeOffset += data.length;
  }

  /**
   * Marks the end of the data: the final size is the current write offset
   * (RFC 9000 §4.5).
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.finish();
   * console.log(sb.finalSize); // 0
   * ```
   */
  finish(): void {
    if (this.#finalSize < 0) this.#finalSize = this.#writeOffset;
  }

  /**
   * True if {@link emit} would produce a frame given `maxNewOffset` (the
   * flow-control limit on new data; lost data and the FIN are not limited).
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(new Uint8Array(5));
   * console.log(sb.hasPending(), sb.hasPending(0)); // true false
   * ```
   */
  hasPending(maxNewOffset = Infinity): boolean {
    if (this.#lost.size > 0) return true;
    const newEnd = Math.min(this.#writeOffset, maxNewOffset);
    if (newEnd > this.#sendOffset) return true;
    return this.finPending && this.#sendOffset === this.#finalSize;
  }

  /**
   * The offset the next {@link emit} would start at (so the caller can size
   * the frame header first), or -1 if there is nothing to send.
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(new Uint8Array(5));
   * console.log(sb.nextOffset()); // 0
   * ```
   */
  nextOffset(maxNewOffset = Infinity): number {
    if (this.#lost.size > 0) return this.#lost.start(0);
    return this.hasPending(maxNewOffset) ? this.#sendOffset : -1;
  }

  /**
   * Copies the next bytes to send (lost data first, then new data up to
   * `maxNewOffset`) into `dst` at `dstOffset`, at most `maxBytes` of them,
   * and records them as sent. Returns the frame's offset/length/FIN, or
   * null if there is nothing to send. A FIN-only frame has length 0.
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(Uint8Array.of(1, 2, 3));
   * sb.finish();
   * const dst = new Uint8Array(10);
   * console.log(sb.emit(10, dst, 2), dst[2]); // { offset: 0, length: 3, fin: true } 1
   * ```
   */
  emit(
    maxBytes: number,
    dst: Uint8Array,
    dstOffset: number,
    maxNewOffset = Infinity,
  ): EmitResult | null {
    maxBytes = Math.min(maxBytes, dst.length - dstOffset);
    if (this.#lost.size > 0 && maxBytes > 0) {
      // RFC 9000 §13.3: lost data goes out again in a new frame.
      const r = this.#tmp;
      this.#lost.shift(maxBytes, r);
      this.#copyOut(r.start, r.end, dst, dstOffset);
      const fin = r.end === this.#finalSize && !this.#finAcked;
      if (fin) {
        this.#finSent = true;
        this.#finLost = false;
      }
      return { offset: r.start, length: r.end - r.start, fin };
    }
    const start = this.#sendOffset;
    const end = Math.min(this.#writeOffset, maxNewOffset, start + Math.max(0, maxBytes));
    if (end > start) {
      this.#copyOut(start, end, dst, dstOffset);
      this.#sendOffset = end;
      const fin = end === this.#finalSize && !this.#finAcked;
      if (fin) {
        this.#finSent = true;
        this.#finLost = false;
      }
      return { offset: start, length: end - start, fin };
    }
    if (this.finPending && start === this.#finalSize) {
      // A FIN-only frame (zero length at the final size, RFC 9000 §19.8).
      this.#finSent = true;
      this.#finLost = false;
      return { offset: start, length: 0, fin: true };
    }
    return null;
  }

  /**
   * Records that a frame carrying `[offset, offset+length)` (and FIN) was
   * acknowledged; frees chunks that are now fully acknowledged.
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(new Uint8Array(10));
   * sb.emit(10, new Uint8Array(10), 0);
   * sb.onAck(0, 10, false);
   * console.log(sb.bufferedBytes); // 0
   * ```
   */
  onAck(offset: number, length: number, fin: boolean): void {
    if (fin) {
      this.#finAcked = true;
      this.#finLost = false;
    }
    const start = Math.max(offset, this.#ackedPrefix);
    const end = Math.min(offset + length, this.#sendOffset);
    if (end <= start) return;
    this.#lost.remove(start, end);
    this.#acked.add(start, end);
    if (this.#acked.start(0) <= this.#ackedPrefix) {
      const prefix = this.#acked.end(0);
      this.#acked.remove(0, prefix);
      this.#ackedPrefix = prefix;
      this.#release();
    }
  }

  /**
   * Records that a frame carrying `[offset, offset+length)` (and FIN) was
   * declared lost; bytes not acknowledged since are queued to be sent again.
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(new Uint8Array(10));
   * sb.emit(10, new Uint8Array(10), 0);
   * sb.onLost(0, 10, false);
   * console.log(sb.hasLost); // true
   * ```
   */
  onLost(offset: number, length: number, fin: boolean): void {
    if (fin && !this.#finAcked) this.#finLost = true;
    const start = Math.max(offset, this.#ackedPrefix);
    const end = Math.min(offset + length, this.#sendOffset);
    if (end <= start) return;
    this.#lost.add(start, end);
    // Bytes acknowledged by another copy of the frame need not be resent.
    const acked = this.#acked;
    for (let i = 0; i < acked.size && acked.start(i) < end; i++) {
      if (acked.end(i) > start) this.#lost.remove(acked.start(i), acked.end(i));
    }
  }

  /**
   * Drops everything (after RESET_STREAM, or when keys are discarded).
   *
   * @example
   * ```ts
   * import { SendBuffer } from "@gquic/core/quic";
   * const sb = new SendBuffer();
   * sb.write(new Uint8Array(10));
   * sb.discard();
   * console.log(sb.hasPending()); // false
   * ```
   */
  discard(): void {
    this.#chunks = [];
    this.#chunkOffsets = [];
    this.#head = 0;
    this.#lost.clear();
    this.#acked.clear();
    this.#finLost = false;
    this.#ackedPrefix = this.#writeOffset;
    if (this.#sendOffset < this.#writeOffset) this.#sendOffset = this.#writeOffset;
    if (this.#finalSize >= 0) this.#finAcked = true;
  }

  /** Index of the live chunk holding `offset` (binary search). */
  #chunkIndex(offset: number): number {
    let lo = this.#head;
    let hi = this.#chunkOffsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#chunkOffsets[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  #copyOut(start: number, end: number, dst: Uint8Array, dstOffset: number): void {
    let i = this.#chunkIndex(start);
    let pos = start;
    let out = dstOffset;
    while (pos < end) {
      const chunk = this.#chunks[i]!;
      const within = pos - this.#chunkOffsets[i];
      const n = Math.min(chunk.length - within, end - pos);
      if (within === 0 && n === chunk.length) dst.set(chunk, out);
      else dst.set(chunk.subarray(within, within + n), out);
      pos += n;
      out += n;
      i++;
    }
  }

  /** Frees chunks wholly below the acknowledged prefix. */
  #release(): void {
    const chunks = this.#chunks;
    const offs = this.#chunkOffsets;
    while (
      this.#head < chunks.length &&
      offs[this.#head] + chunks[this.#head]!.length <= this.#ackedPrefix
    ) {
      chunks[this.#head] = undefined;
      this.#head++;
    }
    if (this.#head > 32 && this.#head * 2 > chunks.length) {
      this.#chunks = chunks.slice(this.#head);
      this.#chunkOffsets = offs.slice(this.#head);
      this.#head = 0;
    }
  }
}
