import assert from "node:assert/strict";
import { SendCredit } from "../../../../quic/proto/streams/flow_control.ts";
import { SendStream, SendStreamState as S } from "../../../../quic/proto/streams/send_stream.ts";
import { StreamUsageError } from "../../../../quic/proto/streams/usage_error.ts";

const pkt = new Uint8Array(1500);
function mk(streamMax = 10_000, connMax = 10_000, maxBuffered?: number): SendStream {
  return new SendStream(0, {
    connCredit: new SendCredit(connMax),
    initialMaxStreamData: streamMax,
    maxBuffered,
  });
}

Deno.test("send stream: Ready → Send → Data Sent → Data Recvd", () => {
  const s = mk();
  assert.equal(s.state, S.Ready);
  s.write(new Uint8Array(100));
  assert.equal(s.state, S.Ready, "buffering does not leave Ready");
  const a = s.emit(60, pkt, 0)!;
  assert.equal(s.state, S.Send, "first STREAM frame");
  s.finish();
  const b = s.emit(1000, pkt, 0)!;
  assert.deepEqual(b, { offset: 60, length: 40, fin: true });
  assert.equal(s.state, S.DataSent, "STREAM with FIN");
  s.onAck(b.offset, b.length, b.fin);
  assert.equal(s.state, S.DataSent, "offset 0..60 not yet acknowledged");
  s.onLost(a.offset, a.length, a.fin);
  const a2 = s.emit(1000, pkt, 0)!;
  assert.deepEqual(a2, { offset: 0, length: 60, fin: false }, "retransmission in Data Sent");
  assert.equal(s.state, S.DataSent);
  s.onAck(a2.offset, a2.length, a2.fin);
  assert.equal(s.state, S.DataRecvd);
  assert.equal(s.isTerminal, true);
  assert.equal(s.hasPending(), false);
  assert.equal(s.emit(1000, pkt, 0), null);
  s.reset(1n);
  assert.equal(s.state, S.DataRecvd, "reset in a terminal state has no effect");
  assert.equal(s.takeReset(), null);
  s.onStopSending(2n);
  assert.equal(s.takeReset(), null, "STOP_SENDING in Data Recvd needs no RESET_STREAM");
});

Deno.test("send stream: Ready → Data Sent for an empty stream with FIN", () => {
  const s = mk(0, 0);
  s.finish();
  assert.equal(s.hasPending(), true, "FIN needs no credit");
  assert.deepEqual(s.emit(100, pkt, 0), { offset: 0, length: 0, fin: true });
  assert.equal(s.state, S.DataSent);
  s.onAck(0, 0, true);
  assert.equal(s.state, S.DataRecvd);
});

Deno.test("send stream: Ready → Send on STREAM_DATA_BLOCKED", () => {
  const s = mk(0, 100);
  s.write(new Uint8Array(10));
  assert.equal(s.hasPending(), false);
  assert.equal(s.state, S.Ready);
  assert.equal(s.takeBlocked(), 0);
  assert.equal(s.state, S.Send);
  assert.equal(s.takeBlocked(), null, "once per limit");
});

for (const from of [S.Ready, S.Send, S.DataSent]) {
  Deno.test(`send stream: ${from} → Reset Sent → Reset Recvd (app reset)`, () => {
    const s = mk();
    s.write(new Uint8Array(100));
    if (from !== S.Ready) s.emit(50, pkt, 0);
    if (from === S.DataSent) {
      s.finish();
      s.emit(100, pkt, 0);
    }
    assert.equal(s.state, from);
    s.reset(0x42n);
    assert.equal(s.state, S.ResetSent);
    const finalSize = from === S.Ready ? 0 : from === S.Send ? 50 : 100;
    assert.deepEqual(s.takeReset(), { errorCode: 0x42n, finalSize });
    assert.equal(s.takeReset(), null);
    // No STREAM or STREAM_DATA_BLOCKED after RESET_STREAM (RFC 9000 §3.3).
    s.onLost(0, 50, false);
    assert.equal(s.hasPending(), false);
    assert.equal(s.emit(1000, pkt, 0), null);
    assert.equal(s.takeBlocked(), null);
    assert.throws(() => s.write(Uint8Array.of(1)), StreamUsageError);
    s.reset(0x43n);
    assert.equal(s.resetInfo!.errorCode, 0x42n, "second reset ignored");
    s.onResetLost();
    assert.deepEqual(s.takeReset(), { errorCode: 0x42n, finalSize }, "resent after loss");
    s.onResetAcked();
    assert.equal(s.state, S.ResetRecvd);
    assert.equal(s.isTerminal, true);
    s.onResetLost();
    assert.equal(s.takeReset(), null, "no resend once acknowledged");
  });

  Deno.test(`send stream: STOP_SENDING in ${from} → RESET_STREAM with the code`, () => {
    const s = mk();
    s.write(new Uint8Array(100));
    if (from !== S.Ready) s.emit(30, pkt, 0);
    if (from === S.DataSent) {
      s.finish();
      s.emit(100, pkt, 0);
    }
    s.onStopSending(0x10bn);
    assert.equal(s.state, S.ResetSent);
    assert.equal(s.stopSendingCode, 0x10bn);
    assert.equal(s.takeReset()!.errorCode, 0x10bn);
  });
}

Deno.test("send stream: acks after a reset do not reach Data Recvd", () => {
  const s = mk();
  s.write(new Uint8Array(10));
  s.finish();
  const f = s.emit(100, pkt, 0)!;
  s.reset(1n);
  s.onAck(f.offset, f.length, f.fin);
  assert.equal(s.state, S.ResetSent);
});

Deno.test("send stream: write after finish is a usage error", () => {
  const s = mk();
  s.finish();
  assert.throws(() => s.write(Uint8Array.of(1)), StreamUsageError);
  const r = mk();
  r.reset(0n);
  assert.throws(() => r.finish(), StreamUsageError);
});

Deno.test("send stream: stream and connection credit limit new data; blocked once each", () => {
  const conn = new SendCredit(150);
  const a = new SendStream(0, { connCredit: conn, initialMaxStreamData: 100 });
  const b = new SendStream(4, { connCredit: conn, initialMaxStreamData: 1000 });
  a.write(new Uint8Array(300));
  b.write(new Uint8Array(300));
  assert.deepEqual(a.emit(1000, pkt, 0), { offset: 0, length: 100, fin: false });
  assert.equal(a.hasPending(), false);
  assert.equal(a.takeBlocked(), 100, "STREAM_DATA_BLOCKED at the stream limit");
  assert.equal(a.takeBlocked(), null);
  assert.deepEqual(b.emit(1000, pkt, 0), { offset: 0, length: 50, fin: false });
  assert.equal(conn.used, 150);
  assert.equal(b.hasPending(), false);
  assert.equal(b.takeBlocked(), null, "b is limited by the connection, not the stream");
  assert.equal(conn.takeBlocked(), 150, "DATA_BLOCKED at the connection limit");
  assert.equal(conn.takeBlocked(), null);
  // Retransmissions need no new credit.
  a.onLost(0, 100, false);
  assert.equal(a.hasPending(), true);
  assert.deepEqual(a.emit(1000, pkt, 0), { offset: 0, length: 100, fin: false });
  assert.equal(conn.used, 150);
  // MAX_STREAM_DATA alone does not help a: the connection is exhausted.
  a.onMaxStreamData(50);
  a.onMaxStreamData(1000);
  assert.equal(a.hasPending(), false);
  conn.onMaxUpdate(1000);
  assert.equal(a.nextOffset(), 100);
  assert.deepEqual(a.emit(1000, pkt, 0), { offset: 100, length: 200, fin: false });
  assert.equal(conn.used, 350);
});

Deno.test("send stream: write reports backpressure at maxBuffered", () => {
  const s = mk(10_000, 10_000, 1000);
  assert.equal(s.write(new Uint8Array(600)), true);
  assert.equal(s.write(new Uint8Array(600)), false);
  assert.equal(s.writableBytes, 0);
  let f;
  while ((f = s.emit(1200, pkt, 0)) !== null) s.onAck(f.offset, f.length, f.fin);
  assert.equal(s.writableBytes, 1000, "acknowledged data frees room");
});
