import assert from "node:assert/strict";
import { LossRecovery } from "../../../quic/proto/recovery.ts";
import type { LossRecoveryOptions } from "../../../quic/proto/recovery_types.ts";
import { RttEstimator } from "../../../quic/proto/rtt.ts";
import {
  PacketNumberSpace,
  type PacketNumberSpaceValue,
  SENT_ACK_ELICITING,
  SENT_ACKED,
  SENT_IN_FLIGHT,
  SENT_LOST,
  SentPacketStore,
} from "../../../quic/proto/sent_packets.ts";
import { QuicError, TransportErrorCode } from "../../../quic/proto/errors.ts";
import { decodeAckDelay } from "../../../quic/proto/ack_ranges.ts";

const INITIAL = PacketNumberSpace.Initial;
const HANDSHAKE = PacketNumberSpace.Handshake;
const APP = PacketNumberSpace.ApplicationData;

interface Harness {
  r: LossRecovery<string>;
  acked: number[];
  lost: number[];
  lostFrames: (string | undefined)[];
}

function make(opts: Partial<LossRecoveryOptions<string>> = {}): Harness {
  const acked: number[] = [];
  const lost: number[] = [];
  const lostFrames: (string | undefined)[] = [];
  const r = new LossRecovery<string>({
    isServer: true,
    onPacketAcked: (_s, pn) => acked.push(pn),
    onPacketLost: (_s, pn, frames) => {
      lost.push(pn);
      lostFrames.push(frames);
    },
    ...opts,
  });
  return { r, acked, lost, lostFrames };
}

function send(
  r: LossRecovery<string>,
  space: PacketNumberSpaceValue,
  pn: number,
  t: number,
  ackEliciting = true,
): void {
  r.onPacketSent(space, pn, t, 1200, ackEliciting, ackEliciting, `f${pn}`);
}

/** ACK of ranges given as [largest, smallest] pairs. */
function ack(
  r: LossRecovery<string>,
  space: PacketNumberSpaceValue,
  now: number,
  ...pairs: [number, number][]
): number {
  return r.onAckReceived(space, pairs.flat(), pairs.length, 0, now);
}

Deno.test("recovery: RFC 9002 §6.1.1 packet threshold — 3 packets below the largest acked are lost", () => {
  const { r, acked, lost, lostFrames } = make();
  r.onHandshakeConfirmed(0);
  for (let pn = 0; pn < 6; pn++) send(r, APP, pn, pn);
  assert.equal(ack(r, APP, 100, [5, 5]), 1);
  assert.deepEqual(acked, [5]);
  assert.deepEqual(lost, [0, 1, 2], "5 >= pn + 3");
  assert.deepEqual(lostFrames, ["f0", "f1", "f2"], "frames handed back to re-queue");
  assert.equal(r.bytesInFlight, 2 * 1200, "3 and 4 still in flight");
  // 3 and 4 are within the threshold: a time-threshold timer is armed instead.
  const lossDelay = (9 / 8) * Math.max(r.rtt.smoothedRtt, r.rtt.latestRtt);
  assert.equal(r.getLossDetectionTimer(), 3 + lossDelay);
});

Deno.test("recovery: RFC 9002 §6.1.2 time threshold — loss timer at time_sent + 9/8 * max(srtt, latest_rtt)", () => {
  const { r, lost } = make();
  r.onHandshakeConfirmed(0);
  send(r, APP, 0, 0);
  send(r, APP, 1, 1);
  ack(r, APP, 101, [1, 1]); // latest_rtt = 100
  assert.deepEqual(lost, []);
  const deadline = 0 + (9 / 8) * 100;
  assert.equal(r.getLossDetectionTimer(), deadline);
  // Early wake-up: nothing happens.
  assert.equal(r.onLossDetectionTimeout(deadline - 1).kind, "none");
  assert.deepEqual(lost, []);
  const a = r.onLossDetectionTimeout(deadline);
  assert.equal(a.kind, "loss");
  assert.equal(a.space, APP);
  assert.deepEqual(lost, [0]);
  assert.equal(r.getLossDetectionTimer(), undefined, "nothing left in flight at a server");
});

Deno.test("recovery: RFC 9002 §6.1.2 time threshold on ACK — old enough packets are lost immediately", () => {
  const { r, lost } = make();
  r.onHandshakeConfirmed(0);
  send(r, APP, 0, 0);
  send(r, APP, 1, 1);
  send(r, APP, 2, 200);
  ack(r, APP, 201, [1, 1]); // first sample 200 ms
  assert.deepEqual(lost, []);
  ack(r, APP, 220, [2, 2]); // latest 20, srtt ~177: 0 sent 220 ms ago > 9/8*177
  assert.deepEqual(lost, [0]);
});

Deno.test("recovery: RFC 9002 §5.1 RTT sample only when the largest is newly acked and something ack-eliciting is", () => {
  const { r } = make();
  r.onHandshakeConfirmed(0);
  send(r, APP, 0, 0);
  send(r, APP, 1, 0);
  send(r, APP, 2, 0, false); // ACK-only packet
  ack(r, APP, 50, [1, 1]);
  assert.equal(r.rtt.latestRtt, 50);
  ack(r, APP, 70, [1, 0]); // largest (1) not newly acked: no sample
  assert.equal(r.rtt.latestRtt, 50);
  ack(r, APP, 90, [2, 0]); // only a non-ack-eliciting packet newly acked: no sample
  assert.equal(r.rtt.latestRtt, 50);
  assert.equal(r.rtt.smoothedRtt, 50);
});

Deno.test("recovery: RFC 9002 §5.3 ack delay is used in Application Data but ignored in Initial", () => {
  const a = make();
  a.r.onHandshakeConfirmed(0);
  send(a.r, APP, 0, 0);
  send(a.r, APP, 1, 100);
  ack(a.r, APP, 50, [0, 0]);
  a.r.onAckReceived(APP, [1, 1], 1, decodeAckDelay(2500, 3), 170); // 20 ms delay, 70 ms sample
  assert.equal(a.r.rtt.smoothedRtt, 0.875 * 50 + 0.125 * 50);
  const b = make();
  send(b.r, INITIAL, 0, 0);
  send(b.r, INITIAL, 1, 100);
  ack(b.r, INITIAL, 50, [0, 0]);
  b.r.onAckReceived(INITIAL, [1, 1], 1, 20, 170);
  assert.equal(b.r.rtt.smoothedRtt, 0.875 * 50 + 0.125 * 70);
});

Deno.test("recovery: ACK processing visits only sent records, not every number of a huge range", () => {
  const { r, acked } = make();
  r.onHandshakeConfirmed(0);
  for (let pn = 0; pn < 5; pn++) send(r, APP, pn, 0);
  const far = 2 ** 50;
  send(r, APP, far, 1);
  const t0 = performance.now();
  assert.equal(ack(r, APP, 10, [far, 0]), 6);
  assert.ok(performance.now() - t0 < 50, "would take forever iterating 2^50 numbers");
  assert.deepEqual(acked, [0, 1, 2, 3, 4, far]);
  assert.equal(r.bytesInFlight, 0);
});

Deno.test("recovery: RFC 9000 §13.1 ACK of a never-sent packet is PROTOCOL_VIOLATION and changes nothing", () => {
  const { r, acked } = make();
  r.onHandshakeConfirmed(0);
  send(r, APP, 0, 0);
  send(r, APP, 1, 0);
  assert.throws(() => ack(r, APP, 10, [2, 0]), (e: unknown) => {
    assert.ok(e instanceof QuicError);
    assert.equal(e.code, TransportErrorCode.PROTOCOL_VIOLATION);
    assert.equal(e.frameType, 0x02);
    return true;
  });
  assert.deepEqual(acked, []);
  assert.equal(r.bytesInFlight, 2400);
  assert.throws(
    () => ack(r, HANDSHAKE, 10, [0, 0]),
    (e: unknown) => (e as QuicError).code === TransportErrorCode.PROTOCOL_VIOLATION,
  );
  // A deliberately skipped packet number (RFC 9000 §21.4).
  r.onPacketNumberSkipped(APP, 2);
  send(r, APP, 3, 1);
  assert.equal(ack(r, APP, 10, [3, 3], [1, 0]), 3, "ranges around the skipped number are fine");
  assert.throws(
    () => ack(r, APP, 10, [3, 2]),
    (e: unknown) => (e as QuicError).code === TransportErrorCode.PROTOCOL_VIOLATION,
  );
});

Deno.test("recovery: malformed ACK ranges are FRAME_ENCODING_ERROR", () => {
  const { r } = make();
  for (let pn = 0; pn < 10; pn++) send(r, APP, pn, 0);
  const bad: [number[], number][] = [
    [[], 0], // no range
    [[5, 6], 1], // smallest > largest
    [[9, 5, 5, 0], 2], // overlapping
    [[9, 5, 4, 0], 2], // adjacent (gap of 0 packets is not encodable)
    [[9, 5, 7, 6], 2], // ascending
    [[9, -1], 1], // negative
    [[9, 5], 2], // count larger than the array
  ];
  for (const [ranges, count] of bad) {
    assert.throws(() => r.onAckReceived(APP, ranges, count, 0, 1), (e: unknown) => {
      assert.ok(e instanceof QuicError, JSON.stringify(ranges));
      assert.equal(e.code, TransportErrorCode.FRAME_ENCODING_ERROR);
      return true;
    });
  }
  assert.equal(ack(r, APP, 1, [9, 5], [3, 0]), 9, "a valid two-range ACK");
});

Deno.test("recovery: RFC 9002 §6.2.1 PTO = srtt + max(4 rttvar, g) + max_ack_delay; backoff doubles and resets on ACK", () => {
  const { r } = make({ maxAckDelay: 25 });
  r.onHandshakeConfirmed(0);
  send(r, APP, 0, 0);
  ack(r, APP, 100, [0, 0]); // srtt 100, rttvar 50
  send(r, APP, 1, 200);
  const pto = 100 + 200 + 25;
  assert.equal(r.getLossDetectionTimer(), 200 + pto);
  const a = r.onLossDetectionTimeout(200 + pto);
  assert.equal(a.kind, "pto");
  assert.equal(a.space, APP);
  assert.equal(a.probes, 2, "RFC 9002 §6.2.4: up to two probes");
  assert.equal(r.ptoCount, 1);
  assert.equal(r.getLossDetectionTimer(), 200 + 2 * pto, "doubled");
  assert.equal(r.pendingProbes(APP), 2);
  send(r, APP, 2, 600);
  send(r, APP, 3, 600);
  assert.equal(r.pendingProbes(APP), 0);
  assert.equal(
    r.getLossDetectionTimer(),
    600 + 2 * pto,
    "re-armed from the last ack-eliciting send",
  );
  r.onLossDetectionTimeout(600 + 2 * pto);
  assert.equal(r.ptoCount, 2);
  assert.equal(r.getLossDetectionTimer(), 600 + 4 * pto);
  ack(r, APP, 1300, [3, 3]);
  assert.equal(r.ptoCount, 0, "reset by an acknowledgment");
});

Deno.test("recovery: RFC 9002 §6.2.1 no PTO for Application Data before handshake confirmation; Handshake PTO excludes max_ack_delay", () => {
  const { r } = make({ maxAckDelay: 25 });
  send(r, APP, 0, 0);
  assert.equal(r.getLossDetectionTimer(), undefined, "1-RTT in flight, handshake unconfirmed");
  send(r, HANDSHAKE, 0, 10);
  assert.equal(
    r.getLossDetectionTimer(),
    10 + 333 + 4 * 166.5,
    "Handshake PTO without max_ack_delay",
  );
  r.onHandshakeConfirmed(20);
  // Handshake still earlier than App (0 + 999 + 25 = 1024 vs 1009).
  assert.equal(r.getLossDetectionTimer(), 10 + 999);
  r.onPacketNumberSpaceDiscarded(HANDSHAKE, 30);
  assert.equal(r.getLossDetectionTimer(), 0 + 999 + 25, "App PTO includes max_ack_delay");
});

Deno.test("recovery: RFC 9002 §6.2.1 the earlier of Initial and Handshake PTO wins, timeout reports its space", () => {
  const { r } = make();
  send(r, INITIAL, 0, 5);
  send(r, HANDSHAKE, 0, 0);
  assert.equal(r.getLossDetectionTimer(), 999);
  const a = r.onLossDetectionTimeout(999);
  assert.equal(a.kind, "pto");
  assert.equal(a.space, HANDSHAKE);
});

Deno.test("recovery: RFC 9002 §6.2.2.1 client anti-deadlock PTO without packets in flight", () => {
  const { r } = make({ isServer: false });
  send(r, INITIAL, 0, 0);
  ack(r, INITIAL, 100, [0, 0]); // server's Initial ACK; nothing in flight now
  // The client has no Handshake ACK and is unconfirmed: the timer stays armed.
  const duration = r.rtt.smoothedRtt + 4 * r.rtt.rttvar;
  assert.equal(r.getLossDetectionTimer(), 100 + duration);
  let a = r.onLossDetectionTimeout(100 + duration);
  assert.equal(a.kind, "pto");
  assert.equal(a.antiDeadlock, true);
  assert.equal(a.space, INITIAL, "no Handshake keys: padded Initial");
  assert.equal(a.probes, 1);
  r.onHandshakeKeysAvailable(100 + duration);
  a = r.onLossDetectionTimeout(r.getLossDetectionTimer()!);
  assert.equal(a.space, HANDSHAKE, "Handshake keys: Handshake packet");
  assert.equal(r.ptoCount, 2);
  // A client does not reset the backoff on Initial ACKs before address validation.
  send(r, INITIAL, 1, 5000);
  ack(r, INITIAL, 5050, [1, 1]);
  assert.equal(r.ptoCount, 2);
  // A Handshake ACK completes address validation: reset and no more anti-deadlock timer.
  send(r, HANDSHAKE, 0, 5100);
  ack(r, HANDSHAKE, 5150, [0, 0]);
  assert.equal(r.ptoCount, 0);
  assert.equal(r.getLossDetectionTimer(), undefined);
});

Deno.test("recovery: RFC 9002 §6.2.2.1 server at the amplification limit does not arm the PTO; unblocking fires it if overdue", () => {
  const { r } = make({ isServer: true });
  send(r, INITIAL, 0, 0);
  assert.equal(r.getLossDetectionTimer(), 999);
  r.setAmplificationLimited(true, 1);
  assert.equal(r.getLossDetectionTimer(), undefined);
  assert.equal(r.setAmplificationLimited(false, 500), false, "not yet due");
  assert.equal(r.getLossDetectionTimer(), 999);
  r.setAmplificationLimited(true, 600);
  assert.equal(r.setAmplificationLimited(false, 2000), true, "due: run the timeout now");
  assert.equal(r.onLossDetectionTimeout(2000).kind, "pto");
});

Deno.test("recovery: ptoProbes option selects one probe", () => {
  const { r } = make({ ptoProbes: 1 });
  send(r, INITIAL, 0, 0);
  assert.equal(r.onLossDetectionTimeout(999).probes, 1);
});

Deno.test("recovery: RFC 9002 §6.4 discarding a space removes its bytes in flight, timers and pto_count", () => {
  const { r, lost, acked } = make();
  send(r, INITIAL, 0, 0);
  send(r, INITIAL, 1, 1);
  send(r, HANDSHAKE, 0, 2);
  assert.equal(r.onLossDetectionTimeout(1000).kind, "pto");
  assert.equal(r.ptoCount, 1);
  assert.equal(r.bytesInFlight, 3600);
  r.onPacketNumberSpaceDiscarded(INITIAL, 1000);
  assert.equal(r.bytesInFlight, 1200);
  assert.equal(r.ptoCount, 0);
  assert.equal(r.getLossDetectionTimer(), 2 + 999, "re-armed for Handshake only");
  assert.deepEqual(lost, [], "discarded packets are neither lost");
  assert.deepEqual(acked, [], "nor acked");
  send(r, INITIAL, 2, 1001); // ignored after discard
  assert.equal(r.bytesInFlight, 1200);
});

Deno.test("recovery: RFC 9002 §7.3.2 one congestion window reduction per recovery period", () => {
  const { r } = make();
  r.onHandshakeConfirmed(0);
  for (let pn = 0; pn < 10; pn++) send(r, APP, pn, pn);
  ack(r, APP, 50, [4, 4]); // 0 and 1 lost: one reduction
  assert.equal(r.cc.congestionWindow, 6000);
  ack(r, APP, 55, [6, 6]); // 2, 3 lost (sent before recovery started): no second cut
  assert.equal(r.cc.congestionWindow, 6000);
  send(r, APP, 10, 60);
  send(r, APP, 11, 61);
  send(r, APP, 12, 62);
  send(r, APP, 13, 63);
  ack(r, APP, 110, [13, 13]); // 10 (sent after recovery start at 50) lost -> new reduction
  assert.equal(r.cc.congestionWindow, 3000);
});

Deno.test("recovery: RFC 9002 §7.1 / B.7 an increased ECN-CE count is a congestion event", () => {
  const { r } = make();
  r.onHandshakeConfirmed(0);
  for (let pn = 0; pn < 4; pn++) send(r, APP, pn, pn);
  r.onAckReceived(APP, [0, 0], 1, 0, 50, 0);
  assert.equal(r.cc.congestionWindow, 12000 + 1200);
  r.onAckReceived(APP, [1, 0], 1, 0, 51, 1);
  assert.equal(r.cc.congestionWindow, (12000 + 1200) / 2);
  send(r, APP, 4, 60);
  r.onAckReceived(APP, [2, 0], 1, 0, 70, 1); // same count: no new event
  assert.equal(r.cc.congestionWindow, (12000 + 1200) / 2);
});

Deno.test("recovery: RFC 9002 §7.6.2 persistent congestion example (packets 2..8 lost over 7 > 3*2)", () => {
  // The RFC example assumes PTO period = smoothed_rtt + max(4*rttvar, g) +
  // max_ack_delay = 2 (times here in seconds x1000) and a prior RTT sample.
  class FixedRtt extends RttEstimator {
    override update(latest: number): void {
      this.latestRtt = latest;
    }
  }
  const scenario = (ackOf5: boolean) => {
    const rtt = new FixedRtt();
    rtt.smoothedRtt = 1000;
    rtt.rttvar = 250;
    rtt.hasSample = true;
    rtt.firstSampleTime = -1;
    const h = make({ rtt, maxAckDelay: 0 });
    h.r.onHandshakeConfirmed(-1);
    send(h.r, APP, 1, 0);
    send(h.r, APP, 2, 1000);
    ack(h.r, APP, 1200, [1, 1]);
    for (let pn = 3; pn <= 7; pn++) send(h.r, APP, pn, (pn - 1) * 1000);
    send(h.r, APP, 8, 8000); // PTO 1
    send(h.r, APP, 9, 12000); // PTO 2
    if (ackOf5) ack(h.r, APP, 12200, [9, 9], [5, 5]);
    else ack(h.r, APP, 12200, [9, 9]);
    return h;
  };
  const pc = scenario(false);
  assert.deepEqual(pc.lost, [2, 3, 4, 5, 6, 7, 8]);
  assert.equal(pc.r.persistentCongestionEvents, 1);
  // Collapsed to kMinimumWindow (2400) with recovery reset (B.8), then the
  // ack of #9, processed after the losses (A.7), grows it in slow start.
  assert.equal(pc.r.cc.congestionWindow, 2400 + 1200);
  assert.ok(pc.r.cc.congestionWindow < pc.r.cc.ssthresh, "back in slow start");
  // Control: the same ACK also acknowledging 5 breaks the period (2..4, 6..8).
  const broken = scenario(true);
  assert.deepEqual(broken.lost, [2, 3, 4, 6, 7, 8]);
  assert.equal(broken.r.persistentCongestionEvents, 0);
  assert.ok(broken.r.cc.congestionWindow > 2400);
});

Deno.test("recovery: RFC 9002 §7.6.2 no persistent congestion when the lost span is within the duration or before the first RTT sample", () => {
  const short = make({ maxAckDelay: 0 });
  short.r.onHandshakeConfirmed(0);
  send(short.r, APP, 0, 0);
  ack(short.r, APP, 100, [0, 0]); // srtt 100, rttvar 50: duration (100+200)*3 = 900
  for (let pn = 1; pn <= 5; pn++) send(short.r, APP, pn, 100 + pn * 150); // span 600 < 900
  send(short.r, APP, 6, 1000);
  ack(short.r, APP, 1100, [6, 6]);
  assert.deepEqual(short.lost, [1, 2, 3, 4, 5]);
  assert.equal(short.r.persistentCongestionEvents, 0);
  // Same long span but all sent before any RTT sample.
  const early = make({ maxAckDelay: 0 });
  early.r.onHandshakeConfirmed(0);
  for (let pn = 0; pn <= 5; pn++) send(early.r, APP, pn, pn * 2000);
  ack(early.r, APP, 12000, [5, 5]);
  assert.deepEqual(early.lost, [0, 1, 2, 3, 4]);
  assert.equal(early.r.persistentCongestionEvents, 0);
});

Deno.test("recovery: congestion controller selectable by name", () => {
  assert.equal(make({ congestionControl: "cubic" }).r.cc.name, "cubic");
  assert.equal(make({ congestionControl: "newreno" }).r.cc.name, "newreno");
  assert.equal(make().r.cc.name, "newreno");
});

Deno.test("recovery: RFC 9000 §13.2.4 hint to make a packet ack-eliciting when ACK-only packets pile up", () => {
  const { r } = make();
  for (let pn = 0; pn < 16; pn++) send(r, APP, pn, pn, false);
  assert.equal(r.needsAckEliciting(APP), true);
  send(r, APP, 16, 16, true);
  assert.equal(r.needsAckEliciting(APP), false);
  r.onHandshakeConfirmed(17);
  ack(r, APP, 40, [16, 16]);
  // 0..13 declared lost by the packet threshold; 14, 15 pending.
  assert.equal(r.sent[APP].liveCount, 2);
});

Deno.test("sent_packets: ring buffer keeps pn order across growth and wrap-around; tombstones are reclaimed", () => {
  const s = new SentPacketStore<number>(8);
  let next = 0;
  // Wrap around the initial capacity several times with a sliding window of 5.
  for (let round = 0; round < 50; round++) {
    s.push(next, next, 100, SENT_ACK_ELICITING | SENT_IN_FLIGHT, next);
    next++;
    if (s.liveCount > 5) {
      s.remove(0, SENT_ACKED);
      s.reclaim();
    }
  }
  assert.equal(s.length, 5);
  assert.equal(s.bytesInFlight, 500);
  for (let i = 0; i < s.length; i++) assert.equal(s.pn(i), next - 5 + i);
  // Grow while wrapped: order and payloads survive.
  for (let k = 0; k < 20; k++) s.push(next + 2 * k, 0, 1, SENT_ACK_ELICITING, next + 2 * k); // gaps
  for (let i = 1; i < s.length; i++) assert.ok(s.pn(i) > s.pn(i - 1));
  assert.equal(s.indexOf(next + 2), 6);
  assert.equal(s.payload(6), next + 2);
  assert.equal(s.indexOf(next + 1), -1, "skipped number");
  assert.equal(s.lowerBound(next + 1), 6);
  // A tombstone in the middle is kept until everything before it is gone.
  s.remove(3, SENT_LOST);
  s.reclaim();
  assert.equal(s.length, 25);
  s.remove(0, SENT_ACKED);
  s.remove(1, SENT_ACKED);
  s.remove(2, SENT_ACKED);
  s.reclaim();
  assert.equal(s.length, 21, "front tombstones, including the middle one, reclaimed");
});

Deno.test("recovery: steady state send/ack does not grow the sent-packet store", () => {
  const { r } = make();
  r.onHandshakeConfirmed(0);
  for (let pn = 0; pn < 100_000; pn++) {
    send(r, APP, pn, pn * 0.01);
    if (pn >= 100 && pn % 2 === 1) ack(r, APP, pn * 0.01, [pn - 100, pn - 101]);
  }
  assert.ok(r.sent[APP].length <= 101, `store holds ${r.sent[APP].length} slots`);
  assert.equal(r.sent[APP].liveCount, r.sent[APP].length);
});

Deno.test("recovery: resetSpace (Retry) forgets records without loss, keeps packet numbers rising", () => {
  const { r, acked, lost } = make({ isServer: false });
  r.onPacketSent(INITIAL, 0, 0, 1200, true, true, "ch");
  r.onPacketSent(INITIAL, 1, 1, 1200, true, true, "ch2");
  assert.equal(r.bytesInFlight, 2400);
  assert.notEqual(r.getLossDetectionTimer(), undefined);
  r.onLossDetectionTimeout(r.getLossDetectionTimer()!);
  assert.equal(r.ptoCount, 1);
  r.resetSpace(INITIAL, 10);
  assert.equal(r.bytesInFlight, 0);
  assert.equal(r.ptoCount, 0);
  assert.equal(r.pendingProbes(INITIAL), 0);
  assert.equal(r.sent[INITIAL].liveCount, 0);
  assert.deepEqual([acked, lost], [[], []]);
  // Packet numbers continue after a Retry (RFC 9000 §17.2.5.3): reuse is refused.
  assert.throws(() => r.onPacketSent(INITIAL, 1, 11, 1200, true, true), QuicError);
  r.onPacketSent(INITIAL, 2, 11, 1200, true, true, "ch3");
  assert.equal(r.bytesInFlight, 1200);
});

Deno.test("recovery: requestProbes adds probes in another space, counted down by sends", () => {
  const { r } = make();
  r.requestProbes(HANDSHAKE, 1);
  assert.equal(r.pendingProbes(HANDSHAKE), 1);
  r.requestProbes(HANDSHAKE, 0); // never lowers
  assert.equal(r.pendingProbes(HANDSHAKE), 1);
  r.onPacketSent(HANDSHAKE, 0, 0, 100, true, true);
  assert.equal(r.pendingProbes(HANDSHAKE), 0);
  r.onPacketNumberSpaceDiscarded(HANDSHAKE, 1);
  r.requestProbes(HANDSHAKE, 2); // discarded: ignored
  assert.equal(r.pendingProbes(HANDSHAKE), 0);
});
