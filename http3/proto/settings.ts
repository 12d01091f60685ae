/**
 * HTTP/3 SETTINGS (RFC 9114 §7.2.4): identifiers, the typed settings record,
 * payload encoding and the validation rules of §7.2.4.1 (duplicates and the
 * HTTP/2-only identifiers are H3_SETTINGS_ERROR).
 * @module
 */
import { connectionError, H3ErrorCode } from "./errors.ts";
import { encodeFrame, FrameType, isGreaseId } from "./frames.ts";
import { h3VarIntLength, PayloadReader, writeH3VarInt } from "./varint.ts";

/**
 * Setting identifiers (RFC 9114 §7.2.4.1, RFC 9204 §5, RFC 9220 §5, RFC 9297 §2.1.1).
 *
 * @example
 * ```ts
 * import { SettingId } from "@gquic/core/http3";
 * console.log(SettingId.H3_DATAGRAM); // 51
 * ```
 */
export const SettingId = {
  /** RFC 9204 §5 */
  QPACK_MAX_TABLE_CAPACITY: 0x1,
  /** RFC 9114 §7.2.4.1 */
  MAX_FIELD_SECTION_SIZE: 0x6,
  /** RFC 9204 §5 */
  QPACK_BLOCKED_STREAMS: 0x7,
  /** RFC 9220 §5 */
  ENABLE_CONNECT_PROTOCOL: 0x8,
  /** RFC 9297 §2.1.1 */
  H3_DATAGRAM: 0x33,
} as const;

// RFC 9114 §7.2.4.1, §11.2.2: identifiers reserved because HTTP/2 used them.
const HTTP2_SETTINGS = new Set([0x0, 0x2, 0x3, 0x4, 0x5]);

/**
 * Decoded HTTP/3 settings. Absent settings take their RFC defaults:
 * unlimited field section size, QPACK capacity 0, 0 blocked streams,
 * extensions off.
 *
 * @example
 * ```ts
 * import type { H3Settings } from "@gquic/core/http3";
 * const s: H3Settings = { qpackMaxTableCapacity: 4096, qpackBlockedStreams: 16 };
 * console.log(s.qpackMaxTableCapacity);
 * ```
 */
export interface H3Settings {
  /** SETTINGS_MAX_FIELD_SECTION_SIZE; `undefined` = unlimited (RFC 9114 §4.2.2). */
  maxFieldSectionSize?: number;
  /** SETTINGS_QPACK_MAX_TABLE_CAPACITY (default 0). */
  qpackMaxTableCapacity?: number;
  /** SETTINGS_QPACK_BLOCKED_STREAMS (default 0). */
  qpackBlockedStreams?: number;
  /** SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 9220). */
  enableConnectProtocol?: boolean;
  /** SETTINGS_H3_DATAGRAM = 1 (RFC 9297). */
  h3Datagram?: boolean;
  /** Other (unknown or GREASE) settings: id → value. Ignored on receipt (§7.2.4). */
  other?: Map<number, number>;
}

/**
 * Encodes settings as a SETTINGS payload (RFC 9114 §7.2.4). Settings at
 * their default are still written when set explicitly.
 *
 * @example
 * ```ts
 * import { decodeSettingsPayload, encodeSettingsPayload } from "@gquic/core/http3";
 * const p = encodeSettingsPayload({ qpackMaxTableCapacity: 4096, enableConnectProtocol: true });
 * console.log(decodeSettingsPayload(p).qpackMaxTableCapacity); // 4096
 * ```
 */
export function encodeSettingsPayload(s: H3Settings): Uint8Array {
  const pairs: [number, number][] = [];
  if (s.qpackMaxTableCapacity !== undefined) {
    pairs.push([SettingId.QPACK_MAX_TABLE_CAPACITY, s.qpackMaxTableCapacity]);
  }
  if (s.maxFieldSectionSize !== undefined) {
    pairs.push([SettingId.MAX_FIELD_SECTION_SIZE, s.maxFieldSectionSize]);
  }
  if (s.qpackBlockedStreams !== undefined) {
    pairs.push([SettingId.QPACK_BLOCKED_STREAMS, s.qpackBlockedStreams]);
  }
  if (s.enableConnectProtocol !== undefined) {
    pairs.push([SettingId.ENABLE_CONNECT_PROTOCOL, s.enableConnectProtocol ? 1 : 0]);
  }
  if (s.h3Datagram !== undefined) pairs.push([SettingId.H3_DATAGRAM, s.h3Datagram ? 1 : 0]);
  if (s.other) { for (const [id, v] of s.other) pairs.push([id, v]); }
  let n = 0;
  for (const [id, v] of pairs) n += h3VarIntLength(id) + h3VarIntLength(v);
  const out = new Uint8Array(n);
  let off = 0;
  for (const [id, v] of pairs) off = writeH3VarInt(out, writeH3VarInt(out, off, id), v);
  return out;
}

/**
 * Encodes a whole SETTINGS frame.
 *
 * @example
 * ```ts
 * import { encodeSettingsFrame } from "@gquic/core/http3";
 * console.log(encodeSettingsFrame({ qpackBlockedStreams: 10 })); // Uint8Array [4, 2, 7, 10]
 * ```
 */
export function encodeSettingsFrame(s: H3Settings): Uint8Array {
  return encodeFrame(FrameType.SETTINGS, encodeSettingsPayload(s));
}

/**
 * Decodes and validates a SETTINGS payload (RFC 9114 §7.2.4, §7.2.4.1).
 * Throws H3_SETTINGS_ERROR for a duplicate identifier, an HTTP/2-only
 * identifier, or a boolean setting other than 0/1 (RFC 9220 §3, RFC 9297
 * §2.1.1); H3_FRAME_ERROR for a truncated payload. Unknown and GREASE
 * identifiers go to `other` (at most `maxOther` of them are kept).
 *
 * @example
 * ```ts
 * import { decodeSettingsPayload } from "@gquic/core/http3";
 * console.log(decodeSettingsPayload(Uint8Array.of(0x06, 0x44, 0x00)).maxFieldSectionSize); // 1024
 * ```
 */
export function decodeSettingsPayload(payload: Uint8Array, maxOther = 64): H3Settings {
  const r = new PayloadReader(payload, "SETTINGS");
  const seen = new Set<number>();
  const s: H3Settings = {};
  while (r.remaining > 0) {
    const id = r.varint();
    const value = r.varint();
    if (seen.has(id)) {
      throw connectionError(
        H3ErrorCode.H3_SETTINGS_ERROR,
        `duplicate setting 0x${id.toString(16)}`,
      );
    }
    seen.add(id);
    if (HTTP2_SETTINGS.has(id)) {
      throw connectionError(
        H3ErrorCode.H3_SETTINGS_ERROR,
        `HTTP/2 setting 0x${id.toString(16)} in HTTP/3 SETTINGS`,
      );
    }
    switch (id) {
      case SettingId.QPACK_MAX_TABLE_CAPACITY:
        s.qpackMaxTableCapacity = value;
        break;
      case SettingId.MAX_FIELD_SECTION_SIZE:
        s.maxFieldSectionSize = value;
        break;
      case SettingId.QPACK_BLOCKED_STREAMS:
        s.qpackBlockedStreams = value;
        break;
      case SettingId.ENABLE_CONNECT_PROTOCOL:
        s.enableConnectProtocol = booleanSetting(id, value);
        break;
      case SettingId.H3_DATAGRAM:
        s.h3Datagram = booleanSetting(id, value);
        break;
      default:
        // RFC 9114 §7.2.4: unknown identifiers MUST be ignored; keep a few
        // for diagnostics without letting a peer grow memory.
        s.other ??= new Map();
        if (s.other.size < maxOther) s.other.set(id, value);
    }
  }
  return s;
}

function booleanSetting(id: number, value: number): boolean {
  if (value > 1) {
    throw connectionError(
      H3ErrorCode.H3_SETTINGS_ERROR,
      `setting 0x${id.toString(16)} must be 0 or 1, got ${value}`,
    );
  }
  return value === 1;
}

/**
 * True when `id` is a reserved GREASE setting identifier (RFC 9114 §7.2.4.1).
 *
 * @example
 * ```ts
 * import { isGreaseSetting } from "@gquic/core/http3";
 * console.log(isGreaseSetting(0x21)); // true
 * ```
 */
export function isGreaseSetting(id: number): boolean {
  return isGreaseId(id);
}
