/**
 * Version Negotiation greasing (RFC 9000 §6.3) never lists the version the
 * client chose: §6.2 makes a client discard such a VN, so a server that
 * echoed the probe version (the old fixed 0x1a2a3a4a, which ngtcp2's
 * `-v 0x1a2a3a4a` probe uses) would never be negotiated with.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { CLIENT, connect, makeClient, makeServer, SIM_START } from "../../sim/fixtures.ts";
import { parsePacketHeader } from "../../../quic/proto/header.ts";
import { PacketType } from "../../../quic/proto/packet_type.ts";
import { isReservedVersion, QUIC_V1, QUIC_V2 } from "../../../quic/proto/version.ts";
import type { Endpoint } from "../../../quic/proto/endpoint.ts";

const now = SIM_START;

function initialWithVersion(seed: number, version: number): Uint8Array {
  const c = makeClient(seed);
  connect(c, now);
  const dg = c.pollTransmit(now)!.data.slice();
  new DataView(dg.buffer, dg.byteOffset).setUint32(1, version);
  return dg;
}

function vnVersions(server: Endpoint, dg: Uint8Array): number[] {
  server.handleDatagram(dg, CLIENT, now);
  const t = server.pollTransmit(now);
  assert.ok(t, "a Version Negotiation packet is sent");
  const h = parsePacketHeader(t.data, 0, 8);
  assert.equal(h.packetType, PacketType.VersionNegotiation);
  return h.supportedVersions!;
}

Deno.test("endpoint VN: grease never equals the client's version, even when the random draw collides", () => {
  const probe = 0x1a2a3a4a;
  // Randomness that makes greaseVersion() produce exactly the probe version.
  const server = makeServer(80, {
    random: (n) => Uint8Array.from({ length: n }, (_, i) => [0x1a, 0x2a, 0x3a, 0x4a][i % 4]),
  });
  const versions = vnVersions(server, initialWithVersion(81, probe));
  assert.ok(!versions.includes(probe), `VN lists ${versions.map((v) => v.toString(16))}`);
  assert.ok(versions.includes(QUIC_V1) && versions.includes(QUIC_V2));
  assert.equal(versions.filter(isReservedVersion).length, 1);
});

Deno.test("endpoint VN: lists v1, v2 and one reserved version other than the client's (seeded)", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.constant(0x1a2a3a4a), fc.integer({ min: 0, max: 0xffffffff })),
      fc.boolean(),
      (v, reserved) => {
        let version = v >>> 0;
        if (reserved) version = ((version & 0xf0f0f0f0) | 0x0a0a0a0a) >>> 0;
        if (version === QUIC_V1 || version === QUIC_V2 || version === 0) return;
        const server = makeServer(82 + (v & 7));
        const versions = vnVersions(server, initialWithVersion(90, version));
        assert.ok(!versions.includes(version));
        assert.ok(versions.includes(QUIC_V1) && versions.includes(QUIC_V2));
        assert.equal(versions.filter(isReservedVersion).length, 1);
      },
    ),
    { seed: 4242, numRuns: 200 },
  );
});
