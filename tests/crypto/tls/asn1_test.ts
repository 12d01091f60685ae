import assert from "node:assert/strict";
import fc from "fast-check";
import { AlertDescription, TlsAlertError } from "../../../crypto/tls/alert.ts";
import {
  decodeOid,
  derBitString,
  derBoolean,
  derInteger,
  derOid,
  DerReader,
  derSequence,
  derTlv,
  MAX_DER_DEPTH,
} from "../../../crypto/tls/asn1.ts";

function expectDecodeError(fn: () => unknown, why: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlsAlertError, String(e));
    assert.equal(e.alert, AlertDescription.decode_error);
    assert.match(e.message, why);
    return true;
  });
}

Deno.test("asn1: lengths are checked, minimal and definite (X.690 §10.1)", () => {
  const r = (...b: number[]) => new DerReader(Uint8Array.from(b));
  expectDecodeError(() => r(0x04).element(), /truncated element header/);
  expectDecodeError(() => r(0x04, 0x03, 1, 2).element(), /length 3 exceeds remaining 2/);
  expectDecodeError(() => r(0x30, 0x80, 0, 0).element(), /indefinite/);
  expectDecodeError(() => r(0x04, 0x81, 0x10).element(), /non-minimal length/);
  expectDecodeError(() => r(0x04, 0x82, 0x00, 0x80).element(), /non-minimal length/);
  expectDecodeError(() => r(0x04, 0x85, 1, 1, 1, 1, 1).element(), /length field too long/);
  expectDecodeError(() => r(0x04, 0x84, 0x7f, 0xff, 0xff, 0xff).element(), /exceeds remaining/);
  expectDecodeError(() => r(0x04, 0x82, 0x01).element(), /truncated length/);
  expectDecodeError(() => r(0x1f, 0x01, 0x00).element(), /high tag/);
  // Long form accepted when needed.
  const big = derTlv(0x04, new Uint8Array(300));
  assert.deepEqual(Array.from(big.subarray(0, 4)), [0x04, 0x82, 0x01, 0x2c]);
  assert.equal(new DerReader(big).element().value.length, 300);
});

Deno.test("asn1: nesting depth is bounded", () => {
  let v: Uint8Array = Uint8Array.of(0x05, 0x00);
  for (let i = 0; i < MAX_DER_DEPTH + 5; i++) v = derSequence(v);
  let r = new DerReader(v);
  expectDecodeError(() => {
    for (;;) r = r.sequence();
  }, /nesting deeper than 32/);
});

Deno.test("asn1: INTEGER, BOOLEAN, BIT STRING and OID rules", () => {
  const r = (...b: number[]) => new DerReader(Uint8Array.from(b));
  expectDecodeError(() => r(0x02, 0x00).integerBytes(), /empty INTEGER/);
  expectDecodeError(() => r(0x02, 0x02, 0x00, 0x01).integerBytes(), /non-minimal INTEGER/);
  expectDecodeError(() => r(0x02, 0x02, 0xff, 0x80).integerBytes(), /non-minimal INTEGER/);
  expectDecodeError(() => r(0x02, 0x01, 0x80).smallInteger(), /negative/);
  expectDecodeError(() => r(0x02, 0x05, 1, 0, 0, 0, 0).smallInteger(), /too large/);
  assert.equal(r(0x02, 0x02, 0x00, 0x80).smallInteger(), 128);
  expectDecodeError(() => r(0x01, 0x01, 0x01).boolean(), /bad BOOLEAN/);
  assert.equal(new DerReader(derBoolean(true)).boolean(), true);
  expectDecodeError(() => r(0x03, 0x00).bitString(), /empty BIT STRING/);
  expectDecodeError(() => r(0x03, 0x01, 0x01).bitString(), /bad BIT STRING/);
  expectDecodeError(() => r(0x03, 0x02, 0x08, 0x00).bitString(), /bad BIT STRING/);
  expectDecodeError(() => r(0x03, 0x02, 0x01, 0x01).bitString(), /non-zero unused bits/);
  assert.deepEqual(new DerReader(derBitString(Uint8Array.of(0x80), 7)).bitString().unusedBits, 7);
  expectDecodeError(() => decodeOid(Uint8Array.of(0x2a, 0x80, 0x01)), /non-minimal OID/);
  expectDecodeError(() => decodeOid(Uint8Array.of(0x2a, 0x86)), /truncated OID/);
  expectDecodeError(() => decodeOid(new Uint8Array(0)), /bad OID length/);
  expectDecodeError(
    () => decodeOid(Uint8Array.of(0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)),
    /arc too large/,
  );
  assert.equal(decodeOid(Uint8Array.of(0x88, 0x37, 0x03)), "2.999.3");
});

Deno.test("asn1: writer and reader agree (OIDs, INTEGERs, sequences)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 39 }),
      fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 8 }),
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      (a, b, rest, intBytes) => {
        const oid = [a, b, ...rest].join(".");
        const enc = derSequence(derOid(oid), derInteger(intBytes));
        const seq = new DerReader(enc).sequence();
        assert.equal(seq.oid(), oid);
        const got = seq.integerBytes();
        const trimmed = intBytes.subarray(intBytes.findIndex((x) => x !== 0));
        const want = intBytes.every((x) => x === 0) ? [0] : Array.from(trimmed);
        assert.deepEqual(Array.from(got[0] === 0 && got.length > 1 ? got.subarray(1) : got), want);
        seq.finish();
      },
    ),
    { seed: 11, numRuns: 500 },
  );
});

Deno.test("asn1: a custom alert is carried by every error", () => {
  const r = new DerReader(Uint8Array.of(0x30, 0x05), AlertDescription.bad_certificate);
  assert.throws(() => r.sequence(), (e: unknown) => {
    assert.ok(e instanceof TlsAlertError);
    assert.equal(e.alert, AlertDescription.bad_certificate);
    return true;
  });
});
