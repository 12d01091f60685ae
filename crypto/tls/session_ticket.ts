/**
 * Server-side session tickets (RFC 8446 §4.6.1): the resumption state is
 * sealed into the ticket itself with AES-256-GCM under a rotating server key,
 * so the server keeps no per-session state. 0-RTT replay is bounded by a
 * single-use guard (RFC 8446 §8.1) with a fixed maximum size.
 * @module
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { ByteWriter } from "../../quic/proto/bytes.ts";
import { putVec16, putVec8, tlsReader, vec16, vec8 } from "./tls_codec.ts";

const KEY_ID_LENGTH = 8;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const STATE_VERSION = 1;

interface TicketKey {
  id: Uint8Array;
  key: Uint8Array;
  createdAt: number;
}

/**
 * Options of {@link TicketKeyRing}.
 *
 * @example
 * ```ts
 * import type { TicketKeyRingOptions } from "@gquic/core/crypto";
 * const o: TicketKeyRingOptions = { random: (n) => crypto.getRandomValues(new Uint8Array(n)) };
 * console.log(typeof o.random);
 * ```
 */
export interface TicketKeyRingOptions {
  /** Randomness for keys and nonces. */
  random: (n: number) => Uint8Array;
  /** A new sealing key every this many ms (default one hour). */
  rotationInterval?: number;
  /** Old keys still open tickets for this many ms after retirement (default 7 days). */
  retention?: number;
}

/**
 * Rotating ticket-sealing keys. `seal` uses the newest key (rotating it when
 * it is older than `rotationInterval`); `open` accepts any key still retained.
 *
 * @example
 * ```ts
 * import { TicketKeyRing } from "@gquic/core/crypto";
 * const ring = new TicketKeyRing({ random: (n) => crypto.getRandomValues(new Uint8Array(n)) });
 * const t = ring.seal(Uint8Array.of(1, 2, 3), 0);
 * console.log(ring.open(t, 1000)); // Uint8Array(3) [1, 2, 3]
 * ```
 */
export class TicketKeyRing {
  readonly #random: (n: number) => Uint8Array;
  readonly #rotationInterval: number;
  readonly #retention: number;
  #keys: TicketKey[] = [];

  /**
   * Creates an empty key ring; the first key is made on first use.
   * @param options randomness and rotation policy
   */
  constructor(options: TicketKeyRingOptions) {
    this.#random = options.random;
    this.#rotationInterval = options.rotationInterval ?? 3_600_000;
    this.#retention = options.retention ?? 7 * 86_400_000;
  }

  /** Number of keys currently retained (bounded by retention / rotation). */
  get size(): number {
    return this.#keys.length;
  }

  #current(now: number): TicketKey {
    const newest = this.#keys[0];
    if (newest && now - newest.createdAt < this.#rotationInterval) return newest;
    const k: TicketKey = {
      id: this.#random(KEY_ID_LENGTH),
      key: this.#random(32),
      createdAt: now,
    };
    this.#keys.unshift(k);
    // Drop keys whose successor was created more than `retention` ago.
    for (let i = 1; i < this.#keys.length; i++) {
      if (now - this.#keys[i - 1].createdAt > this.#retention || i >= 64) {
        this.#keys.length = i;
        break;
      }
    }
    return k;
  }

  /** Seals `state` into an opaque ticket: key id ‖ nonce ‖ AES-256-GCM(state) ‖ tag. */
  seal(state: Uint8Array, now: number): Uint8Array {
    const k = this.#current(now);
    const nonce = this.#random(NONCE_LENGTH);
    const c = createCipheriv("aes-256-gcm", k.key, nonce);
    c.setAAD(k.id);
    const body = c.update(state);
    c.final();
    const tag = c.getAuthTag();
    const out = new Uint8Array(KEY_ID_LENGTH + NONCE_LENGTH + body.length + TAG_LENGTH);
    out.set(k.id);
    out.set(nonce, KEY_ID_LENGTH);
    out.set(body, KEY_ID_LENGTH + NONCE_LENGTH);
    out.set(tag, out.length - TAG_LENGTH);
    return out;
  }

  /** Opens a ticket, or returns undefined if no retained key authenticates it. */
  open(ticket: Uint8Array, now: number): Uint8Array | undefined {
    if (ticket.length < KEY_ID_LENGTH + NONCE_LENGTH + TAG_LENGTH) return undefined;
    this.#current(now); // rotate and expire on the same schedule as seal
    const id = ticket.subarray(0, KEY_ID_LENGTH);
    const k = this.#keys.find((x) => x.id.every((b, i) => b === id[i]));
    if (!k) return undefined;
    try {
      const d = createDecipheriv("aes-256-gcm", k.key, ticket.subarray(KEY_ID_LENGTH, 20));
      d.setAAD(k.id);
      d.setAuthTag(ticket.subarray(ticket.length - TAG_LENGTH));
      const body = d.update(ticket.subarray(20, ticket.length - TAG_LENGTH));
      d.final();
      return new Uint8Array(body);
    } catch {
      return undefined;
    }
  }
}

/**
 * What a ticket carries so that a resumed handshake can be checked and keyed.
 *
 * @example
 * ```ts
 * import { decodeTicketState, encodeTicketState, type TicketState } from "@gquic/core/crypto";
 * const s: TicketState = {
 *   cipherSuite: 0x1301, issuedAt: 5, ageAdd: 9, lifetime: 60, maxEarlyData: 0,
 *   psk: new Uint8Array(32), alpn: "h3", earlyDataContext: new Uint8Array(0), serverName: "",
 * };
 * console.log(decodeTicketState(encodeTicketState(s))?.alpn); // "h3"
 * ```
 */
export interface TicketState {
  /** Suite of the issuing connection. */
  cipherSuite: number;
  /** Issue time (ms, the server's clock). */
  issuedAt: number;
  /** ticket_age_add sent with the ticket. */
  ageAdd: number;
  /** Lifetime in seconds. */
  lifetime: number;
  /** max_early_data_size offered (0: no 0-RTT). */
  maxEarlyData: number;
  /** The resumption PSK. */
  psk: Uint8Array;
  /** Negotiated ALPN ("" when none). */
  alpn: string;
  /** Server context that must match for 0-RTT (RFC 9001 §4.6.2). */
  earlyDataContext: Uint8Array;
  /** SNI of the issuing connection ("" when none). */
  serverName: string;
}

/**
 * Serializes a {@link TicketState}.
 *
 * @example
 * ```ts
 * import { encodeTicketState } from "@gquic/core/crypto";
 * const b = encodeTicketState({ cipherSuite: 0x1301, issuedAt: 0, ageAdd: 0, lifetime: 60, maxEarlyData: 0, psk: new Uint8Array(32), alpn: "", earlyDataContext: new Uint8Array(0), serverName: "" });
 * console.log(b[0]); // 1 (format version)
 * ```
 */
export function encodeTicketState(s: TicketState): Uint8Array {
  const w = new ByteWriter(128);
  w.u8(STATE_VERSION);
  w.u16(s.cipherSuite);
  w.u32(Math.floor(s.issuedAt / 0x1_0000_0000));
  w.u32(s.issuedAt >>> 0);
  w.u32(s.ageAdd);
  w.u32(s.lifetime);
  w.u32(s.maxEarlyData);
  putVec8(w, s.psk);
  putVec8(w, new TextEncoder().encode(s.alpn));
  putVec16(w, s.earlyDataContext);
  putVec16(w, new TextEncoder().encode(s.serverName));
  return w.finish().slice();
}

/**
 * Parses a {@link TicketState}, or undefined if malformed or of another version.
 *
 * @example
 * ```ts
 * import { decodeTicketState } from "@gquic/core/crypto";
 * console.log(decodeTicketState(Uint8Array.of(9))); // undefined
 * ```
 */
export function decodeTicketState(b: Uint8Array): TicketState | undefined {
  try {
    const r = tlsReader(b);
    if (r.u8() !== STATE_VERSION) return undefined;
    const cipherSuite = r.u16();
    const issuedAt = r.u32() * 0x1_0000_0000 + r.u32();
    const ageAdd = r.u32();
    const lifetime = r.u32();
    const maxEarlyData = r.u32();
    const psk = vec8(r);
    const alpn = new TextDecoder().decode(vec8(r));
    const earlyDataContext = vec16(r);
    const serverName = new TextDecoder().decode(vec16(r));
    if (r.remaining !== 0) return undefined;
    return {
      cipherSuite,
      issuedAt,
      ageAdd,
      lifetime,
      maxEarlyData,
      psk,
      alpn,
      earlyDataContext,
      serverName,
    };
  } catch {
    return undefined;
  }
}

/**
 * A bounded single-use record of tickets used for 0-RTT (RFC 8446 §8.1).
 * When full of unexpired entries it refuses (0-RTT falls back to 1-RTT),
 * so memory stays bounded and no ticket is ever accepted twice.
 *
 * @example
 * ```ts
 * import { AntiReplayGuard } from "@gquic/core/crypto";
 * const g = new AntiReplayGuard({ maxEntries: 10 });
 * const id = Uint8Array.of(1, 2, 3);
 * console.log(g.checkAndRecord(id, 60_000, 0), g.checkAndRecord(id, 60_000, 1)); // true false
 * ```
 */
export class AntiReplayGuard {
  readonly #maxEntries: number;
  readonly #seen = new Map<string, number>();

  /**
   * Creates a guard.
   * @param options maxEntries: most remembered tickets (default 100000)
   */
  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  /** Entries currently remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Returns true the first time `id` is presented before `expiresAt`, false
   * on a replay or when the guard is full.
   */
  checkAndRecord(id: Uint8Array, expiresAt: number, now: number): boolean {
    let key = "";
    for (let i = 0; i < id.length; i++) key += String.fromCharCode(id[i]);
    const prev = this.#seen.get(key);
    if (prev !== undefined && prev > now) return false;
    if (this.#seen.size >= this.#maxEntries) {
      for (const [k, exp] of this.#seen) if (exp <= now) this.#seen.delete(k);
      if (this.#seen.size >= this.#maxEntries) return false;
    }
    this.#seen.set(key, expiresAt);
    return true;
  }
}
