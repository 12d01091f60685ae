import assert from "node:assert/strict";
import fc from "fast-check";
import { StreamScheduler } from "../../../../quic/proto/streams/scheduler.ts";

Deno.test("scheduler: round-robin among incremental streams of one urgency", () => {
  const s = new StreamScheduler<number>();
  for (const id of [0, 4, 8]) s.schedule(id);
  s.schedule(4); // already queued: no duplicate
  assert.equal(s.size, 3);
  const order: number[] = [];
  const remaining = new Map([[0, 2], [4, 3], [8, 1]]);
  let id;
  while ((id = s.pop()) !== undefined) {
    order.push(id);
    const left = remaining.get(id)! - 1;
    remaining.set(id, left);
    if (left > 0) s.schedule(id);
  }
  assert.deepEqual(order, [0, 4, 8, 0, 4, 4]);
});

Deno.test("scheduler: lower urgency value first; non-incremental in ID order, one at a time", () => {
  const s = new StreamScheduler<number>();
  s.schedule(40, { urgency: 5 });
  s.schedule(12, { urgency: 1, incremental: false });
  s.schedule(8, { urgency: 1, incremental: false });
  s.schedule(16, { urgency: 1 });
  s.schedule(0, { urgency: 0 });
  assert.equal(s.pop(), 0);
  // Non-incremental 8 is served until it has no more data, then 12.
  assert.equal(s.pop(), 8);
  s.schedule(8, { urgency: 1, incremental: false });
  assert.equal(s.pop(), 8);
  assert.equal(s.pop(), 12);
  assert.equal(s.pop(), 16);
  assert.equal(s.pop(), 40);
  assert.equal(s.pop(), undefined);
  // Out-of-range urgencies are clamped.
  s.schedule(1, { urgency: 99 });
  s.schedule(2, { urgency: -3 });
  assert.equal(s.pop(), 2);
  assert.equal(s.pop(), 1);
});

Deno.test("scheduler: remove", () => {
  const s = new StreamScheduler<number>();
  s.schedule(0);
  s.schedule(4, { incremental: false });
  s.schedule(8);
  s.remove(0);
  s.remove(4);
  s.remove(99);
  assert.equal(s.has(0), false);
  assert.equal(s.pop(), 8);
  assert.equal(s.pop(), undefined);
  s.schedule(0);
  assert.equal(s.pop(), 0);
});

Deno.test("scheduler: fairness — each of N busy streams served once per N pops", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 400 }),
      (n, pops) => {
        const s = new StreamScheduler<number>();
        for (let i = 0; i < n; i++) s.schedule(i * 4);
        const count = new Map<number, number>();
        for (let k = 0; k < pops; k++) {
          const id = s.pop()!;
          count.set(id, (count.get(id) ?? 0) + 1);
          s.schedule(id);
        }
        const values = [...count.values()];
        const min = values.length < n ? 0 : Math.min(...values);
        assert.ok(Math.max(...values) - min <= 1);
        assert.equal(s.size, n);
      },
    ),
    { seed: 5, numRuns: 200 },
  );
});
