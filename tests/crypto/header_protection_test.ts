import assert from "node:assert/strict";
import fc from "fast-check";
import {
  AesHeaderProtection,
  applyHeaderProtection,
  ChaChaHeaderProtection,
  createHeaderProtection,
  type HeaderProtectionImpl,
  NodeHeaderProtection,
  removeHeaderProtection,
} from "../../crypto/header_protection.ts";
import type { CipherSuiteId } from "../../crypto/cipher_suites.ts";
import { hex, toHex, VECTOR_FILES } from "./_packet_vectors.ts";

const IMPLS: HeaderProtectionImpl[] = ["js", "node"];

for (const impl of IMPLS) {
  for (const { name, v } of VECTOR_FILES) {
    Deno.test(`header protection [${impl}] ${name}: sample → mask`, () => {
      const cases: [CipherSuiteId, string, string, string][] = [
        [0x1301, v.client_initial_keys.hp, v.client_initial.sample, v.client_initial.mask],
        [0x1301, v.server_initial_keys.hp, v.server_initial.sample, v.server_initial.mask],
        [
          0x1303,
          v.chacha20_poly1305_short_header.hp,
          v.chacha20_poly1305_short_header.sample,
          v.chacha20_poly1305_short_header.mask,
        ],
      ];
      for (const [suite, key, sample, mask] of cases) {
        const hp = createHeaderProtection(suite, hex(key), { impl });
        // Sample at an offset inside a larger buffer, as in a packet.
        const buf = new Uint8Array(40);
        buf.set(hex(sample), 7);
        assert.equal(toHex(hp.mask(buf, 7).subarray(0, 5)), mask);
      }
    });

    Deno.test(`header protection [${impl}] ${name}: apply/remove on the vector headers`, () => {
      const c = v.client_initial;
      const pkt = hex(c.protected_packet);
      const hp = createHeaderProtection(0x1301, hex(v.client_initial_keys.hp), { impl });
      const pnOffset = hex(c.unprotected_header).length - c.packet_number_length;
      assert.equal(removeHeaderProtection(pkt, 0, pnOffset, pkt.length, hp), 4);
      assert.equal(toHex(pkt.subarray(0, pnOffset + 4)), c.unprotected_header);
      applyHeaderProtection(pkt, 0, pnOffset, 4, pkt.length, hp);
      assert.equal(toHex(pkt.subarray(0, pnOffset + 4)), c.protected_header);

      const s = v.chacha20_poly1305_short_header;
      const short = hex(s.protected_packet);
      const chp = createHeaderProtection(0x1303, hex(s.hp), { impl });
      assert.equal(removeHeaderProtection(short, 0, 1, short.length, chp), 3);
      assert.equal(toHex(short.subarray(0, 4)), s.unprotected_header);
    });
  }
}

Deno.test("header protection: first byte masks 4 bits long, 5 bits short; pn bytes only pnLength", () => {
  // A constant mask makes the rule visible: hp that always returns 0xff…
  const ones = { algorithm: "aes-128" as const, mask: () => new Uint8Array(16).fill(0xff) };
  const long = new Uint8Array(30);
  long[0] = 0xc0;
  applyHeaderProtection(long, 0, 5, 2, 30, ones);
  assert.deepEqual([...long.subarray(0, 8)], [0xcf, 0, 0, 0, 0, 0xff, 0xff, 0]);
  const short = new Uint8Array(30);
  short[0] = 0x43; // 4-byte packet number
  applyHeaderProtection(short, 0, 1, 4, 30, ones);
  assert.deepEqual([...short.subarray(0, 6)], [0x5c, 0xff, 0xff, 0xff, 0xff, 0]);
  // Removal reads pnLength from the unmasked first byte.
  assert.equal(removeHeaderProtection(short, 0, 1, 30, ones), 4);
  assert.deepEqual([...short.subarray(0, 6)], [0x43, 0, 0, 0, 0, 0]);
});

Deno.test("header protection: too short to sample → 0 / typed error", () => {
  const hp = new AesHeaderProtection(new Uint8Array(16));
  const buf = new Uint8Array(24);
  buf[0] = 0x40;
  assert.equal(removeHeaderProtection(buf, 0, 5, 24, hp), 0);
  assert.equal(removeHeaderProtection(buf, 0, 4, 25, hp), 0); // packetEnd beyond buffer
  assert.equal(removeHeaderProtection(buf, 0, 4, 24, hp) > 0, true);
  assert.throws(() => applyHeaderProtection(buf, 0, 5, 1, 24, hp), { name: "QuicError" });
});

Deno.test("header protection: JS and node:crypto masks agree (seeded)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(16, 32),
      fc.boolean(),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      (aesLength, chacha, keyBytes, sample) => {
        const key = chacha ? keyBytes : keyBytes.subarray(0, aesLength);
        const js = chacha ? new ChaChaHeaderProtection(key) : new AesHeaderProtection(key);
        const node = new NodeHeaderProtection(js.algorithm, key);
        assert.equal(
          toHex(js.mask(sample, 0).subarray(0, 5)),
          toHex(node.mask(sample, 0).subarray(0, 5)),
        );
      },
    ),
    { seed: 5443, numRuns: 200 },
  );
});
