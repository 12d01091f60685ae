/**
 * Packet header builders (RFC 9000 §17): long and short headers written into
 * a caller buffer with a Length field patched once the payload size is
 * known, plus Version Negotiation and Retry packets and the Retry
 * pseudo-packet (RFC 9001 §5.8) the integrity tag is computed over.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import { varIntLength, writeVarInt, writeVarIntLen } from "./varint.ts";
import { PacketType, type PacketTypeValue } from "./packet_type.ts";
import { longHeaderTypeBits } from "./version.ts";
import { type PacketNumberLength, writePacketNumber } from "./packet_number.ts";
import { MAX_CID_LENGTH } from "./header.ts";

function internal(message: string): QuicError {
  return new QuicError(TransportErrorCode.INTERNAL_ERROR, message);
}

/**
 * Fields of an Initial, 0-RTT or Handshake long header.
 *
 * @example
 * ```ts
 * import { type LongHeaderFields, PacketType, QUIC_V1 } from "@gquic/core/quic";
 * const f: LongHeaderFields = {
 *   packetType: PacketType.Handshake, version: QUIC_V1,
 *   dcid: new Uint8Array(8), scid: new Uint8Array(8), packetNumber: 0, pnLength: 1,
 * };
 * console.log(f.pnLength);
 * ```
 */
export interface LongHeaderFields {
  /** Initial, ZeroRtt or Handshake. */
  packetType: PacketTypeValue;
  /** QUIC_V1 or QUIC_V2. */
  version: number;
  /** Destination Connection ID (≤ 20 bytes). */
  dcid: Uint8Array;
  /** Source Connection ID (≤ 20 bytes). */
  scid: Uint8Array;
  /** Token (Initial packets only; RFC 9000 §17.2.2). */
  token?: Uint8Array;
  /** Full packet number; its low `pnLength` bytes are written. */
  packetNumber: number;
  /** Packet number length in bytes. */
  pnLength: PacketNumberLength;
  /** Width of the Length field, patched later (default 2: lengths < 16384). */
  lengthSize?: 1 | 2 | 4 | 8;
  /** Clear the Fixed Bit (only if the peer sent grease_quic_bit, RFC 9287 §3). */
  clearFixedBit?: boolean;
}

/**
 * Where a long header's variable parts were written; pass it to
 * {@link patchLength} once the packet end is known.
 *
 * @example
 * ```ts
 * import type { LongHeaderLayout } from "@gquic/core/quic";
 * const l: LongHeaderLayout = { lengthOffset: 9, lengthSize: 2, pnOffset: 11, payloadOffset: 12 };
 * console.log(l.payloadOffset);
 * ```
 */
export interface LongHeaderLayout {
  /** Offset of the Length field. */
  lengthOffset: number;
  /** Width of the Length field in bytes. */
  lengthSize: 1 | 2 | 4 | 8;
  /** Offset of the Packet Number field. */
  pnOffset: number;
  /** Offset of the first payload byte (end of the header). */
  payloadOffset: number;
}

/**
 * Encoded size of a long header with these fields (up to the payload).
 *
 * @example
 * ```ts
 * import { longHeaderSize, PacketType, QUIC_V1 } from "@gquic/core/quic";
 * console.log(longHeaderSize({
 *   packetType: PacketType.Initial, version: QUIC_V1, dcid: new Uint8Array(8),
 *   scid: new Uint8Array(0), packetNumber: 2, pnLength: 4, lengthSize: 2,
 * })); // 22 (RFC 9001 §A.2)
 * ```
 */
export function longHeaderSize(f: LongHeaderFields): number {
  let n = 1 + 4 + 1 + f.dcid.length + 1 + f.scid.length + (f.lengthSize ?? 2) + f.pnLength;
  if (f.packetType === PacketType.Initial) {
    const t = f.token?.length ?? 0;
    n += varIntLength(t) + t;
  }
  return n;
}

/**
 * Writes an Initial, 0-RTT or Handshake long header at `buf[off]` (RFC 9000
 * §17.2) with an unprotected first byte (reserved bits 0, Packet Number
 * Length in the low bits) and a zero Length field of `lengthSize` bytes to
 * be patched by {@link patchLength}. Returns the layout (pass `layout` to
 * reuse an object on the hot path).
 *
 * @example
 * ```ts
 * import { patchLength, PacketType, QUIC_V1, writeLongHeader } from "@gquic/core/quic";
 * const buf = new Uint8Array(1200);
 * const l = writeLongHeader(buf, 0, {
 *   packetType: PacketType.Initial, version: QUIC_V1, dcid: Uint8Array.of(1, 2, 3, 4),
 *   scid: new Uint8Array(0), packetNumber: 0, pnLength: 1,
 * });
 * patchLength(buf, l, l.payloadOffset + 100 + 16); // payload + AEAD tag
 * console.log(l.pnOffset, buf[l.lengthOffset].toString(16)); // 14 40
 * ```
 */
export function writeLongHeader(
  buf: Uint8Array,
  off: number,
  f: LongHeaderFields,
  layout?: LongHeaderLayout,
): LongHeaderLayout {
  if (f.dcid.length > MAX_CID_LENGTH || f.scid.length > MAX_CID_LENGTH) {
    throw internal("connection ID longer than 20 bytes");
  }
  const size = longHeaderSize(f);
  if (off + size > buf.length) throw internal("long header does not fit");
  const typeBits = longHeaderTypeBits(f.version, f.packetType);
  if (f.packetType === PacketType.Retry) throw internal("use encodeRetryPacket for Retry");
  // RFC 9000 §17.2: 1 | Fixed Bit | Long Packet Type | Reserved (2) = 0 | PN Length - 1.
  buf[off] = 0x80 | (f.clearFixedBit ? 0 : 0x40) | (typeBits << 4) | (f.pnLength - 1);
  let p = off + 1;
  const v = f.version;
  buf[p++] = v >>> 24;
  buf[p++] = (v >>> 16) & 0xff;
  buf[p++] = (v >>> 8) & 0xff;
  buf[p++] = v & 0xff;
  buf[p++] = f.dcid.length;
  buf.set(f.dcid, p);
  p += f.dcid.length;
  buf[p++] = f.scid.length;
  buf.set(f.scid, p);
  p += f.scid.length;
  if (f.packetType === PacketType.Initial) {
    const token = f.token;
    p = writeVarInt(buf, p, token?.length ?? 0);
    if (token !== undefined) {
      buf.set(token, p);
      p += token.length;
    }
  } else if (f.token !== undefined && f.token.length > 0) {
    throw internal("only Initial packets carry a token");
  }
  const lengthSize = f.lengthSize ?? 2;
  const lengthOffset = p;
  p = writeVarIntLen(buf, p, 0, lengthSize);
  const pnOffset = p;
  p = writePacketNumber(buf, p, f.packetNumber, f.pnLength);
  const out = layout ?? { lengthOffset: 0, lengthSize: 2, pnOffset: 0, payloadOffset: 0 };
  out.lengthOffset = lengthOffset;
  out.lengthSize = lengthSize;
  out.pnOffset = pnOffset;
  out.payloadOffset = p;
  return out;
}

/**
 * Fills the Length field of a long header written by
 * {@link writeLongHeader}: Length = `packetEnd - pnOffset` (RFC 9000 §17.2:
 * packet number plus payload, including the AEAD tag). Throws
 * INTERNAL_ERROR if the value does not fit the reserved width.
 *
 * @example
 * ```ts
 * import { patchLength } from "@gquic/core/quic";
 * const buf = new Uint8Array(64);
 * patchLength(buf, { lengthOffset: 10, lengthSize: 2, pnOffset: 12, payloadOffset: 13 }, 50);
 * console.log(buf[10].toString(16), buf[11]); // 40 38
 * ```
 */
export function patchLength(buf: Uint8Array, layout: LongHeaderLayout, packetEnd: number): void {
  const length = packetEnd - layout.pnOffset;
  if (length < 0) throw internal("packet ends before its packet number");
  writeVarIntLen(buf, layout.lengthOffset, length, layout.lengthSize);
}

/**
 * Fields of a short (1-RTT) header.
 *
 * @example
 * ```ts
 * import type { ShortHeaderFields } from "@gquic/core/quic";
 * const f: ShortHeaderFields = { dcid: new Uint8Array(8), packetNumber: 7, pnLength: 2 };
 * console.log(f.pnLength);
 * ```
 */
export interface ShortHeaderFields {
  /** Destination Connection ID. */
  dcid: Uint8Array;
  /** Full packet number; its low `pnLength` bytes are written. */
  packetNumber: number;
  /** Packet number length in bytes. */
  pnLength: PacketNumberLength;
  /** Latency spin bit (RFC 9000 §17.4). */
  spinBit?: boolean;
  /** Key Phase bit (RFC 9001 §6). */
  keyPhase?: boolean;
  /** Clear the Fixed Bit (only if the peer sent grease_quic_bit, RFC 9287 §3). */
  clearFixedBit?: boolean;
}

/**
 * Writes a short header at `buf[off]` (RFC 9000 §17.3.1), unprotected, and
 * returns the payload offset; the packet number starts at
 * `payloadOffset - pnLength`.
 *
 * @example
 * ```ts
 * import { writeShortHeader } from "@gquic/core/quic";
 * const buf = new Uint8Array(32);
 * const payloadOffset = writeShortHeader(buf, 0, { dcid: Uint8Array.of(9, 9), packetNumber: 1, pnLength: 1 });
 * console.log(buf[0].toString(16), payloadOffset); // 40 4
 * ```
 */
export function writeShortHeader(buf: Uint8Array, off: number, f: ShortHeaderFields): number {
  const dcidLen = f.dcid.length;
  if (dcidLen > MAX_CID_LENGTH) throw internal("connection ID longer than 20 bytes");
  if (off + 1 + dcidLen + f.pnLength > buf.length) throw internal("short header does not fit");
  // RFC 9000 §17.3.1: 0 | Fixed | Spin | Reserved (2) = 0 | Key Phase | PN Length - 1.
  buf[off] = (f.clearFixedBit ? 0 : 0x40) | (f.spinBit ? 0x20 : 0) | (f.keyPhase ? 0x04 : 0) |
    (f.pnLength - 1);
  buf.set(f.dcid, off + 1);
  return writePacketNumber(buf, off + 1 + dcidLen, f.packetNumber, f.pnLength);
}

/**
 * Encodes a Version Negotiation packet (RFC 9000 §17.2.1). `dcid` echoes the
 * client's SCID and `scid` the client's DCID (the caller swaps them);
 * `unusedBits` is an injected random value for the 7 unused bits, of which
 * 0x40 is always set so it looks like the Fixed Bit.
 *
 * @example
 * ```ts
 * import { encodeVersionNegotiation, QUIC_V1, QUIC_V2 } from "@gquic/core/quic";
 * const vn = encodeVersionNegotiation(Uint8Array.of(1), Uint8Array.of(2), [QUIC_V1, QUIC_V2], 0);
 * console.log(vn.length); // 17
 * ```
 */
export function encodeVersionNegotiation(
  dcid: Uint8Array,
  scid: Uint8Array,
  supportedVersions: readonly number[],
  unusedBits: number,
): Uint8Array {
  if (dcid.length > 255 || scid.length > 255) throw internal("connection ID longer than 255");
  const out = new Uint8Array(7 + dcid.length + scid.length + 4 * supportedVersions.length);
  out[0] = 0x80 | 0x40 | (unusedBits & 0x3f);
  // Version 0 (bytes 1..4 already zero).
  let p = 5;
  out[p++] = dcid.length;
  out.set(dcid, p);
  p += dcid.length;
  out[p++] = scid.length;
  out.set(scid, p);
  p += scid.length;
  for (const v of supportedVersions) {
    out[p++] = v >>> 24;
    out[p++] = (v >>> 16) & 0xff;
    out[p++] = (v >>> 8) & 0xff;
    out[p++] = v & 0xff;
  }
  return out;
}

/**
 * Encodes a Retry packet without its 16-byte integrity tag (RFC 9000
 * §17.2.5); the caller computes the tag over {@link retryPseudoPacket}
 * (crypto/retry.ts) and appends it. `unusedBits` fills the 4 unused bits.
 *
 * @example
 * ```ts
 * import { encodeRetryWithoutTag, QUIC_V1 } from "@gquic/core/quic";
 * const r = encodeRetryWithoutTag(QUIC_V1, new Uint8Array(0), Uint8Array.of(1, 2), Uint8Array.of(7), 0xf);
 * console.log(r[0].toString(16), r.length); // ff 10
 * ```
 */
export function encodeRetryWithoutTag(
  version: number,
  dcid: Uint8Array,
  scid: Uint8Array,
  token: Uint8Array,
  unusedBits: number,
): Uint8Array {
  if (dcid.length > MAX_CID_LENGTH || scid.length > MAX_CID_LENGTH) {
    throw internal("connection ID longer than 20 bytes");
  }
  if (token.length === 0) throw internal("Retry token must not be empty");
  const typeBits = longHeaderTypeBits(version, PacketType.Retry);
  const out = new Uint8Array(7 + dcid.length + scid.length + token.length);
  out[0] = 0xc0 | (typeBits << 4) | (unusedBits & 0x0f);
  out[1] = version >>> 24;
  out[2] = (version >>> 16) & 0xff;
  out[3] = (version >>> 8) & 0xff;
  out[4] = version & 0xff;
  let p = 5;
  out[p++] = dcid.length;
  out.set(dcid, p);
  p += dcid.length;
  out[p++] = scid.length;
  out.set(scid, p);
  p += scid.length;
  out.set(token, p);
  return out;
}

/**
 * The Retry pseudo-packet of RFC 9001 §5.8: ODCID Length (8), Original
 * Destination Connection ID, then the Retry packet without its integrity
 * tag. The Retry Integrity Tag is the AEAD tag over this.
 *
 * @example
 * ```ts
 * import { retryPseudoPacket } from "@gquic/core/quic";
 * const p = retryPseudoPacket(Uint8Array.of(0x83, 0x94), Uint8Array.of(0xff, 0, 0, 0, 1));
 * console.log(p); // Uint8Array(8) [2, 131, 148, 255, 0, 0, 0, 1]
 * ```
 */
export function retryPseudoPacket(
  originalDcid: Uint8Array,
  retryWithoutTag: Uint8Array,
): Uint8Array {
  if (originalDcid.length > 255) throw internal("connection ID longer than 255");
  const out = new Uint8Array(1 + originalDcid.length + retryWithoutTag.length);
  out[0] = originalDcid.length;
  out.set(originalDcid, 1);
  out.set(retryWithoutTag, 1 + originalDcid.length);
  return out;
}
