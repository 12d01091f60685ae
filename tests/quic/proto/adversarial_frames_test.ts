/**
 * A hostile peer abusing connection-level frames: ACK (RFC 9000 §13.1,
 * §19.3), connection IDs (§5.1, §19.15, §19.16), PATH_CHALLENGE (§8.2),
 * DATAGRAM (RFC 9221 §3–§5). Each attack closes only the attacked
 * connection with the RFC code and keeps its state bounded.
 */
import assert from "node:assert/strict";
import { TransportErrorCode as E } from "../../../quic/proto/errors.ts";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import { APPLICATION } from "../../../quic/proto/spaces.ts";
import { writeVarInt } from "../../../quic/proto/varint.ts";
import type { Frame } from "../../../quic/proto/frames/types.ts";
import {
  assertBystanderWorks,
  assertClosed,
  closeOf,
  deliver,
  establish,
  type Hostile,
  inject,
} from "./_hostile.ts";
import { buildPacket } from "./_hostile.ts";

function varints(...vs: number[]): Uint8Array {
  const b = new Uint8Array(9 * vs.length);
  let o = 0;
  for (const v of vs) o = writeVarInt(b, o, v);
  return b.subarray(0, o);
}

const serverLargestSent = (h: Hostile) => coreOf(h.server).spaces[APPLICATION].nextPn - 1;

Deno.test("adversarial ACK: acknowledging a packet never sent is PROTOCOL_VIOLATION", () => {
  const h = establish(21);
  const largest = serverLargestSent(h) + 1000;
  inject(h, [{ type: "ack", ackDelay: 0, ranges: [[0, largest]] }]);
  assertClosed(h, E.PROTOCOL_VIOLATION);
  assertBystanderWorks(h);
});

Deno.test("adversarial ACK: a range count of 2^62-1 is rejected without looping", () => {
  const h = establish(22);
  const t0 = performance.now();
  // type, largest 0, delay 0, range count 2^62-1, first range 0, then nothing.
  inject(h, [Uint8Array.of(0x02, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0)]);
  assert.ok(performance.now() - t0 < 500);
  assertClosed(h, E.FRAME_ENCODING_ERROR);
});

Deno.test("adversarial ACK: thousands of valid tiny ranges are processed in bounded time", () => {
  const h = establish(23);
  const largest = serverLargestSent(h);
  // 3000 one-packet ranges (gap 0, length 0) starting above what was sent:
  // the server must decode them all in bounded time and close, not loop.
  const body = [varints(0x02, largest + 6000, 0, 2999, 0)];
  for (let i = 0; i < 2999; i++) body.push(varints(0, 0));
  const t0 = performance.now();
  inject(h, body);
  assert.ok(performance.now() - t0 < 500);
  assertClosed(h, E.PROTOCOL_VIOLATION);
});

Deno.test("adversarial ACK: a huge ACK Delay does not break the RTT estimate", () => {
  const h = establish(24);
  const c = coreOf(h.server);
  // Make the server send something ack-eliciting so the ACK is for a new packet.
  h.server.ping();
  for (; h.p.server.pollTransmit(h.p.sim.now);) { /* dropped */ }
  h.p.sim.now += 30;
  const largest = serverLargestSent(h);
  // ACK Delay 2^62-1 (the varint maximum), one range [largest, largest].
  inject(h, [
    varints(0x02, largest),
    Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0),
  ]);
  assert.equal(closeOf(h), undefined);
  const rtt = c.rtt.smoothedRtt;
  assert.ok(Number.isFinite(rtt) && rtt > 0 && rtt < 10_000, `smoothed RTT ${rtt}`);
  assertBystanderWorks(h);
});

const ncid = (seq: number, retirePriorTo: number, b = seq): Frame => ({
  type: "new_connection_id",
  sequenceNumber: seq,
  retirePriorTo,
  connectionId: new Uint8Array(8).fill(b & 0xff).map((x, i) => (x + i * 31 + (b >> 8)) & 0xff),
  statelessResetToken: new Uint8Array(16).fill((b * 7) & 0xff),
});

Deno.test("adversarial CID: NEW_CONNECTION_ID beyond active_connection_id_limit is CONNECTION_ID_LIMIT_ERROR", () => {
  const h = establish(31);
  const c = coreOf(h.server);
  const limit = c.peerCids.limit;
  // The client has already issued some; count what the server holds.
  const have = 1 + c.peerCids.spare.size;
  let seq = 100;
  for (let i = have; i < limit; i++) inject(h, [ncid(seq++, 0)]);
  assert.equal(closeOf(h), undefined);
  inject(h, [ncid(seq++, 0)]);
  assertClosed(h, E.CONNECTION_ID_LIMIT_ERROR);
  assertBystanderWorks(h);
});

Deno.test("adversarial CID: retire_prior_to games keep pending retirements bounded", () => {
  const h = establish(32);
  const c = coreOf(h.server);
  // Each frame retires everything before it; the server's RETIRE frames are
  // never acknowledged (we drop its packets), so retirements pile up.
  for (let seq = 10; seq < 400 && !closeOf(h); seq++) {
    inject(h, [ncid(seq, seq)]);
    assert.ok(c.peerCids.unackedRetires.size <= 2 * c.peerCids.limit + 5);
    assert.ok(c.peerCids.spare.size < c.peerCids.limit);
  }
  assertClosed(h, E.CONNECTION_ID_LIMIT_ERROR);
  assertBystanderWorks(h);
});

Deno.test("adversarial CID: retire_prior_to above the sequence number is FRAME_ENCODING_ERROR", () => {
  const h = establish(33);
  const f = ncid(5, 0);
  if (f.type !== "new_connection_id") throw new Error();
  inject(h, [varints(0x18, 5, 6, 8), f.connectionId, f.statelessResetToken]);
  assertClosed(h, E.FRAME_ENCODING_ERROR);
});

Deno.test("adversarial CID: a sequence number reused for another ID is PROTOCOL_VIOLATION", () => {
  const h = establish(34);
  inject(h, [ncid(50, 50, 50)]);
  assert.equal(closeOf(h), undefined);
  inject(h, [ncid(50, 50, 51)]);
  assertClosed(h, E.PROTOCOL_VIOLATION);
});

Deno.test("adversarial CID: RETIRE_CONNECTION_ID of an unissued sequence number is PROTOCOL_VIOLATION", () => {
  const h = establish(35);
  inject(h, [{ type: "retire_connection_id", sequenceNumber: 1000 }]);
  assertClosed(h, E.PROTOCOL_VIOLATION);
  assertBystanderWorks(h);
});

Deno.test("adversarial CID: RETIRE_CONNECTION_ID of the ID in use is PROTOCOL_VIOLATION", () => {
  const h = establish(36);
  const dcid = coreOf(h.client).peerCids.current;
  inject(h, [{ type: "retire_connection_id", sequenceNumber: dcid.seq }]);
  assertClosed(h, E.PROTOCOL_VIOLATION);
});

Deno.test("adversarial CID: a RETIRE_CONNECTION_ID churn keeps issued IDs bounded", () => {
  const h = establish(37);
  const s = coreOf(h.server);
  const inUse = coreOf(h.client).peerCids.current.seq;
  // Retire every other ID the server issued, as fast as it issues them.
  for (let round = 0; round < 200; round++) {
    const victims = [...s.localCids.active.keys()].filter((q) => q !== inUse);
    inject(h, victims.map((q) => ({ type: "retire_connection_id" as const, sequenceNumber: q })));
    assert.ok(s.localCids.active.size <= s.localCids.maxIssued);
  }
  assert.equal(closeOf(h), undefined);
  assertBystanderWorks(h);
});

Deno.test("adversarial PATH_CHALLENGE: a flood gets a bounded number of responses", () => {
  const h = establish(41);
  const s = coreOf(h.server);
  for (let i = 0; i < 50; i++) {
    const frames: Frame[] = [];
    for (let k = 0; k < 100; k++) {
      frames.push({ type: "path_challenge", data: Uint8Array.of(i, k, 1, 2, 3, 4, 5, 6) });
    }
    h.p.server.handleDatagram(
      buildPacket(h, frames),
      { hostname: "10.0.0.2", port: 50000 },
      h.p.sim.now,
    );
    // The responses the server queues (paths.responses, the one queue
    // pollTransmit sends from, RFC 9000 §8.2.2) stay bounded.
    assert.ok(s.paths.responses.length <= 8, `queued ${s.paths.responses.length}`);
    if (i === 0) assert.ok(s.paths.responses.length > 0, "challenges are answered");
  }
  // What the server sends in answer stays small (anti-amplification in spirit).
  let sent = 0;
  for (let t; (t = h.p.server.pollTransmit(h.p.sim.now));) sent += t.data.length;
  assert.ok(sent > 0 && sent < 20_000, `sent ${sent} bytes`);
  assert.equal(s.paths.responses.length, 0);
  assert.equal(closeOf(h), undefined);
  assertBystanderWorks(h);
});

Deno.test("adversarial DATAGRAM: a flood is delivered up to the receive queue bound", () => {
  const h = establish(42);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 2000; i++) frames.push(Uint8Array.of(0x31, 1, i & 0xff));
  deliver(h, buildPacket(h, frames));
  const got = h.events.filter((e) => e.type === "datagramReceived").length;
  assert.ok(got > 0 && got <= coreOf(h.server).cfg.datagramQueueLength, `delivered ${got}`);
  assert.equal(closeOf(h), undefined);
});

Deno.test("adversarial DATAGRAM: a frame larger than max_datagram_frame_size is PROTOCOL_VIOLATION", () => {
  const h = establish(43, { transport: { maxDatagramFrameSize: 100 } });
  inject(h, [{ type: "datagram", data: new Uint8Array(90) }]); // 1 + 1 + 90 ≤ 100
  assert.equal(closeOf(h), undefined);
  inject(h, [{ type: "datagram", data: new Uint8Array(200) }]);
  assertClosed(h, E.PROTOCOL_VIOLATION);
  assertBystanderWorks(h);
});

Deno.test("adversarial DATAGRAM: DATAGRAM when not negotiated is PROTOCOL_VIOLATION", () => {
  const h = establish(44, { transport: { maxDatagramFrameSize: 0 } });
  inject(h, [{ type: "datagram", data: new Uint8Array(4) }]);
  assertClosed(h, E.PROTOCOL_VIOLATION);
});

/** Makes the server send `n` ack-eliciting 1-RTT packets (into the void). */
function serverSendsPings(h: Hostile, n: number): void {
  for (let i = 0; i < n; i++) {
    h.server.ping();
    while (h.p.server.pollTransmit(h.p.sim.now)) { /* lost */ }
    h.p.sim.now += 1;
  }
}

const skippedOf = (h: Hostile): number[] =>
  (coreOf(h.server).recovery as unknown as { skipped: number[][] }).skipped[APPLICATION];

Deno.test("adversarial ACK: an optimistic ACK covering a skipped packet number is PROTOCOL_VIOLATION", () => {
  const h = establish(25);
  serverSendsPings(h, 600);
  const skipped = skippedOf(h);
  assert.ok(skipped.length >= 2, `skipped ${skipped}`);
  // RFC 9000 §21.4: the skips are spread out, not every packet.
  assert.ok(skipped.length <= 600 / 16);
  const largest = serverLargestSent(h);
  // Acknowledging everything, including numbers never sent.
  inject(h, [{ type: "ack", ackDelay: 0, ranges: [[0, largest]] }]);
  assertClosed(h, E.PROTOCOL_VIOLATION);
  assertBystanderWorks(h);
});

Deno.test("adversarial ACK: an honest ACK around the skipped packet numbers is accepted", () => {
  const h = establish(26);
  serverSendsPings(h, 300);
  const skipped = skippedOf(h).filter((pn) => pn <= serverLargestSent(h));
  assert.ok(skipped.length >= 1);
  // Ranges (descending) that leave out each skipped number.
  const ranges: [number, number][] = [];
  let hi = serverLargestSent(h);
  for (const pn of [...skipped].sort((a, b) => b - a)) {
    if (pn < hi) ranges.push([pn + 1, hi]);
    hi = pn - 1;
  }
  if (hi >= 0) ranges.push([0, hi]);
  inject(h, [{ type: "ack", ackDelay: 0, ranges: ranges.slice(0, 8) }]);
  assert.equal(closeOf(h), undefined);
});

Deno.test("stats: applicationPacketsSent counts packets sent, not the packet numbers skipped", () => {
  const h = establish(27);
  const before = h.server.applicationPacketsSent;
  const pnBefore = serverLargestSent(h) + 1;
  serverSendsPings(h, 600);
  const skipped = skippedOf(h).filter((pn) => pn >= pnBefore).length;
  assert.ok(skipped >= 2, `skipped ${skipped}`);
  const pnUsed = serverLargestSent(h) + 1 - pnBefore;
  assert.equal(h.server.applicationPacketsSent - before, pnUsed - skipped);
  assert.ok(pnUsed - skipped > 0);
});
