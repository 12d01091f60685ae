/**
 * gquic HTTP/3 protocol layer (RFC 9114), sans-IO: frames, settings, stream
 * types, message validation, and the {@link H3Connection} state machine for
 * both roles, with QPACK (RFC 9204), server push, GOAWAY, GREASE, extended
 * CONNECT (RFC 9220) and PRIORITY_UPDATE (RFC 9218). It reads and writes
 * stream bytes through an {@link H3Transport}; `serve()`/`fetch()` glue it
 * onto QUIC streams.
 *
 * @example
 * ```ts
 * import { H3Connection, type H3Transport } from "@gquic/core/http3";
 * const sent: Uint8Array[] = [];
 * let uni = 3;
 * const transport: H3Transport = {
 *   openUniStream: () => (uni += 4) - 4, openBidiStream: () => null,
 *   write: (_id, data) => void sent.push(data),
 *   resetStream: () => {}, stopSending: () => {}, closeConnection: () => {},
 * };
 * const server = new H3Connection({ role: "server", transport, grease: false });
 * server.start(); // control stream with SETTINGS, QPACK streams
 * console.log(sent.length, server.pollEvent()); // 3 undefined
 * ```
 * @module
 */
export {
  connectionError,
  H3Error,
  H3ErrorCode,
  type H3ErrorCodeValue,
  h3ErrorName,
  type H3ErrorScope,
  streamError,
} from "./errors.ts";
export {
  decodeIdPayload,
  decodePriorityUpdatePayload,
  decodePushPromisePayload,
  encodeCancelPushFrame,
  encodeFrame,
  encodeFrameHeader,
  encodeGoawayFrame,
  encodeHeadersFrame,
  encodeMaxPushIdFrame,
  encodePriorityUpdateFrame,
  encodePushPromiseFrame,
  FrameReader,
  type FrameReaderLimits,
  FrameType,
  greaseId,
  isGreaseId,
  isHttp2OnlyFrameType,
  type ReadFrame,
} from "./frames.ts";
export {
  decodeSettingsPayload,
  encodeSettingsFrame,
  encodeSettingsPayload,
  type H3Settings,
  isGreaseSetting,
  SettingId,
} from "./settings.ts";
export {
  classifyStreamType,
  encodeStreamPreface,
  isGreaseStreamType,
  PrefaceReader,
  StreamType,
} from "./stream_types.ts";
export {
  fieldSectionSize,
  isValidFieldName,
  isValidFieldValue,
  type RequestHead,
  type RequestValidationOptions,
  responseHasContent,
  type ResponseHead,
  validateRequestHeaders,
  validateResponseHeaders,
  validateTrailers,
} from "./message.ts";
export type { H3Event, H3Transport } from "./events.ts";
export type { FieldLine } from "../../qpack/field_line.ts";
export { H3Connection, type H3ConnectionOptions } from "./connection.ts";
