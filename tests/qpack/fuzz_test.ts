// Seeded fuzzing (fast-check, fixed seeds): 60,000 cases over field
// sections, the encoder stream and the decoder stream. Only QpackError may
// escape, and buffered state stays bounded.
import assert from "node:assert/strict";
import fc from "fast-check";
import { QpackDecoder, QpackEncoder, QpackError } from "../../qpack/mod.ts";

const CAP = 1024;
const MAX_BLOCKED_BYTES = 4096;

function typedOnly(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof QpackError)) throw e;
  }
}

/** A decoder with a few entries so dynamic references can resolve. */
function primedDecoder(): QpackDecoder {
  const enc = new QpackEncoder({ maxTableCapacity: CAP, maxBlockedStreams: 8, sensitiveNames: [] });
  const list = [{ name: "x-a", value: "1" }, { name: ":path", value: "/x" }, {
    name: "bb",
    value: "c",
  }];
  for (let i = 1; i <= 3; i++) enc.encodeFieldSection(i, list);
  const dec = new QpackDecoder({
    maxTableCapacity: CAP,
    maxBlockedStreams: 4,
    maxFieldSectionSize: 8192,
    maxBlockedBytes: MAX_BLOCKED_BYTES,
  });
  dec.receiveEncoderStream(enc.readEncoderStream());
  return dec;
}

// Biased bytes: field-section prefixes that decode to small RICs, then
// representation bytes.
const sectionBytes = fc.tuple(
  fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x41, 0xff),
  fc.constantFrom(0x00, 0x01, 0x80, 0x81, 0x7f),
  fc.uint8Array({ maxLength: 40 }),
).map(([a, b, rest]) => Uint8Array.of(a, b, ...rest));

Deno.test("fuzz: field sections (25,000 cases) raise only QpackError", () => {
  const dec = primedDecoder();
  let n = 0;
  fc.assert(
    fc.property(
      fc.oneof(sectionBytes, fc.uint8Array({ maxLength: 48 })),
      fc.nat(64),
      (bytes, id) => {
        typedOnly(() => {
          const r = dec.decodeFieldSection(id, bytes);
          if (r !== null) n++;
        });
        // Keep blocked slots from filling up forever.
        if (dec.blockedStreams >= 4) dec.cancelStream(id);
        typedOnly(() => {
          for (let i = 0; i < 64; i++) dec.cancelStream(i);
        });
        dec.readDecoderStream();
        assert.ok(dec.bufferedBytes <= MAX_BLOCKED_BYTES + CAP * 2);
      },
    ),
    { seed: 1, numRuns: 25_000 },
  );
  assert.ok(n > 100, `only ${n} sections decoded`);
});

Deno.test("fuzz: encoder stream (25,000 cases, chunked) raises only QpackError", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 24 }), { maxLength: 6 }),
      fc.boolean(),
      (chunks, initial) => {
        const dec = new QpackDecoder({
          maxTableCapacity: CAP,
          maxBlockedStreams: 4,
          initialTableCapacity: initial ? CAP : 0,
        });
        typedOnly(() => {
          for (const c of chunks) {
            dec.receiveEncoderStream(c);
            assert.ok(dec.table.size <= dec.table.capacity);
            assert.ok(dec.bufferedBytes <= CAP * 2 + 32);
          }
        });
        typedOnly(() => dec.decodeFieldSection(1, Uint8Array.of(0x02, 0x00, 0x80)));
      },
    ),
    { seed: 2, numRuns: 25_000 },
  );
});

Deno.test("fuzz: decoder stream (10,000 cases) raises only QpackError", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 12 }), { maxLength: 5 }), (chunks) => {
      const enc = new QpackEncoder({
        maxTableCapacity: CAP,
        maxBlockedStreams: 4,
        sensitiveNames: [],
      });
      const list = [{ name: "x-a", value: "1" }, { name: "x-a", value: "1" }, {
        name: "x-a",
        value: "1",
      }];
      for (let i = 1; i <= 4; i++) enc.encodeFieldSection(i, list);
      typedOnly(() => {
        for (const c of chunks) {
          enc.receiveDecoderStream(c);
          assert.ok(enc.knownReceivedCount <= enc.insertCount);
        }
      });
      // The encoder stays usable (or has failed with a typed error).
      typedOnly(() => enc.encodeFieldSection(99, list));
    }),
    { seed: 3, numRuns: 10_000 },
  );
});
