/**
 * gquic cryptography: QUIC packet protection (RFC 9001 §5, RFC 9369), the
 * sans-IO TLS 1.3 handshake for QUIC (RFC 8446, RFC 9001 §4), X.509
 * certificates, keys and signatures.
 *
 * @example
 * ```ts
 * import { createInitialKeys } from "@gquic/core/crypto";
 * import { QUIC_V1 } from "@gquic/core/quic";
 * const keys = createInitialKeys(QUIC_V1, new Uint8Array(8));
 * console.log(keys.client.suite);
 * ```
 * @module
 */
export * from "./hkdf.ts";
export * from "./aead.ts";
export { AEAD_TAG_LENGTH, writeNonce } from "./aead_util.ts";
export * from "./aes_block.ts";
export * from "./chacha20_block.ts";
export * from "./cipher_suites.ts";
export * from "./header_protection.ts";
export * from "./initial_secrets.ts";
export * from "./node_aead.ts";
export * from "./noble_aead.ts";
export * from "./packet_keys.ts";
export * from "./packet_protection.ts";
export * from "./packet_protection_async.ts";
export * from "./retry.ts";
export * from "./webcrypto_aead.ts";
export * from "./cert_builder.ts";
export * from "./dev_cert.ts";
export * from "./system_store.ts";
export * from "./tls/alert.ts";
export * from "./tls/asn1.ts";
export * from "./tls/pem.ts";
export * from "./tls/keys.ts";
export * from "./tls/signature.ts";
export * from "./tls/x509.ts";
export * from "./tls/hostname.ts";
export * from "./tls/cert_verify.ts";
export * from "./tls/cert_cache.ts";
export * from "./tls/types.ts";
export * from "./tls/messages.ts";
export * from "./tls/messages_hello.ts";
export * from "./tls/extensions.ts";
export * from "./tls/extensions_key_share.ts";
export * from "./tls/extensions_psk.ts";
export * from "./tls/tls_codec.ts";
export * from "./tls/key_schedule.ts";
export * from "./tls/transcript.ts";
export * from "./tls/key_share.ts";
export * from "./tls/handshake.ts";
export * from "./tls/client.ts";
export * from "./tls/server.ts";
export * from "./tls/server_hello.ts";
export * from "./tls/server_flight.ts";
export * from "./tls/server_resumption.ts";
export * from "./tls/hrr_cookie.ts";
export * from "./tls/session_ticket.ts";
export * from "./tls/keylog.ts";
// QUIC types that public TLS signatures use (`TlsAlertError.toQuicError`,
// the tls_codec helpers), so this entry point documents on its own (JSR).
export type { ByteReader, ByteWriter, ErrorFactory } from "../quic/proto/bytes.ts";
export type { QuicError } from "../quic/proto/errors.ts";
