/**
 * Shared fixtures for the simulation tests: a development certificate (made
 * once per process), deterministic endpoints, and a bulk-transfer driver.
 * @module
 */
import { createCertificate, type IssuedCertificate } from "../../crypto/cert_builder.ts";
import { Endpoint } from "../../quic/proto/endpoint.ts";
import type { EndpointConfig, TransportConfig } from "../../quic/proto/config.ts";
import type { Connection } from "../../quic/proto/connection.ts";
import { Prng, type SimAddr } from "./network.ts";
import { SimHarness } from "./harness.ts";
import { pattern } from "../support/bytes.ts";

/**
 * Virtual clock origin of every scenario: the core's `now` is epoch-based
 * milliseconds (TLS checks certificate validity against it).
 */
export const SIM_START = Date.UTC(2026, 0, 1);

let cert: IssuedCertificate | undefined;

/**
 * The test certificate (generated once): Ed25519 so signatures and keys have
 * fixed sizes and every run sends the same number of bytes.
 */
export function devCert(): IssuedCertificate {
  cert ??= createCertificate({
    subject: "localhost",
    keyType: "ed25519",
    sanDns: ["localhost"],
    notBefore: SIM_START - 86_400_000,
    notAfter: SIM_START + 30 * 86_400_000,
  });
  return cert;
}

/** Server address used by the scenarios. */
export const SERVER: SimAddr = { hostname: "10.0.0.1", port: 443 };
/** Client address used by the scenarios. */
export const CLIENT: SimAddr = { hostname: "10.0.0.2", port: 50000 };

/** A server endpoint with deterministic randomness. */
export function makeServer(seed: number, extra: Partial<EndpointConfig> = {}): Endpoint {
  const c = devCert();
  const rng = new Prng(seed);
  return new Endpoint({
    random: (n) => rng.bytes(n),
    server: {
      certificateChain: [c.certDer],
      privateKey: c.key,
      alpnProtocols: ["test"],
    },
    ...extra,
  });
}

/** A client endpoint with deterministic randomness. */
export function makeClient(seed: number, extra: Partial<EndpointConfig> = {}): Endpoint {
  const rng = new Prng(seed);
  return new Endpoint({ random: (n) => rng.bytes(n), ...extra });
}

/** Connects a client connection to SERVER with certificate verification on. */
export function connect(
  client: Endpoint,
  now: number,
  transport?: TransportConfig,
): Connection {
  return client.connect(SERVER, {
    tls: { serverName: "localhost", alpnProtocols: ["test"], caCerts: [devCert().certDer] },
    transport,
  }, now);
}

/** Deterministic payload of `n` bytes (seeded), for byte-exact comparisons. */
export function payload(n: number, seed = 1): Uint8Array {
  return pattern(n, seed);
}

/** A client and server in a harness, with their endpoints. */
export interface Pair {
  /** The harness. */
  sim: SimHarness;
  /** Client endpoint. */
  client: Endpoint;
  /** Server endpoint. */
  server: Endpoint;
}

/** Builds a harness with a client and a server. */
export function makePair(
  seed: number,
  link: ConstructorParameters<typeof SimHarness>[1] = {},
  serverExtra: Partial<EndpointConfig> = {},
  clientExtra: Partial<EndpointConfig> = {},
): Pair {
  const sim = new SimHarness(seed, link, SIM_START);
  const server = makeServer(seed + 1, serverExtra);
  const client = makeClient(seed + 2, clientExtra);
  sim.add(SERVER, server);
  sim.add(CLIENT, client);
  return { sim, client, server };
}

/** A {@link Pair} with one connection established between them. */
export interface EstablishedPair extends Pair {
  /** The client's connection. */
  clientConn: Connection;
  /** The server's side of it. */
  serverConn: Connection;
}

/**
 * Connects a client to the server of a new pair and runs until both sides
 * have confirmed the handshake (or 10 s of virtual time pass), then `settleMs` more (ACKs and
 * NEW_CONNECTION_IDs settle); the server's events are drained.
 */
export function establishPair(
  seed: number,
  transport?: TransportConfig,
  settleMs = 200,
): EstablishedPair {
  const pair = makePair(seed, {}, transport ? { transport } : {}, {});
  const client = connect(pair.client, pair.sim.now, transport);
  let server: Connection | undefined;
  pair.sim.runUntil(() => {
    for (let e; (e = pair.server.pollEvent());) if (e.type === "newConnection") server = e.conn;
    while (pair.client.pollEvent());
    return client.isHandshakeConfirmed && server !== undefined && server.isHandshakeConfirmed;
  }, pair.sim.now + 10_000);
  pair.sim.runFor(settleMs);
  if (!server) throw new Error("no server connection");
  while (pair.server.pollEvent());
  return { ...pair, clientConn: client, serverConn: server };
}

/** Outcome of {@link runTransfer}. */
export interface TransferResult {
  /** All bytes arrived in order with the FIN, byte-exact. */
  ok: boolean;
  /** Virtual ms from connect to the last byte read by the server. */
  elapsed: number;
  /** Bytes the server read. */
  received: number;
  /** Client connection (for stats). */
  conn: Connection;
  /** CPU ms the simulation took. */
  cpuMs: number;
}

/**
 * Uploads `size` bytes on one bidirectional stream from client to server and
 * checks them byte for byte. `hook` runs after every simulation step.
 */
export function runTransfer(
  pair: Pair,
  size: number,
  opts: { transport?: TransportConfig; limitMs?: number; hook?: (conn: Connection) => void } = {},
): TransferResult {
  const { sim, client, server } = pair;
  const t0 = performance.now();
  const start = sim.now;
  const data = payload(size, 7);
  const conn = connect(client, sim.now, opts.transport);
  let sid: number | undefined;
  let written = 0;
  let received = 0;
  let ok = true;
  let fin = false;
  let serverConn: Connection | undefined;
  const pump = () => {
    if (sid === undefined) return;
    while (written < size) {
      const n = conn.streamWrite(sid, data.subarray(written, Math.min(size, written + 65536)));
      if (n === 0) break;
      written += n;
      if (written === size) conn.streamFinish(sid);
    }
    if (size === 0 && written === 0) conn.streamFinish(sid);
  };
  const read = (sc: Connection, id: number) => {
    for (;;) {
      const r = sc.streamRead(id, 1 << 20, sim.now);
      if (!r) return;
      if (r.data) {
        for (let i = 0; i < r.data.length; i++) {
          if (r.data[i] !== data[received + i]) {
            ok = false;
            break;
          }
        }
        received += r.data.length;
      }
      if (r.fin) fin = true;
      if (!r.data) return;
    }
  };
  const done = sim.runUntil(() => {
    for (let e; (e = client.pollEvent());) {
      if (e.type !== "connection") continue;
      const ev = e.event;
      if (ev.type === "handshakeCompleted" && sid === undefined) {
        sid = conn.openStream(true);
        pump();
      } else if (ev.type === "streamWritable") pump();
    }
    for (let e; (e = server.pollEvent());) {
      if (e.type === "newConnection") serverConn = e.conn;
      else if (e.event.type === "streamReadable") read(e.conn, e.event.id);
    }
    opts.hook?.(conn);
    void serverConn;
    return fin || !ok || conn.isClosed;
  }, start + (opts.limitMs ?? 600_000));
  return {
    ok: done && ok && fin && received === size,
    elapsed: sim.now - start,
    received,
    conn,
    cpuMs: performance.now() - t0,
  };
}
