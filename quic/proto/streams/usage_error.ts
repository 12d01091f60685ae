/**
 * The error thrown when the local application misuses a stream (writes after
 * finishing, reads a reset stream...). Unlike {@link QuicError} it is not a
 * protocol violation by the peer and never closes the connection.
 * @module
 */

/**
 * A local API misuse on a stream.
 *
 * @example
 * ```ts
 * import { StreamUsageError } from "@gquic/core/quic";
 * const e = new StreamUsageError("write after finish");
 * console.log(e.name); // "StreamUsageError"
 * ```
 */
export class StreamUsageError extends Error {
  /**
   * Creates the error.
   * @param message what was misused
   */
  constructor(message: string) {
    super(message);
    this.name = "StreamUsageError";
  }
}
