import assert from "node:assert/strict";
import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import fc from "fast-check";
import { P256_PRECOMPUTE_AFTER, p256VerifyCached } from "../../../crypto/tls/p256_verify.ts";
import { SignatureScheme, verifySignature } from "../../../crypto/tls/signature.ts";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
// The SPKI of a P-256 key ends with the 65-byte uncompressed point.
const point = spki.subarray(spki.length - 65);
const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const sigOf = (data: Uint8Array, key = privateKey) =>
  new Uint8Array(nodeSign("sha256", data, { key, dsaEncoding: "der" }));

Deno.test("p256_verify: no table before the key is seen enough, then the same verdicts as node:crypto", () => {
  const id = "test-key-1";
  const data = new Uint8Array([1, 2, 3]);
  const sig = sigOf(data);
  for (let i = 1; i < P256_PRECOMPUTE_AFTER; i++) {
    assert.equal(p256VerifyCached(id, () => point, data, sig), undefined);
  }
  assert.equal(p256VerifyCached(id, () => point, data, sig), true);
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.nat(100),
      fc.integer({ min: 0, max: 4 }),
      (msg, pos, mode) => {
        let s = sigOf(msg, mode === 3 ? other.privateKey : privateKey);
        let m = msg;
        if (mode === 1) {
          s = s.slice();
          s[pos % s.length] ^= 1 << (pos % 8); // flipped bit in the signature
        } else if (mode === 2) {
          m = Uint8Array.of(...msg, 0); // different message
        } else if (mode === 4) {
          s = s.subarray(0, pos % s.length); // truncated
        }
        let expected: boolean;
        try {
          expected = nodeVerify("sha256", m, { key: publicKey, dsaEncoding: "der" }, s);
        } catch {
          expected = false;
        }
        assert.equal(p256VerifyCached(id, () => point, m, s), expected);
        assert.equal(expected, mode === 0);
      },
    ),
    { seed: 4242, numRuns: 150 },
  );
});

Deno.test("p256_verify: r or s out of range and points off the curve are rejected", () => {
  const data = new Uint8Array(5);
  const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const der = (r: bigint, s: bigint) => {
    const int = (x: bigint) => {
      let h = x.toString(16);
      if (h.length % 2) h = "0" + h;
      const b = Uint8Array.from(h.match(/../g)!.map((v) => parseInt(v, 16)));
      return b[0] & 0x80 ? [2, b.length + 1, 0, ...b] : [2, b.length, ...b];
    };
    const body = [...int(r), ...int(s)];
    return Uint8Array.of(0x30, body.length, ...body);
  };
  const id = "test-key-2";
  for (let i = 0; i < P256_PRECOMPUTE_AFTER; i++) {
    p256VerifyCached(
      id,
      () => point,
      data,
      der(1n, 1n),
    );
  }
  for (const [r, s] of [[0n, 1n], [1n, 0n], [n, 1n], [1n, n]]) {
    assert.equal(p256VerifyCached(id, () => point, data, der(r, s)), false);
  }
  const bad = point.slice();
  bad[64] ^= 1; // no longer on the curve: never gets a table, never throws
  for (let i = 0; i < P256_PRECOMPUTE_AFTER + 1; i++) {
    assert.equal(p256VerifyCached("bad-point", () => bad, data, der(1n, 1n)), undefined);
  }
});

Deno.test("p256_verify: verifySignature gives the same answers before and after the table exists", () => {
  const data = new Uint8Array([9, 9, 9]);
  const good = sigOf(data);
  const wrong = sigOf(data, other.privateKey);
  for (let i = 0; i < P256_PRECOMPUTE_AFTER + 3; i++) {
    assert.equal(verifySignature(spki, SignatureScheme.ecdsa_secp256r1_sha256, data, good), true);
    assert.equal(verifySignature(spki, SignatureScheme.ecdsa_secp256r1_sha256, data, wrong), false);
  }
});
