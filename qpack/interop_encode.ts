/**
 * Encodes header lists into the offline interop file format with
 * {@link QpackEncoder}, simulating the peer's acknowledgements the way the
 * IETF interop runs did. Sans-IO.
 * @module
 */
import { QpackDecoder } from "./decoder.ts";
import { QpackEncoder } from "./encoder.ts";
import type { FieldLine } from "./field_line.ts";
import { type InteropFrame, serializeInteropFrames } from "./interop_format.ts";

/**
 * Settings for {@link encodeInteropFile}.
 *
 * @example
 * ```ts
 * import type { InteropEncodeOptions } from "@gquic/core/qpack";
 * const o: InteropEncodeOptions = { maxTableCapacity: 4096, maxBlockedStreams: 100, ack: "immediate" };
 * console.log(o.ack);
 * ```
 */
export interface InteropEncodeOptions {
  /** Peer's SETTINGS_QPACK_MAX_TABLE_CAPACITY. */
  maxTableCapacity: number;
  /** Peer's SETTINGS_QPACK_BLOCKED_STREAMS. */
  maxBlockedStreams: number;
  /**
   * "immediate": after each section a decoder processes everything and its
   * decoder-stream output is fed back; "none": the encoder never hears back.
   */
  ack: "immediate" | "none";
  /** Field names sent never-indexed (default: the encoder's default set). */
  sensitiveNames?: Iterable<string>;
}

/**
 * Encodes header lists as an interop file: stream IDs 1..N in list order,
 * stream 0 carrying encoder-stream bytes written before the section that
 * needs them.
 *
 * @example
 * ```ts
 * import { encodeInteropFile } from "@gquic/core/qpack";
 * const file = encodeInteropFile([[{ name: ":method", value: "GET" }]], {
 *   maxTableCapacity: 0, maxBlockedStreams: 0, ack: "none",
 * });
 * console.log(file.length); // 15
 * ```
 */
export function encodeInteropFile(
  lists: readonly (readonly FieldLine[])[],
  options: InteropEncodeOptions,
): Uint8Array {
  const encoder = new QpackEncoder({
    maxTableCapacity: options.maxTableCapacity,
    maxBlockedStreams: options.maxBlockedStreams,
    sensitiveNames: options.sensitiveNames,
    // The encoder is told what the run simulates (ack 0: never acknowledged).
    peerAcknowledges: options.ack === "immediate",
  });
  const decoder = options.ack === "immediate"
    ? new QpackDecoder({
      maxTableCapacity: options.maxTableCapacity,
      maxBlockedStreams: options.maxBlockedStreams,
    })
    : null;
  const frames: InteropFrame[] = [];
  let streamId = 1;
  for (const list of lists) {
    const section = encoder.encodeFieldSection(streamId, list);
    const instructions = encoder.readEncoderStream();
    if (instructions.length > 0) frames.push({ streamId: 0, data: instructions });
    frames.push({ streamId, data: section });
    if (decoder !== null) {
      decoder.receiveEncoderStream(instructions);
      decoder.decodeFieldSection(streamId, section);
      encoder.receiveDecoderStream(decoder.readDecoderStream());
    }
    streamId++;
  }
  return serializeInteropFrames(frames);
}
