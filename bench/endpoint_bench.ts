/**
 * Endpoint scaling with idle connections (sans-IO, no sockets): the cost of
 * one active connection's round (client `pollTransmit` → server
 * `handleDatagram` → server `pollTransmit`, plus `nextTimeout` and a
 * `handleTimeout` with nothing due) next to 1,000 vs 10,000 idle
 * connections on each endpoint (client connections waiting for their
 * Initial's PTO, server connections half-way through the handshake). The
 * two groups should show the same time per round: every endpoint call works
 * in proportion to the connections that have work, not to all of them.
 * Run with `deno bench -A bench/endpoint_bench.ts`.
 * @module
 */
import { Endpoint } from "../quic/proto/endpoint.ts";
import type { Connection } from "../quic/proto/connection.ts";
import { createCertificate } from "../crypto/cert_builder.ts";

const T0 = Date.UTC(2026, 0, 1);
const cert = createCertificate({
  subject: "localhost",
  keyType: "ed25519",
  sanDns: ["localhost"],
  notBefore: T0 - 86_400_000,
  notAfter: T0 + 30 * 86_400_000,
});
const SERVER = { hostname: "10.0.0.1", port: 443 };
const CLIENT = { hostname: "10.0.0.2", port: 50000 };

/** Deterministic randomness (benchmarks need no real entropy). */
function prng(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

const tls = { serverName: "localhost", alpnProtocols: ["b"], caCerts: [cert.certDer] };

interface World {
  client: Endpoint;
  server: Endpoint;
  conn: Connection;
  now: number;
}

function setup(idle: number): World {
  const limits = { maxHandshakes: 1e6, retryUnderLoad: 1e6, maxHandshakesPerAddress: 1e6 };
  const server = new Endpoint({
    random: prng(1),
    maxConnections: 1e6,
    ...limits,
    server: { certificateChain: [cert.certDer], privateKey: cert.key, alpnProtocols: ["b"] },
  });
  const client = new Endpoint({ random: prng(2) });
  let now = T0;
  const conn = client.connect(SERVER, { tls }, now);
  // Handshake by hand (no loss, no delay).
  for (let i = 0; i < 50 && !conn.isHandshakeConfirmed; i++) {
    now += 1;
    for (let t; (t = client.pollTransmit(now));) server.handleDatagram(t.data.slice(), CLIENT, now);
    for (let t; (t = server.pollTransmit(now));) client.handleDatagram(t.data.slice(), SERVER, now);
  }
  if (!conn.isHandshakeConfirmed) throw new Error("handshake failed");
  // Idle client connections: Initials sent into a black hole.
  const hole = { hostname: "10.9.9.9", port: 9 };
  for (let i = 0; i < idle; i++) client.connect(hole, { tls }, now);
  for (let t; (t = client.pollTransmit(now));) void t;
  // Idle server connections: a half-finished handshake each (the server
  // flight sent, the client never answers).
  const other = new Endpoint({ random: prng(3) });
  for (let i = 0; i < idle; i++) {
    other.connect(SERVER, { tls }, now);
    const t = other.pollTransmit(now)!;
    server.handleDatagram(
      t.data.slice(),
      { hostname: `10.1.${i >> 8}.${i & 255}`, port: 4000 },
      now,
    );
  }
  for (let t; (t = server.pollTransmit(now));) void t;
  while (server.pollEvent());
  while (client.pollEvent());
  if (server.connectionCount !== idle + 1 || client.connectionCount !== idle + 1) {
    throw new Error(`setup: ${server.connectionCount} / ${client.connectionCount}`);
  }
  return { client, server, conn, now };
}

/** One round of the active connection; `now` stays before any idle PTO. */
function round(w: World): void {
  w.conn.ping();
  for (let t; (t = w.client.pollTransmit(w.now));) w.server.handleDatagram(t.data, CLIENT, w.now);
  for (let t; (t = w.server.pollTransmit(w.now));) w.client.handleDatagram(t.data, SERVER, w.now);
  w.server.nextTimeout();
  w.client.nextTimeout();
  w.server.handleTimeout(w.now);
  w.client.handleTimeout(w.now);
  while (w.server.pollEvent());
  while (w.client.pollEvent());
}

for (const idle of [1_000, 10_000]) {
  const t0 = performance.now();
  const w = setup(idle);
  console.log(
    `setup with ${idle} idle connections per endpoint: ${(performance.now() - t0).toFixed(0)} ms`,
  );
  Deno.bench({
    name: `active round, ${idle} idle connections`,
    group: "endpoint",
    baseline: idle === 1_000,
    fn: () => round(w),
  });
}
