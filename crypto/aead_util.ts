/**
 * Helpers shared by the AEAD implementations: the nonce of a QUIC packet
 * (RFC 9001 §5.3) and argument checks.
 * @module
 */
import { QuicError, TransportErrorCode } from "../quic/proto/errors.ts";
import type { CipherSuiteId } from "./cipher_suites.ts";
import { cipherSuiteInfo } from "./cipher_suites.ts";

/**
 * Length of the authentication tag of every QUIC AEAD (RFC 9001 §5.3).
 *
 * @example
 * ```ts
 * import { AEAD_TAG_LENGTH } from "@gquic/core/crypto";
 * console.log(AEAD_TAG_LENGTH); // 16
 * ```
 */
export const AEAD_TAG_LENGTH = 16;

/**
 * Writes the AEAD nonce for `packetNumber` into `out`: the 62-bit packet
 * number, left-padded to the IV length in network byte order, XORed with the
 * IV (RFC 9001 §5.3). `out` must be as long as `iv` (12 bytes for every QUIC
 * suite); it is reused across packets so no allocation happens per packet.
 * Packet numbers must be integers in [0, 2^53).
 *
 * @example
 * ```ts
 * import { writeNonce } from "@gquic/core/crypto";
 * const iv = new Uint8Array(12);
 * const nonce = writeNonce(iv, 0x0102, new Uint8Array(12));
 * console.log(nonce[10], nonce[11]); // 1 2
 * ```
 */
export function writeNonce(iv: Uint8Array, packetNumber: number, out: Uint8Array): Uint8Array {
  const n = iv.length;
  for (let i = 0; i < n - 8; i++) out[i] = iv[i];
  // Split into two 32-bit halves: bit operators in JS work on 32 bits.
  const hi = Math.floor(packetNumber / 0x100000000);
  const lo = packetNumber >>> 0;
  out[n - 8] = iv[n - 8] ^ (hi >>> 24);
  out[n - 7] = iv[n - 7] ^ ((hi >>> 16) & 0xff);
  out[n - 6] = iv[n - 6] ^ ((hi >>> 8) & 0xff);
  out[n - 5] = iv[n - 5] ^ (hi & 0xff);
  out[n - 4] = iv[n - 4] ^ (lo >>> 24);
  out[n - 3] = iv[n - 3] ^ ((lo >>> 16) & 0xff);
  out[n - 2] = iv[n - 2] ^ ((lo >>> 8) & 0xff);
  out[n - 1] = iv[n - 1] ^ (lo & 0xff);
  return out;
}

/**
 * Checks key and IV lengths against the suite; a mismatch is a caller bug.
 * @internal
 */
export function checkAeadKey(suite: CipherSuiteId, key: Uint8Array, iv: Uint8Array): void {
  const info = cipherSuiteInfo(suite);
  if (info === undefined) {
    throw new QuicError(TransportErrorCode.INTERNAL_ERROR, `unsupported cipher suite ${suite}`);
  }
  if (key.length !== info.keyLength || iv.length !== info.ivLength) {
    throw new QuicError(
      TransportErrorCode.INTERNAL_ERROR,
      `${info.name}: key must be ${info.keyLength} bytes and IV ${info.ivLength}`,
    );
  }
}

/**
 * Checks that a seal has room for the tag; a violation is a caller bug.
 * @internal
 */
export function checkSealBounds(
  buf: Uint8Array,
  aadStart: number,
  payloadStart: number,
  payloadEnd: number,
): void {
  if (
    !(0 <= aadStart && aadStart <= payloadStart && payloadStart <= payloadEnd &&
      payloadEnd + AEAD_TAG_LENGTH <= buf.length)
  ) {
    throw new QuicError(
      TransportErrorCode.INTERNAL_ERROR,
      "AEAD seal: bad bounds or no room for tag",
    );
  }
}

/**
 * Whether an open's bounds are usable: a payload shorter than a tag (or
 * nonsensical bounds) means the packet is dropped, never an exception.
 * @internal
 */
export function openBoundsOk(
  buf: Uint8Array,
  aadStart: number,
  payloadStart: number,
  packetEnd: number,
): boolean {
  return 0 <= aadStart && aadStart <= payloadStart &&
    payloadStart + AEAD_TAG_LENGTH <= packetEnd && packetEnd <= buf.length;
}
