/**
 * `connectQuic()`: the client entry point (Deno's `Deno.connectQuic`).
 * Resolves the host, builds trust anchors (system store + `caCerts`, or
 * certificate pins), starts the connection on an endpoint and waits for
 * the handshake with a deadline (a dead port otherwise waits for the idle
 * timeout).
 * @module
 */
import { createHash } from "node:crypto";
import {
  endpointInternals,
  QuicEndpoint,
  tlsAlgorithms,
  transportFromOptions,
} from "./endpoint.ts";
import type { QuicConn } from "./conn.ts";
import type { ConnectQuicOptions } from "./api_types.ts";
import { certificatesFromPem } from "../crypto/tls/pem.ts";
import { loadSystemTrustAnchors } from "../crypto/system_store.ts";
import type { ClientTlsConfig } from "./proto/config.ts";

const anchorCache = new Map<string, Uint8Array[]>();

/** System anchors plus `caCerts`, cached per set so the TLS layer's parse cache hits. */
function trustAnchors(caCerts: string[] | undefined): Uint8Array[] {
  const key = (caCerts ?? []).join("\n");
  let a = anchorCache.get(key);
  if (!a) {
    a = [...loadSystemTrustAnchors()];
    for (const pem of caCerts ?? []) a.push(...certificatesFromPem(pem));
    if (anchorCache.size > 32) anchorCache.clear();
    anchorCache.set(key, a);
  }
  return a;
}

function isIpLiteral(h: string): boolean {
  return /^[0-9.]+$/.test(h) || h.includes(":");
}

/** Resolves `hostname` to an IP literal (IPv4 first). */
async function resolveHost(hostname: string): Promise<string> {
  const h = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  if (isIpLiteral(h)) return h;
  if (h === "localhost") return "127.0.0.1";
  for (const type of ["A", "AAAA"] as const) {
    try {
      const r = await Deno.resolveDns(h, type);
      if (r.length > 0) return r[0];
    } catch {
      // try the next record type
    }
  }
  throw new Deno.errors.NotFound(`cannot resolve ${hostname}`);
}

/**
 * The ticket cache key: a ticket is only offered to the server, port and
 * ALPN list it came from, under the same trust settings (a session resumed
 * from a ticket skips certificate checks, so a ticket obtained without
 * verification must never resume a verified connection).
 */
function ticketKey(
  serverName: string,
  port: number,
  options: ConnectQuicOptions,
  pins: Uint8Array[] | undefined,
): string {
  const h = createHash("sha256");
  if (options.dangerouslyDisableCertificateVerification) h.update("insecure");
  else if (pins && pins.length > 0) { for (const p of pins) h.update("pin").update(p); }
  else for (const c of options.caCerts ?? []) h.update("ca").update(c);
  return `${serverName}\n${port}\n${options.alpnProtocols.join(",")}\n${h.digest("hex")}`;
}

function toBytes(b: BufferSource): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return new Uint8Array(b);
}

/**
 * Connects to a QUIC server and resolves once the handshake completed
 * (Deno's `Deno.connectQuic`). Rejects with a `QuicConnectionError` when
 * the handshake fails, the peer is silent past `timeout` (default: the idle
 * timeout, 30 s), or `signal` aborts.
 *
 * @example
 * ```ts ignore
 * import { connectQuic } from "@gquic/core/quic";
 * const conn = await connectQuic({
 *   hostname: "127.0.0.1",
 *   port: 4433,
 *   serverName: "localhost",
 *   alpnProtocols: ["perf"],
 *   caCerts: [await Deno.readTextFile("ca.pem")],
 *   timeout: 5_000,
 * });
 * console.log(conn.protocol); // "perf"
 * conn.close({ closeCode: 0, reason: "bye" });
 * ```
 */
export async function connectQuic(options: ConnectQuicOptions): Promise<QuicConn> {
  if (!options.alpnProtocols || options.alpnProtocols.length === 0) {
    throw new TypeError("connectQuic: QUIC requires at least one ALPN protocol");
  }
  const algorithms = tlsAlgorithms(options); // throws TypeError before anything is bound
  const ip = await resolveHost(options.hostname);
  const owned = !options.endpoint;
  const ep = options.endpoint ??
    new QuicEndpoint({ hostname: ip.includes(":") ? "::" : "0.0.0.0", port: 0 });
  const pins = options.serverCertificateHashes?.filter((h) => h.algorithm === "sha-256")
    .map((h) => toBytes(h.value).slice());
  const serverName = options.serverName ??
    (options.hostname.startsWith("[") ? options.hostname.slice(1, -1) : options.hostname);
  const tls: ClientTlsConfig = {
    serverName,
    alpnProtocols: options.alpnProtocols,
    keyLog: ep.keyLog(options.keyLogFile),
    ...algorithms,
  };
  if (options.dangerouslyDisableCertificateVerification) {
    tls.dangerouslyDisableCertificateVerification = true;
  } else if (pins && pins.length > 0) {
    tls.certificateHashes = pins;
  } else {
    tls.caCerts = trustAnchors(options.caCerts);
  }
  let conn: QuicConn;
  try {
    // Tickets remembered by the endpoint resume later connections (like
    // quinn's and Deno's client session cache); an explicit `session` wins.
    const key = ep.cachesTickets ? ticketKey(serverName, options.port, options, pins) : undefined;
    const session = options.session ??
      (key !== undefined && options.useSessionCache !== false ? ep.takeTicket(key) : undefined);
    conn = ep[endpointInternals](
      { hostname: ip, port: options.port },
      {
        tls,
        transport: transportFromOptions(options),
        session,
        zeroRtt: options.zeroRtt,
      },
      options.keepAliveInterval ?? 0,
    );
    if (key !== undefined) conn.onSessionTicket = (t) => ep.storeTicket(key, t);
  } catch (e) {
    if (owned) ep.close();
    throw e;
  }
  if (owned) ep.closeWhenIdle();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => conn.abortAttempt("aborted", "connection attempt aborted");
  if (options.timeout !== undefined) {
    timer = setTimeout(() => conn.abortAttempt("timeout", "handshake timed out"), options.timeout);
  }
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.zeroRtt && conn.core.isSendingEarlyData) {
    // 0-RTT (Deno: `zeroRtt`): hand the connection over before the handshake.
    if (options.signal?.aborted) onAbort();
    conn.handshake.catch(() => {}).finally(() => {
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    });
    return conn;
  }
  try {
    if (options.signal?.aborted) onAbort();
    await conn.handshake;
    return conn;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}
