/**
 * QUIC header protection (RFC 9001 §5.4): the mask algorithms for AES
 * (§5.4.3) and ChaCha20 (§5.4.4), and applying / removing the mask on the
 * first byte and the packet number (§5.4.1).
 * @module
 */
import { createCipheriv } from "node:crypto";
import { QuicError, TransportErrorCode } from "../quic/proto/errors.ts";
import { AesBlock } from "./aes_block.ts";
import { ChaCha20Block } from "./chacha20_block.ts";
import type { CipherSuiteId, HeaderProtectionAlgorithm } from "./cipher_suites.ts";
import { cipherSuiteInfo } from "./cipher_suites.ts";

/**
 * Length of the ciphertext sample header protection takes (RFC 9001 §5.4.2).
 *
 * @example
 * ```ts
 * import { HP_SAMPLE_LENGTH } from "@gquic/core/crypto";
 * console.log(HP_SAMPLE_LENGTH); // 16
 * ```
 */
export const HP_SAMPLE_LENGTH = 16;

/**
 * A header protection key: turns a 16-byte ciphertext sample into the 5-byte
 * mask (RFC 9001 §5.4.1). Key-phase independent: a key update keeps it
 * (RFC 9001 §6.1).
 *
 * @example
 * ```ts
 * import { createHeaderProtection, CipherSuite } from "@gquic/core/crypto";
 * const hp = createHeaderProtection(CipherSuite.TLS_AES_128_GCM_SHA256, new Uint8Array(16));
 * console.log(hp.mask(new Uint8Array(16), 0).subarray(0, 5).length); // 5
 * ```
 */
export interface HeaderProtection {
  /** The mask algorithm. */
  readonly algorithm: HeaderProtectionAlgorithm;
  /**
   * Computes the mask for the sample `buf[sampleOffset, sampleOffset+16)`.
   * Returns an internal buffer (at least 5 bytes; only the first 5 are the
   * mask) that is overwritten by the next call: no allocation per packet.
   */
  mask(buf: Uint8Array, sampleOffset: number): Uint8Array;
}

/**
 * Header protection implementations: `js` (AES block / ChaCha20 block
 * computed in JS with the key prepared once, the default) or `node` (one
 * `node:crypto` cipher call per packet; kept as the benchmark baseline).
 *
 * @example
 * ```ts
 * import type { HeaderProtectionImpl } from "@gquic/core/crypto";
 * const impl: HeaderProtectionImpl = "js";
 * console.log(impl);
 * ```
 */
export type HeaderProtectionImpl = "js" | "node";

/**
 * AES header protection (RFC 9001 §5.4.3): mask = AES-ECB(hp_key, sample),
 * with the key schedule expanded once and the block computed in JS.
 *
 * @example
 * ```ts
 * import { AesHeaderProtection } from "@gquic/core/crypto";
 * const hp = new AesHeaderProtection(new Uint8Array(16));
 * console.log(hp.mask(new Uint8Array(16), 0)[0].toString(16)); // "66"
 * ```
 */
export class AesHeaderProtection implements HeaderProtection {
  /** "aes-128" or "aes-256" by key length. */
  readonly algorithm: HeaderProtectionAlgorithm;
  #aes: AesBlock;
  #out = new Uint8Array(16);

  /**
   * Expands the AES key once.
   * @param hpKey the "quic hp" key (16 or 32 bytes)
   */
  constructor(hpKey: Uint8Array) {
    this.#aes = new AesBlock(hpKey);
    this.algorithm = hpKey.length === 16 ? "aes-128" : "aes-256";
  }

  /** See {@link HeaderProtection.mask}. */
  mask(buf: Uint8Array, sampleOffset: number): Uint8Array {
    this.#aes.encryptBlock(buf, sampleOffset, this.#out, 0);
    return this.#out;
  }
}

/**
 * ChaCha20 header protection (RFC 9001 §5.4.4): counter = sample[0..4]
 * little-endian, nonce = sample[4..16], mask = ChaCha20(hp_key, counter,
 * nonce, {0,0,0,0,0}), computed in JS.
 *
 * @example
 * ```ts
 * import { ChaChaHeaderProtection } from "@gquic/core/crypto";
 * const hp = new ChaChaHeaderProtection(new Uint8Array(32));
 * console.log(hp.mask(new Uint8Array(16), 0)[0].toString(16)); // "76"
 * ```
 */
export class ChaChaHeaderProtection implements HeaderProtection {
  /** Always "chacha20". */
  readonly algorithm: HeaderProtectionAlgorithm = "chacha20";
  #block: ChaCha20Block;
  #out = new Uint8Array(5);

  /**
   * Loads the ChaCha20 key once.
   * @param hpKey the "quic hp" key (32 bytes)
   */
  constructor(hpKey: Uint8Array) {
    this.#block = new ChaCha20Block(hpKey);
  }

  /** See {@link HeaderProtection.mask}. */
  mask(buf: Uint8Array, sampleOffset: number): Uint8Array {
    this.#block.keystream(buf, sampleOffset, this.#out, 5);
    return this.#out;
  }
}

const ZERO_BLOCK = new Uint8Array(16);

/**
 * Header protection through one `node:crypto` call per packet (AES-ECB or
 * ChaCha20 with the sample as OpenSSL's 16-byte counter‖nonce IV). Slower
 * than the JS versions; kept as the benchmark baseline and a cross-check.
 *
 * @example
 * ```ts
 * import { NodeHeaderProtection } from "@gquic/core/crypto";
 * const hp = new NodeHeaderProtection("aes-128", new Uint8Array(16));
 * console.log(hp.mask(new Uint8Array(16), 0)[0].toString(16)); // "66"
 * ```
 */
export class NodeHeaderProtection implements HeaderProtection {
  /** The mask algorithm. */
  readonly algorithm: HeaderProtectionAlgorithm;
  #key: Uint8Array;
  #out = new Uint8Array(16);

  /**
   * Keeps the key for per-packet cipher objects.
   * @param algorithm mask algorithm
   * @param hpKey the "quic hp" key
   */
  constructor(algorithm: HeaderProtectionAlgorithm, hpKey: Uint8Array) {
    this.algorithm = algorithm;
    this.#key = hpKey.slice();
  }

  /** See {@link HeaderProtection.mask}. */
  mask(buf: Uint8Array, sampleOffset: number): Uint8Array {
    const sample = buf.subarray(sampleOffset, sampleOffset + HP_SAMPLE_LENGTH);
    let out: Uint8Array;
    if (this.algorithm === "chacha20") {
      out = createCipheriv("chacha20", this.#key, sample).update(ZERO_BLOCK.subarray(0, 5));
    } else {
      const c = createCipheriv(
        this.algorithm === "aes-128" ? "aes-128-ecb" : "aes-256-ecb",
        this.#key,
        null,
      );
      c.setAutoPadding(false);
      out = c.update(sample);
    }
    this.#out.set(out.subarray(0, 5));
    return this.#out;
  }
}

/**
 * Creates the header protection for `suite` from its "quic hp" key.
 *
 * @example
 * ```ts
 * import { createHeaderProtection, CipherSuite } from "@gquic/core/crypto";
 * const hp = createHeaderProtection(CipherSuite.TLS_CHACHA20_POLY1305_SHA256, new Uint8Array(32));
 * console.log(hp.algorithm); // "chacha20"
 * ```
 */
export function createHeaderProtection(
  suite: CipherSuiteId,
  hpKey: Uint8Array,
  options: { impl?: HeaderProtectionImpl } = {},
): HeaderProtection {
  const info = cipherSuiteInfo(suite);
  if (info === undefined || hpKey.length !== info.hpKeyLength) {
    throw new QuicError(TransportErrorCode.INTERNAL_ERROR, "bad header protection key or suite");
  }
  if (options.impl === "node") return new NodeHeaderProtection(info.hp, hpKey);
  return info.hp === "chacha20"
    ? new ChaChaHeaderProtection(hpKey)
    : new AesHeaderProtection(hpKey);
}

/**
 * Whether the packet starting with `firstByte` has a long header (RFC 9000 §17.2).
 */
function isLongHeader(firstByte: number): boolean {
  return (firstByte & 0x80) !== 0;
}

/**
 * Applies header protection to a packet whose payload is already sealed
 * (RFC 9001 §5.4.1): samples 16 bytes at `pnOffset + 4` (§5.4.2), masks the
 * low 4 (long header) or 5 (short header) bits of the first byte and the
 * `pnLength` packet number bytes. Throws QuicError(INTERNAL_ERROR) when the
 * packet is too short to sample (the sender must pad, §5.4.2).
 *
 * @example
 * ```ts
 * import { applyHeaderProtection, AesHeaderProtection } from "@gquic/core/crypto";
 * const pkt = new Uint8Array(1 + 4 + 20); // short header, 4-byte pn, sealed payload
 * pkt[0] = 0x43;
 * applyHeaderProtection(pkt, 0, 1, 4, pkt.length, new AesHeaderProtection(new Uint8Array(16)));
 * console.log(pkt[0] !== 0x43 || pkt[1] !== 0); // true (almost surely)
 * ```
 */
export function applyHeaderProtection(
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  pnLength: number,
  packetEnd: number,
  hp: HeaderProtection,
): void {
  const sampleOffset = pnOffset + 4;
  if (sampleOffset + HP_SAMPLE_LENGTH > packetEnd || packetEnd > buf.length) {
    throw new QuicError(
      TransportErrorCode.INTERNAL_ERROR,
      "packet too short for header protection sample",
    );
  }
  const mask = hp.mask(buf, sampleOffset);
  const first = buf[headerStart];
  // RFC 9001 §5.4.1: 4 bits for long headers, 5 for short headers.
  buf[headerStart] = first ^ (mask[0] & (isLongHeader(first) ? 0x0f : 0x1f));
  for (let i = 0; i < pnLength; i++) buf[pnOffset + i] ^= mask[1 + i];
}

/**
 * Removes header protection in place (RFC 9001 §5.4.1) and returns the
 * packet number length (1–4) read from the unmasked first byte, or 0 when the
 * packet is too short to sample (RFC 9001 §5.4.2: such packets are dropped).
 *
 * The reserved bits (0x0c long, 0x18 short) are not checked here: that is the
 * caller's job, after the packet authenticated (RFC 9000 §17.2, §17.3.1).
 *
 * @example
 * ```ts
 * import {
 *   AesHeaderProtection,
 *   applyHeaderProtection,
 *   removeHeaderProtection,
 * } from "@gquic/core/crypto";
 * const hp = new AesHeaderProtection(new Uint8Array(16));
 * const pkt = new Uint8Array(25);
 * pkt[0] = 0x41; // short header, 2-byte packet number
 * applyHeaderProtection(pkt, 0, 1, 2, pkt.length, hp);
 * console.log(removeHeaderProtection(pkt, 0, 1, pkt.length, hp), pkt[0]); // 2 65
 * ```
 */
export function removeHeaderProtection(
  buf: Uint8Array,
  headerStart: number,
  pnOffset: number,
  packetEnd: number,
  hp: HeaderProtection,
): number {
  const sampleOffset = pnOffset + 4;
  if (
    headerStart < 0 || headerStart >= pnOffset || sampleOffset + HP_SAMPLE_LENGTH > packetEnd ||
    packetEnd > buf.length
  ) {
    return 0;
  }
  const mask = hp.mask(buf, sampleOffset);
  const first = buf[headerStart] ^ (mask[0] & (isLongHeader(buf[headerStart]) ? 0x0f : 0x1f));
  buf[headerStart] = first;
  const pnLength = (first & 0x03) + 1;
  for (let i = 0; i < pnLength; i++) buf[pnOffset + i] ^= mask[1 + i];
  return pnLength;
}
