/**
 * gquic QUIC transport: the wire format (RFC 9000 §12–§19, RFC 9369),
 * transport parameters and typed errors.
 *
 * @example
 * ```ts
 * import { parsePacketHeader, QuicError } from "@gquic/core/quic";
 * try {
 *   parsePacketHeader(new Uint8Array([0xc0]), 0, 8);
 * } catch (e) {
 *   console.log(e instanceof QuicError);
 * }
 * ```
 * @module
 */
export * from "./proto/errors.ts";
export * from "./proto/varint.ts";
export * from "./proto/bytes.ts";
export * from "./proto/packet.ts";
export * from "./proto/frames/mod.ts";
export * from "./proto/transport_params.ts";
export * from "./proto/config.ts";
export * from "./proto/events.ts";
export * from "./proto/endpoint.ts";
export * from "./proto/connection.ts";
export type { ConnStats } from "./proto/conn_state.ts";
export * from "./proto/stateless_reset.ts";
export * from "./proto/address_token.ts";
export * from "./proto/cid.ts";
export * from "./api.ts";
// TLS option types that `ClientTlsConfig`/`ServerTlsConfig` (proto/config.ts)
// are derived from, so this entry point documents on its own (JSR).
export type {
  AntiReplayGuard,
  HelloRetryCookieSealer,
  HelloRetryCookieState,
  KeyType,
  RawExtension,
  TicketKeyRing,
  TlsClientOptions,
  TlsCommonOptions,
  TlsPrivateKey,
  TlsServerOptions,
} from "../crypto/mod.ts";
