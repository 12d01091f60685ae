/**
 * Connection-level scenarios of issue 4 over the simulated network: many
 * streams, many connections, idle timeout, stateless reset, Retry, Version
 * Negotiation, zero-length client connection IDs, a ClientHello split over
 * two reordered Initial packets, and application close codes.
 */
import assert from "node:assert/strict";
import {
  CLIENT,
  connect,
  devCert,
  makeClient,
  makePair,
  makeServer,
  payload,
  runTransfer,
  SERVER,
} from "./fixtures.ts";
import { SimHarness } from "./harness.ts";
import type { Connection } from "../../quic/proto/connection.ts";
import type { ConnectionEvent } from "../../quic/proto/events.ts";
import type { Endpoint } from "../../quic/proto/endpoint.ts";
import { QUIC_V2 } from "../../quic/proto/version.ts";
import { NamedGroup } from "../../crypto/tls/types.ts";

/** Collects every connection event of the given endpoints. */
function collect(...eps: Endpoint[]): Array<{ conn: Connection; event: ConnectionEvent }> {
  const out: Array<{ conn: Connection; event: ConnectionEvent }> = [];
  for (const ep of eps) {
    for (let e; (e = ep.pollEvent());) if (e.type === "connection") out.push(e);
  }
  return out;
}

Deno.test("sim: 1000 concurrent streams on one connection, echoed byte-exact", () => {
  const { sim, client, server } = makePair(20, { delayMs: 10, loss: 0.01 }, {
    transport: { initialMaxStreamsBidi: 1000 },
  });
  const conn = connect(client, sim.now);
  const N = 1000, SIZE = 3000;
  const echoed = new Map<number, number[]>();
  const sent = new Map<number, Uint8Array>();
  let opened = false;
  let finished = 0;
  const serverBufs = new Map<number, number[]>();
  const ok = sim.runUntil(() => {
    for (const { conn: c, event: e } of collect(client, server)) {
      if (c === conn) {
        if (e.type === "handshakeCompleted" && !opened) {
          opened = true;
          for (let i = 0; i < N; i++) {
            const id = conn.openStream(true);
            assert.notEqual(id, undefined, `stream ${i} refused`);
            const d = payload(SIZE, i + 1);
            sent.set(id!, d);
            assert.equal(conn.streamWrite(id!, d, true), SIZE);
          }
        } else if (e.type === "streamReadable") {
          for (;;) {
            const r = conn.streamRead(e.id, 65536, sim.now);
            if (!r) break;
            if (r.data) {
              const arr = echoed.get(e.id) ?? [];
              arr.push(...r.data);
              echoed.set(e.id, arr);
            }
            if (r.fin) {
              finished++;
              break;
            }
            if (!r.data) break;
          }
        }
      } else if (e.type === "streamReadable") {
        // Server: echo everything back, FIN when the request ended.
        for (;;) {
          const r = c.streamRead(e.id, 65536, sim.now);
          if (!r) break;
          if (r.data) {
            const buf = serverBufs.get(e.id) ?? [];
            buf.push(...r.data);
            serverBufs.set(e.id, buf);
          }
          if (r.fin) {
            const all = Uint8Array.from(serverBufs.get(e.id)!);
            assert.equal(c.streamWrite(e.id, all, true), all.length);
            break;
          }
          if (!r.data) break;
        }
      }
    }
    return finished === N;
  }, sim.now + 60_000);
  assert.ok(ok, `only ${finished} of ${N} streams echoed`);
  for (const [id, d] of sent) assert.deepEqual(Uint8Array.from(echoed.get(id)!), d, `stream ${id}`);
  console.log(`1000 streams: ${(sim.now - 1767225600000).toFixed(0)} virtual ms`);
});

Deno.test("sim: 100 connections to one server endpoint", () => {
  const sim = new SimHarness(21, { delayMs: 5, loss: 0.01 }, Date.UTC(2026, 0, 1));
  const server = makeServer(22, { transport: {} });
  sim.add(SERVER, server);
  const clients: Endpoint[] = [];
  const conns: Connection[] = [];
  for (let i = 0; i < 10; i++) {
    const ep = makeClient(100 + i);
    clients.push(ep);
    sim.add({ hostname: `10.0.1.${i}`, port: 40000 }, ep);
    for (let j = 0; j < 10; j++) conns.push(connect(ep, sim.now));
  }
  const SIZE = 20_000;
  const got = new Map<Connection, number>();
  let done = 0;
  const ok = sim.runUntil(() => {
    for (const { conn, event } of collect(...clients, server)) {
      if (event.type === "handshakeCompleted" && !conn.isServer) {
        const id = conn.openStream(false)!;
        assert.equal(conn.streamWrite(id, payload(SIZE, conn.handle), true), SIZE);
      } else if (event.type === "streamReadable" && conn.isServer) {
        for (;;) {
          const r = conn.streamRead(event.id, 65536, sim.now);
          if (!r) break;
          if (r.data) got.set(conn, (got.get(conn) ?? 0) + r.data.length);
          if (r.fin) {
            done++;
            break;
          }
          if (!r.data) break;
        }
      }
    }
    return done === 100;
  }, sim.now + 60_000);
  assert.ok(ok, `${done} of 100 uploads finished`);
  assert.equal(server.connectionCount, 100);
  for (const v of got.values()) assert.equal(v, SIZE);
});

Deno.test("sim: idle timeout closes both sides silently", () => {
  const { sim, client, server } = makePair(23, { delayMs: 10 }, {
    transport: { maxIdleTimeout: 5000 },
  });
  const conn = connect(client, sim.now, { maxIdleTimeout: 3000 });
  const start = sim.now;
  assert.ok(sim.runUntil(() => conn.isHandshakeConfirmed, start + 2000));
  const events: ConnectionEvent[] = [];
  sim.runUntil(() => {
    for (const e of collect(client, server)) events.push(e.event);
    return client.connectionCount === 0 && server.connectionCount === 0;
  }, start + 20_000);
  const closes = events.filter((e) => e.type === "connectionClosed");
  assert.equal(closes.length, 2);
  for (const e of closes) assert.equal(e.type === "connectionClosed" && e.kind, "idleTimeout");
  // The effective timeout is the smaller one (3 s), counted from the last activity.
  assert.ok(sim.now - start >= 3000 && sim.now - start < 4000, `closed after ${sim.now - start}`);
  assert.equal(sim.net.inFlight, 0);
});

Deno.test("sim: stateless reset after the server loses its state", () => {
  const key = new Uint8Array(32).fill(9);
  const { sim, client, server } = makePair(24, { delayMs: 10 }, { statelessResetKey: key });
  const conn = connect(client, sim.now);
  assert.ok(sim.runUntil(() => conn.isHandshakeConfirmed, sim.now + 2000));
  collect(client, server);
  // The server restarts with the same static key and no connections.
  const fresh = makeServer(99, { statelessResetKey: key });
  sim.remove(SERVER);
  sim.add(SERVER, fresh);
  const id = conn.openStream(true)!;
  conn.streamWrite(id, payload(5000), true);
  let reset: ConnectionEvent | undefined;
  sim.runUntil(() => {
    for (const e of collect(client)) if (e.event.type === "connectionClosed") reset = e.event;
    return reset !== undefined;
  }, sim.now + 5000);
  assert.ok(reset, "no close event");
  assert.equal(reset.type === "connectionClosed" && reset.kind, "statelessReset");
  assert.ok(fresh.stats.statelessResetsSent >= 1);
  // Draining, then gone.
  sim.runUntil(() => client.connectionCount === 0, sim.now + 5000);
  assert.equal(client.connectionCount, 0);
});

Deno.test("sim: server Retry is followed (token echoed, CIDs authenticated)", () => {
  const pair = makePair(25, { delayMs: 10 }, { retry: true });
  const r = runTransfer(pair, 100_000);
  assert.ok(r.ok);
  assert.equal(pair.server.stats.retrySent, 1);
  assert.equal(pair.server.stats.accepted, 1);
});

Deno.test("sim: Version Negotiation when the server lacks the client's version", () => {
  const { sim, client, server } = makePair(26, { delayMs: 10 }, {
    supportedVersions: [QUIC_V2],
  });
  connect(client, sim.now);
  let closed: ConnectionEvent | undefined;
  sim.runUntil(() => {
    for (const e of collect(client)) if (e.event.type === "connectionClosed") closed = e.event;
    return closed !== undefined;
  }, sim.now + 2000);
  assert.equal(server.stats.versionNegotiationSent, 1);
  assert.equal(closed?.type === "connectionClosed" && closed.kind, "versionNegotiation");
  assert.equal(server.connectionCount, 0);
});

Deno.test("sim: QUIC v2 handshake and transfer", () => {
  const pair = makePair(27, { delayMs: 10 });
  const conn = pair.client.connect(SERVER, {
    tls: { serverName: "localhost", alpnProtocols: ["test"], caCerts: [devCert().certDer] },
    version: QUIC_V2,
  }, pair.sim.now);
  assert.ok(pair.sim.runUntil(() => conn.isHandshakeConfirmed, pair.sim.now + 2000));
  assert.equal(conn.version, QUIC_V2);
});

Deno.test("sim: zero-length client connection IDs (as Chromium uses)", () => {
  const pair = makePair(28, { delayMs: 10, loss: 0.02 }, {}, { connectionIdLength: 0 });
  const r = runTransfer(pair, 300_000);
  assert.ok(r.ok, `received ${r.received}`);
});

Deno.test("sim: ClientHello split over two Initial packets delivered in reverse order", () => {
  const server = makeServer(30);
  const client = makeClient(31);
  const sim = new SimHarness(32, { delayMs: 10 }, Date.UTC(2026, 0, 1));
  const conn = client.connect(SERVER, {
    tls: {
      serverName: "localhost",
      alpnProtocols: ["test"],
      caCerts: [devCert().certDer],
      groups: [NamedGroup.X25519MLKEM768, NamedGroup.x25519],
      keyShareGroups: [NamedGroup.X25519MLKEM768],
    },
  }, sim.now);
  const first = client.pollTransmit(sim.now)!.data.slice();
  const second = client.pollTransmit(sim.now)?.data.slice();
  assert.ok(second, "ClientHello fit in one datagram");
  assert.equal(first.length, 1200);
  assert.equal(second.length, 1200);
  server.handleDatagram(second, CLIENT, sim.now);
  server.handleDatagram(first, CLIENT, sim.now);
  sim.add(SERVER, server);
  sim.add(CLIENT, client);
  assert.ok(sim.runUntil(() => conn.isHandshakeConfirmed, sim.now + 3000));
});

Deno.test("sim: application close code and reason reach the peer", () => {
  const { sim, client, server } = makePair(33, { delayMs: 10 });
  const conn = connect(client, sim.now);
  assert.ok(sim.runUntil(() => conn.isHandshakeConfirmed, sim.now + 2000));
  collect(client, server);
  conn.close(0x42, "bye now", true, sim.now);
  let peer: ConnectionEvent | undefined;
  sim.runUntil(() => {
    for (const e of collect(server)) if (e.event.type === "connectionClosed") peer = e.event;
    return peer !== undefined;
  }, sim.now + 2000);
  assert.deepEqual(peer, {
    type: "connectionClosed",
    code: 0x42,
    reason: "bye now",
    isApplication: true,
    byPeer: true,
    kind: "close",
  });
  sim.runUntil(() => client.connectionCount === 0 && server.connectionCount === 0, sim.now + 5000);
  assert.equal(client.connectionCount + server.connectionCount, 0);
});
