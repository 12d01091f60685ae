/**
 * Option and result types of gquic's public QUIC API. Names follow Deno's
 * `Deno.QuicEndpoint` / `Deno.connectQuic` (Deno 2.9) so code ports by
 * changing the import; gquic-only options are marked as such.
 * @module
 */
import type { TransportConfig } from "./proto/config.ts";
import type { DatagramSocket } from "./io/deno_udp.ts";
import type { SessionTicket } from "../crypto/tls/types.ts";
export type { SessionTicket } from "../crypto/tls/types.ts";

/**
 * A network address as Deno reports it.
 *
 * @example
 * ```ts
 * import type { QuicNetAddr } from "@gquic/core/quic";
 * const a: QuicNetAddr = { transport: "udp", hostname: "127.0.0.1", port: 4433 };
 * console.log(a.port);
 * ```
 */
export interface QuicNetAddr {
  /** Always "udp". */
  transport: "udp";
  /** IP literal. */
  hostname: string;
  /** Port. */
  port: number;
}

/**
 * How a connection closed (Deno's `QuicCloseInfo`).
 *
 * @example
 * ```ts
 * import type { QuicCloseInfo } from "@gquic/core/quic";
 * const i: QuicCloseInfo = { closeCode: 0, reason: "done" };
 * console.log(i.reason);
 * ```
 */
export interface QuicCloseInfo {
  /** The application (or, for transport closes, transport) error code. */
  closeCode: number;
  /** The reason phrase. */
  reason: string;
}

/**
 * Options of `new QuicEndpoint()` (Deno's `QuicEndpointOptions`).
 *
 * @example
 * ```ts
 * import type { QuicEndpointOptions } from "@gquic/core/quic";
 * const o: QuicEndpointOptions = { hostname: "127.0.0.1", port: 0 };
 * console.log(o.port);
 * ```
 */
export interface QuicEndpointOptions {
  /** Address to bind (default "::", dual-stack). */
  hostname?: string;
  /** Port to bind (default 0: ephemeral). */
  port?: number;
  /** gquic: use this datagram socket instead of binding one (tests). */
  socket?: DatagramSocket;
  /** gquic: most sends outstanding at once (default 64). */
  maxInFlight?: number;
  /**
   * gquic: remember session tickets received by client connections on this
   * endpoint, keyed by server name, port, ALPN list and trust settings, and
   * resume with them in later `connectQuic({ endpoint })` calls (each ticket
   * used once, RFC 8446 §C.4). Default true.
   */
  sessionCache?: boolean;
}

/**
 * Transport settings shared by clients and servers (Deno's
 * `QuicTransportOptions`, plus gquic's `transport` escape hatch).
 *
 * @example
 * ```ts
 * import type { QuicTransportOptions } from "@gquic/core/quic";
 * const o: QuicTransportOptions = { maxIdleTimeout: 10_000, keepAliveInterval: 2_000 };
 * console.log(o.maxIdleTimeout);
 * ```
 */
export interface QuicTransportOptions {
  /** Send a PING after this many ms of inactivity (default: never). */
  keepAliveInterval?: number;
  /** Idle timeout in ms (default 30000). */
  maxIdleTimeout?: number;
  /** Incoming bidirectional streams the peer may have open (default 100). */
  maxConcurrentBidirectionalStreams?: number;
  /** Incoming unidirectional streams the peer may have open (default 100). */
  maxConcurrentUnidirectionalStreams?: number;
  /** "low-latency" selects NewReno, otherwise CUBIC. */
  congestionControl?: "throughput" | "low-latency" | "default";
  /** gquic: raw transport settings (override the fields above). */
  transport?: TransportConfig;
  /**
   * gquic: append TLS secrets to this file in NSS key log format
   * (SSLKEYLOGFILE) so tools like Wireshark can decrypt the traffic. When
   * absent, the `SSLKEYLOGFILE` environment variable is used if readable.
   */
  keyLogFile?: string;
  /**
   * gquic: TLS 1.3 cipher suites in preference order, as codes (0x1302) or
   * RFC 8446 §B.4 names ("TLS_AES_256_GCM_SHA384"). Default:
   * ChaCha20-Poly1305, AES-128-GCM, AES-256-GCM.
   */
  cipherSuites?: (number | string)[];
  /**
   * gquic: key exchange groups in preference order, as codes (0x17) or
   * names ("secp256r1", "x25519", "secp384r1", "X25519MLKEM768"; RFC 8446
   * §4.2.7). The client sends a key share for the first. Default: the TLS
   * layer's list.
   */
  groups?: (number | string)[];
}

/**
 * Options of {@link connectQuic} (Deno's `ConnectQuicOptions`).
 *
 * @example
 * ```ts
 * import type { ConnectQuicOptions } from "@gquic/core/quic";
 * const o: ConnectQuicOptions = {
 *   hostname: "127.0.0.1",
 *   port: 4433,
 *   serverName: "localhost",
 *   alpnProtocols: ["perf"],
 * };
 * console.log(o.serverName);
 * ```
 */
export interface ConnectQuicOptions extends QuicTransportOptions {
  /** Port to connect to. */
  port: number;
  /** IP literal or host name. */
  hostname: string;
  /** Name to verify the certificate against (default `hostname`). */
  serverName?: string;
  /**
   * gquic: resume the session of an earlier connection to this server
   * (`await conn.sessionTicket` there): an abbreviated handshake (RFC 8446 §2.2).
   */
  session?: SessionTicket;
  /**
   * Attempt 0-RTT (Deno's name) when `session` allows it: `connectQuic`
   * then resolves before the handshake completes and streams opened at once
   * carry early data, which an attacker can replay (RFC 9001 §9.2). Check
   * `conn.earlyDataStatus` after `await conn.handshake`; rejected early data
   * is resent automatically. Default false.
   */
  zeroRtt?: boolean;
  /** ALPN protocols (QUIC requires one). */
  alpnProtocols: string[];
  /** PEM root certificates trusted in addition to the system store. */
  caCerts?: string[];
  /**
   * W3C WebTransport-style pins: the server's certificate is accepted when
   * its SHA-256 matches (and it is valid for at most 14 days); CAs are not used.
   */
  serverCertificateHashes?: { algorithm: "sha-256"; value: BufferSource }[];
  /**
   * gquic: when `session` is absent, resume with a ticket the endpoint
   * cached from an earlier connection to the same server (see
   * `QuicEndpointOptions.sessionCache`). Default true; false forces a full
   * handshake.
   */
  useSessionCache?: boolean;
  /** Endpoint to use; by default a new one is bound on an ephemeral port. */
  endpoint?: import("./endpoint.ts").QuicEndpoint;
  /** gquic: give up (and reject) after this many ms (default: the idle timeout). */
  timeout?: number;
  /** gquic: abort the attempt. */
  signal?: AbortSignal;
  /**
   * gquic: accept ANY server certificate. This removes all protection
   * against active attackers; only for local debugging.
   */
  dangerouslyDisableCertificateVerification?: boolean;
}

/**
 * Options of `QuicEndpoint.listen()` (Deno's `QuicListenOptions`).
 *
 * @example
 * ```ts
 * import type { QuicListenOptions } from "@gquic/core/quic";
 * const f = (cert: string, key: string): QuicListenOptions => ({
 *   cert,
 *   key,
 *   alpnProtocols: ["echo"],
 * });
 * console.log(typeof f);
 * ```
 */
export interface QuicListenOptions extends QuicTransportOptions {
  /** ALPN protocols offered. */
  alpnProtocols: string[];
  /**
   * gquic: accept 0-RTT early data from resuming clients (RFC 9001 §4.6),
   * single-use per ticket (an anti-replay guard, RFC 8446 §8). Session
   * tickets are issued either way. Default false.
   */
  zeroRtt?: boolean;
  /** Private key (PEM: PKCS#8, SEC1 or PKCS#1). */
  key: string;
  /** Certificate chain (PEM, leaf first). */
  cert: string;
  /** gquic: send Retry to validate client addresses (default false). */
  retry?: boolean;
  /** gquic: incoming connections queued before new ones are refused (default 1000). */
  backlog?: number;
}

/**
 * Options of `QuicIncoming.accept()` (Deno's `QuicAcceptOptions`). gquic
 * applies the listener's settings; these are accepted for compatibility.
 *
 * @example
 * ```ts
 * import type { QuicAcceptOptions } from "@gquic/core/quic";
 * const o: QuicAcceptOptions = {};
 * console.log(o.alpnProtocols);
 * ```
 */
export interface QuicAcceptOptions {
  /** Ignored (the listener's ALPN list applies). */
  alpnProtocols?: string[];
  /** Ignored (0.5-RTT is not offered). */
  zeroRtt?: boolean;
}

/**
 * Options of `createBidirectionalStream()` / `createUnidirectionalStream()`.
 *
 * @example
 * ```ts
 * import type { QuicSendStreamOptions } from "@gquic/core/quic";
 * const o: QuicSendStreamOptions = { waitUntilAvailable: true };
 * console.log(o.waitUntilAvailable);
 * ```
 */
export interface QuicSendStreamOptions {
  /** Relative send priority (stored; the core schedules round robin). */
  sendOrder?: number;
  /** Wait for stream credit instead of failing when the peer's limit is reached. */
  waitUntilAvailable?: boolean;
}

/**
 * Connection statistics from `QuicConn.getStats()`.
 *
 * @example
 * ```ts
 * import type { QuicConnStats } from "@gquic/core/quic";
 * const f = (s: QuicConnStats) => `${s.rtt} ms, cwnd ${s.congestionWindow}`;
 * console.log(typeof f);
 * ```
 */
export interface QuicConnStats {
  /** Smoothed RTT (ms). */
  rtt: number;
  /** Minimum RTT (ms). */
  minRtt: number;
  /** Congestion window (bytes). */
  congestionWindow: number;
  /** Bytes in flight. */
  bytesInFlight: number;
  /** UDP payload bytes sent. */
  bytesSent: number;
  /** UDP payload bytes received. */
  bytesReceived: number;
  /** Packets sent. */
  packetsSent: number;
  /** Packets received. */
  packetsReceived: number;
  /** Packets declared lost. */
  packetsLost: number;
  /** Datagrams sent. */
  datagramsSent: number;
  /** PTO expirations. */
  ptoCount: number;
  /** Stream bytes retransmitted. */
  streamBytesRetransmitted: number;
  /** Current UDP payload size limit. */
  maxDatagramSize: number;
}

/**
 * Why a stream failed: the peer reset it (`"reset"`, RESET_STREAM), asked us
 * to stop sending (`"stopSending"`, STOP_SENDING), or the connection closed
 * (`"connectionClosed"`). `code` is the application error code.
 *
 * @example
 * ```ts
 * import { QuicStreamError } from "@gquic/core/quic";
 * const e = new QuicStreamError("reset", 42);
 * console.log(e.code, e.kind); // 42 reset
 * ```
 */
export class QuicStreamError extends Error {
  /** Application error code from the frame (or the connection's close code). */
  readonly code: number;
  /** What happened. */
  readonly kind: "reset" | "stopSending" | "connectionClosed";

  /**
   * Creates the error.
   * @param kind what happened
   * @param code the error code
   * @param message optional text
   */
  constructor(kind: "reset" | "stopSending" | "connectionClosed", code: number, message?: string) {
    super(message ?? `stream ${kind === "reset" ? "reset by peer" : kind}: error ${code}`);
    this.name = "QuicStreamError";
    this.kind = kind;
    this.code = code;
  }
}

/**
 * The connection ended other than by an application close: a transport
 * error (`isApplication` false), the idle timeout, or a stateless reset.
 *
 * @example
 * ```ts
 * import { QuicConnectionError } from "@gquic/core/quic";
 * const e = new QuicConnectionError(0x100 + 42, "bad cert", false, true, "close");
 * console.log(e.closeCode, e.byPeer); // 298 true
 * ```
 */
export class QuicConnectionError extends Error {
  /** Transport or application error code. */
  readonly closeCode: number;
  /** Reason phrase. */
  readonly reason: string;
  /** True for an application close (CONNECTION_CLOSE 0x1d). */
  readonly isApplication: boolean;
  /** True when the peer closed. */
  readonly byPeer: boolean;
  /** How it ended. */
  readonly kind: string;

  /**
   * Creates the error.
   * @param closeCode error code
   * @param reason reason phrase
   * @param isApplication application close?
   * @param byPeer closed by the peer?
   * @param kind "close", "idleTimeout", "statelessReset", "versionNegotiation", "aborted" or "timeout"
   */
  constructor(
    closeCode: number,
    reason: string,
    isApplication: boolean,
    byPeer: boolean,
    kind: string,
  ) {
    super(
      kind === "close"
        ? `connection closed${byPeer ? " by peer" : ""}: code 0x${closeCode.toString(16)} ${reason}`
        : `connection ended: ${kind}${reason ? ` (${reason})` : ""}`,
    );
    this.name = "QuicConnectionError";
    this.closeCode = closeCode;
    this.reason = reason;
    this.isApplication = isApplication;
    this.byPeer = byPeer;
    this.kind = kind;
  }
}

/** RFC 8446 §B.4 cipher suite names by code. */
const CIPHER_SUITE_NAMES: Record<number, string> = {
  0x1301: "TLS_AES_128_GCM_SHA256",
  0x1302: "TLS_AES_256_GCM_SHA384",
  0x1303: "TLS_CHACHA20_POLY1305_SHA256",
};
/** RFC 8446 §4.2.7 (and draft-ietf-tls-ecdhe-mlkem) group names by code. */
const GROUP_NAMES: Record<number, string> = {
  0x0017: "secp256r1",
  0x0018: "secp384r1",
  0x001d: "x25519",
  0x11ec: "X25519MLKEM768",
};
/** RFC 9000 §15 / RFC 9369 version names. */
const VERSION_NAMES: Record<number, string> = { 0x1: "QUIC v1", 0x6b3343cf: "QUIC v2" };

function nameOr(map: Record<number, string>, code: number): string {
  return map[code] ?? `0x${code.toString(16).padStart(4, "0")}`;
}

/**
 * The RFC name of a TLS cipher suite, group or QUIC version code (a hex
 * string for unknown codes).
 *
 * @example
 * ```ts
 * import { tlsName } from "@gquic/core/quic";
 * console.log(tlsName("cipherSuite", 0x1302)); // "TLS_AES_256_GCM_SHA384"
 * console.log(tlsName("group", 0x17)); // "secp256r1"
 * ```
 */
export function tlsName(kind: "cipherSuite" | "group" | "version", code: number): string {
  if (kind === "cipherSuite") return nameOr(CIPHER_SUITE_NAMES, code);
  if (kind === "group") return nameOr(GROUP_NAMES, code);
  return nameOr(VERSION_NAMES, code);
}

/**
 * Maps a `cipherSuites` / `groups` option (codes or names) to TLS codes;
 * throws a TypeError for a name or code gquic does not implement.
 *
 * @example
 * ```ts
 * import { tlsCodes } from "@gquic/core/quic";
 * console.log(tlsCodes("group", ["secp256r1", 0x1d])); // [ 23, 29 ]
 * ```
 */
export function tlsCodes(
  kind: "cipherSuite" | "group",
  list: (number | string)[],
): number[] {
  const map = kind === "cipherSuite" ? CIPHER_SUITE_NAMES : GROUP_NAMES;
  const out: number[] = [];
  for (const item of list) {
    let code: number | undefined;
    if (typeof item === "number") code = map[item] !== undefined ? item : undefined;
    else {
      const k = Object.keys(map).find((c) => map[+c].toLowerCase() === item.toLowerCase());
      code = k === undefined ? undefined : +k;
    }
    if (code === undefined) throw new TypeError(`unsupported ${kind}: ${String(item)}`);
    if (!out.includes(code)) out.push(code);
  }
  if (out.length === 0) throw new TypeError(`empty ${kind} list`);
  return out;
}

/**
 * What a connection negotiated (`QuicConn.tlsInfo`, gquic): QUIC version,
 * TLS cipher suite and key exchange group (RFC names and codes), ALPN,
 * resumption and 0-RTT outcome.
 *
 * @example
 * ```ts
 * import type { QuicTlsInfo } from "@gquic/core/quic";
 * const f = (i: QuicTlsInfo) => `${i.versionName}, ${i.cipherSuite}, ${i.group}, ${i.protocol}`;
 * console.log(typeof f);
 * ```
 */
export interface QuicTlsInfo {
  /** QUIC version (0x1 or 0x6b3343cf). */
  version: number;
  /** "QUIC v1" or "QUIC v2". */
  versionName: string;
  /** Cipher suite name, e.g. "TLS_AES_128_GCM_SHA256". */
  cipherSuite: string;
  /** Cipher suite code, e.g. 0x1301. */
  cipherSuiteCode: number;
  /** Key exchange group name, e.g. "x25519" (undefined for a psk_ke resumption). */
  group: string | undefined;
  /** Key exchange group code, e.g. 0x1d. */
  groupCode: number | undefined;
  /** Negotiated ALPN protocol. */
  protocol: string | undefined;
  /** True when the handshake resumed a session (RFC 8446 §2.2). */
  isResumed: boolean;
  /** 0-RTT outcome. */
  earlyDataStatus: "none" | "accepted" | "rejected";
}
