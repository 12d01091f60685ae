/**
 * HTTP/3 error codes (RFC 9114 §8.1) and the typed error every HTTP/3 parser
 * and state machine throws. Peer input never produces any other exception
 * type from this layer (QPACK input produces `QpackError`).
 * @module
 */

/**
 * HTTP/3 error codes (RFC 9114 §8.1).
 *
 * @example
 * ```ts
 * import { H3ErrorCode } from "@gquic/core/http3";
 * console.log(H3ErrorCode.H3_MESSAGE_ERROR.toString(16)); // 10e
 * ```
 */
export const H3ErrorCode = {
  /** No error; used when closing the connection or a stream without error. */
  H3_NO_ERROR: 0x100,
  /** Peer violated the protocol in a way without a more specific code. */
  H3_GENERAL_PROTOCOL_ERROR: 0x101,
  /** An internal error in the HTTP stack. */
  H3_INTERNAL_ERROR: 0x102,
  /** The peer created a stream that will not be accepted. */
  H3_STREAM_CREATION_ERROR: 0x103,
  /** A stream required by the connection was closed or reset. */
  H3_CLOSED_CRITICAL_STREAM: 0x104,
  /** A frame was received that is not permitted in the current state or stream. */
  H3_FRAME_UNEXPECTED: 0x105,
  /** A frame fails layout requirements or has an invalid size. */
  H3_FRAME_ERROR: 0x106,
  /** The peer is generating excessive load. */
  H3_EXCESSIVE_LOAD: 0x107,
  /** A stream ID or push ID was used incorrectly. */
  H3_ID_ERROR: 0x108,
  /** A SETTINGS frame contained an error. */
  H3_SETTINGS_ERROR: 0x109,
  /** No SETTINGS frame was received at the start of the control stream. */
  H3_MISSING_SETTINGS: 0x10a,
  /** A server rejected a request without performing any processing. */
  H3_REQUEST_REJECTED: 0x10b,
  /** The request or its response (including pushed response) is cancelled. */
  H3_REQUEST_CANCELLED: 0x10c,
  /** The client's stream terminated without a fully formed request. */
  H3_REQUEST_INCOMPLETE: 0x10d,
  /** An HTTP message was malformed and cannot be processed. */
  H3_MESSAGE_ERROR: 0x10e,
  /** The TCP connection established for a CONNECT request was reset or closed. */
  H3_CONNECT_ERROR: 0x10f,
  /** The requested operation cannot be served over HTTP/3; retry over HTTP/1.1. */
  H3_VERSION_FALLBACK: 0x110,
} as const;

/**
 * One of the RFC 9114 §8.1 error code values.
 *
 * @example
 * ```ts
 * import { H3ErrorCode, type H3ErrorCodeValue } from "@gquic/core/http3";
 * const c: H3ErrorCodeValue = H3ErrorCode.H3_ID_ERROR;
 * console.log(c); // 264
 * ```
 */
export type H3ErrorCodeValue = typeof H3ErrorCode[keyof typeof H3ErrorCode];

/**
 * Whether an error ends one stream (RFC 9114 §8: "stream error") or the
 * whole connection ("connection error").
 *
 * @example
 * ```ts
 * import type { H3ErrorScope } from "@gquic/core/http3";
 * const s: H3ErrorScope = "stream";
 * console.log(s);
 * ```
 */
export type H3ErrorScope = "stream" | "connection";

/**
 * An HTTP/3 error: the RFC 9114 §8.1 code (or any application code: QPACK's
 * 0x200 range, extension codes) and whether it is a stream or a connection
 * error.
 *
 * @example
 * ```ts
 * import { H3Error, H3ErrorCode } from "@gquic/core/http3";
 * const e = new H3Error(H3ErrorCode.H3_FRAME_UNEXPECTED, "DATA before HEADERS");
 * console.log(e.code, e.scope); // 261 "connection"
 * ```
 */
export class H3Error extends Error {
  /** The error code to send (RFC 9114 §8.1). */
  readonly code: number;
  /** Stream or connection error. */
  readonly scope: H3ErrorScope;

  /**
   * Creates an HTTP/3 error.
   * @param code RFC 9114 §8.1 code
   * @param message human-readable reason
   * @param scope "connection" (default) or "stream"
   */
  constructor(code: number, message: string, scope: H3ErrorScope = "connection") {
    super(message);
    this.name = "H3Error";
    this.code = code;
    this.scope = scope;
  }
}

/**
 * Shorthand for a connection error.
 *
 * @example
 * ```ts
 * import { connectionError, H3ErrorCode } from "@gquic/core/http3";
 * console.log(connectionError(H3ErrorCode.H3_ID_ERROR, "bad id").scope); // "connection"
 * ```
 */
export function connectionError(code: number, message: string): H3Error {
  return new H3Error(code, message, "connection");
}

/**
 * Shorthand for a stream error.
 *
 * @example
 * ```ts
 * import { H3ErrorCode, streamError } from "@gquic/core/http3";
 * console.log(streamError(H3ErrorCode.H3_MESSAGE_ERROR, "bad field").scope); // "stream"
 * ```
 */
export function streamError(code: number, message: string): H3Error {
  return new H3Error(code, message, "stream");
}

/**
 * Name of a known HTTP/3 or QPACK error code, or its hex value.
 *
 * @example
 * ```ts
 * import { h3ErrorName } from "@gquic/core/http3";
 * console.log(h3ErrorName(0x10c)); // "H3_REQUEST_CANCELLED"
 * ```
 */
export function h3ErrorName(code: number): string {
  for (const [k, v] of Object.entries(H3ErrorCode)) if (v === code) return k;
  if (code === 0x200) return "QPACK_DECOMPRESSION_FAILED";
  if (code === 0x201) return "QPACK_ENCODER_STREAM_ERROR";
  if (code === 0x202) return "QPACK_DECODER_STREAM_ERROR";
  return `0x${code.toString(16)}`;
}
