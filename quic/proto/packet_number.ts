/**
 * Packet number truncation and recovery (RFC 9000 §17.1, Appendix A.2 and
 * A.3). Arithmetic uses plain `number`s without 32-bit bitwise operators so
 * it stays exact for packet numbers up to 2^53-1.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";

/**
 * Packet number encoded length in bytes (1–4).
 *
 * @example
 * ```ts
 * import type { PacketNumberLength } from "@gquic/core/quic";
 * const len: PacketNumberLength = 2;
 * console.log(len);
 * ```
 */
export type PacketNumberLength = 1 | 2 | 3 | 4;

/**
 * Chooses how many bytes to use for `fullPn` (RFC 9000 §17.1, Appendix
 * A.2): enough bits to represent more than twice the number of
 * unacknowledged packets. `largestAcked` is `undefined` (or -1) before any
 * acknowledgment in this packet number space, in which case the full packet
 * number's range counts. Never returns more than 4.
 *
 * @example
 * ```ts
 * import { encodePacketNumberLength } from "@gquic/core/quic";
 * console.log(encodePacketNumberLength(0xac5c02, 0xabe8b3)); // 2 (RFC 9000 §A.2)
 * ```
 */
export function encodePacketNumberLength(
  fullPn: number,
  largestAcked?: number,
): PacketNumberLength {
  // RFC 9000 §A.2: num_unacked = full_pn + 1 without an ACK, else full_pn - largest_acked.
  const numUnacked = largestAcked === undefined || largestAcked < 0
    ? fullPn + 1
    : fullPn - largestAcked;
  // min_bits = log2(num_unacked) + 1, i.e. 2^(8*bytes) >= 2*num_unacked.
  const twice = numUnacked * 2;
  if (twice <= 0x100) return 1;
  if (twice <= 0x10000) return 2;
  if (twice <= 0x1000000) return 3;
  return 4;
}

/**
 * Writes the `pnLength` least significant bytes of `fullPn` at `buf[off]`
 * (big-endian) and returns the new offset.
 *
 * @example
 * ```ts
 * import { writePacketNumber } from "@gquic/core/quic";
 * const buf = new Uint8Array(4);
 * writePacketNumber(buf, 0, 0xac5c02, 2);
 * console.log(buf[0].toString(16), buf[1].toString(16)); // 5c 2
 * ```
 */
export function writePacketNumber(
  buf: Uint8Array,
  off: number,
  fullPn: number,
  pnLength: PacketNumberLength,
): number {
  if (off + pnLength > buf.length) {
    throw new QuicError(TransportErrorCode.INTERNAL_ERROR, "packet number write past end");
  }
  // `% 2^32` keeps the low 32 bits exact for values above 2^32.
  const low = fullPn % 0x100000000;
  for (let i = pnLength - 1; i >= 0; i--) {
    buf[off + pnLength - 1 - i] = Math.floor(low / 2 ** (8 * i)) & 0xff;
  }
  return off + pnLength;
}

/**
 * Reads a truncated packet number of `pnLength` bytes at `buf[off]` (after
 * header protection removal).
 *
 * @example
 * ```ts
 * import { readPacketNumber } from "@gquic/core/quic";
 * console.log(readPacketNumber(Uint8Array.of(0x9b, 0x32), 0, 2).toString(16)); // "9b32"
 * ```
 */
export function readPacketNumber(buf: Uint8Array, off: number, pnLength: number): number {
  if (pnLength < 1 || pnLength > 4 || off < 0 || off + pnLength > buf.length) {
    throw new QuicError(TransportErrorCode.PROTOCOL_VIOLATION, "truncated packet number");
  }
  let v = 0;
  for (let i = 0; i < pnLength; i++) v = v * 256 + buf[off + i];
  return v;
}

/** 2^62: packet numbers are below this (RFC 9000 §12.3). */
const PN_LIMIT = 2 ** 62;

/**
 * Recovers a full packet number (RFC 9000 §17.1, Appendix A.3): the value
 * closest to `largestPn + 1` whose low `pnNbits` bits equal `truncatedPn`.
 * `largestPn` is the largest packet number successfully processed in this
 * space, or -1 if none.
 *
 * @example
 * ```ts
 * import { decodePacketNumber } from "@gquic/core/quic";
 * console.log(decodePacketNumber(0xa82f30ea, 0x9b32, 16).toString(16)); // "a82f9b32"
 * ```
 */
export function decodePacketNumber(
  largestPn: number,
  truncatedPn: number,
  pnNbits: number,
): number {
  const expectedPn = largestPn + 1;
  const pnWin = 2 ** pnNbits;
  const pnHwin = pnWin / 2;
  // (expected_pn & ~pn_mask) | truncated_pn, without 32-bit bitwise operators.
  const candidatePn = expectedPn - (expectedPn % pnWin) + truncatedPn;
  if (candidatePn <= expectedPn - pnHwin && candidatePn < PN_LIMIT - pnWin) {
    return candidatePn + pnWin;
  }
  if (candidatePn > expectedPn + pnHwin && candidatePn >= pnWin) {
    return candidatePn - pnWin;
  }
  return candidatePn;
}
