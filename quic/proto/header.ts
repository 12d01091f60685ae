/**
 * Packet header parsing (RFC 9000 §17) before header-protection removal:
 * it needs no keys and returns what the packet-protection stage needs
 * (`pnOffset`, `packetEnd`, the still-protected first byte) plus the
 * routing fields (version, connection IDs, token). Coalesced packets
 * (RFC 9000 §12.2) are walked with {@link iterateCoalescedPackets}.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import { readVarInt } from "./varint.ts";
import { PacketType, type PacketTypeValue } from "./packet_type.ts";
import { isSupportedVersion, packetTypeFromLongHeaderBits } from "./version.ts";

/**
 * Largest connection ID length in QUIC v1 and v2 long headers
 * (RFC 9000 §17.2). Version Negotiation packets may carry up to 255 bytes.
 *
 * @example
 * ```ts
 * import { MAX_CID_LENGTH } from "@gquic/core/quic";
 * console.log(MAX_CID_LENGTH); // 20
 * ```
 */
export const MAX_CID_LENGTH = 20;

/**
 * Length of the Retry Integrity Tag (RFC 9001 §5.8).
 *
 * @example
 * ```ts
 * import { RETRY_INTEGRITY_TAG_LENGTH } from "@gquic/core/quic";
 * console.log(RETRY_INTEGRITY_TAG_LENGTH); // 16
 * ```
 */
export const RETRY_INTEGRITY_TAG_LENGTH = 16;

const EMPTY = new Uint8Array(0);
// Shared and frozen: avoids an allocation per parsed packet.
const NO_VERSIONS = Object.freeze([]) as unknown as number[];

/**
 * The fields of one packet that are readable before header protection is
 * removed. Byte arrays are subarrays of the datagram (no copy).
 *
 * @example
 * ```ts
 * import { parsePacketHeader, type PacketHeader } from "@gquic/core/quic";
 * const h: PacketHeader = parsePacketHeader(Uint8Array.of(0x40, 1, 2, 0, 0), 0, 2);
 * console.log(h.dcid, h.pnOffset); // Uint8Array(2) [1, 2] 3
 * ```
 */
export interface PacketHeader {
  /** True for a long header (RFC 9000 §17.2), false for a short header (§17.3). */
  longHeader: boolean;
  /** Byte 0 as received (its low bits are still header-protected). */
  firstByte: number;
  /** The Version field; 0 for Version Negotiation and for short headers. */
  version: number;
  /** The packet type; `Unknown` for a long header of an unsupported version. */
  packetType: PacketTypeValue;
  /** Destination Connection ID. */
  dcid: Uint8Array;
  /** Source Connection ID (empty for short headers). */
  scid: Uint8Array;
  /** Initial or Retry token (empty otherwise). */
  token: Uint8Array;
  /** Offset of the packet's first byte in the datagram. */
  packetStart: number;
  /** Offset of the Packet Number field, or -1 when the packet has none. */
  pnOffset: number;
  /** Offset one past the end of this packet in the datagram. */
  packetEnd: number;
  /** Latency spin bit of a short header (RFC 9000 §17.4; not protected). */
  spinBit: boolean;
  /** Supported Version list of a Version Negotiation packet (else a shared, frozen empty array). */
  supportedVersions: number[];
  /** Retry Integrity Tag of a Retry packet (else empty). */
  retryIntegrityTag: Uint8Array;
}

/**
 * Options for {@link parsePacketHeader}.
 *
 * @example
 * ```ts
 * import type { ParseHeaderOptions } from "@gquic/core/quic";
 * const o: ParseHeaderOptions = { allowFixedBitZero: true };
 * console.log(o);
 * ```
 */
export interface ParseHeaderOptions {
  /**
   * Accept packets whose Fixed Bit (0x40) is 0: set when this endpoint
   * advertised grease_quic_bit (RFC 9287 §3). Default false: such packets
   * are rejected (RFC 9000 §17.2, §17.3.1).
   */
  allowFixedBitZero?: boolean;
}

function malformed(message: string): QuicError {
  return new QuicError(TransportErrorCode.PROTOCOL_VIOLATION, message);
}

/**
 * Parses the header of the packet starting at `datagram[offset]`.
 * `shortDcidLength` is the length of this endpoint's connection IDs (a short
 * header does not carry it, RFC 9000 §17.3). Throws `QuicError`
 * (PROTOCOL_VIOLATION) on malformed input; the caller drops the packet.
 *
 * @example
 * ```ts
 * import { parsePacketHeader, PacketType } from "@gquic/core/quic";
 * // v1 Initial: DCID aa, empty SCID, empty token, Length 20.
 * const pkt = new Uint8Array(30);
 * pkt.set([0xc0, 0, 0, 0, 1, 1, 0xaa, 0, 0, 20]);
 * const h = parsePacketHeader(pkt, 0, 8);
 * console.log(h.packetType === PacketType.Initial, h.pnOffset, h.packetEnd); // true 10 30
 * ```
 */
export function parsePacketHeader(
  datagram: Uint8Array,
  offset: number,
  shortDcidLength: number,
  options?: ParseHeaderOptions,
): PacketHeader {
  const end = datagram.length;
  if (offset >= end) throw malformed("empty packet");
  const b0 = datagram[offset];
  if ((b0 & 0x80) === 0) return parseShort(datagram, offset, b0, shortDcidLength, options);
  return parseLong(datagram, offset, b0, options);
}

function parseShort(
  buf: Uint8Array,
  offset: number,
  b0: number,
  dcidLength: number,
  options?: ParseHeaderOptions,
): PacketHeader {
  // RFC 9000 §17.3.1: Fixed Bit must be 1 unless grease_quic_bit was advertised.
  if ((b0 & 0x40) === 0 && !options?.allowFixedBitZero) throw malformed("fixed bit is 0");
  const pnOffset = offset + 1 + dcidLength;
  if (dcidLength < 0 || dcidLength > MAX_CID_LENGTH || pnOffset > buf.length) {
    throw malformed("short header truncated");
  }
  return {
    longHeader: false,
    firstByte: b0,
    version: 0,
    packetType: PacketType.OneRtt,
    dcid: buf.subarray(offset + 1, pnOffset),
    scid: EMPTY,
    token: EMPTY,
    packetStart: offset,
    pnOffset,
    // A short header packet has no Length: it consumes the rest (RFC 9000 §12.2).
    packetEnd: buf.length,
    spinBit: (b0 & 0x20) !== 0,
    supportedVersions: NO_VERSIONS,
    retryIntegrityTag: EMPTY,
  };
}

function parseLong(
  buf: Uint8Array,
  offset: number,
  b0: number,
  options?: ParseHeaderOptions,
): PacketHeader {
  const end = buf.length;
  if (offset + 7 > end) throw malformed("long header truncated");
  const version = ((buf[offset + 1] << 24) | (buf[offset + 2] << 16) | (buf[offset + 3] << 8) |
    buf[offset + 4]) >>> 0;
  // RFC 8999 §5.1 invariants: DCID and SCID lengths are one byte each (≤ 255).
  let p = offset + 5;
  const dcidLen = buf[p++];
  if (p + dcidLen + 1 > end) throw malformed("long header truncated in DCID");
  const dcid = buf.subarray(p, p + dcidLen);
  p += dcidLen;
  const scidLen = buf[p++];
  if (p + scidLen > end) throw malformed("long header truncated in SCID");
  const scid = buf.subarray(p, p + scidLen);
  p += scidLen;
  const header: PacketHeader = {
    longHeader: true,
    firstByte: b0,
    version,
    packetType: PacketType.Unknown,
    dcid,
    scid,
    token: EMPTY,
    packetStart: offset,
    pnOffset: -1,
    packetEnd: end,
    spinBit: false,
    supportedVersions: NO_VERSIONS,
    retryIntegrityTag: EMPTY,
  };
  if (version === 0) {
    // RFC 9000 §17.2.1: Version Negotiation; the rest is a list of 32-bit versions
    // and the packet consumes the whole datagram.
    header.packetType = PacketType.VersionNegotiation;
    const rest = end - p;
    if (rest % 4 !== 0) throw malformed("version negotiation list is not a multiple of 4");
    const versions = new Array<number>(rest / 4);
    for (let i = 0; i < versions.length; i++, p += 4) {
      versions[i] = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
    }
    header.supportedVersions = versions;
    return header;
  }
  if (!isSupportedVersion(version)) {
    // Only the invariant fields are known; the caller may send Version Negotiation.
    return header;
  }
  // RFC 9000 §17.2: in v1 (and v2) connection IDs are at most 20 bytes.
  if (dcidLen > MAX_CID_LENGTH || scidLen > MAX_CID_LENGTH) {
    throw malformed("connection ID longer than 20 bytes");
  }
  if ((b0 & 0x40) === 0 && !options?.allowFixedBitZero) throw malformed("fixed bit is 0");
  const packetType = packetTypeFromLongHeaderBits(version, (b0 >> 4) & 3);
  header.packetType = packetType;
  if (packetType === PacketType.Retry) {
    // RFC 9000 §17.2.5: token is everything up to the 16-byte integrity tag.
    const tagStart = end - RETRY_INTEGRITY_TAG_LENGTH;
    if (tagStart < p) throw malformed("retry packet truncated");
    // RFC 9000 §17.2.5.2: a Retry with an empty token is discarded.
    if (tagStart === p) throw malformed("retry packet with empty token");
    header.token = buf.subarray(p, tagStart);
    header.retryIntegrityTag = buf.subarray(tagStart, end);
    return header;
  }
  const cursor = { offset: p };
  try {
    if (packetType === PacketType.Initial) {
      // RFC 9000 §17.2.2: Token Length (i), Token (..).
      const tokenLen = readVarInt(buf, cursor);
      if (tokenLen > end - cursor.offset) throw malformed("token exceeds packet");
      header.token = buf.subarray(cursor.offset, cursor.offset + tokenLen);
      cursor.offset += tokenLen;
    }
    // RFC 9000 §17.2: Length (i) covers Packet Number and Payload.
    const length = readVarInt(buf, cursor);
    if (length > end - cursor.offset) throw malformed("length exceeds datagram");
    header.pnOffset = cursor.offset;
    header.packetEnd = cursor.offset + length;
  } catch (e) {
    if (e instanceof QuicError) {
      throw e.code === TransportErrorCode.PROTOCOL_VIOLATION ? e : malformed("truncated varint");
    }
    throw e;
  }
  return header;
}

/**
 * Iterates the packets coalesced in one UDP datagram (RFC 9000 §12.2),
 * using each long header's Length field; a short header, Retry, Version
 * Negotiation or unknown-version packet consumes the rest. Packets whose
 * Destination Connection ID differs from the first packet's are skipped
 * (RFC 9000 §12.2: "Receivers SHOULD ignore" them). A malformed packet ends
 * the iteration with a `QuicError` after the packets before it were yielded.
 *
 * @example
 * ```ts
 * import { iterateCoalescedPackets } from "@gquic/core/quic";
 * const dgram = Uint8Array.of(0x40, 7, 0, 0); // one short header packet, DCID length 1
 * for (const h of iterateCoalescedPackets(dgram, 1)) console.log(h.dcid); // Uint8Array(1) [7]
 * ```
 */
export function* iterateCoalescedPackets(
  datagram: Uint8Array,
  shortDcidLength: number,
  options?: ParseHeaderOptions,
): Generator<PacketHeader, void, undefined> {
  let offset = 0;
  let firstDcid: Uint8Array | undefined;
  while (offset < datagram.length) {
    const h = parsePacketHeader(datagram, offset, shortDcidLength, options);
    if (firstDcid === undefined) firstDcid = h.dcid;
    else if (!bytesEqual(firstDcid, h.dcid)) {
      offset = h.packetEnd;
      continue;
    }
    yield h;
    offset = h.packetEnd;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Packet Number Length from a first byte whose header protection has been
 * removed: the low two bits plus one (RFC 9000 §17.2, §17.3.1).
 *
 * @example
 * ```ts
 * import { packetNumberLengthOf } from "@gquic/core/quic";
 * console.log(packetNumberLengthOf(0xc3)); // 4
 * ```
 */
export function packetNumberLengthOf(unprotectedFirstByte: number): 1 | 2 | 3 | 4 {
  return ((unprotectedFirstByte & 3) + 1) as 1 | 2 | 3 | 4;
}

/**
 * Key Phase bit of an unprotected short-header first byte (RFC 9000 §17.3.1).
 *
 * @example
 * ```ts
 * import { keyPhaseOf } from "@gquic/core/quic";
 * console.log(keyPhaseOf(0x44)); // true
 * ```
 */
export function keyPhaseOf(unprotectedFirstByte: number): boolean {
  return (unprotectedFirstByte & 0x04) !== 0;
}

/**
 * Checks the Reserved Bits of an unprotected first byte (0x0c for long
 * headers, 0x18 for short ones): nonzero after successful decryption is a
 * PROTOCOL_VIOLATION (RFC 9000 §17.2, §17.3.1).
 *
 * @example
 * ```ts
 * import { checkReservedBits } from "@gquic/core/quic";
 * checkReservedBits(0xc3); // fine
 * try { checkReservedBits(0xcc); } catch (e) { console.log((e as Error).name); } // QuicError
 * ```
 */
export function checkReservedBits(unprotectedFirstByte: number): void {
  const mask = (unprotectedFirstByte & 0x80) !== 0 ? 0x0c : 0x18;
  if ((unprotectedFirstByte & mask) !== 0) throw malformed("reserved bits are not zero");
}
