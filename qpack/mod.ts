/**
 * gquic QPACK (RFC 9204): a complete, sans-IO encoder and decoder with the
 * dynamic table, blocked streams, encoder and decoder streams, Huffman coding,
 * and the offline interop file formats.
 *
 * @example
 * ```ts
 * import { QpackDecoder, QpackEncoder } from "@gquic/core/qpack";
 * const enc = new QpackEncoder({ maxTableCapacity: 4096, maxBlockedStreams: 16 });
 * const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 16 });
 * const section = enc.encodeFieldSection(0, [{ name: ":status", value: "200" }]);
 * dec.receiveEncoderStream(enc.readEncoderStream()); // encoder stream bytes
 * console.log(dec.decodeFieldSection(0, section)); // [ { name: ":status", value: "200" } ]
 * enc.receiveDecoderStream(dec.readDecoderStream()); // decoder stream bytes
 * ```
 * @module
 */
export { QpackError, QpackErrorCode, type QpackErrorCodeValue } from "./errors.ts";
export type { FieldLine } from "./field_line.ts";
export { QpackDecoder, type QpackDecoderOptions, type UnblockedSection } from "./decoder.ts";
export { QpackEncoder, type QpackEncoderOptions } from "./encoder.ts";
export { STATIC_TABLE } from "./static_table.ts";
export { DynamicTable } from "./dynamic_table.ts";
export {
  type InteropFrame,
  parseInteropFrames,
  parseQif,
  serializeInteropFrames,
  serializeQif,
} from "./interop_format.ts";
export { decodeInteropFile, type InteropDecodeOptions } from "./interop_decode.ts";
export { encodeInteropFile, type InteropEncodeOptions } from "./interop_encode.ts";
