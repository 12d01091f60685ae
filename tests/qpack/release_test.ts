// QpackDecoder.receiveEncoderStream releases blocked field sections one by
// one: a section that fails (too large for maxFieldSectionSize, or an invalid
// reference) comes back as its own error carrying its stream id, and the
// decoder stays consistent — the other sections still decode, the later ones
// stay blocked and release in order, nothing is acknowledged for a failure.
import assert from "node:assert/strict";
import fc from "fast-check";
import { QpackDecoder, QpackEncoder, QpackError, QpackErrorCode } from "../../qpack/mod.ts";

const D = QpackErrorCode.QPACK_DECOMPRESSION_FAILED;
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");
// Set Dynamic Table Capacity 4096 (RFC 9204 §4.3.1).
const SET_CAP = [0x3f, 0xe1, 0x1f];
// Insert With Name Reference, static 1 (:path), value one ASCII letter.
const insertPath = (ch: string) => [0xc1, 0x01, ch.charCodeAt(0)];

Deno.test("release: an oversized released section is its own error; the others decode", () => {
  const dec = new QpackDecoder({
    maxTableCapacity: 4096,
    maxBlockedStreams: 10,
    maxFieldSectionSize: 60,
  });
  // RIC 1, Base 1, dynamic relative 0 (= :path "a", 38 octets): fits.
  assert.equal(dec.decodeFieldSection(4, Uint8Array.of(0x02, 0x00, 0x80)), null);
  // Same plus :method GET (42 octets): 80 > 60, too large.
  assert.equal(dec.decodeFieldSection(8, Uint8Array.of(0x02, 0x00, 0x80, 0xd1)), null);
  assert.equal(dec.decodeFieldSection(12, Uint8Array.of(0x02, 0x00, 0x80)), null);
  assert.equal(dec.blockedStreams, 3);
  const out = dec.receiveEncoderStream(Uint8Array.of(...SET_CAP, ...insertPath("a")));
  assert.deepEqual(out.map((u) => u.streamId), [4, 8, 12]);
  assert.deepEqual(out[0], { streamId: 4, fields: [{ name: ":path", value: "a" }] });
  assert.deepEqual(out[2], { streamId: 12, fields: [{ name: ":path", value: "a" }] });
  const bad = out[1];
  assert.equal(bad.fields, undefined);
  assert.ok(bad.error instanceof QpackError);
  assert.equal(bad.error.code, D);
  assert.equal(bad.error.fieldSectionTooLarge, true);
  assert.equal(bad.error.streamId, 8);
  // Nothing left behind; only the decoded sections are acknowledged (§4.4.1).
  assert.equal(dec.blockedStreams, 0);
  assert.equal(dec.bufferedBytes, 0);
  assert.equal(hex(dec.readDecoderStream()), "84 8c");
  // The HTTP/3 layer resets stream 8: Stream Cancellation (§4.4.2).
  dec.cancelStream(8);
  assert.equal(hex(dec.readDecoderStream()), "48");
  // The decoder keeps working.
  assert.deepEqual(dec.decodeFieldSection(16, Uint8Array.of(0x02, 0x00, 0x80)), [{
    name: ":path",
    value: "a",
  }]);
});

Deno.test("release: an invalid released section does not disturb the sections still blocked", () => {
  const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 10 });
  // RIC 2 but only absolute 0 referenced: invalid (RFC 9204 §4.5.1.1).
  assert.equal(dec.decodeFieldSection(4, Uint8Array.of(0x03, 0x00, 0x81)), null);
  // RIC 3 (encoded 4), Base 3, relative 0 = absolute 2: needs a third insert.
  assert.equal(dec.decodeFieldSection(12, Uint8Array.of(0x04, 0x00, 0x80)), null);
  // RIC 2, Base 2, relative 0 = absolute 1.
  assert.equal(dec.decodeFieldSection(8, Uint8Array.of(0x03, 0x00, 0x80)), null);
  const before = dec.bufferedBytes;
  const out = dec.receiveEncoderStream(
    Uint8Array.of(...SET_CAP, ...insertPath("a"), ...insertPath("b")),
  );
  assert.deepEqual(out.map((u) => u.streamId), [4, 8]);
  assert.ok(out[0].error instanceof QpackError);
  assert.equal(out[0].error.code, D);
  assert.equal(out[0].error.fieldSectionTooLarge, false);
  assert.equal(out[0].error.streamId, 4);
  assert.deepEqual(out[1], { streamId: 8, fields: [{ name: ":path", value: "b" }] });
  // Stream 12 is still blocked, with exactly its own bytes held.
  assert.equal(dec.blockedStreams, 1);
  assert.equal(dec.bufferedBytes, before - 6);
  assert.deepEqual(dec.receiveEncoderStream(Uint8Array.of(...insertPath("c"))), [
    { streamId: 12, fields: [{ name: ":path", value: "c" }] },
  ]);
  assert.equal(dec.blockedStreams, 0);
  assert.equal(dec.bufferedBytes, 0);
});

Deno.test("release: decodeFieldSection errors name their stream too", () => {
  const dec = new QpackDecoder({ maxTableCapacity: 0, maxBlockedStreams: 0 });
  assert.throws(
    () => dec.decodeFieldSection(20, Uint8Array.of(0x00, 0x00, 0xff, 0x24)),
    (e) => e instanceof QpackError && e.code === D && e.streamId === 20,
  );
});

// Oracle: a section's outcome once every insert is known. A released section
// must come back with exactly this outcome, whatever else failed around it.
type Outcome = { fields: string } | { error: "tooLarge" | "failed" };
function outcome(f: () => { name: string; value: string }[] | null): Outcome {
  try {
    return { fields: JSON.stringify(f()) };
  } catch (e) {
    if (!(e instanceof QpackError)) throw e;
    return { error: e.fieldSectionTooLarge ? "tooLarge" : "failed" };
  }
}

Deno.test("release: random mixes of good, oversized and invalid blocked sections (property)", () => {
  // A section: RIC r (1..6), Base r, then one to three dynamic references
  // (relative index k -> absolute r-1-k) and optional static :method GET.
  const section = fc.record({
    ric: fc.integer({ min: 1, max: 6 }),
    rels: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }),
    statics: fc.integer({ min: 0, max: 2 }),
  });
  const seen = { fields: 0, tooLarge: 0, failed: 0 };
  fc.assert(
    fc.property(
      fc.array(section, { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 6, maxLength: 6 }),
      (secs, chunks) => {
        const opts = { maxTableCapacity: 4096, maxBlockedStreams: 10, maxFieldSectionSize: 120 };
        const bytes = secs.map((s) =>
          Uint8Array.of(
            s.ric + 1,
            0x00,
            ...s.rels.map((k) => 0x80 | k),
            ...Array(s.statics).fill(0xd1),
          )
        );
        const inserts = [..."abcdef"].flatMap(insertPath);
        // Oracle decoder with all six inserts first.
        const oracle = new QpackDecoder(opts);
        oracle.receiveEncoderStream(Uint8Array.of(...SET_CAP, ...inserts));
        const want = bytes.map((b, i) => outcome(() => oracle.decodeFieldSection(i + 1, b)));

        const dec = new QpackDecoder(opts);
        bytes.forEach((b, i) => assert.equal(dec.decodeFieldSection(i + 1, b), null));
        const got = new Map<number, Outcome>();
        let order: number[] = [];
        dec.receiveEncoderStream(Uint8Array.of(...SET_CAP));
        let pos = 0;
        for (const n of chunks) {
          if (pos >= inserts.length) break;
          const end = Math.min(inserts.length, pos + 3 * n);
          const out = dec.receiveEncoderStream(Uint8Array.from(inserts.slice(pos, end)));
          pos = end;
          // Released in arrival order within one call.
          order = out.map((u) => u.streamId);
          assert.deepEqual(order, [...order].sort((a, b) => a - b));
          for (const u of out) {
            assert.ok(!got.has(u.streamId), "released twice");
            if (u.error !== undefined) {
              assert.equal(u.error.streamId, u.streamId);
              assert.equal(u.error.code, D);
              got.set(u.streamId, { error: u.error.fieldSectionTooLarge ? "tooLarge" : "failed" });
            } else {
              got.set(u.streamId, { fields: JSON.stringify(u.fields) });
            }
            // Released exactly when its Required Insert Count was reached.
            assert.ok(secs[u.streamId - 1].ric <= dec.table.insertCount);
          }
          for (let i = 0; i < secs.length; i++) {
            assert.equal(got.has(i + 1), secs[i].ric <= dec.table.insertCount);
          }
        }
        assert.equal(dec.blockedStreams, 0);
        assert.equal(dec.bufferedBytes, 0);
        assert.deepEqual(bytes.map((_, i) => got.get(i + 1)), want);
        for (const w of want) seen["fields" in w ? "fields" : w.error]++;
      },
    ),
    { seed: 9204, numRuns: 400 },
  );
  // The mix really had all three outcomes.
  assert.ok(seen.fields > 100 && seen.tooLarge > 100 && seen.failed > 100, JSON.stringify(seen));
});

Deno.test("release: one string longer than the size limit is flagged too large, raw or Huffman", () => {
  const enc = new QpackEncoder({ maxTableCapacity: 0, maxBlockedStreams: 0 });
  for (const value of ["q".repeat(500), "0".repeat(500), "\u00ff".repeat(150)]) {
    const section = enc.encodeFieldSection(4, [{ name: "x-big", value }]);
    const dec = new QpackDecoder({
      maxTableCapacity: 0,
      maxBlockedStreams: 0,
      maxFieldSectionSize: 140,
    });
    assert.throws(
      () => dec.decodeFieldSection(4, section),
      (e) => e instanceof QpackError && e.code === D && e.fieldSectionTooLarge && e.streamId === 4,
      `${value.length} x ${value.charCodeAt(0)}`,
    );
    // With room to spare it decodes (the early length check is not too strict).
    const roomy = new QpackDecoder({ maxTableCapacity: 0, maxBlockedStreams: 0 });
    assert.deepEqual(roomy.decodeFieldSection(4, section), [{ name: "x-big", value }]);
  }
  // Exactly at the limit (5 + 103 + 32 = 140) is accepted.
  const dec = new QpackDecoder({
    maxTableCapacity: 0,
    maxBlockedStreams: 0,
    maxFieldSectionSize: 140,
  });
  const fits = [{ name: "x-big", value: "\u00ff".repeat(103) }];
  assert.deepEqual(dec.decodeFieldSection(8, enc.encodeFieldSection(8, fits)), fits);
});
