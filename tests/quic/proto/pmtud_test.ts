import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BASE_PLPMTU,
  isLoopbackAddress,
  MAX_PROBES,
  Pmtud,
  PmtudState,
} from "../../../quic/proto/pmtud.ts";

/** Runs a search against a path carrying datagrams up to `pathMtu`; returns the result. */
function search(p: Pmtud, ceiling: number, pathMtu: number): { mtu: number; probes: number } {
  p.start(ceiling, 0);
  let pn = 0;
  let now = 0;
  for (let i = 0; i < 500 && p.state === PmtudState.SEARCHING; i++) {
    const size = p.probeSize(now);
    assert.ok(size > 0 && size <= ceiling, `probe ${size} within the ceiling ${ceiling}`);
    p.onProbeSent(pn, size, now, 100);
    if (size <= pathMtu) p.onPacketAcked(pn, size, now);
    else p.onPacketLost(pn, size, now);
    pn++;
    now += 10;
  }
  return { mtu: p.mtu, probes: p.probesSent };
}

Deno.test("pmtud: the first probe is at the ceiling; success ends the search", () => {
  const p = new Pmtud();
  assert.equal(p.mtu, BASE_PLPMTU);
  assert.equal(p.probeSize(0), 0, "no probe before start");
  const r = search(p, 16384, 65527);
  assert.deepEqual(r, { mtu: 16384, probes: 1 });
  assert.equal(p.state, PmtudState.SEARCH_COMPLETE);
  assert.equal(p.probeSize(1000), 0);
});

Deno.test("pmtud: binary search finds the path MTU within the granularity, each size tried MAX_PROBES times", () => {
  const p = new Pmtud();
  const r = search(p, 16384, 1472);
  assert.ok(r.mtu <= 1472 && r.mtu > 1472 - 16, `found ${r.mtu}`);
  assert.ok(r.probes >= MAX_PROBES + 1);
});

Deno.test("pmtud: any path MTU and ceiling — never above either, never below the base", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1200, max: 65527 }),
      fc.integer({ min: 1200, max: 65527 }),
      (ceiling, path) => {
        const p = new Pmtud();
        const r = search(p, ceiling, path);
        assert.ok(r.mtu >= BASE_PLPMTU);
        assert.ok(r.mtu <= Math.min(ceiling, Math.max(path, BASE_PLPMTU)));
        if (path >= ceiling) assert.equal(r.mtu, ceiling);
        else assert.ok(r.mtu > path - 16 || path < BASE_PLPMTU + 16);
      },
    ),
    { seed: 4, numRuns: 200 },
  );
});

Deno.test("pmtud: a probe that is never acknowledged times out as lost", () => {
  const p = new Pmtud();
  p.start(1452, 0);
  for (let i = 0; i < MAX_PROBES; i++) {
    const size = p.probeSize(i * 1000);
    assert.equal(size, 1452);
    p.onProbeSent(i, size, i * 1000, 500);
    assert.equal(p.probeSize(i * 1000 + 499), 0, "waits while the probe is outstanding");
  }
  const next = p.probeSize(MAX_PROBES * 1000);
  assert.ok(next > 1200 && next < 1452, `bisects after ${MAX_PROBES} timeouts: ${next}`);
});

Deno.test("pmtud: black hole after three large losses with no large ack since", () => {
  const p = new Pmtud();
  search(p, 1452, 1452);
  assert.equal(p.mtu, 1452);
  p.onPacketAcked(10, 1452);
  // Losses below the last acknowledged large packet (a burst) do not count.
  for (let pn = 5; pn < 10; pn++) assert.equal(p.onPacketLost(pn, 1452), false);
  assert.equal(p.onPacketLost(11, 1452), false);
  assert.equal(p.onPacketLost(12, 800), false, "small packets say nothing");
  assert.equal(p.onPacketLost(13, 1452), false);
  assert.equal(p.onPacketLost(14, 1452), true);
  assert.equal(p.mtu, BASE_PLPMTU);
  assert.equal(p.blackHoles, 1);
  // The search restarts below the size that failed.
  const size = p.probeSize(0);
  assert.ok(size > 1200 && size < 1452, `re-probe at ${size}`);
});

Deno.test("pmtud: a large acknowledgement resets the black hole count", () => {
  const p = new Pmtud();
  search(p, 1452, 1452);
  p.onPacketLost(20, 1452);
  p.onPacketLost(21, 1452);
  p.onPacketAcked(22, 1452);
  assert.equal(p.onPacketLost(23, 1452), false);
  assert.equal(p.onPacketLost(24, 1452), false);
  assert.equal(p.mtu, 1452);
});

Deno.test("pmtud: two PTOs in a row above the base fall back; at the base they do not", () => {
  const p = new Pmtud();
  assert.equal(p.onPto(5), false);
  search(p, 9000, 9000);
  assert.equal(p.onPto(1), false);
  assert.equal(p.onPto(2), true);
  assert.equal(p.mtu, BASE_PLPMTU);
});

Deno.test("pmtud: the raise timer restarts a search that ended below the ceiling", () => {
  const p = new Pmtud();
  const r = search(p, 9000, 1500);
  assert.ok(r.mtu < 9000);
  assert.equal(p.probeSize(1_000), 0);
  assert.equal(p.probeSize(700_000), 9000);
});

Deno.test("pmtud: loopback addresses", () => {
  for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "localhost"]) {
    assert.equal(isLoopbackAddress(a), true, a);
  }
  for (const a of ["10.0.0.1", "::", "192.168.1.1", "fe80::1", "128.0.0.1"]) {
    assert.equal(isLoopbackAddress(a), false, a);
  }
});

Deno.test("pmtud: probeDeadline is the timer; onTimeout declares the probe lost", () => {
  const p = new Pmtud();
  p.start(1452, 0);
  assert.equal(p.probeDeadline, Infinity);
  p.onProbeSent(3, p.probeSize(0), 0, 250);
  assert.equal(p.probeDeadline, 250);
  p.onTimeout(249);
  assert.equal(p.probing, true);
  p.onTimeout(250);
  assert.equal(p.probing, false);
  assert.equal(p.probeDeadline, Infinity);
  assert.equal(p.probeSize(251), 1452, "second attempt at the same size");
});

Deno.test("pmtud: restart on a new path goes back to the base and searches again", () => {
  const p = new Pmtud();
  assert.equal(p.restart(0, 0), false, "nothing to reset before the search");
  assert.equal(p.state, PmtudState.BASE);
  search(p, 9000, 9000);
  assert.equal(p.mtu, 9000);
  assert.equal(p.restart(10, 100), true);
  assert.equal(p.mtu, BASE_PLPMTU);
  assert.equal(p.probeSize(10), 9000);
  // Losses of packets sent on the old path (pn < 100) are no black hole.
  p.onProbeSent(100, 9000, 10, 100);
  p.onPacketAcked(100, 9000);
  for (let pn = 90; pn < 99; pn++) assert.equal(p.onPacketLost(pn, 9000), false);
  assert.equal(p.mtu, 9000);
});

Deno.test("pmtud: the raise timer is a timer (nextTimeout) and onTimeout restarts the search", () => {
  const p = new Pmtud();
  assert.equal(p.nextTimeout, Infinity, "nothing scheduled before the search");
  search(p, 9000, 1500); // Ends below the ceiling at now = last probe time.
  assert.equal(p.state, PmtudState.SEARCH_COMPLETE);
  const at = p.raiseDeadline;
  assert.ok(at > 600_000 - 1 && at < 600_000 + 10_000, `raise at ${at}`);
  assert.equal(p.nextTimeout, at);
  p.onTimeout(at - 1);
  assert.equal(p.state, PmtudState.SEARCH_COMPLETE, "not before the deadline");
  p.onTimeout(at);
  assert.equal(p.state, PmtudState.SEARCHING);
  assert.equal(p.nextTimeout, Infinity, "no past deadline left behind to spin on");
  assert.equal(p.probeSize(at), 9000, "the ceiling is tried again first");
  // A search that reached the ceiling schedules no raise.
  const q = new Pmtud();
  search(q, 9000, 9000);
  assert.equal(q.raiseDeadline, Infinity);
});
