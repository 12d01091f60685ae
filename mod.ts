/**
 * gquic: QUIC, TLS 1.3, QPACK and HTTP/3 in TypeScript for Deno.
 *
 * @example
 * ```ts
 * import { QuicError } from "@gquic/core";
 * console.log(new QuicError(0x0a, "example").message);
 * ```
 * @module
 */
export * from "./quic/mod.ts";
export * from "./crypto/mod.ts";
