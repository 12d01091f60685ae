/**
 * Asynchronous packet protection for {@link AsyncAead} implementations
 * (WebCrypto): same layout and semantics as `packet_protection.ts`. Not for
 * the sans-IO core, which never awaits; for drivers and benchmarks.
 * @module
 */
import type { AsyncAead } from "./aead.ts";
import { createAead } from "./aead.ts";
import { CipherSuite, type CipherSuiteId } from "./cipher_suites.ts";
import {
  applyHeaderProtection,
  createHeaderProtection,
  type HeaderProtection,
  removeHeaderProtection,
} from "./header_protection.ts";
import type { UnprotectedPacket } from "./packet_protection.ts";
import {
  checkProtectArgs,
  keyPhaseOf,
  readFullPn,
  writeTruncatedPn,
} from "./packet_protection_util.ts";
import { derivePacketKeyMaterial } from "./packet_keys.ts";
import { asyncAead, createWebCryptoAead } from "./webcrypto_aead.ts";

/**
 * The keys of one epoch with an asynchronous AEAD.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { type AsyncProtectionKeys, createAsyncPacketKeys } from "@gquic/core/crypto";
 * const keys: AsyncProtectionKeys = await createAsyncPacketKeys(
 *   0x1301,
 *   new Uint8Array(32),
 *   QUIC_V1,
 * );
 * console.log(keys.hp.algorithm); // "aes-128"
 * ```
 */
export interface AsyncProtectionKeys {
  /** Payload protection. */
  readonly aead: AsyncAead;
  /** Header protection (synchronous, computed in JS). */
  readonly hp: HeaderProtection;
}

/**
 * Picks the asynchronous AEAD by Key Phase and packet number; see
 * {@link AeadSelector}.
 *
 * @example
 * ```ts
 * import type { AsyncAeadSelector } from "@gquic/core/crypto";
 * const select: AsyncAeadSelector = () => null;
 * console.log(select(0, 1)); // null
 * ```
 */
export type AsyncAeadSelector = (
  keyPhase: 0 | 1 | undefined,
  packetNumber: number,
) => AsyncAead | null;

/**
 * Derives packet keys (RFC 9001 §5.1) with a WebCrypto AEAD for the AES
 * suites; for ChaCha20-Poly1305, which WebCrypto lacks, the AEAD is the
 * synchronous default one behind {@link asyncAead}.
 *
 * @example
 * ```ts
 * import { QUIC_V2 } from "@gquic/core/quic";
 * import { createAsyncPacketKeys } from "@gquic/core/crypto";
 * const keys = await createAsyncPacketKeys(0x1302, new Uint8Array(48), QUIC_V2);
 * console.log(keys.aead.suite); // 4866
 * ```
 */
export async function createAsyncPacketKeys(
  suite: CipherSuiteId,
  secret: Uint8Array,
  version: number,
): Promise<AsyncProtectionKeys> {
  const m = derivePacketKeyMaterial(suite, secret, version);
  const aead = suite === CipherSuite.TLS_CHACHA20_POLY1305_SHA256
    ? asyncAead(createAead(suite, m.key, m.iv))
    : await createWebCryptoAead(suite, m.key, m.iv);
  return { aead, hp: createHeaderProtection(suite, m.hp) };
}

/**
 * {@link protectPacket} with an asynchronous AEAD. Don't touch `buf` until
 * the promise settles.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { createAsyncPacketKeys, protectPacketAsync } from "@gquic/core/crypto";
 * const keys = await createAsyncPacketKeys(0x1301, new Uint8Array(32), QUIC_V1);
 * const buf = new Uint8Array(64);
 * buf[0] = 0x41;
 * console.log(await protectPacketAsync(buf, 0, 1, 2, 7, 7, keys)); // 23
 * ```
 */
export async function protectPacketAsync(
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  pnLength: number,
  packetNumber: number,
  payloadEnd: number,
  keys: AsyncProtectionKeys,
): Promise<number> {
  const payloadStart = checkProtectArgs(buf, headerStart, pnOffset, pnLength, payloadEnd);
  writeTruncatedPn(buf, pnOffset, pnLength, packetNumber);
  const end = await keys.aead.seal(packetNumber, buf, headerStart, payloadStart, payloadEnd);
  applyHeaderProtection(buf, headerStart, pnOffset, pnLength, end, keys.hp);
  return end;
}

/**
 * {@link unprotectPacket} with an asynchronous AEAD; resolves to `null`
 * when the packet must be dropped (buffer restored). Don't touch `buf` until
 * the promise settles.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import {
 *   createAsyncPacketKeys,
 *   protectPacketAsync,
 *
 *   unprotectPacketAsync,
 * } from "@gquic/core/crypto";
 * const keys = await createAsyncPacketKeys(0x1301, new Uint8Array(32), QUIC_V1);
 * const buf = new Uint8Array(64);
 * buf[0] = 0x41;
 * const end = await protectPacketAsync(buf, 0, 1, 2, 7, 7, keys);
 * console.log((await unprotectPacketAsync(buf, 0, 1, end, 6, keys))?.packetNumber); // 7
 * ```
 */
export async function unprotectPacketAsync(
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  packetEnd: number,
  largestPn: number,
  keys: AsyncProtectionKeys,
  select?: AsyncAeadSelector,
): Promise<UnprotectedPacket | null> {
  const pnLength = removeHeaderProtection(buf, headerStart, pnOffset, packetEnd, keys.hp);
  if (pnLength === 0) return null;
  const firstByte = buf[headerStart];
  const packetNumber = readFullPn(buf, pnOffset, pnLength, largestPn);
  const keyPhase = keyPhaseOf(firstByte);
  const aead = select === undefined ? keys.aead : select(keyPhase, packetNumber);
  const payload = aead === null
    ? null
    : await aead.open(packetNumber, buf, headerStart, pnOffset + pnLength, packetEnd);
  if (payload === null) {
    applyHeaderProtection(buf, headerStart, pnOffset, pnLength, packetEnd, keys.hp);
    return null;
  }
  return { packetNumber, pnLength, payload, keyPhase, firstByte };
}
