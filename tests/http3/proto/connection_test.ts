// H3Connection (RFC 9114): a full client↔server exchange over two
// connections wired back to back with the QPACK dynamic table in use and
// blocked streams, interim responses, trailers, cancellation, GOAWAY both
// ways, the server push lifecycle, PRIORITY_UPDATE, GREASE tolerance.
import assert from "node:assert/strict";
import { QpackEncoder } from "../../../qpack/mod.ts";
import {
  encodeFrame,
  encodeHeadersFrame,
  encodeSettingsFrame,
  encodeStreamPreface,
  FrameType,
  greaseId,
  H3Error,
  type H3Event,
  StreamType,
} from "../../../http3/proto/mod.ts";
import { GET, Pair, td, te } from "./_pair.ts";

const status = (s: number, extra: { name: string; value: string }[] = []) => [
  { name: ":status", value: String(s) },
  ...extra,
];
const closedCode = (t: { closed?: { code: number } }) => t.closed?.code;
const ofType = <T extends H3Event["type"]>(ev: H3Event[], t: T) =>
  ev.filter((e) => e.type === t) as Extract<H3Event, { type: T }>[];

Deno.test("connection: full exchange with dynamic table, blocked streams, 1xx, trailers, splits", () => {
  const p = new Pair({}, {}, 7);
  p.pump();
  p.takeClient();
  p.takeServer();
  const CLIENT_ENCODER = 6; // client uni streams: control 2, encoder 6, decoder 10, grease 14
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    const extra = [{ name: "x-session", value: "abcdefghijklmnop" }, {
      name: "x-n",
      value: String(i),
    }];
    ids.push(p.client.sendRequest(GET(`/r${i}`, extra), { endStream: i % 2 === 0 })!);
  }
  p.client.sendData(ids[1], te.encode("body-1"), true);
  p.client.sendData(ids[3], te.encode("body"), false);
  p.client.sendTrailers(ids[3], [{ name: "x-sum", value: "1" }]);
  // Hold the encoder stream: the sections referencing new entries block.
  p.pump({ hold: (w, toServer) => toServer && w.id === CLIENT_ENCODER, split: (n) => 1 + (n % 7) });
  const encoderBytes = p.held.reduce((n, h) => n + (h.w.kind === "data" ? h.w.data.length : 0), 0);
  assert.ok(encoderBytes > 20, "dynamic table inserts were sent");
  const before = ofType(p.serverEvents, "request").length;
  assert.ok(before < 5, `some requests blocked on QPACK (${before} of 5 decoded)`);
  p.release();
  const ev = p.takeServer();
  assert.ok(ofType(ev, "request").length === 5);
  const reqs = ofType(ev, "request");
  assert.deepEqual(reqs.map((r) => r.head.path).sort(), ["/r0", "/r1", "/r2", "/r3", "/r4"]);
  reqs.sort((a, b) => a.streamId - b.streamId);
  assert.ok(
    reqs.every((r, i) => r.head.headers.some((h) => h.name === "x-n" && h.value === String(i))),
  );
  assert.equal(td.decode(ofType(ev, "data").find((d) => d.streamId === ids[1])!.data), "body-1");
  assert.deepEqual(ofType(ev, "trailers")[0].fields, [{ name: "x-sum", value: "1" }]);
  assert.deepEqual(ofType(ev, "end").map((e) => e.streamId).sort((a, b) => a - b), ids);
  // Responses: an interim 103, content with content-length, trailers.
  for (const id of ids) {
    p.server.sendResponse(id, status(103, [{ name: "link", value: "</s.css>" }]));
    const body = te.encode(`hello ${id} `.repeat(50));
    p.server.sendResponse(
      id,
      status(200, [
        { name: "content-length", value: String(body.length) },
        { name: "x-server", value: "gquic-test-server" },
      ]),
    );
    p.server.sendData(id, body.subarray(0, 100));
    p.server.sendData(id, body.subarray(100));
    p.server.sendTrailers(id, [{ name: "x-done", value: "yes" }]);
  }
  p.pump({ split: (n) => 1 + (n % 13) });
  const cev = p.takeClient();
  assert.equal(ofType(cev, "informational").length, 5);
  assert.equal(ofType(cev, "response").length, 5);
  for (const id of ids) {
    const data = ofType(cev, "data").filter((d) => d.streamId === id).map((d) => td.decode(d.data))
      .join("");
    assert.equal(data, `hello ${id} `.repeat(50));
  }
  assert.equal(ofType(cev, "end").length, 5);
  assert.equal(p.client.activeStreams + p.server.activeStreams, 0);
  assert.equal(p.ct.closed ?? p.st.closed, undefined);
});

Deno.test("connection: cancellation and peer reset are stream errors only", () => {
  const p = new Pair();
  p.pump();
  const a = p.client.sendRequest(GET("/a"))!;
  const b = p.client.sendRequest(GET("/b"), { endStream: true })!;
  p.pump();
  p.takeServer();
  p.client.cancelStream(a);
  p.pump();
  const err = ofType(p.takeServer(), "streamError");
  assert.equal(err.length, 1);
  assert.ok(err[0].streamId === a && err[0].code === 0x10c && !err[0].local);
  // Server rejects b; client sees the reset.
  p.server.cancelStream(b, 0x10b);
  p.pump();
  const cerr = ofType(p.takeClient(), "streamError");
  assert.ok(cerr.length === 1 && cerr[0].streamId === b && cerr[0].code === 0x10b);
  // STOP_SENDING: peer asks us to stop; we reset and report it.
  const c = p.client.sendRequest(GET("/c"))!;
  p.pump();
  p.server.onStopSending(c, 0x100);
  p.drain();
  assert.ok(p.st.out.some((w) => w.kind === "reset" && w.id === c && w.code === 0x100));
  assert.equal(p.ct.closed ?? p.st.closed, undefined);
});

Deno.test("connection: GOAWAY from the server refuses later requests; in-flight ones finish", () => {
  const p = new Pair();
  p.pump();
  const ids = [0, 1, 2].map((i) => p.client.sendRequest(GET(`/g${i}`), { endStream: true })!);
  p.pump({ hold: (w, toServer) => toServer && w.id === ids[2] });
  assert.equal(ofType(p.takeServer(), "request").length, 2);
  p.server.goaway(); // ID 8: stream 8 was not processed
  p.pump();
  const cev = p.takeClient();
  assert.deepEqual(ofType(cev, "goaway").map((g) => g.id), [8]);
  const rejected = ofType(cev, "streamError");
  assert.ok(
    rejected.length === 1 && rejected[0].streamId === 8 && rejected[0].code === 0x10b &&
      rejected[0].local,
  );
  assert.throws(
    () => p.client.sendRequest(GET("/late")),
    (e) => e instanceof H3Error && e.code === 0x10b,
  );
  p.release(); // the held request reaches the server after GOAWAY: rejected unprocessed
  assert.equal(ofType(p.takeServer(), "request").length, 0);
  assert.ok(p.st.out.some((w) => w.kind === "reset" && w.id === 8 && w.code === 0x10b));
  for (const id of ids.slice(0, 2)) p.server.sendResponse(id, status(200), { endStream: true });
  p.pump();
  assert.equal(ofType(p.takeClient(), "end").length, 2);
  // A second, lower GOAWAY is fine; a higher one is H3_ID_ERROR.
  p.server.goaway(4);
  p.pump();
  assert.equal(p.ct.closed, undefined);
  p.client.onStreamData(3, encodeFrame(FrameType.GOAWAY, Uint8Array.of(12)), false);
  assert.equal(closedCode(p.ct), 0x108);
});

Deno.test("connection: GOAWAY from the client stops pushes at its push ID", () => {
  const p = new Pair({ maxPushes: 10 });
  p.pump();
  const id = p.client.sendRequest(GET("/"), { endStream: true })!;
  p.pump();
  const first = p.server.pushPromise(id, GET("/p0"));
  assert.equal(first, 0);
  p.pump();
  p.client.goaway(); // push ID 1: nothing from 1 on
  p.pump();
  assert.deepEqual(ofType(p.takeServer(), "goaway").map((g) => g.id), [1]);
  assert.equal(p.server.pushPromise(id, GET("/p1")), null);
  const sid = p.server.sendPushResponse(0, status(200), { endStream: true });
  assert.notEqual(sid, null);
  p.pump();
  assert.equal(ofType(p.takeClient(), "response").find((r) => r.pushId === 0)?.head.status, 200);
});

Deno.test("connection: push lifecycle — promise, stream, response, cancel both ways, limits", () => {
  const p = new Pair({ maxPushes: 2 });
  p.pump();
  const id = p.client.sendRequest(GET("/index.html"), { endStream: true })!;
  p.pump();
  p.takeServer();
  const p0 = p.server.pushPromise(id, GET("/style.css"))!;
  const p1 = p.server.pushPromise(id, GET("/app.js"))!;
  assert.deepEqual([p0, p1], [0, 1]);
  assert.equal(p.server.pushPromise(id, GET("/more.js")), null, "MAX_PUSH_ID is 1");
  assert.throws(() =>
    p.server.pushPromise(id, [{ name: ":method", value: "POST" }, ...GET("/x").slice(1)])
  );
  p.server.sendResponse(id, status(200), { endStream: true });
  const s0 = p.server.sendPushResponse(
    p0,
    status(200, [{ name: "content-type", value: "text/css" }]),
  )!;
  p.server.sendData(s0, te.encode("body{}"), true);
  p.pump();
  let cev = p.takeClient();
  const promises = ofType(cev, "pushPromise");
  assert.deepEqual(promises.map((x) => [x.pushId, x.head.path, x.streamId]), [
    [0, "/style.css", id],
    [1, "/app.js", id],
  ]);
  assert.deepEqual(ofType(cev, "pushStream").map((x) => x.pushId), [0]);
  const resp = ofType(cev, "response").find((r) => r.pushId === 0)!;
  assert.equal(resp.streamId, s0);
  assert.equal(td.decode(ofType(cev, "data").find((d) => d.streamId === s0)!.data), "body{}");
  assert.ok(ofType(cev, "end").some((e) => e.streamId === s0));
  // The client refuses push 1: CANCEL_PUSH reaches the server.
  p.client.cancelPush(p1);
  p.pump();
  assert.deepEqual(ofType(p.takeServer(), "pushCancelled").map((x) => x.pushId), [1]);
  assert.throws(() => p.server.sendPushResponse(p1, status(200)));
  // More credit; the server cancels its own push, the client hears of it.
  p.client.setMaxPushId(5);
  p.pump();
  const id2 = p.client.sendRequest(GET("/2"), { endStream: true })!;
  p.pump();
  const p2 = p.server.pushPromise(id2, GET("/late.js"))!;
  assert.equal(p2, 2);
  const s2 = p.server.sendPushResponse(p2, status(200))!;
  p.server.cancelPush(p2);
  p.pump();
  cev = p.takeClient();
  assert.deepEqual(ofType(cev, "pushCancelled").map((x) => x.pushId), [2]);
  assert.ok(p.st.out.some((w) => w.kind === "reset" && w.id === s2 && w.code === 0x10c));
  assert.equal(p.ct.closed ?? p.st.closed, undefined);
});

Deno.test("connection: PRIORITY_UPDATE is recorded by the server", () => {
  const p = new Pair();
  p.pump();
  const id = p.client.sendRequest(GET("/"))!;
  p.client.sendPriorityUpdate(id, "u=1, i");
  p.pump();
  const ev = ofType(p.takeServer(), "priorityUpdate");
  assert.deepEqual(ev.map((e) => [e.id, e.value, e.push]), [[id, "u=1, i", false]]);
  assert.equal(p.server.priorityOf(id), "u=1, i");
});

Deno.test("connection: GREASE and unknown frames, settings and stream types are ignored", () => {
  const p = new Pair();
  p.pump();
  // Unknown frames on the control stream and on a request stream.
  p.server.onStreamData(2, encodeFrame(greaseId(9), Uint8Array.of(1, 2, 3)), false);
  p.server.onStreamData(2, encodeFrame(0x1234, new Uint8Array(100)), false);
  const enc = new QpackEncoder({ maxTableCapacity: 0, maxBlockedStreams: 0 });
  const req = encodeHeadersFrame(enc.encodeFieldSection(0, GET("/grease")));
  const g = encodeFrame(greaseId(2), Uint8Array.of(9));
  const bytes = new Uint8Array([
    ...g,
    ...req,
    ...g,
    ...encodeFrame(FrameType.DATA, Uint8Array.of(7)),
    ...g,
  ]);
  p.server.onStreamData(0, bytes, true);
  // An unknown stream type: STOP_SENDING with H3_STREAM_CREATION_ERROR.
  p.server.onStreamData(18, encodeStreamPreface(greaseId(4)), false);
  p.server.onStreamData(18, Uint8Array.of(1, 2, 3), true);
  p.drain();
  const ev = p.takeServer();
  assert.equal(ofType(ev, "request")[0].head.path, "/grease");
  assert.deepEqual([...ofType(ev, "data")[0].data], [7]);
  assert.ok(ofType(ev, "end").length === 1);
  assert.ok(p.st.out.some((w) => w.kind === "stop" && w.id === 18 && w.code === 0x103));
  assert.equal(p.st.closed, undefined);
  // The peers GREASEd each other from the start (setting, frame, stream type).
  assert.ok(
    p.ct.out.some((w) => w.kind === "stop" && w.code === 0x103),
    "client saw the server's GREASE stream",
  );
});

Deno.test("connection: request stream ended before HEADERS is H3_REQUEST_INCOMPLETE", () => {
  const p = new Pair();
  p.pump();
  p.server.onStreamData(0, new Uint8Array(0), true);
  p.drain();
  const e = ofType(p.takeServer(), "streamError");
  assert.equal(e.length, 0, "nothing was announced, nothing to report");
  assert.ok(p.st.out.some((w) => w.kind === "reset" && w.id === 0 && w.code === 0x10d));
  p.server.onStreamData(4, encodeFrame(greaseId(1), new Uint8Array(0)), true);
  assert.ok(p.st.out.some((w) => w.kind === "reset" && w.id === 4 && w.code === 0x10d));
  assert.equal(p.st.closed, undefined);
});

Deno.test("connection: settings are exchanged and the QPACK encoder follows the peer's", () => {
  const p = new Pair({ qpackMaxTableCapacity: 0 }, {
    enableConnectProtocol: true,
    h3Datagram: true,
  });
  p.pump();
  const s = ofType(p.takeClient(), "settings")[0].settings;
  assert.equal(s.enableConnectProtocol, true);
  assert.equal(s.h3Datagram, true);
  assert.equal(ofType(p.takeServer(), "settings")[0].settings.qpackMaxTableCapacity, 0);
  // Extended CONNECT (RFC 9220) is allowed once the server enabled it.
  const id = p.client.sendRequest([
    { name: ":method", value: "CONNECT" },
    { name: ":protocol", value: "websocket" },
    { name: ":scheme", value: "https" },
    { name: ":authority", value: "a" },
    { name: ":path", value: "/ws" },
  ])!;
  p.pump();
  assert.equal(ofType(p.takeServer(), "request")[0].head.protocol, "websocket");
  // The server may not use the dynamic table towards this client.
  p.server.sendResponse(id, status(200, [{ name: "x-long-header-name", value: "v".repeat(40) }]));
  p.pump();
  assert.equal(
    p.st.on(7).filter((w) => w.kind === "data").reduce(
      (n, w) => n + (w.kind === "data" ? w.data.length : 0),
      0,
    ),
    1,
  );
  assert.equal(ofType(p.takeClient(), "response")[0].head.status, 200);
  assert.ok(encodeSettingsFrame({}).length === 2 && StreamType.CONTROL === 0);
});
