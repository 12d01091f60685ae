import assert from "node:assert/strict";
import fc from "fast-check";
import { AckTracker, Ecn } from "../../../quic/proto/ack_tracker.ts";
import { PacketNumberSpace } from "../../../quic/proto/sent_packets.ts";
import { validateAckRanges } from "../../../quic/proto/ack_ranges.ts";

const APP = PacketNumberSpace.ApplicationData;

function frameRanges(t: AckTracker, now = 0): number[] {
  const f = t.buildAckFrame(now, 3);
  return f.ranges.slice(0, 2 * f.rangeCount);
}

Deno.test("ack_tracker: RFC 9000 §13.2.1 Initial and Handshake packets are acknowledged immediately", () => {
  for (const space of [PacketNumberSpace.Initial, PacketNumberSpace.Handshake]) {
    const t = new AckTracker({ space });
    t.onPacketReceived(0, true, 10);
    assert.equal(t.ackImmediately, true);
    assert.equal(t.shouldSendAck(10), true);
  }
});

Deno.test("ack_tracker: RFC 9000 §13.2.2 ACK after every 2nd ack-eliciting packet, else at max_ack_delay", () => {
  const t = new AckTracker({ space: APP, maxAckDelay: 25 });
  t.onPacketReceived(0, true, 100);
  assert.equal(t.ackImmediately, false);
  assert.equal(t.ackDeadline, 125); // §13.2.1: within max_ack_delay
  assert.equal(t.shouldSendAck(124), false);
  assert.equal(t.shouldSendAck(125), true);
  t.onPacketReceived(1, true, 105);
  assert.equal(t.ackImmediately, true);
  assert.equal(t.ackDeadline, 125, "deadline stays at the first unacked packet");
  t.onAckSent();
  assert.equal(t.ackImmediately, false);
  assert.equal(t.ackDeadline, Infinity);
});

Deno.test("ack_tracker: configurable ACK frequency (ack every N ack-eliciting packets)", () => {
  const t = new AckTracker({ space: APP, ackElicitingThreshold: 10 });
  for (let pn = 0; pn < 9; pn++) {
    t.onPacketReceived(pn, true, pn);
    assert.equal(t.ackImmediately, false, `pn ${pn}`);
  }
  t.onPacketReceived(9, true, 9);
  assert.equal(t.ackImmediately, true);
});

Deno.test("ack_tracker: RFC 9000 §13.2.1 non-ack-eliciting packets never trigger an ACK", () => {
  const t = new AckTracker({ space: APP });
  for (let pn = 0; pn < 10; pn++) t.onPacketReceived(pn, false, pn);
  t.onPacketReceived(20, false, 30); // even with a gap
  assert.equal(t.ackImmediately, false);
  assert.equal(t.ackDeadline, Infinity);
  assert.equal(t.hasNewPackets, true, "still worth piggybacking");
  // Even from the Initial space.
  const i = new AckTracker({ space: PacketNumberSpace.Initial });
  i.onPacketReceived(0, false, 0);
  assert.equal(i.ackImmediately, false);
});

Deno.test("ack_tracker: RFC 9000 §13.2.1 immediate ACK when a packet arrives out of order", () => {
  const t = new AckTracker({ space: APP, ackElicitingThreshold: 100 });
  t.onPacketReceived(0, true, 0);
  t.onPacketReceived(1, true, 1);
  assert.equal(t.ackImmediately, false);
  // A gap: 2 and 3 missing below 4.
  t.onPacketReceived(4, true, 2);
  assert.equal(t.ackImmediately, true, "gap below a new largest");
  t.onAckSent();
  // Filling the gap: below the largest ack-eliciting packet.
  t.onPacketReceived(2, true, 3);
  assert.equal(t.ackImmediately, true, "reordered packet fills a gap");
  t.onAckSent();
  t.onPacketReceived(3, true, 3.5); // just below the largest (4)
  assert.equal(t.ackImmediately, true, "any packet below the largest ack-eliciting one");
  t.onAckSent();
  // In order again: no immediate ACK.
  t.onPacketReceived(5, true, 4);
  assert.equal(t.ackImmediately, false);
});

Deno.test("ack_tracker: RFC 9000 §13.2.1 a gap above only non-ack-eliciting packets still counts", () => {
  const t = new AckTracker({ space: APP, ackElicitingThreshold: 100 });
  t.onPacketReceived(0, true, 0);
  t.onPacketReceived(1, false, 1);
  t.onPacketReceived(2, true, 2); // no gap between 0 and 2
  assert.equal(t.ackImmediately, false);
  t.onPacketReceived(5, false, 3);
  t.onPacketReceived(6, true, 4); // 3 and 4 missing above largest ack-eliciting 2
  assert.equal(t.ackImmediately, true);
});

Deno.test("ack_tracker: RFC 9000 §13.2.1 ECN-CE marked packets are acknowledged immediately and counted (§13.4.1)", () => {
  const t = new AckTracker({ space: APP, ecn: true, ackElicitingThreshold: 100 });
  t.onPacketReceived(0, true, 0, Ecn.Ect0);
  assert.equal(t.ackImmediately, false);
  t.onPacketReceived(1, true, 1, Ecn.Ce);
  assert.equal(t.ackImmediately, true);
  t.onPacketReceived(2, false, 2, Ecn.Ect1);
  t.onPacketReceived(2, true, 2, Ecn.Ce); // duplicate: not counted
  const f = t.buildAckFrame(2, 3);
  assert.deepEqual(f.ecn, { ect0: 1, ect1: 1, ce: 1 });
});

Deno.test("ack_tracker: RFC 9000 §12.3 duplicates are detected and change nothing", () => {
  const t = new AckTracker({ space: APP });
  assert.equal(t.isDuplicate(7), false);
  assert.equal(t.onPacketReceived(7, true, 0), true);
  assert.equal(t.isDuplicate(7), true);
  t.onAckSent();
  assert.equal(t.onPacketReceived(7, true, 1), false);
  assert.equal(t.ackElicitingSinceAck, 0);
  assert.equal(t.ackImmediately, false);
  assert.equal(t.hasNewPackets, false);
});

Deno.test("ack_tracker: RFC 9000 §19.3 / §13.2.5 ACK Delay is the time since the largest arrived, scaled by the exponent", () => {
  const t = new AckTracker({ space: APP });
  t.onPacketReceived(3, true, 1000);
  t.onPacketReceived(1, true, 1001); // not the largest: does not move the reference time
  // 2.5 ms = 2500 µs; exponent 3 -> 2500 / 8 = 312.5 -> 312.
  assert.equal(t.buildAckFrame(1002.5, 3).ackDelay, 312);
  assert.equal(t.buildAckFrame(1002.5, 0).ackDelay, 2500);
  assert.equal(t.buildAckFrame(1002.5, 10).ackDelay, 2);
  assert.equal(t.buildAckFrame(999, 3).ackDelay, 0, "never negative");
});

Deno.test("ack_tracker: RFC 9000 §19.3.1 ranges are reported largest first with gaps", () => {
  const t = new AckTracker({ space: APP });
  for (const pn of [0, 1, 2, 5, 6, 9]) t.onPacketReceived(pn, true, 0);
  const f = t.buildAckFrame(0, 3);
  assert.equal(f.largestAcknowledged, 9);
  assert.equal(f.rangeCount, 3);
  assert.deepEqual(f.ranges.slice(0, 6), [9, 9, 6, 5, 2, 0]);
  validateAckRanges(f.ranges, f.rangeCount, 9, []);
});

Deno.test("ack_tracker: RFC 9000 §13.2.3 ranges are limited, oldest dropped, and forgotten packets are refused", () => {
  const t = new AckTracker({ space: APP, maxRanges: 4 });
  for (let pn = 0; pn <= 20; pn += 2) t.onPacketReceived(pn, true, pn);
  assert.deepEqual(frameRanges(t), [20, 20, 18, 18, 16, 16, 14, 14]);
  assert.equal(t.isDuplicate(2), true, "below the kept ranges: treated as too old");
  assert.equal(t.onPacketReceived(3, true, 30), false);
  assert.equal(t.isDuplicate(15), false, "a gap inside the kept window is still acceptable");
});

Deno.test("ack_tracker: RFC 9000 §13.2.4 stop reporting ranges once an ACK carrying them is acknowledged", () => {
  const t = new AckTracker({ space: APP });
  for (const pn of [0, 1, 2, 4, 5]) t.onPacketReceived(pn, true, 0);
  const sentLargest = t.buildAckFrame(0, 3).largestAcknowledged;
  t.onAckSent();
  t.onPacketReceived(6, true, 1);
  t.onPacketReceived(8, true, 2);
  // The packet with our first ACK frame got acknowledged.
  t.onAckFrameAcked(sentLargest);
  assert.deepEqual(frameRanges(t), [8, 8, 6, 6]);
  assert.equal(t.largestReceived, 8, "largest received is kept (§13.2.3)");
  assert.equal(t.isDuplicate(3), true, "numbers at or below the acked frame are refused");
  assert.equal(t.isDuplicate(7), false);
});

Deno.test("ack_tracker: property — every accepted packet number is acknowledged or deliberately forgotten", () => {
  const event = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        k: fc.constant("rx" as const),
        d: fc.integer({ min: -6, max: 4 }),
        e: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("ack" as const) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant("ackack" as const) }) },
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(event, { maxLength: 300 }),
      (maxRanges, events) => {
        const t = new AckTracker({ space: APP, maxRanges, ackElicitingThreshold: 3 });
        const accepted = new Set<number>();
        const acknowledged = new Set<number>();
        const sentFrames: number[] = []; // largest of each ACK frame "sent"
        let next = 0;
        let now = 0;
        const sendAck = () => {
          const f = t.buildAckFrame(now, 3);
          if (f.rangeCount === 0) return;
          validateAckRanges(f.ranges, f.rangeCount, t.largestReceived, []);
          assert.equal(f.ranges[0], t.largestReceived, "largest received is in every frame");
          for (let r = 0; r < f.rangeCount; r++) {
            for (let pn = f.ranges[2 * r + 1]; pn <= f.ranges[2 * r]; pn++) {
              assert.ok(accepted.has(pn), `acknowledged ${pn} which was never accepted`);
              acknowledged.add(pn);
            }
          }
          sentFrames.push(f.largestAcknowledged);
          t.onAckSent();
        };
        for (const ev of events) {
          now += 1;
          if (ev.k === "rx") {
            const pn = Math.max(0, next + ev.d);
            if (ev.d >= 0) next = pn + 1;
            const dup = accepted.has(pn);
            const forgotten = pn < t.received.droppedBelow;
            const ok = t.onPacketReceived(pn, ev.e, now);
            assert.equal(ok, !dup && !forgotten, "accepted iff new and not forgotten");
            if (ok) accepted.add(pn);
            if (t.ackImmediately) sendAck();
          } else if (ev.k === "ack") {
            sendAck();
          } else if (sentFrames.length > 0) {
            t.onAckFrameAcked(sentFrames[0]);
            sentFrames.shift();
          }
        }
        sendAck();
        const bound = t.received.droppedBelow;
        for (const pn of accepted) {
          assert.ok(
            acknowledged.has(pn) || pn < bound,
            `pn ${pn} neither acknowledged nor below ${bound}`,
          );
        }
      },
    ),
    { seed: 0xac4, numRuns: 300 },
  );
});
