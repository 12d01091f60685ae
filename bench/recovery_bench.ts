// Loss recovery bookkeeping cost per packet: onPacketSent + onAckReceived
// (one ACK frame per 2 packets, as a receiver acking every 2nd packet sends),
// steady state, with the congestion controller and callbacks in the loop.
// Baseline in the same run: a naive Map-of-records tracker that allocates a
// record per packet and walks every packet number of each ACK range.
// Also: the receive side (AckTracker.onPacketReceived + buildAckFrame every
// 2nd packet). Each bench iteration handles BATCH packets: divide by BATCH
// for the per-packet cost.
// Run: deno bench -A bench/recovery_bench.ts
import { LossRecovery } from "../quic/proto/recovery.ts";
import { AckTracker } from "../quic/proto/ack_tracker.ts";
import { PacketNumberSpace } from "../quic/proto/sent_packets.ts";
import { NewReno } from "../quic/proto/congestion/new_reno.ts";

const APP = PacketNumberSpace.ApplicationData;
const BATCH = 1000;
const RTT = 20;

// --- gquic LossRecovery -----------------------------------------------------
let delivered = 0;
const recovery = new LossRecovery<number>({
  isServer: true,
  congestionControl: "newreno",
  onPacketAcked: () => {
    delivered++;
  },
});
recovery.onHandshakeConfirmed(0);
let pn = 0;
let clock = 0;
const ackRanges = [0, 0];

function recoveryBatch(): void {
  for (let i = 0; i < BATCH; i += 2) {
    clock += 0.01;
    recovery.onPacketSent(APP, pn, clock, 1200, true, true, pn);
    recovery.onPacketSent(APP, pn + 1, clock, 1200, true, true, pn + 1);
    // The ACK for these two arrives one RTT later in reality; acking what was
    // sent RTT/0.01 packets ago keeps ~RTT worth of records outstanding.
    const largest = pn + 1 - 2 * Math.floor(RTT / 0.01 / 2);
    if (largest >= 1) {
      ackRanges[0] = largest;
      ackRanges[1] = largest - 1;
      recovery.onAckReceived(APP, ackRanges, 1, 0, clock);
    }
    pn += 2;
  }
}

// --- naive baseline ------------------------------------------------------------
interface NaiveRecord {
  pn: number;
  timeSent: number;
  size: number;
  ackEliciting: boolean;
  frames: number;
}
const naive = new Map<number, NaiveRecord>();
let naivePn = 0;
let naiveClock = 0;
let naiveInFlight = 0;
const naiveCc = new NewReno();

function naiveBatch(): void {
  for (let i = 0; i < BATCH; i += 2) {
    naiveClock += 0.01;
    for (let k = 0; k < 2; k++) {
      const p = naivePn + k;
      naive.set(p, { pn: p, timeSent: naiveClock, size: 1200, ackEliciting: true, frames: p });
      naiveInFlight += 1200;
      naiveCc.onPacketSent(1200, naiveClock);
    }
    const largest = naivePn + 1 - 2 * Math.floor(RTT / 0.01 / 2);
    if (largest >= 1) {
      const acked: NaiveRecord[] = [];
      for (let p = largest - 1; p <= largest; p++) {
        const r = naive.get(p);
        if (r !== undefined) {
          naive.delete(p);
          acked.push(r);
        }
      }
      for (const r of acked) {
        naiveInFlight -= r.size;
        naiveCc.onPacketAcked(r.size, r.timeSent, naiveClock, RTT);
        delivered++;
      }
      // Loss scan over everything outstanding below the largest acked.
      for (const r of naive.values()) {
        if (r.pn >= largest - 3) break;
      }
    }
    naivePn += 2;
  }
}

// --- receive side -----------------------------------------------------------------
const tracker = new AckTracker({ space: APP });
let rxPn = 0;
let rxClock = 0;
let ackBytes = 0;

function trackerBatch(): void {
  for (let i = 0; i < BATCH; i++) {
    rxClock += 0.01;
    if (tracker.isDuplicate(rxPn)) throw new Error("unexpected duplicate");
    tracker.onPacketReceived(rxPn++, true, rxClock);
    if (tracker.ackImmediately) {
      const f = tracker.buildAckFrame(rxClock, 3);
      ackBytes += f.rangeCount;
      tracker.onAckSent();
      // The sender acknowledged our previous ACK frame (RFC 9000 §13.2.4).
      tracker.onAckFrameAcked(f.largestAcknowledged - 64);
    }
  }
}

Deno.bench({
  name: `naive Map tracker: ${BATCH} packets sent + acked (baseline)`,
  group: "sender",
  baseline: true,
  fn: naiveBatch,
});
Deno.bench({
  name: `LossRecovery: ${BATCH} packets sent + acked`,
  group: "sender",
  fn: recoveryBatch,
});
Deno.bench({
  name: `AckTracker: ${BATCH} packets received, ACK frame every 2nd`,
  group: "receiver",
  fn: trackerBatch,
});

globalThis.addEventListener("unload", () => {
  if (delivered < 0 || ackBytes < 0 || naiveInFlight < -1) console.log("unreachable");
});
