import assert from "node:assert/strict";
import { RecvWindow, SendCredit } from "../../../../quic/proto/streams/flow_control.ts";
import { type StreamLimits, StreamMap } from "../../../../quic/proto/streams/stream_map.ts";
import { QuicError, TransportErrorCode } from "../../../../quic/proto/errors.ts";

const limits = (over: Partial<StreamLimits> = {}): StreamLimits => ({
  maxStreamsBidi: 4,
  maxStreamsUni: 2,
  maxStreamDataBidiLocal: 1000,
  maxStreamDataBidiRemote: 2000,
  maxStreamDataUni: 3000,
  ...over,
});
function mk(isServer: boolean, local = limits(), peer = limits()): StreamMap {
  return new StreamMap({
    isServer,
    local,
    peer,
    connSendCredit: new SendCredit(1 << 20),
    connRecvWindow: new RecvWindow({ initialWindow: 1 << 20 }),
  });
}
const isCode = (code: number) => (e: unknown) => e instanceof QuicError && e.code === code;
const STATE = isCode(TransportErrorCode.STREAM_STATE_ERROR);
const LIMIT = isCode(TransportErrorCode.STREAM_LIMIT_ERROR);

Deno.test("stream map: local opening against the peer's MAX_STREAMS, STREAMS_BLOCKED once", () => {
  const m = mk(false, limits(), limits({ maxStreamsBidi: 2, maxStreamsUni: 1 }));
  assert.equal(m.openBidi()!.id, 0);
  assert.equal(m.openBidi()!.id, 4);
  assert.equal(m.openBidi(), null);
  assert.equal(m.openBidi(), null);
  assert.deepEqual(m.takeStreamsBlocked(), { bidi: true, limit: 2 });
  assert.equal(m.takeStreamsBlocked(), null, "once per limit");
  const u = m.openUni()!;
  assert.equal(u.id, 2);
  assert.equal(u.recv, null, "a local uni stream has no receiving part");
  assert.equal(m.openUni(), null);
  assert.deepEqual(m.takeStreamsBlocked(), { bidi: false, limit: 1 });
  m.onMaxStreams(true, 1); // smaller: ignored
  assert.equal(m.openBidi(), null);
  assert.equal(m.takeStreamsBlocked(), null);
  m.onMaxStreams(true, 3);
  assert.equal(m.openBidi()!.id, 8);
  assert.equal(m.openBidi(), null);
  assert.deepEqual(m.takeStreamsBlocked(), { bidi: true, limit: 3 }, "blocked at a new limit");
  assert.throws(() => m.onMaxStreams(true, 2 ** 61), isCode(0x07));
  // Server-side IDs.
  const s = mk(true);
  assert.equal(s.openBidi()!.id, 1);
  assert.equal(s.openUni()!.id, 3);
});

Deno.test("stream map: flow-control limits per stream type (RFC 9000 §18.2)", () => {
  const m = mk(
    false,
    limits({ maxStreamDataBidiLocal: 11, maxStreamDataBidiRemote: 22, maxStreamDataUni: 33 }),
    limits({ maxStreamDataBidiLocal: 44, maxStreamDataBidiRemote: 55, maxStreamDataUni: 66 }),
  );
  const lb = m.openBidi()!;
  assert.equal(lb.send!.credit.max, 55, "peer's bidi_remote limits our sending on our streams");
  assert.equal(lb.recv!.window.maxData, 11, "our bidi_local limits the peer on our streams");
  const lu = m.openUni()!;
  assert.equal(lu.send!.credit.max, 66);
  const pb = m.streamForFrame(1, "recv")!;
  assert.equal(pb.send!.credit.max, 44, "peer's bidi_local for streams the peer opened");
  assert.equal(pb.recv!.window.maxData, 22);
  const pu = m.streamForFrame(3, "recv")!;
  assert.equal(pu.send, null);
  assert.equal(pu.recv!.window.maxData, 33);
  // Transport parameters arriving later raise existing streams' credit.
  m.setPeerLimits(limits({ maxStreamDataBidiRemote: 555, maxStreamsBidi: 10 }));
  assert.equal(lb.send!.credit.max, 555);
});

Deno.test("stream map: peer streams open implicitly, in order, up to our limit", () => {
  const m = mk(true, limits({ maxStreamsBidi: 4, maxStreamsUni: 2 }));
  const s = m.streamForFrame(8, "recv")!; // third client bidi stream
  assert.equal(s.id, 8);
  assert.deepEqual(m.takeIncoming().map((e) => e.id), [0, 4, 8]);
  assert.equal(m.streamForFrame(4, "send")!.id, 4, "lower IDs already exist");
  assert.deepEqual(m.takeIncoming(), []);
  assert.equal(m.streamForFrame(12, "send")!.id, 12, "MAX_STREAM_DATA/STOP_SENDING also open");
  assert.throws(() => m.streamForFrame(16, "recv"), LIMIT, "5th bidi stream beyond limit 4");
  assert.equal(m.streamForFrame(6, "recv")!.id, 6);
  assert.throws(() => m.streamForFrame(10, "recv"), LIMIT);
  assert.throws(() => m.onStreamFrame(4 * 1000, 0, new Uint8Array(1), false, 0), LIMIT);
  assert.equal(m.size, 6);
});

Deno.test("stream map: STREAM_STATE_ERROR for parts that cannot exist", () => {
  const c = mk(false);
  // STREAM / RESET_STREAM / STREAM_DATA_BLOCKED on our own uni stream.
  c.openUni(); // id 2
  assert.throws(() => c.onStreamFrame(2, 0, new Uint8Array(1), false, 0), STATE);
  assert.throws(() => c.onResetStream(2, 0n, 0, 0), STATE);
  assert.throws(() => c.onStreamDataBlocked(2), STATE);
  // MAX_STREAM_DATA / STOP_SENDING on a peer's (receive-only) uni stream.
  assert.throws(() => c.onMaxStreamData(3, 100), STATE);
  assert.throws(() => c.onStopSending(3, 0n), STATE);
  // Frames on local streams we have not opened yet.
  assert.throws(() => c.onStreamFrame(4, 0, new Uint8Array(1), false, 0), STATE);
  assert.throws(() => c.onMaxStreamData(6, 100), STATE);
  // Allowed: STREAM on a local bidi stream once opened.
  const b = c.openBidi()!;
  c.onStreamFrame(0, 0, Uint8Array.of(9), false, 0);
  assert.equal(b.recv!.readableBytes, 1);
  try {
    c.onStreamFrame(2, 0, new Uint8Array(1), false, 0);
  } catch (e) {
    assert.equal((e as QuicError).frameType, 0x08);
  }
});

Deno.test("stream map: closed streams are retired, late frames ignored, MAX_STREAMS returned", () => {
  const m = mk(true, limits({ maxStreamsBidi: 2, maxStreamsUni: 1 }));
  // Peer uni stream 2: receive all, read all → closed.
  m.onStreamFrame(2, 0, Uint8Array.of(1, 2), true, 0);
  const u = m.get(2)!;
  u.recv!.read(new Uint8Array(2), 0, 0);
  assert.equal(m.maybeRetire(2), true);
  assert.equal(m.get(2), undefined);
  assert.deepEqual(m.takeMaxStreams(), { bidi: false, limit: 2 });
  assert.equal(m.takeMaxStreams(), null);
  m.onStreamFrame(2, 0, Uint8Array.of(1, 2), true, 0); // late retransmission: ignored
  assert.equal(m.get(2), undefined);
  m.onStreamFrame(6, 0, Uint8Array.of(1), false, 0); // the next one is allowed now
  assert.throws(() => m.onStreamFrame(10, 0, Uint8Array.of(1), false, 0), LIMIT);
  // Peer bidi stream 0 needs both halves terminal.
  m.onStreamFrame(0, 0, Uint8Array.of(1), true, 0);
  const b = m.get(0)!;
  b.recv!.read(new Uint8Array(1), 0, 0);
  assert.equal(m.maybeRetire(0), false, "sending part still open");
  b.send!.finish();
  const f = b.send!.emit(100, new Uint8Array(100), 0)!;
  b.send!.onAck(f.offset, f.length, f.fin);
  assert.equal(m.retireClosed(), 1);
  assert.equal(m.localMaxStreams(true), 3);
  assert.deepEqual(m.takeMaxStreams(), { bidi: true, limit: 3 });
  m.onMaxStreamsLost({ bidi: true, limit: 3 });
  assert.deepEqual(m.takeMaxStreams(), { bidi: true, limit: 3 }, "lost MAX_STREAMS resent");
  m.onMaxStreamsLost({ bidi: true, limit: 2 });
  assert.equal(m.takeMaxStreams(), null, "stale value not resent");
  // Local streams do not return peer credit.
  const c = mk(false);
  const l = c.openUni()!;
  l.send!.reset(0n);
  l.send!.onResetAcked();
  assert.equal(c.maybeRetire(l.id), true);
  assert.equal(c.takeMaxStreams(), null);
  assert.throws(
    () => c.onStreamFrame(l.id, 0, Uint8Array.of(1), false, 0),
    STATE,
    "still a send-only stream",
  );
  c.onMaxStreamData(l.id, 1); // closed local stream: late frames ignored
  c.onStopSending(l.id, 0n);
  assert.equal(c.size, 0);
});

Deno.test("stream map: concurrency stays bounded under churn", () => {
  const m = mk(true, limits({ maxStreamsBidi: 16, maxStreamsUni: 0 }));
  let next = 0;
  let maxOpen = 0;
  for (let round = 0; round < 200; round++) {
    // The peer opens as many streams as it is allowed.
    while (next / 4 < m.localMaxStreams(true)) {
      m.onStreamFrame(next, 0, Uint8Array.of(1), true, 0);
      next += 4;
    }
    assert.throws(() => m.onStreamFrame(next, 0, Uint8Array.of(1), true, 0), LIMIT);
    maxOpen = Math.max(maxOpen, m.size);
    // The application finishes a few.
    for (const s of [...m.entries()].slice(0, 3)) {
      s.recv!.read(new Uint8Array(1), 0, 0);
      s.send!.reset(0n);
      s.send!.onResetAcked();
      m.maybeRetire(s.id);
    }
    m.takeMaxStreams();
  }
  assert.ok(maxOpen <= 16, `open streams ${maxOpen}`);
  assert.ok(next / 4 > 500, "credit keeps flowing");
});

Deno.test("stream map: a lost STREAMS_BLOCKED is resent only while still blocked at that limit", () => {
  const m = mk(false, limits(), limits({ maxStreamsBidi: 1 }));
  assert.equal(m.hasFramesPending, false);
  m.openBidi();
  assert.equal(m.openBidi(), null);
  assert.equal(m.hasFramesPending, true);
  const f = m.takeStreamsBlocked()!;
  assert.deepEqual(f, { bidi: true, limit: 1 });
  assert.equal(m.hasFramesPending, false);
  m.onStreamsBlockedLost(f); // RFC 9000 §13.3: still blocked → resend
  assert.deepEqual(m.takeStreamsBlocked(), f);
  assert.equal(m.onMaxStreams(true, 1), false, "not an increase");
  assert.equal(m.onMaxStreams(true, 5), true);
  m.onStreamsBlockedLost(f); // the limit moved: stale, not resent
  assert.equal(m.takeStreamsBlocked(), null);
});

Deno.test("stream map: createEntry lets the owner extend entries; incoming streams are flagged", () => {
  const tagged = new StreamMap({
    isServer: true,
    local: limits(),
    peer: limits(),
    connSendCredit: new SendCredit(1 << 20),
    connRecvWindow: new RecvWindow({ initialWindow: 1 << 20 }),
    createEntry: (id, send, recv) => ({ id, send, recv, tag: `s${id}` }),
  });
  assert.equal(tagged.hasIncoming, false);
  const e = tagged.streamForFrame(4, "recv")!;
  assert.equal(e.tag, "s4");
  assert.equal(tagged.hasIncoming, true);
  assert.deepEqual(tagged.takeIncoming().map((s) => s.tag), ["s0", "s4"]);
  assert.equal(tagged.hasIncoming, false);
  assert.equal(tagged.get(0)!.tag, "s0");
});
