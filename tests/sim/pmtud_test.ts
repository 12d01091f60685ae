/**
 * DPLPMTUD over the simulated network (RFC 8899, RFC 9000 §14): the search
 * finds the path MTU, never exceeds the peer's max_udp_payload_size, does
 * not treat lost probes as congestion, and falls back when a black hole
 * starts dropping large datagrams mid-transfer.
 */
import assert from "node:assert/strict";
import { CLIENT, makePair, runTransfer, SERVER } from "./fixtures.ts";
import { coreOf } from "../../quic/proto/conn_internal.ts";
import type { Endpoint } from "../../quic/proto/endpoint.ts";
import { PmtudState } from "../../quic/proto/pmtud.ts";

const MB = 1024 * 1024;

/** Records the largest datagram an endpoint sends. */
function watchSizes(ep: Endpoint): { max: number } {
  const seen = { max: 0 };
  const poll = ep.pollTransmit.bind(ep);
  ep.pollTransmit = (now: number) => {
    const t = poll(now);
    if (t && t.data.length > seen.max) seen.max = t.data.length;
    return t;
  };
  return seen;
}

Deno.test("sim pmtud: finds a 1400-byte path MTU; lost probes are not congestion", () => {
  // No bandwidth queue: the only drops are datagrams above the MTU.
  const pair = makePair(40, { delayMs: 10, mtu: 1400 });
  const r = runTransfer(pair, 1 * MB, { transport: { maxDatagramSize: 9000 } });
  assert.ok(r.ok, `received ${r.received}`);
  // The search goes on after the transfer (the probe timer drives it when idle).
  pair.sim.runFor(3000);
  const c = coreOf(r.conn);
  const mds = r.conn.getStats().maxDatagramSize;
  assert.ok(mds <= 1400 && mds > 1400 - 16, `found ${mds}`);
  assert.ok(pair.sim.net.stats.tooBig >= 3, "probes above the path MTU were dropped");
  assert.equal(pair.sim.net.stats.tooBig, pair.sim.net.stats.sent - pair.sim.net.stats.delivered);
  assert.ok(c.pmtud.probesSent > 3);
  // No random loss on this path: every loss was a probe, none is congestion.
  assert.equal((c.cc as unknown as { congestionEvents: number }).congestionEvents, 0);
  assert.equal(c.cc.ssthresh, Infinity);
  // The search ended below the ceiling: PMTU_RAISE_TIMER (RFC 8899 §5.1.1)
  // is one of the connection's timers (with the idle timer out of the way).
  pair.sim.runFor(5000);
  assert.equal(c.pmtud.state, PmtudState.SEARCH_COMPLETE);
  assert.ok(c.pmtud.raiseDeadline < Infinity);
  c.idleDeadline = Infinity;
  assert.equal(r.conn.nextTimeout(), c.pmtud.raiseDeadline);
});

Deno.test("sim pmtud: stays at the ceiling on a path that carries it, in one probe", () => {
  const pair = makePair(41, { delayMs: 10, bandwidth: 12_500_000 });
  const r = runTransfer(pair, 1 * MB, { transport: { maxDatagramSize: 4096 } });
  assert.ok(r.ok);
  assert.equal(r.conn.getStats().maxDatagramSize, 4096);
  assert.equal(coreOf(r.conn).pmtud.probesSent, 1);
  assert.equal(pair.sim.net.stats.tooBig, 0);
});

Deno.test("sim pmtud: never above the peer's max_udp_payload_size", () => {
  const pair = makePair(42, { delayMs: 10, bandwidth: 12_500_000 }, {
    transport: { maxUdpPayloadSize: 1350 },
  });
  const sizes = watchSizes(pair.client);
  const r = runTransfer(pair, 512 * 1024, { transport: { maxDatagramSize: 9000 } });
  assert.ok(r.ok);
  assert.equal(r.conn.getStats().maxDatagramSize, 1350);
  assert.equal(sizes.max, 1350);
});

Deno.test("sim pmtud: a black hole for large datagrams mid-transfer falls back and re-searches", () => {
  const pair = makePair(43, { delayMs: 10, bandwidth: 12_500_000 });
  let lowered = false;
  const r = runTransfer(pair, 4 * MB, {
    transport: { maxDatagramSize: 4000 },
    hook: (conn) => {
      // Once the search settled at 4000, the path starts dropping anything above 1300.
      if (!lowered && conn.getStats().maxDatagramSize === 4000 && conn.getStats().bytesSent > MB) {
        lowered = true;
        pair.sim.net.setLink(CLIENT, SERVER, { delayMs: 10, bandwidth: 12_500_000, mtu: 1300 });
      }
    },
  });
  assert.ok(lowered, "the search reached the ceiling first");
  assert.ok(r.ok, `received ${r.received} after the black hole`);
  const c = coreOf(r.conn);
  assert.ok(c.pmtud.blackHoles >= 1);
  const mds = r.conn.getStats().maxDatagramSize;
  assert.ok(mds <= 1300 && mds >= 1200, `settled at ${mds}`);
});

Deno.test("sim pmtud: a migrated client searches the new path from 1200 bytes (no black hole)", () => {
  const pair = makePair(44, { delayMs: 10, bandwidth: 12_500_000 });
  const CLIENT2 = { hostname: "10.0.0.3", port: 40000 };
  // The new network only carries 1300-byte datagrams.
  pair.sim.net.setLink(CLIENT2, SERVER, { delayMs: 10, bandwidth: 12_500_000, mtu: 1300 });
  let moved = false;
  const r = runTransfer(pair, 4 * MB, {
    transport: { maxDatagramSize: 4000 },
    hook: (conn) => {
      const s = conn.getStats();
      if (!moved && s.maxDatagramSize === 4000 && s.bytesSent > MB) {
        moved = true;
        pair.sim.rebind(CLIENT, CLIENT2);
        assert.equal(conn.onLocalAddressChanged(pair.sim.now), true);
      }
    },
  });
  assert.ok(moved, "the first path reached the ceiling");
  assert.ok(r.ok, `received ${r.received}`);
  pair.sim.runFor(3000); // Let the search on the new path finish.
  const c = coreOf(r.conn);
  const mds = r.conn.getStats().maxDatagramSize;
  assert.ok(mds <= 1300 && mds > 1300 - 16, `settled at ${mds}`);
  assert.equal(c.pmtud.blackHoles, 0, "found by probing, not by losing data");
});
