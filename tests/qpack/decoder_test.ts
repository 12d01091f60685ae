// QpackDecoder: the RFC 9204 Appendix B walk-through with its decoder-stream
// output, blocked sections (limit, order of release), limits and typed errors.
import assert from "node:assert/strict";
import {
  parseInteropFrames,
  QpackDecoder,
  QpackEncoder,
  QpackError,
  QpackErrorCode,
} from "../../qpack/mod.ts";

const D = QpackErrorCode.QPACK_DECOMPRESSION_FAILED;
const E = QpackErrorCode.QPACK_ENCODER_STREAM_ERROR;
const isCode = (code: number) => (e: unknown) => e instanceof QpackError && e.code === code;
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");

Deno.test("decoder: RFC 9204 Appendix B, step by step with decoder stream", () => {
  const file = Deno.readFileSync(
    new URL("./data/interop/encoded/qpack-05/examples/examples.out.220.100.1", import.meta.url),
  );
  const frames = parseInteropFrames(file);
  const d = new QpackDecoder({ maxTableCapacity: 220, maxBlockedStreams: 100 });
  // B.1: static-only section, no acknowledgment needed.
  assert.equal(frames[0].streamId, 4);
  assert.deepEqual(d.decodeFieldSection(4, frames[0].data), [{
    name: ":path",
    value: "/index.html",
  }]);
  assert.equal(d.readDecoderStream().length, 0);
  // B.2: capacity + two inserts, then a section using post-base indices.
  assert.deepEqual(d.receiveEncoderStream(frames[1].data), []);
  assert.equal(d.table.capacity, 220);
  assert.equal(d.table.size, 106);
  assert.deepEqual(d.decodeFieldSection(8, frames[2].data), [
    { name: ":authority", value: "www.example.com" },
    { name: ":path", value: "/sample/path" },
  ]);
  assert.equal(hex(d.readDecoderStream()), "88"); // Section Acknowledgment, stream 8
  // B.3: literal-name insert (custom-key); Insert Count Increment 1.
  d.receiveEncoderStream(frames[3].data);
  assert.equal(hex(d.readDecoderStream()), "01");
  // B.4: Duplicate, then a section referencing the new entry (not yet acked).
  let i = 4;
  while (frames[i].streamId === 0) d.receiveEncoderStream(frames[i++].data);
  assert.deepEqual(d.decodeFieldSection(frames[i].streamId, frames[i].data), [
    { name: ":authority", value: "www.example.com" },
    { name: ":path", value: "/" },
    { name: "custom-key", value: "custom-value" },
  ]);
  assert.equal(hex(d.readDecoderStream()), "8c"); // ack stream 12 covers the duplicate
  for (i++; i < frames.length; i++) d.receiveEncoderStream(frames[i].data);
  // B.5: the last insert evicts the oldest entry.
  assert.equal(d.table.insertCount, 5);
  assert.equal(d.table.dropped, 1);
  assert.equal(d.table.size, 215);
  assert.equal(hex(d.readDecoderStream()), "01");
});

function encoderPair(cap: number, blocked: number) {
  const enc = new QpackEncoder({
    maxTableCapacity: cap,
    maxBlockedStreams: blocked,
    sensitiveNames: [],
  });
  const dec = new QpackDecoder({ maxTableCapacity: cap, maxBlockedStreams: blocked });
  return { enc, dec };
}

Deno.test("decoder: blocked sections wait and are released in arrival order", () => {
  const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 3 });
  // RIC 2 (encoded 3), Base 2, indexed relative 0 = absolute 1.
  assert.equal(dec.decodeFieldSection(4, Uint8Array.of(0x03, 0x00, 0x80)), null);
  // RIC 1 (encoded 2), Base 1, indexed relative 0 = absolute 0.
  assert.equal(dec.decodeFieldSection(8, Uint8Array.of(0x02, 0x00, 0x80)), null);
  assert.equal(dec.decodeFieldSection(12, Uint8Array.of(0x02, 0x00, 0x80)), null);
  assert.equal(dec.blockedStreams, 3);
  assert.equal(dec.readDecoderStream().length, 0);
  // Set Dynamic Table Capacity 4096; Insert With Name Reference :path "a".
  const first = dec.receiveEncoderStream(Uint8Array.of(0x3f, 0xe1, 0x1f, 0xc1, 0x01, 0x61));
  assert.deepEqual(first.map((r) => r.streamId), [8, 12]);
  assert.deepEqual(first[0].fields, [{ name: ":path", value: "a" }]);
  assert.equal(dec.blockedStreams, 1);
  const second = dec.receiveEncoderStream(Uint8Array.of(0xc1, 0x01, 0x62));
  assert.deepEqual(second, [{ streamId: 4, fields: [{ name: ":path", value: "b" }] }]);
  // Acknowledgments for 8, 12, 4 in release order; no increment needed.
  assert.equal(hex(dec.readDecoderStream()), "88 8c 84");
});

Deno.test("decoder: more blocked streams than SETTINGS_QPACK_BLOCKED_STREAMS is an error", () => {
  const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 1 });
  // RIC 1 (encoded 2), Base 1, indexed dynamic relative 0.
  const s = Uint8Array.of(0x02, 0x00, 0x80);
  assert.equal(dec.decodeFieldSection(4, s), null);
  assert.equal(dec.decodeFieldSection(4, s), null); // same stream: still one blocked stream
  assert.throws(() => dec.decodeFieldSection(8, s), isCode(D));
  const none = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 0 });
  assert.throws(() => none.decodeFieldSection(4, s), isCode(D));
});

Deno.test("decoder: cancelStream drops blocked sections and emits Stream Cancellation", () => {
  const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 4 });
  assert.equal(dec.decodeFieldSection(5, Uint8Array.of(0x02, 0x00, 0x80)), null);
  dec.cancelStream(5);
  assert.equal(dec.blockedStreams, 0);
  assert.equal(hex(dec.readDecoderStream()), "45");
  // Inserting now releases nothing.
  assert.deepEqual(
    dec.receiveEncoderStream(Uint8Array.of(0x3f, 0xe1, 0x1f, 0x41, 0x61, 0x01, 0x62)),
    [],
  );
});

Deno.test("decoder: encoder stream instructions split at every byte boundary", () => {
  const { enc } = encoderPair(4096, 100);
  const list = [{ name: "x-long-name", value: "a".repeat(300) }];
  enc.encodeFieldSection(1, list);
  const section = enc.encodeFieldSection(2, list);
  enc.encodeFieldSection(3, list);
  const stream = enc.readEncoderStream();
  assert.ok(stream.length > 200);
  const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 100 });
  let partial = 0;
  for (let i = 0; i < stream.length; i++) {
    dec.receiveEncoderStream(stream.subarray(i, i + 1));
    if (dec.hasPartialInstruction) partial++;
  }
  assert.ok(partial > 100, "most prefixes of the stream end mid-instruction");
  assert.equal(dec.hasPartialInstruction, false);
  assert.deepEqual(dec.decodeFieldSection(2, section), list);
});

Deno.test("decoder: table capacity limits (RFC 9204 §3.2.3, §4.3.1)", () => {
  const dec = new QpackDecoder({ maxTableCapacity: 100, maxBlockedStreams: 0 });
  // Set Dynamic Table Capacity 101 > maximum.
  assert.throws(() => dec.receiveEncoderStream(Uint8Array.of(0x3f, 0x46)), isCode(E));
  // Insert before any capacity: entry does not fit (capacity starts at 0).
  const d2 = new QpackDecoder({ maxTableCapacity: 100, maxBlockedStreams: 0 });
  assert.throws(() => d2.receiveEncoderStream(Uint8Array.of(0xc1, 0x01, 0x61)), isCode(E));
  // A string longer than the capacity is refused before its bytes arrive.
  const d3 = new QpackDecoder({ maxTableCapacity: 100, maxBlockedStreams: 0 });
  d3.receiveEncoderStream(Uint8Array.of(0x3f, 0x45)); // capacity 100
  assert.throws(() => d3.receiveEncoderStream(Uint8Array.of(0xc1, 0x7f, 0x80, 0x08)), isCode(E));
});

Deno.test("decoder: field section size limit (RFC 9114 §4.2.2) is typed and flagged", () => {
  const dec = new QpackDecoder({
    maxTableCapacity: 0,
    maxBlockedStreams: 0,
    maxFieldSectionSize: 60,
  });
  // :method GET (7+3+32 = 42) fits, twice does not.
  assert.equal(dec.decodeFieldSection(1, Uint8Array.of(0, 0, 0xd1))!.length, 1);
  assert.throws(
    () => dec.decodeFieldSection(1, Uint8Array.of(0, 0, 0xd1, 0xd1)),
    (e) => e instanceof QpackError && e.code === D && e.fieldSectionTooLarge,
  );
});

Deno.test("decoder: invalid references and Required Insert Count are QPACK_DECOMPRESSION_FAILED", () => {
  const dec = new QpackDecoder({
    maxTableCapacity: 4096,
    maxBlockedStreams: 10,
    initialTableCapacity: 4096,
  });
  dec.receiveEncoderStream(Uint8Array.of(0xc1, 0x01, 0x61, 0xc1, 0x01, 0x62)); // two inserts
  // RIC 2 (encoded 3), Base 2: relative 0 -> abs 1: ok.
  assert.deepEqual(dec.decodeFieldSection(1, Uint8Array.of(0x03, 0x00, 0x80)), [{
    name: ":path",
    value: "b",
  }]);
  // RIC 2 but only abs 0 referenced: larger than needed.
  assert.throws(() => dec.decodeFieldSection(2, Uint8Array.of(0x03, 0x00, 0x81)), isCode(D));
  // Reference at/above RIC via post-base.
  assert.throws(() => dec.decodeFieldSection(3, Uint8Array.of(0x02, 0x80, 0x11)), isCode(D));
  // Encoded RIC beyond 2 * MaxEntries.
  assert.throws(() => dec.decodeFieldSection(4, Uint8Array.of(0xff, 0x7f, 0x00)), isCode(D));
  // Static index out of range.
  assert.throws(() => dec.decodeFieldSection(5, Uint8Array.of(0x00, 0x00, 0xff, 0x24)), isCode(D));
  // Invalid Huffman (zero padding) in a value.
  assert.throws(
    () => dec.decodeFieldSection(6, Uint8Array.of(0x00, 0x00, 0x51, 0x81, 0x18)),
    isCode(D),
  );
});

Deno.test("decoder: Required Insert Count wraps modulo 2 * MaxEntries", () => {
  // Capacity 64 -> MaxEntries 2, FullRange 4.
  const enc = new QpackEncoder({ maxTableCapacity: 64, maxBlockedStreams: 10, sensitiveNames: [] });
  const dec = new QpackDecoder({ maxTableCapacity: 64, maxBlockedStreams: 10 });
  for (let i = 0; i < 300; i++) {
    const v = String(Math.floor(i / 3));
    const list = [{ name: "a", value: v }, { name: "a", value: v }];
    const s = enc.encodeFieldSection(i + 1, list);
    dec.receiveEncoderStream(enc.readEncoderStream());
    assert.deepEqual(dec.decodeFieldSection(i + 1, s), list);
    enc.receiveDecoderStream(dec.readDecoderStream());
  }
  assert.ok(dec.table.insertCount > 8, `only ${dec.table.insertCount} inserts`);
});
