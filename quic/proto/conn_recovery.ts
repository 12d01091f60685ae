/**
 * Loss detection and congestion control glue (RFC 9002 §6, §7, Appendix A)
 * over the per-space {@link SentPacketStore}, the {@link RttEstimator} and
 * the congestion controller: ACK processing, packet and time threshold loss,
 * PTO with backoff and probes, persistent congestion.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import { type ConnCore, ConnPhase } from "./conn_state.ts";
import { APPLICATION, HANDSHAKE, INITIAL, type PacketSpace, type SentInfo } from "./spaces.ts";
import { SENT_ACK_ELICITING, SENT_ACKED, SENT_IN_FLIGHT, SENT_LOST } from "./sent_packets.ts";
import { K_GRANULARITY } from "./rtt.ts";
import { onItemAcked, onItemLost } from "./conn_items.ts";
import type { AckFrame } from "./frames/types.ts";

/** kPacketThreshold (RFC 9002 §6.1.1). */
export const K_PACKET_THRESHOLD = 3;

/** PeerCompletedAddressValidation (RFC 9002 A.8). */
function peerCompletedAddressValidation(c: ConnCore): boolean {
  if (c.isServer) return true;
  return c.handshakeConfirmed || c.spaces[HANDSHAKE].largestAcked >= 0 ||
    c.spaces[HANDSHAKE].discarded;
}

function ackElicitingInFlight(c: ConnCore): boolean {
  for (const s of c.spaces) if (s.sent.ackElicitingInFlight > 0) return true;
  return false;
}

/** GetPtoTimeAndSpace (RFC 9002 A.8). */
export function ptoTimeAndSpace(c: ConnCore, now: number): [number, number] {
  let duration = (c.rtt.smoothedRtt + Math.max(4 * c.rtt.rttvar, K_GRANULARITY)) *
    2 ** c.ptoCount;
  if (!ackElicitingInFlight(c)) {
    const hs = c.spaces[HANDSHAKE];
    return [now + duration, hs.writeKeys ? HANDSHAKE : INITIAL];
  }
  let timeout = Infinity;
  let space = INITIAL as number;
  for (const s of c.spaces) {
    if (s.sent.ackElicitingInFlight === 0) continue;
    if (s.id === APPLICATION) {
      if (!c.handshakeConfirmed) return [timeout, space];
      duration += c.peerMaxAckDelay * 2 ** c.ptoCount;
    }
    const t = s.timeOfLastAckEliciting + duration;
    if (t < timeout) {
      timeout = t;
      space = s.id;
    }
  }
  return [timeout, space];
}

/** SetLossDetectionTimer (RFC 9002 A.8). */
export function setLossDetectionTimer(c: ConnCore, now: number): void {
  let earliest = Infinity;
  for (const s of c.spaces) if (s.lossTime < earliest) earliest = s.lossTime;
  if (earliest !== Infinity) {
    c.lossDeadline = earliest;
    return;
  }
  if (c.amplificationBudget <= 0) {
    c.lossDeadline = Infinity;
    return;
  }
  if (!ackElicitingInFlight(c) && peerCompletedAddressValidation(c)) {
    c.lossDeadline = Infinity;
    return;
  }
  c.lossDeadline = ptoTimeAndSpace(c, now)[0];
}

/** OnLossDetectionTimeout (RFC 9002 A.9). */
export function onLossDetectionTimeout(c: ConnCore, now: number): void {
  let earliest = Infinity;
  let lossSpace: PacketSpace | undefined;
  for (const s of c.spaces) {
    if (s.lossTime < earliest) {
      earliest = s.lossTime;
      lossSpace = s;
    }
  }
  if (lossSpace) {
    detectAndRemoveLostPackets(c, lossSpace, now);
    setLossDetectionTimer(c, now);
    return;
  }
  c.stats.ptoCount++;
  if (!ackElicitingInFlight(c)) {
    // Anti-deadlock probe (client): a Handshake packet if we can, else a padded Initial.
    const s = c.spaces[HANDSHAKE].writeKeys ? c.spaces[HANDSHAKE] : c.spaces[INITIAL];
    s.probesPending = 1;
  } else {
    const [, id] = ptoTimeAndSpace(c, now);
    const s = c.spaces[id];
    // RFC 9002 §6.2.4: one or two ack-eliciting probes.
    s.probesPending = 2;
    // Retransmit unacknowledged CRYPTO data in the probe (RFC 9002 §6.2.4).
    requeueForProbe(c, s);
    // RFC 9002 §6.2.4: also probe Handshake alongside Initial when possible.
    if (id === INITIAL && c.spaces[HANDSHAKE].sent.ackElicitingInFlight > 0) {
      c.spaces[HANDSHAKE].probesPending = 1;
      requeueForProbe(c, c.spaces[HANDSHAKE]);
    }
  }
  c.ptoCount++;
  setLossDetectionTimer(c, now);
}

/** Marks the CRYPTO data of in-flight packets for retransmission in probes. */
function requeueForProbe(c: ConnCore, s: PacketSpace): void {
  if (s.id === APPLICATION) return;
  const sent = s.sent;
  for (let i = 0; i < sent.length; i++) {
    if (!sent.isLive(i)) continue;
    const info = sent.payload(i);
    if (!info) continue;
    for (const it of info.items) onItemLost(c, s, it);
  }
}

/**
 * OnAckReceived (RFC 9002 A.7) for one ACK frame.
 * @throws QuicError PROTOCOL_VIOLATION when it acknowledges an unsent packet
 */
export function onAckReceived(c: ConnCore, s: PacketSpace, ack: AckFrame, now: number): void {
  const largest = ack.ranges[0][1];
  if (largest > s.sent.largestSent) {
    // RFC 9000 §13.1: acknowledging a packet never sent.
    throw new QuicError(
      TransportErrorCode.PROTOCOL_VIOLATION,
      "ACK of an unsent packet",
      0x02,
    );
  }
  if (largest > s.largestAcked) s.largestAcked = largest;
  const sent = s.sent;
  let newlyAckedLargestTime = -1;
  let largestNewlyAcked = -1;
  let includesAckEliciting = false;
  let ackedBytes = 0;
  let lastAckedSentTime = -Infinity;
  // Ranges come descending; walk each against the store.
  for (const [lo, hi] of ack.ranges) {
    let i = sent.lowerBound(lo);
    for (; i < sent.length; i++) {
      const pn = sent.pn(i);
      if (pn > hi) break;
      if (!sent.isLive(i)) continue;
      const flags = sent.flags(i);
      const info = sent.payload(i);
      const timeSent = sent.timeSent(i);
      const size = sent.size(i);
      if (pn > largestNewlyAcked) {
        largestNewlyAcked = pn;
        newlyAckedLargestTime = timeSent;
      }
      if ((flags & SENT_ACK_ELICITING) !== 0) includesAckEliciting = true;
      sent.remove(i, SENT_ACKED);
      if ((flags & SENT_IN_FLIGHT) !== 0) {
        c.cc.onPacketAcked(size, timeSent, now, c.rtt.smoothedRtt);
        ackedBytes += size;
      }
      if (timeSent > lastAckedSentTime) lastAckedSentTime = timeSent;
      if (info) {
        if (info.ackLargest >= 0) s.ack.onAckFrameAcked(info.ackLargest);
        for (const it of info.items) onItemAcked(c, s, it);
      }
      // Key update confirmed once a packet with the new keys is acknowledged (RFC 9001 §6.1).
      if (s.id === APPLICATION && c.keyUpdatePending && pn >= c.keyUpdateFirstPn) {
        c.keyUpdatePending = false;
      }
    }
  }
  if (largestNewlyAcked < 0) return;
  if (largestNewlyAcked === largest && includesAckEliciting) {
    const exp = c.peerParams?.ackDelayExponent ?? 3;
    const ackDelay = s.id === APPLICATION ? (ack.ackDelay * 2 ** exp) / 1000 : 0;
    c.rtt.update(
      now - newlyAckedLargestTime,
      ackDelay,
      now,
      c.handshakeConfirmed,
      c.peerMaxAckDelay,
    );
  }
  detectAndRemoveLostPackets(c, s, now);
  if (peerCompletedAddressValidation(c)) c.ptoCount = 0;
  sent.reclaim();
  c.pacer.update(c.cc.congestionWindow, c.rtt.smoothedRtt, now, c.maxDatagramSize);
  setLossDetectionTimer(c, now);
  void ackedBytes;
  void lastAckedSentTime;
}

/** DetectAndRemoveLostPackets + OnPacketsLost (RFC 9002 A.10, B.8). */
export function detectAndRemoveLostPackets(c: ConnCore, s: PacketSpace, now: number): void {
  s.lossTime = Infinity;
  if (s.largestAcked < 0) return;
  const lossDelay = c.rtt.lossDelay();
  const sent = s.sent;
  let lostBytes = 0;
  let lastLossTime = -1;
  let firstLossTime = Infinity;
  let anyLost = false;
  for (let i = 0; i < sent.length; i++) {
    const pn = sent.pn(i);
    if (pn > s.largestAcked) break;
    if (!sent.isLive(i)) continue;
    const timeSent = sent.timeSent(i);
    // Same expression as the timer below, so a timer at `now` always finds its packet.
    const lossAt = timeSent + lossDelay;
    if (lossAt <= now || s.largestAcked >= pn + K_PACKET_THRESHOLD) {
      const flags = sent.flags(i);
      const info = sent.payload(i);
      const size = sent.size(i);
      sent.remove(i, SENT_LOST);
      anyLost = true;
      c.stats.packetsLost++;
      if ((flags & SENT_IN_FLIGHT) !== 0) {
        lostBytes += size;
        if (timeSent > lastLossTime) lastLossTime = timeSent;
        if (timeSent < firstLossTime) firstLossTime = timeSent;
      }
      if (info) { for (const it of info.items) onItemLost(c, s, it); }
    } else {
      if (lossAt < s.lossTime) s.lossTime = lossAt;
    }
  }
  if (!anyLost) return;
  c.cc.onPacketsLost(lostBytes, lastLossTime, now);
  // Persistent congestion (RFC 9002 §7.6): lost packets spanning more than
  // the persistent congestion duration, after an RTT sample, with nothing
  // acknowledged in between (approximated: the span of this loss batch).
  if (
    lostBytes > 0 && c.rtt.hasSample && firstLossTime > c.rtt.firstSampleTime &&
    lastLossTime - firstLossTime > c.rtt.persistentCongestionDuration(c.peerMaxAckDelay) &&
    !hasAckedBetween(s, firstLossTime, lastLossTime)
  ) {
    c.cc.onPersistentCongestion(now);
    c.rtt.onPersistentCongestion();
  }
  sent.reclaim();
}

function hasAckedBetween(s: PacketSpace, from: number, to: number): boolean {
  const sent = s.sent;
  for (let i = 0; i < sent.length; i++) {
    const t = sent.timeSent(i);
    if (t > to) break;
    if (t >= from && (sent.flags(i) & SENT_ACKED) !== 0 && (sent.flags(i) & SENT_LOST) === 0) {
      return true;
    }
  }
  return false;
}

/** OnPacketNumberSpaceDiscarded (RFC 9002 A.11) plus key discard (RFC 9001 §4.9). */
export function discardSpace(c: ConnCore, s: PacketSpace, now: number): void {
  if (s.discarded) return;
  c.cc.removeFromBytesInFlight(s.sent.bytesInFlight);
  s.discard();
  c.ptoCount = 0;
  if (c.phase < ConnPhase.CLOSING) setLossDetectionTimer(c, now);
}

/** Records a sent packet (RFC 9002 A.5 OnPacketSent). */
export function onPacketSent(
  c: ConnCore,
  s: PacketSpace,
  pn: number,
  size: number,
  ackEliciting: boolean,
  inFlight: boolean,
  info: SentInfo | undefined,
  now: number,
): void {
  s.sent.push(
    pn,
    now,
    size,
    (ackEliciting ? SENT_ACK_ELICITING : 0) | (inFlight ? SENT_IN_FLIGHT : 0),
    info,
  );
  if (inFlight) {
    if (ackEliciting) s.timeOfLastAckEliciting = now;
    c.cc.onPacketSent(size, now);
    if (c.cfg.pacing) c.pacer.onPacketSent(now, size);
    setLossDetectionTimer(c, now);
  }
}
