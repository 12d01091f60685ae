/**
 * QPACK error codes (RFC 9204 §6) and the typed error every QPACK parser and
 * state machine throws. Peer input never produces any other exception type.
 * @module
 */

/**
 * HTTP/3 error codes defined by QPACK (RFC 9204 §6).
 *
 * @example
 * ```ts
 * import { QpackErrorCode } from "@gquic/core/qpack";
 * console.log(QpackErrorCode.QPACK_DECOMPRESSION_FAILED.toString(16)); // 200
 * ```
 */
export const QpackErrorCode = {
  /** The decoder failed to interpret a field section. */
  QPACK_DECOMPRESSION_FAILED: 0x200,
  /** The decoder failed to interpret an encoder instruction. */
  QPACK_ENCODER_STREAM_ERROR: 0x201,
  /** The encoder failed to interpret a decoder instruction. */
  QPACK_DECODER_STREAM_ERROR: 0x202,
} as const;

/**
 * One of the QPACK error code values.
 *
 * @example
 * ```ts
 * import { type QpackErrorCodeValue, QpackErrorCode } from "@gquic/core/qpack";
 * const c: QpackErrorCodeValue = QpackErrorCode.QPACK_ENCODER_STREAM_ERROR;
 * console.log(c); // 513
 * ```
 */
export type QpackErrorCodeValue = typeof QpackErrorCode[keyof typeof QpackErrorCode];

/**
 * A QPACK connection error (RFC 9204 §2.2.3, §6). `code` is the HTTP/3 error
 * code to close the connection with. `fieldSectionTooLarge` marks a field
 * section that exceeded the decoder's size limit (RFC 9114 §4.2.2): HTTP/3 may
 * answer that one with a stream error instead of closing the connection.
 * `streamId` names the stream whose field section failed, when the error
 * comes from decoding one (undefined for encoder/decoder stream errors).
 *
 * @example
 * ```ts
 * import { QpackError, QpackErrorCode } from "@gquic/core/qpack";
 * const e = new QpackError(QpackErrorCode.QPACK_DECOMPRESSION_FAILED, "bad index");
 * console.log(e.code, e.message); // 512 "bad index"
 * ```
 */
export class QpackError extends Error {
  /** The RFC 9204 §6 error code. */
  readonly code: QpackErrorCodeValue;
  /** True when the error is only that a field section exceeded the size limit. */
  readonly fieldSectionTooLarge: boolean;
  /** Stream whose field section failed to decode, if any. */
  readonly streamId: number | undefined;

  /**
   * Creates a QPACK error.
   * @param code RFC 9204 §6 code
   * @param message human-readable reason
   * @param fieldSectionTooLarge set when only the size limit was exceeded
   * @param streamId stream of the field section that failed, if any
   */
  constructor(
    code: QpackErrorCodeValue,
    message: string,
    fieldSectionTooLarge = false,
    streamId?: number,
  ) {
    super(message);
    this.name = "QpackError";
    this.code = code;
    this.fieldSectionTooLarge = fieldSectionTooLarge;
    this.streamId = streamId;
  }
}

/** Shorthand for a QPACK_DECOMPRESSION_FAILED error. */
export function decompressionFailed(message: string): QpackError {
  return new QpackError(QpackErrorCode.QPACK_DECOMPRESSION_FAILED, message);
}

/** Shorthand for a QPACK_ENCODER_STREAM_ERROR error. */
export function encoderStreamError(message: string): QpackError {
  return new QpackError(QpackErrorCode.QPACK_ENCODER_STREAM_ERROR, message);
}

/** Shorthand for a QPACK_DECODER_STREAM_ERROR error. */
export function decoderStreamError(message: string): QpackError {
  return new QpackError(QpackErrorCode.QPACK_DECODER_STREAM_ERROR, message);
}
