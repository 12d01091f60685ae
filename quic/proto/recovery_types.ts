/**
 * Constants, options and result types of loss recovery (RFC 9002 §6,
 * Appendix A), shared by `recovery.ts` and its callers.
 * @module
 */
import type { CongestionControlAlgorithm, CongestionController } from "./congestion/controller.ts";
import type { PacketNumberSpaceValue } from "./sent_packets.ts";
import type { RttEstimator } from "./rtt.ts";

/** kPacketThreshold (RFC 9002 §6.1.1): 3. */
export const K_PACKET_THRESHOLD = 3;
/** kTimeThreshold (RFC 9002 §6.1.2): 9/8. */
export const K_TIME_THRESHOLD = 9 / 8;

/**
 * Options of {@link LossRecovery}.
 *
 * @example
 * ```ts
 * import type { LossRecoveryOptions } from "@gquic/core/quic";
 * const o: LossRecoveryOptions<number[]> = { isServer: false, congestionControl: "cubic" };
 * console.log(o.isServer);
 * ```
 */
export interface LossRecoveryOptions<F> {
  /** True for a server (servers consider the client's address validation done, A.6). */
  isServer: boolean;
  /** Controller instance or name (default "newreno"). */
  congestionControl?: CongestionController | CongestionControlAlgorithm;
  /** max_datagram_size for a controller created by name (default 1200). */
  maxDatagramSize?: number;
  /** RTT estimator to share; by default one is created with `initialRtt`. */
  rtt?: RttEstimator;
  /** kInitialRtt in ms (default 333, RFC 9002 §6.2.2). */
  initialRtt?: number;
  /** The peer's max_ack_delay in ms (default 25 until transport parameters arrive). */
  maxAckDelay?: number;
  /** kPacketThreshold (default 3; RFC 9002 §6.1.1 says not below 3). */
  packetThreshold?: number;
  /** kTimeThreshold (default 9/8). */
  timeThreshold?: number;
  /** Ack-eliciting probe packets per PTO (1 or 2, default 2; RFC 9002 §6.2.4). */
  ptoProbes?: number;
  /** Called for every newly acknowledged packet (its frames are delivered). */
  onPacketAcked?: PacketCallback<F>;
  /** Called for every packet declared lost (re-queue its frames). */
  onPacketLost?: PacketCallback<F>;
}

/**
 * Callback for an acknowledged or lost packet: the space, packet number,
 * the payload given to {@link LossRecovery.onPacketSent}, size and send time.
 *
 * @example
 * ```ts
 * import type { PacketCallback } from "@gquic/core/quic";
 * const requeue: PacketCallback<string[]> = (_space, pn, frames) => console.log(pn, frames);
 * requeue(2, 7, ["STREAM 4"], 1200, 0);
 * ```
 */
export type PacketCallback<F> = (
  space: PacketNumberSpaceValue,
  pn: number,
  frames: F | undefined,
  size: number,
  timeSent: number,
) => void;

/**
 * What {@link LossRecovery.onLossDetectionTimeout} asks the caller to do.
 * The object is reused between calls.
 *
 * @example
 * ```ts
 * import type { LossTimeoutAction } from "@gquic/core/quic";
 * const a: LossTimeoutAction = { kind: "pto", space: 0, probes: 1, antiDeadlock: true };
 * console.log(a.kind);
 * ```
 */
export interface LossTimeoutAction {
  /**
   * "none": the timer had not expired (or nothing to do); "loss": packets
   * were declared lost by the time threshold (already reported through
   * `onPacketLost`); "pto": send `probes` ack-eliciting packets in `space`.
   */
  kind: "none" | "loss" | "pto";
  /** The space concerned. */
  space: PacketNumberSpaceValue;
  /** Probe packets to send (0 unless "pto"). */
  probes: number;
  /**
   * Client anti-deadlock probe (RFC 9002 §6.2.2.1): nothing is in flight;
   * send a Handshake packet, or an Initial padded to at least 1200 bytes.
   */
  antiDeadlock: boolean;
}
