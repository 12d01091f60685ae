/**
 * gquic's public QUIC API (Deno-compatible names): `QuicEndpoint`,
 * `connectQuic`, `QuicConn`, streams, listener and options. The lead
 * re-exports this from `quic/mod.ts` (`@gquic/core/quic`).
 * @module
 */
export { QuicEndpoint } from "./endpoint.ts";
export { connectQuic } from "./connect.ts";
export { QuicConn } from "./conn.ts";
export {
  type QuicBidirectionalStream,
  QuicReceiveStream,
  QuicSendStream,
  type StreamHost,
} from "./stream.ts";
export type { TransportConfig } from "./proto/config.ts";
export type { Connection } from "./proto/connection.ts";
export { QuicIncoming, QuicListener } from "./listener.ts";
export {
  acquireKeyLog,
  type KeyLogHandle,
  keyLogPath,
  keyLogWriter,
  resolveKeyLog,
} from "./keylog.ts";
export {
  type DatagramSocket,
  DenoUdpSocket,
  type UdpAddr,
  type UdpBindOptions,
} from "./io/deno_udp.ts";
export * from "./api_types.ts";
