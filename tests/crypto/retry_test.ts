import assert from "node:assert/strict";
import fc from "fast-check";
import type { AeadImpl } from "../../crypto/aead.ts";
import {
  computeRetryIntegrityTag,
  retryIntegrityKeys,
  verifyRetryIntegrityTag,
} from "../../crypto/retry.ts";
import { createWebCryptoAead } from "../../crypto/webcrypto_aead.ts";
import { hkdfExpandLabel } from "../../crypto/hkdf.ts";
import { hex, toHex, v1, v2, VECTOR_FILES } from "./_packet_vectors.ts";

const IMPLS: AeadImpl[] = ["node", "noble"];

for (const { name, version, v } of VECTOR_FILES) {
  const odcid = hex(v.retry.original_destination_connection_id);
  const packet = hex(v.retry.packet);
  const withoutTag = packet.subarray(0, packet.length - 16);

  for (const impl of IMPLS) {
    Deno.test(`retry [${impl}] ${name}: integrity tag byte for byte, verify, tamper`, () => {
      assert.equal(
        toHex(computeRetryIntegrityTag(version, odcid, withoutTag, { impl })),
        v.retry.integrity_tag,
      );
      assert.equal(verifyRetryIntegrityTag(version, odcid, packet, { impl }), true);
      for (const pos of [0, 5, 20, packet.length - 1]) {
        const bad = packet.slice();
        bad[pos] ^= 0x10;
        assert.equal(verifyRetryIntegrityTag(version, odcid, bad, { impl }), false);
      }
      const otherOdcid = odcid.slice();
      otherOdcid[0] ^= 1;
      assert.equal(verifyRetryIntegrityTag(version, otherOdcid, packet, { impl }), false);
      assert.equal(
        verifyRetryIntegrityTag(version, odcid, packet.subarray(0, 10), { impl }),
        false,
      );
      // The other version's keys don't verify it.
      assert.equal(verifyRetryIntegrityTag(version === 1 ? 0x6b3343cf : 1, odcid, packet), false);
    });
  }

  Deno.test(`retry [webcrypto] ${name}: integrity tag through AsyncAead`, async () => {
    const k = retryIntegrityKeys(version);
    const aead = await createWebCryptoAead(0x1301, k.key, k.nonce);
    const buf = new Uint8Array(1 + odcid.length + withoutTag.length + 16);
    buf[0] = odcid.length;
    buf.set(odcid, 1);
    buf.set(withoutTag, 1 + odcid.length);
    const aadEnd = buf.length - 16;
    assert.equal(await aead.seal(0, buf, 0, aadEnd, aadEnd), buf.length);
    assert.equal(toHex(buf.subarray(aadEnd)), v.retry.integrity_tag);
    assert.ok(await aead.open(0, buf, 0, aadEnd, buf.length));
    buf[3] ^= 1;
    assert.equal(await aead.open(0, buf, 0, aadEnd, buf.length), null);
  });
}

Deno.test("retry: keys are as specified (v1 §5.8 and v2 derived from its secret)", () => {
  assert.equal(toHex(retryIntegrityKeys(1).key), v1.retry.retry_integrity_key);
  assert.equal(toHex(retryIntegrityKeys(1).nonce), v1.retry.retry_integrity_nonce);
  // RFC 9369 §3.3.3: key/nonce = Expand-Label(secret, "quicv2 key"/"quicv2 iv").
  const secret = hex(v2.retry.retry_integrity_secret);
  const key = hkdfExpandLabel("sha256", secret, "quicv2 key", new Uint8Array(0), 16);
  const iv = hkdfExpandLabel("sha256", secret, "quicv2 iv", new Uint8Array(0), 12);
  assert.deepEqual(retryIntegrityKeys(0x6b3343cf).key, key);
  assert.deepEqual(retryIntegrityKeys(0x6b3343cf).nonce, iv);
  assert.throws(() => retryIntegrityKeys(2), { name: "QuicError" });
});

Deno.test("retry: node and noble agree, round trip for random packets (seeded)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(1, 0x6b3343cf),
      fc.uint8Array({ minLength: 0, maxLength: 20 }),
      fc.uint8Array({ minLength: 7, maxLength: 200 }),
      (version, odcid, retry) => {
        const a = computeRetryIntegrityTag(version, odcid, retry, { impl: "node" });
        const b = computeRetryIntegrityTag(version, odcid, retry, { impl: "noble" });
        assert.deepEqual(a, b);
        const full = new Uint8Array(retry.length + 16);
        full.set(retry);
        full.set(a, retry.length);
        assert.equal(verifyRetryIntegrityTag(version, odcid, full), true);
      },
    ),
    { seed: 5800, numRuns: 100 },
  );
});
