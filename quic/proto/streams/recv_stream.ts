/**
 * The receiving part of a stream: the state machine of RFC 9000 §3.2, final
 * size rules (§4.5), stream and connection flow-control enforcement (§4.1)
 * with credit returned as the application reads (§4.2), STOP_SENDING (§3.5)
 * and RESET_STREAM handling.
 * @module
 */
import { QuicError, TransportErrorCode } from "../errors.ts";
import { Assembler } from "./assembler.ts";
import { RecvWindow } from "./flow_control.ts";
import {
  type RecvStreamOptions,
  RecvStreamState,
  type RecvStreamStateValue,
} from "./recv_stream_types.ts";

export {
  type RecvStreamOptions,
  RecvStreamState,
  type RecvStreamStateValue,
} from "./recv_stream_types.ts";

/**
 * The receiving part of a stream. Peer frames go in through
 * `onStreamFrame` / `onResetStream` (which throw {@link QuicError} for
 * connection errors); the application reads with `read` / `readChunk`.
 *
 * @example
 * ```ts
 * import { RecvStream, RecvWindow } from "@gquic/core/quic";
 * const conn = new RecvWindow({ initialWindow: 1000 });
 * const s = new RecvStream(1, { connWindow: conn, window: { initialWindow: 100 } });
 * s.onStreamFrame(0, Uint8Array.of(1, 2, 3), true);
 * const dst = new Uint8Array(10);
 * console.log(s.read(dst, 0, 0), s.state); // 3 DataRead
 * ```
 */
export class RecvStream {
  /** The stream ID. */
  readonly id: number;
  /** Stream-level receive window (MAX_STREAM_DATA). */
  readonly window: RecvWindow;
  /** Connection-level receive window (MAX_DATA). */
  readonly connWindow: RecvWindow;
  readonly #assembler: Assembler;
  readonly #connWindowRatio: number;
  #state: RecvStreamStateValue = RecvStreamState.Recv;
  #finalSize = -1;
  #resetCode: bigint | null = null;
  /** Bytes returned to the connection window (read or discarded). */
  #released = 0;
  #stopSendingCode: bigint | null = null;
  #stopSendingPending = false;

  /**
   * Creates the receiving part of stream `id` in the Recv state.
   * @param id stream ID
   * @param options windows and limits
   */
  constructor(id: number, options: RecvStreamOptions) {
    this.id = id;
    this.window = new RecvWindow(options.window);
    this.connWindow = options.connWindow;
    this.#connWindowRatio = options.connWindowRatio ?? 1.5;
    // Flow control rejects data beyond maxData = consumed + window first, so
    // the assembler's own bound (the largest window) is only a backstop.
    this.#assembler = new Assembler({
      maxAhead: this.window.maxWindow,
      maxRanges: options.maxRanges,
      blockSize: Math.min(16 * 1024, Math.max(1024, options.window.initialWindow)),
    });
  }

  /**
   * The current state (RFC 9000 §3.2).
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * console.log(s.state); // Recv
   * ```
   */
  get state(): RecvStreamStateValue {
    return this.#state;
  }

  /**
   * True in a terminal state (Data Read or Reset Read).
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * console.log(s.isTerminal); // false
   * ```
   */
  get isTerminal(): boolean {
    return this.#state === RecvStreamState.DataRead || this.#state === RecvStreamState.ResetRead;
  }

  /**
   * The final size once known (FIN or RESET_STREAM), else -1.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * s.onStreamFrame(0, new Uint8Array(4), true);
   * console.log(s.finalSize); // 4
   * ```
   */
  get finalSize(): number {
    return this.#finalSize;
  }

  /**
   * The peer's RESET_STREAM error code, if the stream was reset.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * s.onResetStream(9n, 0);
   * console.log(s.resetCode); // 9n
   * ```
   */
  get resetCode(): bigint | null {
    return this.#resetCode;
  }

  /**
   * Bytes the application can read now.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * s.onStreamFrame(0, new Uint8Array(4), false);
   * console.log(s.readableBytes); // 4
   * ```
   */
  get readableBytes(): number {
    if (this.#resetCode !== null || this.#stopSendingCode !== null) return 0;
    return this.#assembler.readableBytes;
  }

  /**
   * Bytes the application has read.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * console.log(s.readOffset); // 0
   * ```
   */
  get readOffset(): number {
    return this.#assembler.readOffset;
  }

  /**
   * True when the application has something to act on: data to read, the
   * end of the stream, or a reset to observe.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * s.onStreamFrame(0, new Uint8Array(0), true);
   * console.log(s.isReadable); // true: the end of the stream
   * ```
   */
  get isReadable(): boolean {
    return this.readableBytes > 0 || this.#state === RecvStreamState.DataRecvd ||
      this.#state === RecvStreamState.ResetRecvd;
  }

  /**
   * Handles a STREAM frame (RFC 9000 §19.8). Enforces the final size rules
   * (§4.5 → FINAL_SIZE_ERROR) and flow control (§4.1 → FLOW_CONTROL_ERROR);
   * data is copied, so `data` may be a view of a reused packet buffer.
   * `now` (ms) matters only for credit returned when data is discarded.
   *
   * @example
   * ```ts
   * import { QuicError, RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 100 }),
   *   window: { initialWindow: 100 },
   * });
   * s.onStreamFrame(0, new Uint8Array(10), true);
   * try {
   *   s.onStreamFrame(10, new Uint8Array(1), false);
   * } catch (e) {
   *   console.log((e as QuicError).code); // 6 (FINAL_SIZE_ERROR)
   * }
   * ```
   */
  onStreamFrame(offset: number, data: Uint8Array, fin: boolean, now = 0): void {
    const end = offset + data.length;
    this.#checkFinalSize(end, fin);
    if (
      this.#state === RecvStreamState.ResetRecvd || this.#state === RecvStreamState.ResetRead ||
      this.#state === RecvStreamState.DataRecvd || this.#state === RecvStreamState.DataRead
    ) {
      // §3.2: after all data (or a reset) frames are only retransmissions.
      return;
    }
    const delta = this.window.onReceiveTo(end);
    if (delta > 0) this.connWindow.onReceiveBytes(delta);
    if (fin) {
      this.#finalSize = end;
      this.#state = RecvStreamState.SizeKnown;
    }
    if (this.#stopSendingCode !== null) {
      // After STOP_SENDING data is dropped, but it still consumed connection
      // credit, which is given back at once (RFC 9000 §4.5).
      this.#assembler.discard(this.window.received);
      this.#release(this.window.received, now);
    } else if (data.length > 0) {
      this.#assembler.insert(offset, data);
    }
    if (
      this.#state === RecvStreamState.SizeKnown && this.#assembler.hasAllUpTo(this.#finalSize)
    ) {
      this.#state = RecvStreamState.DataRecvd;
    }
  }

  /**
   * Handles RESET_STREAM (RFC 9000 §19.4): Recv / Size Known → Reset Recvd.
   * The final size must agree with what is known (§4.5 → FINAL_SIZE_ERROR)
   * and is charged to flow control; unread data is dropped and its
   * connection credit returned. In Data Recvd the reset is suppressed
   * (§3.2: the data is all here).
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 100 }),
   *   window: { initialWindow: 100 },
   * });
   * s.onResetStream(5n, 40);
   * console.log(s.state, s.connWindow.received); // ResetRecvd 40
   * ```
   */
  onResetStream(errorCode: bigint, finalSize: number, now = 0): void {
    if (this.#finalSize >= 0 && finalSize !== this.#finalSize) {
      throw new QuicError(
        TransportErrorCode.FINAL_SIZE_ERROR,
        `RESET_STREAM final size ${finalSize} differs from ${this.#finalSize}`,
      );
    }
    if (finalSize < this.window.received) {
      throw new QuicError(
        TransportErrorCode.FINAL_SIZE_ERROR,
        `RESET_STREAM final size ${finalSize} below received ${this.window.received}`,
      );
    }
    if (this.#state !== RecvStreamState.Recv && this.#state !== RecvStreamState.SizeKnown) return;
    const delta = this.window.onReceiveTo(finalSize);
    if (delta > 0) this.connWindow.onReceiveBytes(delta);
    this.#finalSize = finalSize;
    this.#resetCode = errorCode;
    this.#state = RecvStreamState.ResetRecvd;
    this.#stopSendingPending = false;
    this.#assembler.discard(finalSize);
    this.#release(finalSize, now);
  }

  /**
   * The application observes the reset: Reset Recvd → Reset Read. Returns
   * the error code, or null if the stream was not reset.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * s.onResetStream(2n, 0);
   * console.log(s.takeReset(), s.state); // 2n ResetRead
   * ```
   */
  takeReset(): bigint | null {
    if (this.#state === RecvStreamState.ResetRecvd) this.#state = RecvStreamState.ResetRead;
    return this.#state === RecvStreamState.ResetRead ? this.#resetCode : null;
  }

  /**
   * Copies readable bytes into `dst` at `dstOffset` and returns how many;
   * credit is granted as data is read (RFC 9000 §4.2). Reading the last byte
   * (or the end of an empty stream) moves Data Recvd → Data Read.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * s.onStreamFrame(0, Uint8Array.of(5, 6), false);
   * const dst = new Uint8Array(1);
   * console.log(s.read(dst, 0, 0), dst[0]); // 1 5
   * ```
   * @param now current time in ms (for window auto-tuning)
   */
  read(dst: Uint8Array, dstOffset: number, now: number): number {
    if (this.readableBytes === 0) {
      this.#maybeDataRead();
      return 0;
    }
    const n = this.#assembler.read(dst, dstOffset);
    this.#onConsumed(n, now);
    return n;
  }

  /**
   * Returns the next readable bytes (at most `maxBytes`) as a view of the
   * stream's storage, without a second copy; null if nothing is readable.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * s.onStreamFrame(0, Uint8Array.of(5, 6), false);
   * console.log(s.readChunk(Infinity, 0)); // Uint8Array(2) [5, 6]
   * ```
   */
  readChunk(maxBytes: number, now: number): Uint8Array | null {
    if (this.readableBytes === 0) {
      this.#maybeDataRead();
      return null;
    }
    const chunk = this.#assembler.readChunk(maxBytes)!;
    this.#onConsumed(chunk.length, now);
    return chunk;
  }

  /**
   * The application no longer wants data: queue STOP_SENDING with `errorCode`
   * (RFC 9000 §3.5; not after a reset or once all data arrived), drop
   * buffered data and return its connection credit.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * s.stopSending(0x10cn);
   * console.log(s.takeStopSending()); // 268n
   * ```
   */
  stopSending(errorCode: bigint, now = 0): void {
    if (this.#stopSendingCode !== null || this.isTerminal) return;
    if (this.#state === RecvStreamState.ResetRecvd) return;
    this.#stopSendingCode = errorCode;
    this.#stopSendingPending = this.#state === RecvStreamState.Recv ||
      this.#state === RecvStreamState.SizeKnown;
    this.#assembler.discard(this.window.received);
    this.#release(this.window.received, now);
  }

  /**
   * True if a STOP_SENDING frame is waiting to be sent.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * console.log(s.stopSendingPending); // false
   * ```
   */
  get stopSendingPending(): boolean {
    return this.#stopSendingPending;
  }

  /**
   * Takes the pending STOP_SENDING error code, or null.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * console.log(s.takeStopSending()); // null
   * ```
   */
  takeStopSending(): bigint | null {
    if (!this.#stopSendingPending) return null;
    this.#stopSendingPending = false;
    return this.#stopSendingCode;
  }

  /**
   * The STOP_SENDING frame was lost: send it again unless the stream has
   * since been reset or fully received (RFC 9000 §13.3).
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * s.stopSending(1n);
   * s.takeStopSending();
   * s.onStopSendingLost();
   * console.log(s.stopSendingPending); // true
   * ```
   */
  onStopSendingLost(): void {
    if (
      this.#stopSendingCode !== null &&
      (this.#state === RecvStreamState.Recv || this.#state === RecvStreamState.SizeKnown)
    ) this.#stopSendingPending = true;
  }

  /**
   * Takes a pending MAX_STREAM_DATA limit. Only sent in the Recv state
   * (RFC 9000 §3.2: once the final size is known no more credit is needed).
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 100 }),
   *   window: { initialWindow: 10 },
   * });
   * s.onStreamFrame(0, new Uint8Array(10), false);
   * s.read(new Uint8Array(10), 0, 0);
   * console.log(s.takeMaxStreamData()); // 20
   * ```
   */
  takeMaxStreamData(): number | null {
    const v = this.window.takeUpdate();
    if (this.#state !== RecvStreamState.Recv || this.#stopSendingCode !== null) return null;
    return v;
  }

  /**
   * True if a MAX_STREAM_DATA frame should be sent.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 10 }),
   *   window: { initialWindow: 10 },
   * });
   * console.log(s.maxStreamDataPending); // false
   * ```
   */
  get maxStreamDataPending(): boolean {
    return this.window.updatePending && this.#state === RecvStreamState.Recv &&
      this.#stopSendingCode === null;
  }

  /**
   * The MAX_STREAM_DATA frame carrying `limit` was lost: resend if current.
   *
   * @example
   * ```ts
   * import { RecvStream, RecvWindow } from "@gquic/core/quic";
   * const s = new RecvStream(1, {
   *   connWindow: new RecvWindow({ initialWindow: 100 }),
   *   window: { initialWindow: 10 },
   * });
   * s.onStreamFrame(0, new Uint8Array(10), false);
   * s.read(new Uint8Array(10), 0, 0);
   * s.onMaxStreamDataLost(s.takeMaxStreamData()!);
   * console.log(s.maxStreamDataPending); // true
   * ```
   */
  onMaxStreamDataLost(limit: number): void {
    this.window.onUpdateLost(limit);
  }

  /** RFC 9000 §4.5: a known final size cannot change and bounds all data. */
  #checkFinalSize(end: number, fin: boolean): void {
    if (this.#finalSize >= 0) {
      if (end > this.#finalSize) {
        throw new QuicError(
          TransportErrorCode.FINAL_SIZE_ERROR,
          `data up to ${end} beyond final size ${this.#finalSize}`,
        );
      }
      if (fin && end !== this.#finalSize) {
        throw new QuicError(
          TransportErrorCode.FINAL_SIZE_ERROR,
          `final size changed from ${this.#finalSize} to ${end}`,
        );
      }
    } else if (fin && end < this.window.received) {
      throw new QuicError(
        TransportErrorCode.FINAL_SIZE_ERROR,
        `final size ${end} below data already received up to ${this.window.received}`,
      );
    }
  }

  #onConsumed(n: number, now: number): void {
    const before = this.window.window;
    this.window.consume(n, now);
    if (this.window.window > before) {
      // Keep the connection window ahead of its fastest stream (as Chromium
      // does), or the connection becomes the bottleneck.
      this.connWindow.ensureWindow(this.window.window * this.#connWindowRatio);
    }
    this.#release(this.#assembler.readOffset, now);
    this.#maybeDataRead();
  }

  #maybeDataRead(): void {
    if (
      this.#state === RecvStreamState.DataRecvd && this.#assembler.readOffset === this.#finalSize
    ) this.#state = RecvStreamState.DataRead;
  }

  /** Returns connection credit for everything below `upTo` (read or dropped). */
  #release(upTo: number, now = 0): void {
    if (upTo <= this.#released) return;
    this.connWindow.consume(upTo - this.#released, now);
    this.#released = upTo;
  }
}
