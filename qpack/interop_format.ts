/**
 * The QPACK offline interop formats used during the IETF work: QIF header
 * lists (text, one `name<TAB>value` per line, blank line between lists) and
 * encoded files (frames of 8-octet stream ID, 4-octet length, data; stream 0
 * is the encoder stream). Sans-IO: bytes in, bytes out.
 * @module
 */
import type { FieldLine } from "./field_line.ts";
import { bytesToLatin1 } from "./huffman.ts";

/**
 * One frame of an encoded interop file.
 *
 * @example
 * ```ts
 * import type { InteropFrame } from "@gquic/core/qpack";
 * const f: InteropFrame = { streamId: 0, data: new Uint8Array(0) };
 * console.log(f.streamId);
 * ```
 */
export interface InteropFrame {
  /** 0 = encoder stream, otherwise the field section's stream. */
  streamId: number;
  /** Frame payload (a view into the file). */
  data: Uint8Array;
}

/**
 * Parses a QIF file into header lists (comments dropped, byte-exact).
 * Throws `SyntaxError` on a field line without a TAB.
 *
 * @example
 * ```ts
 * import { parseQif } from "@gquic/core/qpack";
 * const lists = parseQif(new TextEncoder().encode(":method\tGET\n\n# c\na\tb\n"));
 * console.log(lists.length, lists[1][0].name); // 2 "a"
 * ```
 */
export function parseQif(bytes: Uint8Array): FieldLine[][] {
  const lists: FieldLine[][] = [];
  let current: FieldLine[] = [];
  let pos = 0;
  let lineNo = 0;
  while (pos < bytes.length) {
    let end = bytes.indexOf(0x0a, pos);
    if (end < 0) end = bytes.length;
    lineNo++;
    if (end === pos) {
      if (current.length > 0) lists.push(current);
      current = [];
    } else if (bytes[pos] !== 0x23) {
      const tab = bytes.indexOf(0x09, pos);
      if (tab < 0 || tab > end) throw new SyntaxError(`QIF line ${lineNo}: no TAB`);
      current.push({
        name: bytesToLatin1(bytes, pos, tab),
        value: bytesToLatin1(bytes, tab + 1, end),
      });
    }
    pos = end + 1;
  }
  if (current.length > 0) lists.push(current);
  return lists;
}

/**
 * Serialises header lists as QIF (each list followed by an empty line).
 *
 * @example
 * ```ts
 * import { serializeQif } from "@gquic/core/qpack";
 * const b = serializeQif([[{ name: "a", value: "b" }]]);
 * console.log(new TextDecoder().decode(b)); // "a\tb\n\n"
 * ```
 */
export function serializeQif(lists: readonly (readonly FieldLine[])[]): Uint8Array {
  let total = 0;
  for (const l of lists) {
    for (const f of l) total += f.name.length + f.value.length + 2;
    total++;
  }
  const out = new Uint8Array(total);
  let p = 0;
  const put = (s: string) => {
    for (let i = 0; i < s.length; i++) out[p++] = s.charCodeAt(i);
  };
  for (const l of lists) {
    for (const f of l) {
      put(f.name);
      out[p++] = 0x09;
      put(f.value);
      out[p++] = 0x0a;
    }
    out[p++] = 0x0a;
  }
  return out;
}

/**
 * Splits an encoded interop file into frames. Throws `SyntaxError` if the
 * file ends inside a frame header or payload.
 *
 * @example
 * ```ts
 * import { parseInteropFrames } from "@gquic/core/qpack";
 * const file = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0);
 * console.log(parseInteropFrames(file)[0].streamId); // 4
 * ```
 */
export function parseInteropFrames(file: Uint8Array): InteropFrame[] {
  const frames: InteropFrame[] = [];
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let pos = 0;
  while (pos < file.length) {
    if (file.length - pos < 12) throw new SyntaxError(`truncated frame header at offset ${pos}`);
    const hi = view.getUint32(pos), lo = view.getUint32(pos + 4);
    if (hi >= 0x200000) throw new SyntaxError(`stream ID too large at offset ${pos}`);
    const streamId = hi * 0x100000000 + lo;
    const len = view.getUint32(pos + 8);
    pos += 12;
    if (len > file.length - pos) {
      throw new SyntaxError(`frame at offset ${pos - 12} claims ${len} bytes, file has fewer`);
    }
    frames.push({ streamId, data: file.subarray(pos, pos + len) });
    pos += len;
  }
  return frames;
}

/**
 * Writes frames in the interop file format.
 *
 * @example
 * ```ts
 * import { serializeInteropFrames } from "@gquic/core/qpack";
 * console.log(serializeInteropFrames([{ streamId: 1, data: Uint8Array.of(0, 0) }]).length); // 14
 * ```
 */
export function serializeInteropFrames(frames: readonly InteropFrame[]): Uint8Array {
  let total = 0;
  for (const f of frames) total += 12 + f.data.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const f of frames) {
    view.setUint32(pos, Math.floor(f.streamId / 0x100000000));
    view.setUint32(pos + 4, f.streamId >>> 0);
    view.setUint32(pos + 8, f.data.length);
    out.set(f.data, pos + 12);
    pos += 12 + f.data.length;
  }
  return out;
}
