/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1): early, handshake and master
 * secrets, traffic secrets, Finished keys, PSK binders and resumption PSKs.
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { digest, hashLength, type HashName, hkdfExpandLabel, hkdfExtract } from "../hkdf.ts";
import { CipherSuite } from "../cipher_suites.ts";

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
  const key = hkdfExpandLabel(hash, baseKey, "finished", new Uint8Array(0), hashLength(hash));
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

  /**
   * Starts the schedule with an optional PSK (all-zero IKM otherwise).
   * @param hash the suite's hash
   * @param psk resumption PSK, if resuming
   */
  constructor(hash: HashName, psk?: Uint8Array) {
    this.hash = hash;
    const zeros = new Uint8Array(hashLength(hash));
    this.earlySecret = hkdfExtract(hash, zeros, psk ?? zeros);
  }

  /** binder_key for resumption PSKs ("res binder"). */
  binderKey(): Uint8Array {
    return deriveSecret(
      this.hash,
      this.earlySecret,
      "res binder",
      digest(this.hash, new Uint8Array(0)),
    );
  }

  /** client_early_traffic_secret over Transcript-Hash(ClientHello). */
  clientEarlyTrafficSecret(chHash: Uint8Array): Uint8Array {
    return deriveSecret(this.hash, this.earlySecret, "c e traffic", chHash);
  }

  /** Mixes in the (EC)DHE secret; `hash` is Transcript-Hash(ClientHello..ServerHello). */
  handshake(sharedSecret: Uint8Array, transcriptHash: Uint8Array): void {
    const h = this.hash;
    const empty = digest(h, new Uint8Array(0));
    const derived = deriveSecret(h, this.earlySecret, "derived", empty);
    this.handshakeSecret = hkdfExtract(h, derived, sharedSecret);
    this.clientHandshakeTrafficSecret = deriveSecret(
      h,
      this.handshakeSecret,
      "c hs traffic",
      transcriptHash,
    );
    this.serverHandshakeTrafficSecret = deriveSecret(
      h,
      this.handshakeSecret,
      "s hs traffic",
      transcriptHash,
    );
  }

  /** Derives the master and application secrets; `transcriptHash` runs to server Finished. */
  application(transcriptHash: Uint8Array): void {
    const h = this.hash;
    const empty = digest(h, new Uint8Array(0));
    const derived = deriveSecret(h, this.handshakeSecret, "derived", empty);
    this.masterSecret = hkdfExtract(h, derived, new Uint8Array(hashLength(h)));
    this.clientApplicationTrafficSecret = deriveSecret(
      h,
      this.masterSecret,
      "c ap traffic",
      transcriptHash,
    );
    this.serverApplicationTrafficSecret = deriveSecret(
      h,
      this.masterSecret,
      "s ap traffic",
      transcriptHash,
    );
    this.exporterMasterSecret = deriveSecret(h, this.masterSecret, "exp master", transcriptHash);
  }

  /** Derives resumption_master_secret; `transcriptHash` runs to client Finished. */
  resumption(transcriptHash: Uint8Array): void {
    this.resumptionMasterSecret = deriveSecret(
      this.hash,
      this.masterSecret,
      "res master",
      transcriptHash,
    );
  }
}
