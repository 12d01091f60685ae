/**
 * The TLS 1.3 cipher suites QUIC packet protection supports (RFC 9001 §5.3,
 * §5.4.3, §5.4.4) and what each one needs: AEAD, key length, hash for
 * HKDF, header protection algorithm.
 * @module
 */
import type { HashName } from "./hkdf.ts";

/**
 * IANA code points of the TLS 1.3 cipher suites QUIC can use (RFC 8446 §B.4).
 * TLS_AES_128_CCM_8_SHA256 is not listed: RFC 9001 §5.3 forbids it.
 *
 * @example
 * ```ts
 * import { CipherSuite } from "@gquic/core/crypto";
 * console.log(CipherSuite.TLS_AES_128_GCM_SHA256.toString(16)); // "1301"
 * ```
 */
export const CipherSuite = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
} as const;

/**
 * One of the cipher suite code points in {@link CipherSuite}.
 *
 * @example
 * ```ts
 * import { type CipherSuiteId, CipherSuite } from "@gquic/core/crypto";
 * const id: CipherSuiteId = CipherSuite.TLS_CHACHA20_POLY1305_SHA256;
 * console.log(id);
 * ```
 */
export type CipherSuiteId = typeof CipherSuite[keyof typeof CipherSuite];

/**
 * The AEAD algorithm of a suite (RFC 9001 §5.3).
 *
 * @example
 * ```ts
 * import type { AeadAlgorithm } from "@gquic/core/crypto";
 * const a: AeadAlgorithm = "aes-128-gcm";
 * console.log(a);
 * ```
 */
export type AeadAlgorithm = "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";

/**
 * The header protection algorithm of a suite: AES-ECB on one block
 * (RFC 9001 §5.4.3) or ChaCha20 (RFC 9001 §5.4.4).
 *
 * @example
 * ```ts
 * import type { HeaderProtectionAlgorithm } from "@gquic/core/crypto";
 * const hp: HeaderProtectionAlgorithm = "chacha20";
 * console.log(hp);
 * ```
 */
export type HeaderProtectionAlgorithm = "aes-128" | "aes-256" | "chacha20";

/**
 * What packet protection needs to know about a cipher suite.
 *
 * @example
 * ```ts
 * import { cipherSuiteInfo, CipherSuite } from "@gquic/core/crypto";
 * const info = cipherSuiteInfo(CipherSuite.TLS_AES_256_GCM_SHA384);
 * console.log(info.keyLength, info.hash); // 32 "sha384"
 * ```
 */
export interface CipherSuiteInfo {
  /** IANA code point. */
  readonly id: CipherSuiteId;
  /** IANA name, e.g. "TLS_AES_128_GCM_SHA256". */
  readonly name: string;
  /** Hash used by HKDF for this suite's secrets (RFC 8446 §7.1). */
  readonly hash: HashName;
  /** Length of the traffic secret = hash output length. */
  readonly secretLength: number;
  /** AEAD algorithm. */
  readonly aead: AeadAlgorithm;
  /** AEAD key length ("quic key"), RFC 9001 §5.1. */
  readonly keyLength: number;
  /** AEAD IV length ("quic iv"): 12 for all QUIC suites. */
  readonly ivLength: number;
  /** AEAD tag length: 16 for all QUIC suites (RFC 9001 §5.3). */
  readonly tagLength: number;
  /** Header protection algorithm. */
  readonly hp: HeaderProtectionAlgorithm;
  /** Header protection key length ("quic hp"): same as the AEAD key (RFC 9001 §5.4). */
  readonly hpKeyLength: number;
  /**
   * Confidentiality limit: packets that may be sealed with one key
   * (RFC 9001 §6.6). Integrity limit: forged packets tolerated.
   */
  readonly confidentialityLimit: number;
  /** Integrity limit: failed `open`s before the connection must close (RFC 9001 §6.6). */
  readonly integrityLimit: number;
}

const SUITES: Readonly<Record<CipherSuiteId, CipherSuiteInfo>> = {
  [CipherSuite.TLS_AES_128_GCM_SHA256]: {
    id: CipherSuite.TLS_AES_128_GCM_SHA256,
    name: "TLS_AES_128_GCM_SHA256",
    hash: "sha256",
    secretLength: 32,
    aead: "aes-128-gcm",
    keyLength: 16,
    ivLength: 12,
    tagLength: 16,
    hp: "aes-128",
    hpKeyLength: 16,
    // RFC 9001 §6.6: 2^23 packets; integrity limit 2^52.
    confidentialityLimit: 2 ** 23,
    integrityLimit: 2 ** 52,
  },
  [CipherSuite.TLS_AES_256_GCM_SHA384]: {
    id: CipherSuite.TLS_AES_256_GCM_SHA384,
    name: "TLS_AES_256_GCM_SHA384",
    hash: "sha384",
    secretLength: 48,
    aead: "aes-256-gcm",
    keyLength: 32,
    ivLength: 12,
    tagLength: 16,
    hp: "aes-256",
    hpKeyLength: 32,
    confidentialityLimit: 2 ** 23,
    integrityLimit: 2 ** 52,
  },
  [CipherSuite.TLS_CHACHA20_POLY1305_SHA256]: {
    id: CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    name: "TLS_CHACHA20_POLY1305_SHA256",
    hash: "sha256",
    secretLength: 32,
    aead: "chacha20-poly1305",
    keyLength: 32,
    ivLength: 12,
    tagLength: 16,
    hp: "chacha20",
    hpKeyLength: 32,
    // RFC 9001 §6.6: no practical confidentiality limit (larger than 2^62);
    // integrity limit 2^36.
    confidentialityLimit: Number.MAX_SAFE_INTEGER,
    integrityLimit: 2 ** 36,
  },
};

/**
 * Whether `id` is a cipher suite QUIC packet protection supports. Use it to
 * filter a peer's offered suites before calling {@link cipherSuiteInfo}.
 *
 * @example
 * ```ts
 * import { isQuicCipherSuite } from "@gquic/core/crypto";
 * console.log(isQuicCipherSuite(0x1301), isQuicCipherSuite(0x1304)); // true false
 * ```
 */
export function isQuicCipherSuite(id: number): id is CipherSuiteId {
  return id === 0x1301 || id === 0x1302 || id === 0x1303;
}

/**
 * The parameters of a supported cipher suite.
 *
 * @example
 * ```ts
 * import { cipherSuiteInfo } from "@gquic/core/crypto";
 * console.log(cipherSuiteInfo(0x1303).aead); // "chacha20-poly1305"
 * ```
 */
export function cipherSuiteInfo(id: CipherSuiteId): CipherSuiteInfo {
  return SUITES[id];
}
