/**
 * Bulk-transfer scenarios of issue 4 over the seeded simulated network: each
 * uploads 5 MB on one stream and checks it byte for byte.
 */
import assert from "node:assert/strict";
import { makePair, runTransfer, type TransferResult } from "./fixtures.ts";
import { coreOf } from "../../quic/proto/conn_internal.ts";

const MB = 1024 * 1024;

function report(name: string, r: TransferResult) {
  const s = r.conn.getStats();
  console.log(
    `${name}: ${r.elapsed.toFixed(0)} virtual ms, ${r.cpuMs.toFixed(0)} cpu ms, ` +
      `sent ${s.packetsSent} lost ${s.packetsLost} pto ${s.ptoCount} ` +
      `retransmitted ${s.streamBytesRetransmitted} key updates ${s.keyUpdates}`,
  );
}

Deno.test("sim: 5 MB transfer, no loss", () => {
  const pair = makePair(10, { delayMs: 10, bandwidth: 12_500_000 });
  const r = runTransfer(pair, 5 * MB);
  report("0% loss", r);
  assert.ok(r.ok, `received ${r.received}`);
  assert.equal(r.conn.getStats().ptoCount, 0);
});

Deno.test("sim: 5 MB transfer, 5% loss", () => {
  const pair = makePair(11, { delayMs: 10, loss: 0.05, bandwidth: 12_500_000 });
  const r = runTransfer(pair, 5 * MB);
  report("5% loss", r);
  assert.ok(r.ok, `received ${r.received}`);
  assert.ok(r.conn.getStats().packetsLost > 0);
});

Deno.test("sim: 5 MB transfer, 30% loss", () => {
  const pair = makePair(12, { delayMs: 10, loss: 0.3, bandwidth: 12_500_000 });
  const r = runTransfer(pair, 5 * MB);
  report("30% loss", r);
  assert.ok(r.ok, `received ${r.received}`);
});

Deno.test("sim: 5 MB transfer with reordering and duplication", () => {
  const pair = makePair(13, {
    delayMs: 10,
    jitterMs: 5,
    reorder: 0.1,
    duplicate: 0.02,
    bandwidth: 12_500_000,
  });
  const r = runTransfer(pair, 5 * MB);
  report("reorder", r);
  assert.ok(r.ok, `received ${r.received}`);
  assert.ok(pair.sim.net.stats.reordered > 0);
});

Deno.test("sim: 5 MB transfer with 2% corruption", () => {
  const pair = makePair(14, { delayMs: 10, corrupt: 0.02, bandwidth: 12_500_000 });
  const r = runTransfer(pair, 5 * MB);
  report("2% corruption", r);
  assert.ok(r.ok, `received ${r.received}`);
  assert.ok(pair.sim.net.stats.corrupted > 0);
});

Deno.test("sim: 5 MB transfer across a 2-second blackhole", () => {
  const start = makePair(15).sim.now;
  const pair = makePair(15, {
    delayMs: 10,
    bandwidth: 12_500_000,
    blackholes: [[start + 200, start + 2200]],
  });
  const r = runTransfer(pair, 5 * MB);
  report("blackhole", r);
  assert.ok(r.ok, `received ${r.received}`);
  assert.ok(pair.sim.net.stats.blackholed > 0);
  assert.ok(r.elapsed > 2200);
  // RFC 9002 §7.6: two seconds without acknowledgments is persistent congestion.
  assert.ok(coreOf(r.conn).recovery.persistentCongestionEvents >= 1);
});

Deno.test("sim: 5 MB transfer at 500 ms RTT", () => {
  const pair = makePair(16, { delayMs: 250, bandwidth: 12_500_000, queueBytes: 4 * MB });
  const r = runTransfer(pair, 5 * MB);
  report("500ms RTT", r);
  assert.ok(r.ok, `received ${r.received}`);
  assert.ok(r.conn.getStats().minRtt >= 500);
});

Deno.test("sim: key update mid-transfer", () => {
  const pair = makePair(17, { delayMs: 10, loss: 0.01, bandwidth: 12_500_000 });
  const r = runTransfer(pair, 5 * MB, { transport: { keyUpdateInterval: 500 } });
  report("key update", r);
  assert.ok(r.ok, `received ${r.received}`);
  assert.ok(r.conn.getStats().keyUpdates >= 3, `updates ${r.conn.getStats().keyUpdates}`);
});

Deno.test("sim: 5 MB transfer with 16 KB datagrams (loopback-style, peer limit honoured)", () => {
  const big = { maxDatagramSize: 16_000, maxUdpPayloadSize: 16_000 };
  const pair = makePair(18, { delayMs: 1, bandwidth: 200_000_000, queueBytes: 4 * MB }, {
    transport: big,
  }, { transport: big });
  const r = runTransfer(pair, 5 * MB, { transport: big });
  report("16 KB datagrams", r);
  assert.ok(r.ok, `received ${r.received}`);
  assert.equal(r.conn.getStats().maxDatagramSize, 16_000);
  assert.ok(r.conn.getStats().packetsSent < 1000);
});

Deno.test("sim: a seeded scenario replays exactly", () => {
  const run = () => {
    const pair = makePair(19, { delayMs: 10, loss: 0.05, reorder: 0.05, bandwidth: 12_500_000 });
    const r = runTransfer(pair, MB);
    assert.ok(r.ok);
    const s = r.conn.getStats();
    return [r.elapsed, s.packetsSent, s.packetsLost, pair.sim.net.stats.bytesSent];
  };
  assert.deepEqual(run(), run());
});

Deno.test("sim: 5 MB transfer with NewReno at 5% loss", () => {
  const pair = makePair(21, { delayMs: 10, loss: 0.05, bandwidth: 12_500_000 });
  const r = runTransfer(pair, 5 * MB, { transport: { congestionControl: "newreno" } });
  report("NewReno 5% loss", r);
  assert.ok(r.ok, `received ${r.received}`);
});
