// RecurrenceModel (qpack/encoder_model.ts): the statistics behind the
// encoder's admission test. A name whose values come back predicts reuse of
// a new value; a name whose values never repeat predicts none, while the name
// itself is still expected again; counters decay so behaviour is re-learnt.
import assert from "node:assert/strict";
import { RecurrenceModel } from "../../qpack/encoder_model.ts";
import { fieldKey } from "../../qpack/encoder_table.ts";

const see = (m: RecurrenceModel, name: string, value: string) => ({
  ...m.observe(name, fieldKey(name, value)),
});

Deno.test("model: values that come back predict reuse; churning values do not", () => {
  const m = new RecurrenceModel(0.5);
  // x-crumb: each new value is seen four times; x-id: every value is new.
  for (let i = 0; i < 20; i++) {
    for (let r = 0; r < 4; r++) see(m, "x-crumb", `c${i}`);
    see(m, "x-id", `id${i}`);
  }
  const crumb = see(m, "x-crumb", "fresh");
  const id = see(m, "x-id", "fresh");
  assert.equal(crumb.sightings, 0);
  assert.ok(crumb.expectedUses > 1.5, `crumb ${crumb.expectedUses}`);
  assert.ok(id.expectedUses < 0.1, `id ${id.expectedUses}`);
  // The name x-id recurs although its values do not (name-only entries).
  assert.ok(id.expectedNameUses >= 5, `name ${id.expectedNameUses}`);
  // A value already seen reports its sightings.
  assert.equal(see(m, "x-crumb", "fresh").sightings, 1);
  assert.ok(m.expectedRepeats("x-crumb", fieldKey("x-crumb", "fresh")) > 1);
  assert.equal(m.expectedRepeats("x-crumb", fieldKey("x-crumb", "never")), 0);
});

Deno.test("model: counters decay, so a name that starts repeating is re-learnt", () => {
  const m = new RecurrenceModel(0.5);
  for (let i = 0; i < 200; i++) see(m, "x-v", `v${i}`);
  assert.ok(see(m, "x-v", "new1").expectedUses < 0.05);
  for (let i = 0; i < 60; i++) for (let r = 0; r < 3; r++) see(m, "x-v", `w${i}`);
  assert.ok(see(m, "x-v", "new2").expectedUses > 1, "decayed counters follow the new behaviour");
});

Deno.test("model: memory stays bounded under many distinct names and values", () => {
  const m = new RecurrenceModel(0.5);
  for (let i = 0; i < 20000; i++) see(m, `n${i % 3000}`, `v${i}`);
  // Bounded maps: a long-forgotten key counts as new again.
  assert.equal(see(m, "n0", "v0").sightings, 0);
});

Deno.test("model: decayed hits follow one key's own recent sightings", () => {
  const m = new RecurrenceModel(0.5, 10);
  const hot = fieldKey(":authority", "a.example"), cold = fieldKey(":path", "/x");
  // Three early sightings of `cold`, then `hot` in every section.
  for (let s = 1; s <= 3; s++) m.observe(":path", cold, s);
  for (let s = 4; s <= 60; s++) m.observe(":authority", hot, s);
  // Half-life 10 sections: a key sent every section tends to 1/(1-2^-0.1) ≈ 14.9.
  const h = m.hits(hot, 60);
  assert.ok(h > 13 && h < 15, `hot ${h}`);
  // 57+ sections after its last sighting, three hits count about 3/2^5.7.
  const c = m.hits(cold, 60);
  assert.ok(c > 0.03 && c < 0.1, `cold ${c}`);
  assert.equal(m.hits(fieldKey("x", "never"), 60), 0);
  // The prediction reports the hits before this sighting.
  assert.ok(Math.abs(m.observe(":authority", hot, 61).hits - h * 2 ** -0.1) < 1e-9);
});
