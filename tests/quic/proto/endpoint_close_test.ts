/**
 * `Endpoint.close()` on a server whose connections are already closing (or
 * draining): every connection reaches `terminated` within its closing period
 * (3 × PTO, RFC 9000 §10.2), and never later than 1 s after the endpoint
 * closed, even before any RTT sample (the initial PTO alone is ≈ 1 s, RFC 9002
 * §6.2.2, so 3 × PTO outlasted the driver's 3 s fallback).
 */
import assert from "node:assert/strict";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import type { Connection } from "../../../quic/proto/connection.ts";
import type { Endpoint } from "../../../quic/proto/endpoint.ts";
import { SimHarness } from "../../sim/harness.ts";
import { connect, makeClient, makeServer, SERVER, SIM_START } from "../../sim/fixtures.ts";

interface World {
  sim: SimHarness;
  server: Endpoint;
  clients: Endpoint[];
  serverConns: Connection[];
  terminated: Map<Connection, number>;
}

function pollAll(w: World): void {
  for (let e; (e = w.server.pollEvent());) {
    if (e.type === "newConnection") w.serverConns.push(e.conn);
    else if (e.event.type === "terminated") w.terminated.set(e.conn, w.sim.now);
  }
  for (const c of w.clients) while (c.pollEvent());
}

/** `n` clients connecting to one server; runs until `ready` holds. */
function world(seed: number, n: number, ready: (w: World, conns: Connection[]) => boolean): World {
  const sim = new SimHarness(seed, { delayMs: 10 }, SIM_START);
  const server = makeServer(seed + 1);
  sim.add(SERVER, server);
  const w: World = { sim, server, clients: [], serverConns: [], terminated: new Map() };
  for (let i = 0; i < n; i++) {
    const c = makeClient(seed + 10 + i);
    sim.add({ hostname: `10.0.1.${i + 1}`, port: 40000 + i }, c);
    w.clients.push(c);
  }
  const conns = w.clients.map((c) => connect(c, sim.now));
  const ok = sim.runUntil(() => {
    pollAll(w);
    return w.serverConns.length === n && ready(w, conns);
  }, SIM_START + 10_000);
  assert.ok(ok, "setup reached");
  return w;
}

/** Closes the endpoint and runs until every server connection terminated. */
function closeAndRun(w: World): number {
  const closeAt = w.sim.now;
  w.server.close(0, "shutdown", closeAt);
  w.sim.runUntil(() => {
    pollAll(w);
    return w.terminated.size === w.serverConns.length;
  }, closeAt + 10_000);
  pollAll(w);
  assert.equal(w.terminated.size, w.serverConns.length, "every connection terminated");
  for (const c of w.serverConns) assert.ok(c.isTerminated);
  assert.equal(w.server.connectionCount, 0);
  assert.equal(w.server.nextTimeout(), undefined);
  return closeAt;
}

function closePeriod(c: Connection): number {
  const k = coreOf(c);
  return 3 * k.rtt.ptoPeriod(k.peerMaxAckDelay);
}

for (const peerReplied of [false, true]) {
  Deno.test(
    `endpoint close: established connections closing${
      peerReplied ? " (peer answered)" : ""
    } terminate within 3×PTO`,
    () => {
      const w = world(
        100 + Number(peerReplied),
        4,
        (w, conns) =>
          w.serverConns.every((c) => c.isHandshakeConfirmed) &&
          conns.every((c) => c.isHandshakeConfirmed),
      );
      const { sim, serverConns } = w;
      serverConns[0].close(1, "bye", true, sim.now);
      serverConns[2].close(2, "bye", true, sim.now);
      if (peerReplied) sim.runFor(15); // the clients got CONNECTION_CLOSE: draining
      const bound = Math.max(...serverConns.map(closePeriod));
      const closeAt = closeAndRun(w);
      for (const [c, t] of w.terminated) {
        assert.ok(t - closeAt <= bound, `conn ${c.handle}: ${t - closeAt} ms (bound ${bound})`);
      }
    },
  );
}

Deno.test("endpoint close: connections refused before any RTT sample end within 1 s, not 3×PTO", () => {
  // The server has sent its first flight; the clients' Finished is in flight.
  const w = world(300, 3, (w) => w.serverConns.every((c) => coreOf(c).rtt.minRtt === 0));
  const { sim, serverConns } = w;
  assert.ok(serverConns.every((c) => !c.isHandshakeComplete));
  // Like a listener stopping with a backlog: CONNECTION_REFUSED (0x2).
  serverConns[0].close(0x2, "refused", false, sim.now);
  serverConns[1].close(0x2, "refused", false, sim.now);
  // The initial PTO makes the regular closing period ≈ 3 s (RFC 9002 §6.2.2).
  assert.ok(closePeriod(serverConns[0]) > 2900, `period ${closePeriod(serverConns[0])}`);
  const closeAt = closeAndRun(w);
  for (const [c, t] of w.terminated) {
    assert.ok(t - closeAt <= 1000, `conn ${c.handle}: ${t - closeAt} ms after close`);
  }
});
