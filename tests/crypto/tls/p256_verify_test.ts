import assert from "node:assert/strict";
import fc from "fast-check";
import { createCertificate } from "../../../crypto/cert_builder.ts";
import { sign, SignatureScheme, verifySignature } from "../../../crypto/tls/signature.ts";
import { verifySignatureCached } from "../../../crypto/tls/p256_verify.ts";

const P256 = SignatureScheme.ecdsa_secp256r1_sha256;
const keys = [0, 1].map((i) => createCertificate({ subject: `k${i}` }).key);
const ed = createCertificate({ subject: "ed", keyType: "ed25519" }).key;

Deno.test("p256_verify: agrees with verifySignature on valid, tampered and cross-key input", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 200 }),
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: 0, max: 1 }),
      fc.constantFrom("none", "data", "sig", "truncate", "extend"),
      fc.nat(),
      (data, signer, checker, tamper, pos) => {
        let sig = sign(keys[signer], P256, data);
        let msg = data;
        if (tamper === "data") {
          msg = data.length === 0 ? new Uint8Array([1]) : data.slice();
          if (data.length > 0) msg[pos % msg.length] ^= 1 << (pos % 8);
        } else if (tamper === "sig") {
          sig = sig.slice();
          sig[pos % sig.length] ^= 1 << (pos % 8);
        } else if (tamper === "truncate") {
          sig = sig.subarray(0, pos % sig.length);
        } else if (tamper === "extend") {
          sig = Uint8Array.of(...sig, 0);
        }
        const spki = keys[checker].spki;
        // Several rounds: the first use takes node:crypto, later ones the cached point.
        const want = verifySignature(spki, P256, msg, sig);
        for (let round = 0; round < 3; round++) {
          assert.equal(verifySignatureCached(spki, P256, msg, sig), want);
        }
        if (tamper === "none") assert.equal(want, signer === checker);
      },
    ),
    { seed: 4242, numRuns: 120 },
  );
});

Deno.test("p256_verify: out-of-range r/s and non-P-256 inputs are rejected like verifySignature", () => {
  const data = new Uint8Array(32);
  const spki = keys[0].spki;
  // Warm the cache so the fast path is taken.
  const good = sign(keys[0], P256, data);
  assert.equal(verifySignatureCached(spki, P256, data, good), true);
  assert.equal(verifySignatureCached(spki, P256, data, good), true);
  // DER SEQUENCE { INTEGER 0, INTEGER 1 } and { INTEGER n, INTEGER 1 }.
  const n = "00ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
  const zeroR = Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01);
  const nBytes = Uint8Array.from(n.match(/../g)!.map((h) => parseInt(h, 16)));
  const nR = Uint8Array.of(0x30, 3 + 33 + 3, 0x02, 33, ...nBytes, 0x02, 0x01, 0x01);
  for (const sig of [zeroR, nR, new Uint8Array(0), new Uint8Array(2000)]) {
    assert.equal(verifySignatureCached(spki, P256, data, sig), false);
  }
  // Other schemes and key types fall back to verifySignature.
  const edSig = sign(ed, SignatureScheme.ed25519, data);
  assert.equal(verifySignatureCached(ed.spki, SignatureScheme.ed25519, data, edSig), true);
  assert.equal(verifySignatureCached(ed.spki, P256, data, edSig), false);
  assert.equal(
    verifySignatureCached(spki, SignatureScheme.ecdsa_secp384r1_sha384, data, good),
    false,
  );
});
