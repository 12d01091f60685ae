/**
 * A leaky-bucket pacer (RFC 9002 §7.7): tokens accrue at
 * rate = N * congestion_window / smoothed_rtt (N = 1.25) up to a burst
 * allowance, and each sent packet spends its size. The driver asks
 * {@link Pacer.timeUntilSend} and arms one timer. Packets carrying only ACK
 * frames SHOULD NOT be paced (§7.7): don't ask the pacer for them.
 * @module
 */

/** The pacing gain N of RFC 9002 §7.7 (small, at least 1): 1.25. */
export const PACING_GAIN = 1.25;
/** Default burst allowance, in max_datagram_size packets. */
export const DEFAULT_BURST_PACKETS = 10;

/**
 * Options of a {@link Pacer}.
 *
 * @example
 * ```ts
 * import type { PacerOptions } from "@gquic/core/quic";
 * const o: PacerOptions = { burstPackets: 4, gain: 1.25 };
 * console.log(o.burstPackets);
 * ```
 */
export interface PacerOptions {
  /** Bucket capacity in packets of max_datagram_size (default 10). */
  burstPackets?: number;
  /** Pacing gain N (default 1.25). */
  gain?: number;
  /** max_datagram_size in bytes (default 1200). */
  maxDatagramSize?: number;
}

/**
 * Token-bucket pacer. Call {@link Pacer.update} when cwnd or smoothed_rtt
 * change (e.g. after each ACK), {@link Pacer.timeUntilSend} before sending a
 * non-probe, non-ACK-only packet, and {@link Pacer.onPacketSent} after.
 *
 * @example
 * ```ts
 * import { Pacer } from "@gquic/core/quic";
 * const p = new Pacer({ burstPackets: 2, maxDatagramSize: 1200 });
 * p.update(12000, 100, 0); // 1.25 * 12000 B / 100 ms = 150 B/ms
 * p.onPacketSent(0, 1200); p.onPacketSent(0, 1200); // burst used up
 * console.log(p.timeUntilSend(0, 1200)); // 8 (ms until 1200 B of tokens)
 * ```
 */
export class Pacer {
  /** Pacing gain N. */
  readonly gain: number;
  /** Burst allowance in packets. */
  readonly burstPackets: number;
  private maxDatagramSize: number;
  /** Current rate in bytes per ms (Infinity before {@link Pacer.update}). */
  rate: number = Infinity;
  /** Bucket capacity in bytes. */
  capacity: number;
  /** Tokens (bytes) available at {@link Pacer.lastUpdate}. */
  tokens: number;
  /** Time the token count was last brought up to date. */
  lastUpdate: number = -Infinity;

  /**
   * Creates a pacer with a full bucket.
   * @param opts burst size, gain and datagram size
   */
  constructor(opts: PacerOptions = {}) {
    this.gain = opts.gain ?? PACING_GAIN;
    this.burstPackets = Math.max(1, opts.burstPackets ?? DEFAULT_BURST_PACKETS);
    this.maxDatagramSize = opts.maxDatagramSize ?? 1200;
    this.capacity = this.burstPackets * this.maxDatagramSize;
    this.tokens = this.capacity;
  }

  /**
   * Sets the pacing rate from the congestion window and smoothed RTT (RFC
   * 9002 §7.7: rate = N * cwnd / smoothed_rtt). Tokens accrued so far at the
   * old rate are credited first.
   * @param congestionWindow cwnd in bytes
   * @param smoothedRtt smoothed_rtt in ms
   * @param now current time
   * @param maxDatagramSize optional new max_datagram_size
   */
  update(
    congestionWindow: number,
    smoothedRtt: number,
    now: number,
    maxDatagramSize: number = this.maxDatagramSize,
  ): void {
    this.refill(now);
    this.maxDatagramSize = maxDatagramSize;
    // Burst: N packets, but never more than the window itself (§7.7: limit
    // bursts to the initial window or less).
    this.capacity = Math.min(
      this.burstPackets * maxDatagramSize,
      Math.max(congestionWindow, maxDatagramSize),
    );
    if (this.tokens > this.capacity) this.tokens = this.capacity;
    this.rate = smoothedRtt > 0 ? (this.gain * congestionWindow) / smoothedRtt : Infinity;
  }

  /** Credits tokens accrued since the last update, up to the capacity. */
  private refill(now: number): void {
    if (now > this.lastUpdate) {
      if (this.lastUpdate !== -Infinity && this.rate !== Infinity) {
        this.tokens = Math.min(this.capacity, this.tokens + (now - this.lastUpdate) * this.rate);
      } else {
        this.tokens = this.capacity;
      }
      this.lastUpdate = now;
    }
  }

  /**
   * Milliseconds to wait before a packet of `bytes` may be sent (0 = now).
   * A packet larger than the bucket waits for a full bucket.
   * @param now current time
   * @param bytes size of the packet to send
   */
  timeUntilSend(now: number, bytes: number): number {
    if (this.rate === Infinity) return 0;
    this.refill(now);
    const need = Math.min(bytes, this.capacity);
    if (this.tokens >= need) return 0;
    const wait = (need - this.tokens) / this.rate;
    // Rounding can leave a shortfall of a few ulps; a wait that small would
    // not advance a floating-point clock, so treat it as "now".
    return wait < 1e-6 ? 0 : wait;
  }

  /**
   * Absolute time at which a packet of `bytes` may be sent (≤ now: send now).
   * @param now current time
   * @param bytes size of the packet to send
   */
  nextSendTime(now: number, bytes: number): number {
    return now + this.timeUntilSend(now, bytes);
  }

  /**
   * Spends tokens for a sent packet (tokens may go negative when a probe or
   * a packet sent early overdraws the bucket; later sends then wait).
   * @param now send time
   * @param bytes packet size
   */
  onPacketSent(now: number, bytes: number): void {
    this.refill(now);
    this.tokens -= bytes;
  }
}
