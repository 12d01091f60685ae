/**
 * Packet protection keys from a traffic secret (RFC 9001 §5.1), key update
 * (RFC 9001 §6.1), and the version-specific labels (RFC 9369 §3.3.2).
 * @module
 */
import { QuicError, TransportErrorCode } from "../quic/proto/errors.ts";
import { type Aead, type AeadImpl, createAead } from "./aead.ts";
import type { CipherSuiteId } from "./cipher_suites.ts";
import { cipherSuiteInfo } from "./cipher_suites.ts";
import {
  createHeaderProtection,
  type HeaderProtection,
  type HeaderProtectionImpl,
} from "./header_protection.ts";
import { hkdfExpandLabel } from "./hkdf.ts";
import { QUIC_V1, QUIC_V2 } from "../quic/proto/version.ts";

/**
 * The HKDF labels a QUIC version uses for packet protection.
 *
 * @example
 * ```ts
 * import { QUIC_V2 } from "@gquic/core/quic";
 * import { packetKeyLabels } from "@gquic/core/crypto";
 * console.log(packetKeyLabels(QUIC_V2).ku); // "quicv2 ku"
 * ```
 */
export interface PacketKeyLabels {
  /** Label of the AEAD key. */
  readonly key: string;
  /** Label of the AEAD IV. */
  readonly iv: string;
  /** Label of the header protection key. */
  readonly hp: string;
  /** Label of the key update ("next secret"). */
  readonly ku: string;
}

const V1_LABELS: PacketKeyLabels = { key: "quic key", iv: "quic iv", hp: "quic hp", ku: "quic ku" };
// RFC 9369 §3.3.2.
const V2_LABELS: PacketKeyLabels = {
  key: "quicv2 key",
  iv: "quicv2 iv",
  hp: "quicv2 hp",
  ku: "quicv2 ku",
};

/**
 * Labels for `version`: "quic key"/"quic iv"/"quic hp"/"quic ku" in v1
 * (RFC 9001 §5.1, §6.1), "quicv2 …" in v2 (RFC 9369 §3.3.2). Other versions
 * are a caller bug (the endpoint negotiates a supported version first) and
 * throw QuicError(INTERNAL_ERROR).
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { packetKeyLabels } from "@gquic/core/crypto";
 * console.log(packetKeyLabels(QUIC_V1).key); // "quic key"
 * ```
 */
export function packetKeyLabels(version: number): PacketKeyLabels {
  if (version === QUIC_V1) return V1_LABELS;
  if (version === QUIC_V2) return V2_LABELS;
  throw new QuicError(
    TransportErrorCode.INTERNAL_ERROR,
    `no packet protection for version 0x${version.toString(16)}`,
  );
}

/**
 * The raw keys of one direction and key phase.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { derivePacketKeyMaterial, CipherSuite } from "@gquic/core/crypto";
 * const m = derivePacketKeyMaterial(
 *   CipherSuite.TLS_AES_128_GCM_SHA256,
 *   new Uint8Array(32),
 *   QUIC_V1,
 * );
 * console.log(m.key.length, m.iv.length, m.hp.length); // 16 12 16
 * ```
 */
export interface PacketKeyMaterial {
  /** AEAD key. */
  readonly key: Uint8Array;
  /** AEAD IV. */
  readonly iv: Uint8Array;
  /** Header protection key. */
  readonly hp: Uint8Array;
}

/**
 * Derives key, IV and header protection key from a traffic secret with
 * HKDF-Expand-Label (RFC 9001 §5.1; labels per version, RFC 9369 §3.3.2).
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { derivePacketKeyMaterial, CipherSuite } from "@gquic/core/crypto";
 * const m = derivePacketKeyMaterial(
 *   CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
 *   new Uint8Array(32),
 *   QUIC_V1,
 * );
 * console.log(m.key.length); // 32
 * ```
 */
export function derivePacketKeyMaterial(
  suite: CipherSuiteId,
  secret: Uint8Array,
  version: number,
): PacketKeyMaterial {
  const info = cipherSuiteInfo(suite);
  const labels = packetKeyLabels(version);
  const empty = new Uint8Array(0);
  return {
    key: hkdfExpandLabel(info.hash, secret, labels.key, empty, info.keyLength),
    iv: hkdfExpandLabel(info.hash, secret, labels.iv, empty, info.ivLength),
    hp: hkdfExpandLabel(info.hash, secret, labels.hp, empty, info.hpKeyLength),
  };
}

/**
 * The next traffic secret of a key update (RFC 9001 §6.1):
 * `HKDF-Expand-Label(secret, "quic ku", "", Hash.length)` ("quicv2 ku" in v2).
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { nextTrafficSecret, CipherSuite } from "@gquic/core/crypto";
 * const next = nextTrafficSecret(
 *   CipherSuite.TLS_AES_128_GCM_SHA256,
 *   new Uint8Array(32),
 *   QUIC_V1,
 * );
 * console.log(next.length); // 32
 * ```
 */
export function nextTrafficSecret(
  suite: CipherSuiteId,
  secret: Uint8Array,
  version: number,
): Uint8Array {
  const info = cipherSuiteInfo(suite);
  return hkdfExpandLabel(
    info.hash,
    secret,
    packetKeyLabels(version).ku,
    new Uint8Array(0),
    info.secretLength,
  );
}

/**
 * Implementation choices for {@link createPacketKeys}.
 *
 * @example
 * ```ts
 * import type { PacketKeyOptions } from "@gquic/core/crypto";
 * const o: PacketKeyOptions = { impl: "noble", hpImpl: "js" };
 * console.log(o.impl);
 * ```
 */
export interface PacketKeyOptions {
  /** AEAD implementation (default: the measured default). */
  impl?: AeadImpl;
  /** Header protection implementation (default "js"). */
  hpImpl?: HeaderProtectionImpl;
}

/**
 * The keys of one direction at one encryption level and key phase: what a
 * connection holds per epoch. `hp` is shared across key updates (RFC 9001
 * §6.1: header protection keys are not updated).
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { createPacketKeys, type PacketKeys } from "@gquic/core/crypto";
 * const keys: PacketKeys = createPacketKeys(0x1301, new Uint8Array(32), QUIC_V1);
 * console.log(keys.keyPhase); // 0
 * ```
 */
export interface PacketKeys {
  /** Cipher suite. */
  readonly suite: CipherSuiteId;
  /** QUIC version (selects the labels). */
  readonly version: number;
  /** The traffic secret these keys came from (needed for the next key update). */
  readonly secret: Uint8Array;
  /** Payload protection. */
  readonly aead: Aead;
  /** Header protection. */
  readonly hp: HeaderProtection;
  /** Key phase bit value these keys are used with (1-RTT; 0 for other levels). */
  readonly keyPhase: 0 | 1;
  /** Number of key updates since the handshake secret (0 for the first 1-RTT keys). */
  readonly generation: number;
}

/**
 * Builds the packet keys of a traffic secret (RFC 9001 §5.1).
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { createPacketKeys, CipherSuite } from "@gquic/core/crypto";
 * const keys = createPacketKeys(
 *   CipherSuite.TLS_AES_256_GCM_SHA384,
 *   new Uint8Array(48),
 *   QUIC_V1,
 *   { impl: "node" },
 * );
 * console.log(keys.hp.algorithm); // "aes-256"
 * ```
 */
export function createPacketKeys(
  suite: CipherSuiteId,
  secret: Uint8Array,
  version: number,
  options: PacketKeyOptions = {},
): PacketKeys {
  const m = derivePacketKeyMaterial(suite, secret, version);
  return {
    suite,
    version,
    secret,
    aead: createAead(suite, m.key, m.iv, { impl: options.impl }),
    hp: createHeaderProtection(suite, m.hp, { impl: options.hpImpl }),
    keyPhase: 0,
    generation: 0,
  };
}

/**
 * The keys after a key update (RFC 9001 §6.1): a new secret via "quic ku",
 * new AEAD key and IV from it, the same header protection, the key phase
 * bit flipped.
 *
 * @example
 * ```ts
 * import { QUIC_V1 } from "@gquic/core/quic";
 * import { createPacketKeys, updatePacketKeys } from "@gquic/core/crypto";
 * const k0 = createPacketKeys(0x1303, new Uint8Array(32), QUIC_V1);
 * const k1 = updatePacketKeys(k0);
 * console.log(k1.keyPhase, k1.hp === k0.hp); // 1 true
 * ```
 */
export function updatePacketKeys(keys: PacketKeys, options: PacketKeyOptions = {}): PacketKeys {
  const secret = nextTrafficSecret(keys.suite, keys.secret, keys.version);
  const m = derivePacketKeyMaterial(keys.suite, secret, keys.version);
  return {
    suite: keys.suite,
    version: keys.version,
    secret,
    aead: createAead(keys.suite, m.key, m.iv, { impl: options.impl }),
    hp: keys.hp,
    keyPhase: keys.keyPhase === 0 ? 1 : 0,
    generation: keys.generation + 1,
  };
}
