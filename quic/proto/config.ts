/**
 * Options of the sans-IO endpoint and connection, with their defaults.
 * Times are in milliseconds, sizes in bytes.
 * @module
 */
import type { SessionTicket, TlsClientOptions, TlsServerOptions } from "../../crypto/tls/types.ts";

/**
 * A UDP address (structurally compatible with `Deno.NetAddr`).
 *
 * @example
 * ```ts
 * import type { SocketAddr } from "@gquic/core/quic";
 * const a: SocketAddr = { hostname: "127.0.0.1", port: 4433 };
 * console.log(a.port);
 * ```
 */
export interface SocketAddr {
  /** Host name or IP literal. */
  hostname: string;
  /** UDP port. */
  port: number;
}

/**
 * Transport settings of one connection (most become our transport
 * parameters, RFC 9000 §18.2).
 *
 * @example
 * ```ts
 * import { type TransportConfig, resolveTransportConfig } from "@gquic/core/quic";
 * const c: TransportConfig = { maxIdleTimeout: 10_000, congestionControl: "cubic" };
 * console.log(resolveTransportConfig(c).initialMaxData);
 * ```
 */
export interface TransportConfig {
  /** max_idle_timeout (default 30000; 0 disables). */
  maxIdleTimeout?: number;
  /** max_udp_payload_size we accept (default 65527). */
  maxUdpPayloadSize?: number;
  /** Largest datagram we send before PMTU discovery (default 1200, RFC 9000 §14). */
  initialMaxDatagramSize?: number;
  /**
   * Ceiling of PMTU discovery (RFC 8899) even if the peer allows more
   * (default 1452: a 1500-byte Ethernet MTU less IPv6 and UDP headers).
   * Deno cannot set the DF bit, so a probe above the local interface's MTU
   * would be fragmented rather than lost: keep this at the MTU you expect.
   */
  maxDatagramSize?: number;
  /**
   * PMTU discovery ceiling towards a loopback peer (127.0.0.0/8, ::1), whose
   * interface MTU is 65536 (default 65000, under both the IPv4 and IPv6
   * UDP maximum: per-packet costs dominate, and 64 KB datagrams moved
   * ≈ 35% more bulk data per second than 16 KB ones here).
   */
  loopbackMaxDatagramSize?: number;
  /** initial_max_data: connection receive window (default 16 MiB). */
  initialMaxData?: number;
  /** initial_max_stream_data_bidi_local (default 1 MiB). */
  initialMaxStreamDataBidiLocal?: number;
  /** initial_max_stream_data_bidi_remote (default 1 MiB). */
  initialMaxStreamDataBidiRemote?: number;
  /** initial_max_stream_data_uni (default 1 MiB). */
  initialMaxStreamDataUni?: number;
  /** initial_max_streams_bidi (default 100). */
  initialMaxStreamsBidi?: number;
  /** initial_max_streams_uni (default 100). */
  initialMaxStreamsUni?: number;
  /** ack_delay_exponent (default 3). */
  ackDelayExponent?: number;
  /** max_ack_delay (default 25). */
  maxAckDelay?: number;
  /** active_connection_id_limit (default 4). */
  activeConnectionIdLimit?: number;
  /** disable_active_migration (default false). */
  disableActiveMigration?: boolean;
  /** max_datagram_frame_size (RFC 9221); 0 disables DATAGRAM (default 65535). */
  maxDatagramFrameSize?: number;
  /** Queued outgoing/incoming DATAGRAMs kept before the oldest is dropped (default 64). */
  datagramQueueLength?: number;
  /** Congestion controller (default "cubic"). */
  congestionControl?: "newreno" | "cubic";
  /** kInitialRtt (default 333, RFC 9002 §6.2.2). */
  initialRtt?: number;
  /** Send an ACK after this many ack-eliciting 1-RTT packets (default 2, RFC 9000 §13.2.2). */
  ackEveryN?: number;
  /** Per-stream send buffer limit (default 1 MiB): streamWrite accepts up to this. */
  streamSendBuffer?: number;
  /** Bytes of out-of-order CRYPTO data buffered per level (default 64 KiB). */
  cryptoBufferLimit?: number;
  /** Initiate a key update after this many 1-RTT packets sent (default: never). */
  keyUpdateInterval?: number;
  /** Pace sending (default true). */
  pacing?: boolean;
  /** Largest number of ACK ranges tracked per space (default 32). */
  maxAckRanges?: number;
}

/**
 * {@link TransportConfig} with every field filled in.
 *
 * @example
 * ```ts
 * import { type ResolvedTransportConfig, resolveTransportConfig } from "@gquic/core/quic";
 * const r: ResolvedTransportConfig = resolveTransportConfig();
 * console.log(r.maxIdleTimeout); // 30000
 * ```
 */
export type ResolvedTransportConfig = Required<TransportConfig>;

/**
 * The defaults of {@link TransportConfig}.
 *
 * @example
 * ```ts
 * import { DEFAULT_TRANSPORT_CONFIG } from "@gquic/core/quic";
 * console.log(DEFAULT_TRANSPORT_CONFIG.maxAckDelay); // 25
 * ```
 */
export const DEFAULT_TRANSPORT_CONFIG: Readonly<ResolvedTransportConfig> = Object.freeze({
  maxIdleTimeout: 30_000,
  maxUdpPayloadSize: 65527,
  initialMaxDatagramSize: 1200,
  maxDatagramSize: 1452,
  loopbackMaxDatagramSize: 65000,
  initialMaxData: 16 * 1024 * 1024,
  initialMaxStreamDataBidiLocal: 1024 * 1024,
  initialMaxStreamDataBidiRemote: 1024 * 1024,
  initialMaxStreamDataUni: 1024 * 1024,
  initialMaxStreamsBidi: 100,
  initialMaxStreamsUni: 100,
  ackDelayExponent: 3,
  maxAckDelay: 25,
  activeConnectionIdLimit: 4,
  disableActiveMigration: false,
  maxDatagramFrameSize: 65535,
  datagramQueueLength: 64,
  congestionControl: "cubic",
  initialRtt: 333,
  ackEveryN: 2,
  streamSendBuffer: 1024 * 1024,
  cryptoBufferLimit: 64 * 1024,
  keyUpdateInterval: 0,
  pacing: true,
  maxAckRanges: 32,
});

/**
 * Fills in defaults.
 *
 * @example
 * ```ts
 * import { resolveTransportConfig } from "@gquic/core/quic";
 * console.log(resolveTransportConfig({ ackEveryN: 8 }).ackEveryN); // 8
 * ```
 */
export function resolveTransportConfig(c: TransportConfig = {}): ResolvedTransportConfig {
  const out = { ...DEFAULT_TRANSPORT_CONFIG } as ResolvedTransportConfig;
  for (const [k, v] of Object.entries(c)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/**
 * TLS settings of a client connection: {@link TlsClientOptions} without the
 * fields the QUIC layer fills in (randomness, transport parameters).
 *
 * @example
 * ```ts
 * import type { ClientTlsConfig } from "@gquic/core/quic";
 * const t: ClientTlsConfig = { serverName: "localhost", alpnProtocols: ["h3"] };
 * console.log(t.serverName);
 * ```
 */
export type ClientTlsConfig = Omit<TlsClientOptions, "random" | "transportParameters" | "quic">;

/**
 * TLS settings of a server: {@link TlsServerOptions} without the fields the
 * QUIC layer fills in.
 *
 * @example
 * ```ts
 * import type { ServerTlsConfig } from "@gquic/core/quic";
 * const f = (t: ServerTlsConfig) => t.certificateChain.length;
 * console.log(typeof f);
 * ```
 */
export type ServerTlsConfig = Omit<TlsServerOptions, "random" | "transportParameters" | "quic">;

/**
 * Options for `Endpoint.connect`.
 *
 * @example
 * ```ts
 * import type { ConnectOptions } from "@gquic/core/quic";
 * const o: ConnectOptions = { tls: { serverName: "localhost" } };
 * console.log(o.tls.serverName);
 * ```
 */
export interface ConnectOptions {
  /** TLS client settings. */
  tls: ClientTlsConfig;
  /** Transport settings (defaults from the endpoint). */
  transport?: TransportConfig;
  /** A NEW_TOKEN token from an earlier connection to this server (RFC 9000 §8.1.3). */
  token?: Uint8Array;
  /** QUIC version to start with (default v1). */
  version?: number;
  /**
   * A ticket from a `sessionTicket` event of an earlier connection to this
   * server: the handshake resumes it (RFC 8446 §2.2; overrides `tls.session`).
   */
  session?: SessionTicket;
  /**
   * Send early data (0-RTT, RFC 9001 §4.6) when `session` allows it: streams
   * opened before the handshake completes go out in 0-RTT packets, which an
   * attacker can replay (RFC 9001 §9.2). Default false.
   */
  zeroRtt?: boolean;
}

/**
 * Options of an endpoint (client, server or both).
 *
 * @example
 * ```ts
 * import type { EndpointConfig } from "@gquic/core/quic";
 * const c: EndpointConfig = { random: (n) => new Uint8Array(n), maxConnections: 10 };
 * console.log(c.maxConnections);
 * ```
 */
export interface EndpointConfig {
  /** Randomness for connection IDs, tokens, TLS and keys (inject a CSPRNG). */
  random: (n: number) => Uint8Array;
  /** Accept incoming connections with these TLS settings (omit for a client-only endpoint). */
  server?: ServerTlsConfig;
  /** Default transport settings for new connections. */
  transport?: TransportConfig;
  /** Length of connection IDs we issue (default 8; 0 only for client-only endpoints). */
  connectionIdLength?: number;
  /** Static key for stateless reset tokens (32 bytes; default random per endpoint). */
  statelessResetKey?: Uint8Array;
  /** Static key for Retry and NEW_TOKEN tokens (32 bytes; default random). */
  tokenKey?: Uint8Array;
  /** Send Retry to validate every new client's address (default false). */
  retry?: boolean;
  /** Lifetime of Retry tokens (default 10000). */
  retryTokenLifetime?: number;
  /** Lifetime of NEW_TOKEN tokens (default 24 h). */
  newTokenLifetime?: number;
  /** Most simultaneous connections; new ones are refused beyond (default 10000). */
  maxConnections?: number;
  /** Most connections still in the handshake (unauthenticated work; default 1000). */
  maxHandshakes?: number;
  /**
   * Most connections in the handshake from one source IP address, any port
   * (default 8): Retry proves an address is real, not that its owner is
   * benign. Initials beyond it are dropped until a handshake finishes.
   */
  maxHandshakesPerAddress?: number;
  /**
   * Handshakes from unvalidated addresses above which new clients must
   * first answer a Retry (default maxHandshakes / 2; 0 = always, like `retry`).
   */
  retryUnderLoad?: number;
  /** Most stateless resets sent per second of `now` (default 100). */
  statelessResetRate?: number;
  /** Versions we accept (default v1 and v2). */
  supportedVersions?: number[];
}
