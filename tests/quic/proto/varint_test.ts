import assert from "node:assert/strict";
import fc from "fast-check";
import {
  encodeVarIntBig,
  readVarInt,
  readVarIntBig,
  varIntLength,
  writeVarInt,
} from "../../../quic/proto/varint.ts";
import { ByteReader, ByteWriter } from "../../../quic/proto/bytes.ts";
import { QuicError, TransportErrorCode } from "../../../quic/proto/errors.ts";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));

Deno.test("varint: RFC 9000 Appendix A.1 examples", () => {
  const cases: [string, bigint][] = [
    ["c2197c5eff14e88c", 151288809941952652n],
    ["9d7f3e7d", 494878333n],
    ["7bbd", 15293n],
    ["25", 37n],
    ["4025", 37n],
  ];
  for (const [h, v] of cases) {
    const [big, end] = readVarIntBig(hex(h), 0);
    assert.equal(big, v);
    assert.equal(end, h.length / 2);
  }
  const c = { offset: 0 };
  assert.equal(readVarInt(hex("9d7f3e7d"), c), 494878333);
  assert.equal(c.offset, 4);
  // A value above 2^53-1 is rejected as a number but decodes as bigint.
  assert.throws(
    () => readVarInt(hex("c2197c5eff14e88c"), { offset: 0 }),
    (e: unknown) => e instanceof QuicError && e.code === TransportErrorCode.PROTOCOL_VIOLATION,
  );
  assert.deepEqual(encodeVarIntBig(151288809941952652n), hex("c2197c5eff14e88c"));
});

Deno.test("varint: round trip over the number range (seeded)", () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), (v) => {
      const buf = new Uint8Array(8);
      const end = writeVarInt(buf, 0, v);
      assert.equal(end, varIntLength(v));
      const c = { offset: 0 };
      assert.equal(readVarInt(buf, c), v);
      assert.equal(c.offset, end);
      assert.equal(readVarIntBig(buf, 0)[0], BigInt(v));
    }),
    { seed: 0x9000, numRuns: 5000 },
  );
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }), (v) => {
      const enc = encodeVarIntBig(v);
      assert.equal(readVarIntBig(enc, 0)[0], v);
    }),
    { seed: 0x9001, numRuns: 2000 },
  );
});

Deno.test("varint: invalid values and truncation give typed errors", () => {
  for (const v of [-1, 1.5, 2 ** 53, Infinity, NaN]) {
    assert.throws(() => varIntLength(v), QuicError);
  }
  assert.throws(() => encodeVarIntBig(1n << 62n), QuicError);
  assert.throws(() => encodeVarIntBig(-1n), QuicError);
  for (const h of ["", "40", "80aabb", "c0112233445566"]) {
    const b = h ? hex(h) : new Uint8Array(0);
    assert.throws(
      () => readVarInt(b, { offset: 0 }),
      (e: unknown) => e instanceof QuicError && e.code === TransportErrorCode.FRAME_ENCODING_ERROR,
    );
    assert.throws(() => readVarIntBig(b, 0), QuicError);
  }
});

Deno.test("bytes: reader is bounded by end, writer grows", () => {
  const w = new ByteWriter(1);
  w.u8(1);
  w.u16(0x0203);
  w.u24(0x040506);
  w.u32(0x0708090a);
  w.varint(15293);
  w.varint(1, 4);
  assert.deepEqual(w.finish(), hex("0102030405060708090a7bbd80000001"));
  const r = new ByteReader(w.finish());
  assert.equal(r.u8(), 1);
  assert.equal(r.u16(), 0x0203);
  assert.equal(r.u24(), 0x040506);
  assert.equal(r.u32(), 0x0708090a);
  assert.equal(r.varint(), 15293);
  assert.equal(r.varint(), 1);
  assert.equal(r.remaining, 0);
  assert.throws(() => r.u8(), QuicError);
  // A varint that would run past `end` (but not past the buffer) is truncated.
  const r2 = new ByteReader(hex("4025ff"), 0, 1);
  assert.throws(() => r2.varint(), QuicError);
  assert.throws(() => new ByteReader(hex("0102"), 0, 2).bytes(3), QuicError);
  assert.throws(() => new ByteReader(hex("0102")).bytes(-1), QuicError);
});
