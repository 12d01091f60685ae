/**
 * The loss detection pass over one packet number space (RFC 9002 §6.1,
 * A.10 DetectAndRemoveLostPackets) with persistent congestion detection
 * (§7.6.2). Pure over the sent-packet store: the caller applies the result
 * to its timer and congestion controller. Internal to `LossRecovery`.
 * @module
 */
import type { RttEstimator } from "./rtt.ts";
import {
  type PacketNumberSpaceValue,
  SENT_ACK_ELICITING,
  SENT_ACKED,
  SENT_IN_FLIGHT,
  SENT_LOST,
  type SentPacketStore,
} from "./sent_packets.ts";
import type { PacketCallback } from "./recovery_types.ts";

/** Result of {@link detectLostPackets} (reused by the caller: no per-ACK allocation). */
export interface LossScan {
  /** loss_time of the space: when the earliest unacked packet becomes lost, or Infinity. */
  lossTime: number;
  /** In-flight bytes declared lost. */
  lostBytes: number;
  /** Send time of the newest in-flight packet declared lost, -1 if none. */
  lastLossTime: number;
  /** Packets declared lost. */
  lostPackets: number;
  /** The losses establish persistent congestion (§7.6). */
  persistent: boolean;
}

/** Thresholds of a {@link detectLostPackets} pass. */
export interface LossThresholds {
  /** kPacketThreshold (§6.1.1). */
  packetThreshold: number;
  /** kTimeThreshold (§6.1.2). */
  timeThreshold: number;
  /** The peer's max_ack_delay in ms (persistent congestion duration). */
  maxAckDelay: number;
}

/**
 * Declares lost the packets of `store` at or below `largestAcked` that are
 * past the packet or time threshold, removing them and reporting each to
 * `onLost`; fills `out`.
 */
export function detectLostPackets<F>(
  space: PacketNumberSpaceValue,
  store: SentPacketStore<F>,
  largestAcked: number,
  rtt: RttEstimator,
  t: LossThresholds,
  now: number,
  onLost: PacketCallback<F> | undefined,
  out: LossScan,
): void {
  const lossDelay = rtt.lossDelay(t.timeThreshold);
  const threshold = t.packetThreshold;
  let lossTime = Infinity;
  let lostBytes = 0;
  let lastLossTime = -1;
  let lostPackets = 0;
  // RFC 9002 §7.6.2: two ack-eliciting lost packets sent after the first
  // RTT sample, more than the persistent congestion duration apart, with
  // nothing acknowledged between them (this space only; allowed by §7.6.2).
  const pcDuration = rtt.persistentCongestionDuration(t.maxAckDelay);
  let runStart = -1;
  let persistent = false;
  for (let i = 0; i < store.length; i++) {
    const pn = store.pn(i);
    if (pn > largestAcked) break;
    const f = store.flags(i);
    if ((f & SENT_ACKED) !== 0) {
      runStart = -1; // an acknowledgment in between breaks the period
      continue;
    }
    if ((f & SENT_LOST) !== 0) continue;
    const timeSent = store.timeSent(i);
    // RFC 9002 §6.1: lost by time threshold (§6.1.2) or packet threshold
    // (§6.1.1). `timeSent + lossDelay <= now` rather than A.10's
    // `timeSent <= now - lossDelay`: the same float expression as the loss
    // timer, so a timer firing at exactly loss_time always declares the
    // loss ((a + b) - b may differ from a).
    const lostAt = timeSent + lossDelay;
    if (lostAt <= now || largestAcked >= pn + threshold) {
      const size = store.size(i);
      const frames = store.payload(i);
      store.remove(i, SENT_LOST);
      lostPackets++;
      if ((f & SENT_IN_FLIGHT) !== 0) {
        lostBytes += size;
        if (timeSent > lastLossTime) lastLossTime = timeSent;
      }
      if ((f & SENT_ACK_ELICITING) !== 0 && rtt.hasSample && timeSent > rtt.firstSampleTime) {
        if (runStart < 0) runStart = timeSent;
        else if (timeSent - runStart > pcDuration) persistent = true;
      }
      onLost?.(space, pn, frames, size, timeSent);
    } else if (lostAt < lossTime) {
      lossTime = lostAt;
    }
  }
  store.reclaim();
  out.lossTime = lossTime;
  out.lostBytes = lostBytes;
  out.lastLossTime = lastLossTime;
  out.lostPackets = lostPackets;
  out.persistent = persistent;
}
