// The AEAD interface itself, for every implementation: in-place seal/open,
// null (never an exception) on authentication failure with the payload left
// untouched, bounds, and identical output across implementations.
import assert from "node:assert/strict";
import fc from "fast-check";
import { type AsyncAead, createAead } from "../../crypto/aead.ts";
import type { CipherSuiteId } from "../../crypto/cipher_suites.ts";
import { asyncAead, createWebCryptoAead } from "../../crypto/webcrypto_aead.ts";
import { hex, toHex, VECTOR_FILES } from "./_packet_vectors.ts";

type Maker = (suite: CipherSuiteId, key: Uint8Array, iv: Uint8Array) => Promise<AsyncAead>;
const IMPLS: { name: string; chacha: boolean; make: Maker }[] = [
  {
    name: "node",
    chacha: true,
    make: (s, k, iv) => Promise.resolve(asyncAead(createAead(s, k, iv, { impl: "node" }))),
  },
  {
    name: "noble",
    chacha: true,
    make: (s, k, iv) => Promise.resolve(asyncAead(createAead(s, k, iv, { impl: "noble" }))),
  },
  { name: "webcrypto", chacha: false, make: (s, k, iv) => createWebCryptoAead(s, k, iv) },
];
const KEY_LENGTH: Record<CipherSuiteId, number> = { 0x1301: 16, 0x1302: 32, 0x1303: 32 };

for (const impl of IMPLS) {
  const suites: CipherSuiteId[] = impl.chacha ? [0x1301, 0x1302, 0x1303] : [0x1301, 0x1302];

  Deno.test(`aead [${impl.name}]: ChaCha/AES payload vectors as raw AEAD calls`, async () => {
    // RFC 9001 §A.5 payload: AAD = unprotected header, nonce from pn.
    for (const { v, version } of VECTOR_FILES) {
      const c = v.chacha20_poly1305_short_header;
      if (impl.chacha) {
        const aead = await impl.make(0x1303, hex(c.key), hex(c.iv));
        const buf = new Uint8Array(21);
        buf.set(hex(c.unprotected_header));
        buf[4] = 0x01;
        assert.equal(await aead.seal(c.packet_number, buf, 0, 4, 5), 21);
        assert.equal(toHex(buf.subarray(4)), c.payload_ciphertext, `v${version}`);
      }
    }
  });

  Deno.test(`aead [${impl.name}]: in place, null on tamper, payload untouched`, async () => {
    for (const suite of suites) {
      const aead = await impl.make(
        suite,
        new Uint8Array(KEY_LENGTH[suite]).fill(1),
        new Uint8Array(12).fill(2),
      );
      const buf = new Uint8Array(200);
      buf.fill(0xaa, 0, 10); // header (AAD) at [0,10)
      for (let i = 10; i < 150; i++) buf[i] = i;
      // Leading bytes before aadStart are not authenticated: aadStart = 2.
      const end = await aead.seal(5, buf, 2, 10, 150);
      assert.equal(end, 166);
      const sealed = buf.slice();
      const pt = await aead.open(5, buf, 2, 10, end);
      assert.ok(pt);
      assert.equal(pt.buffer, buf.buffer);
      assert.equal(pt.byteOffset, 10);
      assert.equal(pt.length, 140);
      assert.ok(pt.every((x, i) => x === i + 10));
      for (const pos of [2, 9, 10, 80, 149, 150, 165]) {
        const t = sealed.slice();
        t[pos] ^= 0x80;
        const before = t.slice();
        assert.equal(await aead.open(5, t, 2, 10, end), null, `${suite} pos ${pos}`);
        assert.deepEqual(t, before);
      }
      // Bytes before aadStart are outside the AEAD.
      const outside = sealed.slice();
      outside[0] ^= 1;
      assert.ok(await aead.open(5, outside, 2, 10, end));
      // Wrong packet number → wrong nonce.
      assert.equal(await aead.open(6, sealed.slice(), 2, 10, end), null);
      // Shorter than a tag, or bounds outside the buffer: dropped, not thrown.
      assert.equal(await aead.open(5, sealed.slice(), 2, 10, 25), null);
      assert.equal(await aead.open(5, sealed.slice(), 2, 10, 500), null);
      assert.equal(await aead.open(5, sealed.slice(), 12, 10, end), null);
      // No room for the tag is a caller bug: typed error.
      await assert.rejects(() => aead.seal(5, new Uint8Array(20), 0, 2, 10), { name: "QuicError" });
      // Empty plaintext: tag only.
      const e = new Uint8Array(20);
      assert.equal(await aead.seal(1, e, 0, 4, 4), 20);
      assert.equal((await aead.open(1, e, 0, 4, 20))?.length, 0);
    }
  });
}

Deno.test("aead: all implementations produce identical ciphertext (seeded)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom<CipherSuiteId>(0x1301, 0x1302, 0x1303),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.integer({ min: 0, max: 2 ** 53 - 1 }),
      fc.uint8Array({ minLength: 0, maxLength: 64 }),
      fc.uint8Array({ minLength: 0, maxLength: 1500 }),
      async (suite, keyBytes, iv, pn, aad, pt) => {
        const key = keyBytes.subarray(0, KEY_LENGTH[suite]);
        let first: Uint8Array | undefined;
        for (const impl of IMPLS) {
          if (suite === 0x1303 && !impl.chacha) continue;
          const aead = await impl.make(suite, key, iv);
          const buf = new Uint8Array(aad.length + pt.length + 16);
          buf.set(aad);
          buf.set(pt, aad.length);
          await aead.seal(pn, buf, 0, aad.length, aad.length + pt.length);
          if (first === undefined) first = buf.slice();
          else assert.deepEqual(buf, first, impl.name);
          const out = await aead.open(pn, buf, 0, aad.length, buf.length);
          assert.deepEqual(out, pt);
        }
      },
    ),
    { seed: 1303, numRuns: 150 },
  );
});

Deno.test("aead: WebCrypto refuses ChaCha20-Poly1305 with a typed error", async () => {
  await assert.rejects(
    () => createWebCryptoAead(0x1303, new Uint8Array(32), new Uint8Array(12)),
    { name: "QuicError" },
  );
});
