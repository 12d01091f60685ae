/**
 * Decodes a whole offline interop file with {@link QpackDecoder}: stream 0
 * feeds the encoder stream, other frames are field sections, and the header
 * lists come back sorted by stream ID (the QIF order). Sans-IO.
 * @module
 */
import { QpackDecoder } from "./decoder.ts";
import { decompressionFailed, encoderStreamError } from "./errors.ts";
import type { FieldLine } from "./field_line.ts";
import { parseInteropFrames } from "./interop_format.ts";

/**
 * Settings for {@link decodeInteropFile}.
 *
 * @example
 * ```ts
 * import type { InteropDecodeOptions } from "@gquic/core/qpack";
 * const o: InteropDecodeOptions = { maxTableCapacity: 4096, maxBlockedStreams: 100 };
 * console.log(o.maxBlockedStreams);
 * ```
 */
export interface InteropDecodeOptions {
  /** SETTINGS_QPACK_MAX_TABLE_CAPACITY. */
  maxTableCapacity: number;
  /** SETTINGS_QPACK_BLOCKED_STREAMS. */
  maxBlockedStreams: number;
  /** Start with this table capacity (pre-RFC files); default 0 as in RFC 9204. */
  initialTableCapacity?: number;
}

/**
 * Decodes an encoded interop file into header lists in stream-ID order.
 * Throws `QpackError` for QPACK errors (including a section still blocked or
 * an instruction left half-parsed at the end) and `SyntaxError` for bad
 * framing.
 *
 * @example
 * ```ts
 * import { decodeInteropFile } from "@gquic/core/qpack";
 * const file = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0xd1);
 * console.log(decodeInteropFile(file, { maxTableCapacity: 0, maxBlockedStreams: 0 }));
 * // [ [ { name: ":method", value: "GET" } ] ]
 * ```
 */
export function decodeInteropFile(file: Uint8Array, options: InteropDecodeOptions): FieldLine[][] {
  const decoder = new QpackDecoder(options);
  const sections = new Map<number, FieldLine[]>();
  for (const frame of parseInteropFrames(file)) {
    if (frame.streamId === 0) {
      for (const u of decoder.receiveEncoderStream(frame.data)) {
        if (u.error !== undefined) throw u.error; // any failure fails the file
        sections.set(u.streamId, u.fields);
      }
    } else {
      if (sections.has(frame.streamId)) {
        throw new SyntaxError(`stream ${frame.streamId} appears twice`);
      }
      const fields = decoder.decodeFieldSection(frame.streamId, frame.data);
      if (fields !== null) sections.set(frame.streamId, fields);
    }
    decoder.readDecoderStream(); // no peer encoder to tell; discard
  }
  if (decoder.hasPartialInstruction) {
    throw encoderStreamError("encoder stream ends mid-instruction");
  }
  if (decoder.blockedStreams > 0) throw decompressionFailed("field sections still blocked at end");
  return [...sections.keys()].sort((a, b) => a - b).map((id) => sections.get(id)!);
}
