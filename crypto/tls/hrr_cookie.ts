/**
 * Stateless HelloRetryRequest cookies (RFC 8446 §4.2.2): the server seals
 * what it needs to continue after ClientHello2 — the hash of ClientHello1
 * (which the transcript carries as message_hash, RFC 8446 §4.4.1), the
 * selected suite, the group ClientHello2 must share, and ClientHello1's
 * random — into the cookie, so it keeps no state between the
 * HelloRetryRequest and ClientHello2. The cookie is integrity-protected with
 * HMAC-SHA256 under a server key (its content is not secret: the client knows
 * its own ClientHello) and expires after `lifetime` ms.
 *
 * Layout: version(1) ‖ issuedAt(6, ms) ‖ suite(2) ‖ group(2) ‖ flags(1) ‖
 * random(32) ‖ hashLength(1) ‖ Hash(ClientHello1) ‖ HMAC(32).
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { AlertDescription, TlsAlertError } from "./alert.ts";
import { constantTimeEqual } from "./key_schedule.ts";

const VERSION = 1;
const TAG_LENGTH = 32;
const FIXED_LENGTH = 1 + 6 + 2 + 2 + 1 + 32 + 1;
/** The key_share extension of the HelloRetryRequest named `group` (flags bit 0). */
const FLAG_ASKED_FOR_GROUP = 1;

/**
 * What a HelloRetryRequest cookie carries.
 *
 * @example
 * ```ts
 * import type { HelloRetryCookieState } from "@gquic/core/crypto";
 * const s: HelloRetryCookieState = {
 *   cipherSuite: 0x1301, group: 0x1d, askedForGroup: true,
 *   clientRandom: new Uint8Array(32), clientHello1Hash: new Uint8Array(32),
 * };
 * console.log(s.group);
 * ```
 */
export interface HelloRetryCookieState {
  /** The suite the HelloRetryRequest selected (fixed for ClientHello2). */
  cipherSuite: number;
  /** The group ClientHello2 must carry a key share for. */
  group: number;
  /** True when the HelloRetryRequest's key_share named `group`. */
  askedForGroup: boolean;
  /** ClientHello1's random (ClientHello2 must repeat it, RFC 8446 §4.1.2). */
  clientRandom: Uint8Array;
  /** Transcript-Hash(ClientHello1) with the suite's hash. */
  clientHello1Hash: Uint8Array;
}

/**
 * Options for {@link HelloRetryCookieSealer}.
 *
 * @example
 * ```ts
 * import type { HelloRetryCookieOptions } from "@gquic/core/crypto";
 * const o: HelloRetryCookieOptions = { key: new Uint8Array(32), lifetime: 5000 };
 * console.log(o.lifetime);
 * ```
 */
export interface HelloRetryCookieOptions {
  /** HMAC key, at least 32 bytes; shared by every server that may see ClientHello2. */
  key: Uint8Array;
  /** How long a cookie stays valid, ms (default 10 000). */
  lifetime?: number;
}

/**
 * Seals and opens stateless HelloRetryRequest cookies. Give the same sealer
 * (or the same key) to every TlsServer that may receive the ClientHello2.
 *
 * @example
 * ```ts
 * import { HelloRetryCookieSealer } from "@gquic/core/crypto";
 * const sealer = new HelloRetryCookieSealer({ key: crypto.getRandomValues(new Uint8Array(32)) });
 * const cookie = sealer.seal({
 *   cipherSuite: 0x1301, group: 0x17, askedForGroup: true,
 *   clientRandom: new Uint8Array(32), clientHello1Hash: new Uint8Array(32),
 * }, 1000);
 * console.log(sealer.open(cookie, 2000)?.group); // 23
 * ```
 */
export class HelloRetryCookieSealer {
  readonly #key: Uint8Array;
  readonly #lifetime: number;

  /**
   * Creates a sealer.
   * @param options key and lifetime
   */
  constructor(options: HelloRetryCookieOptions) {
    if (options.key.length < 32) {
      throw new TlsAlertError(AlertDescription.internal_error, "cookie key under 32 bytes");
    }
    this.#key = options.key.slice();
    this.#lifetime = options.lifetime ?? 10_000;
  }

  /** Seals `state` into a cookie issued at `now` (ms). */
  seal(state: HelloRetryCookieState, now: number): Uint8Array {
    const h = state.clientHello1Hash;
    if (state.clientRandom.length !== 32 || h.length > 64) {
      throw new TlsAlertError(AlertDescription.internal_error, "bad cookie state");
    }
    const out = new Uint8Array(FIXED_LENGTH + h.length + TAG_LENGTH);
    const v = new DataView(out.buffer);
    out[0] = VERSION;
    const t = Math.max(0, Math.floor(now));
    v.setUint16(1, Math.floor(t / 2 ** 32) & 0xffff);
    v.setUint32(3, t >>> 0);
    v.setUint16(7, state.cipherSuite);
    v.setUint16(9, state.group);
    out[11] = state.askedForGroup ? FLAG_ASKED_FOR_GROUP : 0;
    out.set(state.clientRandom, 12);
    out[44] = h.length;
    out.set(h, FIXED_LENGTH);
    out.set(this.#tag(out.subarray(0, FIXED_LENGTH + h.length)), FIXED_LENGTH + h.length);
    return out;
  }

  /**
   * Opens a cookie: undefined when it is malformed, forged or altered, from
   * another key, or older than the lifetime (or from the future) at `now`.
   */
  open(cookie: Uint8Array, now: number): HelloRetryCookieState | undefined {
    if (cookie.length < FIXED_LENGTH + TAG_LENGTH || cookie[0] !== VERSION) return undefined;
    const hashLength = cookie[44];
    if (cookie.length !== FIXED_LENGTH + hashLength + TAG_LENGTH) return undefined;
    const body = cookie.subarray(0, FIXED_LENGTH + hashLength);
    if (!constantTimeEqual(this.#tag(body), cookie.subarray(body.length))) return undefined;
    const v = new DataView(cookie.buffer, cookie.byteOffset, cookie.byteLength);
    const issuedAt = v.getUint16(1) * 2 ** 32 + v.getUint32(3);
    if (now < issuedAt || now - issuedAt > this.#lifetime) return undefined;
    return {
      cipherSuite: v.getUint16(7),
      group: v.getUint16(9),
      askedForGroup: (cookie[11] & FLAG_ASKED_FOR_GROUP) !== 0,
      clientRandom: cookie.slice(12, 44),
      clientHello1Hash: cookie.slice(FIXED_LENGTH, FIXED_LENGTH + hashLength),
    };
  }

  #tag(data: Uint8Array): Uint8Array {
    return hmac(sha256, this.#key, data);
  }
}
