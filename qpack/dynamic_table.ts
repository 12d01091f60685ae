/**
 * The QPACK dynamic table (RFC 9204 §3.2): a FIFO of field lines with a byte
 * capacity, addressed by absolute index (§3.2.4). The decoder uses it as is;
 * the encoder adds lookup and pinning on top (see `encoder_table.ts`).
 * @module
 */

/** Per-entry overhead added to name and value length (RFC 9204 §3.2.1). */
export const ENTRY_OVERHEAD = 32;

/** Size of an entry as defined by RFC 9204 §3.2.1. */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

/**
 * FIFO storage of dynamic table entries. Absolute index `a` is valid when
 * `dropped <= a < insertCount`.
 *
 * @example
 * ```ts
 * import { DynamicTable } from "@gquic/core/qpack";
 * const t = new DynamicTable();
 * t.setCapacity(100);
 * t.insert("a", "b");
 * console.log(t.insertCount, t.size, t.name(0)); // 1 34 "a"
 * ```
 */
export class DynamicTable {
  /** Current capacity in bytes (RFC 9204 §3.2.3). */
  capacity = 0;
  /** Sum of entry sizes (RFC 9204 §3.2.1). */
  size = 0;
  /** Number of entries ever inserted (the next absolute index). */
  insertCount = 0;
  /** Number of entries evicted; the oldest live entry's absolute index. */
  dropped = 0;
  // Ring-free FIFO: live entries are names[head..], compacted occasionally.
  private names: string[] = [];
  private values: string[] = [];
  private head = 0;

  /** Number of live entries. */
  get length(): number {
    return this.insertCount - this.dropped;
  }

  /** Whether absolute index `a` refers to a live entry. */
  has(a: number): boolean {
    return a >= this.dropped && a < this.insertCount;
  }

  /** Name of live entry `a` (absolute index). */
  name(a: number): string {
    return this.names[this.head + a - this.dropped];
  }

  /** Value of live entry `a` (absolute index). */
  value(a: number): string {
    return this.values[this.head + a - this.dropped];
  }

  /** Size of live entry `a` (absolute index). */
  sizeOf(a: number): number {
    const i = this.head + a - this.dropped;
    return this.names[i].length + this.values[i].length + ENTRY_OVERHEAD;
  }

  /** Evicts the oldest entry (RFC 9204 §3.2.2). */
  evictOne(): void {
    this.size -= this.sizeOf(this.dropped);
    this.names[this.head] = this.values[this.head] = "";
    this.head++;
    this.dropped++;
    if (this.head > 64 && this.head * 2 > this.names.length) {
      this.names = this.names.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Changes the capacity, evicting the oldest entries until the table fits
   * (RFC 9204 §3.2.3). Limits are checked by the caller.
   */
  setCapacity(capacity: number): void {
    this.capacity = capacity;
    while (this.size > capacity) this.evictOne();
  }

  /**
   * Inserts an entry, evicting from the front first (RFC 9204 §3.2.2).
   * Returns false, changing nothing, if the entry is larger than the capacity.
   */
  insert(name: string, value: string): boolean {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (size > this.capacity) return false;
    while (this.size + size > this.capacity) this.evictOne();
    this.names.push(name);
    this.values.push(value);
    this.size += size;
    this.insertCount++;
    return true;
  }
}
