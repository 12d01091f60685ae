/**
 * Chooses which stream sends next. Streams with data are queued under an
 * urgency level (0 highest … 7 lowest, RFC 9218 §4.1); the lowest non-empty
 * level is served first. Within a level, non-incremental streams are served
 * one at a time in `order` (stream ID) order and incremental ones round-robin
 * (RFC 9218 §10). Plain QUIC streams default to urgency 3, incremental, i.e.
 * fair round-robin; HTTP/3 can pass each request's priority parameters.
 *
 * Usage: `pop()` a stream, let it emit one frame, and `schedule()` it again
 * if it still has data — an incremental stream then goes to the back of its
 * level, a non-incremental one back to its place in order.
 * @module
 */

/**
 * Priority parameters of a stream (RFC 9218 §4).
 *
 * @example
 * ```ts
 * import type { SchedulePriority } from "@gquic/core/quic";
 * const p: SchedulePriority = { urgency: 1, incremental: false };
 * console.log(p.urgency);
 * ```
 */
export interface SchedulePriority {
  /** 0 (most urgent) to 7; default 3. */
  urgency?: number;
  /** Share bandwidth round-robin with its level (default true). */
  incremental?: boolean;
  /** Service order among non-incremental streams (default: the key if numeric). */
  order?: number;
}

interface Level<K> {
  /** Non-incremental keys, sorted by order. */
  seq: K[];
  seqOrder: number[];
  /** Incremental keys, round-robin queue from `head`. */
  rr: (K | undefined)[];
  head: number;
}

/**
 * A fair, urgency-aware scheduler of stream keys (usually stream IDs).
 *
 * @example
 * ```ts
 * import { StreamScheduler } from "@gquic/core/quic";
 * const s = new StreamScheduler<number>();
 * s.schedule(0);
 * s.schedule(4);
 * s.schedule(8, { urgency: 0 });
 * const order: number[] = [];
 * for (let i = 0; i < 5; i++) {
 *   const id = s.pop()!;
 *   order.push(id);
 *   if (id !== 8) s.schedule(id); // 0 and 4 still have data; 8 is done
 * }
 * console.log(order); // [8, 0, 4, 0, 4]
 * ```
 */
export class StreamScheduler<K> {
  readonly #levels: Level<K>[] = [];
  readonly #queued = new Map<K, number>();

  /** Creates an empty scheduler. */
  constructor() {
    for (let i = 0; i < 8; i++) this.#levels.push({ seq: [], seqOrder: [], rr: [], head: 0 });
  }

  /**
   * Number of queued streams.
   *
   * @example
   * ```ts
   * import { StreamScheduler } from "@gquic/core/quic";
   * console.log(new StreamScheduler<number>().size); // 0
   * ```
   */
  get size(): number {
    return this.#queued.size;
  }

  /**
   * True if `key` is queued.
   *
   * @example
   * ```ts
   * import { StreamScheduler } from "@gquic/core/quic";
   * const s = new StreamScheduler<number>();
   * s.schedule(3);
   * console.log(s.has(3)); // true
   * ```
   */
  has(key: K): boolean {
    return this.#queued.has(key);
  }

  /**
   * Queues `key` (a stream with data to send); no effect if already queued.
   *
   * @example
   * ```ts
   * import { StreamScheduler } from "@gquic/core/quic";
   * const s = new StreamScheduler<number>();
   * s.schedule(0, { urgency: 7 });
   * console.log(s.size); // 1
   * ```
   */
  schedule(key: K, priority: SchedulePriority = {}): void {
    if (this.#queued.has(key)) return;
    const urgency = Math.min(7, Math.max(0, Math.trunc(priority.urgency ?? 3)));
    const level = this.#levels[urgency];
    this.#queued.set(key, urgency);
    if (priority.incremental ?? true) {
      level.rr.push(key);
      return;
    }
    const order = priority.order ?? (typeof key === "number" ? key : 0);
    let i = level.seqOrder.length;
    while (i > 0 && level.seqOrder[i - 1] > order) i--;
    level.seq.splice(i, 0, key);
    level.seqOrder.splice(i, 0, order);
  }

  /**
   * Removes and returns the next stream to serve, or undefined if none.
   *
   * @example
   * ```ts
   * import { StreamScheduler } from "@gquic/core/quic";
   * const s = new StreamScheduler<number>();
   * s.schedule(4);
   * console.log(s.pop(), s.pop()); // 4 undefined
   * ```
   */
  pop(): K | undefined {
    if (this.#queued.size === 0) return undefined;
    for (const level of this.#levels) {
      if (level.seq.length > 0) {
        const key = level.seq.shift()!;
        level.seqOrder.shift();
        this.#queued.delete(key);
        return key;
      }
      while (level.head < level.rr.length) {
        const key = level.rr[level.head];
        level.rr[level.head] = undefined;
        level.head++;
        if (level.head > 64 && level.head * 2 > level.rr.length) {
          level.rr = level.rr.slice(level.head);
          level.head = 0;
        }
        if (key !== undefined) {
          this.#queued.delete(key);
          return key;
        }
      }
      if (level.head > 0) {
        level.rr.length = 0;
        level.head = 0;
      }
    }
    return undefined;
  }

  /**
   * Removes `key` if queued (e.g. the stream was reset).
   *
   * @example
   * ```ts
   * import { StreamScheduler } from "@gquic/core/quic";
   * const s = new StreamScheduler<number>();
   * s.schedule(4);
   * s.remove(4);
   * console.log(s.pop()); // undefined
   * ```
   */
  remove(key: K): void {
    const urgency = this.#queued.get(key);
    if (urgency === undefined) return;
    this.#queued.delete(key);
    const level = this.#levels[urgency];
    const i = level.seq.indexOf(key);
    if (i >= 0) {
      level.seq.splice(i, 1);
      level.seqOrder.splice(i, 1);
      return;
    }
    const j = level.rr.indexOf(key, level.head);
    if (j >= 0) level.rr[j] = undefined;
  }
}
