/**
 * gquic cryptography: packet protection and TLS 1.3 for QUIC.
 * @module
 */
export * from "./hkdf.ts";
export * from "./tls/alert.ts";
