// Message validation (RFC 9114 §4.1–§4.4, RFC 9220): a table of malformed
// requests, each injected on its own stream of a live server connection
// next to a valid request; each is reset with H3_MESSAGE_ERROR on that
// stream only, the valid one is answered, and the connection stays open.
import assert from "node:assert/strict";
import { QpackEncoder } from "../../../qpack/mod.ts";
import {
  encodeFrame,
  encodeHeadersFrame,
  FrameType,
  H3Error,
  H3ErrorCode,
  validateRequestHeaders,
  validateResponseHeaders,
  validateTrailers,
} from "../../../http3/proto/mod.ts";
import { GET, Pair } from "./_pair.ts";

type F = { name: string; value: string };
const base = (): F[] => GET("/x");
const M = ":method", S = ":scheme", A = ":authority", P = ":path";
const without = (n: string) => base().filter((f) => f.name !== n);
const with_ = (...extra: F[]) => [...base(), ...extra];

const MALFORMED: [string, F[]][] = [
  ["missing :method", without(M)],
  ["missing :scheme", without(S)],
  ["missing :path", without(P)],
  ["missing :authority and host", without(A)],
  ["empty :path", [...without(P), { name: P, value: "" }]],
  ["relative :path", [...without(P), { name: P, value: "x" }]],
  ["* path for GET", [...without(P), { name: P, value: "*" }]],
  [
    "duplicate :path",
    with_({ name: P, value: "/y" }).sort((a, b) =>
      Number(b.name[0] === ":") - Number(a.name[0] === ":")
    ),
  ],
  ["unknown pseudo-header", [{ name: ":foo", value: "1" }, ...base()]],
  [":status in a request", [{ name: ":status", value: "200" }, ...base()]],
  ["pseudo after regular", [...base(), { name: ":protocol", value: "x" }]],
  ["uppercase name", with_({ name: "X-Upper", value: "1" })],
  ["space in name", with_({ name: "x y", value: "1" })],
  ["empty name", with_({ name: "", value: "1" })],
  ["colon in name", with_({ name: "x:y", value: "1" })],
  ["connection", with_({ name: "connection", value: "close" })],
  ["keep-alive", with_({ name: "keep-alive", value: "5" })],
  ["proxy-connection", with_({ name: "proxy-connection", value: "x" })],
  ["transfer-encoding", with_({ name: "transfer-encoding", value: "chunked" })],
  ["upgrade", with_({ name: "upgrade", value: "h2c" })],
  ["te: gzip", with_({ name: "te", value: "gzip" })],
  ["CR in value", with_({ name: "x", value: "a\rb" })],
  ["LF in value", with_({ name: "x", value: "a\nb" })],
  ["NUL in value", with_({ name: "x", value: "a\0b" })],
  ["leading space in value", with_({ name: "x", value: " a" })],
  ["trailing tab in value", with_({ name: "x", value: "a\t" })],
  ["bad content-length", with_({ name: "content-length", value: "12a" })],
  ["conflicting content-length", with_({ name: "content-length", value: "1, 2" })],
  ["host differs from :authority", with_({ name: "host", value: "other.example" })],
  ["userinfo in :authority", [...without(A), { name: A, value: "u@example.com" }]],
  ["CONNECT with :path", [{ name: M, value: "CONNECT" }, { name: A, value: "a:443" }, {
    name: P,
    value: "/",
  }]],
  ["CONNECT without :authority", [{ name: M, value: "CONNECT" }]],
  [":protocol without the setting", [
    { name: M, value: "CONNECT" },
    { name: ":protocol", value: "websocket" },
    { name: S, value: "https" },
    { name: A, value: "a" },
    { name: P, value: "/chat" },
  ]],
  [":protocol on GET", [{ name: ":protocol", value: "websocket" }, ...base()]],
  ["space in :method", [...without(M), { name: M, value: "G T" }]],
];

function messageError(f: () => unknown): boolean {
  try {
    f();
  } catch (e) {
    return e instanceof H3Error && e.code === H3ErrorCode.H3_MESSAGE_ERROR && e.scope === "stream";
  }
  return false;
}

Deno.test("message: table of malformed requests → H3_MESSAGE_ERROR (validator)", () => {
  for (const [name, fields] of MALFORMED) {
    assert.ok(messageError(() => validateRequestHeaders(fields)), name);
  }
});

Deno.test("message: valid request forms are accepted", () => {
  assert.equal(validateRequestHeaders(base()).path, "/x");
  assert.equal(validateRequestHeaders(with_({ name: "te", value: "trailers" })).method, "GET");
  const opts = [...without(P), { name: P, value: "*" }].map((f) =>
    f.name === M ? { name: M, value: "OPTIONS" } : f
  );
  assert.equal(validateRequestHeaders(opts).path, "*");
  const hostOnly = [...without(A), { name: "host", value: "h.example" }];
  assert.equal(validateRequestHeaders(hostOnly).authority, "h.example");
  const connect = validateRequestHeaders([{ name: M, value: "CONNECT" }, {
    name: A,
    value: "a:443",
  }]);
  assert.equal(connect.authority, "a:443");
  const ext = validateRequestHeaders([
    { name: M, value: "CONNECT" },
    { name: ":protocol", value: "websocket" },
    { name: S, value: "https" },
    { name: A, value: "a" },
    { name: P, value: "/chat" },
  ], { enableConnectProtocol: true });
  assert.equal(ext.protocol, "websocket");
  assert.equal(
    validateRequestHeaders(with_({ name: "content-length", value: "5, 5" })).contentLength,
    5,
  );
  assert.equal(validateRequestHeaders(with_({ name: "x", value: "a \t b\x80" })).headers.length, 1);
});

Deno.test("message: responses and trailers", () => {
  assert.equal(validateResponseHeaders([{ name: ":status", value: "103" }]).status, 103);
  for (
    const bad of [
      [],
      [{ name: ":status", value: "20" }],
      [{ name: ":status", value: "600" }],
      [{ name: ":status", value: "101" }],
      [{ name: ":status", value: "200" }, { name: ":status", value: "200" }],
      [{ name: ":status", value: "200" }, { name: ":path", value: "/" }],
      [{ name: "x", value: "1" }, { name: ":status", value: "200" }],
      [{ name: ":status", value: "200" }, { name: "te", value: "trailers" }],
    ]
  ) assert.ok(messageError(() => validateResponseHeaders(bad)), JSON.stringify(bad));
  assert.ok(messageError(() => validateTrailers([{ name: ":status", value: "200" }])));
  assert.ok(messageError(() => validateTrailers([{ name: "Bad", value: "1" }])));
  assert.equal(validateTrailers([{ name: "x-checksum", value: "abc" }]).length, 1);
});

/** Raw request bytes with a static-only QPACK encoding. */
function rawRequest(fields: F[], body?: Uint8Array): Uint8Array {
  const enc = new QpackEncoder({ maxTableCapacity: 0, maxBlockedStreams: 0 });
  const h = encodeHeadersFrame(enc.encodeFieldSection(0, fields));
  if (!body) return h;
  const d = encodeFrame(FrameType.DATA, body);
  const out = new Uint8Array(h.length + d.length);
  out.set(h);
  out.set(d, h.length);
  return out;
}

Deno.test("message: each malformed request fails only its stream on a live server", () => {
  const p = new Pair();
  p.pump();
  p.takeServer();
  const cases: [string, Uint8Array][] = MALFORMED.map(([n, f]) => [n, rawRequest(f)]);
  cases.push([
    "body longer than content-length",
    rawRequest(with_({ name: "content-length", value: "2" }), Uint8Array.of(1, 2, 3)),
  ]);
  cases.push([
    "body shorter than content-length",
    rawRequest(with_({ name: "content-length", value: "9" }), Uint8Array.of(1)),
  ]);
  cases.push([
    "pseudo-header in trailers",
    (() => {
      const enc = new QpackEncoder({ maxTableCapacity: 0, maxBlockedStreams: 0 });
      const t = encodeHeadersFrame(enc.encodeFieldSection(0, [{ name: ":path", value: "/" }]));
      const r = rawRequest(base());
      const out = new Uint8Array(r.length + t.length);
      out.set(r);
      out.set(t, r.length);
      return out;
    })(),
  ]);
  let id = 100;
  for (const [name, bytes] of cases) {
    const bad = id, good = id + 4;
    id += 8;
    p.server.onStreamData(good, rawRequest(base()).subarray(0, 5), false); // partial valid request first
    p.server.onStreamData(bad, bytes, true);
    p.server.onStreamData(good, rawRequest(base()).subarray(5), true);
    p.drain();
    const ev = p.takeServer();
    // A request rejected before it was announced is reset quietly; one
    // already announced (a body/content-length mismatch) gets a streamError.
    const announced = ev.some((e) => e.type === "request" && e.streamId === bad);
    const errs = ev.filter((e) => e.type === "streamError");
    assert.equal(errs.length, announced ? 1 : 0, name);
    if (announced) {
      assert.ok(
        errs[0].type === "streamError" && errs[0].streamId === bad && errs[0].code === 0x10e,
        name,
      );
    }
    assert.ok(!ev.some((e) => e.type === "end" && e.streamId === bad), name);
    assert.ok(p.st.out.some((w) => w.kind === "stop" && w.id === bad && w.code === 0x10e), name);
    assert.ok(ev.some((e) => e.type === "request" && e.streamId === good), name);
    assert.ok(ev.some((e) => e.type === "end" && e.streamId === good), name);
    assert.ok(p.st.out.some((w) => w.kind === "reset" && w.id === bad && w.code === 0x10e), name);
    p.server.sendResponse(good, [{ name: ":status", value: "204" }], { endStream: true });
    assert.equal(p.server.closed, false, name);
  }
  assert.equal(p.st.closed, undefined);
});
