/**
 * A hostile HTTP/3 peer (RFC 9114, RFC 9204) against the sans-IO
 * H3Connection: raw bytes fed to the server (or client) on the streams a
 * real peer could use. Each attack ends in the RFC code on the stream or
 * the connection, with nothing buffered without a bound.
 */
import assert from "node:assert/strict";
import { H3ErrorCode } from "../../../http3/proto/mod.ts";
import { encodeFrame, encodeFrameHeader, encodeGoawayFrame } from "../../../http3/proto/frames.ts";
import { GET, Pair, te } from "./_pair.ts";
import { QpackDecoder } from "../../../qpack/decoder.ts";

const QPACK_DECOMPRESSION_FAILED = 0x200;
const QPACK_ENCODER_STREAM_ERROR = 0x201;

/** QPACK prefixed integer (RFC 7541 §5.1) with `prefix` bits and the high bits `flags`. */
function qint(value: number, prefix: number, flags = 0): number[] {
  const max = (1 << prefix) - 1;
  if (value < max) return [flags | value];
  const out = [flags | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** A server whose client finished its setup; the hostile client then sends raw bytes. */
function ready(server = {}, client = {}): Pair {
  const p = new Pair(client, server);
  p.pump();
  p.takeServer();
  return p;
}

/** The client's QPACK encoder stream (already typed): the attacker appends to it. */
function encoderStream(p: Pair): number {
  const w = p.ct.out.find((w) => w.kind === "data" && w.id % 4 === 2 && w.data[0] === 0x02);
  assert.ok(w);
  return w.id;
}

const req = (p: Pair) => p.client.sendRequest(GET("/"), { endStream: true })!;

function assertServerClosed(p: Pair, code: number): void {
  assert.ok(p.st.closed, `server did not close (want 0x${code.toString(16)})`);
  assert.equal(p.st.closed.code, code, p.st.closed.reason);
}

Deno.test("adversarial h3: control stream frames delivered one byte at a time work", () => {
  const p = new Pair();
  p.pump({ split: () => 1 });
  const id = req(p);
  p.pump({ split: () => 1 });
  assert.ok(p.takeServer().some((e) => e.type === "request"));
  assert.equal(p.st.closed, undefined);
  assert.equal(p.ct.closed, undefined);
  void id;
});

Deno.test("adversarial h3: a HEADERS frame over the field section limit fails the stream, not the server", () => {
  const p = ready({ maxFieldSectionSize: 4096 });
  const big = "x".repeat(20_000);
  p.client.sendRequest(GET("/", [{ name: "x-big", value: big }]), { endStream: true });
  p.pump();
  // Exactly one outcome: the request stream is refused with
  // H3_EXCESSIVE_LOAD both ways (STOP_SENDING + RESET_STREAM, RFC 9114
  // §4.2.2), nothing is answered on it, no request surfaces, and the
  // connection stays open.
  const onStream0 = p.st.out.filter((w) => w.id === 0).map((w) => ({
    kind: w.kind,
    code: "code" in w ? w.code : undefined,
  }));
  assert.deepEqual(onStream0, [
    { kind: "stop", code: H3ErrorCode.H3_EXCESSIVE_LOAD },
    { kind: "reset", code: H3ErrorCode.H3_EXCESSIVE_LOAD },
  ]);
  assert.equal(p.takeServer().length, 0);
  assert.equal(p.st.closed, undefined);
  // The connection still serves a normal request.
  const ok = req(p);
  p.pump();
  assert.ok(p.takeServer().some((e) => "streamId" in e && e.streamId === ok));
});

Deno.test("adversarial h3: a HEADERS frame declaring 1 GiB is refused without buffering it", () => {
  const p = ready();
  p.server.onStreamData(0, encodeFrameHeader(0x01, 1 << 30), false);
  for (let i = 0; i < 100 && !p.st.closed && !p.st.out.some((w) => w.id === 0); i++) {
    p.server.onStreamData(0, new Uint8Array(1000), false);
  }
  const reacted = p.st.closed ?? p.st.out.find((w) => w.id === 0 && w.kind !== "data");
  assert.ok(reacted, "1 GiB HEADERS accepted");
  if (p.st.closed) assertServerClosed(p, H3ErrorCode.H3_EXCESSIVE_LOAD);
});

Deno.test("adversarial h3: thousands of requests leave no state behind once answered", () => {
  const p = ready();
  // Real requests from the client, answered at once.
  p.ct.bidiCredit = 5000;
  const real: number[] = [];
  for (let i = 0; i < 1000; i++) real.push(req(p));
  p.pump();
  for (const e of p.takeServer()) {
    if (e.type === "request") {
      p.server.sendResponse(e.streamId, [{ name: ":status", value: "204" }], { endStream: true });
    }
  }
  p.pump();
  const left = real.filter((id) => p.server.hasStream(id)).length;
  assert.equal(left, 0, `${left} finished requests still tracked`);
  assert.equal(p.st.closed, undefined);
});

Deno.test("adversarial h3: GOAWAY with an increasing ID is H3_ID_ERROR", () => {
  const p = ready();
  // The client's control stream is stream 2: append frames to it.
  p.server.onStreamData(2, encodeGoawayFrame(8), false);
  assert.equal(p.st.closed, undefined);
  p.server.onStreamData(2, encodeGoawayFrame(16), false);
  assertServerClosed(p, H3ErrorCode.H3_ID_ERROR);
});

Deno.test("adversarial h3: a server GOAWAY naming a non-request stream is H3_ID_ERROR", () => {
  const p = ready();
  p.client.onStreamData(3, encodeGoawayFrame(5), false); // server control stream is 3
  assert.ok(p.ct.closed);
  assert.equal(p.ct.closed.code, H3ErrorCode.H3_ID_ERROR);
});

Deno.test("adversarial h3: a second control stream is H3_STREAM_CREATION_ERROR", () => {
  const p = ready();
  p.server.onStreamData(14, Uint8Array.of(0x00, 0x04, 0x00), false);
  assertServerClosed(p, H3ErrorCode.H3_STREAM_CREATION_ERROR);
});

Deno.test("adversarial h3: QPACK capacity above the maximum is QPACK_ENCODER_STREAM_ERROR", () => {
  const p = ready({ qpackMaxTableCapacity: 4096 });
  p.server.onStreamData(encoderStream(p), Uint8Array.of(...qint(100_000, 5, 0x20)), false);
  assertServerClosed(p, QPACK_ENCODER_STREAM_ERROR);
});

Deno.test("adversarial h3: a QPACK insert larger than the table is QPACK_ENCODER_STREAM_ERROR", () => {
  const p = ready({ qpackMaxTableCapacity: 4096 });
  const value = new Uint8Array(5000).fill(0x61);
  p.server.onStreamData(
    encoderStream(p),
    Uint8Array.of(
      ...qint(4096, 5, 0x20), // Set Dynamic Table Capacity 4096
      ...qint(1, 5, 0x40), // Insert With Literal Name, name length 1
      0x61,
      ...qint(value.length, 7), // value length, no Huffman
    ),
    false,
  );
  p.server.onStreamData(encoderStream(p), value, false);
  assertServerClosed(p, QPACK_ENCODER_STREAM_ERROR);
});

Deno.test("adversarial h3: a QPACK insert declaring a 1 GiB string is refused without buffering it", () => {
  const p = ready({ qpackMaxTableCapacity: 4096 });
  p.server.onStreamData(
    encoderStream(p),
    Uint8Array.of(...qint(4096, 5, 0x20), ...qint(1 << 30, 5, 0x40)),
    false,
  );
  for (let i = 0; i < 100 && !p.st.closed; i++) {
    p.server.onStreamData(encoderStream(p), new Uint8Array(1000), false);
  }
  assertServerClosed(p, QPACK_ENCODER_STREAM_ERROR);
});

Deno.test("adversarial h3: QPACK inserts far beyond the table are evicted, not accumulated", () => {
  const p = ready({ qpackMaxTableCapacity: 4096 });
  const bytes: number[] = [...qint(4096, 5, 0x20)];
  for (let i = 0; i < 5000; i++) {
    // Insert With Literal Name "n" = 64-byte value: each entry 32+1+64 bytes.
    bytes.push(...qint(1, 5, 0x40), 0x6e, ...qint(64, 7), ...new Uint8Array(64).fill(0x61));
  }
  p.server.onStreamData(encoderStream(p), Uint8Array.from(bytes), false);
  assert.equal(p.st.closed, undefined);
  // A request referencing the newest entry decodes fine.
  p.pump();
  assert.equal(p.st.closed, undefined);
  // The same instructions into a decoder directly: its table never holds
  // more than the capacity (RFC 9204 §3.2.2 eviction), checked after every
  // chunk, and it ends holding only the newest entries that fit.
  const d = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 0 });
  const all = Uint8Array.from(bytes);
  for (let off = 0; off < all.length; off += 997) {
    d.receiveEncoderStream(all.subarray(off, Math.min(all.length, off + 997)));
    assert.ok(d.table.size <= d.table.capacity, `table ${d.table.size} > ${d.table.capacity}`);
  }
  assert.equal(d.table.capacity, 4096);
  assert.equal(d.table.insertCount, 5000);
  assert.equal(d.table.length, Math.floor(4096 / 97)); // 97-byte entries
  assert.equal(d.table.size, d.table.length * 97);
});

Deno.test("adversarial h3: more blocked streams than SETTINGS_QPACK_BLOCKED_STREAMS is QPACK_DECOMPRESSION_FAILED", () => {
  const p = ready({ qpackMaxTableCapacity: 4096, qpackBlockedStreams: 4 });
  // Required Insert Count 1 (encoded 2 with MaxEntries 128), Base 0, one
  // indexed dynamic field line: blocked until an insert that never comes.
  const headers = encodeFrame(0x01, Uint8Array.of(0x02, 0x00, 0x80));
  for (let i = 0; i < 4; i++) p.server.onStreamData(100 + 4 * i, headers, false);
  assert.equal(p.st.closed, undefined);
  p.server.onStreamData(100 + 16, headers, false);
  assertServerClosed(p, QPACK_DECOMPRESSION_FAILED);
  void te;
});
