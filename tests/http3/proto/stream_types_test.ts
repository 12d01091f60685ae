// Unidirectional stream types (RFC 9114 §6.2): classification, GREASE
// types, and the preface reader across arbitrary chunk boundaries.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  classifyStreamType,
  encodeStreamPreface,
  greaseId,
  isGreaseStreamType,
  PrefaceReader,
  StreamType,
} from "../../../http3/proto/mod.ts";

Deno.test("stream types: known, GREASE and unknown", () => {
  assert.equal(classifyStreamType(StreamType.CONTROL), "control");
  assert.equal(classifyStreamType(StreamType.PUSH), "push");
  assert.equal(classifyStreamType(StreamType.QPACK_ENCODER), "qpackEncoder");
  assert.equal(classifyStreamType(StreamType.QPACK_DECODER), "qpackDecoder");
  for (let n = 0; n < 50; n++) {
    assert.ok(isGreaseStreamType(greaseId(n)));
    assert.equal(classifyStreamType(greaseId(n)), "unknown");
  }
  assert.equal(classifyStreamType(0x54), "unknown"); // WebTransport, not supported here
});

Deno.test("stream types: property — preface reader handles any split", () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), fc.maxSafeNat(), fc.nat(20), (type, pushId, cut) => {
      const bytes = encodeStreamPreface(type, pushId);
      const r = new PrefaceReader();
      const c = Math.min(cut, bytes.length);
      let used = r.read(bytes.subarray(0, c));
      used += r.read(bytes.subarray(c), 0);
      assert.equal(r.value, type);
      r.reset();
      const rest = bytes.subarray(used);
      assert.equal(r.read(rest), rest.length);
      assert.equal(r.value, pushId);
    }),
    { seed: 62, numRuns: 1000 },
  );
});
