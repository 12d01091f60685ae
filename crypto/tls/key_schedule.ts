/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1): early, handshake and master
 * secrets, traffic secrets, Finished keys, PSK binders and resumption PSKs.
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import {
  digest,
  hashLength,
  type HashName,
  hkdfExpandLabel,
  hkdfExtract,
  hkdfLabel,
} from "../hkdf.ts";
import { CipherSuite } from "../cipher_suites.ts";

const EMPTY = new Uint8Array(0);
const COUNTER_1 = Uint8Array.of(1);

/** The part of a noble HMAC state the key schedule uses. */
interface KeyedHmac {
  update(data: Uint8Array): KeyedHmac;
  clone(): KeyedHmac;
  digest(): Uint8Array;
}

/**
 * HKDF-Expand-Label with one secret and several labels (RFC 8446 §7.1): the
 * HMAC key pads are absorbed once and the state cloned per label, instead of
 * re-keying HMAC for every derived secret. Every output here is at most one
 * hash block (L ≤ Hash.length), so HKDF-Expand is T(1) = HMAC(PRK, info || 1)
 * (RFC 5869 §2.3).
 */
class LabelExpander {
  readonly #keyed: KeyedHmac;
  readonly #length: number;
  constructor(hash: HashName, secret: Uint8Array) {
    this.#keyed = hmac.create(hash === "sha256" ? sha256 : sha384, secret);
    this.#length = hashLength(hash);
  }
  /** Derive-Secret / HKDF-Expand-Label for Hash.length bytes. */
  expand(label: string, context: Uint8Array): Uint8Array {
    return this.#keyed.clone().update(hkdfLabel(label, context, this.#length)).update(COUNTER_1)
      .digest();
  }
}

// Values that do not depend on the handshake (RFC 8446 §7.1): Hash(""), and,
// without a PSK, Early Secret = HKDF-Extract(0, 0) and its "derived" secret.
interface Constants {
  emptyHash: Uint8Array;
  earlySecret: Uint8Array;
  derivedFromEarly: Uint8Array;
}
const constants: Partial<Record<HashName, Constants>> = {};

function constantsFor(hash: HashName): Constants {
  let c = constants[hash];
  if (!c) {
    const zeros = new Uint8Array(hashLength(hash));
    const emptyHash = digest(hash, EMPTY);
    const earlySecret = hkdfExtract(hash, zeros, zeros);
    const derivedFromEarly = new LabelExpander(hash, earlySecret).expand("derived", emptyHash);
    c = constants[hash] = { emptyHash, earlySecret, derivedFromEarly };
  }
  return c;
}

/**
 * The hash of a cipher suite (RFC 8446 §B.4), or undefined when unknown.
 *
 * @example
 * ```ts
 * import { suiteHash } from "@gquic/core/crypto";
 * console.log(suiteHash(0x1302)); // "sha384"
 * ```
 */
export function suiteHash(suite: number): HashName | undefined {
  switch (suite) {
    case CipherSuite.TLS_AES_128_GCM_SHA256:
    case CipherSuite.TLS_CHACHA20_POLY1305_SHA256:
      return "sha256";
    case CipherSuite.TLS_AES_256_GCM_SHA384:
      return "sha384";
  }
  return undefined;
}

/**
 * Derive-Secret(secret, label, messagesHash) of RFC 8446 §7.1, taking the
 * transcript hash directly.
 *
 * @example
 * ```ts
 * import { deriveSecret } from "@gquic/core/crypto";
 * console.log(deriveSecret("sha256", new Uint8Array(32), "derived", new Uint8Array(32)).length); // 32
 * ```
 */
export function deriveSecret(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(hash, secret, label, transcriptHash, hashLength(hash));
}

/**
 * HMAC with the suite's hash.
 *
 * @example
 * ```ts
 * import { hmacHash } from "@gquic/core/crypto";
 * console.log(hmacHash("sha384", new Uint8Array(48), new Uint8Array(0)).length); // 48
 * ```
 */
export function hmacHash(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(hash === "sha256" ? sha256 : sha384, key, data);
}

/**
 * Finished verify_data (RFC 8446 §4.4.4):
 * HMAC(HKDF-Expand-Label(baseKey, "finished", "", Hash.length), transcriptHash).
 *
 * @example
 * ```ts
 * import { finishedVerifyData } from "@gquic/core/crypto";
 * console.log(finishedVerifyData("sha256", new Uint8Array(32), new Uint8Array(32)).length); // 32
 * ```
 */
export function finishedVerifyData(
  hash: HashName,
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
): Uint8Array {
  const key = new LabelExpander(hash, baseKey).expand("finished", EMPTY);
  return hmacHash(hash, key, transcriptHash);
}

/**
 * Constant-time equality of two byte strings.
 *
 * @example
 * ```ts
 * import { constantTimeEqual } from "@gquic/core/crypto";
 * console.log(constantTimeEqual(Uint8Array.of(1), Uint8Array.of(1))); // true
 * ```
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * The resumption PSK of a ticket (RFC 8446 §4.6.1):
 * HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length).
 *
 * @example
 * ```ts
 * import { resumptionPsk } from "@gquic/core/crypto";
 * console.log(resumptionPsk("sha256", new Uint8Array(32), Uint8Array.of(0)).length); // 32
 * ```
 */
export function resumptionPsk(
  hash: HashName,
  resumptionMasterSecret: Uint8Array,
  nonce: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(hash, resumptionMasterSecret, "resumption", nonce, hashLength(hash));
}

/**
 * The secrets of one handshake, derived step by step as the transcript grows
 * (RFC 8446 §7.1).
 *
 * @example
 * ```ts
 * import { KeySchedule } from "@gquic/core/crypto";
 * const ks = new KeySchedule("sha256");
 * ks.handshake(new Uint8Array(32), new Uint8Array(32));
 * console.log(ks.clientHandshakeTrafficSecret.length); // 32
 * ```
 */
export class KeySchedule {
  /** The hash of the negotiated suite. */
  readonly hash: HashName;
  /** Early Secret = HKDF-Extract(0, PSK or 0). */
  readonly earlySecret: Uint8Array;
  /** Handshake Secret. */
  handshakeSecret: Uint8Array = new Uint8Array(0);
  /** Master Secret. */
  masterSecret: Uint8Array = new Uint8Array(0);
  /** client_handshake_traffic_secret. */
  clientHandshakeTrafficSecret: Uint8Array = new Uint8Array(0);
  /** server_handshake_traffic_secret. */
  serverHandshakeTrafficSecret: Uint8Array = new Uint8Array(0);
  /** client_application_traffic_secret_0. */
  clientApplicationTrafficSecret: Uint8Array = new Uint8Array(0);
  /** server_application_traffic_secret_0. */
  serverApplicationTrafficSecret: Uint8Array = new Uint8Array(0);
  /** exporter_master_secret. */
  exporterMasterSecret: Uint8Array = new Uint8Array(0);
  /** resumption_master_secret. */
  resumptionMasterSecret: Uint8Array = new Uint8Array(0);

  /** Expander over the Early Secret (binder, early traffic), made on first use. */
  #early: LabelExpander | undefined;
  /** Expander over the Handshake Secret. */
  #hs: LabelExpander | undefined;
  /** Expander over the Master Secret. */
  #ms: LabelExpander | undefined;
  readonly #psk: boolean;

  /**
   * Starts the schedule with an optional PSK (all-zero IKM otherwise).
   * @param hash the suite's hash
   * @param psk resumption PSK, if resuming
   */
  constructor(hash: HashName, psk?: Uint8Array) {
    this.hash = hash;
    this.#psk = psk !== undefined;
    if (psk) {
      this.earlySecret = hkdfExtract(hash, new Uint8Array(hashLength(hash)), psk);
    } else {
      this.earlySecret = constantsFor(hash).earlySecret;
    }
  }

  #earlyExpander(): LabelExpander {
    return this.#early ??= new LabelExpander(this.hash, this.earlySecret);
  }

  /** binder_key for resumption PSKs ("res binder"). */
  binderKey(): Uint8Array {
    return this.#earlyExpander().expand("res binder", constantsFor(this.hash).emptyHash);
  }

  /** client_early_traffic_secret over Transcript-Hash(ClientHello). */
  clientEarlyTrafficSecret(chHash: Uint8Array): Uint8Array {
    return this.#earlyExpander().expand("c e traffic", chHash);
  }

  /** Mixes in the (EC)DHE secret; `hash` is Transcript-Hash(ClientHello..ServerHello). */
  handshake(sharedSecret: Uint8Array, transcriptHash: Uint8Array): void {
    const h = this.hash;
    const c = constantsFor(h);
    const derived = this.#psk
      ? this.#earlyExpander().expand("derived", c.emptyHash)
      : c.derivedFromEarly;
    this.handshakeSecret = hkdfExtract(h, derived, sharedSecret);
    const hs = this.#hs = new LabelExpander(h, this.handshakeSecret);
    this.clientHandshakeTrafficSecret = hs.expand("c hs traffic", transcriptHash);
    this.serverHandshakeTrafficSecret = hs.expand("s hs traffic", transcriptHash);
  }

  /** Derives the master and application secrets; `transcriptHash` runs to server Finished. */
  application(transcriptHash: Uint8Array): void {
    const h = this.hash;
    const hs = this.#hs ?? new LabelExpander(h, this.handshakeSecret);
    const derived = hs.expand("derived", constantsFor(h).emptyHash);
    this.masterSecret = hkdfExtract(h, derived, new Uint8Array(hashLength(h)));
    const ms = this.#ms = new LabelExpander(h, this.masterSecret);
    this.clientApplicationTrafficSecret = ms.expand("c ap traffic", transcriptHash);
    this.serverApplicationTrafficSecret = ms.expand("s ap traffic", transcriptHash);
    this.exporterMasterSecret = ms.expand("exp master", transcriptHash);
  }

  /** Derives resumption_master_secret; `transcriptHash` runs to client Finished. */
  resumption(transcriptHash: Uint8Array): void {
    const ms = this.#ms ?? new LabelExpander(this.hash, this.masterSecret);
    this.resumptionMasterSecret = ms.expand("res master", transcriptHash);
  }
}
