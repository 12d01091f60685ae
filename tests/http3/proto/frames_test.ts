// HTTP/3 frames (RFC 9114 §7): every frame type round-trips through the
// incremental FrameReader at every split point; seeded property tests over
// random frame sequences split randomly; size limits, truncation, HTTP/2-only
// types and GREASE types.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeIdPayload,
  decodePriorityUpdatePayload,
  decodePushPromisePayload,
  encodeCancelPushFrame,
  encodeFrame,
  encodeGoawayFrame,
  encodeHeadersFrame,
  encodeMaxPushIdFrame,
  encodePriorityUpdateFrame,
  encodePushPromiseFrame,
  FrameReader,
  FrameType,
  greaseId,
  H3Error,
  H3ErrorCode,
  isGreaseId,
  type ReadFrame,
} from "../../../http3/proto/mod.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Parses `bytes` fed in the given chunks; DATA pieces are merged per frame. */
function parseChunks(chunks: Uint8Array[], r = new FrameReader()): ReadFrame[] {
  const out: ReadFrame[] = [];
  let data: Uint8Array[] = [];
  for (const c of chunks) {
    r.push(c);
    for (let f = r.next(); f !== null; f = r.next()) {
      if (f.kind === "data") {
        data.push(f.payload.slice());
        if (f.end) {
          out.push({ kind: "data", payload: concat(data), end: true });
          data = [];
        }
      } else out.push(f.kind === "frame" ? { ...f, payload: f.payload.slice() } : f);
    }
  }
  r.finish();
  return out;
}

function splitAt(b: Uint8Array, cuts: number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of pts) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

const samples: [string, Uint8Array, (f: ReadFrame) => void][] = [
  ["DATA", encodeFrame(FrameType.DATA, Uint8Array.of(1, 2, 3)), (f) => {
    assert.equal(f.kind, "data");
    assert.deepEqual([...(f as { payload: Uint8Array }).payload], [1, 2, 3]);
  }],
  ["empty DATA", encodeFrame(FrameType.DATA, new Uint8Array(0)), (f) => {
    assert.equal(f.kind, "data");
    assert.equal((f as { payload: Uint8Array }).payload.length, 0);
  }],
  ["HEADERS", encodeHeadersFrame(Uint8Array.of(0, 0, 0xd1)), (f) => {
    assert.ok(f.kind === "frame" && f.type === FrameType.HEADERS);
    assert.deepEqual([...f.payload], [0, 0, 0xd1]);
  }],
  ["CANCEL_PUSH", encodeCancelPushFrame(70000), (f) => {
    assert.ok(f.kind === "frame" && f.type === FrameType.CANCEL_PUSH);
    assert.equal(decodeIdPayload(f.payload, "CANCEL_PUSH"), 70000);
  }],
  ["GOAWAY", encodeGoawayFrame(2 ** 40), (f) => {
    assert.ok(f.kind === "frame" && f.type === FrameType.GOAWAY);
    assert.equal(decodeIdPayload(f.payload, "GOAWAY"), 2 ** 40);
  }],
  ["MAX_PUSH_ID", encodeMaxPushIdFrame(63), (f) => {
    assert.ok(f.kind === "frame" && f.type === FrameType.MAX_PUSH_ID);
    assert.equal(decodeIdPayload(f.payload, "MAX_PUSH_ID"), 63);
  }],
  ["PUSH_PROMISE", encodePushPromiseFrame(300, Uint8Array.of(9, 8)), (f) => {
    assert.ok(f.kind === "frame" && f.type === FrameType.PUSH_PROMISE);
    const p = decodePushPromisePayload(f.payload);
    assert.equal(p.pushId, 300);
    assert.deepEqual([...p.section], [9, 8]);
  }],
  ["PRIORITY_UPDATE request", encodePriorityUpdateFrame(8, "u=2, i"), (f) => {
    assert.ok(f.kind === "frame" && f.type === FrameType.PRIORITY_UPDATE_REQUEST);
    assert.deepEqual(decodePriorityUpdatePayload(f.payload), { id: 8, value: "u=2, i" });
  }],
  ["PRIORITY_UPDATE push", encodePriorityUpdateFrame(3, "u=7", true), (f) => {
    assert.ok(f.kind === "frame" && f.type === FrameType.PRIORITY_UPDATE_PUSH);
    assert.deepEqual(decodePriorityUpdatePayload(f.payload), { id: 3, value: "u=7" });
  }],
  ["GREASE", encodeFrame(greaseId(5), Uint8Array.of(1, 2, 3, 4)), (f) => {
    assert.ok(f.kind === "unknown" && f.type === greaseId(5) && f.length === 4);
  }],
];

for (const [name, bytes, check] of samples) {
  Deno.test(`frames: ${name} round-trips at every split point`, () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const got = parseChunks([bytes.subarray(0, cut), bytes.subarray(cut)]);
      assert.equal(got.length, 1, `cut ${cut}`);
      check(got[0]);
    }
    // One byte at a time.
    const got = parseChunks([...bytes].map((b) => Uint8Array.of(b)));
    assert.equal(got.length, 1);
    check(got[0]);
  });
}

const frameArb = fc.oneof(
  fc.record({ t: fc.constant(FrameType.DATA), p: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ t: fc.constant(FrameType.HEADERS), p: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ t: fc.constant(FrameType.SETTINGS), p: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({
    t: fc.integer({ min: 0, max: 2 ** 20 }).map(greaseId),
    p: fc.uint8Array({ maxLength: 100 }),
  }),
);

Deno.test("frames: property — random frame sequences survive random splits", () => {
  fc.assert(
    fc.property(
      fc.array(frameArb, { maxLength: 12 }),
      fc.array(fc.nat(5000), { maxLength: 10 }),
      (frames, cuts) => {
        const bytes = concat(frames.map((f) => encodeFrame(f.t, f.p)));
        const got = parseChunks(splitAt(bytes, cuts));
        assert.equal(got.length, frames.length);
        frames.forEach((f, i) => {
          const g = got[i];
          if (isGreaseId(f.t)) {
            assert.ok(g.kind === "unknown" && g.type === f.t && g.length === f.p.length);
          } else if (f.t === FrameType.DATA) {
            assert.ok(g.kind === "data");
            assert.deepEqual(g.payload, f.p);
          } else {
            assert.ok(g.kind === "frame" && g.type === f.t);
            assert.deepEqual(g.payload, f.p);
          }
        });
      },
    ),
    { seed: 9114, numRuns: 1500 },
  );
});

Deno.test("frames: property — id payloads round-trip over the varint range", () => {
  fc.assert(
    fc.property(fc.oneof(fc.nat(63), fc.nat(16383), fc.nat(2 ** 30), fc.maxSafeNat()), (id) => {
      for (const enc of [encodeGoawayFrame, encodeCancelPushFrame, encodeMaxPushIdFrame]) {
        const [f] = parseChunks([enc(id)]);
        assert.ok(f.kind === "frame");
        assert.equal(decodeIdPayload(f.payload, "x"), id);
      }
    }),
    { seed: 7, numRuns: 500 },
  );
});

function h3code(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof H3Error) return e.code;
    throw e;
  }
  return -1;
}

Deno.test("frames: HTTP/2-only types are H3_FRAME_UNEXPECTED (RFC 9114 §7.2.8)", () => {
  for (const t of [0x2, 0x6, 0x8, 0x9]) {
    const r = new FrameReader();
    r.push(encodeFrame(t, Uint8Array.of(0)));
    assert.equal(h3code(() => r.next()), H3ErrorCode.H3_FRAME_UNEXPECTED, `type ${t}`);
  }
});

Deno.test("frames: limits — oversized buffered frames are H3_EXCESSIVE_LOAD, DATA is streamed", () => {
  const r = new FrameReader({ maxFramePayload: 10, maxHeadersPayload: 20 });
  r.push(encodeFrame(FrameType.SETTINGS, new Uint8Array(11)));
  assert.equal(h3code(() => r.next()), H3ErrorCode.H3_EXCESSIVE_LOAD);
  const h = new FrameReader({
    maxFramePayload: 10,
    maxHeadersPayload: 20,
    oversizeScope: "stream",
  });
  h.push(encodeFrameHeaderOnly(FrameType.HEADERS, 21));
  try {
    h.next();
    assert.fail("no error");
  } catch (e) {
    assert.ok(e instanceof H3Error && e.scope === "stream" && e.code === 0x107);
  }
  // A 1 MB DATA frame passes through a reader with tiny limits, unbuffered.
  const d = new FrameReader({ maxFramePayload: 10, maxHeadersPayload: 10 });
  const big = encodeFrame(FrameType.DATA, new Uint8Array(1 << 20));
  let total = 0;
  for (let off = 0; off < big.length; off += 4096) {
    d.push(big.subarray(off, off + 4096));
    for (let f = d.next(); f !== null; f = d.next()) {
      if (f.kind === "data") total += f.payload.length;
    }
    assert.ok(d.bufferedBytes <= 4096);
  }
  assert.equal(total, 1 << 20);
});

function encodeFrameHeaderOnly(type: number, len: number): Uint8Array {
  const full = encodeFrame(type, new Uint8Array(len));
  return full.subarray(0, full.length - len);
}

Deno.test("frames: truncated frame at FIN is H3_FRAME_ERROR; payload layout errors too", () => {
  const bytes = encodeHeadersFrame(Uint8Array.of(1, 2, 3));
  for (let cut = 1; cut < bytes.length; cut++) {
    const r = new FrameReader();
    r.push(bytes.subarray(0, cut));
    while (r.next() !== null);
    assert.equal(h3code(() => r.finish()), H3ErrorCode.H3_FRAME_ERROR, `cut ${cut}`);
  }
  assert.equal(h3code(() => decodeIdPayload(Uint8Array.of(4, 5), "GOAWAY")), 0x106);
  assert.equal(h3code(() => decodeIdPayload(Uint8Array.of(0x40), "GOAWAY")), 0x106);
  assert.equal(h3code(() => decodeIdPayload(new Uint8Array(0), "GOAWAY")), 0x106);
  assert.equal(h3code(() => decodePushPromisePayload(new Uint8Array(0))), 0x106);
  assert.equal(h3code(() => decodePriorityUpdatePayload(Uint8Array.of(4, 0x0a))), 0x106);
});

Deno.test("frames: GREASE identifiers follow 0x1f*N+0x21", () => {
  for (let n = 0; n < 1000; n++) assert.ok(isGreaseId(greaseId(n)));
  for (const t of [0, 1, 4, 7, 0x20, 0x22, 0x41, 0xf0700]) assert.ok(!isGreaseId(t));
});
