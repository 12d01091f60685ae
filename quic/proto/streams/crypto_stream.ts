/**
 * The CRYPTO stream of one encryption level (RFC 9000 §19.6, RFC 9001 §4):
 * handshake bytes delivered in order to TLS, with out-of-order data buffered
 * up to a limit (CRYPTO_BUFFER_EXCEEDED, RFC 9000 §7.5), and the send side
 * with retransmission of lost CRYPTO frames. It has no flow control and no
 * FIN. Built on {@link Assembler} and {@link SendBuffer}.
 * @module
 */
import { TransportErrorCode } from "../errors.ts";
import { Assembler } from "./assembler.ts";
import { type EmitResult, SendBuffer } from "./send_buffer.ts";

/**
 * Options of a {@link CryptoStream}.
 *
 * @example
 * ```ts
 * import type { CryptoStreamOptions } from "@gquic/core/quic";
 * const o: CryptoStreamOptions = { maxBuffered: 16384 };
 * console.log(o.maxBuffered);
 * ```
 */
export interface CryptoStreamOptions {
  /**
   * Bytes past the TLS read offset that may be buffered (default 64 KiB;
   * RFC 9000 §7.5 requires at least 4096).
   */
  maxBuffered?: number;
  /** Maximum reassembly gaps (default 64). */
  maxRanges?: number;
}

/**
 * One encryption level's CRYPTO stream, both directions.
 *
 * @example
 * ```ts
 * import { CryptoStream } from "@gquic/core/quic";
 * const c = new CryptoStream();
 * c.onCryptoFrame(2, Uint8Array.of(3));
 * c.onCryptoFrame(0, Uint8Array.of(1, 2));
 * console.log(c.read()); // Uint8Array(3) [1, 2, 3]
 * c.write(Uint8Array.of(9, 9));
 * const pkt = new Uint8Array(1200);
 * console.log(c.emit(1000, pkt, 10)); // { offset: 0, length: 2 }
 * ```
 */
export class CryptoStream {
  // Both are dropped on discard (RFC 9001 §4.9): a connection keeps its
  // Initial and Handshake spaces for its lifetime, so discarded buffers must
  // not stay allocated on every idle connection.
  #recv: Assembler | undefined;
  #send: SendBuffer | undefined = new SendBuffer();
  #discardedReadOffset = 0;

  /**
   * Creates an empty CRYPTO stream.
   * @param options buffering limits
   */
  constructor(options: CryptoStreamOptions = {}) {
    this.#recv = new Assembler({
      maxAhead: options.maxBuffered ?? 64 * 1024,
      maxRanges: options.maxRanges ?? 64,
      blockSize: 4096,
      aheadErrorCode: TransportErrorCode.CRYPTO_BUFFER_EXCEEDED,
      rangesErrorCode: TransportErrorCode.CRYPTO_BUFFER_EXCEEDED,
    });
  }

  /**
   * Handles a CRYPTO frame's data (copied). Throws QuicError
   * CRYPTO_BUFFER_EXCEEDED if it lies too far beyond what TLS has read
   * (RFC 9000 §7.5). Data already delivered is ignored (retransmissions).
   *
   * @example
   * ```ts
   * import { CryptoStream, QuicError } from "@gquic/core/quic";
   * const c = new CryptoStream({ maxBuffered: 4096 });
   * try {
   *   c.onCryptoFrame(5000, new Uint8Array(10));
   * } catch (e) {
   *   console.log((e as QuicError).code); // 13
   * }
   * ```
   */
  onCryptoFrame(offset: number, data: Uint8Array): void {
    // Data for discarded keys cannot arrive (the packets are undecryptable).
    this.#recv?.insert(offset, data);
  }

  /**
   * Takes all in-order bytes available for TLS as one array (copied out of
   * the stream's storage), or null if none.
   *
   * @example
   * ```ts
   * import { CryptoStream } from "@gquic/core/quic";
   * console.log(new CryptoStream().read()); // null
   * ```
   */
  read(): Uint8Array | null {
    if (!this.#recv) return null;
    const n = this.#recv.readableBytes;
    if (n === 0) return null;
    const out = new Uint8Array(n);
    this.#recv.read(out, 0);
    return out;
  }

  /**
   * Bytes TLS has consumed (the receive offset).
   *
   * @example
   * ```ts
   * import { CryptoStream } from "@gquic/core/quic";
   * console.log(new CryptoStream().readOffset); // 0
   * ```
   */
  get readOffset(): number {
    return this.#recv ? this.#recv.readOffset : this.#discardedReadOffset;
  }

  /**
   * Queues handshake bytes from TLS (kept by reference).
   *
   * @example
   * ```ts
   * import { CryptoStream } from "@gquic/core/quic";
   * const c = new CryptoStream();
   * c.write(new Uint8Array(300));
   * console.log(c.hasPending()); // true
   * ```
   */
  write(data: Uint8Array): void {
    this.#send?.write(data);
  }

  /**
   * True if a CRYPTO frame should be sent (new or lost data).
   *
   * @example
   * ```ts
   * import { CryptoStream } from "@gquic/core/quic";
   * console.log(new CryptoStream().hasPending()); // false
   * ```
   */
  hasPending(): boolean {
    return this.#send ? this.#send.hasPending() : false;
  }

  /**
   * Offset of the next CRYPTO frame (to size its header), or -1.
   *
   * @example
   * ```ts
   * import { CryptoStream } from "@gquic/core/quic";
   * console.log(new CryptoStream().nextOffset()); // -1
   * ```
   */
  nextOffset(): number {
    return this.#send ? this.#send.nextOffset() : -1;
  }

  /**
   * Copies up to `maxBytes` of the next CRYPTO frame's data (lost data
   * first) into `dst` at `dstOffset`; returns its offset and length, or null.
   *
   * @example
   * ```ts
   * import { CryptoStream } from "@gquic/core/quic";
   * const c = new CryptoStream();
   * c.write(new Uint8Array(300));
   * console.log(c.emit(100, new Uint8Array(100), 0)); // { offset: 0, length: 100 }
   * ```
   */
  emit(
    maxBytes: number,
    dst: Uint8Array,
    dstOffset: number,
  ): Omit<EmitResult, "fin"> | null {
    if (!this.#send) return null;
    const r = this.#send.emit(maxBytes, dst, dstOffset);
    return r === null ? null : { offset: r.offset, length: r.length };
  }

  /**
   * A CRYPTO frame was acknowledged.
   *
   * @example
   * ```ts
   * import { CryptoStream } from "@gquic/core/quic";
   * const c = new CryptoStream();
   * c.write(new Uint8Array(10));
   * const f = c.emit(100, new Uint8Array(100), 0)!;
   * c.onAck(f.offset, f.length);
   * console.log(c.allAcked); // true
   * ```
   */
  onAck(offset: number, length: number): void {
    this.#send?.onAck(offset, length, false);
  }

  /**
   * A CRYPTO frame was declared lost: its data is sent again (RFC 9000
   * §13.3).
   *
   * @example
   * ```ts
   * import { CryptoStream } from "@gquic/core/quic";
   * const c = new CryptoStream();
   * c.write(new Uint8Array(10));
   * const f = c.emit(100, new Uint8Array(100), 0)!;
   * c.onLost(f.offset, f.length);
   * console.log(c.nextOffset()); // 0
   * ```
   */
  onLost(offset: number, length: number): void {
    this.#send?.onLost(offset, length, false);
  }

  /**
   * True when everything written has been acknowledged.
   *
   * @example
   * ```ts
   * import { CryptoStream } from "@gquic/core/quic";
   * console.log(new CryptoStream().allAcked); // true
   * ```
   */
  get allAcked(): boolean {
    return !this.#send || this.#send.ackedOffset === this.#send.writeOffset;
  }

  /**
   * Drops all state when the level's keys are discarded (RFC 9001 §4.9).
   *
   * @example
   * ```ts
   * import { CryptoStream } from "@gquic/core/quic";
   * const c = new CryptoStream();
   * c.write(new Uint8Array(10));
   * c.discard();
   * console.log(c.hasPending()); // false
   * ```
   */
  discard(): void {
    if (this.#recv) {
      this.#recv.discard();
      this.#discardedReadOffset = this.#recv.readOffset;
    }
    this.#send = undefined;
    this.#recv = undefined;
  }
}
