/**
 * The handshake transcript (RFC 8446 §4.4.1): the concatenation of the
 * handshake messages so far, hashed with the cipher suite's hash. The hash is
 * not known before ServerHello (and a PSK binder may need another one), so
 * messages are kept, and each hash asked for gets its own running state that
 * absorbs only the messages added since its last use: a handshake asks for
 * the transcript hash about six times, and rehashing the Certificate message
 * each time was measurable. A digest is taken from a clone of the running
 * state, which stays open.
 * @module
 */
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import type { HashName } from "../hkdf.ts";
import { messageHash } from "./messages.ts";

/** The part of a noble hash state the transcript uses. */
interface RunningHash {
  update(data: Uint8Array): RunningHash;
  clone(): RunningHash;
  digest(): Uint8Array;
}

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
  /** Running states per hash, with how many messages each has absorbed. */
  #running: { name: HashName; h: RunningHash; absorbed: number }[] = [];

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
    let r = this.#running.find((x) => x.name === hash);
    if (r === undefined) {
      const h: RunningHash = (hash === "sha256" ? sha256 : sha384).create();
      r = { name: hash, h, absorbed: 0 };
      this.#running.push(r);
    }
    const msgs = this.#messages;
    while (r.absorbed < msgs.length) r.h.update(msgs[r.absorbed++]);
    const h = r.h.clone();
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
    this.#running = [];
    this.#length = 0;
    this.add(messageHash(h));
  }
}
