// A deterministic simulation of a sender (LossRecovery + congestion control +
// pacer) and a receiver (AckTracker) over a seeded lossy, reordering virtual
// link with a drop-tail bottleneck. No real packets: a data packet is its
// packet number and a payload id; an ACK is the AckTracker's frame content.
import assert from "node:assert/strict";
import { LossRecovery } from "../../../quic/proto/recovery.ts";
import { AckTracker } from "../../../quic/proto/ack_tracker.ts";
import { decodeAckDelay } from "../../../quic/proto/ack_ranges.ts";
import { PacketNumberSpace } from "../../../quic/proto/sent_packets.ts";
import { NewReno } from "../../../quic/proto/congestion/new_reno.ts";
import { Cubic } from "../../../quic/proto/congestion/cubic.ts";
import { Pacer } from "../../../quic/proto/congestion/pacer.ts";
import { mulberry32 } from "../../support/prng.ts";

const APP = PacketNumberSpace.ApplicationData;
const MSS = 1200;

type Cut = [before: number, after: number];

class ObservedNewReno extends NewReno {
  cuts: Cut[] = [];
  protected override reduce(now: number): void {
    const before = this.congestionWindow;
    super.reduce(now);
    this.cuts.push([before, this.congestionWindow]);
  }
}

class ObservedCubic extends Cubic {
  cuts: Cut[] = [];
  protected override reduce(now: number): void {
    const before = this.congestionWindow;
    super.reduce(now);
    this.cuts.push([before, this.congestionWindow]);
  }
}

type NewEv =
  | { at: number; kind: "data"; pn: number; id: number }
  | { at: number; kind: "ack"; ranges: number[]; count: number; delay: number };
type Ev = NewEv & { seq: number };

/** Binary min-heap of events by (time, sequence). */
class EventQueue {
  private items: Ev[] = [];
  private seq = 0;
  get size(): number {
    return this.items.length;
  }
  peekTime(): number {
    return this.items.length === 0 ? Infinity : this.items[0].at;
  }
  push(e: NewEv): void {
    const item: Ev = { ...e, seq: this.seq++ };
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): Ev {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
  private less(x: Ev, y: Ev): boolean {
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
}

interface SimResult {
  ackedIds: number;
  deliveredIds: number;
  cuts: Cut[];
  lost: number;
  ptos: number;
  persistent: number;
  endTime: number;
  maxCwnd: number;
}

function simulate(algo: "newreno" | "cubic", seed: number, n: number, lossRate: number): SimResult {
  const rand = mulberry32(seed);
  const oneWay = 20; // ms
  const bottleneckPerPacket = 1; // ms per 1200-byte packet (1.2 MB/s): BDP 40 packets
  const queueLimit = 20; // packets queued at the bottleneck before drop-tail
  const cc = algo === "cubic" ? new ObservedCubic() : new ObservedNewReno();
  const ackedIds = new Uint8Array(n);
  let ackedCount = 0;
  const delivered = new Uint8Array(n);
  let deliveredCount = 0;
  const retransmit: number[] = [];
  const recovery = new LossRecovery<number>({
    isServer: true,
    congestionControl: cc,
    maxAckDelay: 25,
    onPacketAcked: (_s, _pn, id) => {
      if (id !== undefined && id >= 0 && ackedIds[id] === 0) {
        ackedIds[id] = 1;
        ackedCount++;
      }
    },
    onPacketLost: (_s, _pn, id) => {
      // RFC 9000 §13.3: re-queue the lost frames unless already delivered.
      if (id !== undefined && id >= 0 && ackedIds[id] === 0) retransmit.push(id);
    },
  });
  recovery.onHandshakeConfirmed(0);
  const pacer = new Pacer({ burstPackets: 10, maxDatagramSize: MSS });
  const receiver = new AckTracker({ space: APP, maxAckDelay: 25, maxRanges: 32 });
  const q = new EventQueue();
  let now = 0;
  let nextPn = 0;
  let nextNew = 0;
  let linkFreeAt = 0;
  let ptos = 0;
  let pacerWake = Infinity;
  let maxCwnd = 0;

  const transmitData = (pn: number, id: number) => {
    // Drop-tail bottleneck, then random loss, then propagation (+ jitter).
    const start = Math.max(now, linkFreeAt);
    if ((start - now) / bottleneckPerPacket > queueLimit) return;
    linkFreeAt = start + bottleneckPerPacket;
    if (rand() < lossRate) return;
    // Occasional reordering, mostly within the packet threshold.
    const jitter = rand() < 0.05 ? 3 * rand() : 0;
    q.push({ at: linkFreeAt + oneWay + jitter, kind: "data", pn, id });
  };

  const nextId = (): number => {
    while (retransmit.length > 0) {
      const id = retransmit.shift()!;
      if (ackedIds[id] === 0) return id;
    }
    return nextNew < n ? nextNew++ : -2; // -2: nothing to send
  };

  const sendOne = (id: number) => {
    const pn = nextPn++;
    recovery.onPacketSent(APP, pn, now, MSS, true, true, id);
    pacer.onPacketSent(now, MSS);
    transmitData(pn, id);
  };

  const trySend = () => {
    pacerWake = Infinity;
    for (let guard = 0; guard < 10_000; guard++) {
      if (recovery.pendingProbes(APP) > 0) {
        // RFC 9002 §7.5: probes ignore the congestion window; PING (-1) if no data.
        const id = nextId();
        sendOne(id === -2 ? -1 : id);
        continue;
      }
      if (retransmit.length === 0 && nextNew >= n) {
        cc.setAppLimited(cc.bytesInFlight < cc.congestionWindow);
        return;
      }
      if (!cc.canSend(MSS)) return;
      const wait = pacer.timeUntilSend(now, MSS);
      if (wait > 0) {
        pacerWake = now + wait;
        return;
      }
      const id = nextId();
      if (id === -2) return;
      sendOne(id);
    }
    throw new Error("send loop did not terminate");
  };

  const sendAck = () => {
    const f = receiver.buildAckFrame(now, 3);
    receiver.onAckSent();
    if (f.rangeCount === 0) return;
    if (rand() < lossRate) return; // ACKs get lost too
    q.push({
      at: now + oneWay,
      kind: "ack",
      ranges: f.ranges.slice(0, 2 * f.rangeCount),
      count: f.rangeCount,
      delay: f.ackDelay,
    });
  };

  pacer.update(cc.congestionWindow, recovery.rtt.smoothedRtt, 0);
  trySend();
  let steps = 0;
  while (ackedCount < n) {
    if (++steps > 2_000_000) throw new Error(`simulation stuck at t=${now}`);
    const tEvent = q.peekTime();
    const tLoss = recovery.getLossDetectionTimer() ?? Infinity;
    const tAck = receiver.ackDeadline;
    const next = Math.min(tEvent, tLoss, tAck, pacerWake);
    assert.ok(next !== Infinity, `deadlock at t=${now}: nothing scheduled`);
    assert.ok(next >= now - 1e-9, "time never goes backwards");
    now = Math.max(now, next);
    if (tEvent === next) {
      const e = q.pop();
      if (e.kind === "data") {
        if (!receiver.isDuplicate(e.pn)) {
          receiver.onPacketReceived(e.pn, true, now);
          if (e.id >= 0 && delivered[e.id] === 0) {
            delivered[e.id] = 1;
            deliveredCount++;
          }
          if (receiver.ackImmediately) sendAck();
        }
      } else {
        recovery.onAckReceived(APP, e.ranges, e.count, decodeAckDelay(e.delay, 3), now);
        pacer.update(cc.congestionWindow, recovery.rtt.smoothedRtt, now);
        trySend();
      }
    } else if (tLoss === next) {
      const a = recovery.onLossDetectionTimeout(now);
      if (a.kind === "pto") ptos++;
      trySend();
    } else if (tAck === next) {
      sendAck();
    } else {
      trySend();
    }
    // Bookkeeping invariants on every step.
    assert.equal(cc.bytesInFlight, recovery.sent[APP].bytesInFlight);
    assert.ok(cc.congestionWindow >= 2 * MSS && Number.isFinite(cc.congestionWindow));
    if (cc.congestionWindow > maxCwnd) maxCwnd = cc.congestionWindow;
  }
  return {
    ackedIds: ackedCount,
    deliveredIds: deliveredCount,
    cuts: cc.cuts,
    lost: recovery.lostPackets,
    ptos,
    persistent: recovery.persistentCongestionEvents,
    endTime: now,
    maxCwnd,
  };
}

for (const algo of ["newreno", "cubic"] as const) {
  Deno.test(`recovery sim (${algo}): every packet is delivered and acknowledged over a lossy link; cwnd reacts per RFC`, () => {
    const n = 3000;
    for (const [seed, loss] of [[1, 0.01], [2, 0.03], [3, 0.0]] as const) {
      const r = simulate(algo, seed, n, loss);
      const tag = `${algo} seed ${seed} loss ${loss}`;
      assert.equal(r.ackedIds, n, `${tag}: all acknowledged`);
      assert.equal(r.deliveredIds, n, `${tag}: all delivered`);
      assert.ok(r.endTime < 60_000, `${tag}: finished in ${r.endTime} ms of virtual time`);
      assert.ok(r.cuts.length > 0, `${tag}: losses produced congestion events`);
      const factor = algo === "cubic" ? 0.7 : 0.5;
      for (const [before, after] of r.cuts) {
        // RFC 9002 B.6 (NewReno halving) / RFC 9438 §4.6 (CUBIC beta 0.7).
        assert.equal(
          after,
          Math.max(Math.floor(before * factor), 2 * MSS),
          `${tag}: cut ${before} -> ${after}`,
        );
      }
      assert.ok(r.maxCwnd > 12000, `${tag}: window grew beyond the initial window`);
      if (loss === 0) {
        assert.ok(r.lost > 0, `${tag}: the drop-tail bottleneck alone causes losses`);
        // 1 ms per packet at the bottleneck: keep the link at least 2/3 busy.
        assert.ok(r.endTime < 1.5 * n, `${tag}: took ${r.endTime} ms for ${n} packets`);
      }
    }
  });
}
