/**
 * The encoder's view of the dynamic table (RFC 9204 §2.1, §3.2): entries with
 * lookup maps and reference counts, so the encoder can find matches and never
 * evicts an entry that is unacknowledged or still referenced by an
 * unacknowledged field section (RFC 9204 §2.1.1).
 * @module
 */
import { ENTRY_OVERHEAD } from "./dynamic_table.ts";

/** Map key for an exact (name, value) match. */
export function fieldKey(name: string, value: string): string {
  return name + "\0" + value;
}

/** Dynamic table with lookups, reference counts and eviction rules. */
export class EncoderTable {
  /** Capacity in bytes (RFC 9204 §3.2.3). */
  capacity = 0;
  /** Sum of entry sizes. */
  size = 0;
  /** Entries ever inserted. */
  insertCount = 0;
  /** Entries evicted; absolute index of the oldest live entry. */
  dropped = 0;
  /** Known Received Count (RFC 9204 §2.1.4). */
  knownReceivedCount = 0;
  private names: string[] = [];
  private values: string[] = [];
  private refs: number[] = [];
  // lastUse[i]: sequence number of the section that last referenced the entry.
  private usedIn: number[] = [];
  // starts[i]: total bytes inserted before the entry, for draining checks.
  private starts: number[] = [];
  private insertedBytes = 0;
  private head = 0;
  private readonly exact = new Map<string, number>();
  private readonly byName = new Map<string, number>();

  /** Whether absolute index `a` is live. */
  has(a: number): boolean {
    return a >= this.dropped && a < this.insertCount;
  }

  /** Name of live entry `a`. */
  name(a: number): string {
    return this.names[this.head + a - this.dropped];
  }

  /** Value of live entry `a`. */
  value(a: number): string {
    return this.values[this.head + a - this.dropped];
  }

  /** Size of live entry `a` (RFC 9204 §3.2.1). */
  sizeOf(a: number): number {
    const i = this.head + a - this.dropped;
    return this.names[i].length + this.values[i].length + ENTRY_OVERHEAD;
  }

  /** Newest live entry equal to (name, value), or -1. */
  findExact(key: string): number {
    return this.exact.get(key) ?? -1;
  }

  /** Newest live entry with this name, or -1. */
  findName(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  /** Adds `delta` to the unacknowledged-reference count of entry `a`. */
  addRef(a: number, delta: number): void {
    this.refs[this.head + a - this.dropped] += delta;
  }

  /**
   * RFC 9204 §2.1.1: evictable once its insertion is acknowledged and no
   * unacknowledged field section references it.
   */
  evictable(a: number): boolean {
    return a < this.knownReceivedCount && this.refs[this.head + a - this.dropped] === 0;
  }

  /** Bytes used by live entries older than absolute index `a`. */
  bytesBefore(a: number): number {
    return this.starts[this.head + a - this.dropped] - this.starts[this.head];
  }

  /** Records that entry `a` was used by section `seq`. */
  touch(a: number, seq: number): void {
    this.usedIn[this.head + a - this.dropped] = seq;
  }

  /** Marks entry `a` as superseded (a newer copy exists), so it may go first. */
  retire(a: number): void {
    this.usedIn[this.head + a - this.dropped] = -Infinity;
  }

  /**
   * Whether `size` more bytes can be made free by evicting entries that are
   * evictable and were not used after section `coldBefore` (keeping hot
   * entries is worth more than a new one). `except` may be evicted anyway.
   */
  canMakeRoom(size: number, coldBefore = Infinity, except = -1): boolean {
    if (size > this.capacity) return false;
    let free = this.capacity - this.size;
    let a = this.dropped;
    while (free < size) {
      if (a >= this.insertCount || !this.evictable(a)) return false;
      if (a !== except && this.usedIn[this.head + a - this.dropped] >= coldBefore) return false;
      free += this.sizeOf(a);
      a++;
    }
    return true;
  }

  /** Section sequence number that last referenced entry `a` (-Infinity if none). */
  lastUse(a: number): number {
    return this.usedIn[this.head + a - this.dropped];
  }

  /**
   * What making room for `size` more bytes would cost: the sum of
   * `valueOf(a)` over the oldest entries that would be evicted (FIFO,
   * RFC 9204 §3.2.2), or Infinity when one of them may not be evicted yet
   * (§2.1.1) or `size` exceeds the capacity. `except` costs nothing.
   */
  evictionCost(size: number, valueOf: (a: number) => number, except = -1): number {
    if (size > this.capacity) return Infinity;
    let free = this.capacity - this.size;
    let a = this.dropped;
    let cost = 0;
    while (free < size) {
      if (a >= this.insertCount || !this.evictable(a)) return Infinity;
      if (a !== except) cost += valueOf(a);
      free += this.sizeOf(a);
      a++;
    }
    return cost;
  }

  /** Inserts after evicting as needed; the caller checked {@link canMakeRoom}. */
  insert(name: string, value: string): number {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    while (this.size + size > this.capacity) this.evictOne();
    const a = this.insertCount++;
    this.names.push(name);
    this.values.push(value);
    this.refs.push(0);
    this.usedIn.push(-Infinity);
    this.starts.push(this.insertedBytes);
    this.insertedBytes += size;
    this.size += size;
    this.exact.set(fieldKey(name, value), a);
    this.byName.set(name, a);
    return a;
  }

  /** Lowers the capacity (evictions must be allowed) or raises it. */
  setCapacity(capacity: number): void {
    this.capacity = capacity;
    while (this.size > capacity) this.evictOne();
  }

  private evictOne(): void {
    const a = this.dropped, i = this.head;
    const name = this.names[i], value = this.values[i];
    this.size -= name.length + value.length + ENTRY_OVERHEAD;
    const key = fieldKey(name, value);
    if (this.exact.get(key) === a) this.exact.delete(key);
    if (this.byName.get(name) === a) this.byName.delete(name);
    this.names[i] = this.values[i] = "";
    this.head++;
    this.dropped++;
    if (this.head > 64 && this.head * 2 > this.names.length) {
      this.names = this.names.slice(this.head);
      this.values = this.values.slice(this.head);
      this.refs = this.refs.slice(this.head);
      this.usedIn = this.usedIn.slice(this.head);
      this.starts = this.starts.slice(this.head);
      this.head = 0;
    }
  }
}
