/**
 * The receiving part's states (RFC 9000 §3.2, Figure 3) and options: what
 * `RecvStream` users name without needing the state machine.
 * @module
 */
import type { RecvWindow, RecvWindowOptions } from "./flow_control.ts";

/**
 * Receiving-part states (RFC 9000 §3.2, Figure 3).
 *
 * @example
 * ```ts
 * import { RecvStreamState } from "@gquic/core/quic";
 * console.log(RecvStreamState.SizeKnown); // "SizeKnown"
 * ```
 */
export const RecvStreamState = {
  Recv: "Recv",
  SizeKnown: "SizeKnown",
  DataRecvd: "DataRecvd",
  ResetRecvd: "ResetRecvd",
  DataRead: "DataRead",
  ResetRead: "ResetRead",
} as const;

/**
 * One of the {@link RecvStreamState} values.
 *
 * @example
 * ```ts
 * import { type RecvStreamStateValue, RecvStreamState } from "@gquic/core/quic";
 * const s: RecvStreamStateValue = RecvStreamState.Recv;
 * console.log(s);
 * ```
 */
export type RecvStreamStateValue = typeof RecvStreamState[keyof typeof RecvStreamState];

/**
 * Options of a `RecvStream`.
 *
 * @example
 * ```ts
 * import { RecvWindow, type RecvStreamOptions } from "@gquic/core/quic";
 * const o: RecvStreamOptions = {
 *   connWindow: new RecvWindow({ initialWindow: 1 << 20 }),
 *   window: { initialWindow: 1 << 16 },
 * };
 * console.log(o.window.initialWindow);
 * ```
 */
export interface RecvStreamOptions {
  /** Connection-level receive window (our MAX_DATA), shared by all streams. */
  connWindow: RecvWindow;
  /** This stream's window: our initial_max_stream_data_* and auto-tuning bounds. */
  window: RecvWindowOptions;
  /** Maximum reassembly gaps (default 1024). */
  maxRanges?: number;
  /** Connection window kept at least this multiple of a stream window (default 1.5). */
  connWindowRatio?: number;
}
