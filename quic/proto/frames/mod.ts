/**
 * QUIC frames (RFC 9000 §19, RFC 9221): types, encoder, decoder and the
 * frame/packet permission table (RFC 9000 §12.4).
 * @module
 */
export * from "./types.ts";
export * from "./encode.ts";
export * from "./decode.ts";
export * from "./permissions.ts";
export * from "./varint_ext.ts";
