// One suite run against every AEAD implementation: node:crypto, @noble/ciphers
// (synchronous API) and WebCrypto (asynchronous API). RFC 9001 Appendix A and
// RFC 9369 Appendix A byte for byte, tampering, key phases, key update.
import assert from "node:assert/strict";
import fc from "fast-check";
import type { AeadImpl } from "../../crypto/aead.ts";
import { deriveInitialSecrets } from "../../crypto/initial_secrets.ts";
import { createPacketKeys, type PacketKeys, updatePacketKeys } from "../../crypto/packet_keys.ts";
import {
  protectPacket,
  type UnprotectedPacket,
  unprotectPacket,
} from "../../crypto/packet_protection.ts";
import {
  type AsyncProtectionKeys,
  createAsyncPacketKeys,
  protectPacketAsync,
  unprotectPacketAsync,
} from "../../crypto/packet_protection_async.ts";
import type { CipherSuiteId } from "../../crypto/cipher_suites.ts";
import { nextTrafficSecret } from "../../crypto/packet_keys.ts";
import {
  clientInitialPayload,
  hex,
  locatePacketNumber,
  toHex,
  VECTOR_FILES,
} from "./_packet_vectors.ts";

type Keys = PacketKeys | AsyncProtectionKeys;
type Select = (keyPhase: 0 | 1 | undefined, pn: number) => Keys["aead"] | null;

interface Impl {
  name: string;
  /** Whether this implementation really provides ChaCha20-Poly1305. */
  chacha: boolean;
  keys(suite: CipherSuiteId, secret: Uint8Array, version: number): Promise<Keys>;
  /** Keys after a key update: new AEAD from the "ku" secret, same HP. */
  update(k: Keys, suite: CipherSuiteId, secret: Uint8Array, version: number): Promise<Keys>;
  protect(
    buf: Uint8Array,
    pnOffset: number,
    pnLength: number,
    pn: number,
    payloadEnd: number,
    k: Keys,
  ): Promise<number>;
  unprotect(
    buf: Uint8Array,
    pnOffset: number,
    end: number,
    largestPn: number,
    k: Keys,
    select?: Select,
  ): Promise<UnprotectedPacket | null>;
}

function syncImpl(impl: AeadImpl): Impl {
  return {
    name: impl,
    chacha: true,
    keys: (suite, secret, version) =>
      Promise.resolve(createPacketKeys(suite, secret, version, { impl })),
    update: (k) => Promise.resolve(updatePacketKeys(k as PacketKeys, { impl })),
    protect: (buf, pnOffset, pnLength, pn, payloadEnd, k) =>
      Promise.resolve(protectPacket(buf, 0, pnOffset, pnLength, pn, payloadEnd, k as PacketKeys)),
    unprotect: (buf, pnOffset, end, largestPn, k, select) =>
      Promise.resolve(
        unprotectPacket(
          buf,
          0,
          pnOffset,
          end,
          largestPn,
          k as PacketKeys,
          select as Parameters<typeof unprotectPacket>[6],
        ),
      ),
  };
}

const webcrypto: Impl = {
  name: "webcrypto",
  // WebCrypto has no ChaCha20-Poly1305: createAsyncPacketKeys would fall back
  // to a synchronous AEAD, which the node/noble runs already cover.
  chacha: false,
  keys: (suite, secret, version) => createAsyncPacketKeys(suite, secret, version),
  update: async (k, suite, secret, version) => ({
    aead: (await createAsyncPacketKeys(suite, nextTrafficSecret(suite, secret, version), version))
      .aead,
    hp: k.hp,
  }),
  protect: (buf, pnOffset, pnLength, pn, payloadEnd, k) =>
    protectPacketAsync(buf, 0, pnOffset, pnLength, pn, payloadEnd, k as AsyncProtectionKeys),
  unprotect: (buf, pnOffset, end, largestPn, k, select) =>
    unprotectPacketAsync(
      buf,
      0,
      pnOffset,
      end,
      largestPn,
      k as AsyncProtectionKeys,
      select as Parameters<typeof unprotectPacketAsync>[6],
    ),
};

const IMPLS: Impl[] = [syncImpl("node"), syncImpl("noble"), webcrypto];
const AES128 = 0x1301 as const;
const CHACHA = 0x1303 as const;

async function initialKeys(
  impl: Impl,
  version: number,
  dcid: Uint8Array,
  side: "client" | "server",
) {
  const secrets = deriveInitialSecrets(version, dcid);
  return await impl.keys(AES128, secrets[side], version);
}

for (const impl of IMPLS) {
  for (const { name, version, v } of VECTOR_FILES) {
    const dcid = hex(v.client_destination_connection_id);

    Deno.test(`packet protection [${impl.name}] ${name}: client Initial`, async () => {
      const header = hex(v.client_initial.unprotected_header);
      const payload = clientInitialPayload(v);
      const buf = new Uint8Array(v.client_initial.protected_packet_length);
      buf.set(header);
      buf.set(payload, header.length);
      const { pnOffset, packetEnd } = locatePacketNumber(buf);
      assert.equal(packetEnd, buf.length);
      const keys = await initialKeys(impl, version, dcid, "client");
      const pn = v.client_initial.packet_number;
      const end = await impl.protect(
        buf,
        pnOffset,
        v.client_initial.packet_number_length,
        pn,
        header.length + payload.length,
        keys,
      );
      assert.equal(end, buf.length);
      assert.equal(toHex(buf), v.client_initial.protected_packet);

      const got = await impl.unprotect(buf, pnOffset, packetEnd, -1, keys);
      assert.ok(got);
      assert.equal(got.packetNumber, pn);
      assert.equal(got.pnLength, 4);
      assert.equal(got.firstByte, header[0]);
      assert.equal(got.keyPhase, undefined);
      assert.equal(toHex(got.payload), toHex(payload));
      assert.equal(got.payload.buffer, buf.buffer); // in place, no copy returned
      assert.equal(toHex(buf.subarray(0, header.length)), toHex(header));
    });

    Deno.test(`packet protection [${impl.name}] ${name}: server Initial`, async () => {
      const header = hex(v.server_initial.unprotected_header);
      const payload = hex(v.server_initial.payload);
      const buf = new Uint8Array(v.server_initial.protected_packet_length);
      buf.set(header);
      buf.set(payload, header.length);
      const { pnOffset } = locatePacketNumber(buf);
      const keys = await initialKeys(impl, version, dcid, "server");
      await impl.protect(buf, pnOffset, 2, 1, header.length + payload.length, keys);
      assert.equal(toHex(buf), v.server_initial.protected_packet);

      // Receiving side: parse the protected packet as a client would.
      const rx = hex(v.server_initial.protected_packet);
      const loc = locatePacketNumber(rx);
      const got = await impl.unprotect(rx, loc.pnOffset, loc.packetEnd, 0, keys);
      assert.ok(got);
      assert.equal(got.packetNumber, 1);
      assert.equal(got.pnLength, 2);
      assert.equal(toHex(got.payload), v.server_initial.payload);
      assert.equal(toHex(rx.subarray(0, header.length)), v.server_initial.unprotected_header);
    });

    if (impl.chacha) {
      Deno.test(`packet protection [${impl.name}] ${name}: ChaCha20-Poly1305 short header`, async () => {
        const c = v.chacha20_poly1305_short_header;
        const header = hex(c.unprotected_header);
        const buf = new Uint8Array(c.protected_packet_length);
        buf.set(header);
        buf.set(hex(c.payload_plaintext), header.length);
        const keys = await impl.keys(CHACHA, hex(c.secret), version);
        const end = await impl.protect(
          buf,
          1,
          c.packet_number_length,
          c.packet_number,
          header.length + 1,
          keys,
        );
        assert.equal(end, buf.length);
        assert.equal(toHex(buf), c.protected_packet);
        const got = await impl.unprotect(buf, 1, end, c.packet_number - 1, keys);
        assert.ok(got);
        assert.equal(got.packetNumber, c.packet_number);
        assert.equal(got.keyPhase, 0);
        assert.equal(toHex(got.payload), c.payload_plaintext);
        assert.equal(toHex(buf.subarray(0, 4)), c.unprotected_header);
      });
    }

    Deno.test(`packet protection [${impl.name}] ${name}: any flipped bit → null, buffer restored`, async () => {
      const keys = await initialKeys(impl, version, dcid, "client");
      const packet = hex(v.client_initial.protected_packet);
      const { pnOffset, packetEnd } = locatePacketNumber(packet);
      // Every region: first byte, version, DCID, token/length, packet number,
      // sample, middle of payload, tag.
      const positions = [0, 2, 7, 16, 18, 19, 21, 25, 600, 1183, 1199];
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: packet.length - 1 }),
          fc.integer({ min: 0, max: 7 }),
          async (pos, bit) => {
            for (const p of [pos, positions[pos % positions.length]]) {
              const buf = packet.slice();
              buf[p] ^= 1 << bit;
              const before = buf.slice();
              // Keep the original framing: the receiver's parser gave these.
              const got = await impl.unprotect(buf, pnOffset, packetEnd, -1, keys);
              assert.equal(got, null, `bit ${bit} of byte ${p}`);
              assert.deepEqual(buf, before);
            }
          },
        ),
        { seed: 9001, numRuns: 40 },
      );
      // The untouched packet still opens (the property's keys were right).
      assert.ok(await impl.unprotect(packet.slice(), pnOffset, packetEnd, -1, keys));
    });

    Deno.test(`packet protection [${impl.name}] ${name}: key phase and key update`, async () => {
      const suites: CipherSuiteId[] = impl.chacha ? [AES128, 0x1302, CHACHA] : [AES128, 0x1302];
      for (const suite of suites) {
        const secret = new Uint8Array(suite === 0x1302 ? 48 : 32).fill(suite & 0xff);
        const k0 = await impl.keys(suite, secret, version);
        const k1 = await impl.update(k0, suite, secret, version);
        assert.equal(k1.hp, k0.hp); // RFC 9001 §6.1: HP key not updated
        const buf = new Uint8Array(100);
        buf[0] = 0x40 | 0x04 | 0x01; // short header, Key Phase 1, 2-byte pn
        buf.set([0x08, 0xab, 0xcd], 1); // 1-byte DCID 0x08
        buf.fill(0x01, 4, 40); // PING frames
        const end = await impl.protect(buf, 2, 2, 1000, 40, k1);
        const wire = buf.slice(0, end);

        // Old-phase keys fail; the buffer is left as received.
        const a = wire.slice();
        assert.equal(await impl.unprotect(a, 2, end, 999, k0), null);
        assert.deepEqual(a, wire);
        // The right keys succeed and report Key Phase 1.
        const b = wire.slice();
        const got = await impl.unprotect(
          b,
          2,
          end,
          999,
          k0,
          (phase) => (phase === 1 ? k1 : k0).aead,
        );
        assert.ok(got);
        assert.equal(got.keyPhase, 1);
        assert.equal(got.packetNumber, 1000);
        assert.equal(got.payload.length, 36);
        assert.ok(got.payload.every((x) => x === 1));
        // A selector that has no keys for the phase drops the packet.
        const c = wire.slice();
        assert.equal(await impl.unprotect(c, 2, end, 999, k0, () => null), null);
        assert.deepEqual(c, wire);
      }
    });
  }
}

Deno.test("packet protection: every implementation seals identically (seeded property)", async () => {
  const suites: CipherSuiteId[] = [0x1301, 0x1302, 0x1303];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...suites),
      fc.constantFrom(0x00000001, 0x6b3343cf),
      fc.uint8Array({ minLength: 48, maxLength: 48 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.uint8Array({ minLength: 0, maxLength: 1300 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 2 ** 31 }),
      async (suite, version, secretBytes, pnLength, pn, payloadIn, long, deltaSeed) => {
        const secret = secretBytes.subarray(0, suite === 0x1302 ? 48 : 32);
        // Header: a long Handshake-like header or a short one with an 8-byte DCID.
        const pnOffset = long ? 1 + 4 + 1 + 8 + 1 + 0 + 2 : 1 + 8;
        // RFC 9001 §5.4.2: pad so the sample exists.
        const payload = payloadIn.length >= 4 - pnLength ? payloadIn : new Uint8Array(4);
        const payloadEnd = pnOffset + pnLength + payload.length;
        const make = () => {
          const buf = new Uint8Array(payloadEnd + 16);
          if (long) {
            buf[0] = 0xe0 | (pnLength - 1);
            buf.set([0, 0, 0, 1, 8], 1);
            buf.set([0x40 | ((pnLength + payload.length + 16) >> 8), 0], pnOffset - 2);
            buf[pnOffset - 1] = (pnLength + payload.length + 16) & 0xff;
          } else {
            buf[0] = 0x40 | (pnLength - 1);
          }
          buf.fill(0x5a, long ? 6 : 1, long ? 14 : 9);
          buf.set(payload, pnOffset + pnLength);
          return buf;
        };
        const outputs: Uint8Array[] = [];
        const halfWindow = 2 ** (8 * pnLength - 1);
        const delta = 1 + (deltaSeed % Math.min(halfWindow, pn + 1));
        for (const impl of IMPLS) {
          if (suite === CHACHA && !impl.chacha) continue;
          const keys = await impl.keys(suite, secret, version);
          const buf = make();
          const end = await impl.protect(buf, pnOffset, pnLength, pn, payloadEnd, keys);
          assert.equal(end, buf.length);
          outputs.push(buf.slice());
          const got = await impl.unprotect(buf, pnOffset, end, pn - delta, keys);
          assert.ok(got, impl.name);
          assert.equal(got.packetNumber, pn);
          assert.equal(got.pnLength, pnLength);
          assert.deepEqual(got.payload, payload);
        }
        for (const o of outputs.slice(1)) assert.deepEqual(o, outputs[0]);
      },
    ),
    { seed: 4242, numRuns: 120 },
  );
});

Deno.test("packet protection: garbage never throws, too-short packets are dropped", async () => {
  const keys = createPacketKeys(0x1301, new Uint8Array(32), 1);
  const asyncKeys = await createAsyncPacketKeys(0x1301, new Uint8Array(32), 1);
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 0, maxLength: 80 }),
      fc.integer({ min: 0, max: 30 }),
      fc.integer({ min: -1, max: 2 ** 40 }),
      async (bytes, pnOffset, largest) => {
        const end = bytes.length;
        const a = unprotectPacket(bytes.slice(), 0, pnOffset, end, largest, keys);
        const b = await unprotectPacketAsync(bytes.slice(), 0, pnOffset, end, largest, asyncKeys);
        // Random bytes essentially never authenticate; both must agree.
        assert.equal(a, null);
        assert.equal(b, null);
      },
    ),
    { seed: 77, numRuns: 300 },
  );
  // Exactly too short to sample: pnOffset + 4 + 16 > packetEnd.
  const buf = new Uint8Array(24);
  buf[0] = 0x40;
  assert.equal(unprotectPacket(buf, 0, 5, 24, -1, keys), null);
  assert.throws(() => protectPacket(new Uint8Array(20), 0, 1, 1, 0, 2, keys), /pad it/);
  assert.throws(() => protectPacket(new Uint8Array(20), 0, 1, 1, 0, 5, keys), /bad offsets/);
});

Deno.test("packet protection: WebCrypto with 16 in flight matches node", async () => {
  const secret = new Uint8Array(32).fill(3);
  const syncKeys = createPacketKeys(0x1301, secret, 1, { impl: "node" });
  const asyncKeys = await createAsyncPacketKeys(0x1301, secret, 1);
  const bufs = Array.from({ length: 16 }, (_, i) => {
    const b = new Uint8Array(1200);
    b[0] = 0x43;
    b.fill(i + 1, 5, 1184);
    return b;
  });
  const expected = bufs.map((b, i) => {
    const c = b.slice();
    protectPacket(c, 0, 1, 4, 100 + i, 1184, syncKeys);
    return c;
  });
  await Promise.all(bufs.map((b, i) => protectPacketAsync(b, 0, 1, 4, 100 + i, 1184, asyncKeys)));
  for (let i = 0; i < 16; i++) assert.deepEqual(bufs[i], expected[i]);
  const opened = await Promise.all(
    bufs.map((b) => unprotectPacketAsync(b, 0, 1, 1200, 99, asyncKeys)),
  );
  opened.forEach((p, i) => {
    assert.equal(p?.packetNumber, 100 + i);
    assert.ok(p?.payload.every((x) => x === i + 1));
  });
});
