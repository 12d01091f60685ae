/**
 * Protecting and unprotecting a whole QUIC packet in place: AEAD on the
 * payload (RFC 9001 §5.3) then header protection (RFC 9001 §5.4), and the
 * reverse with packet number recovery (RFC 9000 §17.1, Appendix A.3).
 * @module
 */
import type { Aead } from "./aead.ts";
import {
  applyHeaderProtection,
  type HeaderProtection,
  removeHeaderProtection,
} from "./header_protection.ts";
import {
  checkProtectArgs,
  keyPhaseOf,
  readFullPn,
  writeTruncatedPn,
} from "./packet_protection_util.ts";

/**
 * What protecting or unprotecting a packet needs: the AEAD and the header
 * protection of one epoch ({@link PacketKeys} satisfies it).
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { createPacketKeys, type ProtectionKeys } from "@gquic/core/crypto";
 * const keys: ProtectionKeys = createPacketKeys(0x1301, new Uint8Array(32), QUIC_V1);
 * console.log(typeof keys.aead.seal); // "function"
 * ```
 */
export interface ProtectionKeys {
  /** Payload protection. */
  readonly aead: Aead;
  /** Header protection. */
  readonly hp: HeaderProtection;
}

/**
 * Picks the AEAD to open a 1-RTT packet with, once header protection is off
 * and its Key Phase bit and full packet number are known (RFC 9001 §6.3,
 * §6.5): current, next or previous keys. `keyPhase` is `undefined` for long
 * header packets. Returning `null` drops the packet.
 *
 * @example
 * ```ts
 * import type { Aead, AeadSelector } from "@gquic/core/crypto";
 * const byPhase: [Aead | null, Aead | null] = [null, null];
 * const select: AeadSelector = (keyPhase) => byPhase[keyPhase ?? 0];
 * console.log(select(1, 5)); // null
 * ```
 */
export type AeadSelector = (keyPhase: 0 | 1 | undefined, packetNumber: number) => Aead | null;

/**
 * An unprotected packet: header protection removed and payload decrypted,
 * both in place in the caller's buffer.
 *
 * @example
 * ```ts
 * import type { UnprotectedPacket } from "@gquic/core/crypto";
 * const show = (p: UnprotectedPacket) => console.log(p.packetNumber, p.payload.length);
 * console.log(typeof show);
 * ```
 */
export interface UnprotectedPacket {
  /** Full packet number (RFC 9000 §17.1). */
  readonly packetNumber: number;
  /** Encoded packet number length (1–4). */
  readonly pnLength: number;
  /** Decrypted payload: a subarray of the packet buffer. */
  readonly payload: Uint8Array;
  /** Key Phase bit of a short header packet (RFC 9001 §6); `undefined` for long headers. */
  readonly keyPhase: 0 | 1 | undefined;
  /**
   * The first byte without header protection. Its reserved bits (0x0c long,
   * 0x18 short) are NOT checked here: the caller must close with
   * PROTOCOL_VIOLATION if they are non-zero (RFC 9000 §17.2, §17.3.1), and
   * only after the packet authenticated, which it has when this is returned.
   */
  readonly firstByte: number;
}

/**
 * Protects a packet in place and returns its end (`payloadEnd + 16`).
 *
 * `buf[headerStart, pnOffset + pnLength)` holds the plaintext header with
 * the Length field (long headers) already counting the 16-byte tag, and
 * `buf[pnOffset + pnLength, payloadEnd)` the plaintext payload. The low
 * `pnLength` bytes of `packetNumber` are (re)written at `pnOffset`, the
 * payload is sealed with the header as associated data (RFC 9001 §5.3), the
 * tag is appended, then header protection is applied (RFC 9001 §5.4.1).
 *
 * The payload must be long enough for the header protection sample: at least
 * `4 - pnLength` bytes (RFC 9001 §5.4.2, the sender pads), and `buf` must have
 * 16 bytes of room after `payloadEnd`; otherwise QuicError(INTERNAL_ERROR) is
 * thrown before anything is modified.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { createPacketKeys, protectPacket } from "@gquic/core/crypto";
 * const keys = createPacketKeys(0x1301, new Uint8Array(32), QUIC_V1);
 * const buf = new Uint8Array(1500);
 * buf[0] = 0x41; // short header, 2-byte packet number, empty DCID
 * buf.set([1, 0, 0, 0], 3); // payload: PING + padding
 * const end = protectPacket(buf, 0, 1, 2, 7, 7, keys);
 * console.log(end); // 23
 * ```
 */
export function protectPacket(
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  pnLength: number,
  packetNumber: number,
  payloadEnd: number,
  keys: ProtectionKeys,
): number {
  const payloadStart = checkProtectArgs(buf, headerStart, pnOffset, pnLength, payloadEnd);
  writeTruncatedPn(buf, pnOffset, pnLength, packetNumber);
  const end = keys.aead.seal(packetNumber, buf, headerStart, payloadStart, payloadEnd);
  applyHeaderProtection(buf, headerStart, pnOffset, pnLength, end, keys.hp);
  return end;
}

/**
 * Unprotects the packet `buf[headerStart, packetEnd)` in place: removes
 * header protection (RFC 9001 §5.4), recovers the full packet number from
 * `largestPn` (the largest packet number successfully processed in this
 * space, -1 if none; RFC 9000 Appendix A.3), and opens the payload.
 *
 * `pnOffset` is where the packet number starts (after the Length field of a
 * long header, after the DCID of a short one); `packetEnd` is the end given
 * by the Length field or the datagram. `select`, if given, picks the AEAD by
 * Key Phase and packet number (key updates, RFC 9001 §6); otherwise
 * `keys.aead` is used.
 *
 * Returns `null` — the packet must be dropped, RFC 9001 §5.5, §9.5 — when it
 * is too short to sample (§5.4.2), when `select` returns `null`, or when the
 * AEAD fails. On `null` the buffer is restored to what it was (header
 * protection re-applied), so it can be tried with other keys.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import {
 *   createPacketKeys,
 *   protectPacket,
 *
 *   unprotectPacket,
 * } from "@gquic/core/crypto";
 * const keys = createPacketKeys(0x1301, new Uint8Array(32), QUIC_V1);
 * const buf = new Uint8Array(64);
 * buf[0] = 0x41;
 * const end = protectPacket(buf, 0, 1, 2, 7, 7, keys);
 * const pkt = unprotectPacket(buf, 0, 1, end, 6, keys);
 * console.log(pkt?.packetNumber, pkt?.payload.length); // 7 4
 * ```
 */
export function unprotectPacket(
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  packetEnd: number,
  largestPn: number,
  keys: ProtectionKeys,
  select?: AeadSelector,
): UnprotectedPacket | null {
  const out = new UnprotectedPacketResult();
  return unprotectPacketInto(buf, headerStart, pnOffset, packetEnd, largestPn, keys, select, out)
    ? out
    : null;
}

/**
 * A reusable, mutable {@link UnprotectedPacket} filled by
 * {@link unprotectPacketInto}, so a receive loop allocates no result object
 * per packet. Its fields are only meaningful after a call that returned true.
 *
 * @example
 * ```ts
 * import { UnprotectedPacketResult } from "@gquic/core/crypto";
 * const out = new UnprotectedPacketResult();
 * console.log(out.packetNumber, out.payload.length); // -1 0
 * ```
 */
export class UnprotectedPacketResult implements UnprotectedPacket {
  /** Full packet number (RFC 9000 §17.1). */
  packetNumber: number = -1;
  /** Encoded packet number length (1–4). */
  pnLength: number = 0;
  /** Decrypted payload (see {@link UnprotectedPacket.payload}). */
  payload: Uint8Array = EMPTY;
  /** Key Phase bit of a short header packet; `undefined` for long headers. */
  keyPhase: 0 | 1 | undefined = undefined;
  /** The first byte without header protection (reserved bits unchecked). */
  firstByte: number = 0;
}

const EMPTY = new Uint8Array(0);

/**
 * {@link unprotectPacket} writing into a caller-owned result instead of
 * allocating one. Returns false (and leaves the buffer as received, `out`
 * unspecified) exactly when `unprotectPacket` would return `null`.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import {
 *   createPacketKeys,
 *   protectPacket,
 *   unprotectPacketInto,
 *   UnprotectedPacketResult,
 * } from "@gquic/core/crypto";
 * const keys = createPacketKeys(0x1301, new Uint8Array(32), QUIC_V1);
 * const buf = new Uint8Array(64);
 * buf[0] = 0x41;
 * const end = protectPacket(buf, 0, 1, 2, 7, 7, keys);
 * const out = new UnprotectedPacketResult();
 * if (unprotectPacketInto(buf, 0, 1, end, 6, keys, undefined, out)) {
 *   console.log(out.packetNumber, out.payload.length); // 7 4
 * }
 * ```
 */
export function unprotectPacketInto(
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  packetEnd: number,
  largestPn: number,
  keys: ProtectionKeys,
  select: AeadSelector | undefined,
  out: UnprotectedPacketResult,
): boolean {
  const pnLength = removeHeaderProtection(buf, headerStart, pnOffset, packetEnd, keys.hp);
  if (pnLength === 0) return false;
  const firstByte = buf[headerStart];
  const packetNumber = readFullPn(buf, pnOffset, pnLength, largestPn);
  const keyPhase = keyPhaseOf(firstByte);
  const aead = select === undefined ? keys.aead : select(keyPhase, packetNumber);
  const payload = aead === null
    ? null
    : aead.open(packetNumber, buf, headerStart, pnOffset + pnLength, packetEnd);
  if (payload === null) {
    // Undo the unmasking (XOR with the same mask) so the buffer is as received.
    applyHeaderProtection(buf, headerStart, pnOffset, pnLength, packetEnd, keys.hp);
    return false;
  }
  out.packetNumber = packetNumber;
  out.pnLength = pnLength;
  out.payload = payload;
  out.keyPhase = keyPhase;
  out.firstByte = firstByte;
  return true;
}
