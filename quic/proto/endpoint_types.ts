/**
 * The values the sans-IO `Endpoint` hands to its driver: events,
 * datagrams to send, and counters.
 * @module
 */
import type { Connection } from "./connection.ts";
import type { SocketAddr } from "./config.ts";
import type { ConnectionEvent } from "./events.ts";

/**
 * What the endpoint reports: a new incoming connection, or an event of one
 * of its connections.
 *
 * @example
 * ```ts
 * import type { EndpointEvent } from "@gquic/core/quic";
 * function log(e: EndpointEvent) {
 *   if (e.type === "connection") console.log(e.conn.handle, e.event.type);
 * }
 * console.log(typeof log);
 * ```
 */
export type EndpointEvent =
  | { type: "newConnection"; conn: Connection }
  | { type: "connection"; conn: Connection; event: ConnectionEvent };

/**
 * A datagram to send: `data` is valid until the next `pollTransmit` call
 * (the endpoint reuses its buffer — copy it if you batch).
 *
 * @example
 * ```ts
 * import type { Transmit } from "@gquic/core/quic";
 * const t: Transmit = { data: new Uint8Array(1), remote: { hostname: "::1", port: 443 } };
 * console.log(t.remote.port);
 * ```
 */
export interface Transmit {
  /** UDP payload. */
  data: Uint8Array;
  /** Destination. */
  remote: SocketAddr;
}

/**
 * Counters of an endpoint.
 *
 * @example
 * ```ts
 * import type { EndpointStats } from "@gquic/core/quic";
 * const f = (s: EndpointStats) => s.accepted;
 * console.log(typeof f);
 * ```
 */
export interface EndpointStats {
  /** Datagrams received. */
  datagramsReceived: number;
  /** Datagrams dropped before reaching a connection. */
  datagramsDropped: number;
  /** Version Negotiation packets sent. */
  versionNegotiationSent: number;
  /** Retry packets sent. */
  retrySent: number;
  /** Stateless resets sent. */
  statelessResetsSent: number;
  /** Connections accepted. */
  accepted: number;
  /** Connections refused (limits). */
  refused: number;
}
