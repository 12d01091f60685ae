// QpackEncoder: uses the dynamic table, honours the blocked-streams limit and
// eviction rules under adversarial delivery, never-indexed sensitive fields,
// Duplicate when draining, and typed decoder-stream errors.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type FieldLine,
  parseQif,
  QpackDecoder,
  QpackEncoder,
  QpackError,
  QpackErrorCode,
} from "../../qpack/mod.ts";

const isCode = (code: number) => (e: unknown) => e instanceof QpackError && e.code === code;

Deno.test("encoder: repeated fields are inserted once and then indexed", () => {
  const enc = new QpackEncoder({
    maxTableCapacity: 4096,
    maxBlockedStreams: 10,
    sensitiveNames: [],
  });
  const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 10 });
  const list = [{ name: "user-agent", value: "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101" }];
  const sizes: number[] = [];
  for (let id = 1; id <= 6; id++) {
    const s = enc.encodeFieldSection(id, list);
    dec.receiveEncoderStream(enc.readEncoderStream());
    assert.deepEqual(dec.decodeFieldSection(id, s), list);
    enc.receiveDecoderStream(dec.readDecoderStream());
    sizes.push(s.length);
  }
  assert.equal(enc.insertCount, 1);
  assert.ok(sizes[5] <= 3, `sections ${sizes}`);
  assert.ok(sizes[0] > 20);
});

Deno.test("encoder: sensitive fields are never indexed and carry the N bit", () => {
  const enc = new QpackEncoder({ maxTableCapacity: 4096, maxBlockedStreams: 10 });
  const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 10 });
  const list: FieldLine[] = [
    { name: "cookie", value: "session=abc" },
    { name: "authorization", value: "Bearer xyz" },
    { name: "x-secret", value: "1", neverIndex: true },
  ];
  for (let id = 1; id <= 5; id++) {
    const s = enc.encodeFieldSection(id, list);
    dec.receiveEncoderStream(enc.readEncoderStream());
    const got = dec.decodeFieldSection(id, s)!;
    assert.ok(got.every((f) => f.neverIndex === true));
    assert.deepEqual(got.map((f) => [f.name, f.value]), list.map((f) => [f.name, f.value]));
  }
  assert.equal(enc.insertCount, 0);
});

Deno.test("encoder: with no acknowledgements, never more blocked streams than allowed", () => {
  const lists = parseQif(
    Deno.readFileSync(new URL("./data/interop/qifs/netbsd-hq.qif", import.meta.url)),
  );
  for (const maxBlocked of [0, 1, 3]) {
    const enc = new QpackEncoder({
      maxTableCapacity: 4096,
      maxBlockedStreams: maxBlocked,
      sensitiveNames: [],
    });
    // The decoder sees every section before any encoder-stream data: each
    // section that depends on an unacknowledged insert blocks.
    const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: maxBlocked });
    const pending: Uint8Array[] = [];
    let blockedSeen = 0;
    for (let r = 0; r < 3; r++) {
      for (const [i, list] of lists.entries()) {
        const id = r * 100 + i + 1;
        const s = enc.encodeFieldSection(id, list);
        pending.push(enc.readEncoderStream());
        assert.ok(enc.blockingStreams <= maxBlocked);
        if (dec.decodeFieldSection(id, s) === null) blockedSeen++;
      }
    }
    for (const p of pending) dec.receiveEncoderStream(p);
    assert.equal(dec.blockedStreams, 0);
    if (maxBlocked > 0) assert.ok(blockedSeen > 0 && blockedSeen <= maxBlocked);
    else assert.equal(blockedSeen, 0);
  }
});

Deno.test("encoder: delayed acknowledgements never lead to evicting referenced entries (property)", () => {
  // Random field lists from a small vocabulary, a small table, and a decoder
  // that receives the encoder stream immediately but acknowledges sections
  // only occasionally. The decoder would fail on any reference to an evicted
  // entry.
  const vocab = fc.constantFrom("a", "bb", "x-custom", ":path", "accept");
  const field = fc.record({ name: vocab, value: fc.string({ maxLength: 30 }) });
  fc.assert(
    fc.property(
      fc.array(fc.array(field, { maxLength: 8 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 64, max: 400 }),
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 1, max: 5 }),
      (lists, cap, blocked, ackEvery) => {
        const enc = new QpackEncoder({
          maxTableCapacity: cap,
          maxBlockedStreams: blocked,
          sensitiveNames: [],
        });
        const dec = new QpackDecoder({ maxTableCapacity: cap, maxBlockedStreams: blocked });
        let backlog: Uint8Array[] = [];
        lists.forEach((list, i) => {
          const s = enc.encodeFieldSection(i + 1, list);
          dec.receiveEncoderStream(enc.readEncoderStream());
          const got = dec.decodeFieldSection(i + 1, s);
          assert.deepEqual(got!.map((f) => [f.name, f.value]), list.map((f) => [f.name, f.value]));
          backlog.push(dec.readDecoderStream());
          if (i % ackEvery === 0) {
            for (const b of backlog) enc.receiveDecoderStream(b);
            backlog = [];
          }
        });
      },
    ),
    { seed: 9204, numRuns: 300 },
  );
});

Deno.test("encoder: a full table is drained with Duplicate", () => {
  const enc = new QpackEncoder({
    maxTableCapacity: 300,
    maxBlockedStreams: 100,
    sensitiveNames: [],
  });
  const dec = new QpackDecoder({ maxTableCapacity: 300, maxBlockedStreams: 100 });
  let stream = 0;
  let sawDuplicate = false;
  for (let i = 0; i < 60; i++) {
    const list = [{ name: "x-hot", value: "keep" }, { name: "x-cold", value: "v" + (i % 20) }];
    const s = enc.encodeFieldSection(++stream, list);
    const ins = enc.readEncoderStream();
    // Duplicate is the only instruction starting with 000 (RFC 9204 §4.3.4).
    if (ins.some((b, j) => j === 0 && (b & 0xe0) === 0)) sawDuplicate = true;
    dec.receiveEncoderStream(ins);
    assert.deepEqual(dec.decodeFieldSection(stream, s), list);
    enc.receiveDecoderStream(dec.readDecoderStream());
  }
  assert.ok(sawDuplicate, "expected a Duplicate instruction");
});

Deno.test("encoder: invalid decoder-stream instructions are QPACK_DECODER_STREAM_ERROR", () => {
  const code = QpackErrorCode.QPACK_DECODER_STREAM_ERROR;
  const enc = new QpackEncoder({ maxTableCapacity: 4096, maxBlockedStreams: 10 });
  assert.throws(() => enc.receiveDecoderStream(Uint8Array.of(0x84)), isCode(code)); // ack, nothing sent
  assert.throws(() => enc.receiveDecoderStream(Uint8Array.of(0x00)), isCode(code)); // increment 0
  const e2 = new QpackEncoder({ maxTableCapacity: 4096, maxBlockedStreams: 10 });
  assert.throws(() => e2.receiveDecoderStream(Uint8Array.of(0x01)), isCode(code)); // beyond inserts
  // Stream Cancellation for an unknown stream is harmless; split integers work.
  const e3 = new QpackEncoder({ maxTableCapacity: 4096, maxBlockedStreams: 10 });
  e3.receiveDecoderStream(Uint8Array.of(0x45, 0x7f));
  e3.receiveDecoderStream(Uint8Array.of(0x80));
  e3.receiveDecoderStream(Uint8Array.of(0x01));
});

Deno.test("encoder: capacity 0 and blocked 0 use only the static table", () => {
  const enc = new QpackEncoder({ maxTableCapacity: 0, maxBlockedStreams: 0 });
  const s = enc.encodeFieldSection(1, [{ name: ":method", value: "GET" }, {
    name: "x",
    value: "y",
  }]);
  assert.deepEqual([...s.subarray(0, 3)], [0, 0, 0xd1]);
  assert.equal(enc.readEncoderStream().length, 0);
});
