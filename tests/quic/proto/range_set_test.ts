import assert from "node:assert/strict";
import fc from "fast-check";
import { RangeSet } from "../../../quic/proto/range_set.ts";

function ranges(s: RangeSet): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < s.count; i++) out.push([s.start(i), s.end(i)]);
  return out;
}

function checkInvariants(s: RangeSet): void {
  assert.ok(s.count <= s.maxRanges, "range count bounded");
  for (let i = 0; i < s.count; i++) {
    assert.ok(s.start(i) <= s.end(i), "start <= end");
    assert.ok(s.start(i) >= s.droppedBelow, "nothing below droppedBelow");
    // Sorted, disjoint and not adjacent (adjacent ranges must be merged).
    if (i > 0) assert.ok(s.start(i) > s.end(i - 1) + 1, "ranges sorted, disjoint, merged");
  }
}

Deno.test("range_set: in-order adds extend one range, duplicates are reported", () => {
  const s = new RangeSet(8);
  for (let i = 0; i < 100; i++) assert.equal(s.add(i), true);
  assert.deepEqual(ranges(s), [[0, 99]]);
  assert.equal(s.add(50), false);
  assert.equal(s.add(99), false);
  assert.equal(s.contains(0), true);
  assert.equal(s.contains(100), false);
  assert.equal(s.min, 0);
  assert.equal(s.max, 99);
});

Deno.test("range_set: filling a gap merges neighbours; addRange counts new numbers", () => {
  const s = new RangeSet(8);
  s.add(1);
  s.add(3);
  s.add(7);
  assert.deepEqual(ranges(s), [[1, 1], [3, 3], [7, 7]]);
  assert.equal(s.add(2), true);
  assert.deepEqual(ranges(s), [[1, 3], [7, 7]]);
  assert.equal(s.addRange(0, 8), 5); // 0, 4, 5, 6 and 8 are new
  assert.deepEqual(ranges(s), [[0, 8]]);
});

Deno.test("range_set: addRange returns exactly the count of new numbers", () => {
  const s = new RangeSet(8);
  s.addRange(10, 12);
  s.addRange(20, 25);
  // [5, 30] covers 26 numbers of which 3 + 6 are present.
  assert.equal(s.addRange(5, 30), 26 - 9);
  assert.deepEqual(ranges(s), [[5, 30]]);
  assert.equal(s.addRange(5, 30), 0);
  assert.equal(s.addRange(31, 31), 1);
  assert.deepEqual(ranges(s), [[5, 31]]);
});

Deno.test("range_set: RFC 9000 §13.2.3 bound drops the oldest ranges and raises droppedBelow", () => {
  const s = new RangeSet(3);
  for (let pn = 0; pn <= 10; pn += 2) s.add(pn); // 0,2,4,6,8,10 -> 6 ranges wanted
  assert.deepEqual(ranges(s), [[6, 6], [8, 8], [10, 10]]);
  assert.equal(s.droppedBelow, 5);
  // Forgotten numbers are not re-added.
  assert.equal(s.add(4), false);
  assert.equal(s.add(1), false);
  // Number 5 was never seen and is above the bound: accepted.
  assert.equal(s.add(5), true);
  assert.deepEqual(ranges(s), [[5, 6], [8, 8], [10, 10]]);
});

Deno.test("range_set: removeBelow forgets a prefix, trimming a straddling range", () => {
  const s = new RangeSet(8);
  s.addRange(0, 4);
  s.addRange(8, 12);
  s.addRange(20, 20);
  s.removeBelow(10);
  assert.deepEqual(ranges(s), [[10, 12], [20, 20]]);
  assert.equal(s.droppedBelow, 10);
  assert.equal(s.contains(9), false);
  s.removeBelow(5); // lower than current bound: no-op
  assert.equal(s.droppedBelow, 10);
  s.removeBelow(100);
  assert.equal(s.isEmpty, true);
  assert.equal(s.min, -1);
});

Deno.test("range_set: property — matches a naive set model (no bound reached)", () => {
  const op = fc.oneof(
    fc.record({ k: fc.constant("add" as const), v: fc.integer({ min: 0, max: 300 }) }),
    fc.record({
      k: fc.constant("range" as const),
      v: fc.integer({ min: 0, max: 300 }),
      n: fc.integer({ min: 0, max: 20 }),
    }),
    fc.record({ k: fc.constant("below" as const), v: fc.integer({ min: 0, max: 300 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const s = new RangeSet(1000);
      const model = new Set<number>();
      let floor = 0;
      for (const o of ops) {
        if (o.k === "add") {
          const expectNew = o.v >= floor && !model.has(o.v);
          assert.equal(s.add(o.v), expectNew);
          if (o.v >= floor) model.add(o.v);
        } else if (o.k === "range") {
          let fresh = 0;
          for (let v = o.v; v <= o.v + o.n; v++) {
            if (v >= floor && !model.has(v)) {
              fresh++;
              model.add(v);
            }
          }
          assert.equal(s.addRange(o.v, o.v + o.n), fresh);
        } else {
          if (o.v > floor) floor = o.v;
          for (const v of [...model]) if (v < o.v) model.delete(v);
          s.removeBelow(o.v);
        }
        checkInvariants(s);
      }
      const members: number[] = [];
      for (const [a, b] of ranges(s)) for (let v = a; v <= b; v++) members.push(v);
      assert.deepEqual(members, [...model].sort((a, b) => a - b));
      for (let v = 0; v <= 330; v++) assert.equal(s.contains(v), model.has(v));
    }),
    { seed: 0x5e7, numRuns: 300 },
  );
});

Deno.test("range_set: property — with a small bound, never holds a number it was not given and keeps everything above droppedBelow", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 300 }),
      (maxRanges, values) => {
        const s = new RangeSet(maxRanges);
        const given = new Set<number>();
        for (const v of values) {
          const wasForgotten = v < s.droppedBelow;
          const added = s.add(v);
          assert.equal(added, !wasForgotten && !given.has(v));
          given.add(v);
          checkInvariants(s);
        }
        for (let v = 0; v <= 200; v++) {
          if (s.contains(v)) assert.ok(given.has(v), "only given numbers");
          if (given.has(v) && v >= s.droppedBelow) assert.ok(s.contains(v), "kept above bound");
        }
      },
    ),
    { seed: 0xb0b, numRuns: 300 },
  );
});
