/**
 * The AES block cipher (FIPS 197), encryption only, in JS, with the key
 * schedule expanded once per key. QUIC needs exactly one AES block per packet
 * for header protection (RFC 9001 §5.4.3); doing it here costs ≈0.25 µs
 * against 3–20 µs for a `node:crypto` or WebCrypto call.
 *
 * Table-driven ("T-table") implementation: each round is four lookups per
 * column combining SubBytes, ShiftRows and MixColumns. The tables are derived
 * at load time from GF(2^8) arithmetic, not transcribed. Lookups depend on
 * key and data, so this is not constant-time; header protection masks only
 * packet-number bytes that are already exposed to timing through packet size
 * and arrival, and the sample it encrypts is public ciphertext.
 * @module
 */
import { QuicError, TransportErrorCode } from "../quic/proto/errors.ts";

const SBOX = new Uint8Array(256);
// T0[a] = column (2·S[a], S[a], S[a], 3·S[a]) big-endian; T1..T3 are rotations.
const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);

/** Multiplication by x (i.e. by 2) in GF(2^8) mod x^8+x^4+x^3+x+1 (FIPS 197 §4.2.1). */
function xtime(b: number): number {
  return ((b << 1) ^ ((b & 0x80) !== 0 ? 0x1b : 0)) & 0xff;
}

function rotl8(b: number, n: number): number {
  return ((b << n) | (b >>> (8 - n))) & 0xff;
}

function initTables(): void {
  // exp/log tables over the generator 3 to get multiplicative inverses.
  const exp = new Uint8Array(255);
  const log = new Uint8Array(256);
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= xtime(x); // x·3 = x·2 ⊕ x
  }
  for (let a = 0; a < 256; a++) {
    const inv = a === 0 ? 0 : exp[(255 - log[a]) % 255];
    // FIPS 197 §5.1.1: affine transformation of the inverse.
    SBOX[a] = inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63;
  }
  for (let a = 0; a < 256; a++) {
    const s = SBOX[a];
    const s2 = xtime(s);
    const s3 = s2 ^ s;
    // FIPS 197 §5.1.3: MixColumns matrix rows (2 3 1 1), (1 2 3 1), (1 1 2 3), (3 1 1 2).
    T0[a] = (s2 << 24) | (s << 16) | (s << 8) | s3;
    T1[a] = (s3 << 24) | (s2 << 16) | (s << 8) | s;
    T2[a] = (s << 24) | (s3 << 16) | (s2 << 8) | s;
    T3[a] = (s << 24) | (s << 16) | (s3 << 8) | s2;
  }
}
initTables();

function subWord(w: number): number {
  return (SBOX[w >>> 24] << 24) | (SBOX[(w >>> 16) & 0xff] << 16) |
    (SBOX[(w >>> 8) & 0xff] << 8) | SBOX[w & 0xff];
}

/**
 * An AES encryption key with its schedule expanded once (FIPS 197 §5.2);
 * {@link AesBlock.encryptBlock} then encrypts single 16-byte blocks without
 * allocating. Supports 128-, 192- and 256-bit keys.
 *
 * @example
 * ```ts
 * import { AesBlock } from "@gquic/core/crypto";
 * const aes = new AesBlock(new Uint8Array(16));
 * const out = new Uint8Array(16);
 * aes.encryptBlock(new Uint8Array(16), 0, out, 0);
 * console.log(out[0].toString(16)); // "66"
 * ```
 */
export class AesBlock {
  #rk: Int32Array;
  #rounds: number;

  /**
   * Expands `key` (16, 24 or 32 bytes).
   * @param key the AES key
   */
  constructor(key: Uint8Array) {
    const nk = key.length / 4;
    if (nk !== 4 && nk !== 6 && nk !== 8) {
      throw new QuicError(TransportErrorCode.INTERNAL_ERROR, "AES key must be 16, 24 or 32 bytes");
    }
    const rounds = nk + 6;
    const words = 4 * (rounds + 1);
    const w = new Int32Array(words);
    for (let i = 0; i < nk; i++) {
      w[i] = (key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3];
    }
    let rcon = 1;
    for (let i = nk; i < words; i++) {
      let t = w[i - 1];
      if (i % nk === 0) {
        // RotWord, SubWord, Rcon (FIPS 197 §5.2).
        t = subWord((t << 8) | (t >>> 24)) ^ (rcon << 24);
        rcon = xtime(rcon);
      } else if (nk > 6 && i % nk === 4) {
        t = subWord(t);
      }
      w[i] = w[i - nk] ^ t;
    }
    this.#rk = w;
    this.#rounds = rounds;
  }

  /**
   * Encrypts the block `src[srcOffset, srcOffset+16)` into
   * `dst[dstOffset, dstOffset+16)` (they may be the same bytes).
   * @param src input bytes
   * @param srcOffset start of the input block
   * @param dst output bytes
   * @param dstOffset start of the output block
   */
  encryptBlock(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
    const rk = this.#rk;
    let p = srcOffset;
    let s0 = ((src[p] << 24) | (src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3]) ^ rk[0];
    p += 4;
    let s1 = ((src[p] << 24) | (src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3]) ^ rk[1];
    p += 4;
    let s2 = ((src[p] << 24) | (src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3]) ^ rk[2];
    p += 4;
    let s3 = ((src[p] << 24) | (src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3]) ^ rk[3];
    let k = 4;
    for (let r = 1; r < this.#rounds; r++) {
      // SubBytes + ShiftRows (row i taken from column j+i) + MixColumns + AddRoundKey.
      const t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 0xff] ^ T2[(s2 >>> 8) & 0xff] ^ T3[s3 & 0xff] ^
        rk[k];
      const t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 0xff] ^ T2[(s3 >>> 8) & 0xff] ^ T3[s0 & 0xff] ^
        rk[k + 1];
      const t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 0xff] ^ T2[(s0 >>> 8) & 0xff] ^ T3[s1 & 0xff] ^
        rk[k + 2];
      const t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 0xff] ^ T2[(s1 >>> 8) & 0xff] ^ T3[s2 & 0xff] ^
        rk[k + 3];
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
      k += 4;
    }
    // Final round: no MixColumns (FIPS 197 §5.1).
    writeFinalColumn(dst, dstOffset, s0, s1, s2, s3, rk[k]);
    writeFinalColumn(dst, dstOffset + 4, s1, s2, s3, s0, rk[k + 1]);
    writeFinalColumn(dst, dstOffset + 8, s2, s3, s0, s1, rk[k + 2]);
    writeFinalColumn(dst, dstOffset + 12, s3, s0, s1, s2, rk[k + 3]);
  }
}

function writeFinalColumn(
  dst: Uint8Array,
  o: number,
  a: number,
  b: number,
  c: number,
  d: number,
  key: number,
): void {
  dst[o] = SBOX[a >>> 24] ^ (key >>> 24);
  dst[o + 1] = SBOX[(b >>> 16) & 0xff] ^ ((key >>> 16) & 0xff);
  dst[o + 2] = SBOX[(c >>> 8) & 0xff] ^ ((key >>> 8) & 0xff);
  dst[o + 3] = SBOX[d & 0xff] ^ (key & 0xff);
}
