/**
 * HTTP/3 frames (RFC 9114 §7): type codes, encoders, payload decoders, and
 * {@link FrameReader}, an incremental parser that accepts stream bytes split
 * anywhere. Non-DATA frames are buffered up to a limit; DATA payloads are
 * streamed through as sub-arrays of the input (never copied or buffered);
 * unknown and reserved frame types are skipped without buffering (§9).
 * @module
 */
import { connectionError, H3Error, H3ErrorCode, type H3ErrorScope } from "./errors.ts";
import {
  h3VarIntLength,
  PayloadReader,
  varIntAt,
  varIntLengthOf,
  writeH3VarInt,
} from "./varint.ts";

/**
 * Frame types (RFC 9114 §7.2, §11.2.1; RFC 9218 §7.1 for PRIORITY_UPDATE).
 *
 * @example
 * ```ts
 * import { FrameType } from "@gquic/core/http3";
 * console.log(FrameType.SETTINGS); // 4
 * ```
 */
export const FrameType = {
  /** RFC 9114 §7.2.1 */
  DATA: 0x0,
  /** RFC 9114 §7.2.2 */
  HEADERS: 0x1,
  /** RFC 9114 §7.2.3 */
  CANCEL_PUSH: 0x3,
  /** RFC 9114 §7.2.4 */
  SETTINGS: 0x4,
  /** RFC 9114 §7.2.5 */
  PUSH_PROMISE: 0x5,
  /** RFC 9114 §7.2.6 */
  GOAWAY: 0x7,
  /** RFC 9114 §7.2.7 */
  MAX_PUSH_ID: 0xd,
  /** RFC 9218 §7.1, request-stream variant */
  PRIORITY_UPDATE_REQUEST: 0xf0700,
  /** RFC 9218 §7.1, push-stream variant */
  PRIORITY_UPDATE_PUSH: 0xf0701,
} as const;

// RFC 9114 §7.2.8 / §11.2.1: HTTP/2 frame types with no HTTP/3 meaning
// (PRIORITY 0x2, PING 0x6, WINDOW_UPDATE 0x8, CONTINUATION 0x9).
const HTTP2_ONLY = new Set([0x2, 0x6, 0x8, 0x9]);

/**
 * True for the frame types reserved for HTTP/2 only (0x2, 0x6, 0x8, 0x9):
 * receiving one is a connection error H3_FRAME_UNEXPECTED (RFC 9114 §7.2.8).
 *
 * @example
 * ```ts
 * import { isHttp2OnlyFrameType } from "@gquic/core/http3";
 * console.log(isHttp2OnlyFrameType(0x9)); // true
 * ```
 */
export function isHttp2OnlyFrameType(type: number): boolean {
  return HTTP2_ONLY.has(type);
}

/**
 * True for a reserved GREASE identifier 0x1f * N + 0x21 (RFC 9114 §7.2.8,
 * §6.2.3, §7.2.4.1 use the same pattern for frames, stream types and settings).
 *
 * @example
 * ```ts
 * import { isGreaseId } from "@gquic/core/http3";
 * console.log(isGreaseId(0x21), isGreaseId(0x40), isGreaseId(0x41)); // true true false
 * ```
 */
export function isGreaseId(id: number): boolean {
  if (id < 0x21) return false;
  if (id <= Number.MAX_SAFE_INTEGER) return (id - 0x21) % 0x1f === 0;
  return false; // beyond exact arithmetic: treat as merely unknown
}

/**
 * The N-th GREASE identifier, 0x1f * N + 0x21, for N up to 2^48 so the value
 * stays exact (RFC 9114 §7.2.8).
 *
 * @example
 * ```ts
 * import { greaseId } from "@gquic/core/http3";
 * console.log(greaseId(0).toString(16), greaseId(1).toString(16)); // 21 40
 * ```
 */
export function greaseId(n: number): number {
  return 0x1f * n + 0x21;
}

/** True for the frame types this implementation understands. */
function isKnownFrameType(type: number): boolean {
  return type === FrameType.DATA || type === FrameType.HEADERS ||
    type === FrameType.CANCEL_PUSH || type === FrameType.SETTINGS ||
    type === FrameType.PUSH_PROMISE || type === FrameType.GOAWAY ||
    type === FrameType.MAX_PUSH_ID || type === FrameType.PRIORITY_UPDATE_REQUEST ||
    type === FrameType.PRIORITY_UPDATE_PUSH;
}

/**
 * Encodes a frame header (type, length) (RFC 9114 §7.1).
 *
 * @example
 * ```ts
 * import { encodeFrameHeader, FrameType } from "@gquic/core/http3";
 * console.log(encodeFrameHeader(FrameType.DATA, 5)); // Uint8Array [0, 5]
 * ```
 */
export function encodeFrameHeader(type: number, length: number): Uint8Array {
  const out = new Uint8Array(h3VarIntLength(type) + h3VarIntLength(length));
  writeH3VarInt(out, writeH3VarInt(out, 0, type), length);
  return out;
}

/**
 * Encodes a whole frame: header then payload (RFC 9114 §7.1).
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameType } from "@gquic/core/http3";
 * console.log(encodeFrame(FrameType.DATA, Uint8Array.of(1, 2))); // Uint8Array [0, 2, 1, 2]
 * ```
 */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  const tl = h3VarIntLength(type), ll = h3VarIntLength(payload.length);
  const out = new Uint8Array(tl + ll + payload.length);
  writeH3VarInt(out, writeH3VarInt(out, 0, type), payload.length);
  out.set(payload, tl + ll);
  return out;
}

function varIntPayload(...values: number[]): Uint8Array {
  let n = 0;
  for (const v of values) n += h3VarIntLength(v);
  const out = new Uint8Array(n);
  let off = 0;
  for (const v of values) off = writeH3VarInt(out, off, v);
  return out;
}

/**
 * Encodes a GOAWAY frame (RFC 9114 §7.2.6): a stream ID from a server, a
 * push ID from a client.
 *
 * @example
 * ```ts
 * import { encodeGoawayFrame } from "@gquic/core/http3";
 * console.log(encodeGoawayFrame(8)); // Uint8Array [7, 1, 8]
 * ```
 */
export function encodeGoawayFrame(id: number): Uint8Array {
  return encodeFrame(FrameType.GOAWAY, varIntPayload(id));
}

/**
 * Encodes a CANCEL_PUSH frame (RFC 9114 §7.2.3).
 *
 * @example
 * ```ts
 * import { encodeCancelPushFrame } from "@gquic/core/http3";
 * console.log(encodeCancelPushFrame(2)); // Uint8Array [3, 1, 2]
 * ```
 */
export function encodeCancelPushFrame(pushId: number): Uint8Array {
  return encodeFrame(FrameType.CANCEL_PUSH, varIntPayload(pushId));
}

/**
 * Encodes a MAX_PUSH_ID frame (RFC 9114 §7.2.7).
 *
 * @example
 * ```ts
 * import { encodeMaxPushIdFrame } from "@gquic/core/http3";
 * console.log(encodeMaxPushIdFrame(10)); // Uint8Array [13, 1, 10]
 * ```
 */
export function encodeMaxPushIdFrame(pushId: number): Uint8Array {
  return encodeFrame(FrameType.MAX_PUSH_ID, varIntPayload(pushId));
}

/**
 * Encodes a HEADERS frame around a QPACK-encoded field section (RFC 9114 §7.2.2).
 *
 * @example
 * ```ts
 * import { encodeHeadersFrame } from "@gquic/core/http3";
 * console.log(encodeHeadersFrame(Uint8Array.of(0, 0, 0xd9)).length); // 5
 * ```
 */
export function encodeHeadersFrame(section: Uint8Array): Uint8Array {
  return encodeFrame(FrameType.HEADERS, section);
}

/**
 * Encodes a PUSH_PROMISE frame (RFC 9114 §7.2.5).
 *
 * @example
 * ```ts
 * import { encodePushPromiseFrame } from "@gquic/core/http3";
 * console.log(encodePushPromiseFrame(0, Uint8Array.of(0, 0, 0xd1))); // Uint8Array [5, 4, 0, 0, 0, 209]
 * ```
 */
export function encodePushPromiseFrame(pushId: number, section: Uint8Array): Uint8Array {
  const id = varIntPayload(pushId);
  const payload = new Uint8Array(id.length + section.length);
  payload.set(id);
  payload.set(section, id.length);
  return encodeFrame(FrameType.PUSH_PROMISE, payload);
}

/**
 * Encodes a PRIORITY_UPDATE frame (RFC 9218 §7.1). `push` selects the
 * push-stream variant (0xf0701); `value` is the Priority field value (ASCII).
 *
 * @example
 * ```ts
 * import { encodePriorityUpdateFrame } from "@gquic/core/http3";
 * console.log(encodePriorityUpdateFrame(4, "u=1, i").length); // 13
 * ```
 */
export function encodePriorityUpdateFrame(id: number, value: string, push = false): Uint8Array {
  const idBytes = varIntPayload(id);
  const payload = new Uint8Array(idBytes.length + value.length);
  payload.set(idBytes);
  for (let i = 0; i < value.length; i++) payload[idBytes.length + i] = value.charCodeAt(i) & 0xff;
  return encodeFrame(
    push ? FrameType.PRIORITY_UPDATE_PUSH : FrameType.PRIORITY_UPDATE_REQUEST,
    payload,
  );
}

/**
 * Decodes a payload that is exactly one varint: GOAWAY, CANCEL_PUSH,
 * MAX_PUSH_ID. Truncation or trailing bytes are H3_FRAME_ERROR (RFC 9114 §7.1).
 *
 * @example
 * ```ts
 * import { decodeIdPayload } from "@gquic/core/http3";
 * console.log(decodeIdPayload(Uint8Array.of(0x40, 0x10), "GOAWAY")); // 16
 * ```
 */
export function decodeIdPayload(payload: Uint8Array, what: string): number {
  const r = new PayloadReader(payload, what);
  const id = r.varint();
  r.end();
  return id;
}

/**
 * Decodes a PUSH_PROMISE payload (RFC 9114 §7.2.5).
 *
 * @example
 * ```ts
 * import { decodePushPromisePayload } from "@gquic/core/http3";
 * console.log(decodePushPromisePayload(Uint8Array.of(3, 0, 0, 0xd1)).pushId); // 3
 * ```
 */
export function decodePushPromisePayload(
  payload: Uint8Array,
): { pushId: number; section: Uint8Array } {
  const r = new PayloadReader(payload, "PUSH_PROMISE");
  const pushId = r.varint();
  return { pushId, section: r.rest() };
}

/**
 * Decodes a PRIORITY_UPDATE payload (RFC 9218 §7.1). The value must be
 * printable ASCII (it is a Structured Field); anything else is H3_FRAME_ERROR.
 *
 * @example
 * ```ts
 * import { decodePriorityUpdatePayload } from "@gquic/core/http3";
 * console.log(decodePriorityUpdatePayload(Uint8Array.of(4, 0x75, 0x3d, 0x31))); // { id: 4, value: "u=1" }
 * ```
 */
export function decodePriorityUpdatePayload(payload: Uint8Array): { id: number; value: string } {
  const r = new PayloadReader(payload, "PRIORITY_UPDATE");
  const id = r.varint();
  const rest = r.rest();
  let value = "";
  for (const b of rest) {
    if (b < 0x20 || b > 0x7e) {
      throw connectionError(H3ErrorCode.H3_FRAME_ERROR, "PRIORITY_UPDATE: non-ASCII value");
    }
    value += String.fromCharCode(b);
  }
  return { id, value };
}

/**
 * One unit produced by {@link FrameReader}:
 * - `frame`: a complete non-DATA frame of a known type, with its payload;
 * - `data`: a piece of a DATA frame's payload (`end` marks the frame's last
 *   piece; a zero-length DATA frame yields one empty piece with `end`);
 * - `unknown`: the header of a frame of unknown or reserved type, whose payload
 *   is then skipped (RFC 9114 §9: such frames MUST be ignored).
 *
 * @example
 * ```ts
 * import type { ReadFrame } from "@gquic/core/http3";
 * const f: ReadFrame = { kind: "data", payload: new Uint8Array(0), end: true };
 * console.log(f.kind);
 * ```
 */
export type ReadFrame =
  | { kind: "frame"; type: number; payload: Uint8Array }
  | { kind: "data"; payload: Uint8Array; end: boolean }
  | { kind: "unknown"; type: number; length: number };

/**
 * Limits for {@link FrameReader}.
 *
 * @example
 * ```ts
 * import type { FrameReaderLimits } from "@gquic/core/http3";
 * const l: FrameReaderLimits = { maxFramePayload: 16384, maxHeadersPayload: 65536 };
 * console.log(l.maxFramePayload);
 * ```
 */
export interface FrameReaderLimits {
  /** Largest payload of a buffered frame other than HEADERS/PUSH_PROMISE (default 16 KiB). */
  maxFramePayload?: number;
  /** Largest HEADERS or PUSH_PROMISE payload (default 64 KiB). */
  maxHeadersPayload?: number;
  /** Scope of the H3_EXCESSIVE_LOAD error for an oversized frame (default "connection"). */
  oversizeScope?: H3ErrorScope;
}

const S_HEADER = 0, S_DATA = 1, S_PAYLOAD = 2, S_SKIP = 3;

/**
 * Incremental HTTP/3 frame parser (RFC 9114 §7.1). Feed chunks with
 * {@link FrameReader.push}, then call {@link FrameReader.next} until it
 * returns `null`. Chunks are referenced, not copied: DATA pieces are
 * sub-arrays of them, so don't mutate a chunk after pushing it. Throws
 * {@link H3Error} only.
 *
 * @example
 * ```ts
 * import { FrameReader } from "@gquic/core/http3";
 * const r = new FrameReader();
 * r.push(Uint8Array.of(0x00, 0x03, 0x61));
 * r.push(Uint8Array.of(0x62, 0x63));
 * for (let f = r.next(); f !== null; f = r.next()) console.log(f);
 * // { kind: "data", payload: [0x61], end: false } then { kind: "data", payload: [0x62, 0x63], end: true }
 * ```
 */
export class FrameReader {
  private readonly maxFramePayload: number;
  private readonly maxHeadersPayload: number;
  private readonly oversizeScope: H3ErrorScope;
  private chunks: Uint8Array[] = [];
  private head = 0; // index of the current chunk
  private pos = 0; // offset in the current chunk
  private queued = 0; // unconsumed bytes in chunks
  private state = S_HEADER;
  private readonly hdr = new Uint8Array(16);
  private hdrLen = 0;
  private type = 0;
  private remaining = 0;
  private payload: Uint8Array | null = null;
  private filled = 0;

  /**
   * Creates a reader.
   * @param limits frame size limits
   */
  constructor(limits: FrameReaderLimits = {}) {
    this.maxFramePayload = limits.maxFramePayload ?? 16384;
    this.maxHeadersPayload = limits.maxHeadersPayload ?? 65536;
    this.oversizeScope = limits.oversizeScope ?? "connection";
  }

  /** Queues a chunk of stream bytes. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
  }

  /** Bytes held: queued input plus a partly received buffered frame. */
  get bufferedBytes(): number {
    return this.queued + this.filled;
  }

  /** True when no frame is partly received (a clean place for the stream to end). */
  get atFrameBoundary(): boolean {
    return this.state === S_HEADER && this.hdrLen === 0;
  }

  /** True when a frame header or payload has started but not completed. */
  get inFrame(): boolean {
    return !this.atFrameBoundary;
  }

  /** Type of the frame in progress (valid while {@link inFrame}). */
  get currentType(): number {
    return this.type;
  }

  /**
   * Checks the stream ended cleanly: RFC 9114 §7.1 says a truncated last
   * frame on a cleanly terminated stream is a connection error H3_FRAME_ERROR.
   */
  finish(): void {
    if (this.queued > 0 || !this.atFrameBoundary) {
      throw connectionError(H3ErrorCode.H3_FRAME_ERROR, "stream ended inside a frame");
    }
  }

  /** Next parsed unit, or `null` when more bytes are needed. */
  next(): ReadFrame | null {
    for (;;) {
      if (this.state === S_HEADER) {
        if (!this.#readHeader()) return null;
        const t = this.type, len = this.remaining;
        if (t === FrameType.DATA) {
          this.state = S_DATA;
          if (len === 0) {
            this.state = S_HEADER;
            return { kind: "data", payload: new Uint8Array(0), end: true };
          }
          continue;
        }
        if (HTTP2_ONLY.has(t)) {
          // RFC 9114 §7.2.8: HTTP/2 frame types are a connection error.
          throw connectionError(
            H3ErrorCode.H3_FRAME_UNEXPECTED,
            `HTTP/2 frame type 0x${t.toString(16)}`,
          );
        }
        if (!isKnownFrameType(t)) {
          // RFC 9114 §9: unknown and reserved frame types are ignored.
          this.state = len === 0 ? S_HEADER : S_SKIP;
          return { kind: "unknown", type: t, length: len };
        }
        const limit = t === FrameType.HEADERS || t === FrameType.PUSH_PROMISE
          ? this.maxHeadersPayload
          : this.maxFramePayload;
        if (len > limit) {
          // RFC 9114 §10.5: bound what a peer can make us buffer.
          throw new H3Error(
            H3ErrorCode.H3_EXCESSIVE_LOAD,
            `frame 0x${t.toString(16)} of ${len} bytes exceeds ${limit}`,
            this.oversizeScope,
          );
        }
        if (len === 0) return { kind: "frame", type: t, payload: new Uint8Array(0) };
        this.state = S_PAYLOAD;
        this.payload = null;
        this.filled = 0;
        continue;
      }
      if (this.queued === 0) return null;
      const chunk = this.chunks[this.head];
      const avail = chunk.length - this.pos;
      const n = Math.min(avail, this.remaining);
      if (this.state === S_DATA) {
        const piece = chunk.subarray(this.pos, this.pos + n);
        this.#consume(n);
        this.remaining -= n;
        const end = this.remaining === 0;
        if (end) this.state = S_HEADER;
        return { kind: "data", payload: piece, end };
      }
      if (this.state === S_SKIP) {
        this.#consume(n);
        this.remaining -= n;
        if (this.remaining === 0) this.state = S_HEADER;
        continue;
      }
      // S_PAYLOAD: zero-copy when the whole payload lies in this chunk.
      if (this.payload === null && n === this.remaining) {
        const p = chunk.subarray(this.pos, this.pos + n);
        this.#consume(n);
        this.state = S_HEADER;
        return { kind: "frame", type: this.type, payload: p };
      }
      if (this.payload === null) this.payload = new Uint8Array(this.remaining + this.filled);
      this.payload.set(chunk.subarray(this.pos, this.pos + n), this.filled);
      this.filled += n;
      this.remaining -= n;
      this.#consume(n);
      if (this.remaining === 0) {
        const p = this.payload;
        this.payload = null;
        this.filled = 0;
        this.state = S_HEADER;
        return { kind: "frame", type: this.type, payload: p };
      }
    }
  }

  #consume(n: number): void {
    this.pos += n;
    this.queued -= n;
    if (this.pos === this.chunks[this.head].length) {
      this.head++;
      this.pos = 0;
      if (this.head === this.chunks.length) {
        this.chunks = [];
        this.head = 0;
      } else if (this.head > 64) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
    }
  }

  // Reads the type and length varints byte by byte (at most 16 bytes a frame).
  #readHeader(): boolean {
    const h = this.hdr;
    for (;;) {
      if (this.hdrLen > 0) {
        const tl = varIntLengthOf(h[0]);
        if (this.hdrLen > tl) {
          const ll = varIntLengthOf(h[tl]);
          if (this.hdrLen === tl + ll) {
            this.type = varIntAt(h, 0);
            this.remaining = varIntAt(h, tl);
            this.hdrLen = 0;
            return true;
          }
        }
      }
      if (this.queued === 0) return false;
      h[this.hdrLen++] = this.chunks[this.head][this.pos];
      this.#consume(1);
    }
  }
}
