// Test helpers: an in-memory client↔server pump, seeded randomness and certificates.
import { createCertificate, type IssuedCertificate } from "../../../crypto/cert_builder.ts";
import type { KeyType } from "../../../crypto/tls/keys.ts";
import type { TlsClient } from "../../../crypto/tls/client.ts";
import type { TlsServer } from "../../../crypto/tls/server.ts";
import type {
  EncryptionLevelValue,
  SessionTicket,
  TlsClientOptions,
  TlsEvent,
  TlsServerOptions,
} from "../../../crypto/tls/types.ts";

/** A deterministic random source (xorshift128+; tests only). */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  let s0 = (seed * 0x9e3779b1) >>> 0 || 1, s1 = (seed ^ 0xdeadbeef) >>> 0 || 2;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let x = s0;
      const y = s1;
      s0 = y;
      x ^= x << 23;
      x ^= x >>> 17;
      x ^= y ^ (y >>> 26);
      s1 = x >>> 0;
      out[i] = (s0 + s1) & 0xff;
    }
    return out;
  };
}

export const TP_CLIENT = Uint8Array.of(0x01, 0x02, 0x03);
export const TP_SERVER = Uint8Array.of(0x0f, 0x0e);

export interface Pki {
  ca: IssuedCertificate;
  leaf: IssuedCertificate;
}

const pkiCache = new Map<string, Pki>();

/** A CA and a leaf for "localhost" (cached per key type). */
export function pki(keyType: KeyType = "ecdsa-p256", caKeyType: KeyType = "ecdsa-p256"): Pki {
  const k = keyType + "/" + caKeyType;
  let p = pkiCache.get(k);
  if (!p) {
    const ca = createCertificate({ subject: "gquic test CA", isCA: true, keyType: caKeyType });
    const leaf = createCertificate({
      subject: "localhost",
      issuer: ca,
      sanDns: ["localhost"],
      keyType,
    });
    p = { ca, leaf };
    pkiCache.set(k, p);
  }
  return p;
}

export interface Log {
  clientEvents: TlsEvent[];
  serverEvents: TlsEvent[];
  tickets: SessionTicket[];
}

export function clientOptions(p: Pki, extra: Partial<TlsClientOptions> = {}): TlsClientOptions {
  return {
    random: seededRandom(1),
    serverName: "localhost",
    alpnProtocols: ["h3"],
    transportParameters: TP_CLIENT,
    caCerts: [p.ca.certDer],
    ...extra,
  };
}

export function serverOptions(p: Pki, extra: Partial<TlsServerOptions> = {}): TlsServerOptions {
  return {
    random: seededRandom(2),
    certificateChain: [p.leaf.certDer],
    privateKey: p.leaf.key,
    alpnProtocols: ["h3"],
    transportParameters: TP_SERVER,
    ...extra,
  };
}

/**
 * Runs a handshake to quiescence, delivering each handshakeData event to the
 * peer (optionally in `chunk`-byte pieces). Throws what either side throws.
 */
export function pump(client: TlsClient, server: TlsServer, now: number, chunk = 0): Log {
  const log: Log = { clientEvents: [], serverEvents: [], tickets: [] };
  client.start(now);
  for (let round = 0; round < 20; round++) {
    let moved = false;
    for (let e; (e = client.pollEvent());) {
      moved = true;
      log.clientEvents.push(e);
      if (e.type === "handshakeData") deliver(server, e.level, e.data, now, chunk);
      if (e.type === "sessionTicket") log.tickets.push(e.ticket);
    }
    for (let e; (e = server.pollEvent());) {
      moved = true;
      log.serverEvents.push(e);
      if (e.type === "handshakeData") deliver(client, e.level, e.data, now, chunk);
    }
    if (!moved) return log;
  }
  throw new Error("handshake did not quiesce");
}

function deliver(
  to: TlsClient | TlsServer,
  level: EncryptionLevelValue,
  data: Uint8Array,
  now: number,
  chunk: number,
): void {
  if (chunk <= 0) return to.receive(level, data, now);
  for (let i = 0; i < data.length; i += chunk) {
    to.receive(level, data.subarray(i, i + chunk), now);
  }
}

/** The secrets events of a log, by level and direction. */
export function secrets(events: TlsEvent[]): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  for (const e of events) {
    if (e.type !== "secrets") continue;
    if (e.read) m.set(`${e.level}/read`, e.read);
    if (e.write) m.set(`${e.level}/write`, e.write);
  }
  return m;
}

export const hex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export const unhex = (s: string): Uint8Array =>
  Uint8Array.from((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));
