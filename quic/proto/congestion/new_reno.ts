/**
 * NewReno congestion control as specified for QUIC (RFC 9002 §7, Appendix
 * B): slow start, a recovery period with one halving per round trip, and
 * additive increase of one max_datagram_size per congestion window acked.
 * @module
 */
import { BaseCongestionController, type CongestionControlAlgorithm } from "./controller.ts";

/** kLossReductionFactor (RFC 9002 §7.3.2, Appendix B.1): 0.5. */
export const K_LOSS_REDUCTION_FACTOR = 0.5;

/**
 * The NewReno controller of RFC 9002 Appendix B.
 *
 * @example
 * ```ts
 * import { NewReno } from "@gquic/core/quic";
 * const cc = new NewReno({ maxDatagramSize: 1200 });
 * cc.onPacketSent(1200, 0);
 * cc.onPacketsLost(1200, 0, 100); // loss: enter recovery, halve the window
 * console.log(cc.congestionWindow, cc.ssthresh); // 6000 6000
 * ```
 */
export class NewReno extends BaseCongestionController {
  /** Always "newreno". */
  readonly name: CongestionControlAlgorithm = "newreno";
  /**
   * Bytes acknowledged in congestion avoidance not yet turned into window
   * growth (RFC 3465 §2.1 style, so the window stays an integer).
   */
  private bytesAckedInCa = 0;

  /** RFC 9002 §7.3.3: at most one max_datagram_size per window acknowledged. */
  protected grow(bytes: number, _now: number, _smoothedRtt: number): void {
    this.bytesAckedInCa += bytes;
    if (this.bytesAckedInCa >= this.congestionWindow) {
      this.bytesAckedInCa -= this.congestionWindow;
      this.congestionWindow += this.maxDatagramSize;
    }
  }

  /** RFC 9002 §7.3.2 / B.6: ssthresh = cwnd / 2, cwnd = max(ssthresh, kMinimumWindow). */
  protected reduce(_now: number): void {
    this.ssthresh = Math.floor(this.congestionWindow * K_LOSS_REDUCTION_FACTOR);
    this.congestionWindow = Math.max(this.ssthresh, this.minimumWindow);
    this.bytesAckedInCa = 0;
  }

  /** Forget partial growth credit when collapsing the window. */
  protected override onPersistentCongestionReset(): void {
    this.bytesAckedInCa = 0;
  }
}
