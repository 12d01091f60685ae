/**
 * The handshake transcript (RFC 8446 §4.4.1): the concatenation of the
 * handshake messages so far, hashed with the cipher suite's hash. The hash is
 * not known before ServerHello, so messages are kept and hashed on demand
 * (a TLS handshake is a few kilobytes; hashing it again costs microseconds).
 * @module
 */
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import type { HashName } from "../hkdf.ts";
import { messageHash } from "./messages.ts";

/**
 * A transcript of handshake messages.
 *
 * @example
 * ```ts
 * import { Transcript } from "@gquic/core/crypto";
 * const t = new Transcript();
 * t.add(Uint8Array.of(20, 0, 0, 0));
 * console.log(t.hash("sha256").length); // 32
 * ```
 */
export class Transcript {
  #messages: Uint8Array[] = [];
  #length = 0;

  /** Appends one complete handshake message (header included). */
  add(message: Uint8Array): void {
    this.#messages.push(message);
    this.#length += message.length;
  }

  /** Total bytes in the transcript. */
  get length(): number {
    return this.#length;
  }

  /** Transcript-Hash of everything added so far (plus `extra`, not added). */
  hash(hash: HashName, extra?: Uint8Array): Uint8Array {
    const h = (hash === "sha256" ? sha256 : sha384).create();
    for (const m of this.#messages) h.update(m);
    if (extra) h.update(extra);
    return h.digest();
  }

  /**
   * Replaces ClientHello1 by `message_hash` after a HelloRetryRequest
   * (RFC 8446 §4.4.1). Call before adding the HelloRetryRequest.
   */
  replaceWithMessageHash(hash: HashName): void {
    const h = this.hash(hash);
    this.#messages = [];
    this.#length = 0;
    this.add(messageHash(h));
  }
}
