import assert from "node:assert/strict";
import fc from "fast-check";
import {
  greaseVersion,
  isReservedVersion,
  isSupportedVersion,
  longHeaderTypeBits,
  packetTypeFromLongHeaderBits,
  QUIC_V1,
  QUIC_V2,
} from "../../../quic/proto/version.ts";
import { PacketType, packetTypeName } from "../../../quic/proto/packet_type.ts";
import { QuicError } from "../../../quic/proto/errors.ts";

Deno.test("version: supported and reserved versions (RFC 9000 §15, RFC 9369)", () => {
  assert.equal(QUIC_V2, 0x6b3343cf);
  assert.ok(isSupportedVersion(QUIC_V1) && isSupportedVersion(QUIC_V2));
  assert.ok(!isSupportedVersion(0) && !isSupportedVersion(0xff00001d));
  for (const v of [0x0a0a0a0a, 0x1a2a3a4a, 0xfafafafa]) {
    assert.ok(isReservedVersion(v), v.toString(16));
  }
  for (const v of [QUIC_V1, QUIC_V2, 0x0a0a0a0b, 0]) assert.ok(!isReservedVersion(v));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (r) => {
      const v = greaseVersion(r);
      assert.ok(isReservedVersion(v) && v >= 0 && v <= 0xffffffff);
    }),
    { seed: 15, numRuns: 500 },
  );
});

Deno.test("version: long header type mapping per version (RFC 9000 §17.2, RFC 9369 §3.2)", () => {
  const v2 = JSON.parse(
    Deno.readTextFileSync(
      new URL("../../vectors/rfc9369-appendix-a-packet-protection.json", import.meta.url),
    ),
  ).long_header_packet_types as Record<string, string>;
  const names: [string, number][] = [
    ["initial", PacketType.Initial],
    ["0rtt", PacketType.ZeroRtt],
    ["handshake", PacketType.Handshake],
    ["retry", PacketType.Retry],
  ];
  for (const [name, pt] of names) {
    const bits = parseInt(v2[name].slice(2), 2);
    assert.equal(longHeaderTypeBits(QUIC_V2, pt as 0), bits, name);
    assert.equal(packetTypeFromLongHeaderBits(QUIC_V2, bits), pt);
  }
  for (let bits = 0; bits < 4; bits++) {
    assert.equal(longHeaderTypeBits(QUIC_V1, packetTypeFromLongHeaderBits(QUIC_V1, bits)), bits);
  }
  assert.equal(packetTypeFromLongHeaderBits(QUIC_V1, 0), PacketType.Initial);
  assert.equal(packetTypeFromLongHeaderBits(QUIC_V1, 3), PacketType.Retry);
  assert.equal(packetTypeFromLongHeaderBits(0xff00001d, 0), PacketType.Unknown);
  assert.throws(() => longHeaderTypeBits(0x1a2a3a4a, PacketType.Initial), QuicError);
  assert.throws(() => longHeaderTypeBits(QUIC_V1, PacketType.OneRtt), QuicError);
  assert.equal(packetTypeName(PacketType.OneRtt), "1-RTT");
});
