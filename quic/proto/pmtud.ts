/**
 * Datagram Packetization Layer PMTU Discovery (DPLPMTUD, RFC 8899; RFC 9000
 * §14.3, §14.4) as a small sans-IO state machine. The connection asks
 * {@link Pmtud.probeSize} whether to send a probe (a PING + PADDING packet of
 * that size), tells it the probe's packet number, and reports the fate of
 * every 1-RTT packet (acknowledged or lost, with its size) and PTO
 * expirations; the machine answers with the maximum datagram size to use.
 *
 * - BASE_PLPMTU = MIN_PLPMTU = 1200 (RFC 9000 §14.3): never below it.
 * - The search starts when the handshake is confirmed (RFC 9000 §14.3.1):
 *   one probe at the ceiling first (on loopback and most LANs it succeeds at
 *   once), then a binary search between the confirmed size and the ceiling;
 *   a size fails after MAX_PROBES = 3 lost probes (RFC 8899 §5.1.2).
 * - The ceiling is the smaller of our configured limit and the peer's
 *   max_udp_payload_size (RFC 9000 §18.2): a probe never exceeds it.
 * - Probe loss is not congestion (RFC 9000 §14.4): the connection records
 *   probes outside bytes in flight.
 * - Black hole detection (RFC 8899 §4.3): if packets larger than BASE_PLPMTU
 *   stop getting through — three of them lost with none acknowledged since,
 *   or two PTOs in a row while using a size above the base — the size drops
 *   back to BASE_PLPMTU and the search restarts below the failed size.
 * - PMTU_RAISE_TIMER (RFC 8899 §5.1.1, 600 s): a search that ended below
 *   the ceiling is tried again later.
 * @module
 */

/**
 * BASE_PLPMTU and MIN_PLPMTU: QUIC's smallest maximum datagram size (RFC 9000 §14.3).
 *
 * @example
 * ```ts
 * import { BASE_PLPMTU } from "@gquic/core/quic";
 * console.log(BASE_PLPMTU); // 1200
 * ```
 */
export const BASE_PLPMTU = 1200;
/**
 * MAX_PROBES (RFC 8899 §5.1.2): probes lost at one size before it is given up.
 *
 * @example
 * ```ts
 * import { MAX_PROBES } from "@gquic/core/quic";
 * console.log(MAX_PROBES); // 3
 * ```
 */
export const MAX_PROBES = 3;
/**
 * PMTU_RAISE_TIMER in ms (RFC 8899 §5.1.1).
 *
 * @example
 * ```ts
 * import { PMTU_RAISE_TIMER } from "@gquic/core/quic";
 * console.log(PMTU_RAISE_TIMER / 1000); // 600
 * ```
 */
export const PMTU_RAISE_TIMER = 600_000;
/** The search stops once the untested interval is smaller than this (bytes). */
const SEARCH_GRANULARITY = 16;
/** Lost packets above BASE_PLPMTU with none acknowledged since → black hole. */
const BLACK_HOLE_LOSSES = 3;
/** Consecutive PTOs while above BASE_PLPMTU → black hole. */
const BLACK_HOLE_PTOS = 2;

/**
 * States of the search (RFC 8899 §5.2, without DISABLED/ERROR which QUIC never needs).
 *
 * @example
 * ```ts
 * import { Pmtud, PmtudState } from "@gquic/core/quic";
 * console.log(new Pmtud().state === PmtudState.BASE); // true
 * ```
 */
export const PmtudState: {
  readonly BASE: 0;
  readonly SEARCHING: 1;
  readonly SEARCH_COMPLETE: 2;
} = {
  /** Before the handshake is confirmed: BASE_PLPMTU only. */
  BASE: 0,
  /** Probing for a larger size. */
  SEARCHING: 1,
  /** Search done; the raise timer may restart it. */
  SEARCH_COMPLETE: 2,
} as const;

/**
 * DPLPMTUD for one path (see module doc).
 *
 * @example
 * ```ts
 * import { Pmtud } from "@gquic/core/quic";
 * const p = new Pmtud();
 * p.start(1500, 0);
 * const size = p.probeSize(0); // 1500: the ceiling first
 * p.onProbeSent(7, size, 0, 1000);
 * p.onPacketAcked(7, size);
 * console.log(p.mtu); // 1500
 * ```
 */
export class Pmtud {
  /** The maximum datagram size in use (the PLPMTU). */
  mtu: number = BASE_PLPMTU;
  /** Search state ({@link PmtudState}). */
  state: number = PmtudState.BASE;
  /**
   * Set by the connection once it has application data worth larger
   * datagrams; it only offers probes while this is true.
   */
  armed = false;
  /** Probes sent (for stats and tests). */
  probesSent = 0;
  /** Black holes detected. */
  blackHoles = 0;
  #ceiling = BASE_PLPMTU;
  #lo = BASE_PLPMTU;
  #hi = BASE_PLPMTU;
  #next = 0;
  #attempts = 0;
  #probePn = -1;
  #probeSize = 0;
  #probeDeadline = Infinity;
  #raiseAt = Infinity;
  #largestAckedLargePn = -1;
  #lostLarge = 0;

  /**
   * Starts searching up to `ceiling` (our limit and the peer's
   * max_udp_payload_size, already combined). Call once the handshake is
   * confirmed.
   * @param ceiling largest datagram size worth trying
   * @param now current time
   */
  start(ceiling: number, now: number): void {
    this.#ceiling = Math.max(BASE_PLPMTU, Math.floor(ceiling));
    this.#search(this.mtu, this.#ceiling, now);
  }

  #search(lo: number, hi: number, now: number): void {
    this.#lo = lo;
    this.#hi = hi;
    this.#attempts = 0;
    this.#probePn = -1;
    this.#probeDeadline = Infinity;
    if (hi <= lo) return this.#complete(now);
    // Optimistic first probe at the ceiling, then bisect (RFC 8899 §5.3.1).
    this.#next = hi;
    this.state = PmtudState.SEARCHING;
  }

  #complete(now: number): void {
    this.state = PmtudState.SEARCH_COMPLETE;
    this.#probePn = -1;
    this.#next = 0;
    this.#raiseAt = this.mtu < this.#ceiling ? now + PMTU_RAISE_TIMER : Infinity;
  }

  #advance(now: number): void {
    if (this.#hi - this.#lo < SEARCH_GRANULARITY) return this.#complete(now);
    this.#next = this.#lo + Math.ceil((this.#hi - this.#lo) / 2);
    this.#attempts = 0;
  }

  /** When the outstanding probe counts as lost (Infinity when none). */
  get probeDeadline(): number {
    return this.#probePn >= 0 ? this.#probeDeadline : Infinity;
  }

  /**
   * When a completed search is tried again (PMTU_RAISE_TIMER, RFC 8899
   * §5.1.1); Infinity when no raise is scheduled.
   */
  get raiseDeadline(): number {
    return this.state === PmtudState.SEARCH_COMPLETE ? this.#raiseAt : Infinity;
  }

  /** The earlier of {@link probeDeadline} and {@link raiseDeadline}. */
  get nextTimeout(): number {
    return Math.min(this.probeDeadline, this.raiseDeadline);
  }

  /**
   * Timer: an outstanding probe past its deadline counts as lost (the next
   * {@link probeSize} then offers the next size); a completed search past
   * its raise time starts again (RFC 8899 §5.1.1), so the timer is not
   * reported again while no probe can be sent.
   * @param now current time
   */
  onTimeout(now: number): void {
    if (this.#probePn >= 0 && now >= this.#probeDeadline) this.#onProbeLost(now);
    if (this.state === PmtudState.SEARCH_COMPLETE && now >= this.#raiseAt) {
      this.#search(this.mtu, this.#ceiling, now);
    }
  }

  /** True while a probe is outstanding. */
  get probing(): boolean {
    return this.#probePn >= 0;
  }

  /**
   * The path changed (RFC 9000 §9.4, §14.3: the PMTU is per path): back to
   * BASE_PLPMTU and, if the search had started, search the new path again.
   * Returns true when {@link mtu} changed.
   * @param now current time
   * @param firstPn the first packet number sent on the new path (losses of
   * earlier packets say nothing about it)
   */
  restart(now: number, firstPn: number): boolean {
    const changed = this.mtu !== BASE_PLPMTU;
    this.mtu = BASE_PLPMTU;
    this.#lostLarge = 0;
    this.#largestAckedLargePn = firstPn - 1;
    if (this.state !== PmtudState.BASE) this.#search(BASE_PLPMTU, this.#ceiling, now);
    return changed;
  }

  /**
   * The size of the probe to send now, or 0 for none. A probe outstanding
   * past its deadline counts as lost.
   * @param now current time
   */
  probeSize(now: number): number {
    if (this.state === PmtudState.SEARCH_COMPLETE) {
      if (now < this.#raiseAt) return 0;
      // RFC 8899 §5.1.1: try again for a larger size.
      this.#search(this.mtu, this.#ceiling, now);
    }
    if (this.state !== PmtudState.SEARCHING) return 0;
    if (this.#probePn >= 0) {
      if (now < this.#probeDeadline) return 0;
      this.#onProbeLost(now);
      if (this.state !== PmtudState.SEARCHING) return 0;
    }
    return this.#next;
  }

  /**
   * A probe of `size` bytes went out as packet `pn`.
   * @param pn its packet number (Application space)
   * @param size its datagram size
   * @param now send time
   * @param timeout how long to wait for its acknowledgement (e.g. 3 × PTO)
   */
  onProbeSent(pn: number, size: number, now: number, timeout: number): void {
    this.#probePn = pn;
    this.#probeSize = size;
    this.#probeDeadline = now + timeout;
    this.probesSent++;
  }

  /**
   * A 1-RTT packet was acknowledged. Returns true when {@link mtu} changed.
   * @param pn its packet number
   * @param size its size in bytes
   * @param now current time
   */
  onPacketAcked(pn: number, size: number, now = 0): boolean {
    if (size > BASE_PLPMTU && pn > this.#largestAckedLargePn) {
      this.#largestAckedLargePn = pn;
      this.#lostLarge = 0;
    }
    if (pn !== this.#probePn) return false;
    this.#probePn = -1;
    this.#lo = this.#probeSize;
    const changed = this.#probeSize > this.mtu;
    if (changed) this.mtu = this.#probeSize;
    this.#advance(now);
    return changed;
  }

  /**
   * A 1-RTT packet was declared lost. Returns true when {@link mtu} changed
   * (a black hole: back to BASE_PLPMTU).
   * @param pn its packet number
   * @param size its size in bytes
   * @param now current time
   */
  onPacketLost(pn: number, size: number, now = 0): boolean {
    if (pn === this.#probePn) {
      this.#onProbeLost(now);
      return false;
    }
    // RFC 8899 §4.3: only losses after the last acknowledged large packet
    // count — earlier ones (a burst dropped by a full receive buffer) say
    // nothing about the path's MTU.
    if (this.mtu > BASE_PLPMTU && size > BASE_PLPMTU && pn > this.#largestAckedLargePn) {
      if (++this.#lostLarge >= BLACK_HOLE_LOSSES) return this.#blackHole(now);
    }
    return false;
  }

  /**
   * The PTO fired `ptoCount` times in a row. Returns true when {@link mtu}
   * changed (a black hole).
   * @param ptoCount consecutive PTO expirations
   * @param now current time
   */
  onPto(ptoCount: number, now = 0): boolean {
    if (this.mtu > BASE_PLPMTU && ptoCount >= BLACK_HOLE_PTOS) return this.#blackHole(now);
    return false;
  }

  #onProbeLost(now: number): void {
    this.#probePn = -1;
    this.#probeDeadline = Infinity;
    if (++this.#attempts < MAX_PROBES) return; // Same size again.
    this.#hi = this.#probeSize - 1;
    this.#advance(now);
  }

  #blackHole(now: number): boolean {
    this.blackHoles++;
    const failed = this.mtu;
    this.mtu = BASE_PLPMTU;
    this.#lostLarge = 0;
    // Search again below the size that stopped working (RFC 8899 §5.2).
    this.#search(BASE_PLPMTU, Math.max(BASE_PLPMTU, failed - 1), now);
    return true;
  }
}

/**
 * True for loopback addresses (127.0.0.0/8, ::1 and their IPv4-mapped
 * form): the loopback interface's MTU is 65536, so large datagrams are
 * never fragmented there.
 *
 * @example
 * ```ts
 * import { isLoopbackAddress } from "@gquic/core/quic";
 * console.log(isLoopbackAddress("127.0.0.1"), isLoopbackAddress("10.0.0.1")); // true false
 * ```
 */
export function isLoopbackAddress(hostname: string): boolean {
  return hostname.startsWith("127.") || hostname === "::1" || hostname === "localhost" ||
    hostname.startsWith("::ffff:127.") || hostname === "0:0:0:0:0:0:0:1";
}
