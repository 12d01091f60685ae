/**
 * The field line type shared by the QPACK encoder and decoder.
 * @module
 */

/**
 * One field line. Names and values are byte strings (one char per octet).
 * `neverIndex` is the N bit (RFC 9204 §4.5.4): on decode it reports that
 * the peer asked for the field never to be indexed; on encode it forces a
 * never-indexed literal (RFC 9204 §7.1.3).
 *
 * @example
 * ```ts
 * import type { FieldLine } from "@gquic/core/qpack";
 * const f: FieldLine = { name: "authorization", value: "secret", neverIndex: true };
 * console.log(f.name);
 * ```
 */
export interface FieldLine {
  /** Field name (lower case in HTTP/3). */
  name: string;
  /** Field value. */
  value: string;
  /** Literal that must never be indexed (the N bit). */
  neverIndex?: boolean;
}
