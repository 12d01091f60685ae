// Seeded fuzzing (fast-check, fixed seeds), 56,000 cases in all: the frame
// parser on random bytes split anywhere; request validation on random field
// lists; and live connections fed random request streams beside a valid
// one. Only H3Error / QpackError may surface (the connection itself never
// throws), buffering stays bounded, and a malformed request never affects
// another request on the same connection.
import assert from "node:assert/strict";
import fc from "fast-check";
import { QpackEncoder, QpackError } from "../../../qpack/mod.ts";
import {
  encodeFrame,
  encodeHeadersFrame,
  FrameReader,
  H3Error,
  validateRequestHeaders,
  validateResponseHeaders,
} from "../../../http3/proto/mod.ts";
import { GET, Pair } from "./_pair.ts";

function typedOnly(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof H3Error) && !(e instanceof QpackError)) throw e;
  }
}

Deno.test("fuzz: frame parser on random bytes and splits (25,000 cases)", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.array(fc.nat(200), { maxLength: 8 }),
      (bytes, cuts) => {
        const r = new FrameReader({ maxFramePayload: 64, maxHeadersPayload: 128 });
        typedOnly(() => {
          let prev = 0;
          for (
            const c of [
              ...cuts.map((x) => x % (bytes.length + 1)).sort((a, b) => a - b),
              bytes.length,
            ]
          ) {
            r.push(bytes.subarray(prev, Math.max(prev, c)));
            prev = Math.max(prev, c);
            for (let f = r.next(); f !== null; f = r.next()) {
              if (f.kind === "frame") assert.ok(f.payload.length <= 128);
            }
            assert.ok(r.bufferedBytes <= bytes.length);
          }
          r.finish();
        });
      },
    ),
    { seed: 0x9114, numRuns: 25000 },
  );
});

const NAMES = [
  ":method",
  ":scheme",
  ":authority",
  ":path",
  ":protocol",
  ":status",
  "host",
  "te",
  "content-length",
  "connection",
  "x-a",
  "X-B",
  "",
  "a b",
  "cookie",
];
const fieldArb = fc.record({
  name: fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 6 })),
  value: fc.oneof(
    fc.constantFrom(
      "GET",
      "CONNECT",
      "https",
      "/",
      "*",
      "example.com",
      "trailers",
      "1",
      " x",
      "a\r\nb",
      "",
    ),
    fc.string({ maxLength: 8 }),
  ),
});

Deno.test("fuzz: request/response validation on random field lists (15,000 cases)", () => {
  fc.assert(
    fc.property(fc.array(fieldArb, { maxLength: 8 }), fc.boolean(), (fields, ext) => {
      try {
        const head = validateRequestHeaders(fields, { enableConnectProtocol: ext });
        assert.ok(head.method.length > 0);
      } catch (e) {
        assert.ok(e instanceof H3Error && e.code === 0x10e && e.scope === "stream", String(e));
      }
      try {
        validateResponseHeaders(fields);
      } catch (e) {
        assert.ok(e instanceof H3Error && e.code === 0x10e && e.scope === "stream", String(e));
      }
    }),
    { seed: 42, numRuns: 15000 },
  );
});

const enc0 = () => new QpackEncoder({ maxTableCapacity: 0, maxBlockedStreams: 0 });
const goodRequest = encodeHeadersFrame(enc0().encodeFieldSection(4, GET("/ok")));

/** Feeds `bad` on stream 0 and a valid request on stream 4, interleaved. */
function exchange(p: Pair, bad: Uint8Array, fin: boolean, cut: number): void {
  const c = cut % (goodRequest.length + 1);
  p.server.onStreamData(4, goodRequest.subarray(0, c), false);
  p.server.onStreamData(0, bad, fin);
  p.server.onStreamData(4, goodRequest.subarray(c), true);
  p.drain();
}

function goodAnswered(p: Pair): boolean {
  const ev = p.takeServer();
  return ev.some((e) => e.type === "request" && e.streamId === 4) &&
    ev.some((e) => e.type === "end" && e.streamId === 4) &&
    !ev.some((e) => e.type === "streamError" && e.streamId === 4);
}

Deno.test("fuzz: well-framed random requests only ever fail their own stream (8,000 cases)", () => {
  const extra = fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 3 });
  fc.assert(
    fc.property(
      fc.array(fieldArb, { maxLength: 8 }),
      extra,
      fc.boolean(),
      fc.nat(),
      (fields, datas, fin, cut) => {
        const p = new Pair({}, {}, cut);
        p.pump();
        p.takeServer();
        const parts = [
          encodeHeadersFrame(enc0().encodeFieldSection(0, fields)),
          ...datas.map((d) => encodeFrame(0, d)),
        ];
        const bytes = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
        let o = 0;
        for (const x of parts) {
          bytes.set(x, o);
          o += x.length;
        }
        exchange(p, bytes, fin, cut);
        assert.equal(p.st.closed, undefined, "a malformed message is never a connection error");
        assert.ok(goodAnswered(p), "the valid request on stream 4 is unaffected");
      },
    ),
    { seed: 7, numRuns: 8000 },
  );
});

Deno.test("fuzz: random bytes on a request stream — typed errors, valid request unaffected (8,000 cases)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), fc.nat(), (bytes, fin, cut) => {
      const p = new Pair({}, {}, cut);
      p.pump();
      p.takeServer();
      exchange(p, bytes, fin, cut); // must not throw: errors become events
      if (p.st.closed === undefined) assert.ok(goodAnswered(p));
      else {assert.ok(
          [0x105, 0x106, 0x107, 0x200].includes(p.st.closed.code),
          JSON.stringify(p.st.closed),
        );}
    }),
    { seed: 11, numRuns: 8000 },
  );
});
