/**
 * Congestion controller selection by name ("newreno" | "cubic").
 * @module
 */
import { QuicError, TransportErrorCode } from "../errors.ts";
import type {
  CongestionControlAlgorithm,
  CongestionController,
  CongestionControllerOptions,
} from "./controller.ts";
import { NewReno } from "./new_reno.ts";
import { Cubic } from "./cubic.ts";

/**
 * Creates a congestion controller by name.
 *
 * @example
 * ```ts
 * import { createCongestionController } from "@gquic/core/quic";
 * const cc = createCongestionController("cubic", { maxDatagramSize: 1452 });
 * console.log(cc.name, cc.congestionWindow); // cubic 14520
 * ```
 */
export function createCongestionController(
  name: CongestionControlAlgorithm,
  opts: CongestionControllerOptions = {},
): CongestionController {
  if (name === "cubic") return new Cubic(opts);
  if (name === "newreno") return new NewReno(opts);
  throw new QuicError(TransportErrorCode.INTERNAL_ERROR, `unknown congestion controller ${name}`);
}
