/**
 * Packet-protection AEAD on `node:crypto` (native, synchronous).
 * @module
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import type { Aead } from "./aead.ts";
import type { CipherSuiteId } from "./cipher_suites.ts";
import { cipherSuiteInfo } from "./cipher_suites.ts";
import {
  AEAD_TAG_LENGTH,
  checkAeadKey,
  checkSealBounds,
  openBoundsOk,
  writeNonce,
} from "./aead_util.ts";

// The node typings only know GCM/CCM/OCB for AEAD options; ChaCha20-Poly1305
// takes the same calls (setAAD, getAuthTag, setAuthTag) at runtime.
type GcmType = "aes-128-gcm";
// One options object for every cipher (not one per packet).
const TAG_OPTIONS = { authTagLength: AEAD_TAG_LENGTH };

/**
 * {@link Aead} on `node:crypto`. `createCipheriv` binds key and nonce
 * together, so one cipher object per packet is unavoidable; everything else
 * (nonce buffer, key) is reused. The ciphertext comes back in a fresh
 * buffer from `update()` and is copied into the packet (node has no
 * in-place API).
 *
 * @example
 * ```ts
 * import { NodeAead, CipherSuite } from "@gquic/core/crypto";
 * const aead = new NodeAead(
 *   CipherSuite.TLS_AES_256_GCM_SHA384,
 *   new Uint8Array(32),
 *   new Uint8Array(12),
 * );
 * const buf = new Uint8Array(2 + 3 + 16);
 * const end = aead.seal(7, buf, 0, 2, 5);
 * console.log(aead.open(7, buf, 0, 2, end)?.length); // 3
 * ```
 */
export class NodeAead implements Aead {
  /** Cipher suite. */
  readonly suite: CipherSuiteId;
  #algorithm: "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";
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
    this.#algorithm = cipherSuiteInfo(suite).aead;
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
    const cipher = createCipheriv(this.#algorithm as GcmType, this.#key, nonce, TAG_OPTIONS);
    cipher.setAAD(buf.subarray(aadStart, payloadStart));
    const ct: Uint8Array = cipher.update(buf.subarray(payloadStart, payloadEnd));
    buf.set(ct, payloadStart);
    const rest: Uint8Array = cipher.final();
    if (rest.length > 0) buf.set(rest, payloadStart + ct.length);
    buf.set(cipher.getAuthTag(), payloadEnd);
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
    const ctEnd = packetEnd - AEAD_TAG_LENGTH;
    const nonce = writeNonce(this.#iv, packetNumber, this.#nonce);
    const decipher = createDecipheriv(this.#algorithm as GcmType, this.#key, nonce, TAG_OPTIONS);
    decipher.setAuthTag(buf.subarray(ctEnd, packetEnd));
    decipher.setAAD(buf.subarray(aadStart, payloadStart));
    const pt: Uint8Array = decipher.update(buf.subarray(payloadStart, ctEnd));
    try {
      decipher.final();
    } catch {
      // RFC 9001 §5.5: a packet that fails authentication is discarded.
      return null;
    }
    // Only now, with the tag verified, overwrite the ciphertext.
    buf.set(pt, payloadStart);
    return buf.subarray(payloadStart, ctEnd);
  }
}
