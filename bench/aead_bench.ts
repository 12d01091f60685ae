// Packet protection cost per 1200-byte packet (AEAD + header protection) for
// each AEAD implementation and suite, and the header protection mask alone.
// Run: deno bench -A bench/aead_bench.ts
//
// Every iteration first copies a 1200-byte template into the working buffer
// (≈0.1 µs) so protect always seals a plaintext and unprotect always opens a
// valid packet; the copy is in every case alike.
import { createPacketKeys, type PacketKeys } from "../crypto/packet_keys.ts";
import { protectPacket, unprotectPacket } from "../crypto/packet_protection.ts";
import {
  type AsyncProtectionKeys,
  createAsyncPacketKeys,
  protectPacketAsync,
  unprotectPacketAsync,
} from "../crypto/packet_protection_async.ts";
import type { CipherSuiteId } from "../crypto/cipher_suites.ts";
import {
  AesHeaderProtection,
  ChaChaHeaderProtection,
  NodeHeaderProtection,
} from "../crypto/header_protection.ts";

const SIZE = 1200;
const PN_OFFSET = 1 + 8; // short header, 8-byte DCID
const PN_LENGTH = 2;
const PAYLOAD_END = SIZE - 16;
const IN_FLIGHT = 16;

const SUITES: [CipherSuiteId, string][] = [
  [0x1301, "AES-128-GCM"],
  [0x1302, "AES-256-GCM"],
  [0x1303, "ChaCha20-Poly1305"],
];

function plaintextTemplate(): Uint8Array {
  const b = new Uint8Array(SIZE);
  b[0] = 0x40 | (PN_LENGTH - 1);
  b.fill(0x11, 1, PN_OFFSET);
  for (let i = PN_OFFSET + PN_LENGTH; i < PAYLOAD_END; i++) b[i] = i & 0xff;
  return b;
}

for (const [suite, label] of SUITES) {
  const secret = new Uint8Array(suite === 0x1302 ? 48 : 32).fill(7);
  const plain = plaintextTemplate();
  const sync: [string, PacketKeys][] = [
    ["node", createPacketKeys(suite, secret, 1, { impl: "node" })],
    ["noble", createPacketKeys(suite, secret, 1, { impl: "noble" })],
  ];
  const sealed = plain.slice();
  protectPacket(sealed, 0, PN_OFFSET, PN_LENGTH, 1000, PAYLOAD_END, sync[0][1]);
  const buf = new Uint8Array(SIZE);

  for (const [name, keys] of sync) {
    Deno.bench(`protect ${label} ${name}`, {
      group: `protect ${label}`,
      baseline: name === "node",
    }, () => {
      buf.set(plain);
      protectPacket(buf, 0, PN_OFFSET, PN_LENGTH, 1000, PAYLOAD_END, keys);
    });
    Deno.bench(`unprotect ${label} ${name}`, {
      group: `unprotect ${label}`,
      baseline: name === "node",
    }, () => {
      buf.set(sealed);
      if (unprotectPacket(buf, 0, PN_OFFSET, SIZE, 999, keys) === null) throw new Error("open");
    });
  }

  // WebCrypto has no ChaCha20-Poly1305.
  if (suite === 0x1303) continue;
  let asyncKeys: AsyncProtectionKeys | undefined;
  const getAsyncKeys = async () => asyncKeys ??= await createAsyncPacketKeys(suite, secret, 1);
  const bufs = Array.from({ length: IN_FLIGHT }, () => new Uint8Array(SIZE));

  Deno.bench(`protect ${label} webcrypto awaited one by one`, {
    group: `protect ${label}`,
  }, async () => {
    const keys = await getAsyncKeys();
    buf.set(plain);
    await protectPacketAsync(buf, 0, PN_OFFSET, PN_LENGTH, 1000, PAYLOAD_END, keys);
  });
  Deno.bench(`protect ${label} webcrypto ${IN_FLIGHT} in flight (time per ${IN_FLIGHT})`, {
    group: `protect ${label}`,
  }, async () => {
    const keys = await getAsyncKeys();
    const all: Promise<number>[] = [];
    for (let i = 0; i < IN_FLIGHT; i++) {
      bufs[i].set(plain);
      all.push(protectPacketAsync(bufs[i], 0, PN_OFFSET, PN_LENGTH, 1000 + i, PAYLOAD_END, keys));
    }
    await Promise.all(all);
  });
  Deno.bench(`unprotect ${label} webcrypto awaited one by one`, {
    group: `unprotect ${label}`,
  }, async () => {
    const keys = await getAsyncKeys();
    buf.set(sealed);
    if (await unprotectPacketAsync(buf, 0, PN_OFFSET, SIZE, 999, keys) === null) {
      throw new Error("open");
    }
  });
  Deno.bench(`unprotect ${label} webcrypto ${IN_FLIGHT} in flight (time per ${IN_FLIGHT})`, {
    group: `unprotect ${label}`,
  }, async () => {
    const keys = await getAsyncKeys();
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < IN_FLIGHT; i++) {
      bufs[i].set(sealed);
      all.push(unprotectPacketAsync(bufs[i], 0, PN_OFFSET, SIZE, 999, keys));
    }
    await Promise.all(all);
  });
}

// Header protection mask alone: JS block with the key prepared once vs one
// node:crypto call per packet.
const sample = new Uint8Array(32).fill(0x5c);
const hps = [
  ["AES-128 JS block (key expanded once)", new AesHeaderProtection(new Uint8Array(16).fill(1))],
  ["AES-128 node:crypto ECB per call", new NodeHeaderProtection("aes-128", new Uint8Array(16))],
  ["AES-256 JS block (key expanded once)", new AesHeaderProtection(new Uint8Array(32).fill(1))],
  ["AES-256 node:crypto ECB per call", new NodeHeaderProtection("aes-256", new Uint8Array(32))],
  ["ChaCha20 JS block", new ChaChaHeaderProtection(new Uint8Array(32).fill(1))],
  ["ChaCha20 node:crypto per call", new NodeHeaderProtection("chacha20", new Uint8Array(32))],
] as const;
let sink = 0;
for (const [name, hp] of hps) {
  Deno.bench(
    `hp mask ${name}`,
    { group: "hp mask", baseline: name.startsWith("AES-128 JS") },
    () => {
      sample[0]++;
      sink ^= hp.mask(sample, 0)[0];
    },
  );
}
globalThis.addEventListener("unload", () => {
  if (sink === 0x1234567) console.log(sink); // keep the mask results alive
});
