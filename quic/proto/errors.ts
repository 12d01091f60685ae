/**
 * QUIC transport error codes (RFC 9000 §20.1) and the typed error every
 * parser and state machine in the core uses.
 * @module
 */

/**
 * Transport error codes of RFC 9000 §20.1. `CRYPTO_ERROR` is the base of the
 * range 0x0100–0x01ff that carries a TLS alert (RFC 9001 §4.8).
 *
 * @example
 * ```ts
 * import { TransportErrorCode } from "@gquic/core/quic";
 * console.log(TransportErrorCode.FRAME_ENCODING_ERROR); // 7
 * ```
 */
export const TransportErrorCode = {
  NO_ERROR: 0x00,
  INTERNAL_ERROR: 0x01,
  CONNECTION_REFUSED: 0x02,
  FLOW_CONTROL_ERROR: 0x03,
  STREAM_LIMIT_ERROR: 0x04,
  STREAM_STATE_ERROR: 0x05,
  FINAL_SIZE_ERROR: 0x06,
  FRAME_ENCODING_ERROR: 0x07,
  TRANSPORT_PARAMETER_ERROR: 0x08,
  CONNECTION_ID_LIMIT_ERROR: 0x09,
  PROTOCOL_VIOLATION: 0x0a,
  INVALID_TOKEN: 0x0b,
  APPLICATION_ERROR: 0x0c,
  CRYPTO_BUFFER_EXCEEDED: 0x0d,
  KEY_UPDATE_ERROR: 0x0e,
  AEAD_LIMIT_REACHED: 0x0f,
  NO_VIABLE_PATH: 0x10,
  CRYPTO_ERROR: 0x100,
  /** RFC 9368 §4: version negotiation failed or was tampered with. */
  VERSION_NEGOTIATION_ERROR: 0x11,
} as const;

/**
 * A transport error code value (a key of {@link TransportErrorCode} or a
 * CRYPTO_ERROR 0x100+alert).
 *
 * @example
 * ```ts
 * import { type TransportErrorCodeValue, TransportErrorCode } from "@gquic/core/quic";
 * const code: TransportErrorCodeValue = TransportErrorCode.PROTOCOL_VIOLATION;
 * console.log(code);
 * ```
 */
export type TransportErrorCodeValue = number;

const NAMES: Map<number, string> = new Map(
  Object.entries(TransportErrorCode).map(([k, v]) => [v, k]),
);

/**
 * The RFC name of a transport error code (`CRYPTO_ERROR(0x128)` for the TLS
 * alert range, `UNKNOWN(0x..)` otherwise).
 *
 * @example
 * ```ts
 * import { transportErrorName } from "@gquic/core/quic";
 * console.log(transportErrorName(0x0a)); // "PROTOCOL_VIOLATION"
 * ```
 */
export function transportErrorName(code: number): string {
  const n = NAMES.get(code);
  if (n !== undefined && code !== 0x100) return n;
  if (code >= 0x100 && code <= 0x1ff) return `CRYPTO_ERROR(0x${code.toString(16)})`;
  return `UNKNOWN(0x${code.toString(16)})`;
}

/**
 * A QUIC transport error with its RFC 9000 §20 code. Everything in the core
 * that rejects peer input throws (internally) or reports (at its API) this
 * type; `frameType` names the frame that caused it when known (RFC 9000
 * §19.19).
 *
 * @example
 * ```ts
 * import { QuicError, TransportErrorCode } from "@gquic/core/quic";
 * const e = new QuicError(TransportErrorCode.FRAME_ENCODING_ERROR, "truncated ACK");
 * console.log(e.code, e.name, e.message);
 * ```
 */
export class QuicError extends Error {
  /** The transport error code (RFC 9000 §20.1). */
  readonly code: number;
  /** The frame type that triggered the error, if known. */
  readonly frameType: number | undefined;

  /**
   * Creates a transport error.
   * @param code transport error code
   * @param message reason phrase (also sent in CONNECTION_CLOSE)
   * @param frameType the offending frame type, if any
   */
  constructor(code: number, message: string, frameType?: number) {
    super(`${transportErrorName(code)}: ${message}`);
    this.name = "QuicError";
    this.code = code;
    this.frameType = frameType;
  }
}
