/**
 * Session resumption and 0-RTT over the simulated network (RFC 9001 §4.6,
 * RFC 9000 §7.4.1, §12.3, §17.2.3): tickets, early stream data, rejection
 * (policy, changed transport parameters), anti-replay, loss of the first flight.
 * @module
 */
import assert from "node:assert/strict";
import { Endpoint, type EndpointEvent } from "../../quic/proto/endpoint.ts";
import type { Connection } from "../../quic/proto/connection.ts";
import type { ServerTlsConfig, TransportConfig } from "../../quic/proto/config.ts";
import type { SessionTicket } from "../../crypto/tls/types.ts";
import { TicketKeyRing } from "../../crypto/tls/session_ticket.ts";
import { decodeTransportParameters } from "../../quic/proto/transport_params.ts";
import { CLIENT, devCert, makeClient, payload, SERVER, SIM_START } from "./fixtures.ts";
import { Prng, type SimAddr } from "./network.ts";
import { SimHarness } from "./harness.ts";

const TLS = { serverName: "localhost", alpnProtocols: ["test"], caCerts: [devCert().certDer] };

function serverTls(extra: Partial<ServerTlsConfig> = {}): ServerTlsConfig {
  const c = devCert();
  return {
    certificateChain: [c.certDer],
    privateKey: c.key,
    alpnProtocols: ["test"],
    ...extra,
  };
}

function makeServerEp(
  seed: number,
  tls: Partial<ServerTlsConfig>,
  transport?: TransportConfig,
): Endpoint {
  const rng = new Prng(seed);
  return new Endpoint({ random: (n) => rng.bytes(n), server: serverTls(tls), transport });
}

/** Endpoint wrapper recording every datagram the client sends. */
class Recorder {
  readonly sent: Uint8Array[] = [];
  constructor(readonly ep: Endpoint) {}
  handleDatagram(d: Uint8Array, r: SimAddr, now: number): void {
    this.ep.handleDatagram(d, r, now);
  }
  pollTransmit(now: number): { data: Uint8Array; remote: SimAddr } | undefined {
    const t = this.ep.pollTransmit(now);
    if (t) this.sent.push(t.data.slice());
    return t;
  }
  nextTimeout(): number | undefined {
    return this.ep.nextTimeout();
  }
  handleTimeout(now: number): void {
    this.ep.handleTimeout(now);
  }
}

interface World {
  sim: SimHarness;
  client: Endpoint;
  server: Endpoint;
  rec: Recorder;
}

function world(seed: number, server: Endpoint, link = {}): World {
  const sim = new SimHarness(seed, link, SIM_START);
  const client = makeClient(seed + 2);
  const rec = new Recorder(client);
  sim.add(SERVER, server);
  sim.add(CLIENT, rec);
  return { sim, client, server, rec };
}

/** Runs a full connection and returns the first ticket the client received. */
function getTicket(w: World): SessionTicket {
  const conn = w.client.connect(SERVER, { tls: TLS }, w.sim.now);
  let ticket: SessionTicket | undefined;
  const ok = w.sim.runUntil(() => {
    for (let e; (e = w.client.pollEvent());) {
      if (e.type === "connection" && e.event.type === "sessionTicket") {
        ticket ??= e.event.ticket as SessionTicket;
      }
    }
    while (w.server.pollEvent());
    return ticket !== undefined && conn.isHandshakeConfirmed;
  }, w.sim.now + 5000);
  assert.ok(ok, "no session ticket");
  assert.equal(conn.isResumed, false);
  conn.close(0, "done", true, w.sim.now);
  w.sim.runFor(2000);
  return ticket!;
}

interface EchoResult {
  conn: Connection;
  serverConn: Connection | undefined;
  echoed: Uint8Array;
  /** The server read early data before its handshake completed. */
  earlyRead: boolean;
  /** Bytes the server application read in total (replays would add more). */
  serverBytes: number;
  /** Code of the client's connectionClosed event, if any. */
  closeCode: number | undefined;
  ok: boolean;
}

/**
 * Resumes with `session`, opens a stream before the handshake completes,
 * writes `data` with FIN, and has the server echo it back.
 */
function resumeAndEcho(
  w: World,
  session: SessionTicket,
  data: Uint8Array,
  opts: { zeroRtt?: boolean; limitMs?: number; readServer?: boolean } = {},
): EchoResult {
  const { sim, client, server } = w;
  const conn = client.connect(
    SERVER,
    { tls: TLS, session, zeroRtt: opts.zeroRtt ?? true },
    sim.now,
  );
  const sid = conn.openStream(true);
  let written = 0;
  const pump = (id: number) => {
    while (written < data.length) {
      const n = conn.streamWrite(id, data.subarray(written));
      if (n === 0) return;
      written += n;
    }
    conn.streamFinish(id);
  };
  let id = sid;
  if (id !== undefined) pump(id);
  const chunks: Uint8Array[] = [];
  let done = false;
  let earlyRead = false;
  let serverBytes = 0;
  let serverConn: Connection | undefined;
  let closeCode: number | undefined;
  const echo = new Map<number, boolean>();
  const serverRead = (sc: Connection, sidS: number) => {
    for (;;) {
      const r = sc.streamRead(sidS, 1 << 20, sim.now);
      if (!r || (!r.data && !r.fin)) return;
      if (r.data) {
        if (!sc.isHandshakeComplete) earlyRead = true;
        serverBytes += r.data.length;
        sc.streamWrite(sidS, r.data);
      }
      if (r.fin && !echo.get(sidS)) {
        echo.set(sidS, true);
        sc.streamFinish(sidS);
      }
      if (!r.data) return;
    }
  };
  const ok = sim.runUntil(() => {
    for (let e: EndpointEvent | undefined; (e = client.pollEvent());) {
      if (e.type !== "connection") continue;
      const ev = e.event;
      if (ev.type === "connectionClosed" && e.conn === conn) closeCode = ev.code;
      if (ev.type === "handshakeCompleted" && id === undefined) {
        id = conn.openStream(true)!;
        pump(id);
      } else if (ev.type === "streamWritable" && id !== undefined) pump(id);
      else if (ev.type === "streamReadable" && ev.id === id) {
        for (;;) {
          const r = conn.streamRead(ev.id, 1 << 20, sim.now);
          if (!r || (!r.data && !r.fin)) break;
          if (r.data) chunks.push(r.data.slice());
          if (r.fin) done = true;
          if (!r.data) break;
        }
      }
    }
    for (let e: EndpointEvent | undefined; (e = server.pollEvent());) {
      if (e.type === "newConnection") serverConn = e.conn;
      else if (e.event.type === "streamReadable" && opts.readServer !== false) {
        serverRead(e.conn, e.event.id);
      }
    }
    return done || conn.isClosed;
  }, sim.now + (opts.limitMs ?? 20_000));
  let len = 0;
  for (const c of chunks) len += c.length;
  const echoed = new Uint8Array(len);
  len = 0;
  for (const c of chunks) {
    echoed.set(c, len);
    len += c.length;
  }
  return { conn, serverConn, echoed, earlyRead, serverBytes, closeCode, ok: ok && done };
}

Deno.test("sim 0-RTT: resumption without 0-RTT uses the PSK handshake", () => {
  const server = makeServerEp(11, {});
  const w = world(10, server);
  const ticket = getTicket(w);
  assert.equal(ticket.maxEarlyData, 0, "no early data offered without enableEarlyData");
  assert.equal(ticket.alpnProtocol, "test");
  // The ticket remembers the server's transport parameters (RFC 9000 §7.4.1).
  const tp = decodeTransportParameters(ticket.transportParameters!, "server");
  assert.equal(tp.initialMaxData, 16 * 1024 * 1024);
  const data = payload(3000, 3);
  const r = resumeAndEcho(w, ticket, data);
  assert.ok(r.ok, "echo did not complete");
  assert.equal(r.conn.isResumed, true);
  assert.equal(r.serverConn?.isResumed, true);
  assert.equal(r.conn.earlyDataStatus, "none");
  assert.equal(r.earlyRead, false);
  assert.deepEqual(r.echoed, data);
});

Deno.test("sim 0-RTT: accepted early data reaches the server before its handshake completes", () => {
  const server = makeServerEp(21, { enableEarlyData: true });
  const w = world(20, server);
  const ticket = getTicket(w);
  assert.equal(ticket.maxEarlyData, 0xffffffff); // RFC 9001 §4.6.1
  const data = payload(5000, 4);
  const r = resumeAndEcho(w, ticket, data);
  assert.ok(r.ok, "echo did not complete");
  assert.equal(r.conn.isResumed, true);
  assert.equal(r.conn.earlyDataStatus, "accepted");
  assert.equal(r.serverConn?.earlyDataStatus, "accepted");
  assert.ok(r.earlyRead, "server did not read early data before handshake completion");
  assert.deepEqual(r.echoed, data);
  assert.equal(r.serverBytes, data.length);
});

Deno.test("sim 0-RTT: rejected by server policy, data arrives in 1-RTT", () => {
  const ring = new TicketKeyRing({ random: (n) => new Prng(5).bytes(n) });
  const issuing = makeServerEp(31, { enableEarlyData: true, ticketKeys: ring });
  const w = world(30, issuing);
  const ticket = getTicket(w);
  // Same ticket keys (resumption works) but 0-RTT now off.
  const strict = makeServerEp(32, { enableEarlyData: false, ticketKeys: ring });
  w.sim.remove(SERVER);
  w.sim.add(SERVER, strict);
  w.server = strict;
  const data = payload(4000, 5);
  const r = resumeAndEcho(w, ticket, data);
  assert.ok(r.ok, "echo did not complete");
  assert.equal(r.conn.isResumed, true);
  assert.equal(r.conn.earlyDataStatus, "rejected");
  assert.equal(r.earlyRead, false);
  assert.deepEqual(r.echoed, data);
  assert.equal(r.serverBytes, data.length);
});

Deno.test("sim 0-RTT: rejected after the server changed its transport parameters", () => {
  const ring = new TicketKeyRing({ random: (n) => new Prng(6).bytes(n) });
  const issuing = makeServerEp(41, { enableEarlyData: true, ticketKeys: ring });
  const w = world(40, issuing);
  const ticket = getTicket(w);
  const changed = makeServerEp(42, { enableEarlyData: true, ticketKeys: ring }, {
    initialMaxData: 8 * 1024 * 1024,
  });
  w.sim.remove(SERVER);
  w.sim.add(SERVER, changed);
  w.server = changed;
  const data = payload(6000, 6);
  const r = resumeAndEcho(w, ticket, data);
  assert.ok(r.ok, "echo did not complete");
  assert.equal(r.conn.isResumed, true);
  assert.equal(r.conn.earlyDataStatus, "rejected");
  assert.deepEqual(r.echoed, data);
});

Deno.test("sim 0-RTT: a replayed first flight gets no early data through the anti-replay guard", () => {
  const server = makeServerEp(51, { enableEarlyData: true });
  const w = world(50, server);
  const ticket = getTicket(w);
  const data = payload(2000, 7);
  const before = w.rec.sent.length;
  const r = resumeAndEcho(w, ticket, data);
  assert.ok(r.ok);
  assert.equal(r.conn.earlyDataStatus, "accepted");
  const firstFlight = w.rec.sent.slice(before, before + 2);
  r.conn.close(0, "", true, w.sim.now);
  w.sim.runFor(3000);
  // An attacker replays the client's first datagrams (ClientHello + 0-RTT).
  let accepted = 0;
  let rejected = 0;
  let bytes = 0;
  while (w.server.pollEvent()); // the honest connection's events
  const replayed = new Set<Connection>();
  for (const d of firstFlight) w.server.handleDatagram(d.slice(), CLIENT, w.sim.now);
  for (let e; (e = w.server.pollEvent());) {
    if (e.type === "newConnection") replayed.add(e.conn);
    if (e.type !== "connection" || !replayed.has(e.conn)) continue;
    if (e.event.type === "streamReadable") {
      const got = e.conn.streamRead(e.event.id, 1 << 20, w.sim.now);
      bytes += got?.data?.length ?? 0;
    }
    if (e.conn.earlyDataStatus === "accepted") accepted++;
    if (e.conn.earlyDataStatus === "rejected") rejected++;
  }
  assert.equal(bytes, 0, "replayed early data was delivered");
  assert.equal(accepted, 0);
  assert.equal(replayed.size, 1, "the replayed ClientHello did not open a connection");
  assert.equal([...replayed][0].earlyDataStatus, "rejected");
  void rejected;
  // A second honest connection with the same ticket: resumption works, 0-RTT refused.
  w.sim.runFor(1000);
  const r2 = resumeAndEcho(w, ticket, data);
  assert.ok(r2.ok);
  assert.equal(r2.conn.isResumed, true);
  assert.equal(r2.conn.earlyDataStatus, "rejected");
  assert.deepEqual(r2.echoed, data);
});

Deno.test("sim 0-RTT: loss of the first flight (ClientHello + 0-RTT) recovers", () => {
  const server = makeServerEp(61, { enableEarlyData: true });
  const w = world(60, server);
  const ticket = getTicket(w);
  // Drop everything the client sends for the next 5 ms: its whole first flight.
  const t0 = w.sim.now;
  w.sim.net.setLink(CLIENT, SERVER, { blackholes: [[t0, t0 + 5]] });
  const data = payload(8000, 8);
  const r = resumeAndEcho(w, ticket, data, { limitMs: 30_000 });
  assert.ok(r.ok, "echo did not complete");
  assert.ok(w.sim.net.stats.blackholed >= 1, "first flight was not dropped");
  assert.equal(r.conn.isResumed, true);
  assert.equal(r.conn.earlyDataStatus, "accepted");
  // The early data was sent again in 0-RTT with the ClientHello probe.
  assert.ok(r.earlyRead, "early data did not arrive before handshake completion");
  assert.deepEqual(r.echoed, data);
  assert.equal(r.serverBytes, data.length);
});

Deno.test("sim 0-RTT: a server that accepts 0-RTT but lowers remembered limits is refused", () => {
  const ring = new TicketKeyRing({ random: (n) => new Prng(7).bytes(n) });
  // A fixed earlyDataContext lets the (misbehaving) server accept 0-RTT
  // although it lowered initial_max_data (RFC 9000 §7.4.1 forbids that).
  const ctx = Uint8Array.of(1, 2, 3);
  const issuing = makeServerEp(71, {
    enableEarlyData: true,
    ticketKeys: ring,
    earlyDataContext: ctx,
  });
  const w = world(70, issuing);
  const ticket = getTicket(w);
  const lowered = makeServerEp(72, {
    enableEarlyData: true,
    ticketKeys: ring,
    earlyDataContext: ctx,
  }, { initialMaxData: 1024 * 1024 });
  w.sim.remove(SERVER);
  w.sim.add(SERVER, lowered);
  w.server = lowered;
  const r = resumeAndEcho(w, ticket, payload(1000, 9), { limitMs: 5000 });
  assert.equal(r.ok, false);
  assert.equal(r.conn.earlyDataStatus, "accepted");
  assert.ok(r.conn.isClosed, "client did not close");
  assert.equal(r.closeCode, 0x0a); // PROTOCOL_VIOLATION
});
