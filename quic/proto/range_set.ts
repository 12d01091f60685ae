/**
 * A bounded set of non-negative integers stored as sorted, disjoint, inclusive
 * ranges. Used for received packet numbers (RFC 9000 §13.2.3: a receiver
 * limits the number of ACK Ranges it remembers) and anywhere a compact
 * "which numbers have I seen" answer is needed.
 *
 * Ranges are kept in two parallel arrays (`starts`, `ends`) in ascending
 * order. The common case — the next number arrives in order — extends the
 * last range in O(1) with no allocation; other insertions binary-search and
 * splice, which is cheap because the number of ranges is bounded.
 * @module
 */

/** Default bound on the number of ranges a {@link RangeSet} keeps. */
export const DEFAULT_MAX_RANGES = 64;

/**
 * Sorted, disjoint, inclusive integer ranges with a bounded count. When an
 * insertion would exceed `maxRanges`, the lowest (oldest) range is dropped and
 * {@link RangeSet.droppedBelow} rises past it, so the owner can tell "never
 * seen" from "forgotten" (RFC 9000 §13.2.3: maintain a minimum that increases
 * as ranges are discarded).
 *
 * @example
 * ```ts
 * import { RangeSet } from "@gquic/core/quic";
 * const s = new RangeSet(8);
 * s.add(1); s.add(2); s.add(5);
 * console.log(s.count, s.contains(2), s.contains(3)); // 2 true false
 * ```
 */
export class RangeSet {
  /** Range starts, ascending. Read through {@link RangeSet.start}. */
  private readonly starts: number[] = [];
  /** Range ends (inclusive), ascending. Read through {@link RangeSet.end}. */
  private readonly ends: number[] = [];
  /** Upper bound on the number of ranges kept (at least 1). */
  readonly maxRanges: number;
  /**
   * Every number below this value has been forgotten (dropped because of the
   * range bound or {@link RangeSet.removeBelow}); 0 when nothing was dropped.
   */
  droppedBelow = 0;

  /**
   * Creates an empty set.
   * @param maxRanges bound on the number of disjoint ranges kept
   */
  constructor(maxRanges: number = DEFAULT_MAX_RANGES) {
    this.maxRanges = Math.max(1, Math.floor(maxRanges));
  }

  /** Number of disjoint ranges. */
  get count(): number {
    return this.starts.length;
  }

  /** True when the set holds no numbers. */
  get isEmpty(): boolean {
    return this.starts.length === 0;
  }

  /** Smallest number in the set, or -1 when empty. */
  get min(): number {
    return this.starts.length === 0 ? -1 : this.starts[0];
  }

  /** Largest number in the set, or -1 when empty. */
  get max(): number {
    const n = this.ends.length;
    return n === 0 ? -1 : this.ends[n - 1];
  }

  /**
   * Start (smallest value) of range `i`, ranges indexed in ascending order.
   * @param i range index, 0 ≤ i < count
   */
  start(i: number): number {
    return this.starts[i];
  }

  /**
   * End (largest value, inclusive) of range `i`.
   * @param i range index, 0 ≤ i < count
   */
  end(i: number): number {
    return this.ends[i];
  }

  /**
   * Index of the range containing `v`, or `-(insertionPoint + 1)` when `v`
   * lies in no range (insertion point = index of the first range starting
   * above `v`).
   */
  private find(v: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    // Find the last range whose start is <= v.
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= v) lo = mid + 1;
      else hi = mid - 1;
    }
    // hi = last index with start <= v (or -1).
    if (hi >= 0 && this.ends[hi] >= v) return hi;
    return -(hi + 1) - 1;
  }

  /**
   * True when `v` is in the set.
   * @param v the number to look up
   */
  contains(v: number): boolean {
    const n = this.ends.length;
    if (n === 0) return false;
    // Fast path: at or near the top.
    if (v > this.ends[n - 1]) return false;
    if (v >= this.starts[n - 1]) return true;
    return this.find(v) >= 0;
  }

  /**
   * Adds `v`. Returns false when `v` was already present (a duplicate).
   * Numbers below {@link RangeSet.droppedBelow} are not re-added (they were
   * forgotten on purpose) and also return false.
   * @param v a non-negative integer
   */
  add(v: number): boolean {
    return this.addRange(v, v) > 0;
  }

  /**
   * Adds the inclusive range `[lo, hi]` and returns how many numbers were new.
   * The part below {@link RangeSet.droppedBelow} is ignored.
   * @param lo smallest value
   * @param hi largest value (≥ lo)
   */
  addRange(lo: number, hi: number): number {
    if (lo < this.droppedBelow) lo = this.droppedBelow;
    if (hi < lo) return 0;
    const starts = this.starts;
    const ends = this.ends;
    const n = starts.length;
    // Fast paths: append at the top (in-order arrival).
    if (n === 0 || lo > ends[n - 1] + 1) {
      starts.push(lo);
      ends.push(hi);
      this.enforceBound();
      return hi - lo + 1;
    }
    if (lo >= starts[n - 1]) {
      const last = ends[n - 1];
      if (hi <= last) return 0;
      ends[n - 1] = hi;
      return hi - Math.max(lo, last + 1) + 1;
    }
    // General case: merge every range overlapping or adjacent to [lo, hi].
    let first = this.find(lo - 1);
    if (first < 0) first = -first - 1; // first range starting above lo - 1
    // `first` is now the first range that could touch [lo-1, ...].
    let last = first;
    let covered = 0; // numbers of [lo, hi] already present
    while (last < n && starts[last] <= hi + 1) {
      const s = Math.max(starts[last], lo);
      const e = Math.min(ends[last], hi);
      if (e >= s) covered += e - s + 1;
      last++;
    }
    // Ranges [first, last) merge with [lo, hi].
    if (last === first) {
      starts.splice(first, 0, lo);
      ends.splice(first, 0, hi);
      this.enforceBound();
      return hi - lo + 1;
    }
    const newLo = Math.min(lo, starts[first]);
    const newHi = Math.max(hi, ends[last - 1]);
    starts[first] = newLo;
    ends[first] = newHi;
    const remove = last - first - 1;
    if (remove > 0) {
      starts.splice(first + 1, remove);
      ends.splice(first + 1, remove);
    }
    return hi - lo + 1 - covered;
  }

  /**
   * Forgets every number below `v` (RFC 9000 §13.2.4: stop acknowledging
   * packets that an acknowledged ACK frame already covered) and raises
   * {@link RangeSet.droppedBelow} to at least `v`.
   * @param v the new lower bound
   */
  removeBelow(v: number): void {
    if (v <= this.droppedBelow) return;
    this.droppedBelow = v;
    const starts = this.starts;
    const ends = this.ends;
    let k = 0;
    while (k < starts.length && ends[k] < v) k++;
    if (k > 0) {
      starts.splice(0, k);
      ends.splice(0, k);
    }
    if (starts.length > 0 && starts[0] < v) starts[0] = v;
  }

  /** Removes every number and resets {@link RangeSet.droppedBelow}. */
  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
    this.droppedBelow = 0;
  }

  /** Drops the oldest ranges beyond {@link RangeSet.maxRanges}. */
  private enforceBound(): void {
    // RFC 9000 §13.2.3: when over the bound, omit the oldest ranges (the
    // smallest packet numbers).
    const excess = this.starts.length - this.maxRanges;
    if (excess <= 0) return;
    this.droppedBelow = this.ends[excess - 1] + 1;
    this.starts.splice(0, excess);
    this.ends.splice(0, excess);
  }
}
