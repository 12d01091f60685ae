/**
 * The congestion controller interface the loss recovery drives (RFC 9002 §7,
 * Appendix B), and what NewReno and CUBIC share: initial and minimum window,
 * bytes in flight, the recovery period (§7.3.2) and app-limited tracking
 * (§7.8). Windows and sizes are bytes, times milliseconds.
 * @module
 */

/** Smallest max_datagram_size QUIC allows (RFC 9000 §14): 1200 bytes. */
export const MIN_MAX_DATAGRAM_SIZE = 1200;

/**
 * Initial window (RFC 9002 §7.2):
 * min(10 * max_datagram_size, max(14720, 2 * max_datagram_size)).
 *
 * @example
 * ```ts
 * import { initialWindow } from "@gquic/core/quic";
 * console.log(initialWindow(1200), initialWindow(1500)); // 12000 14720
 * ```
 */
export function initialWindow(maxDatagramSize: number): number {
  return Math.min(10 * maxDatagramSize, Math.max(14720, 2 * maxDatagramSize));
}

/**
 * Minimum window kMinimumWindow (RFC 9002 §7.2): 2 * max_datagram_size.
 *
 * @example
 * ```ts
 * import { minimumWindow } from "@gquic/core/quic";
 * console.log(minimumWindow(1200)); // 2400
 * ```
 */
export function minimumWindow(maxDatagramSize: number): number {
  return 2 * maxDatagramSize;
}

/**
 * Congestion controller names selectable with `createCongestionController`
 * (in `recovery.ts`).
 *
 * @example
 * ```ts
 * import type { CongestionControlAlgorithm } from "@gquic/core/quic";
 * const cc: CongestionControlAlgorithm = "cubic";
 * console.log(cc);
 * ```
 */
export type CongestionControlAlgorithm = "newreno" | "cubic";

/**
 * Options shared by the congestion controllers.
 *
 * @example
 * ```ts
 * import type { CongestionControllerOptions } from "@gquic/core/quic";
 * const opts: CongestionControllerOptions = { maxDatagramSize: 1452 };
 * console.log(opts.maxDatagramSize);
 * ```
 */
export interface CongestionControllerOptions {
  /** max_datagram_size in bytes (default 1200, RFC 9002 §B.2). */
  maxDatagramSize?: number;
  /** Override of the initial window in bytes (default per RFC 9002 §7.2). */
  initialWindow?: number;
}

/**
 * What {@link LossRecovery} calls on a congestion controller. Recovery owns
 * the per-packet bookkeeping; the controller sees sizes and send times only.
 *
 * Driving it by hand (normally `LossRecovery` does this):
 * @example
 * ```ts
 * import { NewReno } from "@gquic/core/quic";
 * const cc = new NewReno({ maxDatagramSize: 1200 });
 * if (cc.canSend(1200)) cc.onPacketSent(1200, 0);
 * cc.onPacketAcked(1200, 0, 50, 50);         // slow start: cwnd += 1200
 * cc.onPacketsLost(0, -1, 60);               // nothing lost in flight: no event
 * console.log(cc.congestionWindow, cc.bytesInFlight); // 13200 0
 * ```
 */
export interface CongestionController {
  /** The algorithm's name. */
  readonly name: CongestionControlAlgorithm;
  /** congestion_window in bytes. */
  readonly congestionWindow: number;
  /** bytes_in_flight: in-flight bytes sent and neither acked nor lost. */
  readonly bytesInFlight: number;
  /** Slow start threshold in bytes (Infinity initially). */
  readonly ssthresh: number;
  /** max_datagram_size in bytes. */
  readonly maxDatagramSize: number;
  /**
   * True when `bytes` more can be sent without exceeding the window (RFC
   * 9002 §7: probes on PTO are exempt; the caller decides that).
   */
  canSend(bytes: number): boolean;
  /** An in-flight packet of `bytes` was sent at `now` (Appendix B.4). */
  onPacketSent(bytes: number, now: number): void;
  /**
   * An in-flight packet of `bytes`, sent at `timeSent`, was newly
   * acknowledged at `now`; `smoothedRtt` is the current estimate (B.5).
   */
  onPacketAcked(bytes: number, timeSent: number, now: number, smoothedRtt: number): void;
  /**
   * In-flight packets totalling `lostBytes` were declared lost; the newest
   * was sent at `timeSentOfLastLoss` (-1 when none of the lost packets was in
   * flight). Triggers a congestion event when `lostBytes > 0` (B.8).
   */
  onPacketsLost(lostBytes: number, timeSentOfLastLoss: number, now: number): void;
  /**
   * Enters a recovery period unless a packet sent at `sentTime` is already
   * covered by the current one (one reduction per RTT, RFC 9002 §7.3.2).
   * Also the response to an increased ECN-CE count (§7.1, B.7).
   */
  onCongestionEvent(sentTime: number, now: number): void;
  /** Persistent congestion (RFC 9002 §7.6.2): collapse to the minimum window. */
  onPersistentCongestion(now: number): void;
  /** Removes discarded packets from bytes in flight (RFC 9002 §6.4, B.9). */
  removeFromBytesInFlight(bytes: number): void;
  /** True when a packet sent at `sentTime` belongs to the current recovery period. */
  inRecovery(sentTime: number): boolean;
  /**
   * Tells the controller whether the sender is application- or flow-control
   * limited (RFC 9002 §7.8): while limited, the window does not grow. Sending
   * enough to fill the window clears the flag automatically.
   */
  setAppLimited(limited: boolean): void;
  /** Whether the window is currently considered underutilized (§7.8). */
  readonly appLimited: boolean;
  /**
   * Updates max_datagram_size (RFC 9002 §7.2: recompute the initial window;
   * when shrinking during the handshake, reset to it).
   */
  setMaxDatagramSize(size: number): void;
}

/**
 * State and behaviour NewReno and CUBIC share: bytes in flight, recovery
 * period, minimum window, app-limited flag. Subclasses implement growth
 * ({@link BaseCongestionController.grow}) and reduction
 * ({@link BaseCongestionController.reduce}).
 *
 * @example
 * ```ts
 * import { type BaseCongestionController, NewReno } from "@gquic/core/quic";
 * const cc: BaseCongestionController = new NewReno();
 * console.log(cc.congestionWindow); // 12000
 * ```
 */
export abstract class BaseCongestionController implements CongestionController {
  /** The algorithm's name. */
  abstract readonly name: CongestionControlAlgorithm;
  /** congestion_window in bytes. */
  congestionWindow: number;
  /** bytes_in_flight. */
  bytesInFlight = 0;
  /** Slow start threshold in bytes. */
  ssthresh: number = Infinity;
  /** max_datagram_size in bytes. */
  maxDatagramSize: number;
  /** congestion_recovery_start_time; -Infinity when never in recovery. */
  recoveryStartTime: number = -Infinity;
  /** See {@link CongestionController.appLimited}. */
  appLimited = false;
  /** Number of congestion events (recovery periods entered), for stats. */
  congestionEvents = 0;
  private readonly fixedInitialWindow: number | undefined;

  /**
   * Creates a controller in slow start with the initial window.
   * @param opts max datagram size and optional initial window override
   */
  constructor(opts: CongestionControllerOptions = {}) {
    this.maxDatagramSize = Math.max(MIN_MAX_DATAGRAM_SIZE, opts.maxDatagramSize ?? 1200);
    this.fixedInitialWindow = opts.initialWindow;
    this.congestionWindow = opts.initialWindow ?? initialWindow(this.maxDatagramSize);
  }

  /** kMinimumWindow for the current datagram size. */
  get minimumWindow(): number {
    return minimumWindow(this.maxDatagramSize);
  }

  /** True while cwnd < ssthresh (RFC 9002 §7.3.1). */
  get inSlowStart(): boolean {
    return this.congestionWindow < this.ssthresh;
  }

  /** See {@link CongestionController.canSend}. */
  canSend(bytes: number): boolean {
    return this.bytesInFlight + bytes <= this.congestionWindow;
  }

  /** See {@link CongestionController.onPacketSent}. */
  onPacketSent(bytes: number, _now: number): void {
    this.bytesInFlight += bytes;
    // RFC 9002 §7.8: a sender that fills the window is not app-limited.
    if (this.bytesInFlight >= this.congestionWindow) this.appLimited = false;
  }

  /** See {@link CongestionController.inRecovery}. */
  inRecovery(sentTime: number): boolean {
    return sentTime <= this.recoveryStartTime;
  }

  /** See {@link CongestionController.onPacketAcked}. */
  onPacketAcked(bytes: number, timeSent: number, now: number, smoothedRtt: number): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes);
    // RFC 9002 §7.8 / B.5: no growth when app or flow-control limited.
    if (this.appLimited) {
      this.onAppLimitedAck(now);
      return;
    }
    // RFC 9002 §7.3.2 / B.5: no growth in a recovery period.
    if (this.inRecovery(timeSent)) return;
    if (this.congestionWindow < this.ssthresh) {
      // RFC 9002 §7.3.1: slow start grows by the bytes acknowledged.
      this.congestionWindow += bytes;
      this.onSlowStartAck(now);
      return;
    }
    this.grow(bytes, now, smoothedRtt);
  }

  /** See {@link CongestionController.onPacketsLost}. */
  onPacketsLost(lostBytes: number, timeSentOfLastLoss: number, now: number): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - lostBytes);
    // RFC 9002 B.8: congestion event if in-flight packets were lost.
    if (lostBytes > 0) this.onCongestionEvent(timeSentOfLastLoss, now);
  }

  /** See {@link CongestionController.onCongestionEvent}. */
  onCongestionEvent(sentTime: number, now: number): void {
    // RFC 9002 §7.3.2 / B.6: no reaction if already in a recovery period.
    if (this.inRecovery(sentTime)) return;
    this.recoveryStartTime = now;
    this.congestionEvents++;
    this.reduce(now);
  }

  /** See {@link CongestionController.onPersistentCongestion}. */
  onPersistentCongestion(_now: number): void {
    // RFC 9002 §7.6.2 / B.8: collapse to kMinimumWindow and leave recovery,
    // which re-enters slow start (cwnd < ssthresh).
    this.congestionWindow = this.minimumWindow;
    this.recoveryStartTime = -Infinity;
    this.onPersistentCongestionReset();
  }

  /** See {@link CongestionController.removeFromBytesInFlight}. */
  removeFromBytesInFlight(bytes: number): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes);
  }

  /** See {@link CongestionController.setAppLimited}. */
  setAppLimited(limited: boolean): void {
    this.appLimited = limited;
  }

  /** See {@link CongestionController.setMaxDatagramSize}. */
  setMaxDatagramSize(size: number): void {
    size = Math.max(MIN_MAX_DATAGRAM_SIZE, size);
    if (size === this.maxDatagramSize) return;
    const shrinking = size < this.maxDatagramSize;
    const wasInitial = this.congestionWindow === this.initialWindow;
    this.maxDatagramSize = size;
    // RFC 9002 §7.2: recompute the initial window with the new size; reset
    // to it when the size decreases (or while still at the initial window).
    if (shrinking || wasInitial) this.congestionWindow = this.initialWindow;
    if (this.congestionWindow < this.minimumWindow) this.congestionWindow = this.minimumWindow;
  }

  /** The initial window for the current datagram size. */
  get initialWindow(): number {
    return this.fixedInitialWindow ?? initialWindow(this.maxDatagramSize);
  }

  /**
   * Congestion-avoidance growth for `bytes` newly acknowledged.
   * @param bytes acknowledged bytes
   * @param now current time
   * @param smoothedRtt current smoothed RTT
   */
  protected abstract grow(bytes: number, now: number, smoothedRtt: number): void;
  /**
   * Window reduction on entering a recovery period (sets ssthresh and cwnd).
   * @param now current time
   */
  protected abstract reduce(now: number): void;
  /**
   * Hook: an ACK arrived while app-limited.
   * @param _now current time
   */
  protected onAppLimitedAck(_now: number): void {}
  /**
   * Hook: an ACK grew the window in slow start.
   * @param _now current time
   */
  protected onSlowStartAck(_now: number): void {}
  /** Hook: persistent congestion reset the window. */
  protected onPersistentCongestionReset(): void {}
}
