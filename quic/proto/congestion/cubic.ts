/**
 * CUBIC congestion control (RFC 9438) on the QUIC loss recovery of RFC 9002:
 * the cubic window function around W_max (§4.2), the Reno-friendly region
 * (§4.3), concave and convex growth (§4.4, §4.5), multiplicative decrease
 * with beta_cubic = 0.7 (§4.6) and fast convergence (§4.7). Slow start is
 * Reno's (§4.10; HyStart++ is not implemented). The formulas work in
 * segments (max_datagram_size) and seconds; the state is kept in bytes and
 * milliseconds.
 * @module
 */
import { BaseCongestionController, type CongestionControlAlgorithm } from "./controller.ts";

/** CUBIC's C constant (RFC 9438 §4.1, §5): 0.4. */
export const CUBIC_C = 0.4;
/** beta_cubic, the multiplicative decrease factor (RFC 9438 §4.6): 0.7. */
export const CUBIC_BETA = 0.7;
/** alpha_cubic for the Reno-friendly region (RFC 9438 §4.3): 3(1-β)/(1+β). */
export const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

/**
 * The CUBIC controller of RFC 9438.
 *
 * @example
 * ```ts
 * import { Cubic } from "@gquic/core/quic";
 * const cc = new Cubic({ maxDatagramSize: 1200 });
 * cc.onPacketSent(1200, 0);
 * cc.onPacketsLost(1200, 0, 100); // RFC 9438 §4.6: cwnd *= 0.7
 * console.log(cc.congestionWindow, cc.wMax); // 8400 12000
 * ```
 */
export class Cubic extends BaseCongestionController {
  /** Always "cubic". */
  readonly name: CongestionControlAlgorithm = "cubic";
  /** W_max in bytes: the window before the last reduction (RFC 9438 §4.1). */
  wMax = 0;
  /** cwnd_prior: cwnd when ssthresh was last set (RFC 9438 §4.3). */
  cwndPrior = 0;
  /** K in seconds (RFC 9438 §4.2, eq. 2). */
  k = 0;
  /** t_epoch in ms, or -1 when no congestion avoidance epoch is running. */
  epochStart: number = -1;
  /** W_est in bytes, the Reno-friendly estimate (RFC 9438 §4.3). */
  wEst = 0;
  private appLimitedSince = -1;

  /**
   * W_cubic(t) in bytes for `t` seconds since the epoch start (RFC 9438
   * §4.2, eq. 1): C * (t - K)^3 + W_max, computed in segments.
   * @param t seconds since t_epoch
   */
  wCubic(t: number): number {
    const d = t - this.k;
    return CUBIC_C * d * d * d * this.maxDatagramSize + this.wMax;
  }

  /** Congestion avoidance: RFC 9438 §4.2–§4.5 on every ACK. */
  protected grow(bytes: number, now: number, smoothedRtt: number): void {
    const mss = this.maxDatagramSize;
    if (this.appLimitedSince >= 0) {
      // RFC 9438 §5.8: time spent application-limited does not count in t.
      if (this.epochStart >= 0) this.epochStart += now - this.appLimitedSince;
      this.appLimitedSince = -1;
    }
    if (this.epochStart < 0) {
      // RFC 9438 §4.2: a new congestion avoidance stage starts now.
      this.epochStart = now;
      const cwndEpoch = this.congestionWindow;
      if (this.wMax <= cwndEpoch) {
        // No reduction preceded this stage (or the window already exceeds
        // W_max): start at the plateau, K = 0, convex growth.
        this.wMax = cwndEpoch;
        this.k = 0;
      } else {
        this.k = Math.cbrt((this.wMax - cwndEpoch) / mss / CUBIC_C);
      }
      this.wEst = cwndEpoch;
    }
    const cwnd = this.congestionWindow;
    const t = (now - this.epochStart) / 1000;
    // RFC 9438 §4.3: W_est grows like Reno with alpha_cubic, and with
    // alpha 1 once it reaches cwnd_prior.
    const alpha = this.wEst >= this.cwndPrior ? 1 : CUBIC_ALPHA;
    this.wEst += (alpha * mss * bytes) / cwnd;
    const wCubicNow = this.wCubic(t);
    if (wCubicNow < this.wEst) {
      // Reno-friendly region (RFC 9438 §4.3): follow W_est.
      if (this.wEst > cwnd) this.congestionWindow = this.wEst;
      return;
    }
    // Concave (§4.4) or convex (§4.5) region: aim for W_cubic(t + RTT),
    // clamped to [cwnd, 1.5 cwnd], and approach it by (target-cwnd)/cwnd
    // per acknowledged segment.
    let target = this.wCubic(t + smoothedRtt / 1000);
    if (target < cwnd) target = cwnd;
    else if (target > 1.5 * cwnd) target = 1.5 * cwnd;
    this.congestionWindow = cwnd + ((target - cwnd) * bytes) / cwnd;
  }

  /** RFC 9438 §4.6 multiplicative decrease and §4.7 fast convergence. */
  protected reduce(_now: number): void {
    const cwnd = this.congestionWindow;
    // §4.7: if the window did not regain the last W_max, release bandwidth
    // faster: W_max = cwnd * (1 + β) / 2.
    this.wMax = cwnd < this.wMax ? (cwnd * (1 + CUBIC_BETA)) / 2 : cwnd;
    this.cwndPrior = cwnd;
    this.ssthresh = Math.max(Math.floor(cwnd * CUBIC_BETA), this.minimumWindow);
    this.congestionWindow = this.ssthresh;
    this.epochStart = -1; // a new epoch starts on the first ACK after recovery
    this.appLimitedSince = -1;
  }

  /** RFC 9438 §5.8: remember when app-limited time began. */
  protected override onAppLimitedAck(now: number): void {
    if (this.appLimitedSince < 0) this.appLimitedSince = now;
  }

  /** RFC 9438 §4.8 (timeout): restart from slow start without an epoch. */
  protected override onPersistentCongestionReset(): void {
    this.epochStart = -1;
    this.appLimitedSince = -1;
  }
}
