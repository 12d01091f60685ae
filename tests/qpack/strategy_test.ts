// Encoder strategy guards (issue 5): without acknowledgements and without
// blocking nothing is inserted (RFC 9204 §2.1.2 — no entry could ever be
// referenced); a short exchange without acknowledgements still uses its
// blocking slots; the interop files stay decodable and within the limit.
import assert from "node:assert/strict";
import {
  decodeInteropFile,
  encodeInteropFile,
  parseInteropFrames,
  parseQif,
  QpackEncoder,
} from "../../qpack/mod.ts";

const QIFS = new URL("./data/interop/qifs/", import.meta.url);
const netbsd = parseQif(Deno.readFileSync(new URL("netbsd-hq.qif", QIFS)));

Deno.test("strategy: no acknowledgements and blocked 0 means no inserts, static-only bytes", () => {
  for (const cap of [256, 4096]) {
    const opts = { maxTableCapacity: cap, maxBlockedStreams: 0 };
    const file = encodeInteropFile(netbsd, { ...opts, ack: "none", sensitiveNames: [] });
    assert.equal(parseInteropFrames(file).filter((f) => f.streamId === 0).length, 0);
    const staticOnly = encodeInteropFile(netbsd, {
      maxTableCapacity: 0,
      maxBlockedStreams: 0,
      ack: "none",
      sensitiveNames: [],
    });
    assert.deepEqual(file, staticOnly);
    // With acknowledgements the same settings do use the table.
    const acked = encodeInteropFile(netbsd, { ...opts, ack: "immediate", sensitiveNames: [] });
    assert.ok(acked.length < staticOnly.length * 0.7, `${acked.length} vs ${staticOnly.length}`);
  }
  // The default still expects acknowledgements (a live HTTP/3 peer).
  const enc = new QpackEncoder({ maxTableCapacity: 4096, maxBlockedStreams: 0 });
  for (let i = 0; i < 3; i++) enc.encodeFieldSection(4 * i, [{ name: "x-a", value: "b" }]);
  assert.ok(enc.insertCount > 0);
});

Deno.test("strategy: a short exchange without acknowledgements uses its blocking slots", () => {
  // netbsd-hq, capacity 4096, 100 blocked streams, no acknowledgements:
  // ls-qpack's file is 1191 octets without Set Dynamic Table Capacity (3
  // octets, required by RFC 9204 §3.2.3); the pre-ramp policy gave 2048.
  const opts = { maxTableCapacity: 4096, maxBlockedStreams: 100 };
  const file = encodeInteropFile(netbsd, { ...opts, ack: "none", sensitiveNames: [] });
  assert.ok(file.length <= 1191 + 3, `gquic ${file.length}`);
  const frames = parseInteropFrames(file);
  const blocking = frames.filter((f) => f.streamId !== 0 && f.data[0] !== 0).length;
  assert.ok(blocking <= 100);
  assert.deepEqual(
    decodeInteropFile(file, opts).map((l) => l.map((f) => [f.name, f.value])),
    netbsd.map((l) => l.map((f) => [f.name, f.value])),
  );
});

Deno.test("strategy: without acknowledgements, sections with dynamic references never exceed the limit", () => {
  const fb = parseQif(Deno.readFileSync(new URL("fb-req-hq.qif", QIFS)));
  for (const blocked of [1, 10, 100]) {
    for (const cap of [256, 4096]) {
      const file = encodeInteropFile(fb, {
        maxTableCapacity: cap,
        maxBlockedStreams: blocked,
        ack: "none",
        sensitiveNames: [],
      });
      const n = parseInteropFrames(file).filter((f) => f.streamId !== 0 && f.data[0] !== 0)
        .length;
      assert.ok(n <= blocked, `${n} sections may block with a limit of ${blocked} (cap ${cap})`);
      assert.ok(n > 0 || blocked === 0);
    }
  }
});
