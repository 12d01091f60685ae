/**
 * Stateless reset (RFC 9000 §10.3): token derivation from a static key,
 * building reset datagrams and detecting incoming ones.
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

/**
 * Length of a stateless reset token (RFC 9000 §10.3).
 *
 * @example
 * ```ts
 * import { RESET_TOKEN_LENGTH } from "@gquic/core/quic";
 * console.log(RESET_TOKEN_LENGTH);
 * ```
 */
export const RESET_TOKEN_LENGTH = 16;
/**
 * Smallest datagram that can carry a stateless reset (RFC 9000 §10.3: 5 + 16).
 *
 * @example
 * ```ts
 * import { MIN_STATELESS_RESET_LENGTH } from "@gquic/core/quic";
 * console.log(MIN_STATELESS_RESET_LENGTH);
 * ```
 */
export const MIN_STATELESS_RESET_LENGTH = 21;
/**
 * Size we aim for so a reset is not identifiable by its length (RFC 9000 §10.3).
 *
 * @example
 * ```ts
 * import { TARGET_STATELESS_RESET_LENGTH } from "@gquic/core/quic";
 * console.log(TARGET_STATELESS_RESET_LENGTH);
 * ```
 */
export const TARGET_STATELESS_RESET_LENGTH = 43;

/**
 * Derives the stateless reset token for a connection ID from the endpoint's
 * static key: HMAC-SHA256(key, cid) truncated to 16 bytes (RFC 9000 §10.3.2,
 * "a pseudorandom function that takes a static key and the connection ID").
 *
 * @example
 * ```ts
 * import { statelessResetToken } from "@gquic/core/quic";
 * const t = statelessResetToken(new Uint8Array(32), Uint8Array.of(1, 2, 3, 4));
 * console.log(t.length); // 16
 * ```
 */
export function statelessResetToken(key: Uint8Array, cid: Uint8Array): Uint8Array {
  return hmac(sha256, key, cid).subarray(0, RESET_TOKEN_LENGTH);
}

/**
 * Builds a stateless reset datagram in reply to a packet of `triggerLength`
 * bytes, or returns undefined when none may be sent: a reset must be smaller
 * than the packet that triggered it (RFC 9000 §10.3.3, avoids loops) and at
 * least 21 bytes (§10.3). Replies to packets longer than 43 bytes are 43 bytes
 * or up to `maxLength`; shorter ones are one byte shorter than the trigger.
 *
 * @example
 * ```ts
 * import { buildStatelessReset } from "@gquic/core/quic";
 * const dg = buildStatelessReset(new Uint8Array(16), 1200, (n) => new Uint8Array(n));
 * console.log(dg?.length, dg![0] & 0xc0); // 43 64
 * ```
 */
export function buildStatelessReset(
  token: Uint8Array,
  triggerLength: number,
  random: (n: number) => Uint8Array,
  maxLength: number = TARGET_STATELESS_RESET_LENGTH,
): Uint8Array | undefined {
  let len = triggerLength > TARGET_STATELESS_RESET_LENGTH
    ? Math.min(Math.max(maxLength, MIN_STATELESS_RESET_LENGTH), triggerLength - 1)
    : triggerLength - 1;
  if (len < MIN_STATELESS_RESET_LENGTH) return undefined;
  len = Math.min(len, triggerLength - 1);
  const out = new Uint8Array(len);
  out.set(random(len - RESET_TOKEN_LENGTH));
  // RFC 9000 §10.3: looks like a short header: 0b01 then unpredictable bits.
  out[0] = (out[0] & 0x3f) | 0x40;
  out.set(token, len - RESET_TOKEN_LENGTH);
  return out;
}

/**
 * Compares two 16-byte tokens in constant time (RFC 9000 §10.3.1: "without
 * leaking information about the value of the token").
 *
 * @example
 * ```ts
 * import { tokensEqual } from "@gquic/core/quic";
 * console.log(tokensEqual(new Uint8Array(16), new Uint8Array(16))); // true
 * ```
 */
export function tokensEqual(a: Uint8Array, b: Uint8Array, bOffset = 0): boolean {
  if (a.length !== RESET_TOKEN_LENGTH || b.length - bOffset < RESET_TOKEN_LENGTH) return false;
  let diff = 0;
  for (let i = 0; i < RESET_TOKEN_LENGTH; i++) diff |= a[i] ^ b[bOffset + i];
  return diff === 0;
}

/**
 * True when the last 16 bytes of `datagram` equal `token` (RFC 9000 §10.3.1:
 * a datagram is a stateless reset if it ends in a token the peer issued).
 *
 * @example
 * ```ts
 * import { matchesStatelessReset } from "@gquic/core/quic";
 * const token = new Uint8Array(16).fill(7);
 * const dg = new Uint8Array(30); dg.set(token, 14);
 * console.log(matchesStatelessReset(dg, token)); // true
 * ```
 */
export function matchesStatelessReset(datagram: Uint8Array, token: Uint8Array): boolean {
  if (datagram.length < MIN_STATELESS_RESET_LENGTH) return false;
  return tokensEqual(token, datagram, datagram.length - RESET_TOKEN_LENGTH);
}
