/**
 * gquic QUIC transport: wire format, errors and (later) connections.
 * @module
 */
export * from "./proto/errors.ts";
export * from "./proto/varint.ts";
export * from "./proto/bytes.ts";
