// H3Connection and QPACK sections released from the blocked state by the
// encoder stream: one that is too large for our SETTINGS_MAX_FIELD_SECTION_SIZE
// resets only its request stream with H3_EXCESSIVE_LOAD (RFC 9114 §4.2.2, as
// for a section decoded on arrival) while its neighbours are served; one
// that is invalid closes the connection with QPACK_DECOMPRESSION_FAILED
// (RFC 9204 §2.2.3, §6).
import assert from "node:assert/strict";
import { encodeHeadersFrame, H3ErrorCode, type H3Event } from "../../../http3/proto/mod.ts";
import { QpackErrorCode } from "../../../qpack/mod.ts";
import { Pair } from "./_pair.ts";

const CLIENT_ENCODER = 6; // client uni streams: control 2, encoder 6, decoder 10
const SERVER_DECODER = 11; // server uni streams: control 3, encoder 7, decoder 11
const ofType = <T extends H3Event["type"]>(ev: H3Event[], t: T) =>
  ev.filter((e) => e.type === t) as Extract<H3Event, { type: T }>[];
const closedCode = (t: { closed?: { code: number } }) => t.closed?.code;
const bytesOn = (p: Pair, id: number) =>
  p.st.on(id).flatMap((w) => (w.kind === "data" ? [...w.data] : []));

// A request section that blocks on dynamic entry 0 (:path): RIC 1, Base 1,
// :method GET and :scheme https (static), :authority example.com (static
// name), then the dynamic :path, and optionally a 500-octet x-big literal.
function blockedRequest(big: boolean): Uint8Array {
  const authority = [0x50, 0x0b, ...new TextEncoder().encode("example.com")];
  const xBig = big
    ? [0x25, ...new TextEncoder().encode("x-big"), 0x7f, 0xf5, 0x02, ...Array(500).fill(0x71)]
    : [];
  return encodeHeadersFrame(Uint8Array.of(0x02, 0x00, 0xd1, 0xd7, ...authority, 0x80, ...xBig));
}

Deno.test("h3 qpack release: an oversized released section resets only its stream", () => {
  const p = new Pair({}, { maxFieldSectionSize: 400 }, 3);
  p.pump();
  p.takeServer();
  // Three requests blocked on the same insert; the middle one is too large.
  p.server.onStreamData(0, blockedRequest(false), true);
  p.server.onStreamData(4, blockedRequest(true), true);
  p.server.onStreamData(8, blockedRequest(false), true);
  p.drain();
  assert.equal(ofType(p.takeServer(), "request").length, 0, "all three blocked");
  const decoderBefore = bytesOn(p, SERVER_DECODER).length;
  // Encoder stream: Set Dynamic Table Capacity 4096, Insert :path "/a".
  p.server.onStreamData(
    CLIENT_ENCODER,
    Uint8Array.of(0x3f, 0xe1, 0x1f, 0xc1, 0x02, 0x2f, 0x61),
    false,
  );
  p.drain();
  const ev = p.takeServer();
  // The two others are delivered; the connection stays open.
  const reqs = ofType(ev, "request");
  assert.deepEqual(reqs.map((r) => [r.streamId, r.head.path]), [[0, "/a"], [8, "/a"]]);
  assert.equal(ofType(ev, "connectionError").length, 0);
  assert.equal(closedCode(p.st), undefined);
  // The oversized one: STOP_SENDING and RESET_STREAM with H3_EXCESSIVE_LOAD.
  assert.deepEqual(
    p.st.on(4).filter((w) => w.kind !== "data").map((w) => [w.kind, "code" in w ? w.code : -1]),
    [["stop", H3ErrorCode.H3_EXCESSIVE_LOAD], ["reset", H3ErrorCode.H3_EXCESSIVE_LOAD]],
  );
  // The server's decoder stream acknowledges 0 and 8 and cancels 4
  // (RFC 9204 §4.4.1 0x80|id, §4.4.2 0x40|id).
  const dec = bytesOn(p, SERVER_DECODER).slice(decoderBefore);
  assert.ok(dec.includes(0x80) && dec.includes(0x88), `acks in ${dec}`);
  assert.ok(dec.includes(0x44) && !dec.includes(0x84), `cancellation, no ack, in ${dec}`);
  // And QPACK still works: a further request on the same entry decodes.
  p.server.onStreamData(12, blockedRequest(false), true);
  p.drain();
  assert.deepEqual(ofType(p.takeServer(), "request").map((r) => r.streamId), [12]);
  // The responses still flow on the connection.
  p.server.sendResponse(0, [{ name: ":status", value: "204" }], { endStream: true });
  assert.equal(closedCode(p.st), undefined);
});

Deno.test("h3 qpack release: an invalid released section closes with QPACK_DECOMPRESSION_FAILED", () => {
  const p = new Pair({}, {}, 5);
  p.pump();
  p.takeServer();
  // Request stream 0: HEADERS whose section needs two inserts (Required
  // Insert Count 2, encoded 3) but references only absolute 0, which RFC 9204
  // §4.5.1.1 makes invalid; it blocks first.
  p.server.onStreamData(0, encodeHeadersFrame(Uint8Array.of(0x03, 0x00, 0x81)), true);
  assert.equal(closedCode(p.st), undefined, "blocked, not yet decoded");
  // Encoder stream: Set Dynamic Table Capacity 4096, two inserts of :path.
  p.server.onStreamData(
    CLIENT_ENCODER,
    Uint8Array.of(0x3f, 0xe1, 0x1f, 0xc1, 0x01, 0x61, 0xc1, 0x01, 0x62),
    false,
  );
  assert.equal(closedCode(p.st), QpackErrorCode.QPACK_DECOMPRESSION_FAILED);
  p.drain();
  const errs = ofType(p.takeServer(), "connectionError");
  assert.equal(errs.length, 1);
  assert.equal(errs[0].code, QpackErrorCode.QPACK_DECOMPRESSION_FAILED);
  // No stream-level reset was used instead.
  assert.equal(p.st.on(0).filter((w) => w.kind === "reset").length, 0);
});
