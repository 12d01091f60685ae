// Prefix integers, Huffman coding and the static table against RFC 7541
// Appendix B/C and RFC 9204 Appendix A vectors, plus seeded property tests.
import assert from "node:assert/strict";
import fc from "fast-check";
import { huffmanDecode, huffmanEncode, huffmanEncodedLength } from "../../qpack/huffman.ts";
import {
  Cursor,
  INCOMPLETE,
  OutBuf,
  prefixIntLength,
  readPrefixInt,
  writePrefixInt,
} from "../../qpack/prefix_int.ts";
import { readString, writeString } from "../../qpack/string_literal.ts";
import { QpackError, QpackErrorCode, STATIC_TABLE } from "../../qpack/mod.ts";

const data = (f: string) =>
  JSON.parse(Deno.readTextFileSync(new URL("./data/" + f, import.meta.url)));
const examples = data("rfc7541-appendix-c-examples.json");
const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const D = QpackErrorCode.QPACK_DECOMPRESSION_FAILED;

Deno.test("prefix int: RFC 7541 C.1 examples", () => {
  const out = new OutBuf(4);
  writePrefixInt(out, 0, 5, 10);
  assert.deepEqual([...out.take()], [10]);
  writePrefixInt(out, 0xe0, 5, 1337);
  assert.deepEqual([...out.take()], [0xff, 154, 10]);
  writePrefixInt(out, 0, 8, 42);
  assert.deepEqual([...out.take()], [42]);
  for (const ex of examples.integer_examples) assert.equal(typeof ex.value, "number");
  const c = new Cursor(Uint8Array.of(0x1f, 154, 10), 0, 3, D);
  assert.equal(readPrefixInt(c, 5), 1337);
  assert.equal(c.pos, 3);
});

Deno.test("prefix int: round trip, length, truncation and overflow (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.maxSafeNat(), (n, v) => {
      const out = new OutBuf(2);
      writePrefixInt(out, 0, n, v);
      const b = out.take();
      assert.equal(b.length, prefixIntLength(n, v));
      assert.equal(readPrefixInt(new Cursor(b, 0, b.length, D), n), v);
      if (b.length > 1) {
        assert.equal(readPrefixInt(new Cursor(b, 0, b.length - 1, D), n), INCOMPLETE);
      }
    }),
    { seed: 7541, numRuns: 2000 },
  );
  const huge = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
  assert.throws(() => readPrefixInt(new Cursor(huge, 0, huge.length, D), 8), QpackError);
  const zeros = new Uint8Array(64).fill(0x80);
  zeros[0] = 0xff;
  assert.throws(() => readPrefixInt(new Cursor(zeros, 0, zeros.length, D), 8), QpackError);
});

Deno.test("huffman: RFC 7541 C.4/C.6 strings encode and decode exactly", () => {
  assert.ok(examples.huffman_strings.length >= 4);
  for (const { decoded, huffman_hex } of examples.huffman_strings) {
    const out = new OutBuf(4);
    huffmanEncode(out, decoded);
    assert.equal(toHex(out.take()), huffman_hex, decoded);
    assert.equal(huffmanEncodedLength(decoded), huffman_hex.length / 2);
    const b = hex(huffman_hex);
    assert.equal(huffmanDecode(b, 0, b.length), decoded);
  }
});

Deno.test("huffman: every symbol's code matches RFC 7541 Appendix B", () => {
  const table = data("rfc7541-huffman-code.json");
  for (const { sym, bits } of table.codes.slice(0, 256)) {
    const out = new OutBuf(8);
    huffmanEncode(out, String.fromCharCode(sym));
    const got = [...out.take()].map((x) => x.toString(2).padStart(8, "0")).join("");
    // Code then 1-bit padding to the octet boundary.
    assert.equal(got, bits.padEnd(Math.ceil(bits.length / 8) * 8, "1"), `symbol ${sym}`);
  }
});

Deno.test("huffman: round trip of random byte strings (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const s = String.fromCharCode(...bytes);
      const out = new OutBuf(4);
      huffmanEncode(out, s);
      const b = out.take();
      assert.equal(b.length, huffmanEncodedLength(s));
      assert.equal(huffmanDecode(b, 0, b.length), s);
    }),
    { seed: 42, numRuns: 3000 },
  );
});

Deno.test("huffman: invalid padding and EOS are rejected (RFC 7541 §5.2)", () => {
  // "a" = 00011 + padding 111 -> 0x1f is valid; 0x18 has zero padding.
  assert.equal(huffmanDecode(Uint8Array.of(0x1f), 0, 1), "a");
  assert.equal(huffmanDecode(Uint8Array.of(0x18), 0, 1), null);
  // A whole octet of padding (more than 7 bits).
  assert.equal(huffmanDecode(Uint8Array.of(0x1f, 0xff), 0, 2), null);
  // EOS (30 ones) encoded explicitly.
  assert.equal(huffmanDecode(Uint8Array.of(0xff, 0xff, 0xff, 0xfc), 0, 4), null);
  assert.equal(huffmanDecode(new Uint8Array(0), 0, 0), "");
});

Deno.test("string literal: Huffman only when strictly shorter; limits", () => {
  const out = new OutBuf(4);
  writeString(out, 0, 7, "www.example.com");
  const b = out.take();
  assert.equal(b[0], 0x80 | 12); // H=1, 12 octets (C.4.1)
  writeString(out, 0, 7, "\x00\x01");
  const raw = out.take();
  assert.deepEqual([...raw], [2, 0, 1]); // H=0: Huffman would be longer
  const c = new Cursor(b, 0, b.length, D);
  assert.equal(readString(c, 7, 100), "www.example.com");
  assert.throws(() => readString(new Cursor(b, 0, b.length, D), 7, 14), QpackError);
  assert.equal(readString(new Cursor(b, 0, 5, D), 7, 100), null);
});

Deno.test("static table: 99 entries equal to the RFC 9204 Appendix A vector", () => {
  const table = data("rfc9204-static-table.json");
  assert.equal(STATIC_TABLE.length, 99);
  for (const e of table.entries) assert.deepEqual(STATIC_TABLE[e.index], [e.name, e.value]);
});
