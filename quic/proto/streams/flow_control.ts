/**
 * Data flow control (RFC 9000 §4.1, §4.2), one object per stream and one per
 * connection for each direction.
 *
 * Send side ({@link SendCredit}): the peer's limit, what we used, and the
 * DATA_BLOCKED / STREAM_DATA_BLOCKED signal, raised once per limit value.
 *
 * Receive side ({@link RecvWindow}): the limit we advertised, enforced
 * (FLOW_CONTROL_ERROR), and credit returned only as the application
 * *consumes* data, so a slow reader throttles the sender instead of growing
 * our buffers. The window auto-tunes: if updates are needed more often than
 * every two RTTs the peer is limited by us rather than by the network, so the
 * window doubles (up to a maximum) — the approach of Chromium's and quinn's
 * flow controllers, reimplemented here.
 * @module
 */
import { QuicError, TransportErrorCode } from "../errors.ts";

/**
 * Where a receive window reads the current smoothed RTT (RFC 9002 §5.3), in
 * ms. The recovery layer's RTT estimator can be passed directly.
 *
 * @example
 * ```ts
 * import type { RttSource } from "@gquic/core/quic";
 * const rtt: RttSource = { smoothedRtt: 25 };
 * console.log(rtt.smoothedRtt);
 * ```
 */
export interface RttSource {
  /** Smoothed RTT in milliseconds. */
  readonly smoothedRtt: number;
}

/**
 * The RTT assumed before a sample exists (RFC 9002 §6.2.2: 333 ms).
 *
 * @example
 * ```ts
 * import { DEFAULT_RTT_SOURCE } from "@gquic/core/quic";
 * console.log(DEFAULT_RTT_SOURCE.smoothedRtt); // 333
 * ```
 */
export const DEFAULT_RTT_SOURCE: RttSource = { smoothedRtt: 333 };

/**
 * Send-side credit against a limit set by the peer (initial transport
 * parameter, then MAX_DATA / MAX_STREAM_DATA).
 *
 * @example
 * ```ts
 * import { SendCredit } from "@gquic/core/quic";
 * const c = new SendCredit(100);
 * c.consume(100);
 * c.noteBlocked();
 * console.log(c.takeBlocked(), c.takeBlocked()); // 100 null
 * ```
 */
export class SendCredit {
  #max: number;
  #used = 0;
  #blockedAt = -1;
  #blockedPending = false;

  /**
   * Creates credit with the peer's initial limit.
   * @param initialMax the peer's initial limit in bytes
   */
  constructor(initialMax: number) {
    this.#max = initialMax;
  }

  /**
   * The peer's current limit.
   *
   * @example
   * ```ts
   * import { SendCredit } from "@gquic/core/quic";
   * console.log(new SendCredit(10).max); // 10
   * ```
   */
  get max(): number {
    return this.#max;
  }

  /**
   * Bytes of credit used.
   *
   * @example
   * ```ts
   * import { SendCredit } from "@gquic/core/quic";
   * console.log(new SendCredit(10).used); // 0
   * ```
   */
  get used(): number {
    return this.#used;
  }

  /**
   * Bytes that may still be sent.
   *
   * @example
   * ```ts
   * import { SendCredit } from "@gquic/core/quic";
   * console.log(new SendCredit(10).available); // 10
   * ```
   */
  get available(): number {
    return this.#max - this.#used;
  }

  /**
   * Applies a MAX_DATA / MAX_STREAM_DATA value; values that do not increase
   * the limit are ignored (RFC 9000 §4.1).
   *
   * @example
   * ```ts
   * import { SendCredit } from "@gquic/core/quic";
   * const c = new SendCredit(10);
   * console.log(c.onMaxUpdate(5), c.onMaxUpdate(20), c.max); // false true 20
   * ```
   * @returns true if the limit increased
   */
  onMaxUpdate(max: number): boolean {
    if (max <= this.#max) return false;
    this.#max = max;
    this.#blockedPending = false;
    return true;
  }

  /**
   * Records `n` bytes of new data sent.
   *
   * @example
   * ```ts
   * import { SendCredit } from "@gquic/core/quic";
   * const c = new SendCredit(10);
   * c.consume(4);
   * console.log(c.available); // 6
   * ```
   */
  consume(n: number): void {
    this.#used += n;
  }

  /**
   * Called when data is waiting but the credit is exhausted: arms one
   * BLOCKED signal per limit value (RFC 9000 §4.1).
   *
   * @example
   * ```ts
   * import { SendCredit } from "@gquic/core/quic";
   * const c = new SendCredit(0);
   * c.noteBlocked();
   * console.log(c.blockedPending); // true
   * ```
   */
  noteBlocked(): void {
    if (this.available > 0 || this.#blockedAt === this.#max) return;
    this.#blockedAt = this.#max;
    this.#blockedPending = true;
  }

  /**
   * True if a BLOCKED frame should be sent.
   *
   * @example
   * ```ts
   * import { SendCredit } from "@gquic/core/quic";
   * console.log(new SendCredit(5).blockedPending); // false
   * ```
   */
  get blockedPending(): boolean {
    return this.#blockedPending;
  }

  /**
   * Takes the pending BLOCKED signal: the limit to put in DATA_BLOCKED or
   * STREAM_DATA_BLOCKED, or null.
   *
   * @example
   * ```ts
   * import { SendCredit } from "@gquic/core/quic";
   * const c = new SendCredit(0);
   * c.noteBlocked();
   * console.log(c.takeBlocked()); // 0
   * ```
   */
  takeBlocked(): number | null {
    if (!this.#blockedPending) return null;
    this.#blockedPending = false;
    return this.#max;
  }

  /**
   * A BLOCKED frame for `limit` was lost: send it again if still blocked at
   * that limit (RFC 9000 §13.3).
   *
   * @example
   * ```ts
   * import { SendCredit } from "@gquic/core/quic";
   * const c = new SendCredit(0);
   * c.noteBlocked();
   * c.onBlockedLost(c.takeBlocked()!);
   * console.log(c.blockedPending); // true
   * ```
   */
  onBlockedLost(limit: number): void {
    if (limit === this.#max && this.available === 0) this.#blockedPending = true;
  }
}

/**
 * Options of a {@link RecvWindow}.
 *
 * @example
 * ```ts
 * import type { RecvWindowOptions } from "@gquic/core/quic";
 * const o: RecvWindowOptions = { initialWindow: 1 << 20, maxWindow: 16 << 20 };
 * console.log(o.initialWindow);
 * ```
 */
export interface RecvWindowOptions {
  /** The initial limit (our transport parameter) and initial window size. */
  initialWindow: number;
  /** The auto-tuned window never grows past this (default: 16 × initial). */
  maxWindow?: number;
  /**
   * Send an update once the credit we could add reaches this fraction of the
   * window (default 0.5: half the window consumed since the last update).
   */
  updateFraction?: number;
  /** Smoothed RTT source for auto-tuning (default 333 ms). */
  rtt?: RttSource;
}

/**
 * Receive-side flow control: enforces the advertised limit and produces
 * MAX_DATA / MAX_STREAM_DATA values as the application consumes data.
 *
 * @example
 * ```ts
 * import { RecvWindow } from "@gquic/core/quic";
 * const w = new RecvWindow({ initialWindow: 1000 });
 * w.onReceiveTo(800);
 * console.log(w.takeUpdate()); // null: nothing consumed yet
 * w.consume(600, 0);
 * console.log(w.takeUpdate()); // 1600
 * ```
 */
export class RecvWindow {
  #window: number;
  readonly #maxWindow: number;
  readonly #updateFraction: number;
  readonly #rtt: RttSource;
  #maxData: number;
  #received = 0;
  #consumed = 0;
  #lastUpdateTime = -1;
  #updatePending = false;

  /**
   * Creates a window whose limit starts at `initialWindow`.
   * @param options window sizes and RTT source
   */
  constructor(options: RecvWindowOptions) {
    this.#window = options.initialWindow;
    this.#maxData = options.initialWindow;
    this.#maxWindow = Math.max(options.maxWindow ?? options.initialWindow * 16, this.#window);
    this.#updateFraction = options.updateFraction ?? 0.5;
    this.#rtt = options.rtt ?? DEFAULT_RTT_SOURCE;
  }

  /**
   * The limit advertised to the peer.
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * console.log(new RecvWindow({ initialWindow: 10 }).maxData); // 10
   * ```
   */
  get maxData(): number {
    return this.#maxData;
  }

  /**
   * The current window size (credit granted beyond consumed data).
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * console.log(new RecvWindow({ initialWindow: 10 }).window); // 10
   * ```
   */
  get window(): number {
    return this.#window;
  }

  /**
   * The largest window auto-tuning may reach.
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * console.log(new RecvWindow({ initialWindow: 10, maxWindow: 40 }).maxWindow); // 40
   * ```
   */
  get maxWindow(): number {
    return this.#maxWindow;
  }

  /**
   * Highest offset (stream) or byte total (connection) received.
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * const w = new RecvWindow({ initialWindow: 10 });
   * w.onReceiveTo(4);
   * console.log(w.received); // 4
   * ```
   */
  get received(): number {
    return this.#received;
  }

  /**
   * Bytes the application has consumed.
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * console.log(new RecvWindow({ initialWindow: 10 }).consumed); // 0
   * ```
   */
  get consumed(): number {
    return this.#consumed;
  }

  /**
   * Records data received up to absolute offset `end` (a stream's highest
   * offset). Throws FLOW_CONTROL_ERROR past the advertised limit
   * (RFC 9000 §4.1).
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * const w = new RecvWindow({ initialWindow: 10 });
   * console.log(w.onReceiveTo(6), w.onReceiveTo(4)); // 6 0
   * ```
   * @returns how much the highest offset grew (to charge the connection)
   */
  onReceiveTo(end: number): number {
    if (end <= this.#received) return 0;
    if (end > this.#maxData) {
      throw new QuicError(
        TransportErrorCode.FLOW_CONTROL_ERROR,
        `received data up to ${end} beyond limit ${this.#maxData}`,
      );
    }
    const delta = end - this.#received;
    this.#received = end;
    return delta;
  }

  /**
   * Records `n` more bytes received (connection level: the sum of stream
   * offset increases). Throws FLOW_CONTROL_ERROR past the limit.
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * const w = new RecvWindow({ initialWindow: 10 });
   * w.onReceiveBytes(3);
   * w.onReceiveBytes(3);
   * console.log(w.received); // 6
   * ```
   */
  onReceiveBytes(n: number): void {
    this.onReceiveTo(this.#received + n);
  }

  /**
   * Records that the application consumed `n` bytes at time `now` (ms), and
   * decides whether to grant more credit (RFC 9000 §4.2).
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * const w = new RecvWindow({ initialWindow: 100 });
   * w.onReceiveTo(60);
   * console.log(w.consume(60, 0)); // true: an update is pending
   * ```
   * @returns true if a new limit is pending
   */
  consume(n: number, now: number): boolean {
    this.#consumed += n;
    // Credit we would add by advertising consumed + window now.
    const increase = this.#consumed + this.#window - this.#maxData;
    if (increase < this.#window * this.#updateFraction) return false;
    // Auto-tuning: updates more often than every 2 RTTs mean the window, not
    // the network, limits the peer (BDP > window): double it.
    if (
      this.#lastUpdateTime >= 0 &&
      now - this.#lastUpdateTime < 2 * this.#rtt.smoothedRtt &&
      this.#window < this.#maxWindow
    ) {
      this.#window = Math.min(this.#window * 2, this.#maxWindow);
    }
    this.#lastUpdateTime = now;
    this.#maxData = this.#consumed + this.#window;
    this.#updatePending = true;
    return true;
  }

  /**
   * Grows the window to at least `size` (capped at the maximum); used to keep
   * the connection window ahead of its streams' windows.
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * const w = new RecvWindow({ initialWindow: 10, maxWindow: 100 });
   * w.ensureWindow(50);
   * console.log(w.window); // 50
   * ```
   */
  ensureWindow(size: number): void {
    const s = Math.min(size, this.#maxWindow);
    if (s > this.#window) this.#window = s;
  }

  /**
   * True if a MAX_DATA / MAX_STREAM_DATA frame should be sent.
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * console.log(new RecvWindow({ initialWindow: 10 }).updatePending); // false
   * ```
   */
  get updatePending(): boolean {
    return this.#updatePending;
  }

  /**
   * Takes the pending update: the new limit to advertise, or null.
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * const w = new RecvWindow({ initialWindow: 10 });
   * w.onReceiveTo(10);
   * w.consume(10, 0);
   * console.log(w.takeUpdate(), w.takeUpdate()); // 20 null
   * ```
   */
  takeUpdate(): number | null {
    if (!this.#updatePending) return null;
    this.#updatePending = false;
    return this.#maxData;
  }

  /**
   * A frame carrying an update was lost: send the current limit again
   * (RFC 9000 §13.3) unless a newer one was already sent.
   *
   * @example
   * ```ts
   * import { RecvWindow } from "@gquic/core/quic";
   * const w = new RecvWindow({ initialWindow: 10 });
   * w.onReceiveTo(10);
   * w.consume(10, 0);
   * w.onUpdateLost(w.takeUpdate()!);
   * console.log(w.updatePending); // true
   * ```
   */
  onUpdateLost(limit: number): void {
    if (limit === this.#maxData) this.#updatePending = true;
  }
}
