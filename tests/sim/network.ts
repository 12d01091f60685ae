/**
 * A deterministic simulated datagram network on a virtual clock.
 *
 * Every impairment (loss, reordering, duplication, corruption, delay and
 * jitter, a bandwidth limit with a bounded queue, blackhole periods) is driven
 * by one seeded PRNG, so a scenario replays bit for bit from its seed. The
 * network never looks at the wall clock: callers ask for the next delivery
 * time and hand `now` back in.
 * @module
 */

/** A UDP-style address (structurally compatible with `Deno.NetAddr`). */
export interface SimAddr {
  /** Host name or IP literal. */
  hostname: string;
  /** Port number. */
  port: number;
}

/** Impairments of one direction of a link. */
export interface LinkOptions {
  /** One-way propagation delay in ms (default 10). */
  delayMs?: number;
  /** Uniform extra delay in [0, jitterMs) ms added per datagram (default 0). */
  jitterMs?: number;
  /** Probability a datagram is dropped (default 0). */
  loss?: number;
  /** Probability a datagram is held back by `reorderDelayMs` extra (default 0). */
  reorder?: number;
  /** Extra delay for a reordered datagram (default 2 × delayMs + 1). */
  reorderDelayMs?: number;
  /** Probability a datagram is delivered twice (default 0). */
  duplicate?: number;
  /** Probability one random bit of a datagram is flipped (default 0). */
  corrupt?: number;
  /** Link rate in bytes per second (default unlimited). */
  bandwidth?: number;
  /** Drop-tail queue limit in bytes when `bandwidth` is set (default 256 KiB). */
  queueBytes?: number;
  /** Periods `[start, end)` (virtual ms) during which everything is dropped. */
  blackholes?: Array<[number, number]>;
  /** Path MTU as the largest UDP payload carried; larger datagrams are dropped (default none). */
  mtu?: number;
}

/** Counters for one network. */
export interface NetworkStats {
  /** Datagrams handed to `send`. */
  sent: number;
  /** Datagrams delivered (duplicates count twice). */
  delivered: number;
  /** Dropped by random loss. */
  lost: number;
  /** Dropped inside a blackhole period. */
  blackholed: number;
  /** Dropped for exceeding the link's MTU. */
  tooBig: number;
  /** Dropped because the bandwidth queue was full. */
  queueDropped: number;
  /** Delivered with a flipped bit. */
  corrupted: number;
  /** Extra copies delivered. */
  duplicated: number;
  /** Held back to arrive out of order. */
  reordered: number;
  /** Bytes handed to `send`. */
  bytesSent: number;
}

/** A datagram ready to be delivered. */
export interface Delivery {
  /** Virtual time of arrival. */
  at: number;
  /** Sender address. */
  from: SimAddr;
  /** Receiver address. */
  to: SimAddr;
  /** Payload (owned by the receiver). */
  data: Uint8Array;
}

/**
 * Small, fast, seeded PRNG (mulberry32). Deterministic across runs.
 */
export class Prng {
  #s: number;
  /** Creates a generator from a 32-bit seed. */
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** Next float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Next integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** `n` pseudo-random bytes (a deterministic `random(n)` for the core). */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** Key of an address for maps. */
export function addrKey(a: SimAddr): string {
  return `${a.hostname}:${a.port}`;
}

interface Pending extends Delivery {
  seq: number;
}

/** A min-heap of pending deliveries ordered by (at, seq). */
class DeliveryHeap {
  items: Pending[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Pending | undefined {
    return this.items[0];
  }
  #less(a: Pending, b: Pending): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
  push(p: Pending): void {
    const h = this.items;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }
  pop(): Pending | undefined {
    const h = this.items;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l], h[m])) m = l;
        if (r < h.length && this.#less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Per-direction link state (bandwidth serialisation). */
interface LinkState {
  opts: LinkOptions;
  /** Virtual time at which the link finishes transmitting its queue. */
  busyUntil: number;
}

/**
 * The simulated network. Links are configured per direction (`from → to`);
 * unconfigured pairs use the default options.
 */
export class SimNetwork {
  readonly rng: Prng;
  readonly stats: NetworkStats = {
    sent: 0,
    delivered: 0,
    lost: 0,
    blackholed: 0,
    tooBig: 0,
    queueDropped: 0,
    corrupted: 0,
    duplicated: 0,
    reordered: 0,
    bytesSent: 0,
  };
  /**
   * Rewrites the source address of each datagram as a NAT would (e.g. a new
   * outgoing port mid-connection: NAT rebinding, RFC 9000 §9). Runs first.
   */
  natRewrite: ((from: SimAddr, to: SimAddr, now: number) => SimAddr) | undefined;
  /** Sees every datagram handed to {@link send} (after NAT rewriting), e.g. for an on-path copier. */
  tap: ((from: SimAddr, to: SimAddr, data: Uint8Array, now: number) => void) | undefined;
  #defaults: LinkOptions;
  #links = new Map<string, LinkState>();
  #heap = new DeliveryHeap();
  #seq = 0;

  /**
   * @param seed PRNG seed
   * @param defaults link options for every direction not set with {@link setLink}
   */
  constructor(seed: number, defaults: LinkOptions = {}) {
    this.rng = new Prng(seed);
    this.#defaults = defaults;
  }

  /** Sets the impairments of the `from → to` direction. */
  setLink(from: SimAddr, to: SimAddr, opts: LinkOptions): void {
    this.#links.set(`${addrKey(from)}>${addrKey(to)}`, { opts, busyUntil: 0 });
  }

  /** Replaces the default options (used for links not set explicitly). */
  setDefaults(opts: LinkOptions): void {
    this.#defaults = opts;
    for (const [k, l] of this.#links) if (l.opts === this.#defaults) this.#links.delete(k);
  }

  #link(from: SimAddr, to: SimAddr): LinkState {
    const k = `${addrKey(from)}>${addrKey(to)}`;
    let l = this.#links.get(k);
    if (!l) {
      l = { opts: this.#defaults, busyUntil: 0 };
      this.#links.set(k, l);
    }
    return l;
  }

  /**
   * Sends a datagram at virtual time `now`. The payload is copied, so callers
   * may reuse their buffer.
   */
  send(from: SimAddr, to: SimAddr, data: Uint8Array, now: number): void {
    if (this.natRewrite) from = this.natRewrite(from, to, now);
    this.tap?.(from, to, data, now);
    const link = this.#link(from, to);
    const o = link.opts;
    this.stats.sent++;
    this.stats.bytesSent += data.length;
    if (o.blackholes?.some(([s, e]) => now >= s && now < e)) {
      this.stats.blackholed++;
      return;
    }
    if (o.mtu !== undefined && data.length > o.mtu) {
      this.stats.tooBig++;
      return;
    }
    if (o.loss && this.rng.next() < o.loss) {
      this.stats.lost++;
      return;
    }
    let departs = now;
    if (o.bandwidth) {
      // Serialise onto the link; drop-tail when the queue exceeds its limit.
      const start = Math.max(now, link.busyUntil);
      const queued = (start - now) * o.bandwidth / 1000;
      if (queued + data.length > (o.queueBytes ?? 256 * 1024)) {
        this.stats.queueDropped++;
        return;
      }
      link.busyUntil = start + data.length * 1000 / o.bandwidth;
      departs = link.busyUntil;
    }
    const delay = o.delayMs ?? 10;
    let at = departs + delay + (o.jitterMs ? this.rng.next() * o.jitterMs : 0);
    if (o.reorder && this.rng.next() < o.reorder) {
      this.stats.reordered++;
      at += o.reorderDelayMs ?? 2 * delay + 1;
    }
    const copy = data.slice();
    if (o.corrupt && this.rng.next() < o.corrupt) {
      this.stats.corrupted++;
      const bit = this.rng.int(copy.length * 8);
      copy[bit >> 3] ^= 1 << (bit & 7);
    }
    this.#heap.push({ at, from, to, data: copy, seq: this.#seq++ });
    if (o.duplicate && this.rng.next() < o.duplicate) {
      this.stats.duplicated++;
      this.#heap.push({
        at: at + this.rng.next() * delay,
        from,
        to,
        data: copy.slice(),
        seq: this.#seq++,
      });
    }
  }

  /** Arrival time of the next pending datagram, or undefined. */
  nextDeliveryTime(): number | undefined {
    return this.#heap.peek()?.at;
  }

  /** Number of datagrams in flight. */
  get inFlight(): number {
    return this.#heap.size;
  }

  /** Removes and returns the next datagram due at or before `now`. */
  popDue(now: number): Delivery | undefined {
    const p = this.#heap.peek();
    if (!p || p.at > now) return undefined;
    this.#heap.pop();
    this.stats.delivered++;
    return p;
  }
}
