/**
 * Loss detection and recovery (RFC 9002 §6, Appendix A): per-space sent
 * packet records, ACK processing, packet- and time-threshold loss detection,
 * the probe timeout with backoff, persistent congestion (§7.6), and the
 * hand-off to a congestion controller (§7, Appendix B).
 *
 * Driving it from a connection:
 * - after sending any packet: `onPacketSent(space, pn, now, size, ackEliciting, inFlight, frames)`;
 * - on an ACK frame: `onAckReceived(space, ranges, rangeCount, ackDelayMs, now, ecnCe?)`;
 *   acked/lost packets come back through the `onPacketAcked` / `onPacketLost`
 *   callbacks with the `frames` given at send time (re-queue lost frames there);
 *   a `QuicError` is thrown for an ACK of a packet never sent;
 * - arm one timer at `getLossDetectionTimer()`; when it fires call
 *   `onLossDetectionTimeout(now)` and, for a "pto" action, send `probes`
 *   ack-eliciting packets in `space` regardless of the congestion window
 *   (RFC 9002 §7.5; `pendingProbes(space)` counts them down);
 * - on key discard: `onPacketNumberSpaceDiscarded(space, now)` (§6.4);
 *   on handshake confirmation: `onHandshakeConfirmed(now)`;
 * - before sending non-probe data: `cc.canSend(size)` and the pacer.
 * @module
 */
import { K_GRANULARITY, RttEstimator } from "./rtt.ts";
import {
  PacketNumberSpace,
  type PacketNumberSpaceValue,
  SENT_ACK_ELICITING,
  SENT_ACKED,
  SENT_IN_FLIGHT,
  SentPacketStore,
} from "./sent_packets.ts";
import type { CongestionController } from "./congestion/controller.ts";
import { createCongestionController } from "./congestion/factory.ts";
import { detectLostPackets, type LossScan } from "./loss_detection.ts";
import { validateAckRanges } from "./ack_ranges.ts";
import { QuicError, TransportErrorCode } from "./errors.ts";
import {
  K_PACKET_THRESHOLD,
  K_TIME_THRESHOLD,
  type LossRecoveryOptions,
  type LossTimeoutAction,
  type PacketCallback,
} from "./recovery_types.ts";

const SPACES: readonly PacketNumberSpaceValue[] = [0, 1, 2];

/**
 * RFC 9002 loss detection across the three packet number spaces.
 *
 * @typeParam F the connection's per-packet payload (frames to re-queue)
 *
 * @example
 * ```ts
 * import { LossRecovery, PacketNumberSpace } from "@gquic/core/quic";
 * const lost: number[] = [];
 * const r = new LossRecovery<string>({ isServer: true, onPacketLost: (_s, pn) => lost.push(pn) });
 * const app = PacketNumberSpace.ApplicationData;
 * r.onHandshakeConfirmed(0);
 * for (let pn = 0; pn < 5; pn++) r.onPacketSent(app, pn, pn, 1200, true, true, `frames of ${pn}`);
 * r.onAckReceived(app, [4, 3], 1, 0, 50); // acks 3..4: pn 0 and 1 are ≥ 3 below 4 → lost
 * console.log(lost, r.cc.congestionWindow); // [ 0, 1 ] 6000
 * ```
 */
export class LossRecovery<F> {
  /** The congestion controller fed by this recovery. */
  readonly cc: CongestionController;
  /** The path's RTT estimator. */
  readonly rtt: RttEstimator;
  /** Sent packet records per space. */
  readonly sent: readonly [SentPacketStore<F>, SentPacketStore<F>, SentPacketStore<F>];
  /** pto_count: consecutive PTOs without an acknowledgment (RFC 9002 §6.2.1). */
  ptoCount = 0;
  /** The peer's max_ack_delay in ms. */
  maxAckDelay: number;
  /** kPacketThreshold. */
  readonly packetThreshold: number;
  /** kTimeThreshold. */
  readonly timeThreshold: number;
  /** Probe packets per PTO. */
  readonly ptoProbes: number;
  /** Whether the handshake is confirmed (RFC 9001 §4.1.2). */
  handshakeConfirmed = false;
  /** Whether Handshake keys are available (client anti-deadlock choice). */
  hasHandshakeKeys = false;
  /** Whether an ACK arrived in the Handshake space (client address validation, A.6). */
  handshakeAckReceived = false;
  /** Server blocked by the anti-amplification limit (RFC 9002 §6.2.2.1). */
  amplificationLimited = false;
  /** Total packets declared lost, for stats. */
  lostPackets = 0;
  /** Total persistent congestion events, for stats. */
  persistentCongestionEvents = 0;
  private readonly isServer: boolean;
  private readonly largestAcked = [-1, -1, -1];
  private readonly lossTime = [Infinity, Infinity, Infinity];
  private readonly timeOfLastAckEliciting = [-Infinity, -Infinity, -Infinity];
  private readonly ecnCe = [0, 0, 0];
  private readonly probes = [0, 0, 0];
  private readonly discarded = [false, false, false];
  private readonly skipped: [number[], number[], number[]] = [[], [], []];
  private timer = Infinity;
  private readonly onAcked: PacketCallback<F> | undefined;
  private readonly onLost: PacketCallback<F> | undefined;
  private readonly action: LossTimeoutAction = {
    kind: "none",
    space: 0,
    probes: 0,
    antiDeadlock: false,
  };
  // Scratch for newly acked in-flight packets: [size, timeSent] pairs, so
  // the congestion controller sees them after loss processing (A.7 order).
  private ackedScratch = new Float64Array(16); // Grows on demand (idle connections stay small).
  // Result of the last loss detection pass (reused).
  private readonly lossScan: LossScan = {
    lossTime: Infinity,
    lostBytes: 0,
    lastLossTime: -1,
    lostPackets: 0,
    persistent: false,
  };

  /**
   * Creates loss recovery state for a connection.
   * @param opts endpoint role, controller, RTT and thresholds, callbacks
   */
  constructor(opts: LossRecoveryOptions<F>) {
    this.isServer = opts.isServer;
    const cc = opts.congestionControl ?? "newreno";
    this.cc = typeof cc === "string"
      ? createCongestionController(cc, { maxDatagramSize: opts.maxDatagramSize })
      : cc;
    this.rtt = opts.rtt ?? new RttEstimator(opts.initialRtt);
    this.maxAckDelay = opts.maxAckDelay ?? 25;
    this.packetThreshold = Math.max(1, opts.packetThreshold ?? K_PACKET_THRESHOLD);
    this.timeThreshold = opts.timeThreshold ?? K_TIME_THRESHOLD;
    this.ptoProbes = Math.min(2, Math.max(1, opts.ptoProbes ?? 2));
    this.sent = [new SentPacketStore<F>(), new SentPacketStore<F>(), new SentPacketStore<F>()];
    this.onAcked = opts.onPacketAcked;
    this.onLost = opts.onPacketLost;
  }

  /** bytes_in_flight across all spaces (from the congestion controller). */
  get bytesInFlight(): number {
    return this.cc.bytesInFlight;
  }

  /**
   * The earliest loss detection deadline (time threshold or PTO), or
   * undefined when no timer should be armed (RFC 9002 A.8).
   */
  getLossDetectionTimer(): number | undefined {
    return this.timer === Infinity ? undefined : this.timer;
  }

  /**
   * Largest packet number acknowledged by the peer in `space`, or -1.
   * @param space packet number space
   */
  largestAckedIn(space: PacketNumberSpaceValue): number {
    return this.largestAcked[space];
  }

  /**
   * Probe packets still owed in `space` after a PTO; they bypass the
   * congestion window (RFC 9002 §7.5). Counted down by ack-eliciting sends.
   * @param space packet number space
   */
  pendingProbes(space: PacketNumberSpaceValue): number {
    return this.probes[space];
  }

  /**
   * True when `space` has ack-eliciting packets in flight.
   * @param space packet number space
   */
  hasAckElicitingInFlight(space: PacketNumberSpaceValue): boolean {
    return this.sent[space].ackElicitingInFlight > 0;
  }

  /**
   * True when many non-ack-eliciting packets (e.g. ACK-only) are outstanding
   * in `space` with nothing ack-eliciting in flight: the connection should
   * add a PING so they get acknowledged and their records released (RFC 9000
   * §13.2.4).
   * @param space packet number space
   * @param threshold outstanding records that trigger the hint (default 16)
   */
  needsAckEliciting(space: PacketNumberSpaceValue, threshold: number = 16): boolean {
    const s = this.sent[space];
    return s.ackElicitingInFlight === 0 && s.liveCount >= threshold;
  }

  /**
   * Sets the peer's max_ack_delay once its transport parameters arrive.
   * @param ms max_ack_delay in milliseconds
   */
  setPeerMaxAckDelay(ms: number): void {
    this.maxAckDelay = ms;
  }

  /**
   * Records a sent packet (RFC 9002 A.5 OnPacketSent). Packet numbers in a
   * space must increase.
   * @param space packet number space
   * @param pn packet number
   * @param now send time
   * @param size bytes sent (QUIC header, payload, AEAD tag; no UDP/IP)
   * @param ackEliciting whether it carries an ack-eliciting frame
   * @param inFlight whether it counts toward bytes in flight (ack-eliciting
   * or PADDING)
   * @param frames opaque payload returned by the callbacks
   */
  onPacketSent(
    space: PacketNumberSpaceValue,
    pn: number,
    now: number,
    size: number,
    ackEliciting: boolean,
    inFlight: boolean,
    frames?: F,
  ): void {
    if (this.discarded[space]) return;
    const store = this.sent[space];
    if (pn <= store.largestSent) {
      throw new QuicError(TransportErrorCode.INTERNAL_ERROR, `packet number ${pn} reused`);
    }
    const flags = (ackEliciting ? SENT_ACK_ELICITING : 0) | (inFlight ? SENT_IN_FLIGHT : 0);
    store.push(pn, now, size, flags, frames);
    if (ackEliciting && this.probes[space] > 0) this.probes[space]--;
    if (inFlight) {
      if (ackEliciting) this.timeOfLastAckEliciting[space] = now;
      this.cc.onPacketSent(size, now);
      this.setLossDetectionTimer(now);
    }
  }

  /**
   * Declares that packet number `pn` was deliberately skipped (RFC 9000
   * §21.4 optimistic ACK defence): an ACK covering it is a
   * PROTOCOL_VIOLATION. The last 8 per space are remembered.
   * @param space packet number space
   * @param pn the skipped packet number (must exceed every sent one)
   */
  onPacketNumberSkipped(space: PacketNumberSpaceValue, pn: number): void {
    const list = this.skipped[space];
    if (list.length >= 8) list.shift();
    list.push(pn);
  }

  /**
   * Processes an ACK frame (RFC 9002 A.7 OnAckReceived). `ranges` holds
   * `rangeCount` pairs `[largest, smallest]` in descending order (the
   * `AckFrameContent` layout); only sent records inside the ranges are
   * visited, never every number of a huge range. Throws `QuicError`
   * PROTOCOL_VIOLATION if a packet that was never sent is acknowledged
   * (RFC 9000 §13.1), FRAME_ENCODING_ERROR for malformed ranges. Returns the
   * number of newly acknowledged packets.
   * @param space packet number space of the packet carrying the ACK
   * @param ranges flattened `[largest, smallest]` pairs, descending
   * @param rangeCount number of pairs
   * @param ackDelay decoded ACK Delay in ms (see `decodeAckDelay`)
   * @param now receive time
   * @param ecnCe ECN-CE count from the frame, or -1 when absent
   */
  onAckReceived(
    space: PacketNumberSpaceValue,
    ranges: ArrayLike<number>,
    rangeCount: number,
    ackDelay: number,
    now: number,
    ecnCe: number = -1,
  ): number {
    const store = this.sent[space];
    validateAckRanges(ranges, rangeCount, this.sent[space].largestSent, this.skipped[space]);
    const largest = ranges[0];
    if (largest > this.largestAcked[space]) this.largestAcked[space] = largest;
    if (this.discarded[space]) return 0;

    // DetectAndRemoveAckedPackets: visit only the records inside each range.
    let newlyAcked = 0;
    let ackEliciting = false;
    let largestNewlyAckedTime = -1;
    let largestNewlyAckedPn = -1;
    let scratchLen = 0;
    for (let r = 0; r < rangeCount; r++) {
      const hi = ranges[2 * r];
      const lo = ranges[2 * r + 1];
      let i = store.lowerBound(lo);
      const len = store.length;
      for (; i < len; i++) {
        const pn = store.pn(i);
        if (pn > hi) break;
        if (!store.isLive(i)) continue;
        const f = store.flags(i);
        const size = store.size(i);
        const timeSent = store.timeSent(i);
        const frames = store.payload(i);
        store.remove(i, SENT_ACKED);
        newlyAcked++;
        if (pn > largestNewlyAckedPn) {
          largestNewlyAckedPn = pn;
          largestNewlyAckedTime = timeSent;
        }
        if ((f & SENT_ACK_ELICITING) !== 0) ackEliciting = true;
        if ((f & SENT_IN_FLIGHT) !== 0) {
          if (scratchLen + 2 > this.ackedScratch.length) this.growScratch();
          this.ackedScratch[scratchLen++] = size;
          this.ackedScratch[scratchLen++] = timeSent;
        }
        this.onAcked?.(space, pn, frames, size, timeSent);
      }
    }
    if (newlyAcked === 0) return 0;
    if (space === PacketNumberSpace.Handshake) this.handshakeAckReceived = true;

    // RFC 9002 §5.1: an RTT sample only if the largest acknowledged is newly
    // acknowledged and at least one newly acked packet is ack-eliciting.
    if (largestNewlyAckedPn === largest && ackEliciting) {
      // RFC 9002 §5.3: the ack delay MAY be ignored for Initial packets.
      const delay = space === PacketNumberSpace.Initial ? 0 : ackDelay;
      this.rtt.update(
        now - largestNewlyAckedTime,
        delay,
        now,
        this.handshakeConfirmed,
        this.maxAckDelay,
      );
    }

    // RFC 9002 §7.1 / B.7: an increased ECN-CE count is a congestion event.
    if (ecnCe > this.ecnCe[space]) {
      this.ecnCe[space] = ecnCe;
      this.cc.onCongestionEvent(largestNewlyAckedTime, now);
    }

    this.detectAndRemoveLostPackets(space, now);
    // RFC 9002 A.7: OnPacketsAcked after OnPacketsLost.
    const srtt = this.rtt.smoothedRtt;
    const scratch = this.ackedScratch;
    for (let k = 0; k < scratchLen; k += 2) {
      this.cc.onPacketAcked(scratch[k], scratch[k + 1], now, srtt);
    }
    store.reclaim();

    // RFC 9002 §6.2.1: reset the backoff, except at a client not yet sure
    // the server validated its address.
    if (this.peerCompletedAddressValidation()) this.ptoCount = 0;
    this.setLossDetectionTimer(now);
    return newlyAcked;
  }

  /** Doubles the acked-packet scratch buffer. */
  private growScratch(): void {
    const next = new Float64Array(this.ackedScratch.length * 2);
    next.set(this.ackedScratch);
    this.ackedScratch = next;
  }

  /** RFC 9002 A.10 DetectAndRemoveLostPackets, with §7.6 persistent congestion. */
  private detectAndRemoveLostPackets(space: PacketNumberSpaceValue, now: number): void {
    const r = this.lossScan;
    detectLostPackets(
      space,
      this.sent[space],
      this.largestAcked[space],
      this.rtt,
      this,
      now,
      this.onLost,
      r,
    );
    this.lostPackets += r.lostPackets;
    this.lossTime[space] = r.lossTime;
    if (r.lostBytes > 0) this.cc.onPacketsLost(r.lostBytes, r.lastLossTime, now);
    if (r.persistent) {
      this.persistentCongestionEvents++;
      this.cc.onPersistentCongestion(now);
      this.rtt.onPersistentCongestion();
    }
  }

  /** RFC 9002 A.6 PeerCompletedAddressValidation. */
  private peerCompletedAddressValidation(): boolean {
    return this.isServer || this.handshakeAckReceived || this.handshakeConfirmed;
  }

  /** True when no space has ack-eliciting packets in flight. */
  private noAckElicitingInFlight(): boolean {
    const s = this.sent;
    return s[0].ackElicitingInFlight === 0 && s[1].ackElicitingInFlight === 0 &&
      s[2].ackElicitingInFlight === 0;
  }

  /** Earliest loss_time and its space (A.8 GetLossTimeAndSpace); space -1 when none. */
  private lossTimeSpace(): number {
    let t = Infinity;
    let space = -1;
    for (const s of SPACES) {
      if (this.lossTime[s] < t) {
        t = this.lossTime[s];
        space = s;
      }
    }
    return space;
  }

  // Out-parameter of ptoTimeAndSpace (avoids allocating a tuple).
  private ptoSpace: PacketNumberSpaceValue = 0;

  /** A.8 GetPtoTimeAndSpace: returns the PTO time, sets `ptoSpace`. */
  private ptoTimeAndSpace(now: number): number {
    const backoff = 2 ** this.ptoCount;
    let duration = (this.rtt.smoothedRtt + Math.max(4 * this.rtt.rttvar, K_GRANULARITY)) *
      backoff;
    // RFC 9002 §6.2.2.1: the anti-deadlock PTO starts from now.
    if (this.noAckElicitingInFlight()) {
      this.ptoSpace = this.hasHandshakeKeys
        ? PacketNumberSpace.Handshake
        : PacketNumberSpace.Initial;
      return now + duration;
    }
    let timeout = Infinity;
    this.ptoSpace = PacketNumberSpace.Initial;
    for (const space of SPACES) {
      if (this.sent[space].ackElicitingInFlight === 0) continue;
      if (space === PacketNumberSpace.ApplicationData) {
        // RFC 9002 §6.2.1: no Application Data PTO before confirmation.
        if (!this.handshakeConfirmed) return timeout;
        // Include max_ack_delay (with backoff) for Application Data only.
        duration += this.maxAckDelay * backoff;
      }
      const t = this.timeOfLastAckEliciting[space] + duration;
      if (t < timeout) {
        timeout = t;
        this.ptoSpace = space;
      }
    }
    return timeout;
  }

  /** RFC 9002 A.8 SetLossDetectionTimer. */
  private setLossDetectionTimer(now: number): void {
    const lossSpace = this.lossTimeSpace();
    if (lossSpace >= 0) {
      // Time threshold loss detection (§6.1.2); no PTO while it is set.
      this.timer = this.lossTime[lossSpace];
      return;
    }
    if (this.amplificationLimited) {
      // §6.2.2.1: the server's timer is not set if nothing can be sent.
      this.timer = Infinity;
      return;
    }
    if (this.noAckElicitingInFlight() && this.peerCompletedAddressValidation()) {
      this.timer = Infinity;
      return;
    }
    this.timer = this.ptoTimeAndSpace(now);
  }

  /**
   * Handles expiry of the loss detection timer (RFC 9002 A.9). Returns a
   * reused action object: declared losses were already reported; for "pto"
   * the caller sends `probes` ack-eliciting packets in `space` (new data if
   * any, else retransmitted data, else PING; §6.2.4), and SHOULD also send
   * in other spaces with data in flight.
   * @param now current time
   */
  onLossDetectionTimeout(now: number): LossTimeoutAction {
    const a = this.action;
    a.kind = "none";
    a.probes = 0;
    a.antiDeadlock = false;
    if (this.timer === Infinity || now < this.timer) return a;
    const lossSpace = this.lossTimeSpace();
    if (lossSpace >= 0) {
      const space = lossSpace as PacketNumberSpaceValue;
      this.detectAndRemoveLostPackets(space, now);
      a.kind = "loss";
      a.space = space;
      this.setLossDetectionTimer(now);
      return a;
    }
    if (this.noAckElicitingInFlight()) {
      // Client anti-deadlock (§6.2.2.1): Handshake packet if keys exist,
      // else a padded Initial.
      a.kind = "pto";
      a.space = this.hasHandshakeKeys ? PacketNumberSpace.Handshake : PacketNumberSpace.Initial;
      a.probes = 1;
      a.antiDeadlock = true;
    } else {
      this.ptoTimeAndSpace(now);
      a.kind = "pto";
      a.space = this.ptoSpace;
      a.probes = this.ptoProbes;
    }
    this.probes[a.space] = a.probes;
    // RFC 9002 §6.2.1: each expiry doubles the PTO period.
    this.ptoCount++;
    this.setLossDetectionTimer(now);
    return a;
  }

  /**
   * Keys for `space` were discarded (RFC 9002 §6.4, A.11): its packets leave
   * bytes in flight without being reported acked or lost, its timers reset,
   * and pto_count resets.
   * @param space Initial or Handshake
   * @param now current time
   */
  onPacketNumberSpaceDiscarded(space: PacketNumberSpaceValue, now: number): void {
    const store = this.sent[space];
    this.cc.removeFromBytesInFlight(store.bytesInFlight);
    store.clear();
    this.discarded[space] = true;
    this.timeOfLastAckEliciting[space] = -Infinity;
    this.lossTime[space] = Infinity;
    this.probes[space] = 0;
    this.ptoCount = 0;
    this.setLossDetectionTimer(now);
  }

  /**
   * Forgets every sent record of `space` without declaring it lost or
   * acknowledged, keeping its packet numbers increasing: a client that
   * follows a Retry (RFC 9000 §17.2.5.2, RFC 9002 §6.2.1) sends its Initial
   * data again in new packets. The caller re-queues the records' frames
   * (read them from `sent[space]` first). Bytes in flight are returned to
   * the controller and pto_count resets.
   * @param space the space to reset (Initial for a Retry)
   * @param now current time
   */
  resetSpace(space: PacketNumberSpaceValue, now: number): void {
    const store = this.sent[space];
    this.cc.removeFromBytesInFlight(store.bytesInFlight);
    store.clear();
    this.timeOfLastAckEliciting[space] = -Infinity;
    this.lossTime[space] = Infinity;
    this.probes[space] = 0;
    this.ptoCount = 0;
    this.setLossDetectionTimer(now);
  }

  /**
   * Asks for `count` probe packets in `space` in addition to those of the
   * PTO's own space (RFC 9002 §6.2.4: a PTO for Initial may also be answered
   * with Handshake packets). Never lowers a pending count.
   * @param space packet number space
   * @param count ack-eliciting probes to owe there
   */
  requestProbes(space: PacketNumberSpaceValue, count: number): void {
    if (this.discarded[space]) return;
    if (count > this.probes[space]) this.probes[space] = count;
  }

  /**
   * The handshake is confirmed (RFC 9001 §4.1.2): max_ack_delay now caps ACK
   * delays, and the Application Data PTO may be armed.
   * @param now current time
   */
  onHandshakeConfirmed(now: number): void {
    this.handshakeConfirmed = true;
    this.setLossDetectionTimer(now);
  }

  /**
   * Handshake keys became available (the client's anti-deadlock probe then
   * uses the Handshake space).
   * @param now current time
   */
  onHandshakeKeysAvailable(now: number): void {
    this.hasHandshakeKeys = true;
    this.setLossDetectionTimer(now);
  }

  /**
   * Server: whether the anti-amplification limit blocks sending (RFC 9002
   * §6.2.2.1, A.6 OnDatagramReceived). When it is lifted, the timer is
   * re-armed; returns true if it already expired, in which case the caller
   * must run {@link LossRecovery.onLossDetectionTimeout} now.
   * @param limited whether sending is blocked
   * @param now current time
   */
  setAmplificationLimited(limited: boolean, now: number): boolean {
    const was = this.amplificationLimited;
    this.amplificationLimited = limited;
    this.setLossDetectionTimer(now);
    return was && !limited && this.timer <= now;
  }
}
