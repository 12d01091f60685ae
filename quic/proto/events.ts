/**
 * Events the sans-IO connection and endpoint report to their driver.
 * Stream IDs and error codes are plain numbers inside the core.
 * @module
 */

/**
 * Something that happened on a connection; drained with
 * `Connection.pollEvent()` or, for all connections, `Endpoint.pollEvent()`.
 *
 * - `handshakeCompleted`: TLS finished; streams may carry 1-RTT data.
 * - `streamOpened`: the peer opened stream `id` (first frame seen).
 * - `streamReadable`: `streamRead(id)` has data or the FIN to return.
 * - `streamWritable`: the send buffer or flow-control credit of `id` grew.
 * - `streamFinished`: everything we sent on `id`, FIN included, was acknowledged.
 * - `streamReset`: the peer reset its sending side of `id` (RESET_STREAM).
 * - `stopSending`: the peer asked us to stop sending on `id` (STOP_SENDING).
 * - `streamsAvailable`: more streams of that direction may be opened.
 * - `datagramReceived`: an unreliable DATAGRAM (RFC 9221).
 * - `newToken`: a NEW_TOKEN for future connections to this server (client only).
 * - `sessionTicket`: a TLS session ticket (opaque to the core).
 * - `connectionClosed`: the connection entered closing or draining (or ended).
 * - `terminated`: the connection is gone and can be dropped by the driver.
 *
 * @example
 * ```ts
 * import type { ConnectionEvent } from "@gquic/core/quic";
 * const e: ConnectionEvent = { type: "streamReadable", id: 0 };
 * console.log(e.type);
 * ```
 */
export type ConnectionEvent =
  | { type: "handshakeCompleted"; alpnProtocol: string | undefined }
  | { type: "streamOpened"; id: number; bidi: boolean }
  | { type: "streamReadable"; id: number }
  | { type: "streamWritable"; id: number }
  | { type: "streamFinished"; id: number }
  | { type: "streamReset"; id: number; code: number; finalSize: number }
  | { type: "stopSending"; id: number; code: number }
  | { type: "streamsAvailable"; bidi: boolean }
  | { type: "datagramReceived"; data: Uint8Array }
  | { type: "newToken"; token: Uint8Array }
  | { type: "sessionTicket"; ticket: unknown }
  | {
    type: "connectionClosed";
    /** Transport or application error code. */
    code: number;
    /** Reason phrase. */
    reason: string;
    /** True for an application close (CONNECTION_CLOSE 0x1d). */
    isApplication: boolean;
    /** True when the peer closed (or reset) the connection. */
    byPeer: boolean;
    /** How it ended: a close frame, the idle timeout, or a stateless reset. */
    kind: "close" | "idleTimeout" | "statelessReset" | "versionNegotiation";
  }
  | { type: "terminated" };

/**
 * Type name of a {@link ConnectionEvent}.
 *
 * @example
 * ```ts
 * import type { ConnectionEventType } from "@gquic/core/quic";
 * const t: ConnectionEventType = "handshakeCompleted";
 * console.log(t);
 * ```
 */
export type ConnectionEventType = ConnectionEvent["type"];
