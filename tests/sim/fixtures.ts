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
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
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
