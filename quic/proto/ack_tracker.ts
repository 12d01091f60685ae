/**
 * Receive-side acknowledgment state of one packet number space (RFC 9000
 * §13.2): which packet numbers arrived (duplicates detected), when an ACK
 * frame must be sent, and the content of that frame.
 *
 * Driving it (per decrypted packet):
 * 1. `if (tracker.isDuplicate(pn)) drop the packet` (RFC 9000 §12.3);
 * 2. process the frames, then `tracker.onPacketReceived(pn, ackEliciting, now, ecn)`;
 * 3. when building a packet: `if (tracker.ackImmediately || now >= tracker.ackDeadline)`
 *    (or to piggyback when `tracker.hasNewPackets`), take
 *    `tracker.buildAckFrame(now, ackDelayExponent)`, encode it, and after the
 *    packet is sent call `tracker.onAckSent()`; remember the frame's
 *    `largestAcknowledged` with the packet;
 * 4. when that packet is acknowledged, call `tracker.onAckFrameAcked(largest)`
 *    (RFC 9000 §13.2.4) so old ranges stop being reported;
 * 5. arm a timer at `tracker.ackDeadline` (Infinity = none).
 * @module
 */
import { DEFAULT_MAX_RANGES, RangeSet } from "./range_set.ts";
import { PacketNumberSpace, type PacketNumberSpaceValue } from "./sent_packets.ts";

/** ECN codepoint of a received packet (RFC 3168): Not-ECT, ECT(1), ECT(0), CE. */
export const Ecn = { NotEct: 0, Ect1: 1, Ect0: 2, Ce: 3 } as const;

/**
 * Options of an {@link AckTracker}.
 *
 * @example
 * ```ts
 * import { type AckTrackerOptions, PacketNumberSpace } from "@gquic/core/quic";
 * const o: AckTrackerOptions = { space: PacketNumberSpace.ApplicationData, ackElicitingThreshold: 8 };
 * console.log(o.ackElicitingThreshold);
 * ```
 */
export interface AckTrackerOptions {
  /** The space tracked; Initial and Handshake are acknowledged immediately. */
  space?: PacketNumberSpaceValue;
  /**
   * Our max_ack_delay in ms (the transport parameter we advertised, RFC 9000
   * §18.2; default 25). Ack-eliciting packets are acknowledged within it.
   */
  maxAckDelay?: number;
  /**
   * Send an ACK after this many ack-eliciting packets (RFC 9000 §13.2.2
   * recommends 2; larger values trade feedback for fewer ACK-only packets).
   */
  ackElicitingThreshold?: number;
  /** Bound on remembered ACK ranges (RFC 9000 §13.2.3; default 64). */
  maxRanges?: number;
  /** Whether to report ECN counts in ACK frames (RFC 9000 §13.4.1). */
  ecn?: boolean;
}

/**
 * The content of an ACK frame (RFC 9000 §19.3). `ranges` holds
 * `rangeCount` pairs `[largest, smallest]` flattened, in descending packet
 * number order as on the wire: `ranges[0]` is the Largest Acknowledged,
 * `ranges[1]` the smallest of the first range, then each following range's
 * largest and smallest. Wire fields: First ACK Range = ranges[0]-ranges[1];
 * Gap_i = ranges[2i-1] - ranges[2i] - 2; ACK Range Length_i =
 * ranges[2i] - ranges[2i+1].
 *
 * @example
 * ```ts
 * import type { AckFrameContent } from "@gquic/core/quic";
 * const f: AckFrameContent = {
 *   largestAcknowledged: 9, ackDelay: 0, rangeCount: 2, ranges: [9, 7, 3, 0], ecn: undefined,
 * };
 * console.log(f.ranges[0] - f.ranges[1]); // First ACK Range = 2
 * ```
 */
export interface AckFrameContent {
  /** Largest Acknowledged. */
  largestAcknowledged: number;
  /** ACK Delay field value: microseconds >> ack_delay_exponent. */
  ackDelay: number;
  /** Number of ranges (pairs) in `ranges`. */
  rangeCount: number;
  /** Flattened `[largest, smallest]` pairs, descending; may be longer than 2*rangeCount. */
  ranges: number[];
  /** ECN counts (ECT(0), ECT(1), ECN-CE) when ECN reporting is on. */
  ecn: { ect0: number; ect1: number; ce: number } | undefined;
}

/**
 * Received packet numbers and ACK scheduling for one packet number space.
 *
 * @example
 * ```ts
 * import { AckTracker, PacketNumberSpace } from "@gquic/core/quic";
 * const t = new AckTracker({ space: PacketNumberSpace.ApplicationData, maxAckDelay: 25 });
 * t.onPacketReceived(0, true, 100);
 * console.log(t.ackImmediately, t.ackDeadline); // false 125
 * t.onPacketReceived(1, true, 101); // 2nd ack-eliciting packet: ACK now
 * const f = t.buildAckFrame(103, 3); // 2 ms since pn 1 arrived, exponent 3
 * console.log(t.ackImmediately, f.largestAcknowledged, f.ackDelay, f.ranges.slice(0, 2)); // true 1 250 [1, 0]
 * t.onAckSent();
 * ```
 */
export class AckTracker {
  /** The packet number space. */
  readonly space: PacketNumberSpaceValue;
  /** Our max_ack_delay in ms. */
  readonly maxAckDelay: number;
  /** Ack-eliciting packets that trigger an ACK. */
  ackElicitingThreshold: number;
  /** Received packet numbers (bounded; see {@link RangeSet}). */
  readonly received: RangeSet;
  /** Largest packet number received, or -1 (RFC 9000 §13.2.3: always kept). */
  largestReceived: number = -1;
  /** When {@link AckTracker.largestReceived} arrived (for the ACK Delay). */
  largestReceivedTime = 0;
  /** Largest ack-eliciting packet number received, or -1. */
  largestAckElicitingReceived: number = -1;
  /** Ack-eliciting packets received since the last ACK frame was sent. */
  ackElicitingSinceAck = 0;
  /** True when an ACK frame should be sent without delay (RFC 9000 §13.2.1). */
  ackImmediately = false;
  /** Time by which an ACK must be sent (Infinity when nothing is pending). */
  ackDeadline: number = Infinity;
  /** True when packets arrived since the last ACK frame (worth piggybacking). */
  hasNewPackets = false;
  /** ACK frames sent so far (key update checks, RFC 9001 §6.2). */
  acksSent = 0;
  /** ECT(0) count (RFC 9000 §13.4.1). */
  ect0 = 0;
  /** ECT(1) count. */
  ect1 = 0;
  /** ECN-CE count. */
  ce = 0;
  private readonly ecnEnabled: boolean;
  private readonly frame: AckFrameContent;

  /**
   * Creates a tracker for one space.
   * @param opts space, our max_ack_delay, ACK frequency and range bound
   */
  constructor(opts: AckTrackerOptions = {}) {
    this.space = opts.space ?? PacketNumberSpace.ApplicationData;
    this.maxAckDelay = opts.maxAckDelay ?? 25;
    this.ackElicitingThreshold = Math.max(1, opts.ackElicitingThreshold ?? 2);
    this.received = new RangeSet(opts.maxRanges ?? DEFAULT_MAX_RANGES);
    this.ecnEnabled = opts.ecn ?? false;
    this.frame = {
      largestAcknowledged: -1,
      ackDelay: 0,
      rangeCount: 0,
      ranges: [],
      ecn: this.ecnEnabled ? { ect0: 0, ect1: 0, ce: 0 } : undefined,
    };
  }

  /**
   * True when `pn` must be dropped: it was already received, or it is below
   * the forgotten bound (ranges dropped by the range limit or by
   * {@link AckTracker.onAckFrameAcked}; RFC 9000 §13.2.3 — a receiver that
   * forgets a range must not accept packets in it again).
   * @param pn the decoded packet number
   */
  isDuplicate(pn: number): boolean {
    return pn < this.received.droppedBelow || this.received.contains(pn);
  }

  /**
   * Records a processed packet. Returns false (and changes nothing) for a
   * duplicate or too-old packet, which the connection must drop.
   * @param pn packet number
   * @param ackEliciting whether it contained an ack-eliciting frame
   * @param now receive time (ms)
   * @param ecn the IP ECN codepoint ({@link Ecn}), default Not-ECT
   */
  onPacketReceived(pn: number, ackEliciting: boolean, now: number, ecn: number = 0): boolean {
    if (!this.received.add(pn)) return false;
    this.hasNewPackets = true;
    // RFC 9000 §13.4.1: count each (non-duplicate) packet's codepoint.
    if (ecn === Ecn.Ect0) this.ect0++;
    else if (ecn === Ecn.Ect1) this.ect1++;
    else if (ecn === Ecn.Ce) this.ce++;
    if (pn > this.largestReceived) {
      this.largestReceived = pn;
      this.largestReceivedTime = now;
    }
    // RFC 9000 §13.2.1: non-ack-eliciting packets never trigger an ACK on
    // their own (avoids an infinite ACK exchange).
    if (!ackEliciting) return true;
    this.ackElicitingSinceAck++;
    if (this.space !== PacketNumberSpace.ApplicationData) {
      // RFC 9000 §13.2.1: Initial and Handshake are acknowledged immediately.
      this.ackImmediately = true;
    } else if (pn < this.largestAckElicitingReceived) {
      // RFC 9000 §13.2.1: below an ack-eliciting packet already received
      // (reordered, or filling a gap): ACK without delay.
      this.ackImmediately = true;
    } else if (this.hasGapBelow(pn)) {
      // RFC 9000 §13.2.1: above the largest ack-eliciting packet with
      // missing packets in between: ACK without delay.
      this.ackImmediately = true;
    } else if (ecn === Ecn.Ce) {
      // RFC 9000 §13.2.1: CE-marked packets are acknowledged immediately.
      this.ackImmediately = true;
    } else if (this.ackElicitingSinceAck >= this.ackElicitingThreshold) {
      // RFC 9000 §13.2.2: every N-th ack-eliciting packet (N = 2 default).
      this.ackImmediately = true;
    }
    if (pn > this.largestAckElicitingReceived) this.largestAckElicitingReceived = pn;
    // RFC 9000 §13.2.1: within max_ack_delay of the first unacknowledged
    // ack-eliciting packet.
    const deadline = now + this.maxAckDelay;
    if (deadline < this.ackDeadline) this.ackDeadline = deadline;
    return true;
  }

  /** True when some packet between the largest ack-eliciting one and `pn` is missing. */
  private hasGapBelow(pn: number): boolean {
    const base = this.largestAckElicitingReceived;
    if (pn <= base + 1) return false;
    // The range containing pn (just added) must reach down to base + 1.
    const set = this.received;
    const last = set.count - 1;
    if (last >= 0 && set.start(last) <= pn && set.end(last) >= pn) {
      return set.start(last) > base + 1 && set.start(last) > set.droppedBelow;
    }
    // pn is not in the top range (cannot happen for pn > base when base is
    // the top of the set, but stay safe): compare against predecessors.
    for (let q = pn - 1; q > base; q--) {
      if (!set.contains(q)) return q >= set.droppedBelow;
      if (pn - q > 64) break;
    }
    return false;
  }

  /**
   * True when an ACK frame is due at `now` (immediately or because the
   * max_ack_delay deadline passed).
   * @param now current time
   */
  shouldSendAck(now: number): boolean {
    return this.ackImmediately || now >= this.ackDeadline;
  }

  /**
   * Builds the ACK frame content (RFC 9000 §19.3) into a reused object: do
   * not keep it across calls. The ACK Delay is the time since the largest
   * packet arrived (RFC 9000 §13.2.5), in microseconds shifted right by
   * `ackDelayExponent` — the exponent this endpoint advertised in its
   * ack_delay_exponent transport parameter (default 3, §18.2). The ranges
   * are the most recent `maxRanges`, largest first.
   * Throws nothing; with no packet received, `rangeCount` is 0.
   * @param now current time (ms)
   * @param ackDelayExponent ack_delay_exponent (0–20)
   */
  buildAckFrame(now: number, ackDelayExponent: number = 3): AckFrameContent {
    const f = this.frame;
    const set = this.received;
    f.largestAcknowledged = this.largestReceived;
    const delayUs = Math.max(0, now - this.largestReceivedTime) * 1000;
    f.ackDelay = Math.floor(delayUs / 2 ** ackDelayExponent);
    const n = set.count;
    const out = f.ranges;
    let k = 0;
    for (let i = n - 1; i >= 0; i--) {
      out[k++] = set.end(i);
      out[k++] = set.start(i);
    }
    f.rangeCount = n;
    if (f.ecn !== undefined) {
      f.ecn.ect0 = this.ect0;
      f.ecn.ect1 = this.ect1;
      f.ecn.ce = this.ce;
    }
    return f;
  }

  /**
   * Call after a packet carrying an ACK frame for this space was sent:
   * clears the pending-ACK state (RFC 9000 §13.2.1: at most one ACK-only
   * packet per ack-eliciting packet received).
   */
  onAckSent(): void {
    this.acksSent++;
    this.ackImmediately = false;
    this.ackDeadline = Infinity;
    this.ackElicitingSinceAck = 0;
    this.hasNewPackets = false;
  }

  /**
   * A packet that carried an ACK frame with Largest Acknowledged
   * `largestAcked` was itself acknowledged: stop reporting packet numbers ≤
   * it (RFC 9000 §13.2.4). Those numbers are then treated as duplicates by
   * {@link AckTracker.isDuplicate}; the largest received packet number is
   * kept for packet number decoding (§13.2.3).
   * @param largestAcked Largest Acknowledged of the acknowledged ACK frame
   */
  onAckFrameAcked(largestAcked: number): void {
    this.received.removeBelow(largestAcked + 1);
  }
}
