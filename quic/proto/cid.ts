/**
 * Connection ID management (RFC 9000 §5.1): the IDs we issue to the peer
 * (NEW_CONNECTION_ID, RETIRE_CONNECTION_ID received, stateless reset tokens)
 * and the IDs the peer issued to us (which one we send to, retiring on
 * request, active_connection_id_limit).
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import { statelessResetToken, tokensEqual } from "./stateless_reset.ts";

/** Longest connection ID allowed in QUIC v1 (RFC 9000 §17.2). */
const MAX_CID_LENGTH = 20;

/**
 * One connection ID with its sequence number and reset token.
 *
 * @example
 * ```ts
 * import type { CidEntry } from "@gquic/core/quic";
 * const e: CidEntry = { seq: 0, cid: Uint8Array.of(1, 2), resetToken: undefined };
 * console.log(e.seq);
 * ```
 */
export interface CidEntry {
  /** Sequence number (RFC 9000 §5.1.1); 0 for the handshake CID. */
  seq: number;
  /** The connection ID bytes. */
  cid: Uint8Array;
  /** Stateless reset token bound to this ID (absent for the peer's seq 0 on a client). */
  resetToken: Uint8Array | undefined;
}

/**
 * Hex form of a connection ID, used as a map key.
 *
 * @example
 * ```ts
 * import { cidKey } from "@gquic/core/quic";
 * console.log(cidKey(Uint8Array.of(1, 0xab))); // "01ab"
 * ```
 */
export function cidKey(cid: Uint8Array): string {
  let s = "";
  for (let i = 0; i < cid.length; i++) s += (cid[i] < 16 ? "0" : "") + cid[i].toString(16);
  return s;
}

/**
 * Byte equality of two connection IDs.
 *
 * @example
 * ```ts
 * import { cidEqual } from "@gquic/core/quic";
 * console.log(cidEqual(Uint8Array.of(1), Uint8Array.of(1))); // true
 * ```
 */
export function cidEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Callbacks that keep the endpoint's routing table in step with a connection.
 *
 * @example
 * ```ts
 * import type { CidRouting } from "@gquic/core/quic";
 * const r: CidRouting = { onIssued: () => {}, onRetired: () => {} };
 * console.log(typeof r.onIssued);
 * ```
 */
export interface CidRouting {
  /** A new local connection ID must route to this connection. */
  onIssued(cid: Uint8Array): void;
  /** A local connection ID was retired and must stop routing here. */
  onRetired(cid: Uint8Array): void;
}

/**
 * The connection IDs we issued (the peer puts them in its Destination
 * Connection ID field). Issues up to the peer's active_connection_id_limit
 * (RFC 9000 §5.1.1) and replaces retired ones.
 *
 * @example
 * ```ts
 * import { LocalCids } from "@gquic/core/quic";
 * const ids = new LocalCids(8, (n) => new Uint8Array(n).fill(1), new Uint8Array(32));
 * const first = ids.initial(Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9));
 * ids.setPeerLimit(4);
 * console.log(first.seq, ids.takeToSend().length); // 0 3
 * ```
 */
export class LocalCids {
  /** Length of the IDs we issue (0 = we require zero-length IDs). */
  readonly cidLength: number;
  readonly #random: (n: number) => Uint8Array;
  readonly #resetKey: Uint8Array;
  /** Live (not retired) IDs by sequence number. */
  readonly active: Map<number, CidEntry> = new Map();
  #nextSeq = 0;
  #peerLimit = 2; // RFC 9000 §18.2 default for active_connection_id_limit.
  /** Cap on how many we issue whatever the peer allows. */
  readonly maxIssued: number;
  /** Sequence numbers of NEW_CONNECTION_ID frames waiting to be (re)sent. */
  #toSend: number[] = [];
  /** Routing hooks set by the endpoint. */
  routing: CidRouting | undefined;

  /**
   * Creates an empty set; register sequence 0 with {@link LocalCids.initial}.
   * @param cidLength length of issued IDs (0 for zero-length)
   * @param random randomness for new IDs
   * @param resetKey static key for stateless reset tokens
   * @param maxIssued upper bound on simultaneously active IDs (default 8)
   */
  constructor(
    cidLength: number,
    random: (n: number) => Uint8Array,
    resetKey: Uint8Array,
    maxIssued = 8,
  ) {
    this.cidLength = cidLength;
    this.#random = random;
    this.#resetKey = resetKey;
    this.maxIssued = maxIssued;
  }

  /** Registers the handshake connection ID (sequence 0, RFC 9000 §5.1.1). */
  initial(cid: Uint8Array): CidEntry {
    const e: CidEntry = {
      seq: this.#nextSeq++,
      cid,
      // The token is derived again when needed ({@link LocalCids.tokenFor}):
      // an idle connection should not keep one per issued ID.
      resetToken: undefined,
    };
    this.active.set(e.seq, e);
    this.routing?.onIssued(cid);
    return e;
  }

  /** Generates a fresh random ID of {@link cidLength} bytes. */
  newCid(): Uint8Array {
    return this.#random(this.cidLength).slice();
  }

  /** Records the peer's active_connection_id_limit and issues IDs up to it. */
  setPeerLimit(limit: number): void {
    this.#peerLimit = limit;
    this.#topUp();
  }

  #topUp(): void {
    // RFC 9000 §5.1.1: a zero-length ID cannot be changed, so nothing to issue.
    if (this.cidLength === 0) return;
    const want = Math.min(this.#peerLimit, this.maxIssued);
    const need = want - this.active.size;
    if (need <= 0) return;
    // One buffer for the IDs issued together: they live as long as the
    // connection, and each ArrayBuffer costs ~100 bytes of heap.
    const pool = this.#random(this.cidLength * need).slice();
    for (let i = 0; i < need; i++) {
      const cid = pool.subarray(i * this.cidLength, (i + 1) * this.cidLength);
      const e: CidEntry = {
        seq: this.#nextSeq++,
        cid,
        resetToken: undefined, // Derived when sent (takeToSend).
      };
      this.active.set(e.seq, e);
      this.routing?.onIssued(cid);
      this.#toSend.push(e.seq);
    }
  }

  /**
   * Returns and clears the NEW_CONNECTION_ID frames to send (still-active
   * only), each with its stateless reset token (RFC 9000 §10.3.2).
   */
  takeToSend(): CidEntry[] {
    const out: CidEntry[] = [];
    for (const s of this.#toSend) {
      const e = this.active.get(s);
      if (e) out.push({ seq: e.seq, cid: e.cid, resetToken: this.#token(e.cid) });
    }
    this.#toSend = [];
    return out;
  }

  /** True when NEW_CONNECTION_ID frames are waiting. */
  get hasPending(): boolean {
    return this.#toSend.length > 0;
  }

  /** Requeues a NEW_CONNECTION_ID frame whose packet was lost (RFC 9000 §13.3). */
  onLost(seq: number): void {
    if (this.active.has(seq) && !this.#toSend.includes(seq)) this.#toSend.push(seq);
  }

  /**
   * Handles RETIRE_CONNECTION_ID (RFC 9000 §19.16). `packetDcid` is the
   * Destination Connection ID of the packet that carried the frame.
   * @throws QuicError PROTOCOL_VIOLATION for an ID never issued or the one in use
   */
  onRetire(seq: number, packetDcid: Uint8Array): void {
    if (this.cidLength === 0) {
      throw new QuicError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        "RETIRE_CONNECTION_ID with zero-length connection IDs",
        0x19,
      );
    }
    if (seq >= this.#nextSeq) {
      throw new QuicError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        "retired a connection ID never issued",
        0x19,
      );
    }
    const e = this.active.get(seq);
    if (!e) return; // Already retired: a retransmission.
    if (cidEqual(e.cid, packetDcid)) {
      throw new QuicError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        "retired the connection ID the packet was sent to",
        0x19,
      );
    }
    this.active.delete(seq);
    this.routing?.onRetired(e.cid);
    this.#topUp();
  }

  /** Stateless reset token of the handshake CID (server's transport parameter). */
  tokenFor(seq: number): Uint8Array | undefined {
    const e = this.active.get(seq);
    return e && e.cid.length > 0 ? this.#token(e.cid) : undefined;
  }

  // RFC 9000 §10.3.2: the token is a function of a static key and the ID, so
  // it is recomputed (an HMAC, only when a frame or parameter carries it)
  // rather than stored per issued ID.
  #token(cid: Uint8Array): Uint8Array {
    return statelessResetToken(this.#resetKey, cid);
  }

  /** Unroutes every active ID (the connection is gone). */
  retireAll(): void {
    for (const e of this.active.values()) this.routing?.onRetired(e.cid);
    this.active.clear();
  }
}

/**
 * The connection IDs the peer issued to us (we send to one of them). Enforces
 * our active_connection_id_limit (RFC 9000 §5.1.1) and Retire Prior To
 * (§5.1.2), and queues RETIRE_CONNECTION_ID frames.
 *
 * @example
 * ```ts
 * import { PeerCids } from "@gquic/core/quic";
 * const p = new PeerCids(4, Uint8Array.of(1, 2, 3, 4));
 * p.onNewConnectionId(1, 1, Uint8Array.of(5, 6, 7, 8), new Uint8Array(16).fill(3));
 * console.log(p.current.seq, p.takeRetires()); // 1 [ 0 ]
 * ```
 */
export class PeerCids {
  /** Our active_connection_id_limit. */
  readonly limit: number;
  /** The ID we currently send to. */
  current: CidEntry;
  /** Other unretired IDs, by sequence number. */
  readonly spare: Map<number, CidEntry> = new Map();
  #retirePriorTo = 0;
  #toRetire: number[] = [];
  /** Sequence numbers retired but not yet acknowledged (bounded, §5.1.2). */
  readonly unackedRetires: Set<number> = new Set();

  /**
   * Starts with the peer's handshake ID as the current one.
   * @param limit our active_connection_id_limit (≥ 2)
   * @param initial the peer's handshake connection ID (sequence 0)
   */
  constructor(limit: number, initial: Uint8Array) {
    this.limit = limit;
    this.current = { seq: 0, cid: initial, resetToken: undefined };
  }

  /** Replaces the handshake CID (after the server's Initial or a Retry, §7.2). */
  setInitial(cid: Uint8Array): void {
    this.current = { seq: 0, cid, resetToken: this.current.resetToken };
  }

  /** Sets the reset token of sequence 0 (server's stateless_reset_token parameter, §18.2). */
  setInitialResetToken(token: Uint8Array): void {
    if (this.current.seq === 0) this.current.resetToken = token;
    else {
      const e = this.spare.get(0);
      if (e) e.resetToken = token;
    }
  }

  /**
   * Handles NEW_CONNECTION_ID (RFC 9000 §19.15).
   * @throws QuicError on a protocol violation or when the peer exceeds our limit
   */
  onNewConnectionId(
    seq: number,
    retirePriorTo: number,
    cid: Uint8Array,
    resetToken: Uint8Array,
  ): void {
    const F = 0x18;
    if (this.current.cid.length === 0) {
      throw new QuicError(
        TransportErrorCode.PROTOCOL_VIOLATION,
        "NEW_CONNECTION_ID while using zero-length connection IDs",
        F,
      );
    }
    if (retirePriorTo > seq) {
      throw new QuicError(
        TransportErrorCode.FRAME_ENCODING_ERROR,
        "Retire Prior To greater than Sequence Number",
        F,
      );
    }
    if (cid.length < 1 || cid.length > MAX_CID_LENGTH) {
      throw new QuicError(TransportErrorCode.FRAME_ENCODING_ERROR, "bad connection ID length", F);
    }
    // Duplicates are fine; conflicting reuse is a violation.
    const existing = this.current.seq === seq ? this.current : this.spare.get(seq);
    if (existing) {
      if (
        !cidEqual(existing.cid, cid) || (existing.resetToken && existing.resetToken.length &&
          !tokensEqual(existing.resetToken, resetToken))
      ) {
        throw new QuicError(
          TransportErrorCode.PROTOCOL_VIOLATION,
          "sequence number reused for a different connection ID",
          F,
        );
      }
    } else if (seq >= this.#retirePriorTo && !this.unackedRetires.has(seq)) {
      for (const e of [this.current, ...this.spare.values()]) {
        if (cidEqual(e.cid, cid)) {
          throw new QuicError(
            TransportErrorCode.PROTOCOL_VIOLATION,
            "connection ID reused with a different sequence number",
            F,
          );
        }
      }
      // One buffer for ID and token: each spare ID is kept for the
      // connection's lifetime, and every ArrayBuffer costs ~100 bytes of heap.
      const both = new Uint8Array(cid.length + resetToken.length);
      both.set(cid);
      both.set(resetToken, cid.length);
      this.spare.set(seq, {
        seq,
        cid: both.subarray(0, cid.length),
        resetToken: both.subarray(cid.length),
      });
    } else if (seq < this.#retirePriorTo) {
      // RFC 9000 §19.15: retire an ID that arrives already retired.
      this.#queueRetire(seq);
    }
    if (retirePriorTo > this.#retirePriorTo) {
      this.#retirePriorTo = retirePriorTo;
      for (const [s] of this.spare) {
        if (s < retirePriorTo) {
          this.spare.delete(s);
          this.#queueRetire(s);
        }
      }
      if (this.current.seq < retirePriorTo) {
        this.#queueRetire(this.current.seq);
        this.#switchToSpare();
      }
    }
    // RFC 9000 §5.1.1: more active IDs than our limit is CONNECTION_ID_LIMIT_ERROR.
    if (1 + this.spare.size > this.limit) {
      throw new QuicError(
        TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
        "peer exceeded active_connection_id_limit",
        F,
      );
    }
    // §5.1.2: bound the retirements in flight.
    if (this.unackedRetires.size > 2 * this.limit + 4) {
      throw new QuicError(
        TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
        "too many connection IDs awaiting retirement",
        F,
      );
    }
  }

  #queueRetire(seq: number): void {
    if (this.unackedRetires.has(seq)) return;
    this.unackedRetires.add(seq);
    this.#toRetire.push(seq);
  }

  #switchToSpare(): void {
    let best: CidEntry | undefined;
    for (const e of this.spare.values()) if (!best || e.seq < best.seq) best = e;
    if (best) {
      this.spare.delete(best.seq);
      this.current = best;
    }
    // With no spare the old ID stays in use until the peer sends new ones;
    // the peer "SHOULD" supply them (§5.1.2).
  }

  /**
   * Moves to a new peer ID (e.g. for migration) and retires the old one.
   * Returns false when no spare ID is available.
   */
  rotate(): boolean {
    if (this.spare.size === 0) return false;
    const old = this.current.seq;
    this.#switchToSpare();
    this.#queueRetire(old);
    return true;
  }

  /** Returns and clears the RETIRE_CONNECTION_ID sequence numbers to send. */
  takeRetires(): number[] {
    const out = this.#toRetire;
    this.#toRetire = [];
    return out;
  }

  /** True when RETIRE_CONNECTION_ID frames are waiting. */
  get hasPending(): boolean {
    return this.#toRetire.length > 0;
  }

  /** Requeues a RETIRE_CONNECTION_ID frame whose packet was lost. */
  onRetireLost(seq: number): void {
    if (this.unackedRetires.has(seq) && !this.#toRetire.includes(seq)) this.#toRetire.push(seq);
  }

  /** A RETIRE_CONNECTION_ID frame was acknowledged. */
  onRetireAcked(seq: number): void {
    this.unackedRetires.delete(seq);
  }

  /**
   * True when `datagram` ends with the reset token of the ID we send to
   * (RFC 9000 §10.3.1: unused and retired IDs' tokens are not checked).
   */
  isStatelessReset(datagram: Uint8Array): boolean {
    if (datagram.length < 21) return false;
    const t = this.current.resetToken;
    return t !== undefined && tokensEqual(t, datagram, datagram.length - 16);
  }
}
