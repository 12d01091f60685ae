/**
 * The connection's side of loss recovery: {@link LossRecovery} (RFC 9002
 * §6, §7, Appendix A) does loss detection, PTO, persistent congestion and
 * the congestion controller hand-off; this module adapts it to the
 * connection — ACK frame layout, per-packet {@link SentInfo} re-queued on
 * loss and released on acknowledgement, PTO probes with CRYPTO
 * retransmission, key discard, Retry, the pacer and the anti-amplification
 * limit.
 * @module
 */
import type { ConnCore } from "./conn_state.ts";
import { APPLICATION, HANDSHAKE, INITIAL, type PacketSpace, type SentInfo } from "./spaces.ts";
import { onItemAcked, onItemLost } from "./conn_items.ts";
import type { AckFrame } from "./frames/types.ts";
import { LossRecovery } from "./recovery.ts";
import type { PacketNumberSpaceValue } from "./sent_packets.ts";
import type { RttEstimator } from "./rtt.ts";
import type { CongestionController } from "./congestion/controller.ts";
import { onClientInitialPto } from "./zero_rtt.ts";

/**
 * Creates the connection's loss recovery; acknowledged and lost packets
 * come back to `core` (the object is only used in the callbacks, so it may
 * be under construction).
 */
export function createRecovery(
  core: ConnCore,
  isServer: boolean,
  rtt: RttEstimator,
  cc: CongestionController,
): LossRecovery<SentInfo> {
  return new LossRecovery<SentInfo>({
    isServer,
    congestionControl: cc,
    rtt,
    onPacketAcked: (space, pn, info, size) => {
      if (space === APPLICATION && core.pmtud.onPacketAcked(pn, size ?? 0)) applyPmtu(core);
      onPacketAcked(core, space, pn, info);
    },
    onPacketLost: (space, pn, info, size) => {
      if (space === APPLICATION && core.pmtud.onPacketLost(pn, size ?? 0)) applyPmtu(core);
      onPacketLost(core, space, info);
    },
  });
}

/**
 * Uses the PLPMTU found by DPLPMTUD (RFC 8899) as the maximum datagram size;
 * the congestion controller rescales its windows (RFC 9002 §7.2).
 */
export function applyPmtu(c: ConnCore): void {
  const size = c.pmtud.mtu;
  if (size === c.maxDatagramSize) return;
  c.maxDatagramSize = size;
  c.cc.setMaxDatagramSize(size);
  c.pacer.update(c.cc.congestionWindow, c.rtt.smoothedRtt, 0, size);
}

function onPacketAcked(
  c: ConnCore,
  space: PacketNumberSpaceValue,
  pn: number,
  info: SentInfo | undefined,
): void {
  const s = c.spaces[space];
  if (info) {
    // RFC 9000 §13.2.4: stop reporting what an acknowledged ACK covered.
    if (info.ackLargest >= 0) s.ack.onAckFrameAcked(info.ackLargest);
    const items = info.items;
    for (let i = 0; i < items.length; i++) onItemAcked(c, s, items[i]);
  }
  // Key update confirmed once a packet with the new keys is acknowledged (RFC 9001 §6.1).
  if (space === APPLICATION && c.keyUpdatePending && pn >= c.keyUpdateFirstPn) {
    c.keyUpdatePending = false;
  }
}

function onPacketLost(
  c: ConnCore,
  space: PacketNumberSpaceValue,
  info: SentInfo | undefined,
): void {
  c.stats.packetsLost++;
  if (!info) return;
  const s = c.spaces[space];
  const items = info.items;
  for (let i = 0; i < items.length; i++) onItemLost(c, s, items[i]);
}

// ACK ranges flattened to descending [largest, smallest] pairs, reused.
let ackScratch = new Float64Array(128);

/**
 * OnAckReceived (RFC 9002 A.7) for one ACK frame. `AckFrame.ranges` holds
 * `[smallest, largest]` pairs newest first; {@link LossRecovery} takes flat
 * `[largest, smallest]` pairs, written into a reused buffer.
 * @throws QuicError PROTOCOL_VIOLATION when it acknowledges an unsent packet
 */
export function onAckReceived(c: ConnCore, s: PacketSpace, ack: AckFrame, now: number): void {
  const ranges = ack.ranges;
  const n = ranges.length;
  if (2 * n > ackScratch.length) ackScratch = new Float64Array(2 * n + 64);
  const flat = ackScratch;
  for (let i = 0; i < n; i++) {
    const r = ranges[i];
    flat[2 * i] = r[1];
    flat[2 * i + 1] = r[0];
  }
  // RFC 9000 §19.3: ACK Delay is scaled by the peer's ack_delay_exponent;
  // Initial and Handshake ACKs carry no delay we account for (§13.2.5).
  const exp = c.peerParams?.ackDelayExponent ?? 3;
  const ackDelay = s.id === APPLICATION ? (ack.ackDelay * 2 ** exp) / 1000 : 0;
  const r = c.recovery;
  if (r.onAckReceived(s.id, flat, n, ackDelay, now) > 0) {
    c.pacer.update(c.cc.congestionWindow, c.rtt.smoothedRtt, now, c.maxDatagramSize);
  }
}

/**
 * Loss detection timer expiry (RFC 9002 A.9): lost packets were already
 * re-queued; a PTO arms probes in its space, with unacknowledged CRYPTO
 * data queued again so the probes carry it (§6.2.4).
 */
export function onLossDetectionTimeout(c: ConnCore, now: number): void {
  const r = c.recovery;
  const a = r.onLossDetectionTimeout(now);
  if (a.kind !== "pto") return;
  c.stats.ptoCount++;
  // RFC 8899 §4.3: PTOs in a row while above BASE_PLPMTU suggest a black hole.
  if (c.pmtud.onPto(r.ptoCount, now)) applyPmtu(c);
  if (a.antiDeadlock) return;
  if (a.space === INITIAL && !c.isServer) onClientInitialPto(c, now);
  requeueForProbe(c, c.spaces[a.space]);
  // RFC 9002 §6.2.4: also probe Handshake alongside Initial when it has data in flight.
  if (a.space === INITIAL && r.hasAckElicitingInFlight(HANDSHAKE)) {
    r.requestProbes(HANDSHAKE, 1);
    requeueForProbe(c, c.spaces[HANDSHAKE]);
  }
}

/** Marks the CRYPTO data of in-flight packets for retransmission in probes. */
function requeueForProbe(c: ConnCore, s: PacketSpace): void {
  if (s.id === APPLICATION) return;
  const sent = c.recovery.sent[s.id];
  for (let i = 0; i < sent.length; i++) {
    if (!sent.isLive(i)) continue;
    const info = sent.payload(i);
    if (info) { for (const it of info.items) onItemLost(c, s, it); }
  }
}

/**
 * Client after a Retry (RFC 9000 §17.2.5.2): everything sent in Initial
 * packets is sent again with the new keys.
 */
export function resetInitialSpace(c: ConnCore, now: number): void {
  const s = c.spaces[INITIAL];
  const sent = c.recovery.sent[INITIAL];
  for (let i = 0; i < sent.length; i++) {
    if (!sent.isLive(i)) continue;
    const info = sent.payload(i);
    if (info) { for (const it of info.items) onItemLost(c, s, it); }
  }
  c.recovery.resetSpace(INITIAL, now);
}

/** OnPacketNumberSpaceDiscarded (RFC 9002 A.11) plus key discard (RFC 9001 §4.9). */
export function discardSpace(c: ConnCore, s: PacketSpace, now: number): void {
  if (s.discarded) return;
  s.discard();
  c.recovery.onPacketNumberSpaceDiscarded(s.id, now);
}

/**
 * Tells recovery whether the anti-amplification limit blocks the server
 * (RFC 9002 §6.2.2.1, A.6): no PTO is armed while nothing can be sent.
 */
export function updateAmplificationLimit(c: ConnCore, now: number): void {
  const limited = c.amplificationBudget <= 0;
  if (limited !== c.recovery.amplificationLimited) c.recovery.setAmplificationLimited(limited, now);
}

/** Records a sent packet (RFC 9002 A.5 OnPacketSent) and feeds the pacer. */
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
  c.recovery.onPacketSent(s.id, pn, now, size, ackEliciting, inFlight, info);
  if (inFlight && c.cfg.pacing) c.pacer.onPacketSent(now, size);
}
