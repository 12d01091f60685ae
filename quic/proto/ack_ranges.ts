/**
 * Checks on a received ACK frame's ranges before loss recovery trusts them
 * (RFC 9000 §13.1, §19.3), and decoding of its ACK Delay field. The ranges
 * use the `AckFrameContent` layout (ack_tracker.ts): `rangeCount` flattened
 * `[largest, smallest]` pairs in descending order.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";

/** ACK frame type (RFC 9000 §19.3), reported as the offending frame. */
const ACK_FRAME_TYPE = 0x02;

/**
 * Decodes an ACK frame's ACK Delay field into milliseconds (RFC 9000 §19.3:
 * field × 2^ack_delay_exponent microseconds, the exponent being the one the
 * peer advertised, default 3).
 *
 * @example
 * ```ts
 * import { decodeAckDelay } from "@gquic/core/quic";
 * console.log(decodeAckDelay(250, 3)); // 2
 * ```
 */
export function decodeAckDelay(field: number, peerAckDelayExponent: number = 3): number {
  return (field * 2 ** peerAckDelayExponent) / 1000;
}

/**
 * Validates ACK ranges: at least one range, each `smallest ≤ largest`,
 * descending with a gap of at least one packet (else FRAME_ENCODING_ERROR),
 * nothing above `largestSent` and none of the `skipped` packet numbers
 * acknowledged (else PROTOCOL_VIOLATION, RFC 9000 §13.1 / §21.4). Throws
 * `QuicError`; returns nothing.
 *
 * @example
 * ```ts
 * import { QuicError, validateAckRanges } from "@gquic/core/quic";
 * validateAckRanges([9, 7, 3, 0], 2, 9, []); // fine
 * try { validateAckRanges([12, 10], 1, 9, []); } catch (e) { console.log((e as QuicError).code); } // 10
 * ```
 */
export function validateAckRanges(
  ranges: ArrayLike<number>,
  rangeCount: number,
  largestSent: number,
  skipped: readonly number[],
): void {
  if (!(rangeCount >= 1) || ranges.length < 2 * rangeCount) {
    throw new QuicError(
      TransportErrorCode.FRAME_ENCODING_ERROR,
      "ACK without ranges",
      ACK_FRAME_TYPE,
    );
  }
  let prevLo = Infinity;
  for (let r = 0; r < rangeCount; r++) {
    const hi = ranges[2 * r];
    const lo = ranges[2 * r + 1];
    // RFC 9000 §19.3.1: ranges descend, separated by at least one packet.
    if (!(lo >= 0 && lo <= hi) || (r > 0 && hi > prevLo - 2)) {
      throw new QuicError(
        TransportErrorCode.FRAME_ENCODING_ERROR,
        "malformed ACK ranges",
        ACK_FRAME_TYPE,
      );
    }
    prevLo = lo;
  }
  // RFC 9000 §13.1: acknowledging a packet never sent is a PROTOCOL_VIOLATION.
  if (ranges[0] > largestSent) {
    throw new QuicError(
      TransportErrorCode.PROTOCOL_VIOLATION,
      `ACK of unsent packet ${ranges[0]} (largest sent ${largestSent})`,
      ACK_FRAME_TYPE,
    );
  }
  for (let s = 0; s < skipped.length; s++) {
    const pn = skipped[s];
    for (let r = 0; r < rangeCount; r++) {
      if (pn <= ranges[2 * r] && pn >= ranges[2 * r + 1]) {
        throw new QuicError(
          TransportErrorCode.PROTOCOL_VIOLATION,
          `ACK of skipped packet number ${pn}`,
          ACK_FRAME_TYPE,
        );
      }
    }
  }
}
