/**
 * QUIC versions: v1 (RFC 9000), v2 (RFC 9369), reserved/greased versions
 * (RFC 9000 §15) and the version-dependent long-header type mapping.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import { PacketType, type PacketTypeValue } from "./packet_type.ts";

/**
 * QUIC version 1 (RFC 9000 §15).
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * console.log(QUIC_V1.toString(16)); // "1"
 * ```
 */
export const QUIC_V1 = 0x00000001;

/**
 * QUIC version 2 (RFC 9369 §3.1).
 *
 * @example
 * ```ts
 * import { QUIC_V2 } from "@gquic/core/quic";
 * console.log(QUIC_V2.toString(16)); // "6b3343cf"
 * ```
 */
export const QUIC_V2 = 0x6b3343cf;

/**
 * The versions this stack implements, in order of preference.
 *
 * @example
 * ```ts
 * import { SUPPORTED_VERSIONS } from "@gquic/core/quic";
 * console.log(SUPPORTED_VERSIONS.length); // 2
 * ```
 */
export const SUPPORTED_VERSIONS: readonly number[] = Object.freeze([QUIC_V1, QUIC_V2]);

/**
 * Whether `version` is one this stack implements (v1 or v2).
 *
 * @example
 * ```ts
 * import { isSupportedVersion } from "@gquic/core/quic";
 * console.log(isSupportedVersion(1), isSupportedVersion(0xff00001d)); // true false
 * ```
 */
export function isSupportedVersion(version: number): boolean {
  return version === QUIC_V1 || version === QUIC_V2;
}

/**
 * Whether `version` is a reserved ("greased") version of the form 0x?a?a?a?a
 * (RFC 9000 §15): such versions are never selected and exist to exercise
 * version negotiation.
 *
 * @example
 * ```ts
 * import { isReservedVersion } from "@gquic/core/quic";
 * console.log(isReservedVersion(0x1a2a3a4a), isReservedVersion(1)); // true false
 * ```
 */
export function isReservedVersion(version: number): boolean {
  return ((version & 0x0f0f0f0f) >>> 0) === 0x0a0a0a0a;
}

/**
 * Builds a reserved version from 32 random bits (RFC 9000 §15: the low
 * nibble of every byte is 0xa, the high nibbles are free). Randomness is
 * injected to keep the core deterministic.
 *
 * @example
 * ```ts
 * import { greaseVersion, isReservedVersion } from "@gquic/core/quic";
 * console.log(isReservedVersion(greaseVersion(0x12345678))); // true
 * ```
 */
export function greaseVersion(random32: number): number {
  return (((random32 & 0xf0f0f0f0) | 0x0a0a0a0a) >>> 0);
}

// Long Packet Type values, indexed by PacketType (Initial, 0-RTT, Handshake, Retry).
// RFC 9000 §17.2 Table 5 and RFC 9369 §3.2.
const V1_TYPE_BITS = [0b00, 0b01, 0b10, 0b11];
const V2_TYPE_BITS = [0b01, 0b10, 0b11, 0b00];
const V1_FROM_BITS: PacketTypeValue[] = [
  PacketType.Initial,
  PacketType.ZeroRtt,
  PacketType.Handshake,
  PacketType.Retry,
];
const V2_FROM_BITS: PacketTypeValue[] = [
  PacketType.Retry,
  PacketType.Initial,
  PacketType.ZeroRtt,
  PacketType.Handshake,
];

/**
 * The 2-bit Long Packet Type for `packetType` in `version` (RFC 9000 §17.2,
 * RFC 9369 §3.2). Throws `QuicError` INTERNAL_ERROR for an unsupported
 * version or a packet type without a long header.
 *
 * @example
 * ```ts
 * import { longHeaderTypeBits, PacketType, QUIC_V2 } from "@gquic/core/quic";
 * console.log(longHeaderTypeBits(QUIC_V2, PacketType.Initial)); // 1
 * ```
 */
export function longHeaderTypeBits(version: number, packetType: PacketTypeValue): number {
  if (packetType > PacketType.Retry) {
    throw new QuicError(TransportErrorCode.INTERNAL_ERROR, "packet type has no long header");
  }
  if (version === QUIC_V1) return V1_TYPE_BITS[packetType];
  if (version === QUIC_V2) return V2_TYPE_BITS[packetType];
  throw new QuicError(TransportErrorCode.INTERNAL_ERROR, `unsupported version 0x${hex(version)}`);
}

/**
 * The packet type of a long header's 2-bit type field in `version`;
 * `PacketType.Unknown` for a version this stack does not implement.
 *
 * @example
 * ```ts
 * import { packetTypeFromLongHeaderBits, PacketType, QUIC_V1 } from "@gquic/core/quic";
 * console.log(packetTypeFromLongHeaderBits(QUIC_V1, 0b11) === PacketType.Retry); // true
 * ```
 */
export function packetTypeFromLongHeaderBits(version: number, bits: number): PacketTypeValue {
  if (version === QUIC_V1) return V1_FROM_BITS[bits & 3];
  if (version === QUIC_V2) return V2_FROM_BITS[bits & 3];
  return PacketType.Unknown;
}

function hex(v: number): string {
  return (v >>> 0).toString(16).padStart(8, "0");
}
