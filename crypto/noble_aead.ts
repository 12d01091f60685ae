/**
 * Packet-protection AEAD on `@noble/ciphers` (pure JS, synchronous).
 * @module
 */
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import type { Aead } from "./aead.ts";
import type { CipherSuiteId } from "./cipher_suites.ts";
import { CipherSuite } from "./cipher_suites.ts";
import {
  AEAD_TAG_LENGTH,
  checkAeadKey,
  checkSealBounds,
  openBoundsOk,
  writeNonce,
} from "./aead_util.ts";

/**
 * {@link Aead} on `@noble/ciphers`: a pure-JS fallback and the test oracle.
 * noble binds key, nonce and AAD at construction, so one cipher instance per
 * packet is unavoidable (for AES-GCM that includes re-expanding the key and
 * the GHASH tables, which is what makes it slow). ChaCha20-Poly1305 works
 * truly in place (noble accepts an output buffer); AES-GCM returns a fresh
 * array that is copied into the packet.
 *
 * @example
 * ```ts
 * import { NobleAead, CipherSuite } from "@gquic/core/crypto";
 * const aead = new NobleAead(
 *   CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
 *   new Uint8Array(32),
 *   new Uint8Array(12),
 * );
 * const buf = new Uint8Array(1 + 4 + 16);
 * const end = aead.seal(3, buf, 0, 1, 5);
 * console.log(aead.open(3, buf, 0, 1, end)?.length); // 4
 * ```
 */
export class NobleAead implements Aead {
  /** Cipher suite. */
  readonly suite: CipherSuiteId;
  #chacha: boolean;
  #key: Uint8Array;
  #iv: Uint8Array;
  #nonce = new Uint8Array(12);

  /**
   * Binds the AEAD to a packet key and IV (RFC 9001 §5.1).
   * @param suite cipher suite
   * @param key "quic key" output
   * @param iv "quic iv" output
   */
  constructor(suite: CipherSuiteId, key: Uint8Array, iv: Uint8Array) {
    checkAeadKey(suite, key, iv);
    this.suite = suite;
    this.#chacha = suite === CipherSuite.TLS_CHACHA20_POLY1305_SHA256;
    this.#key = key.slice();
    this.#iv = iv.slice();
  }

  /** Seals in place; see {@link Aead.seal}. */
  seal(
    packetNumber: number,
    buf: Uint8Array,
    aadStart: number,
    payloadStart: number,
    payloadEnd: number,
  ): number {
    checkSealBounds(buf, aadStart, payloadStart, payloadEnd);
    const nonce = writeNonce(this.#iv, packetNumber, this.#nonce);
    const aad = buf.subarray(aadStart, payloadStart);
    const pt = buf.subarray(payloadStart, payloadEnd);
    if (this.#chacha) {
      chacha20poly1305(this.#key, nonce, aad).encrypt(
        pt,
        buf.subarray(payloadStart, payloadEnd + AEAD_TAG_LENGTH),
      );
    } else {
      buf.set(gcm(this.#key, nonce, aad).encrypt(pt), payloadStart);
    }
    return payloadEnd + AEAD_TAG_LENGTH;
  }

  /** Opens in place; `null` on authentication failure. See {@link Aead.open}. */
  open(
    packetNumber: number,
    buf: Uint8Array,
    aadStart: number,
    payloadStart: number,
    packetEnd: number,
  ): Uint8Array | null {
    if (!openBoundsOk(buf, aadStart, payloadStart, packetEnd)) return null;
    const nonce = writeNonce(this.#iv, packetNumber, this.#nonce);
    const aad = buf.subarray(aadStart, payloadStart);
    const ct = buf.subarray(payloadStart, packetEnd);
    const ptEnd = packetEnd - AEAD_TAG_LENGTH;
    try {
      // noble verifies the tag before decrypting, so on failure the payload
      // is untouched.
      if (this.#chacha) {
        chacha20poly1305(this.#key, nonce, aad).decrypt(ct, buf.subarray(payloadStart, ptEnd));
      } else {
        buf.set(gcm(this.#key, nonce, aad).decrypt(ct), payloadStart);
      }
    } catch {
      // RFC 9001 §5.5: a packet that fails authentication is discarded.
      return null;
    }
    return buf.subarray(payloadStart, ptEnd);
  }
}
