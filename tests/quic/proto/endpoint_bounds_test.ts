/**
 * Resource bounds of the endpoint: its event buffering is bounded by the
 * connections' own queues when the application stops polling; one active
 * connection's datagram, transmit and timer calls do not walk idle
 * connections; and concurrent handshakes per source IP are capped
 * (`maxHandshakesPerAddress`).
 */
import assert from "node:assert/strict";
import {
  connect,
  type EstablishedPair,
  establishPair,
  makeClient,
  makePair,
  makeServer,
  SIM_START,
} from "../../sim/fixtures.ts";
import { Connection } from "../../../quic/proto/connection.ts";
import type { Endpoint } from "../../../quic/proto/endpoint.ts";
import type { SocketAddr } from "../../../quic/proto/config.ts";

function establish(seed: number, transport = {}): EstablishedPair {
  return establishPair(seed, transport);
}

Deno.test("endpoint bounds: an application that stops polling buffers at most the connection's DATAGRAM queue", () => {
  const cap = 16;
  const p = establish(501, { maxDatagramFrameSize: 1200, datagramQueueLength: cap });
  // The server application never calls pollEvent while 500 DATAGRAMs arrive.
  for (let i = 0; i < 500; i++) {
    assert.ok(p.clientConn.sendDatagram(new Uint8Array([i & 0xff, i >> 8])));
    if (i % 8 === 7) p.sim.runFor(5);
  }
  p.sim.runFor(500);
  let datagrams = 0;
  let other = 0;
  for (let e; (e = p.server.pollEvent());) {
    if (e.type === "connection" && e.event.type === "datagramReceived") datagrams++;
    else other++;
  }
  // Before: the endpoint copied every event out of the connection (which
  // reset the connection's own cap), so all ~500 were buffered.
  assert.ok(datagrams > 0 && datagrams <= cap, `buffered ${datagrams} DATAGRAM events`);
  assert.ok(other < 8, `other events ${other}`);
  // Delivery resumes once the application polls again.
  p.clientConn.sendDatagram(new Uint8Array([7]));
  p.sim.runFor(100);
  let after = 0;
  for (let e; (e = p.server.pollEvent());) {
    if (e.type === "connection" && e.event.type === "datagramReceived") after++;
  }
  assert.equal(after, 1);
});

/** Counts calls of a Connection method while `f` runs. */
function countCalls(name: "pollTransmit" | "nextTimeout" | "handleTimeout", f: () => void): number {
  const proto = Connection.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const orig = proto[name];
  let n = 0;
  proto[name] = function (this: unknown, ...a: unknown[]) {
    n++;
    return orig.apply(this, a);
  };
  try {
    f();
  } finally {
    proto[name] = orig;
  }
  return n;
}

Deno.test("endpoint bounds: an active connection's calls do not walk 2,000 idle connections", () => {
  const p = establish(502);
  // 2,000 idle client connections (Initials sent to a black hole, waiting for PTO).
  const idle = { hostname: "10.9.9.9", port: 9 };
  for (let i = 0; i < 2000; i++) {
    p.client.connect(idle, { tls: { serverName: "x", alpnProtocols: ["test"] } }, p.sim.now);
  }
  for (let t; (t = p.client.pollTransmit(p.sim.now));) void t;
  assert.equal(p.client.connectionCount, 2001);
  p.client.nextTimeout(); // settles the timer heap
  const now = p.sim.now;
  const polls = countCalls("pollTransmit", () => {
    for (let i = 0; i < 50; i++) {
      p.clientConn.ping();
      let sent = 0;
      while (p.client.pollTransmit(now)) sent++;
      assert.equal(sent, 1);
    }
  });
  // One call that sends and one that finds nothing, per round.
  assert.ok(polls <= 100, `Connection.pollTransmit called ${polls} times`);
  const timers = countCalls("nextTimeout", () => {
    for (let i = 0; i < 50; i++) p.client.nextTimeout();
  });
  assert.ok(timers <= 50, `Connection.nextTimeout called ${timers} times`);
  // The idle connections' PTO all fire at once: handleTimeout visits those due only.
  const fired = countCalls("handleTimeout", () => p.client.handleTimeout(now + 1));
  assert.equal(fired, 0);
  const deadline = p.client.nextTimeout()!;
  const due = countCalls("handleTimeout", () => p.client.handleTimeout(deadline));
  assert.ok(due >= 1 && due <= 2001, `${due}`);
});

Deno.test("endpoint bounds: maxHandshakesPerAddress caps concurrent handshakes per IP (any port)", () => {
  const server = makeServer(503, { maxHandshakesPerAddress: 3 });
  const now = SIM_START;
  const firstFlight = (seed: number): Uint8Array => {
    const c = makeClient(seed);
    connect(c, now);
    return c.pollTransmit(now)!.data.slice();
  };
  const from = (hostname: string, port: number): SocketAddr => ({ hostname, port });
  for (let i = 0; i < 5; i++) {
    server.handleDatagram(firstFlight(600 + i), from("10.1.1.1", 1000 + i), now);
  }
  assert.equal(server.connectionCount, 3);
  assert.equal(server.stats.refused, 2);
  // Another address is not affected.
  server.handleDatagram(firstFlight(700), from("10.1.1.2", 1000), now);
  assert.equal(server.connectionCount, 4);
  // A slot frees when a handshake ends (here: the connection is closed and gone).
  const conns = [...server.connections];
  const victim = conns.find((c) => c.remoteAddress.hostname === "10.1.1.1")!;
  victim.close(0, "", false, now);
  for (let t; (t = server.pollTransmit(now));) void t;
  server.handleTimeout(server.nextTimeout()! + 60_000);
  assert.ok(!server.has(victim));
  server.handleDatagram(firstFlight(800), from("10.1.1.1", 2000), now + 60_001);
  assert.equal(server.stats.refused, 2);
  assert.ok([...server.connections].some((c) => c.remoteAddress.port === 2000));
});

Deno.test("endpoint bounds: a completed handshake frees its address's slot", () => {
  const p = makePair(504, {}, { maxHandshakesPerAddress: 1 });
  const a = connect(p.client, p.sim.now);
  p.sim.runUntil(() => a.isHandshakeConfirmed, p.sim.now + 10_000);
  assert.ok(a.isHandshakeConfirmed);
  // Same client IP and port range: a second connection is accepted once the first completed.
  const b = connect(p.client, p.sim.now);
  p.sim.runUntil(() => b.isHandshakeConfirmed, p.sim.now + 10_000);
  assert.ok(b.isHandshakeConfirmed);
  assert.equal(p.server.stats.refused, 0);
  drain(p.server);
});

function drain(ep: Endpoint): void {
  while (ep.pollEvent());
}
