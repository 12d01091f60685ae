import assert from "node:assert/strict";
import { createAead } from "../../crypto/aead.ts";
import { writeNonce } from "../../crypto/aead_util.ts";
import { hkdfExpandLabel } from "../../crypto/hkdf.ts";
import {
  createPacketKeys,
  derivePacketKeyMaterial,
  nextTrafficSecret,
  updatePacketKeys,
} from "../../crypto/packet_keys.ts";
import { hex, toHex, VECTOR_FILES } from "./_packet_vectors.ts";

const empty = new Uint8Array(0);

for (const { name, version, v } of VECTOR_FILES) {
  const c = v.chacha20_poly1305_short_header;
  const ku = version === 1 ? "quic ku" : "quicv2 ku";
  const prefix = version === 1 ? "quic " : "quicv2 ";

  Deno.test(`packet keys ${name}: ChaCha20 key/iv/hp/ku and nonce (§A.5)`, () => {
    const secret = hex(c.secret);
    const m = derivePacketKeyMaterial(0x1303, secret, version);
    assert.equal(toHex(m.key), c.key);
    assert.equal(toHex(m.iv), c.iv);
    assert.equal(toHex(m.hp), c.hp);
    assert.equal(toHex(nextTrafficSecret(0x1303, secret, version)), c.ku);
    assert.equal(toHex(writeNonce(m.iv, c.packet_number, new Uint8Array(12))), c.nonce);
  });

  Deno.test(`packet keys ${name}: key update = HKDF "${ku}", new key/iv, same hp`, () => {
    for (
      const [suite, hash, len, keyLen] of [
        [0x1301, "sha256", 32, 16],
        [0x1302, "sha384", 48, 32],
        [0x1303, "sha256", 32, 32],
      ] as const
    ) {
      const secret = Uint8Array.from({ length: len }, (_, i) => i * 7 + suite);
      const k0 = createPacketKeys(suite, secret, version);
      const k1 = updatePacketKeys(k0);
      const k2 = updatePacketKeys(k1);
      // Independent derivation with HKDF-Expand-Label (RFC 9001 §6.1).
      const s1 = hkdfExpandLabel(hash, secret, ku, empty, len);
      const s2 = hkdfExpandLabel(hash, s1, ku, empty, len);
      assert.deepEqual(k1.secret, s1);
      assert.deepEqual(k2.secret, s2);
      assert.equal(k1.keyPhase, 1);
      assert.equal(k2.keyPhase, 0);
      assert.equal(k2.generation, 2);
      assert.equal(k1.hp, k0.hp);
      assert.equal(k2.hp, k0.hp);
      // k1.aead seals exactly like an AEAD built from the independently derived key/iv.
      const key = hkdfExpandLabel(hash, s1, prefix + "key", empty, keyLen);
      const iv = hkdfExpandLabel(hash, s1, prefix + "iv", empty, 12);
      const ref = createAead(suite, key, iv, { impl: "noble" });
      const a = new Uint8Array(64).fill(9);
      const b = a.slice();
      k1.aead.seal(77, a, 0, 5, 48);
      ref.seal(77, b, 0, 5, 48);
      assert.deepEqual(a, b);
      // …and unlike the old keys.
      const c0 = new Uint8Array(64).fill(9);
      k0.aead.seal(77, c0, 0, 5, 48);
      assert.notDeepEqual(c0, a);
      assert.equal(k0.aead.open(77, a.slice(), 0, 5, 64), null);
    }
  });
}

Deno.test("packet keys: nonce = iv XOR packet number (RFC 9001 §5.3) up to 2^53", () => {
  const iv = hex("000102030405060708090a0b");
  assert.equal(toHex(writeNonce(iv, 0, new Uint8Array(12))), "000102030405060708090a0b");
  assert.equal(toHex(writeNonce(iv, 0x0a0b, new Uint8Array(12))), "000102030405060708090000");
  assert.equal(
    toHex(writeNonce(new Uint8Array(12), 2 ** 53 - 1, new Uint8Array(12))),
    "00000000001fffffffffffff",
  );
  assert.equal(
    toHex(writeNonce(new Uint8Array(12), 0x123456789a, new Uint8Array(12))),
    "00000000000000123456789a",
  );
});

Deno.test("packet keys: wrong key sizes and unknown versions are typed errors", () => {
  assert.throws(() => createAead(0x1301, new Uint8Array(32), new Uint8Array(12)), {
    name: "QuicError",
  });
  assert.throws(() => createAead(0x1303, new Uint8Array(32), new Uint8Array(8)), {
    name: "QuicError",
  });
  assert.throws(() => createPacketKeys(0x1301, new Uint8Array(32), 0xbabababa), {
    name: "QuicError",
  });
});
