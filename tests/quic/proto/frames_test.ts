import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeFrame,
  decodeFrames,
  encodeFrame,
  type Frame,
  frameSize,
  frameTypeOf,
  maxCryptoDataLength,
  maxDatagramDataLength,
  maxStreamDataLength,
  writeStreamFrameHeader,
} from "../../../quic/proto/frames/mod.ts";
import { QuicError, TransportErrorCode } from "../../../quic/proto/errors.ts";
import { PacketType } from "../../../quic/proto/packet_type.ts";
import { frame } from "./wire_arbitraries.ts";

const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s/g, "").match(/../g)!.map((h) => parseInt(h, 16)));
const { FRAME_ENCODING_ERROR, PROTOCOL_VIOLATION, FLOW_CONTROL_ERROR, CRYPTO_BUFFER_EXCEEDED } =
  TransportErrorCode;

function encode(f: Frame): Uint8Array {
  const buf = new Uint8Array(frameSize(f));
  const end = encodeFrame(buf, 0, f);
  assert.equal(end, buf.length, `frameSize(${f.type}) must match the bytes written`);
  return buf;
}

function rejects(bytes: Uint8Array, code: number, frameType?: number): void {
  assert.throws(
    () => decodeFrame(bytes, { offset: 0 }),
    (e: unknown) => {
      assert.ok(e instanceof QuicError, `expected QuicError, got ${e}`);
      assert.equal(e.code, code, e.message);
      if (frameType !== undefined) assert.equal(e.frameType, frameType);
      return true;
    },
  );
}

Deno.test("frames: every frame type round-trips at an offset (seeded)", () => {
  fc.assert(
    fc.property(frame, fc.integer({ min: 0, max: 40 }), (f, pad) => {
      const size = frameSize(f);
      const buf = new Uint8Array(pad + size + 3).fill(0xee);
      const end = encodeFrame(buf, pad, f);
      assert.equal(end, pad + size);
      assert.equal(buf[end], 0xee, "must not write past the frame");
      const payload = buf.subarray(pad, end);
      const c = { offset: 0 };
      const back = decodeFrame(payload, c);
      assert.equal(c.offset, size);
      assert.deepEqual(back, f);
      assert.equal(frameTypeOf(back), payload[0] === 0 ? 0 : frameTypeOf(f));
    }),
    { seed: 9000, numRuns: 3000 },
  );
});

Deno.test("frames: sequences of frames round-trip through decodeFrames (seeded)", () => {
  const noAdjacentPadding = fc.array(frame, { minLength: 1, maxLength: 12 }).map((fs) =>
    fs.filter((f, i) => !(f.type === "padding" && fs[i - 1]?.type === "padding"))
  );
  fc.assert(
    fc.property(noAdjacentPadding, (fs) => {
      const total = fs.reduce((n, f) => n + frameSize(f), 0);
      const buf = new Uint8Array(total);
      let off = 0;
      for (const f of fs) off = encodeFrame(buf, off, f);
      assert.equal(off, total);
      assert.deepEqual(decodeFrames(buf), fs);
    }),
    { seed: 9001, numRuns: 500 },
  );
});

Deno.test("frames: STREAM and DATAGRAM without Length extend to the packet end", () => {
  const data = Uint8Array.of(1, 2, 3, 4);
  const s: Frame = { type: "stream", streamId: 4, offset: 7, data, fin: true, hasLength: false };
  const bytes = encode(s);
  assert.equal(bytes[0], 0x08 | 0x04 | 0x01); // OFF + FIN, no LEN
  assert.deepEqual(decodeFrame(bytes, { offset: 0 }), s);
  const d: Frame = { type: "datagram", data, hasLength: false };
  const db = encode(d);
  assert.equal(db[0], 0x30);
  assert.deepEqual(decodeFrame(db, { offset: 0 }), d);
  // Decoded payloads are views of the packet, not copies.
  const decoded = decodeFrame(db, { offset: 0 });
  assert.equal(decoded.type === "datagram" && decoded.data.buffer, db.buffer);
  // OFF bit with explicit zero offset decodes to offset 0.
  assert.deepEqual(decodeFrame(hex("0e 04 00 01 aa"), { offset: 0 }), {
    type: "stream",
    streamId: 4,
    offset: 0,
    data: Uint8Array.of(0xaa),
    fin: false,
    hasLength: true,
  });
});

Deno.test("frames: known byte encodings (RFC 9000 §19)", () => {
  // ACK: largest 5, delay 0, 1 extra range, first range 1 => [4,5]; gap 0, len 0 => [2,2].
  assert.deepEqual(decodeFrame(hex("02 05 00 01 01 00 00"), { offset: 0 }), {
    type: "ack",
    ackDelay: 0,
    ranges: [[4, 5], [2, 2]],
  });
  assert.deepEqual(
    encode({ type: "ack", ackDelay: 0, ranges: [[4, 5], [2, 2]] }),
    hex("02 05 00 01 01 00 00"),
  );
  // ACK_ECN carries three counts.
  assert.deepEqual(decodeFrame(hex("03 00 00 00 00 01 02 03"), { offset: 0 }), {
    type: "ack",
    ackDelay: 0,
    ranges: [[0, 0]],
    ecn: { ect0: 1, ect1: 2, ce: 3 },
  });
  // The CRYPTO frame from RFC 9001 §A.2 starts 06 00 40f1.
  const crypto = decodeFrame(hex("06 00 40 f1" + "00".repeat(0xf1)), { offset: 0 });
  assert.equal(crypto.type === "crypto" && crypto.data.length, 0xf1);
  // CONNECTION_CLOSE transport: code 0x0a, frame type 0x08, reason "x".
  assert.deepEqual(
    encode({
      type: "connection_close",
      application: false,
      errorCode: 0x0an,
      frameType: 8,
      reasonPhrase: Uint8Array.of(0x78),
    }),
    hex("1c 0a 08 01 78"),
  );
  // Error codes keep all 62 bits.
  const rs = decodeFrame(hex("04 00 ff ff ff ff ff ff ff ff 00"), { offset: 0 });
  assert.equal(rs.type === "reset_stream" && rs.errorCode, (1n << 62n) - 1n);
  // Padding runs collapse into one frame.
  assert.deepEqual(decodeFrames(hex("00 00 00 01 00")), [
    { type: "padding", length: 3 },
    { type: "ping" },
    { type: "padding", length: 1 },
  ]);
  // Large limits saturate at 2^53-1 instead of failing.
  assert.deepEqual(decodeFrame(hex("10 ff ff ff ff ff ff ff ff"), { offset: 0 }), {
    type: "max_data",
    maximumData: Number.MAX_SAFE_INTEGER,
  });
});

Deno.test("frames: §19 validation errors carry the right code and frame type", () => {
  // ACK range underflow: largest 2, first range 3.
  rejects(hex("02 02 00 00 03"), FRAME_ENCODING_ERROR, 0x02);
  // ACK gap underflow: [0,2] then gap 1 => next largest = 0 - 1 - 2 < 0.
  rejects(hex("02 02 00 01 02 01 00"), FRAME_ENCODING_ERROR, 0x02);
  // ACK range count larger than the remaining bytes could hold: no allocation.
  rejects(hex("02 05 00 bf ff ff ff 00"), FRAME_ENCODING_ERROR, 0x02);
  // ACK for a packet number above 2^53-1: never sent.
  rejects(hex("02 ff ff ff ff ff ff ff ff 00 00 00"), PROTOCOL_VIOLATION, 0x02);
  // STREAM offset + length > 2^62-1.
  rejects(hex("0e 00 ff ff ff ff ff ff ff ff 02 aa bb"), FRAME_ENCODING_ERROR, 0x0e);
  // STREAM offset above 2^53 but legal: beyond any flow control credit.
  rejects(hex("0e 00 c1 00 00 00 00 00 00 00 01 aa"), FLOW_CONTROL_ERROR, 0x0e);
  // CRYPTO beyond the limit.
  rejects(hex("06 ff ff ff ff ff ff ff ff 01 aa"), FRAME_ENCODING_ERROR, 0x06);
  rejects(hex("06 c1 00 00 00 00 00 00 00 01 aa"), CRYPTO_BUFFER_EXCEEDED, 0x06);
  // STREAM length past the packet end.
  rejects(hex("0a 00 05 aa"), FRAME_ENCODING_ERROR, 0x0a);
  // NEW_CONNECTION_ID: length 0, length 21, retire_prior_to > seq, truncated token.
  const token = "00".repeat(16);
  rejects(hex("18 01 00 00" + token), FRAME_ENCODING_ERROR, 0x18);
  rejects(hex("18 01 00 15" + "11".repeat(21) + token), FRAME_ENCODING_ERROR, 0x18);
  rejects(hex("18 01 02 01 11" + token), FRAME_ENCODING_ERROR, 0x18);
  rejects(hex("18 01 00 01 11" + "00".repeat(15)), FRAME_ENCODING_ERROR, 0x18);
  // MAX_STREAMS / STREAMS_BLOCKED above 2^60; exactly 2^60 is fine.
  rejects(hex("12 d0 00 00 00 00 00 00 01"), FRAME_ENCODING_ERROR, 0x12);
  rejects(hex("17 d0 00 00 00 00 00 00 01"), FRAME_ENCODING_ERROR, 0x17);
  assert.deepEqual(decodeFrame(hex("13 d0 00 00 00 00 00 00 00"), { offset: 0 }), {
    type: "max_streams",
    bidi: false,
    maximumStreams: Number.MAX_SAFE_INTEGER,
  });
  // NEW_TOKEN with an empty token.
  rejects(hex("07 00"), FRAME_ENCODING_ERROR, 0x07);
  // Unknown frame types: one byte and multi-byte.
  rejects(hex("1f"), FRAME_ENCODING_ERROR, 0x1f);
  rejects(hex("40 40"), FRAME_ENCODING_ERROR, 0x40);
  // A known type in a longer encoding than necessary (RFC 9000 §12.4 MAY).
  rejects(hex("40 01"), PROTOCOL_VIOLATION, 0x01);
  // Truncated PATH_CHALLENGE and CONNECTION_CLOSE reason.
  rejects(hex("1a 00 01 02"), FRAME_ENCODING_ERROR, 0x1a);
  rejects(hex("1d 00 05 61"), FRAME_ENCODING_ERROR, 0x1d);
  // Empty packet payload (RFC 9000 §12.4).
  assert.throws(
    () => decodeFrames(new Uint8Array(0)),
    (e: unknown) => e instanceof QuicError && e.code === PROTOCOL_VIOLATION,
  );
});

Deno.test("frames: ACK ranges above the cap are validated then dropped", () => {
  const ranges: [number, number][] = [];
  for (let i = 0; i < 50; i++) ranges.push([1000 - i * 10 - 5, 1000 - i * 10]);
  const bytes = encode({ type: "ack", ackDelay: 3, ranges });
  const f = decodeFrame(bytes, { offset: 0 }, { maxAckRanges: 8 });
  assert.equal(f.type, "ack");
  assert.deepEqual(f.type === "ack" && f.ranges, ranges.slice(0, 8));
  // Even past the cap, an underflow is still an error.
  const bad = Uint8Array.from([...bytes.subarray(0, bytes.length - 2), 0x7f, 0xff, 0x00]);
  assert.throws(() => decodeFrame(bad, { offset: 0 }, { maxAckRanges: 8 }), QuicError);
});

Deno.test("frames: permission table enforced by decodeFrames (RFC 9000 §12.4)", () => {
  const stream = encode({
    type: "stream",
    streamId: 0,
    offset: 0,
    data: Uint8Array.of(1),
    fin: false,
  });
  for (const pt of [PacketType.Initial, PacketType.Handshake]) {
    assert.throws(
      () => decodeFrames(stream, pt),
      (e: unknown) =>
        e instanceof QuicError && e.code === PROTOCOL_VIOLATION && e.frameType === 0x0a,
    );
  }
  assert.equal(decodeFrames(stream, PacketType.ZeroRtt).length, 1);
  assert.throws(() => decodeFrames(hex("1e"), PacketType.ZeroRtt), QuicError);
  assert.throws(() => decodeFrames(hex("1d 00 00"), PacketType.Initial), QuicError);
  assert.equal(decodeFrames(hex("1c 00 00 00"), PacketType.Initial).length, 1);
  assert.equal(decodeFrames(hex("1e"), PacketType.OneRtt).length, 1);
});

Deno.test("frames: max payload helpers fill the space exactly (seeded)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 20000 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.boolean(),
      (space, streamId, offset, hasLength) => {
        const n = maxStreamDataLength(space, streamId, offset, hasLength);
        if (n < 0) {
          assert.ok(
            frameSize({
              type: "stream",
              streamId,
              offset,
              data: new Uint8Array(0),
              fin: false,
              hasLength,
            }) >
              space,
          );
        } else {
          const s = (len: number) =>
            frameSize({
              type: "stream",
              streamId,
              offset,
              data: new Uint8Array(len),
              fin: false,
              hasLength,
            });
          assert.ok(s(n) <= space, `n=${n} must fit`);
          assert.ok(s(n + 1) > space, `n+1=${n + 1} must not fit`);
        }
        const cn = maxCryptoDataLength(space, offset);
        if (cn >= 0) {
          const s = (len: number) =>
            frameSize({ type: "crypto", offset, data: new Uint8Array(len) });
          assert.ok(s(cn) <= space && s(cn + 1) > space);
        } else assert.ok(frameSize({ type: "crypto", offset, data: new Uint8Array(0) }) > space);
        const dn = maxDatagramDataLength(space, hasLength);
        const ds = (len: number) =>
          frameSize({ type: "datagram", data: new Uint8Array(len), hasLength });
        if (dn >= 0) assert.ok(ds(dn) <= space && ds(dn + 1) > space);
        else assert.ok(ds(0) > space);
      },
    ),
    { seed: 9002, numRuns: 2000 },
  );
});

Deno.test("frames: STREAM header writer matches encodeFrame", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 50 }), fc.boolean(), (offset, fin) => {
      const data = Uint8Array.of(9, 8, 7);
      const viaFrame = encode({ type: "stream", streamId: 8, offset, data, fin });
      const buf = new Uint8Array(viaFrame.length);
      const at = writeStreamFrameHeader(buf, 0, 8, offset, 3, fin, true);
      buf.set(data, at);
      assert.deepEqual(buf, viaFrame);
    }),
    { seed: 9003, numRuns: 200 },
  );
});

Deno.test("frames: encoding invalid frames is an INTERNAL_ERROR, never a RangeError", () => {
  const bad: Frame[] = [
    { type: "ack", ackDelay: 0, ranges: [] },
    { type: "ack", ackDelay: 0, ranges: [[5, 9], [7, 8]] },
    { type: "new_token", token: new Uint8Array(0) },
    {
      type: "new_connection_id",
      sequenceNumber: 1,
      retirePriorTo: 2,
      connectionId: Uint8Array.of(1),
      statelessResetToken: new Uint8Array(16),
    },
    { type: "path_challenge", data: new Uint8Array(7) },
    { type: "max_data", maximumData: 2 ** 60 },
  ];
  for (const f of bad) {
    assert.throws(
      () => encodeFrame(new Uint8Array(64), 0, f),
      (e: unknown) => e instanceof QuicError && e.code === TransportErrorCode.INTERNAL_ERROR,
      f.type,
    );
  }
  assert.throws(
    () => encodeFrame(new Uint8Array(2), 0, { type: "path_response", data: new Uint8Array(8) }),
    (e: unknown) => e instanceof QuicError && e.code === TransportErrorCode.INTERNAL_ERROR,
  );
});
