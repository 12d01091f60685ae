/**
 * Round-trip time estimation (RFC 9002 §5): latest_rtt, min_rtt,
 * smoothed_rtt and rttvar, plus the PTO period and the persistent
 * congestion duration derived from them. All times are milliseconds.
 * @module
 */

/** Timer granularity kGranularity (RFC 9002 §6.1.2, Appendix A.2): 1 ms. */
export const K_GRANULARITY = 1;
/** Default initial RTT kInitialRtt (RFC 9002 §6.2.2): 333 ms. */
export const K_INITIAL_RTT = 333;
/** kPersistentCongestionThreshold (RFC 9002 §7.6.1): 3. */
export const K_PERSISTENT_CONGESTION_THRESHOLD = 3;

/**
 * The RTT estimator of one network path (RFC 9002 §5).
 *
 * @example
 * ```ts
 * import { RttEstimator } from "@gquic/core/quic";
 * const rtt = new RttEstimator();
 * rtt.update(100, 0, 1000, false, 25); // first sample: smoothed = 100, rttvar = 50
 * console.log(rtt.smoothedRtt, rtt.rttvar, rtt.ptoPeriod(25)); // 100 50 325
 * ```
 */
export class RttEstimator {
  /** kInitialRtt used before the first sample and after {@link RttEstimator.reset}. */
  readonly initialRtt: number;
  /** Most recent RTT sample, latest_rtt (RFC 9002 §5.1); 0 before any sample. */
  latestRtt = 0;
  /** min_rtt (RFC 9002 §5.2); 0 before any sample. */
  minRtt = 0;
  /** smoothed_rtt (RFC 9002 §5.3). */
  smoothedRtt: number;
  /** rttvar (RFC 9002 §5.3). */
  rttvar: number;
  /** True once an RTT sample was taken (first_rtt_sample != 0). */
  hasSample = false;
  /** Time of the first RTT sample, first_rtt_sample (Appendix A.3); -Infinity before. */
  firstSampleTime: number = -Infinity;

  /**
   * Creates an estimator.
   * @param initialRtt kInitialRtt in ms (RFC 9002 §6.2.2 recommends 333;
   * a resumed connection may use its previous smoothed RTT)
   */
  constructor(initialRtt: number = K_INITIAL_RTT) {
    this.initialRtt = initialRtt > 0 ? initialRtt : K_INITIAL_RTT;
    this.smoothedRtt = this.initialRtt;
    this.rttvar = this.initialRtt / 2;
  }

  /**
   * Feeds one RTT sample (RFC 9002 §5.3, Appendix A.7 UpdateRtt).
   *
   * @param latestRtt ack_time − send time of the largest acknowledged packet
   * @param ackDelay the peer's decoded ACK Delay in ms (pass 0 for Initial
   * packets: RFC 9002 §5.3 allows ignoring it there)
   * @param now current time (recorded as first_rtt_sample on the first call)
   * @param handshakeConfirmed whether the handshake is confirmed; only then
   * is `ackDelay` capped at `maxAckDelay`
   * @param maxAckDelay the peer's max_ack_delay in ms
   */
  update(
    latestRtt: number,
    ackDelay: number,
    now: number,
    handshakeConfirmed: boolean,
    maxAckDelay: number,
  ): void {
    if (latestRtt < 0) latestRtt = 0; // clock went backwards: never negative
    this.latestRtt = latestRtt;
    if (!this.hasSample) {
      // RFC 9002 §5.2, §5.3: the first sample resets the estimator.
      this.hasSample = true;
      this.firstSampleTime = now;
      this.minRtt = latestRtt;
      this.smoothedRtt = latestRtt;
      this.rttvar = latestRtt / 2;
      return;
    }
    // RFC 9002 §5.2: min_rtt ignores acknowledgment delay.
    if (latestRtt < this.minRtt) this.minRtt = latestRtt;
    // RFC 9002 §5.3: ignore max_ack_delay until the handshake is confirmed,
    // then use the lesser of the reported delay and max_ack_delay.
    if (ackDelay < 0) ackDelay = 0;
    if (handshakeConfirmed && ackDelay > maxAckDelay) ackDelay = maxAckDelay;
    // RFC 9002 §5.3: never subtract the ack delay below min_rtt.
    let adjusted = latestRtt;
    if (latestRtt >= this.minRtt + ackDelay) adjusted = latestRtt - ackDelay;
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.smoothedRtt - adjusted);
    this.smoothedRtt = 0.875 * this.smoothedRtt + 0.125 * adjusted;
  }

  /**
   * The PTO period without backoff (RFC 9002 §6.2.1):
   * smoothed_rtt + max(4*rttvar, kGranularity) + max_ack_delay. Pass 0 as
   * `maxAckDelay` for the Initial and Handshake spaces.
   * @param maxAckDelay the peer's max_ack_delay in ms, or 0
   */
  ptoPeriod(maxAckDelay: number): number {
    return this.smoothedRtt + Math.max(4 * this.rttvar, K_GRANULARITY) + maxAckDelay;
  }

  /**
   * The persistent congestion duration (RFC 9002 §7.6.1): the PTO period
   * including max_ack_delay regardless of space, times
   * kPersistentCongestionThreshold.
   * @param maxAckDelay the peer's max_ack_delay in ms
   * @param threshold kPersistentCongestionThreshold (default 3)
   */
  persistentCongestionDuration(
    maxAckDelay: number,
    threshold: number = K_PERSISTENT_CONGESTION_THRESHOLD,
  ): number {
    return this.ptoPeriod(maxAckDelay) * threshold;
  }

  /**
   * The loss delay of the time threshold (RFC 9002 §6.1.2):
   * max(kTimeThreshold * max(smoothed_rtt, latest_rtt), kGranularity).
   * @param timeThreshold kTimeThreshold (default 9/8)
   */
  lossDelay(timeThreshold: number = 9 / 8): number {
    return Math.max(timeThreshold * Math.max(this.smoothedRtt, this.latestRtt), K_GRANULARITY);
  }

  /**
   * After persistent congestion, set min_rtt to the newest sample (RFC 9002
   * §5.2) so it is not declared again merely because the path got slower.
   */
  onPersistentCongestion(): void {
    if (this.hasSample) this.minRtt = this.latestRtt;
  }

  /**
   * Resets to the initial state (a new path, RFC 9000 §9.4).
   * @param initialRtt optional new kInitialRtt, e.g. from PATH_CHALLENGE timing
   */
  reset(initialRtt: number = this.initialRtt): void {
    this.latestRtt = 0;
    this.minRtt = 0;
    this.smoothedRtt = initialRtt;
    this.rttvar = initialRtt / 2;
    this.hasSample = false;
    this.firstSampleTime = -Infinity;
  }
}
