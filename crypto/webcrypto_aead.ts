/**
 * Packet-protection AEAD on WebCrypto (`crypto.subtle`), asynchronous.
 * @module
 */
import { QuicError, TransportErrorCode } from "../quic/proto/errors.ts";
import type { Aead, AsyncAead } from "./aead.ts";
import {
  AEAD_TAG_LENGTH,
  checkAeadKey,
  checkSealBounds,
  openBoundsOk,
  writeNonce,
} from "./aead_util.ts";
import type { CipherSuiteId } from "./cipher_suites.ts";
import { CipherSuite } from "./cipher_suites.ts";

/** A subarray typed as WebCrypto's BufferSource (never a SharedArrayBuffer here). */
function view(buf: Uint8Array, start: number, end: number): Uint8Array<ArrayBuffer> {
  return buf.subarray(start, end) as Uint8Array<ArrayBuffer>;
}

/**
 * {@link AsyncAead} on WebCrypto AES-GCM.
 *
 * Why this is not the default, and not even an {@link Aead}: WebCrypto only
 * offers promises, and the QUIC core is sans-IO and synchronous (it never
 * awaits; a packet is sealed inside `poll`-style calls that must return
 * bytes). Speed does not make up for that: in `bench/aead_bench.ts`
 * (1200-byte packet, AEAD + header protection, 2-core machine) WebCrypto
 * awaited one by one is about level with synchronous `node:crypto` at p75
 * (≈11–14 µs vs ≈11 µs for AES-GCM) with a heavier tail, and 16 in flight
 * cost ≈150–220 µs per 16, i.e. ≈9–14 µs a packet: the thread pool helps only
 * with idle cores to spare. A driver that batches packets could use it; the
 * core cannot. WebCrypto also has no ChaCha20-Poly1305 (Deno: "Not
 * implemented"), so this class supports the AES suites only; use
 * {@link asyncAead} around a synchronous AEAD for ChaCha.
 *
 * WebCrypto copies its inputs when called (the nonce and the data), so the
 * nonce buffer is reused even with many operations in flight; the caller
 * must not touch the packet bytes until the promise settles.
 *
 * @example
 * ```ts
 * import { createWebCryptoAead, CipherSuite } from "@gquic/core/crypto";
 * const aead = await createWebCryptoAead(
 *   CipherSuite.TLS_AES_128_GCM_SHA256,
 *   new Uint8Array(16),
 *   new Uint8Array(12),
 * );
 * const buf = new Uint8Array(3 + 2 + 16);
 * const end = await aead.seal(9, buf, 0, 3, 5);
 * console.log((await aead.open(9, buf, 0, 3, end))?.length); // 2
 * ```
 */
export class WebCryptoAead implements AsyncAead {
  /** Cipher suite. */
  readonly suite: CipherSuiteId;
  #key: CryptoKey;
  #iv: Uint8Array;
  #nonce = new Uint8Array(12);
  #params: AesGcmParams;

  /**
   * Wraps an imported key; use {@link createWebCryptoAead}.
   * @param suite cipher suite (an AES-GCM one)
   * @param key the imported AES-GCM key
   * @param iv "quic iv" output
   */
  constructor(suite: CipherSuiteId, key: CryptoKey, iv: Uint8Array) {
    this.suite = suite;
    this.#key = key;
    this.#iv = iv.slice();
    this.#params = {
      name: "AES-GCM",
      iv: this.#nonce,
      additionalData: new Uint8Array(0),
      tagLength: AEAD_TAG_LENGTH * 8,
    };
  }

  /** Seals in place; see {@link AsyncAead.seal}. */
  async seal(
    packetNumber: number,
    buf: Uint8Array,
    aadStart: number,
    payloadStart: number,
    payloadEnd: number,
  ): Promise<number> {
    checkSealBounds(buf, aadStart, payloadStart, payloadEnd);
    writeNonce(this.#iv, packetNumber, this.#nonce);
    this.#params.additionalData = view(buf, aadStart, payloadStart);
    const ct = await crypto.subtle.encrypt(
      this.#params,
      this.#key,
      view(buf, payloadStart, payloadEnd),
    );
    buf.set(new Uint8Array(ct), payloadStart);
    return payloadEnd + AEAD_TAG_LENGTH;
  }

  /** Opens in place; resolves to `null` on authentication failure. */
  async open(
    packetNumber: number,
    buf: Uint8Array,
    aadStart: number,
    payloadStart: number,
    packetEnd: number,
  ): Promise<Uint8Array | null> {
    if (!openBoundsOk(buf, aadStart, payloadStart, packetEnd)) return null;
    writeNonce(this.#iv, packetNumber, this.#nonce);
    this.#params.additionalData = view(buf, aadStart, payloadStart);
    let pt: ArrayBuffer;
    try {
      pt = await crypto.subtle.decrypt(
        this.#params,
        this.#key,
        view(buf, payloadStart, packetEnd),
      );
    } catch {
      // RFC 9001 §5.5: a packet that fails authentication is discarded.
      return null;
    }
    buf.set(new Uint8Array(pt), payloadStart);
    return buf.subarray(payloadStart, packetEnd - AEAD_TAG_LENGTH);
  }
}

/**
 * Imports the key and creates a {@link WebCryptoAead} (AES-GCM suites only;
 * QuicError(INTERNAL_ERROR) for ChaCha20-Poly1305, which WebCrypto lacks).
 *
 * @example
 * ```ts
 * import { createWebCryptoAead, CipherSuite } from "@gquic/core/crypto";
 * const aead = await createWebCryptoAead(
 *   CipherSuite.TLS_AES_256_GCM_SHA384,
 *   new Uint8Array(32),
 *   new Uint8Array(12),
 * );
 * console.log(aead.suite); // 4866
 * ```
 */
export async function createWebCryptoAead(
  suite: CipherSuiteId,
  key: Uint8Array,
  iv: Uint8Array,
): Promise<WebCryptoAead> {
  checkAeadKey(suite, key, iv);
  if (suite === CipherSuite.TLS_CHACHA20_POLY1305_SHA256) {
    throw new QuicError(
      TransportErrorCode.INTERNAL_ERROR,
      "WebCrypto has no ChaCha20-Poly1305; wrap a synchronous AEAD with asyncAead()",
    );
  }
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key.slice(),
    { name: "AES-GCM" },
    false,
    ["encrypt", "decrypt"],
  );
  return new WebCryptoAead(suite, cryptoKey, iv);
}

/**
 * Adapts a synchronous {@link Aead} to the {@link AsyncAead} interface (the
 * work happens synchronously inside the call; errors become rejections).
 *
 * @example
 * ```ts
 * import { asyncAead, createAead, CipherSuite } from "@gquic/core/crypto";
 * const aead = asyncAead(
 *   createAead(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, new Uint8Array(32), new Uint8Array(12)),
 * );
 * console.log(await aead.seal(0, new Uint8Array(17), 0, 0, 1)); // 17
 * ```
 */
export function asyncAead(aead: Aead): AsyncAead {
  return {
    suite: aead.suite,
    // async: a caller-bug exception becomes a rejection, as with WebCrypto.
    seal: async (pn, buf, aadStart, payloadStart, payloadEnd) =>
      await Promise.resolve(aead.seal(pn, buf, aadStart, payloadStart, payloadEnd)),
    open: async (pn, buf, aadStart, payloadStart, packetEnd) =>
      await Promise.resolve(aead.open(pn, buf, aadStart, payloadStart, packetEnd)),
  };
}
