import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import fc from "fast-check";
import { AesBlock } from "../../crypto/aes_block.ts";
import { ChaCha20Block } from "../../crypto/chacha20_block.ts";
import { hex, toHex } from "./_packet_vectors.ts";

function nodeEcb(key: Uint8Array, block: Uint8Array): string {
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  return toHex(c.update(block));
}

Deno.test("aes block: FIPS 197 Appendix C examples", () => {
  const pt = hex("00112233445566778899aabbccddeeff");
  const out = new Uint8Array(16);
  new AesBlock(hex("000102030405060708090a0b0c0d0e0f")).encryptBlock(pt, 0, out, 0);
  assert.equal(toHex(out), "69c4e0d86a7b0430d8cdb78070b4c55a");
  new AesBlock(hex("000102030405060708090a0b0c0d0e0f1011121314151617")).encryptBlock(pt, 0, out, 0);
  assert.equal(toHex(out), "dda97ca4864cdfe06eaf70a0ec0d7191");
  new AesBlock(hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"))
    .encryptBlock(pt, 0, out, 0);
  assert.equal(toHex(out), "8ea2b7ca516745bfeafc49904b496089");
});

Deno.test("aes block: equals node:crypto AES-ECB for random keys and blocks (seeded)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(16, 24, 32),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 40, maxLength: 40 }),
      fc.integer({ min: 0, max: 24 }),
      (keyLength, keyBytes, data, offset) => {
        const key = keyBytes.subarray(0, keyLength);
        const aes = new AesBlock(key);
        const out = new Uint8Array(20);
        aes.encryptBlock(data, offset, out, 3);
        assert.equal(toHex(out.subarray(3, 19)), nodeEcb(key, data.subarray(offset, offset + 16)));
        // In place: src and dst the same bytes.
        const copy = data.slice();
        aes.encryptBlock(copy, offset, copy, offset);
        assert.equal(toHex(copy.subarray(offset, offset + 16)), toHex(out.subarray(3, 19)));
        // The expanded key is reusable: a second block with the same object.
        aes.encryptBlock(out, 3, out, 3);
        assert.equal(
          toHex(out.subarray(3, 19)),
          nodeEcb(key, hex(nodeEcb(key, data.subarray(offset, offset + 16)))),
        );
      },
    ),
    { seed: 197, numRuns: 300 },
  );
});

Deno.test("aes block: bad key length is a typed internal error", () => {
  assert.throws(() => new AesBlock(new Uint8Array(15)), { name: "QuicError" });
});

Deno.test("chacha20 block: RFC 8439 §2.3.2 block", () => {
  const key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const block = new ChaCha20Block(key);
  const out = new Uint8Array(64);
  // counter = 1 (little-endian), nonce = 000000090000004a00000000
  block.keystream(hex("01000000000000090000004a00000000"), 0, out, 64);
  assert.equal(
    toHex(out),
    "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
      "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
  );
});

Deno.test("chacha20 block: equals node:crypto chacha20, including counter 0xffffffff (seeded)", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 64 }),
      (key, sample, maxCounter, length) => {
        if (maxCounter) sample.set([0xff, 0xff, 0xff, 0xff]);
        const expected = createCipheriv("chacha20", key, sample).update(new Uint8Array(length));
        const out = new Uint8Array(length);
        new ChaCha20Block(key).keystream(sample, 0, out, length);
        assert.equal(toHex(out), toHex(expected));
      },
    ),
    { seed: 8439, numRuns: 300 },
  );
});
