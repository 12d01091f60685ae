/**
 * Runs sans-IO endpoints over a {@link SimNetwork} on a virtual clock: moves
 * datagrams between `pollTransmit` and `handleDatagram`, fires timers in time
 * order, and advances time only to the next event (virtual time is free).
 * @module
 */
import { addrKey, type LinkOptions, type SimAddr, SimNetwork } from "./network.ts";

/** What the harness needs from an endpoint (the core `Endpoint` fits). */
export interface SimEndpoint {
  /** Feeds a received datagram. */
  handleDatagram(data: Uint8Array, remote: SimAddr, now: number): void;
  /** Next datagram to send, if any. */
  pollTransmit(now: number): { data: Uint8Array; remote: SimAddr } | undefined;
  /** Earliest timer deadline, if any. */
  nextTimeout(): number | undefined;
  /** Fires expired timers. */
  handleTimeout(now: number): void;
}

/** A node of the simulation. */
export interface SimNode {
  /** Its address. */
  addr: SimAddr;
  /** Its endpoint. */
  ep: SimEndpoint;
}

/** The simulation driver. */
export class SimHarness {
  /** The network. */
  readonly net: SimNetwork;
  /** Virtual time (ms). */
  now = 0;
  /** Steps taken (a guard against livelock). */
  steps = 0;
  readonly #nodes = new Map<string, SimNode>();
  readonly #aliases = new Map<string, string>();

  /**
   * @param seed PRNG seed for the network
   * @param defaults default link impairments
   * @param start virtual time origin (ms)
   */
  constructor(seed: number, defaults: LinkOptions = {}, start = 0) {
    this.net = new SimNetwork(seed, defaults);
    this.now = start;
  }

  /** Adds an endpoint at `addr`. */
  add(addr: SimAddr, ep: SimEndpoint): SimNode {
    const n = { addr, ep };
    this.#nodes.set(addrKey(addr), n);
    return n;
  }

  /**
   * Delivers datagrams addressed to `addr` to the node at `node` (the inbound
   * side of a NAT mapping set with `net.natRewrite`).
   */
  alias(addr: SimAddr, node: SimAddr): void {
    this.#aliases.set(addrKey(addr), addrKey(node));
  }

  /**
   * Moves a node to a new address (its socket was rebound): it sends from
   * `to` from now on, and datagrams still addressed to `from` are dropped.
   */
  rebind(from: SimAddr, to: SimAddr): void {
    const n = this.#nodes.get(addrKey(from));
    if (!n) throw new Error(`no node at ${addrKey(from)}`);
    this.#nodes.delete(addrKey(from));
    n.addr = to;
    this.#nodes.set(addrKey(to), n);
  }

  /** Removes a node (its datagrams are then dropped on arrival). */
  remove(addr: SimAddr): void {
    this.#nodes.delete(addrKey(addr));
  }

  #flush(): void {
    for (const n of this.#nodes.values()) {
      for (let i = 0; i < 100_000; i++) {
        const t = n.ep.pollTransmit(this.now);
        if (!t) break;
        this.net.send(n.addr, t.remote, t.data, this.now);
      }
    }
  }

  /**
   * Advances to the next event (not past `limit`) and processes it. Returns
   * false when nothing is pending before `limit`.
   */
  step(limit = Infinity): boolean {
    this.steps++;
    this.#flush();
    let next = this.net.nextDeliveryTime() ?? Infinity;
    for (const n of this.#nodes.values()) {
      const t = n.ep.nextTimeout();
      if (t !== undefined && t < next) next = t;
    }
    if (next === Infinity) return false;
    if (next > limit) {
      this.now = Math.max(this.now, limit);
      return false;
    }
    if (next > this.now) this.now = next;
    for (;;) {
      const d = this.net.popDue(this.now);
      if (!d) break;
      const key = addrKey(d.to);
      const node = this.#nodes.get(key) ?? this.#nodes.get(this.#aliases.get(key) ?? "");
      node?.ep.handleDatagram(d.data, d.from, this.now);
    }
    for (const n of this.#nodes.values()) {
      const t = n.ep.nextTimeout();
      if (t !== undefined && t <= this.now) n.ep.handleTimeout(this.now);
    }
    this.#flush();
    return true;
  }

  /**
   * Steps until `done()` holds or virtual time passes `until` or nothing is
   * pending. Returns whether `done()` held.
   */
  runUntil(done: () => boolean, until: number, maxSteps = 5_000_000): boolean {
    for (let i = 0; i < maxSteps; i++) {
      if (done()) return true;
      if (this.now > until) return false;
      if (!this.step(until)) return done();
    }
    throw new Error("simulation did not settle (step limit)");
  }

  /** Steps until virtual time reaches `t` (or nothing is pending). */
  runFor(ms: number): void {
    const end = this.now + ms;
    this.runUntil(() => false, end);
    if (this.now < end) this.now = end;
  }
}
