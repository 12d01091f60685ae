/**
 * The ChaCha20 block function (RFC 8439 §2.3) in JS, for QUIC header
 * protection (RFC 9001 §5.4.4), which needs the first 5 bytes of one block.
 *
 * Why not `@noble/ciphers`' `chacha20`: it refuses a counter of 0xffffffff
 * ("counter overflow"), and in QUIC the counter is the first 4 bytes of the
 * sample, i.e. attacker-chosen ciphertext, so that would turn a peer's packet
 * into an exception. RFC 9001 §5.4.4 only needs the single block at that
 * counter, which is well defined.
 * @module
 */
import { QuicError, TransportErrorCode } from "../quic/proto/errors.ts";

function readLe32(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
}

/**
 * A ChaCha20 key with its words loaded once; {@link ChaCha20Block.keystream}
 * computes keystream bytes of a single block without allocating.
 *
 * @example
 * ```ts
 * import { ChaCha20Block } from "@gquic/core/crypto";
 * const c = new ChaCha20Block(new Uint8Array(32));
 * const out = new Uint8Array(5);
 * // RFC 9001 §5.4.4: counter and nonce come from the 16-byte sample.
 * c.keystream(new Uint8Array(16), 0, out, 5);
 * console.log(out[0].toString(16)); // "76"
 * ```
 */
export class ChaCha20Block {
  #k = new Int32Array(8);
  #x = new Int32Array(16);

  /**
   * Loads a 32-byte key.
   * @param key the ChaCha20 key
   */
  constructor(key: Uint8Array) {
    if (key.length !== 32) {
      throw new QuicError(TransportErrorCode.INTERNAL_ERROR, "ChaCha20 key must be 32 bytes");
    }
    for (let i = 0; i < 8; i++) this.#k[i] = readLe32(key, 4 * i);
  }

  /**
   * Writes the first `length` (≤ 64) keystream bytes of the block selected by
   * `counterAndNonce[offset, offset+16)`: a 4-byte little-endian block counter
   * then a 12-byte nonce, exactly the layout of a QUIC header protection
   * sample (RFC 9001 §5.4.4).
   * @param counterAndNonce bytes holding counter ‖ nonce
   * @param offset start of those 16 bytes
   * @param out destination
   * @param length number of keystream bytes wanted
   */
  keystream(counterAndNonce: Uint8Array, offset: number, out: Uint8Array, length: number): void {
    const k = this.#k;
    const x = this.#x;
    // RFC 8439 §2.3: constants "expand 32-byte k", key, counter, nonce.
    const j0 = 0x61707865, j1 = 0x3320646e, j2 = 0x79622d32, j3 = 0x6b206574;
    const j4 = k[0], j5 = k[1], j6 = k[2], j7 = k[3];
    const j8 = k[4], j9 = k[5], j10 = k[6], j11 = k[7];
    const j12 = readLe32(counterAndNonce, offset);
    const j13 = readLe32(counterAndNonce, offset + 4);
    const j14 = readLe32(counterAndNonce, offset + 8);
    const j15 = readLe32(counterAndNonce, offset + 12);
    let x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
    let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
    let t: number;
    for (let i = 0; i < 10; i++) {
      // Column rounds then diagonal rounds (RFC 8439 §2.1, §2.3).
      x0 = (x0 + x4) | 0, t = x12 ^ x0, x12 = (t << 16) | (t >>> 16);
      x8 = (x8 + x12) | 0, t = x4 ^ x8, x4 = (t << 12) | (t >>> 20);
      x0 = (x0 + x4) | 0, t = x12 ^ x0, x12 = (t << 8) | (t >>> 24);
      x8 = (x8 + x12) | 0, t = x4 ^ x8, x4 = (t << 7) | (t >>> 25);
      x1 = (x1 + x5) | 0, t = x13 ^ x1, x13 = (t << 16) | (t >>> 16);
      x9 = (x9 + x13) | 0, t = x5 ^ x9, x5 = (t << 12) | (t >>> 20);
      x1 = (x1 + x5) | 0, t = x13 ^ x1, x13 = (t << 8) | (t >>> 24);
      x9 = (x9 + x13) | 0, t = x5 ^ x9, x5 = (t << 7) | (t >>> 25);
      x2 = (x2 + x6) | 0, t = x14 ^ x2, x14 = (t << 16) | (t >>> 16);
      x10 = (x10 + x14) | 0, t = x6 ^ x10, x6 = (t << 12) | (t >>> 20);
      x2 = (x2 + x6) | 0, t = x14 ^ x2, x14 = (t << 8) | (t >>> 24);
      x10 = (x10 + x14) | 0, t = x6 ^ x10, x6 = (t << 7) | (t >>> 25);
      x3 = (x3 + x7) | 0, t = x15 ^ x3, x15 = (t << 16) | (t >>> 16);
      x11 = (x11 + x15) | 0, t = x7 ^ x11, x7 = (t << 12) | (t >>> 20);
      x3 = (x3 + x7) | 0, t = x15 ^ x3, x15 = (t << 8) | (t >>> 24);
      x11 = (x11 + x15) | 0, t = x7 ^ x11, x7 = (t << 7) | (t >>> 25);
      x0 = (x0 + x5) | 0, t = x15 ^ x0, x15 = (t << 16) | (t >>> 16);
      x10 = (x10 + x15) | 0, t = x5 ^ x10, x5 = (t << 12) | (t >>> 20);
      x0 = (x0 + x5) | 0, t = x15 ^ x0, x15 = (t << 8) | (t >>> 24);
      x10 = (x10 + x15) | 0, t = x5 ^ x10, x5 = (t << 7) | (t >>> 25);
      x1 = (x1 + x6) | 0, t = x12 ^ x1, x12 = (t << 16) | (t >>> 16);
      x11 = (x11 + x12) | 0, t = x6 ^ x11, x6 = (t << 12) | (t >>> 20);
      x1 = (x1 + x6) | 0, t = x12 ^ x1, x12 = (t << 8) | (t >>> 24);
      x11 = (x11 + x12) | 0, t = x6 ^ x11, x6 = (t << 7) | (t >>> 25);
      x2 = (x2 + x7) | 0, t = x13 ^ x2, x13 = (t << 16) | (t >>> 16);
      x8 = (x8 + x13) | 0, t = x7 ^ x8, x7 = (t << 12) | (t >>> 20);
      x2 = (x2 + x7) | 0, t = x13 ^ x2, x13 = (t << 8) | (t >>> 24);
      x8 = (x8 + x13) | 0, t = x7 ^ x8, x7 = (t << 7) | (t >>> 25);
      x3 = (x3 + x4) | 0, t = x14 ^ x3, x14 = (t << 16) | (t >>> 16);
      x9 = (x9 + x14) | 0, t = x4 ^ x9, x4 = (t << 12) | (t >>> 20);
      x3 = (x3 + x4) | 0, t = x14 ^ x3, x14 = (t << 8) | (t >>> 24);
      x9 = (x9 + x14) | 0, t = x4 ^ x9, x4 = (t << 7) | (t >>> 25);
    }
    // RFC 8439 §2.3: add the input state, serialize little-endian.
    x[0] = x0 + j0, x[1] = x1 + j1, x[2] = x2 + j2, x[3] = x3 + j3;
    x[4] = x4 + j4, x[5] = x5 + j5, x[6] = x6 + j6, x[7] = x7 + j7;
    x[8] = x8 + j8, x[9] = x9 + j9, x[10] = x10 + j10, x[11] = x11 + j11;
    x[12] = x12 + j12, x[13] = x13 + j13, x[14] = x14 + j14, x[15] = x15 + j15;
    const n = length < 64 ? length : 64;
    for (let i = 0; i < n; i++) out[i] = (x[i >>> 2] >>> (8 * (i & 3))) & 0xff;
  }
}
