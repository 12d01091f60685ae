/**
 * Helpers shared by the synchronous and asynchronous packet protection
 * functions (not public API).
 * @module
 */
import { QuicError, TransportErrorCode } from "../quic/proto/errors.ts";
import { decodePacketNumber } from "../quic/proto/packet_number.ts";
import { AEAD_TAG_LENGTH } from "./aead_util.ts";
import { HP_SAMPLE_LENGTH } from "./header_protection.ts";

/**
 * Validates protect arguments before anything is modified; returns the
 * payload start. A violation is a caller bug.
 * @internal
 */
export function checkProtectArgs(
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  pnLength: number,
  payloadEnd: number,
): number {
  const payloadStart = pnOffset + pnLength;
  if (
    !(pnLength >= 1 && pnLength <= 4 && headerStart >= 0 && headerStart < pnOffset &&
      payloadStart <= payloadEnd && payloadEnd + AEAD_TAG_LENGTH <= buf.length)
  ) {
    throw new QuicError(TransportErrorCode.INTERNAL_ERROR, "protectPacket: bad offsets");
  }
  // RFC 9001 §5.4.2: the sample starts 4 bytes after the packet number.
  if (pnOffset + 4 + HP_SAMPLE_LENGTH > payloadEnd + AEAD_TAG_LENGTH) {
    throw new QuicError(
      TransportErrorCode.INTERNAL_ERROR,
      "protectPacket: payload too short for the header protection sample (pad it)",
    );
  }
  return payloadStart;
}

/**
 * Writes the low `pnLength` bytes of `packetNumber` big-endian.
 * @internal
 */
export function writeTruncatedPn(
  buf: Uint8Array,
  pnOffset: number,
  pnLength: number,
  packetNumber: number,
): void {
  let v = packetNumber % 0x100000000; // exact for values up to 2^53
  for (let i = pnLength - 1; i >= 0; i--) {
    buf[pnOffset + i] = v & 0xff;
    v = Math.floor(v / 256);
  }
}

/**
 * Reads the truncated packet number after header protection removal and
 * expands it (RFC 9000 §17.1).
 * @internal
 */
export function readFullPn(
  buf: Uint8Array,
  pnOffset: number,
  pnLength: number,
  largestPn: number,
): number {
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) truncated = truncated * 256 + buf[pnOffset + i];
  return decodePacketNumber(largestPn, truncated, pnLength * 8);
}

/**
 * The Key Phase bit of a short header (RFC 9000 §17.3.1), `undefined` for a
 * long header.
 * @internal
 */
export function keyPhaseOf(firstByte: number): 0 | 1 | undefined {
  if ((firstByte & 0x80) !== 0) return undefined;
  return (firstByte & 0x04) !== 0 ? 1 : 0;
}
