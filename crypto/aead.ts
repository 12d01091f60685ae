/**
 * The AEAD stage of QUIC packet protection (RFC 9001 §5.3): one synchronous
 * interface that seals and opens a packet's payload in place in the packet
 * buffer, and a factory choosing an implementation.
 * @module
 */
import type { CipherSuiteId } from "./cipher_suites.ts";
import { checkAeadKey } from "./aead_util.ts";
import { NodeAead } from "./node_aead.ts";
import { NobleAead } from "./noble_aead.ts";

/**
 * A packet-protection AEAD bound to one key and IV (RFC 9001 §5.3).
 *
 * Both methods work in place on a packet buffer: the associated data is
 * `buf[aadStart, payloadStart)` (the header, header protection not yet
 * applied / already removed), the payload follows it. The nonce is the IV
 * XORed with the full packet number and lives in a buffer reused across
 * calls. Implementations are not re-entrant (they are synchronous, so they
 * never need to be).
 *
 * @example
 * ```ts
 * import { type Aead, createAead, CipherSuite } from "@gquic/core/crypto";
 * const aead: Aead = createAead(
 *   CipherSuite.TLS_AES_128_GCM_SHA256,
 *   new Uint8Array(16),
 *   new Uint8Array(12),
 * );
 * const buf = new Uint8Array(4 + 5 + 16);
 * buf.set([0x40, 0, 0, 1]); // header
 * buf.set([1, 2, 3, 4, 5], 4); // payload
 * const end = aead.seal(1, buf, 0, 4, 9);
 * const payload = aead.open(1, buf, 0, 4, end);
 * console.log(payload); // Uint8Array(5) [ 1, 2, 3, 4, 5 ]
 * ```
 */
export interface Aead {
  /** Cipher suite this AEAD belongs to. */
  readonly suite: CipherSuiteId;
  /**
   * Encrypts `buf[payloadStart, payloadEnd)` in place and writes the 16-byte
   * tag at `payloadEnd`; authenticates `buf[aadStart, payloadStart)`.
   * Returns the end of the sealed packet, `payloadEnd + 16`. Throws a
   * QuicError(INTERNAL_ERROR) when `buf` has no room for the tag (a caller
   * bug, never peer input).
   */
  seal(
    packetNumber: number,
    buf: Uint8Array,
    aadStart: number,
    payloadStart: number,
    payloadEnd: number,
  ): number;
  /**
   * Decrypts `buf[payloadStart, packetEnd)` (ciphertext followed by the tag)
   * in place. Returns the plaintext as a subarray of `buf`, or `null` when
   * authentication fails or the payload is shorter than a tag: such a packet
   * is dropped, it is not an error (RFC 9001 §5.5, §9.5). On `null` the
   * payload bytes are unchanged.
   */
  open(
    packetNumber: number,
    buf: Uint8Array,
    aadStart: number,
    payloadStart: number,
    packetEnd: number,
  ): Uint8Array | null;
}

/**
 * The asynchronous counterpart of {@link Aead}, with the same in-place
 * semantics, for implementations that can only be asynchronous (WebCrypto).
 * The buffer must not be touched until the promise settles.
 *
 * @example
 * ```ts
 * import { type AsyncAead, createWebCryptoAead, CipherSuite } from "@gquic/core/crypto";
 * const aead: AsyncAead = await createWebCryptoAead(
 *   CipherSuite.TLS_AES_128_GCM_SHA256,
 *   new Uint8Array(16),
 *   new Uint8Array(12),
 * );
 * const buf = new Uint8Array(4 + 1 + 16);
 * const end = await aead.seal(0, buf, 0, 4, 5);
 * console.log((await aead.open(0, buf, 0, 4, end))?.length); // 1
 * ```
 */
export interface AsyncAead {
  /** Cipher suite this AEAD belongs to. */
  readonly suite: CipherSuiteId;
  /** As {@link Aead.seal}, asynchronously. */
  seal(
    packetNumber: number,
    buf: Uint8Array,
    aadStart: number,
    payloadStart: number,
    payloadEnd: number,
  ): Promise<number>;
  /** As {@link Aead.open}, asynchronously; resolves to `null` on authentication failure. */
  open(
    packetNumber: number,
    buf: Uint8Array,
    aadStart: number,
    payloadStart: number,
    packetEnd: number,
  ): Promise<Uint8Array | null>;
}

/**
 * The synchronous AEAD implementations: `node` (`node:crypto`, native) and
 * `noble` (`@noble/ciphers`, pure JS).
 *
 * @example
 * ```ts
 * import type { AeadImpl } from "@gquic/core/crypto";
 * const impl: AeadImpl = "noble";
 * console.log(impl);
 * ```
 */
export type AeadImpl = "node" | "noble";

/**
 * Options of {@link createAead}.
 *
 * @example
 * ```ts
 * import type { AeadOptions } from "@gquic/core/crypto";
 * const o: AeadOptions = { impl: "node" };
 * console.log(o.impl);
 * ```
 */
export interface AeadOptions {
  /** Implementation; defaults to {@link DEFAULT_AEAD_IMPL}. */
  impl?: AeadImpl;
}

/**
 * The default AEAD implementation, chosen by `bench/aead_bench.ts`
 * (1200-byte packet, AEAD + header protection, p75 on this 2-core machine):
 * `node:crypto` ≈11 µs for AES-128/256-GCM and ≈5 µs for ChaCha20-Poly1305,
 * against ≈48–52 µs and ≈17 µs for `@noble/ciphers`. (WebCrypto is only
 * asynchronous; see `WebCryptoAead`.)
 *
 * @example
 * ```ts
 * import { DEFAULT_AEAD_IMPL } from "@gquic/core/crypto";
 * console.log(DEFAULT_AEAD_IMPL); // "node"
 * ```
 */
export const DEFAULT_AEAD_IMPL: AeadImpl = "node";

/**
 * Creates a synchronous packet-protection AEAD for `suite` with the packet
 * key and IV derived from a traffic secret (RFC 9001 §5.1).
 *
 * @example
 * ```ts
 * import { createAead, CipherSuite } from "@gquic/core/crypto";
 * const aead = createAead(
 *   CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
 *   new Uint8Array(32),
 *   new Uint8Array(12),
 *   { impl: "noble" },
 * );
 * console.log(aead.suite); // 4867
 * ```
 */
export function createAead(
  suite: CipherSuiteId,
  key: Uint8Array,
  iv: Uint8Array,
  options: AeadOptions = {},
): Aead {
  checkAeadKey(suite, key, iv);
  const impl = options.impl ?? DEFAULT_AEAD_IMPL;
  return impl === "noble" ? new NobleAead(suite, key, iv) : new NodeAead(suite, key, iv);
}
