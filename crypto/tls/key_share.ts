/**
 * Key exchange for the supported groups (RFC 8446 §4.2.8, §7.4):
 * X25519 and secp256r1/secp384r1 on synchronous `node:crypto` (the fastest
 * here, see PERF.md), and the hybrid X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem:
 * ML-KEM-768 part first in shares and in the shared secret) with
 * `@noble/post-quantum`. Private keys come from the injected random source.
 * @module
 */
import { createECDH, createPrivateKey, createPublicKey, diffieHellman } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { Buffer } from "node:buffer";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { AlertDescription, TlsAlertError } from "./alert.ts";
import { NamedGroup } from "./types.ts";

const X25519_PKCS8_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
); // deno-fmt-ignore
const X25519_SPKI_PREFIX = Uint8Array.of(
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
); // deno-fmt-ignore

const MLKEM768_EK = 1184;
const MLKEM768_CT = 1088;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function illegal(message: string): TlsAlertError {
  return new TlsAlertError(AlertDescription.illegal_parameter, message);
}

function isAllZero(b: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < b.length; i++) d |= b[i];
  return d === 0;
}

/**
 * The groups this module implements.
 *
 * @example
 * ```ts
 * import { isSupportedGroup } from "@gquic/core/crypto";
 * console.log(isSupportedGroup(0x001d)); // true
 * ```
 */
export function isSupportedGroup(group: number): boolean {
  return group === NamedGroup.x25519 || group === NamedGroup.secp256r1 ||
    group === NamedGroup.secp384r1 || group === NamedGroup.X25519MLKEM768;
}

/**
 * The RFC name of a group.
 *
 * @example
 * ```ts
 * import { groupName } from "@gquic/core/crypto";
 * console.log(groupName(0x11ec)); // "X25519MLKEM768"
 * ```
 */
export function groupName(group: number): string {
  for (const [k, v] of Object.entries(NamedGroup)) if (v === group) return k;
  return `group_0x${group.toString(16)}`;
}

// --- X25519 -------------------------------------------------------------------

class X25519Key {
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
  constructor(secret: Uint8Array) {
    this.privateKey = createPrivateKey({
      key: Buffer.from(concat(X25519_PKCS8_PREFIX, secret)),
      format: "der",
      type: "pkcs8",
    });
    const spki = createPublicKey(this.privateKey).export({ format: "der", type: "spki" });
    this.publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  }
  derive(peer: Uint8Array): Uint8Array {
    if (peer.length !== 32) throw illegal("bad X25519 share length");
    let secret: Uint8Array;
    try {
      const publicKey = createPublicKey({
        key: Buffer.from(concat(X25519_SPKI_PREFIX, peer)),
        format: "der",
        type: "spki",
      });
      secret = new Uint8Array(diffieHellman({ privateKey: this.privateKey, publicKey }));
    } catch {
      throw illegal("bad X25519 share");
    }
    // RFC 8446 §7.4.2: abort on the all-zero shared secret.
    if (isAllZero(secret)) throw illegal("X25519 shared secret is zero");
    return secret;
  }
}

// --- NIST curves (RFC 8446 §4.2.8.2: uncompressed points only) -------------------

class EcdhKey {
  readonly #ecdh: ReturnType<typeof createECDH>;
  readonly publicKey: Uint8Array;
  readonly #pointLength: number;
  constructor(curve: "prime256v1" | "secp384r1", size: number, random: (n: number) => Uint8Array) {
    this.#ecdh = createECDH(curve);
    this.#pointLength = 1 + 2 * size;
    // A random scalar is below the order except with negligible probability;
    // redraw (boundedly) when node rejects it.
    for (let i = 0;; i++) {
      try {
        this.#ecdh.setPrivateKey(random(size));
        break;
      } catch (e) {
        if (i >= 8) throw e;
      }
    }
    this.publicKey = new Uint8Array(this.#ecdh.getPublicKey());
  }
  derive(peer: Uint8Array): Uint8Array {
    if (peer.length !== this.#pointLength || peer[0] !== 4) throw illegal("bad ECDHE share");
    try {
      return new Uint8Array(this.#ecdh.computeSecret(peer));
    } catch {
      throw illegal("ECDHE share not on curve");
    }
  }
}

/**
 * A client's key share for one group, waiting for the server's share.
 *
 * @example
 * ```ts
 * import { ClientKeyShare } from "@gquic/core/crypto";
 * const ks = new ClientKeyShare(0x001d, (n) => crypto.getRandomValues(new Uint8Array(n)));
 * console.log(ks.keyExchange.length); // 32
 * ```
 */
export class ClientKeyShare {
  /** The group. */
  readonly group: number;
  /** The public share to send. */
  readonly keyExchange: Uint8Array;
  readonly #x25519?: X25519Key;
  readonly #ecdh?: EcdhKey;
  readonly #mlkemSecret?: Uint8Array;

  /**
   * Generates a key pair for `group` from `random`.
   * @param group named group
   * @param random randomness source
   */
  constructor(group: number, random: (n: number) => Uint8Array) {
    this.group = group;
    switch (group) {
      case NamedGroup.x25519:
        this.#x25519 = new X25519Key(random(32));
        this.keyExchange = this.#x25519.publicKey;
        break;
      case NamedGroup.secp256r1:
        this.#ecdh = new EcdhKey("prime256v1", 32, random);
        this.keyExchange = this.#ecdh.publicKey;
        break;
      case NamedGroup.secp384r1:
        this.#ecdh = new EcdhKey("secp384r1", 48, random);
        this.keyExchange = this.#ecdh.publicKey;
        break;
      case NamedGroup.X25519MLKEM768: {
        const { publicKey, secretKey } = ml_kem768.keygen(random(64));
        this.#mlkemSecret = secretKey;
        this.#x25519 = new X25519Key(random(32));
        this.keyExchange = concat(publicKey, this.#x25519.publicKey);
        break;
      }
      default:
        throw new TlsAlertError(AlertDescription.internal_error, `unsupported group ${group}`);
    }
  }

  /** Computes the shared secret from the server's share (illegal_parameter if invalid). */
  complete(serverShare: Uint8Array): Uint8Array {
    if (this.#ecdh) return this.#ecdh.derive(serverShare);
    if (this.#mlkemSecret) {
      if (serverShare.length !== MLKEM768_CT + 32) throw illegal("bad X25519MLKEM768 share length");
      let ss: Uint8Array;
      try {
        ss = ml_kem768.decapsulate(serverShare.subarray(0, MLKEM768_CT), this.#mlkemSecret);
      } catch {
        throw illegal("bad ML-KEM ciphertext");
      }
      return concat(ss, this.#x25519!.derive(serverShare.subarray(MLKEM768_CT)));
    }
    return this.#x25519!.derive(serverShare);
  }
}

/**
 * The server side of a key exchange: given the client's share, produces the
 * server's share and the shared secret.
 *
 * @example
 * ```ts
 * import { ClientKeyShare, serverKeyExchange } from "@gquic/core/crypto";
 * const rnd = (n: number) => crypto.getRandomValues(new Uint8Array(n));
 * const c = new ClientKeyShare(0x0017, rnd);
 * const s = serverKeyExchange(0x0017, c.keyExchange, rnd);
 * console.log(c.complete(s.keyExchange).length === s.sharedSecret.length); // true
 * ```
 */
export function serverKeyExchange(
  group: number,
  clientShare: Uint8Array,
  random: (n: number) => Uint8Array,
): { keyExchange: Uint8Array; sharedSecret: Uint8Array } {
  if (group === NamedGroup.X25519MLKEM768) {
    if (clientShare.length !== MLKEM768_EK + 32) throw illegal("bad X25519MLKEM768 share length");
    let enc: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      enc = ml_kem768.encapsulate(clientShare.subarray(0, MLKEM768_EK), random(32));
    } catch {
      throw illegal("bad ML-KEM encapsulation key");
    }
    const x = new X25519Key(random(32));
    const xs = x.derive(clientShare.subarray(MLKEM768_EK));
    return {
      keyExchange: concat(enc.cipherText, x.publicKey),
      sharedSecret: concat(enc.sharedSecret, xs),
    };
  }
  const mine = new ClientKeyShare(group, random);
  const sharedSecret = mine.complete(clientShare);
  return { keyExchange: mine.keyExchange, sharedSecret };
}
