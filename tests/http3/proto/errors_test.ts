// Every connection error of RFC 9114 §8 / §6.2.1 / §7.2 that a peer can
// cause, injected as raw bytes into a live connection: each closes the
// connection with the expected code, and never throws.
import assert from "node:assert/strict";
import { QpackEncoder } from "../../../qpack/mod.ts";
import {
  encodeCancelPushFrame,
  encodeFrame,
  encodeGoawayFrame,
  encodeHeadersFrame,
  encodeMaxPushIdFrame,
  encodePriorityUpdateFrame,
  encodePushPromiseFrame,
  encodeSettingsFrame,
  encodeStreamPreface,
  FrameType,
  greaseId,
  H3Connection,
  StreamType,
} from "../../../http3/proto/mod.ts";
import { GET, MemTransport, Pair } from "./_pair.ts";

const cat = (...p: Uint8Array[]) => new Uint8Array(p.flatMap((x) => [...x]));
const headers = (fields = GET()) =>
  encodeHeadersFrame(
    new QpackEncoder({ maxTableCapacity: 0, maxBlockedStreams: 0 }).encodeFieldSection(0, fields),
  );
const settings = encodeSettingsFrame({});
const ctl = (...frames: Uint8Array[]) => cat(encodeStreamPreface(StreamType.CONTROL), ...frames);

type Who = "server" | "client" | "client-push" | "fresh-server" | "fresh-client";
type Case = [string, Who, number, (c: H3Connection, p: Pair) => void];
const CASES: Case[] = [
  ["second control stream", "server", 0x103, (c) => c.onStreamData(18, ctl(settings), false)],
  [
    "second QPACK encoder stream",
    "server",
    0x103,
    (c) => c.onStreamData(18, encodeStreamPreface(2), false),
  ],
  [
    "second QPACK decoder stream",
    "client",
    0x103,
    (c) => c.onStreamData(19, encodeStreamPreface(3), false),
  ],
  [
    "push stream from a client",
    "server",
    0x103,
    (c) => c.onStreamData(18, encodeStreamPreface(1, 0), false),
  ],
  ["server-initiated bidi stream", "client", 0x103, (c) => c.onStreamData(1, headers(), false)],
  ["control stream FIN", "server", 0x104, (c) => c.onStreamData(2, new Uint8Array(0), true)],
  ["control stream reset", "client", 0x104, (c) => c.onStreamReset(3, 0x100)],
  ["encoder stream FIN", "server", 0x104, (c) => c.onStreamData(6, new Uint8Array(0), true)],
  ["decoder stream reset", "server", 0x104, (c) => c.onStreamReset(10, 0)],
  ["STOP_SENDING on our control stream", "server", 0x104, (c) => c.onStopSending(3, 0x100)],
  [
    "first control frame not SETTINGS",
    "fresh-server",
    0x10a,
    (c) => c.onStreamData(2, ctl(encodeGoawayFrame(0)), false),
  ],
  [
    "GREASE frame before SETTINGS",
    "fresh-client",
    0x10a,
    (c) => c.onStreamData(3, ctl(encodeFrame(greaseId(1), new Uint8Array(2))), false),
  ],
  ["second SETTINGS", "server", 0x105, (c) => c.onStreamData(2, settings, false)],
  [
    "DATA on the control stream",
    "server",
    0x105,
    (c) => c.onStreamData(2, encodeFrame(0, Uint8Array.of(1)), false),
  ],
  ["HEADERS on the control stream", "client", 0x105, (c) => c.onStreamData(3, headers(), false)],
  [
    "PUSH_PROMISE on the control stream",
    "client",
    0x105,
    (c) => c.onStreamData(3, encodePushPromiseFrame(0, Uint8Array.of(0, 0)), false),
  ],
  [
    "DATA before HEADERS",
    "server",
    0x105,
    (c) => c.onStreamData(0, encodeFrame(0, Uint8Array.of(1)), false),
  ],
  [
    "HEADERS after trailers",
    "server",
    0x105,
    (c) =>
      c.onStreamData(
        0,
        cat(headers(), headers([{ name: "x", value: "1" }]), headers([{ name: "y", value: "2" }])),
        false,
      ),
  ],
  [
    "CANCEL_PUSH on a request stream",
    "server",
    0x105,
    (c) => c.onStreamData(0, cat(headers(), encodeCancelPushFrame(0)), false),
  ],
  ["SETTINGS on a request stream", "server", 0x105, (c) => c.onStreamData(0, settings, false)],
  [
    "GOAWAY on a request stream",
    "client",
    0x105,
    (c) => c.onStreamData(c.sendRequest(GET())!, encodeGoawayFrame(0), false),
  ],
  [
    "PUSH_PROMISE received by a server",
    "server",
    0x105,
    (c) => c.onStreamData(0, cat(headers(), encodePushPromiseFrame(0, Uint8Array.of(0, 0))), false),
  ],
  [
    "MAX_PUSH_ID received by a client",
    "client",
    0x105,
    (c) => c.onStreamData(3, encodeMaxPushIdFrame(4), false),
  ],
  [
    "PRIORITY_UPDATE received by a client",
    "client",
    0x105,
    (c) => c.onStreamData(3, encodePriorityUpdateFrame(0, "u=1"), false),
  ],
  [
    "PRIORITY_UPDATE on a request stream",
    "server",
    0x105,
    (c) => c.onStreamData(0, encodePriorityUpdateFrame(0, "u=1"), false),
  ],
  [
    "HTTP/2 PING frame type",
    "server",
    0x105,
    (c) => c.onStreamData(2, encodeFrame(0x6, new Uint8Array(8)), false),
  ],
  [
    "truncated frame at FIN",
    "server",
    0x106,
    (c) => c.onStreamData(0, headers().subarray(0, 3), true),
  ],
  [
    "GOAWAY with trailing bytes",
    "client",
    0x106,
    (c) => c.onStreamData(3, encodeFrame(FrameType.GOAWAY, Uint8Array.of(0, 0)), false),
  ],
  [
    "oversized control frame",
    "server",
    0x107,
    (c) => c.onStreamData(2, encodeFrame(FrameType.GOAWAY, new Uint8Array(20000)), false),
  ],
  [
    "GOAWAY ID increased",
    "client",
    0x108,
    (c) => c.onStreamData(3, cat(encodeGoawayFrame(4), encodeGoawayFrame(8)), false),
  ],
  [
    "GOAWAY ID not a request stream",
    "client",
    0x108,
    (c) => c.onStreamData(3, encodeGoawayFrame(2), false),
  ],
  [
    "client GOAWAY push ID increased",
    "server",
    0x108,
    (c) => c.onStreamData(2, cat(encodeGoawayFrame(4), encodeGoawayFrame(5)), false),
  ],
  [
    "push stream without MAX_PUSH_ID",
    "client",
    0x108,
    (c) => c.onStreamData(19, encodeStreamPreface(1, 0), false),
  ],
  [
    "push stream beyond MAX_PUSH_ID",
    "client-push",
    0x108,
    (c) => c.onStreamData(19, encodeStreamPreface(1, 4), false),
  ],
  ["two push streams for one push ID", "client-push", 0x108, (c) => {
    c.onStreamData(19, encodeStreamPreface(1, 1), false);
    c.onStreamData(23, encodeStreamPreface(1, 1), false);
  }],
  ["PUSH_PROMISE beyond MAX_PUSH_ID", "client-push", 0x108, (c) => {
    const id = c.sendRequest(GET())!;
    c.onStreamData(id, encodePushPromiseFrame(9, Uint8Array.of(0, 0, 0xd1)), false);
  }],
  [
    "MAX_PUSH_ID decreased",
    "server",
    0x108,
    (c) => c.onStreamData(2, cat(encodeMaxPushIdFrame(5), encodeMaxPushIdFrame(4)), false),
  ],
  [
    "CANCEL_PUSH beyond MAX_PUSH_ID",
    "server",
    0x108,
    (c) => c.onStreamData(2, encodeCancelPushFrame(0), false),
  ],
  [
    "PRIORITY_UPDATE for an unpromised push",
    "server",
    0x108,
    (c) => c.onStreamData(2, encodePriorityUpdateFrame(0, "u=1", true), false),
  ],
  [
    "PRIORITY_UPDATE for a non-request stream",
    "server",
    0x108,
    (c) => c.onStreamData(2, encodePriorityUpdateFrame(2, "u=1"), false),
  ],
  [
    "duplicate setting",
    "fresh-server",
    0x109,
    (c) => c.onStreamData(2, ctl(encodeFrame(4, Uint8Array.of(6, 1, 6, 1))), false),
  ],
  [
    "HTTP/2 setting",
    "fresh-client",
    0x109,
    (c) => c.onStreamData(3, ctl(encodeFrame(4, Uint8Array.of(4, 1))), false),
  ],
  [
    "QPACK encoder stream garbage",
    "server",
    0x201,
    (c) => c.onStreamData(6, Uint8Array.of(0x3f, 0xff, 0xff, 0xff, 0x7f), false),
  ],
];

for (const [name, who, code, act] of CASES) {
  Deno.test(`errors: ${name} → 0x${code.toString(16)}`, () => {
    let conn: H3Connection, t: MemTransport, p: Pair;
    if (who.startsWith("fresh")) {
      const server = who === "fresh-server";
      t = new MemTransport(server);
      conn = new H3Connection({ role: server ? "server" : "client", transport: t, grease: false });
      conn.start();
      p = undefined as unknown as Pair;
    } else {
      p = new Pair(who === "client-push" ? { maxPushes: 2 } : {});
      p.pump();
      const server = who === "server";
      conn = server ? p.server : p.client;
      t = server ? p.st : p.ct;
    }
    act(conn, p);
    assert.equal(t.closed?.code, code, `closed with ${JSON.stringify(t.closed)}`);
    assert.equal(conn.closed, true);
    let ev, last;
    while ((ev = conn.pollEvent())) last = ev;
    assert.ok(last?.type === "connectionError" && last.local && last.code === code);
    // Closed connections ignore further input.
    conn.onStreamData(0, headers(), true);
    assert.equal(conn.pollEvent(), undefined);
  });
}
