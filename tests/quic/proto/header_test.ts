import assert from "node:assert/strict";
import fc from "fast-check";
import { gcm } from "@noble/ciphers/aes.js";
import {
  checkReservedBits,
  decodePacketNumber,
  encodeRetryWithoutTag,
  encodeVersionNegotiation,
  iterateCoalescedPackets,
  keyPhaseOf,
  type LongHeaderFields,
  longHeaderSize,
  type PacketHeader,
  packetNumberLengthOf,
  PacketType,
  type PacketTypeValue,
  parsePacketHeader,
  patchLength,
  QUIC_V1,
  QUIC_V2,
  readPacketNumber,
  retryPseudoPacket,
  writeLongHeader,
  writeShortHeader,
} from "../../../quic/proto/packet.ts";
import { QuicError } from "../../../quic/proto/errors.ts";
import { bytes } from "./wire_arbitraries.ts";

const hex = (s: string) => Uint8Array.from((s.match(/../g) ?? []).map((h) => parseInt(h, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

type Vectors = {
  quic_version: string;
  client_destination_connection_id: string;
  client_initial: Record<string, string | number>;
  server_initial: Record<string, string | number>;
  retry: Record<string, string | number>;
  chacha20_poly1305_short_header: Record<string, string | number>;
};
const load = (name: string): Vectors =>
  JSON.parse(Deno.readTextFileSync(new URL(`../../vectors/${name}`, import.meta.url)));
const V1 = load("rfc9001-appendix-a-packet-protection.json");
const V2 = load("rfc9369-appendix-a-packet-protection.json");

for (
  const [label, vec, version] of [["RFC 9001", V1, QUIC_V1], ["RFC 9369", V2, QUIC_V2]] as const
) {
  Deno.test(`header: ${label} Appendix A client Initial (unprotected and protected)`, () => {
    assert.equal(Number(vec.quic_version), version);
    const ci = vec.client_initial;
    const header = hex(ci.unprotected_header as string);
    const protectedPacket = hex(ci.protected_packet as string);
    // Unprotected header followed by a payload of the declared length.
    const pkt = new Uint8Array(ci.protected_packet_length as number);
    pkt.set(header);
    for (
      const [bytes, firstByte] of [[pkt, header[0]], [protectedPacket, protectedPacket[0]]] as const
    ) {
      const h = parsePacketHeader(bytes, 0, 8);
      assert.equal(h.longHeader, true);
      assert.equal(h.version, version);
      assert.equal(h.packetType, PacketType.Initial);
      assert.equal(toHex(h.dcid), vec.client_destination_connection_id);
      assert.equal(h.scid.length, 0);
      assert.equal(h.token.length, 0);
      assert.equal(h.firstByte, firstByte);
      assert.equal(h.pnOffset, 18);
      assert.equal(h.packetEnd - h.pnOffset, ci.length_field_value);
      assert.equal(h.packetEnd, 1200);
    }
    // After header protection removal: 4-byte packet number 2, reserved bits 0.
    assert.equal(packetNumberLengthOf(header[0]), ci.packet_number_length);
    assert.equal(readPacketNumber(header, 18, 4), ci.packet_number);
    checkReservedBits(header[0]);
    // The builder reproduces the header byte for byte.
    const buf = new Uint8Array(1200);
    const l = writeLongHeader(buf, 0, {
      packetType: PacketType.Initial,
      version,
      dcid: hex(vec.client_destination_connection_id),
      scid: new Uint8Array(0),
      packetNumber: 2,
      pnLength: 4,
    });
    patchLength(buf, l, 1200);
    assert.equal(toHex(buf.subarray(0, l.payloadOffset)), ci.unprotected_header);
  });

  Deno.test(`header: ${label} Appendix A server Initial`, () => {
    const si = vec.server_initial;
    const header = hex(si.unprotected_header as string);
    const pkt = new Uint8Array(si.protected_packet_length as number);
    pkt.set(header);
    const h = parsePacketHeader(pkt, 0, 0);
    assert.equal(h.packetType, PacketType.Initial);
    assert.equal(h.version, version);
    assert.equal(h.dcid.length, 0);
    assert.equal(toHex(h.scid), "f067a5502a4262b5");
    assert.equal(h.pnOffset, 18);
    assert.equal(h.packetEnd, si.protected_packet_length);
    assert.equal(packetNumberLengthOf(header[0]), si.packet_number_length);
    assert.equal(readPacketNumber(header, h.pnOffset, 2), si.packet_number);
    const prot = parsePacketHeader(hex(si.protected_packet as string), 0, 0);
    assert.equal(prot.pnOffset, 18);
    assert.equal(prot.packetEnd, si.protected_packet_length);
    const buf = new Uint8Array(200);
    const l = writeLongHeader(buf, 0, {
      packetType: PacketType.Initial,
      version,
      dcid: new Uint8Array(0),
      scid: hex("f067a5502a4262b5"),
      packetNumber: 1,
      pnLength: 2,
    });
    patchLength(buf, l, si.protected_packet_length as number);
    assert.equal(toHex(buf.subarray(0, l.payloadOffset)), si.unprotected_header);
  });

  Deno.test(`header: ${label} Appendix A Retry parse, rebuild and pseudo-packet`, () => {
    const r = vec.retry;
    const pkt = hex(r.packet as string);
    const h = parsePacketHeader(pkt, 0, 0);
    assert.equal(h.packetType, PacketType.Retry);
    assert.equal(h.version, version);
    assert.equal(h.dcid.length, 0);
    assert.equal(toHex(h.scid), "f067a5502a4262b5");
    assert.equal(new TextDecoder().decode(h.token), "token");
    assert.equal(toHex(h.retryIntegrityTag), r.integrity_tag);
    assert.equal(h.pnOffset, -1);
    assert.equal(h.packetEnd, pkt.length);
    const rebuilt = encodeRetryWithoutTag(version, h.dcid, h.scid, h.token, pkt[0] & 0x0f);
    assert.deepEqual(rebuilt, pkt.subarray(0, pkt.length - 16));
    // The pseudo-packet is what the tag authenticates (RFC 9001 §5.8): check with AES-GCM.
    const pseudo = retryPseudoPacket(hex(r.original_destination_connection_id as string), rebuilt);
    const tag = gcm(
      hex(r.retry_integrity_key as string),
      hex(r.retry_integrity_nonce as string),
      pseudo,
    )
      .encrypt(new Uint8Array(0));
    assert.equal(toHex(tag), r.integrity_tag);
  });

  Deno.test(`header: ${label} Appendix A ChaCha20 short header`, () => {
    const s = vec.chacha20_poly1305_short_header;
    const pkt = hex(s.protected_packet as string);
    const h = parsePacketHeader(pkt, 0, 0);
    assert.equal(h.longHeader, false);
    assert.equal(h.packetType, PacketType.OneRtt);
    assert.equal(h.pnOffset, 1);
    assert.equal(h.packetEnd, pkt.length);
    const header = hex(s.unprotected_header as string);
    const pnLen = packetNumberLengthOf(header[0]);
    assert.equal(pnLen, s.packet_number_length);
    const truncated = readPacketNumber(header, 1, pnLen);
    assert.equal(decodePacketNumber(654360563, truncated, pnLen * 8), s.packet_number);
    assert.equal(keyPhaseOf(header[0]), false);
    const buf = new Uint8Array(4);
    writeShortHeader(buf, 0, {
      dcid: new Uint8Array(0),
      packetNumber: s.packet_number as number,
      pnLength: 3,
    });
    assert.equal(toHex(buf), s.unprotected_header);
  });
}

Deno.test("header: v2 long header type mapping differs from v1 on the wire", () => {
  const f = (version: number, packetType: PacketTypeValue): LongHeaderFields => ({
    packetType,
    version,
    dcid: Uint8Array.of(1),
    scid: Uint8Array.of(2),
    packetNumber: 0,
    pnLength: 1,
  });
  const buf = new Uint8Array(64);
  const expect: [PacketTypeValue, number, number][] = [
    [PacketType.Initial, 0b00, 0b01],
    [PacketType.ZeroRtt, 0b01, 0b10],
    [PacketType.Handshake, 0b10, 0b11],
  ];
  for (const [pt, v1bits, v2bits] of expect) {
    writeLongHeader(buf, 0, f(QUIC_V1, pt));
    assert.equal((buf[0] >> 4) & 3, v1bits);
    writeLongHeader(buf, 0, f(QUIC_V2, pt));
    assert.equal((buf[0] >> 4) & 3, v2bits);
  }
});

const longFields = fc.record({
  packetType: fc.constantFrom(PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake),
  version: fc.constantFrom(QUIC_V1, QUIC_V2),
  dcid: bytes(0, 20),
  scid: bytes(0, 20),
  token: bytes(0, 80),
  packetNumber: fc.integer({ min: 0, max: 2 ** 40 }),
  pnLength: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
  lengthSize: fc.constantFrom(2 as const, 4 as const, 8 as const),
  payload: fc.integer({ min: 0, max: 1500 }),
}).map((f): LongHeaderFields & { payload: number } =>
  f.packetType === PacketType.Initial ? f : { ...f, token: undefined }
);

function buildLong(
  f: LongHeaderFields & { payload: number },
  buf: Uint8Array,
  off: number,
): number {
  const l = writeLongHeader(buf, off, f);
  assert.equal(l.payloadOffset - off, longHeaderSize(f));
  const end = l.payloadOffset + f.payload;
  buf.fill(0xab, l.payloadOffset, end);
  patchLength(buf, l, end);
  return end;
}

function checkLong(
  h: PacketHeader,
  f: LongHeaderFields,
  buf: Uint8Array,
  start: number,
  end: number,
) {
  assert.equal(h.longHeader, true);
  assert.equal(h.version, f.version);
  assert.equal(h.packetType, f.packetType);
  assert.deepEqual(h.dcid, f.dcid);
  assert.deepEqual(h.scid, f.scid);
  assert.deepEqual(h.token, f.token ?? new Uint8Array(0));
  assert.equal(h.packetStart, start);
  assert.equal(h.packetEnd, end);
  const pnLen = packetNumberLengthOf(h.firstByte);
  assert.equal(pnLen, f.pnLength);
  const truncated = readPacketNumber(buf, h.pnOffset, pnLen);
  assert.equal(decodePacketNumber(f.packetNumber - 1, truncated, pnLen * 8), f.packetNumber);
}

Deno.test("header: long headers round-trip with random fields (seeded)", () => {
  fc.assert(
    fc.property(longFields, fc.integer({ min: 0, max: 30 }), (f, off) => {
      const buf = new Uint8Array(off + longHeaderSize(f) + f.payload);
      const end = buildLong(f, buf, off);
      checkLong(parsePacketHeader(buf, off, 8), f, buf, off, end);
    }),
    { seed: 17000, numRuns: 1500 },
  );
});

Deno.test("header: short headers round-trip with random fields (seeded)", () => {
  fc.assert(
    fc.property(
      bytes(0, 20),
      fc.integer({ min: 0, max: 2 ** 50 }),
      fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 0, max: 100 }),
      (dcid, packetNumber, pnLength, spinBit, keyPhase, payload) => {
        const buf = new Uint8Array(1 + dcid.length + pnLength + payload);
        const at = writeShortHeader(buf, 0, { dcid, packetNumber, pnLength, spinBit, keyPhase });
        assert.equal(at, 1 + dcid.length + pnLength);
        const h = parsePacketHeader(buf, 0, dcid.length);
        assert.equal(h.longHeader, false);
        assert.equal(h.packetType, PacketType.OneRtt);
        assert.deepEqual(h.dcid, dcid);
        assert.equal(h.pnOffset, 1 + dcid.length);
        assert.equal(h.packetEnd, buf.length);
        assert.equal(h.spinBit, spinBit);
        assert.equal(keyPhaseOf(h.firstByte), keyPhase);
        checkReservedBits(h.firstByte);
        const t = readPacketNumber(buf, h.pnOffset, packetNumberLengthOf(h.firstByte));
        assert.equal(decodePacketNumber(packetNumber, t, pnLength * 8), packetNumber);
      },
    ),
    { seed: 17001, numRuns: 1500 },
  );
});

Deno.test("header: Version Negotiation round-trips, CIDs up to 255 bytes (seeded)", () => {
  fc.assert(
    fc.property(
      bytes(0, 255),
      bytes(0, 255),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 20 }),
      fc.integer({ min: 0, max: 127 }),
      (dcid, scid, versions, bits) => {
        const vn = encodeVersionNegotiation(dcid, scid, versions, bits);
        assert.equal(vn[0] & 0xc0, 0xc0);
        const h = parsePacketHeader(vn, 0, 8);
        assert.equal(h.packetType, PacketType.VersionNegotiation);
        assert.equal(h.version, 0);
        assert.deepEqual(h.dcid, dcid);
        assert.deepEqual(h.scid, scid);
        assert.deepEqual(h.supportedVersions, versions);
        assert.equal(h.packetEnd, vn.length);
      },
    ),
    { seed: 17002, numRuns: 500 },
  );
  // A version list that is not a multiple of 4 bytes is malformed.
  const vn = encodeVersionNegotiation(Uint8Array.of(1), Uint8Array.of(2), [QUIC_V1], 0);
  assert.throws(() => parsePacketHeader(vn.subarray(0, vn.length - 1), 0, 8), QuicError);
});

Deno.test("header: Retry round-trips with random fields (seeded)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(QUIC_V1, QUIC_V2),
      bytes(0, 20),
      bytes(0, 20),
      bytes(1, 200),
      bytes(16, 16),
      (version, dcid, scid, token, tag) => {
        const body = encodeRetryWithoutTag(version, dcid, scid, token, 0);
        const pkt = new Uint8Array(body.length + 16);
        pkt.set(body);
        pkt.set(tag, body.length);
        const h = parsePacketHeader(pkt, 0, 0);
        assert.equal(h.packetType, PacketType.Retry);
        assert.deepEqual([h.dcid, h.scid, h.token, h.retryIntegrityTag], [dcid, scid, token, tag]);
      },
    ),
    { seed: 17003, numRuns: 500 },
  );
});

Deno.test("header: coalesced packets are iterated with the Length field (seeded)", () => {
  fc.assert(
    fc.property(
      fc.array(longFields, { minLength: 1, maxLength: 4 }),
      fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
      (fs, shortPayload) => {
        // Every packet of a datagram carries the same DCID (RFC 9000 §12.2).
        const dcid = fs[0].dcid;
        const packets = fs.map((f) => ({ ...f, dcid }));
        const size = packets.reduce((n, f) => n + longHeaderSize(f) + f.payload, 0) +
          (shortPayload === undefined ? 0 : 1 + dcid.length + 1 + shortPayload);
        const buf = new Uint8Array(size);
        const bounds: [number, number][] = [];
        let off = 0;
        for (const f of packets) {
          const end = buildLong(f, buf, off);
          bounds.push([off, end]);
          off = end;
        }
        if (shortPayload !== undefined) {
          writeShortHeader(buf, off, { dcid, packetNumber: 5, pnLength: 1 });
          bounds.push([off, size]);
        }
        const hs = [...iterateCoalescedPackets(buf, dcid.length)];
        assert.equal(hs.length, bounds.length);
        packets.forEach((f, i) => checkLong(hs[i], f, buf, bounds[i][0], bounds[i][1]));
        if (shortPayload !== undefined) {
          const last = hs[hs.length - 1];
          assert.equal(last.packetType, PacketType.OneRtt);
          assert.equal(last.packetEnd, size);
        }
      },
    ),
    { seed: 17004, numRuns: 400 },
  );
});

Deno.test("header: a coalesced packet with another DCID is skipped (RFC 9000 §12.2)", () => {
  const f = (dcid: Uint8Array): LongHeaderFields & { payload: number } => ({
    packetType: PacketType.Handshake,
    version: QUIC_V1,
    dcid,
    scid: new Uint8Array(0),
    packetNumber: 0,
    pnLength: 1,
    payload: 20,
  });
  const a = f(Uint8Array.of(1, 1)), b = f(Uint8Array.of(2, 2));
  const buf = new Uint8Array(3 * (longHeaderSize(a) + 20));
  let off = buildLong(a, buf, 0);
  off = buildLong(b, buf, off);
  buildLong(a, buf, off);
  const hs = [...iterateCoalescedPackets(buf, 2)];
  assert.equal(hs.length, 2);
  assert.deepEqual(hs.map((h) => h.dcid[0]), [1, 1]);
});

Deno.test("header: malformed headers are typed QuicErrors", () => {
  const bad = [
    "", // empty
    "c0000000", // truncated version
    "c00000000115" + "00".repeat(21) + "00", // 21-byte DCID in v1
    "c000000001000015" + "00".repeat(21), // 21-byte SCID in v1
    "c00000000100000005", // Length beyond the datagram... (token length 0, Length 5)
    "c000000001000005aa", // token length beyond the datagram
    "f00000000100000000", // v1 Retry without a tag
    "f0000000010000" + "00".repeat(16), // v1 Retry with an empty token
    "4001", // short header shorter than the DCID
    "0001020304050607080910", // fixed bit 0 (short)
    "800000000100000000", // fixed bit 0 (long)
    "c0000000010000c0", // truncated Length varint
  ];
  for (const h of bad) {
    assert.throws(() => parsePacketHeader(hex(h), 0, 8), QuicError, h);
  }
  // RFC 9287: with grease_quic_bit the Fixed Bit may be 0.
  const h = parsePacketHeader(hex("0001020304050607080910"), 0, 8, { allowFixedBitZero: true });
  assert.equal(h.pnOffset, 9);
  // Unknown versions: only the invariant fields, even with long CIDs (RFC 8999).
  const u = parsePacketHeader(hex("c0ff00001d1e" + "11".repeat(30) + "00" + "abcd"), 0, 8);
  assert.equal(u.packetType, PacketType.Unknown);
  assert.equal(u.dcid.length, 30);
  assert.equal(u.pnOffset, -1);
  // Reserved bits after header-protection removal.
  assert.throws(() => checkReservedBits(0x48 | 0x40), QuicError);
  assert.throws(() => checkReservedBits(0xc4), QuicError);
});
