/**
 * QUIC packets (RFC 9000 §17): packet types, versions, packet numbers,
 * header parsing and building. A barrel over the single-purpose files.
 * @module
 */
export * from "./packet_type.ts";
export * from "./version.ts";
export * from "./packet_number.ts";
export * from "./header.ts";
export * from "./header_build.ts";
