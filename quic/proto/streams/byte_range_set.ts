/**
 * A sorted set of disjoint half-open byte ranges `[start, end)`, used for
 * received ranges (reassembly), acknowledged ranges and lost ranges (send
 * buffer). Stored as two flat number arrays so the common in-order case
 * (extend the last range) costs no allocation.
 *
 * Not the same structure as `RangeSet` in `quic/proto/range_set.ts` (packet
 * numbers): that one holds inclusive ranges of single numbers, bounded in
 * count with the oldest ranges forgotten (RFC 9000 §13.2.3); byte ranges
 * here are half-open, must never be forgotten (data would be lost or
 * resent wrongly), and support removal and front slicing (`remove`,
 * `shift`) for retransmission.
 * @module
 */

/**
 * Disjoint, non-adjacent half-open ranges `[start, end)` in ascending order.
 * Adjacent or overlapping inserts are merged.
 *
 * @example
 * ```ts
 * import { ByteRangeSet } from "@gquic/core/quic";
 * const s = new ByteRangeSet();
 * s.add(0, 10);
 * s.add(20, 30);
 * s.add(10, 20);
 * console.log(s.size, s.start(0), s.end(0)); // 1 0 30
 * ```
 */
export class ByteRangeSet {
  #starts: number[] = [];
  #ends: number[] = [];

  /**
   * Number of disjoint ranges.
   *
   * @example
   * ```ts
   * import { ByteRangeSet } from "@gquic/core/quic";
   * console.log(new ByteRangeSet().size); // 0
   * ```
   */
  get size(): number {
    return this.#starts.length;
  }

  /**
   * Start of the `i`-th range.
   *
   * @example
   * ```ts
   * import { ByteRangeSet } from "@gquic/core/quic";
   * const s = new ByteRangeSet();
   * s.add(5, 9);
   * console.log(s.start(0)); // 5
   * ```
   */
  start(i: number): number {
    return this.#starts[i];
  }

  /**
   * End (exclusive) of the `i`-th range.
   *
   * @example
   * ```ts
   * import { ByteRangeSet } from "@gquic/core/quic";
   * const s = new ByteRangeSet();
   * s.add(5, 9);
   * console.log(s.end(0)); // 9
   * ```
   */
  end(i: number): number {
    return this.#ends[i];
  }

  /**
   * Index of the first range whose end is >= `offset` (the range containing
   * or following `offset`, or touching it from the left).
   */
  #firstEndingAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.#ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ends[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Adds `[start, end)`, merging with overlapping or adjacent ranges.
   *
   * @example
   * ```ts
   * import { ByteRangeSet } from "@gquic/core/quic";
   * const s = new ByteRangeSet();
   * s.add(0, 4);
   * s.add(2, 8);
   * console.log(s.end(0)); // 8
   * ```
   */
  add(start: number, end: number): void {
    if (end <= start) return;
    const n = this.#starts.length;
    // Fast path: append to or extend the last range (in-order delivery).
    if (n === 0 || start > this.#ends[n - 1]) {
      this.#starts.push(start);
      this.#ends.push(end);
      return;
    }
    if (start >= this.#starts[n - 1]) {
      if (end > this.#ends[n - 1]) this.#ends[n - 1] = end;
      return;
    }
    const i = this.#firstEndingAtOrAfter(start);
    // Ranges i..j-1 overlap or touch [start, end).
    let j = i;
    while (j < n && this.#starts[j] <= end) j++;
    if (i === j) {
      this.#starts.splice(i, 0, start);
      this.#ends.splice(i, 0, end);
      return;
    }
    const s = Math.min(start, this.#starts[i]);
    const e = Math.max(end, this.#ends[j - 1]);
    this.#starts.splice(i, j - i, s);
    this.#ends.splice(i, j - i, e);
  }

  /**
   * Removes `[start, end)` from the set, splitting a range if needed.
   *
   * @example
   * ```ts
   * import { ByteRangeSet } from "@gquic/core/quic";
   * const s = new ByteRangeSet();
   * s.add(0, 10);
   * s.remove(3, 5);
   * console.log(s.size); // 2
   * ```
   */
  remove(start: number, end: number): void {
    if (end <= start) return;
    const n = this.#starts.length;
    let i = this.#firstEndingAtOrAfter(start);
    if (i < n && this.#ends[i] === start) i++;
    if (i >= n || this.#starts[i] >= end) return;
    // Fast path: trimming the front of the first range (retransmission
    // dequeue, acked prefix).
    if (i === 0 && start <= this.#starts[0] && end < this.#ends[0]) {
      this.#starts[0] = end;
      return;
    }
    let j = i;
    while (j < n && this.#starts[j] < end) j++;
    const keepS: number[] = [];
    const keepE: number[] = [];
    if (this.#starts[i] < start) {
      keepS.push(this.#starts[i]);
      keepE.push(start);
    }
    if (this.#ends[j - 1] > end) {
      keepS.push(end);
      keepE.push(this.#ends[j - 1]);
    }
    this.#starts.splice(i, j - i, ...keepS);
    this.#ends.splice(i, j - i, ...keepE);
  }

  /**
   * Removes and returns the first range, truncated to at most `maxLen` bytes
   * (the remainder stays in the set); `undefined` when empty. Writes into
   * `out` to avoid allocating.
   *
   * @example
   * ```ts
   * import { ByteRangeSet } from "@gquic/core/quic";
   * const s = new ByteRangeSet();
   * s.add(100, 200);
   * const r = { start: 0, end: 0 };
   * s.shift(30, r);
   * console.log(r.start, r.end, s.start(0)); // 100 130 130
   * ```
   */
  shift(maxLen: number, out: { start: number; end: number }): boolean {
    if (this.#starts.length === 0 || maxLen <= 0) return false;
    const s = this.#starts[0];
    const e = this.#ends[0];
    if (e - s > maxLen) {
      out.start = s;
      out.end = s + maxLen;
      this.#starts[0] = s + maxLen;
      return true;
    }
    out.start = s;
    out.end = e;
    this.#starts.shift();
    this.#ends.shift();
    return true;
  }

  /**
   * True if every byte of `[start, end)` is in the set.
   *
   * @example
   * ```ts
   * import { ByteRangeSet } from "@gquic/core/quic";
   * const s = new ByteRangeSet();
   * s.add(0, 10);
   * console.log(s.contains(2, 9), s.contains(5, 11)); // true false
   * ```
   */
  contains(start: number, end: number): boolean {
    if (end <= start) return true;
    const i = this.#firstEndingAtOrAfter(end);
    return i < this.#starts.length && this.#starts[i] <= start;
  }

  /**
   * Removes every range.
   *
   * @example
   * ```ts
   * import { ByteRangeSet } from "@gquic/core/quic";
   * const s = new ByteRangeSet();
   * s.add(0, 1);
   * s.clear();
   * console.log(s.size); // 0
   * ```
   */
  clear(): void {
    this.#starts.length = 0;
    this.#ends.length = 0;
  }
}
