import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteRangeSet } from "../../../../quic/proto/streams/byte_range_set.ts";

/** Model: a bitmap over [0, 200). */
function toBits(s: ByteRangeSet): boolean[] {
  const bits = new Array(200).fill(false);
  for (let i = 0; i < s.size; i++) {
    assert.ok(s.start(i) < s.end(i), "empty range stored");
    if (i > 0) assert.ok(s.start(i) > s.end(i - 1), "ranges must be disjoint and non-adjacent");
    for (let b = s.start(i); b < s.end(i); b++) bits[b] = true;
  }
  return bits;
}

Deno.test("ByteRangeSet: add/remove/contains/shift agree with a bitmap model", () => {
  const op = fc.tuple(
    fc.constantFrom("add", "remove", "shift"),
    fc.integer({ min: 0, max: 199 }),
    fc.integer({ min: 0, max: 40 }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const s = new ByteRangeSet();
      const model: boolean[] = new Array(200).fill(false);
      const out = { start: 0, end: 0 };
      for (const [kind, a, len] of ops) {
        const b = Math.min(200, a + len);
        if (kind === "add") {
          s.add(a, b);
          for (let i = a; i < b; i++) model[i] = true;
        } else if (kind === "remove") {
          s.remove(a, b);
          for (let i = a; i < b; i++) model[i] = false;
        } else {
          const first = model.indexOf(true);
          const got = s.shift(len, out);
          assert.equal(got, first >= 0 && len > 0);
          if (got) {
            assert.equal(out.start, first);
            let e = first;
            while (e < 200 && model[e] && e - first < len) e++;
            assert.equal(out.end, e);
            for (let i = out.start; i < out.end; i++) model[i] = false;
          }
        }
        assert.deepEqual(toBits(s), model);
        const c0 = Math.min(a, b);
        let all = true;
        for (let i = c0; i < b; i++) all &&= model[i];
        assert.equal(s.contains(c0, b), all);
      }
    }),
    { seed: 9001, numRuns: 300 },
  );
});
