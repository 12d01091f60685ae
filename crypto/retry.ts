/**
 * The Retry Integrity Tag (RFC 9001 §5.8; version 2 keys in RFC 9369 §3.3.3).
 * @module
 */
import { QuicError, TransportErrorCode } from "../quic/proto/errors.ts";
import { type Aead, type AeadImpl, createAead, DEFAULT_AEAD_IMPL } from "./aead.ts";
import { AEAD_TAG_LENGTH } from "./aead_util.ts";
import { CipherSuite } from "./cipher_suites.ts";
import { QUIC_V1, QUIC_V2 } from "../quic/proto/version.ts";

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The fixed AES-128-GCM key and nonce of the Retry Integrity Tag of a version.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { retryIntegrityKeys } from "@gquic/core/crypto";
 * console.log(retryIntegrityKeys(QUIC_V1).key.length); // 16
 * ```
 */
export interface RetryIntegrityKeys {
  /** AES-128-GCM key. */
  readonly key: Uint8Array;
  /** AES-128-GCM nonce (used as the AEAD IV with packet number 0). */
  readonly nonce: Uint8Array;
}

/**
 * The Retry Integrity Tag key and nonce: RFC 9001 §5.8 for v1, RFC 9369
 * §3.3.3 for v2. Other versions are a caller bug: QuicError(INTERNAL_ERROR).
 *
 * @example
 * ```ts
 * import { QUIC_V2 } from "@gquic/core/quic";
 * import { retryIntegrityKeys } from "@gquic/core/crypto";
 * console.log(retryIntegrityKeys(QUIC_V2).nonce.length); // 12
 * ```
 */
export function retryIntegrityKeys(version: number): RetryIntegrityKeys {
  if (version === QUIC_V1) {
    return {
      key: fromHex("be0c690b9f66575a1d766b54e368c84e"),
      nonce: fromHex("461599d35d632bf2239825bb"),
    };
  }
  if (version === QUIC_V2) {
    return {
      key: fromHex("8fb4b01b56ac48e260fbcbcead7ccc92"),
      nonce: fromHex("d86969bc2d7c6d9990efb04a"),
    };
  }
  throw new QuicError(
    TransportErrorCode.INTERNAL_ERROR,
    `no Retry integrity key for version 0x${version.toString(16)}`,
  );
}

const aeadCache = new Map<string, Aead>();

function retryAead(version: number, impl: AeadImpl): Aead {
  const id = `${version}/${impl}`;
  let aead = aeadCache.get(id);
  if (aead === undefined) {
    const k = retryIntegrityKeys(version);
    // The nonce is the IV; sealing "packet number" 0 uses it unchanged (RFC 9001 §5.3).
    aead = createAead(CipherSuite.TLS_AES_128_GCM_SHA256, k.key, k.nonce, { impl });
    aeadCache.set(id, aead);
  }
  return aead;
}

/**
 * Builds the Retry pseudo-packet (RFC 9001 §5.8): ODCID length, ODCID, then
 * then `retry`, followed by 16 bytes of room for a tag.
 */
function pseudoPacket(odcid: Uint8Array, retry: Uint8Array): Uint8Array {
  if (odcid.length > 255) {
    throw new QuicError(TransportErrorCode.INTERNAL_ERROR, "ODCID longer than 255 bytes");
  }
  const buf = new Uint8Array(1 + odcid.length + retry.length + AEAD_TAG_LENGTH);
  buf[0] = odcid.length;
  buf.set(odcid, 1);
  buf.set(retry, 1 + odcid.length);
  return buf;
}

/**
 * Computes the Retry Integrity Tag: AES-128-GCM with the fixed key and
 * nonce, empty plaintext, the Retry pseudo-packet as associated data
 * (RFC 9001 §5.8). Retry packets are rare, so this allocates freely.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { computeRetryIntegrityTag } from "@gquic/core/crypto";
 * const odcid = new Uint8Array(8);
 * const retry = new Uint8Array([0xf0, 0, 0, 0, 1, 0, 0]); // header, no token
 * console.log(computeRetryIntegrityTag(QUIC_V1, odcid, retry).length); // 16
 * ```
 */
export function computeRetryIntegrityTag(
  version: number,
  odcid: Uint8Array,
  retryWithoutTag: Uint8Array,
  options: { impl?: AeadImpl } = {},
): Uint8Array {
  const buf = pseudoPacket(odcid, retryWithoutTag);
  const aadEnd = buf.length - AEAD_TAG_LENGTH;
  const aead = retryAead(version, options.impl ?? DEFAULT_AEAD_IMPL);
  aead.seal(0, buf, 0, aadEnd, aadEnd);
  return buf.slice(aadEnd);
}

/**
 * Verifies the Retry Integrity Tag at the end of `retryPacket` (RFC 9001
 * §5.8); a client discards a Retry that fails (RFC 9000 §17.2.5.2). Returns
 * false for packets shorter than a tag.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import {
 *   computeRetryIntegrityTag,
 *
 *   verifyRetryIntegrityTag,
 * } from "@gquic/core/crypto";
 * const odcid = new Uint8Array(8);
 * const header = new Uint8Array([0xf0, 0, 0, 0, 1, 0, 0]);
 * const tag = computeRetryIntegrityTag(QUIC_V1, odcid, header);
 * const packet = new Uint8Array([...header, ...tag]);
 * console.log(verifyRetryIntegrityTag(QUIC_V1, odcid, packet)); // true
 * ```
 */
export function verifyRetryIntegrityTag(
  version: number,
  odcid: Uint8Array,
  retryPacket: Uint8Array,
  options: { impl?: AeadImpl } = {},
): boolean {
  if (retryPacket.length < AEAD_TAG_LENGTH) return false;
  // The pseudo-packet's last 16 bytes are the received tag: open() with an
  // empty ciphertext authenticates exactly the AAD before it against it.
  const buf = pseudoPacket(odcid, retryPacket);
  const end = buf.length - AEAD_TAG_LENGTH;
  const aadEnd = end - AEAD_TAG_LENGTH;
  const aead = retryAead(version, options.impl ?? DEFAULT_AEAD_IMPL);
  return aead.open(0, buf, 0, aadEnd, end) !== null;
}
