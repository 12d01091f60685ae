/**
 * The sending part of a stream: the state machine of RFC 9000 §3.1 driven by
 * the application (write/finish/reset), the peer (MAX_STREAM_DATA,
 * STOP_SENDING) and the connection (emit STREAM frames, their acks and
 * losses, RESET_STREAM and STREAM_DATA_BLOCKED frames).
 * @module
 */
import { SendCredit } from "./flow_control.ts";
import { type EmitResult, SendBuffer } from "./send_buffer.ts";
import { StreamUsageError } from "./usage_error.ts";

/**
 * Sending-part states (RFC 9000 §3.1, Figure 2).
 *
 * @example
 * ```ts
 * import { SendStreamState } from "@gquic/core/quic";
 * console.log(SendStreamState.DataSent); // "DataSent"
 * ```
 */
export const SendStreamState = {
  Ready: "Ready",
  Send: "Send",
  DataSent: "DataSent",
  ResetSent: "ResetSent",
  DataRecvd: "DataRecvd",
  ResetRecvd: "ResetRecvd",
} as const;

/**
 * One of the {@link SendStreamState} values.
 *
 * @example
 * ```ts
 * import { type SendStreamStateValue, SendStreamState } from "@gquic/core/quic";
 * const s: SendStreamStateValue = SendStreamState.Ready;
 * console.log(s);
 * ```
 */
export type SendStreamStateValue = typeof SendStreamState[keyof typeof SendStreamState];

/**
 * The contents of a RESET_STREAM frame to send (RFC 9000 §19.4).
 *
 * @example
 * ```ts
 * import type { ResetStreamInfo } from "@gquic/core/quic";
 * const r: ResetStreamInfo = { errorCode: 0x10cn, finalSize: 1200 };
 * console.log(r.finalSize);
 * ```
 */
export interface ResetStreamInfo {
  /** Application protocol error code. */
  errorCode: bigint;
  /** Final size of the stream: the flow-control credit consumed. */
  finalSize: number;
}

/**
 * Options of a {@link SendStream}.
 *
 * @example
 * ```ts
 * import { type SendStreamOptions, SendCredit } from "@gquic/core/quic";
 * const o: SendStreamOptions = { connCredit: new SendCredit(1 << 20), initialMaxStreamData: 65536 };
 * console.log(o.initialMaxStreamData);
 * ```
 */
export interface SendStreamOptions {
  /** Connection-level credit (the peer's MAX_DATA), shared by all streams. */
  connCredit: SendCredit;
  /** The peer's initial_max_stream_data_* for this stream (RFC 9000 §18.2). */
  initialMaxStreamData: number;
  /** Bytes buffered (unacknowledged) above which `write` reports backpressure (default 1 MiB). */
  maxBuffered?: number;
}

/**
 * The sending part of a stream.
 *
 * @example
 * ```ts
 * import { SendCredit, SendStream } from "@gquic/core/quic";
 * const s = new SendStream(0, { connCredit: new SendCredit(1000), initialMaxStreamData: 1000 });
 * s.write(new Uint8Array(10));
 * s.finish();
 * const pkt = new Uint8Array(1200);
 * const f = s.emit(1000, pkt, 20)!;
 * console.log(f, s.state); // { offset: 0, length: 10, fin: true } DataSent
 * s.onAck(f.offset, f.length, f.fin);
 * console.log(s.state); // DataRecvd
 * ```
 */
export class SendStream {
  /** The stream ID. */
  readonly id: number;
  /** Stream-level credit (the peer's MAX_STREAM_DATA). */
  readonly credit: SendCredit;
  /** The connection-level credit shared by all streams. */
  readonly connCredit: SendCredit;
  /** Backpressure threshold for {@link write}. */
  readonly maxBuffered: number;
  readonly #buffer = new SendBuffer();
  #state: SendStreamStateValue = SendStreamState.Ready;
  #reset: ResetStreamInfo | null = null;
  #resetPending = false;
  #stopSendingCode: bigint | null = null;

  /**
   * Creates the sending part of stream `id` in the Ready state.
   * @param id stream ID
   * @param options credits and buffering
   */
  constructor(id: number, options: SendStreamOptions) {
    this.id = id;
    this.credit = new SendCredit(options.initialMaxStreamData);
    this.connCredit = options.connCredit;
    this.maxBuffered = options.maxBuffered ?? 1024 * 1024;
  }

  /**
   * The current state (RFC 9000 §3.1).
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * console.log(s.state); // Ready
   * ```
   */
  get state(): SendStreamStateValue {
    return this.#state;
  }

  /**
   * True in a terminal state (Data Recvd or Reset Recvd).
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * console.log(s.isTerminal); // false
   * ```
   */
  get isTerminal(): boolean {
    return this.#state === SendStreamState.DataRecvd || this.#state === SendStreamState.ResetRecvd;
  }

  /**
   * Bytes written but not yet acknowledged.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * s.write(new Uint8Array(3));
   * console.log(s.bufferedBytes); // 3
   * ```
   */
  get bufferedBytes(): number {
    return this.#buffer.bufferedBytes;
  }

  /**
   * Bytes the application may still write before backpressure applies.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, {
   *   connCredit: new SendCredit(0),
   *   initialMaxStreamData: 0,
   *   maxBuffered: 10,
   * });
   * console.log(s.writableBytes); // 10
   * ```
   */
  get writableBytes(): number {
    return Math.max(0, this.maxBuffered - this.#buffer.bufferedBytes);
  }

  /**
   * The error code of a STOP_SENDING received from the peer, if any.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * s.onStopSending(7n);
   * console.log(s.stopSendingCode); // 7n
   * ```
   */
  get stopSendingCode(): bigint | null {
    return this.#stopSendingCode;
  }

  /**
   * The reset sent on this stream (by the application or in answer to
   * STOP_SENDING), if any.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * s.reset(3n);
   * console.log(s.resetInfo); // { errorCode: 3n, finalSize: 0 }
   * ```
   */
  get resetInfo(): ResetStreamInfo | null {
    return this.#reset;
  }

  /**
   * Queues application data. Throws {@link StreamUsageError} after
   * `finish()` or a reset.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, {
   *   connCredit: new SendCredit(0),
   *   initialMaxStreamData: 0,
   *   maxBuffered: 4,
   * });
   * console.log(s.write(new Uint8Array(8))); // false: over the buffer limit, wait
   * ```
   * @returns true if more data may be written without exceeding `maxBuffered`
   */
  write(data: Uint8Array): boolean {
    if (this.#reset !== null) throw new StreamUsageError("write on a reset stream");
    if (this.#buffer.finalSize >= 0) throw new StreamUsageError("write after finish");
    this.#buffer.write(data);
    this.#checkBlocked();
    return this.#buffer.bufferedBytes < this.maxBuffered;
  }

  /**
   * Ends the stream: the FIN goes with the last byte (or alone).
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * s.finish();
   * console.log(s.hasPending()); // true: a FIN-only frame needs no credit
   * ```
   */
  finish(): void {
    if (this.#reset !== null) throw new StreamUsageError("finish on a reset stream");
    this.#buffer.finish();
  }

  /**
   * Abandons the stream with an application error code: RESET_STREAM is
   * queued and the state becomes Reset Sent (RFC 9000 §3.1). No effect in
   * Reset Sent or a terminal state.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * s.reset(1n);
   * console.log(s.state, s.takeReset()); // ResetSent { errorCode: 1n, finalSize: 0 }
   * ```
   */
  reset(errorCode: bigint): void {
    if (
      this.#state === SendStreamState.ResetSent || this.#state === SendStreamState.DataRecvd ||
      this.#state === SendStreamState.ResetRecvd
    ) return;
    // RFC 9000 §4.5: the final size is the credit consumed, i.e. the highest
    // offset sent; unsent data is dropped and never counts.
    this.#reset = { errorCode, finalSize: this.#buffer.sendOffset };
    this.#resetPending = true;
    this.#buffer.discard();
    this.#state = SendStreamState.ResetSent;
  }

  /**
   * Handles STOP_SENDING: in Ready, Send or Data Sent the endpoint answers
   * with RESET_STREAM carrying the peer's error code (RFC 9000 §3.5).
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * s.onStopSending(0x10an);
   * console.log(s.takeReset()); // { errorCode: 266n, finalSize: 0 }
   * ```
   */
  onStopSending(errorCode: bigint): void {
    if (this.#stopSendingCode === null) this.#stopSendingCode = errorCode;
    this.reset(errorCode);
  }

  /**
   * Handles MAX_STREAM_DATA (ignored unless it raises the limit, RFC 9000
   * §4.1, and meaningless once all data was sent, §3.1).
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(100), initialMaxStreamData: 0 });
   * s.write(new Uint8Array(10));
   * s.onMaxStreamData(10);
   * console.log(s.hasPending()); // true
   * ```
   */
  onMaxStreamData(maxStreamData: number): void {
    this.credit.onMaxUpdate(maxStreamData);
  }

  /**
   * True if {@link emit} would produce a frame now (data within both
   * credits, lost data, or a FIN).
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 100 });
   * s.write(new Uint8Array(10));
   * console.log(s.hasPending()); // false: the connection has no credit
   * ```
   */
  hasPending(): boolean {
    if (this.#state === SendStreamState.ResetSent || this.isTerminal) return false;
    return this.#buffer.hasPending(this.#maxNewOffset());
  }

  /**
   * Stream offset at which the next {@link emit} starts (to size the STREAM
   * frame header before copying), or -1 if nothing is pending.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(100), initialMaxStreamData: 100 });
   * s.write(new Uint8Array(10));
   * console.log(s.nextOffset()); // 0
   * ```
   */
  nextOffset(): number {
    if (!this.hasPending()) return -1;
    return this.#buffer.nextOffset(this.#maxNewOffset());
  }

  /**
   * Copies up to `maxBytes` of stream data for one STREAM frame into `dst`
   * at `dstOffset` (lost data first, then new data within the stream and
   * connection credits) and returns the frame's Offset/Length/FIN, or null.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(4), initialMaxStreamData: 100 });
   * s.write(new Uint8Array(10));
   * console.log(s.emit(1000, new Uint8Array(1200), 0)); // { offset: 0, length: 4, fin: false }
   * ```
   */
  emit(maxBytes: number, dst: Uint8Array, dstOffset: number): EmitResult | null {
    if (this.#state === SendStreamState.ResetSent || this.isTerminal) return null;
    const before = this.#buffer.sendOffset;
    const r = this.#buffer.emit(maxBytes, dst, dstOffset, this.#maxNewOffset());
    if (r === null) return null;
    const fresh = this.#buffer.sendOffset - before;
    if (fresh > 0) {
      this.credit.consume(fresh);
      this.connCredit.consume(fresh);
    }
    if (this.#state === SendStreamState.Ready) this.#state = SendStreamState.Send;
    // RFC 9000 §3.1: a STREAM frame with FIN moves Send to Data Sent.
    if (r.fin && this.#state === SendStreamState.Send) this.#state = SendStreamState.DataSent;
    this.#checkBlocked();
    return r;
  }

  /**
   * A STREAM frame sent by {@link emit} was acknowledged; all data and FIN
   * acknowledged moves Data Sent to Data Recvd.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(9), initialMaxStreamData: 9 });
   * s.finish();
   * const f = s.emit(10, new Uint8Array(10), 0)!;
   * s.onAck(f.offset, f.length, f.fin);
   * console.log(s.state); // DataRecvd
   * ```
   */
  onAck(offset: number, length: number, fin: boolean): void {
    if (this.#state === SendStreamState.ResetSent || this.isTerminal) return;
    this.#buffer.onAck(offset, length, fin);
    if (this.#state === SendStreamState.DataSent && this.#buffer.allAcked) {
      this.#state = SendStreamState.DataRecvd;
      this.#buffer.discard();
    }
  }

  /**
   * A STREAM frame sent by {@link emit} was declared lost: its data is
   * queued to be sent again (unless the stream was reset).
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(9), initialMaxStreamData: 9 });
   * s.write(new Uint8Array(5));
   * const f = s.emit(10, new Uint8Array(10), 0)!;
   * s.onLost(f.offset, f.length, f.fin);
   * console.log(s.nextOffset()); // 0
   * ```
   */
  onLost(offset: number, length: number, fin: boolean): void {
    if (this.#state === SendStreamState.ResetSent || this.isTerminal) return;
    this.#buffer.onLost(offset, length, fin);
  }

  /**
   * Takes the RESET_STREAM frame to send, if one is pending.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * console.log(s.takeReset()); // null
   * ```
   */
  takeReset(): ResetStreamInfo | null {
    if (!this.#resetPending || this.#state !== SendStreamState.ResetSent) return null;
    this.#resetPending = false;
    return this.#reset;
  }

  /**
   * True if a RESET_STREAM frame is waiting to be sent.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * s.reset(0n);
   * console.log(s.resetPending); // true
   * ```
   */
  get resetPending(): boolean {
    return this.#resetPending && this.#state === SendStreamState.ResetSent;
  }

  /**
   * The RESET_STREAM frame was acknowledged: Reset Sent → Reset Recvd.
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * s.reset(0n);
   * s.takeReset();
   * s.onResetAcked();
   * console.log(s.state); // ResetRecvd
   * ```
   */
  onResetAcked(): void {
    if (this.#state === SendStreamState.ResetSent) {
      this.#state = SendStreamState.ResetRecvd;
      this.#resetPending = false;
    }
  }

  /**
   * The RESET_STREAM frame was lost: send it again (RFC 9000 §13.3).
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(0), initialMaxStreamData: 0 });
   * s.reset(0n);
   * s.takeReset();
   * s.onResetLost();
   * console.log(s.resetPending); // true
   * ```
   */
  onResetLost(): void {
    if (this.#state === SendStreamState.ResetSent) this.#resetPending = true;
  }

  /**
   * Takes a pending STREAM_DATA_BLOCKED limit (sent once per limit value,
   * RFC 9000 §4.1), or null. Sending it moves Ready to Send (§3.1).
   *
   * @example
   * ```ts
   * import { SendCredit, SendStream } from "@gquic/core/quic";
   * const s = new SendStream(0, { connCredit: new SendCredit(100), initialMaxStreamData: 0 });
   * s.write(new Uint8Array(1));
   * console.log(s.takeBlocked(), s.state); // 0 Send
   * ```
   */
  takeBlocked(): number | null {
    if (this.#state !== SendStreamState.Ready && this.#state !== SendStreamState.Send) {
      return null;
    }
    const limit = this.credit.takeBlocked();
    if (limit !== null) this.#state = SendStreamState.Send;
    return limit;
  }

  /** Offset up to which new data may be sent under both credits. */
  #maxNewOffset(): number {
    return this.#buffer.sendOffset +
      Math.max(0, Math.min(this.credit.available, this.connCredit.available));
  }

  /** Arms the BLOCKED signals when data waits on an exhausted credit. */
  #checkBlocked(): void {
    if (this.#buffer.unsentBytes === 0) return;
    if (this.credit.available <= 0) this.credit.noteBlocked();
    if (this.connCredit.available <= 0) this.connCredit.noteBlocked();
  }
}
