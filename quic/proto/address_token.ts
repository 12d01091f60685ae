/**
 * Address validation tokens (RFC 9000 §8.1.2 Retry tokens and §8.1.3
 * NEW_TOKEN tokens): sealed with AES-256-GCM under a static key, bound to the
 * client's address (as associated data), with an issue time and lifetime.
 * Only the issuing endpoint can read them, so their layout is private.
 * @module
 */
import { createCipheriv, createDecipheriv } from "node:crypto";

/**
 * Kind of token (a Retry token must not be accepted as a NEW_TOKEN one).
 *
 * @example
 * ```ts
 * import { TokenKind } from "@gquic/core/quic";
 * console.log(TokenKind.RETRY); // 1
 * ```
 */
export const TokenKind = {
  /** Sent in a Retry packet (RFC 9000 §17.2.5); short-lived. */
  RETRY: 1,
  /** Sent in a NEW_TOKEN frame (RFC 9000 §19.7) for a future connection. */
  NEW_TOKEN: 2,
} as const;

/**
 * What a token proves once it is opened.
 *
 * @example
 * ```ts
 * import type { AddressToken } from "@gquic/core/quic";
 * const f = (t: AddressToken) => t.issued;
 * console.log(typeof f);
 * ```
 */
export interface AddressToken {
  /** {@link TokenKind} of the token. */
  kind: number;
  /** Time (ms, the endpoint's clock) when it was issued. */
  issued: number;
  /** For Retry: the client's original Destination Connection ID. */
  originalDcid: Uint8Array;
  /** For Retry: the Source Connection ID of the Retry packet. */
  retrySourceCid: Uint8Array;
}

const NONCE_LEN = 12;
const TAG_LEN = 16;
const MAX_CID = 20;

/**
 * Seals and opens address validation tokens for one endpoint.
 *
 * @example
 * ```ts
 * import { AddressTokenKey, TokenKind } from "@gquic/core/quic";
 * const k = new AddressTokenKey(new Uint8Array(32), (n) => new Uint8Array(n));
 * const t = k.seal(TokenKind.RETRY, "127.0.0.1:4433", 1000, Uint8Array.of(1), Uint8Array.of(2));
 * console.log(k.open(t, "127.0.0.1:4433", 1500, 10_000)?.kind); // 1
 * ```
 */
export class AddressTokenKey {
  readonly #key: Uint8Array;
  readonly #random: (n: number) => Uint8Array;

  /**
   * Binds the sealer to the endpoint's static key.
   * @param key 32-byte static secret of the endpoint
   * @param random source of nonces
   */
  constructor(key: Uint8Array, random: (n: number) => Uint8Array) {
    if (key.length !== 32) throw new RangeError("token key must be 32 bytes");
    this.#key = key;
    this.#random = random;
  }

  /**
   * Seals a token for `address` (any stable string form of the client's
   * address, e.g. "host:port" for Retry, "host" for NEW_TOKEN).
   */
  seal(
    kind: number,
    address: string,
    now: number,
    originalDcid: Uint8Array = new Uint8Array(0),
    retrySourceCid: Uint8Array = new Uint8Array(0),
  ): Uint8Array {
    const plain = new Uint8Array(1 + 8 + 2 + originalDcid.length + retrySourceCid.length);
    plain[0] = kind;
    new DataView(plain.buffer).setFloat64(1, now);
    plain[9] = originalDcid.length;
    plain.set(originalDcid, 10);
    plain[10 + originalDcid.length] = retrySourceCid.length;
    plain.set(retrySourceCid, 11 + originalDcid.length);
    const nonce = this.#random(NONCE_LEN);
    const c = createCipheriv("aes-256-gcm", this.#key, nonce);
    c.setAAD(new TextEncoder().encode(address));
    const body = c.update(plain);
    c.final();
    const out = new Uint8Array(NONCE_LEN + body.length + TAG_LEN);
    out.set(nonce);
    out.set(body, NONCE_LEN);
    out.set(c.getAuthTag(), NONCE_LEN + body.length);
    return out;
  }

  /**
   * Opens a token presented from `address`; returns undefined when it is
   * forged, for another address, malformed or older than `lifetimeMs`.
   */
  open(
    token: Uint8Array,
    address: string,
    now: number,
    lifetimeMs: number,
  ): AddressToken | undefined {
    if (token.length < NONCE_LEN + TAG_LEN + 11 || token.length > 256) return undefined;
    let plain: Uint8Array;
    try {
      const d = createDecipheriv("aes-256-gcm", this.#key, token.subarray(0, NONCE_LEN));
      d.setAAD(new TextEncoder().encode(address));
      d.setAuthTag(token.subarray(token.length - TAG_LEN));
      const a = d.update(token.subarray(NONCE_LEN, token.length - TAG_LEN));
      d.final();
      plain = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    } catch {
      return undefined;
    }
    const issued = new DataView(plain.buffer, plain.byteOffset).getFloat64(1);
    const ol = plain[9];
    if (ol > MAX_CID || 11 + ol > plain.length) return undefined;
    const rl = plain[10 + ol];
    if (rl > MAX_CID || 11 + ol + rl !== plain.length) return undefined;
    if (!(issued <= now + 1000) || now - issued > lifetimeMs) return undefined;
    return {
      kind: plain[0],
      issued,
      originalDcid: plain.slice(10, 10 + ol),
      retrySourceCid: plain.slice(11 + ol, 11 + ol + rl),
    };
  }
}
