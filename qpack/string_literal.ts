/**
 * String literals (RFC 7541 §5.2, RFC 9204 §4.1.2): an H flag, a prefix
 * integer length, then raw or Huffman-coded octets. Strings are byte strings
 * (one char per octet, as Fetch `ByteString`s are).
 * @module
 */
import { bytesToLatin1, huffmanDecode, huffmanEncode, huffmanEncodedLength } from "./huffman.ts";
import type { QpackError } from "./errors.ts";
import {
  type Cursor,
  INCOMPLETE,
  type OutBuf,
  readPrefixInt,
  writePrefixInt,
} from "./prefix_int.ts";

/**
 * Reads a string literal whose H bit is bit `prefixBits` of the first byte.
 * Returns `null` when the input ends first. Throws the cursor's error if the
 * Huffman data is bad, and `tooLong()` (default: the cursor's error) if the
 * decoded string is longer than `maxLength`.
 */
export function readString(
  c: Cursor,
  prefixBits: number,
  maxLength: number,
  tooLong?: () => QpackError,
): string | null {
  if (c.pos >= c.end) return null;
  const huffman = (c.buf[c.pos] >> prefixBits) & 1;
  const len = readPrefixInt(c, prefixBits);
  if (len === INCOMPLETE) return null;
  // Checked before waiting for the bytes: a peer cannot make us buffer an
  // arbitrarily long string. A Huffman code is at most 30 bits a symbol
  // (RFC 7541 Appendix B) and padding under 8, so `len` octets decode to at
  // least (8 * len - 7) / 30 symbols.
  if (huffman === 0 ? len > maxLength : 8 * len - 7 > 30 * maxLength) {
    throw tooLongError(c, tooLong);
  }
  if (len > c.end - c.pos) return null;
  const start = c.pos;
  c.pos += len;
  if (huffman === 0) return bytesToLatin1(c.buf, start, c.pos);
  const s = huffmanDecode(c.buf, start, c.pos);
  if (s === null) throw c.error("invalid Huffman-encoded string");
  if (s.length > maxLength) throw tooLongError(c, tooLong);
  return s;
}

function tooLongError(c: Cursor, tooLong?: () => QpackError): QpackError {
  return tooLong ? tooLong() : c.error("string literal too long");
}

/** Encoded size of `s` as a string literal: raw or Huffman, whichever is shorter. */
export function stringLength(s: string, prefixBits: number): number {
  const h = huffmanEncodedLength(s);
  const len = h < s.length ? h : s.length;
  return len + prefixIntLengthFor(prefixBits, len);
}

function prefixIntLengthFor(prefixBits: number, value: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) return 1;
  value -= max;
  let n = 2;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/**
 * Appends `s` as a string literal; `flags` holds the bits above the H bit.
 * Huffman coding is used only when it is strictly shorter (RFC 9204 §4.1.2
 * lets the encoder choose).
 */
export function writeString(out: OutBuf, flags: number, prefixBits: number, s: string): void {
  const h = huffmanEncodedLength(s);
  if (h < s.length) {
    writePrefixInt(out, flags | (1 << prefixBits), prefixBits, h);
    huffmanEncode(out, s);
    return;
  }
  writePrefixInt(out, flags, prefixBits, s.length);
  out.reserve(s.length);
  const b = out.bytes;
  let p = out.length;
  for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
  out.length = p;
}
