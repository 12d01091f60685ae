/**
 * An indexed binary min-heap of deadlines, one entry per key, so the endpoint
 * finds its earliest timer and the timers due at `now` without walking every
 * connection (idle connections cost nothing per call). Updating a key's
 * deadline moves its single entry (O(log n)); there are no stale entries to
 * pile up when a busy connection re-arms its timers on every packet.
 * Internal to the endpoint.
 * @module
 */

/** Min-heap of `(deadline, key)` with at most one entry per key (internal). */
export class DeadlineHeap<K> {
  readonly #keys: K[] = [];
  readonly #times: number[] = [];
  readonly #index = new Map<K, number>();

  /** Number of keys with a deadline. */
  get size(): number {
    return this.#keys.length;
  }

  /** The earliest deadline, or undefined when empty. */
  peekTime(): number | undefined {
    return this.#times.length > 0 ? this.#times[0] : undefined;
  }

  /** The key with the earliest deadline, or undefined when empty. */
  peekKey(): K | undefined {
    return this.#keys[0];
  }

  /** Sets `key`'s deadline; `undefined` (or Infinity) removes it. */
  set(key: K, time: number | undefined): void {
    const i = this.#index.get(key);
    if (time === undefined || time === Infinity) {
      if (i !== undefined) this.#removeAt(i);
      return;
    }
    if (i === undefined) {
      const n = this.#keys.length;
      this.#keys.push(key);
      this.#times.push(time);
      this.#index.set(key, n);
      this.#up(n);
      return;
    }
    const old = this.#times[i];
    if (old === time) return;
    this.#times[i] = time;
    if (time < old) this.#up(i);
    else this.#down(i);
  }

  /** Removes `key`. */
  delete(key: K): void {
    const i = this.#index.get(key);
    if (i !== undefined) this.#removeAt(i);
  }

  #removeAt(i: number): void {
    const last = this.#keys.length - 1;
    this.#index.delete(this.#keys[i]);
    if (i !== last) {
      this.#keys[i] = this.#keys[last];
      this.#times[i] = this.#times[last];
      this.#index.set(this.#keys[i], i);
    }
    this.#keys.pop();
    this.#times.pop();
    if (i < this.#keys.length) {
      this.#up(i);
      this.#down(i);
    }
  }

  #swap(a: number, b: number): void {
    const k = this.#keys[a];
    const t = this.#times[a];
    this.#keys[a] = this.#keys[b];
    this.#times[a] = this.#times[b];
    this.#keys[b] = k;
    this.#times[b] = t;
    this.#index.set(this.#keys[a], a);
    this.#index.set(this.#keys[b], b);
  }

  #up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#times[p] <= this.#times[i]) return;
      this.#swap(i, p);
      i = p;
    }
  }

  #down(i: number): void {
    const n = this.#keys.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.#times[r] < this.#times[l] ? r : l;
      if (this.#times[i] <= this.#times[m]) return;
      this.#swap(i, m);
      i = m;
    }
  }
}
