/**
 * The kinds of QUIC packet (RFC 9000 §17) as one enumeration shared by the
 * header parser, the frame permission table and the connection.
 * @module
 */

/**
 * QUIC packet types. The long-header ones map to a 2-bit wire value that
 * depends on the version (see `longHeaderTypeBits`); `OneRtt` is the short
 * header (RFC 9000 §17.3.1); `VersionNegotiation` has version 0
 * (RFC 9000 §17.2.1); `Unknown` is a long header of a version this stack
 * does not implement (only the invariant fields of RFC 8999 are parsed).
 *
 * @example
 * ```ts
 * import { PacketType } from "@gquic/core/quic";
 * console.log(PacketType.Handshake); // 2
 * ```
 */
export const PacketType = {
  Initial: 0,
  ZeroRtt: 1,
  Handshake: 2,
  Retry: 3,
  OneRtt: 4,
  VersionNegotiation: 5,
  Unknown: 6,
} as const;

/**
 * A value of {@link PacketType}.
 *
 * @example
 * ```ts
 * import { PacketType, type PacketTypeValue } from "@gquic/core/quic";
 * const t: PacketTypeValue = PacketType.OneRtt;
 * console.log(t);
 * ```
 */
export type PacketTypeValue = typeof PacketType[keyof typeof PacketType];

const NAMES = ["Initial", "0-RTT", "Handshake", "Retry", "1-RTT", "VersionNegotiation", "Unknown"];

/**
 * The RFC name of a packet type ("Initial", "0-RTT", "1-RTT", ...), for logs.
 *
 * @example
 * ```ts
 * import { PacketType, packetTypeName } from "@gquic/core/quic";
 * console.log(packetTypeName(PacketType.ZeroRtt)); // "0-RTT"
 * ```
 */
export function packetTypeName(t: PacketTypeValue): string {
  return NAMES[t] ?? "Unknown";
}
