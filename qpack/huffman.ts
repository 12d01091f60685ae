/**
 * Huffman coding of string literals (RFC 7541 §5.2 and Appendix B; RFC 9204
 * §4.1.2). Decoding is table-driven: a 256-state machine consumes one input
 * byte per step and emits up to two symbols, never walking bit by bit.
 * @module
 */
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from "./huffman_table.ts";
import type { OutBuf } from "./prefix_int.ts";

const EOS = 256;

// Build the code tree: internal nodes 0..255 (0 = root); a child value >= 0
// is an internal node, < 0 is the leaf -(symbol + 1).
const children = new Int32Array(512).fill(0x7fffffff);
let nodeCount = 1;
for (let sym = 0; sym <= EOS; sym++) {
  const code = HUFFMAN_CODES[sym], len = HUFFMAN_LENGTHS[sym];
  let node = 0;
  for (let i = len - 1; i > 0; i--) {
    const slot = node * 2 + ((code >>> i) & 1);
    if (children[slot] === 0x7fffffff) children[slot] = nodeCount++;
    node = children[slot];
  }
  children[node * 2 + (code & 1)] = -(sym + 1);
}

// A state may end the string iff the bits consumed since the last symbol are
// a prefix of EOS (all ones) shorter than 8 bits (RFC 7541 §5.2).
const accepting = new Uint8Array(256);
{
  let node = 0;
  accepting[0] = 1;
  for (let d = 1; d <= 7; d++) {
    node = children[node * 2 + 1];
    accepting[node] = 1;
  }
}

// DECODE[state * 256 + byte] = next | count << 8 | fail << 10 | accept << 11
//   | sym1 << 12 | sym2 << 20.
const DECODE = new Uint32Array(256 * 256);
for (let state = 0; state < nodeCount; state++) {
  for (let byte = 0; byte < 256; byte++) {
    let node = state, count = 0, fail = 0, s1 = 0, s2 = 0;
    for (let i = 7; i >= 0; i--) {
      const next = children[node * 2 + ((byte >>> i) & 1)];
      if (next >= 0) {
        node = next;
        continue;
      }
      const sym = -next - 1;
      if (sym === EOS) {
        fail = 1; // an encoded EOS is a decoding error (RFC 7541 §5.2)
        break;
      }
      if (count === 0) s1 = sym;
      else s2 = sym;
      count++;
      node = 0;
    }
    DECODE[state * 256 + byte] = node | count << 8 | fail << 10 | accepting[node] << 11 |
      s1 << 12 | s2 << 20;
  }
}

let scratch = new Uint8Array(4096);

/**
 * Decodes `buf[start..end)` as a Huffman-coded string and returns it as a
 * byte string (one char per octet). Returns `null` if the input is invalid
 * (EOS symbol, bad or over-long padding); the caller raises its own error.
 */
export function huffmanDecode(buf: Uint8Array, start: number, end: number): string | null {
  // Shortest code is 5 bits, so the output is at most 8/5 of the input.
  const maxOut = Math.ceil((end - start) * 8 / 5);
  if (scratch.length < maxOut) scratch = new Uint8Array(Math.max(maxOut, scratch.length * 2));
  const out = scratch;
  let n = 0, state = 0, e = 1 << 11;
  for (let i = start; i < end; i++) {
    e = DECODE[state * 256 + buf[i]];
    if (e & 0x400) return null;
    const count = (e >>> 8) & 3;
    if (count > 0) {
      out[n++] = (e >>> 12) & 0xff;
      if (count > 1) out[n++] = (e >>> 20) & 0xff;
    }
    state = e & 0xff;
  }
  if ((e & 0x800) === 0) return null;
  return bytesToLatin1(out, 0, n);
}

/** Converts octets to a byte string (char code = octet). */
export function bytesToLatin1(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= 4096) {
    return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  let s = "";
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(
      null,
      buf.subarray(i, Math.min(end, i + 4096)) as unknown as number[],
    );
  }
  return s;
}

/** Length in bytes of the Huffman encoding of byte string `s`. */
export function huffmanEncodedLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += HUFFMAN_LENGTHS[s.charCodeAt(i) & 0xff];
  return (bits + 7) >>> 3;
}

/**
 * Appends the Huffman encoding of byte string `s` to `out`, padded with the
 * most significant bits of EOS (RFC 7541 §5.2).
 */
export function huffmanEncode(out: OutBuf, s: string): void {
  out.reserve(huffmanEncodedLength(s));
  const bytes = out.bytes;
  let pos = out.length;
  // acc holds `bits` (< 8) pending bits; codes are split so acc never
  // exceeds 31 bits and stays in int32 range.
  let acc = 0, bits = 0;
  for (let i = 0; i < s.length; i++) {
    const sym = s.charCodeAt(i) & 0xff;
    let code = HUFFMAN_CODES[sym], len = HUFFMAN_LENGTHS[sym];
    if (len > 24) {
      const hi = len - 16;
      acc = (acc << hi) | (code >>> 16);
      bits += hi;
      while (bits >= 8) {
        bits -= 8;
        bytes[pos++] = (acc >>> bits) & 0xff;
      }
      code &= 0xffff;
      len = 16;
    }
    acc = (acc << len) | code;
    bits += len;
    while (bits >= 8) {
      bits -= 8;
      bytes[pos++] = (acc >>> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) bytes[pos++] = ((acc << (8 - bits)) | (0xff >>> bits)) & 0xff;
  out.length = pos;
}
