import assert from "node:assert/strict";
import { RecvWindow } from "../../../../quic/proto/streams/flow_control.ts";
import { RecvStream, RecvStreamState as R } from "../../../../quic/proto/streams/recv_stream.ts";
import { QuicError, TransportErrorCode } from "../../../../quic/proto/errors.ts";

function mk(window = 1000, connWindow = 10_000): RecvStream {
  return new RecvStream(1, {
    connWindow: new RecvWindow({ initialWindow: connWindow }),
    window: { initialWindow: window, maxWindow: window * 4 },
  });
}
const isCode = (code: number) => (e: unknown) => e instanceof QuicError && e.code === code;
const FINAL = isCode(TransportErrorCode.FINAL_SIZE_ERROR);
const FLOW = isCode(TransportErrorCode.FLOW_CONTROL_ERROR);
const bytes = (n: number, v = 1) => new Uint8Array(n).fill(v);

Deno.test("recv stream: Recv → Size Known → Data Recvd → Data Read", () => {
  const s = mk();
  assert.equal(s.state, R.Recv);
  s.onStreamFrame(0, bytes(10, 1), false);
  assert.equal(s.state, R.Recv);
  s.onStreamFrame(20, bytes(5, 3), true);
  assert.equal(s.state, R.SizeKnown);
  assert.equal(s.finalSize, 25);
  s.onStreamFrame(20, bytes(5, 3), true); // retransmission, same final size
  s.onStreamFrame(10, bytes(10, 2), false);
  assert.equal(s.state, R.DataRecvd);
  const dst = new Uint8Array(30);
  assert.equal(s.read(dst, 0, 0), 25);
  assert.deepEqual([...dst.subarray(0, 25)], [
    ...bytes(10, 1),
    ...bytes(10, 2),
    ...bytes(5, 3),
  ]);
  assert.equal(s.state, R.DataRead);
  assert.equal(s.isTerminal, true);
  // Late duplicates are ignored; data beyond the final size is still an error.
  s.onStreamFrame(0, bytes(10, 1), false);
  assert.throws(() => s.onStreamFrame(25, bytes(1), false), FINAL);
});

Deno.test("recv stream: Recv → Data Recvd directly; empty stream reaches Data Read", () => {
  const s = mk();
  s.onStreamFrame(0, bytes(5), true);
  assert.equal(s.state, R.DataRecvd);
  assert.equal(s.readChunk(2, 0)!.length, 2);
  assert.equal(s.state, R.DataRecvd, "not all delivered yet");
  assert.equal(s.readChunk(100, 0)!.length, 3);
  assert.equal(s.state, R.DataRead);
  const e = mk();
  e.onStreamFrame(0, new Uint8Array(0), true);
  assert.equal(e.state, R.DataRecvd);
  assert.equal(e.isReadable, true);
  assert.equal(e.read(new Uint8Array(1), 0, 0), 0);
  assert.equal(e.state, R.DataRead);
});

Deno.test("recv stream: Recv → Reset Recvd → Reset Read, credit returned", () => {
  const s = mk();
  s.onStreamFrame(0, bytes(100), false);
  s.onStreamFrame(200, bytes(100), false);
  s.onResetStream(7n, 400, 0);
  assert.equal(s.state, R.ResetRecvd);
  assert.equal(s.resetCode, 7n);
  assert.equal(s.readableBytes, 0, "delivery is interrupted");
  assert.equal(s.isReadable, true, "the reset is there to observe");
  // The final size counts against the connection (RFC 9000 §4.5) and,
  // since nothing more will be read, is given back at once.
  assert.equal(s.connWindow.received, 400);
  assert.equal(s.connWindow.consumed, 400);
  s.onStreamFrame(300, bytes(100), false); // late data ignored
  assert.throws(() => s.onStreamFrame(400, bytes(1), false), FINAL);
  assert.equal(s.takeReset(), 7n);
  assert.equal(s.state, R.ResetRead);
  assert.equal(s.isTerminal, true);
  s.onResetStream(7n, 400, 0); // retransmitted RESET_STREAM
  assert.equal(s.state, R.ResetRead);
});

Deno.test("recv stream: Size Known → Reset Recvd; Data Recvd suppresses reset", () => {
  const s = mk();
  s.onStreamFrame(50, bytes(50), true);
  assert.equal(s.state, R.SizeKnown);
  s.onResetStream(1n, 100, 0);
  assert.equal(s.state, R.ResetRecvd);
  const d = mk();
  d.onStreamFrame(0, bytes(50), true);
  assert.equal(d.state, R.DataRecvd);
  d.onResetStream(1n, 50, 0);
  assert.equal(d.state, R.DataRecvd, "all data is here: stay and deliver");
  assert.equal(d.resetCode, null);
  assert.equal(d.takeReset(), null);
});

Deno.test("recv stream: final size errors (RFC 9000 §4.5)", () => {
  // Data beyond a known final size.
  const a = mk();
  a.onStreamFrame(0, bytes(10), true);
  assert.throws(() => a.onStreamFrame(8, bytes(5), false), FINAL);
  // A changed final size (FIN at a different offset), larger or smaller.
  const b = mk();
  b.onStreamFrame(0, bytes(10), true);
  assert.throws(() => b.onStreamFrame(0, bytes(8), true), FINAL);
  const b2 = mk();
  b2.onStreamFrame(90, bytes(10), true);
  assert.throws(() => b2.onStreamFrame(100, bytes(1), true), FINAL);
  // FIN below data already received.
  const c = mk();
  c.onStreamFrame(50, bytes(50), false);
  assert.throws(() => c.onStreamFrame(0, bytes(20), true), FINAL);
  // RESET_STREAM with a final size smaller than received data.
  const d = mk();
  d.onStreamFrame(0, bytes(100), false);
  assert.throws(() => d.onResetStream(1n, 99, 0), FINAL);
  // RESET_STREAM disagreeing with a known final size, either way.
  const e = mk();
  e.onStreamFrame(0, bytes(10), true);
  assert.throws(() => e.onResetStream(1n, 11, 0), FINAL);
  assert.throws(() => e.onResetStream(1n, 9, 0), FINAL);
  // RESET_STREAM then a FIN at another size.
  const f = mk();
  f.onResetStream(1n, 30, 0);
  assert.throws(() => f.onStreamFrame(0, bytes(20), true), FINAL);
});

Deno.test("recv stream: flow control violations", () => {
  const s = mk(1000, 1500);
  assert.throws(() => s.onStreamFrame(1000, bytes(1), false), FLOW);
  assert.throws(() => s.onStreamFrame(5_000_000, bytes(1), false), FLOW);
  const r = mk(1000);
  assert.throws(() => r.onResetStream(0n, 1001, 0), FLOW, "final size counts too");
  // Connection level: two streams sharing a 1500-byte connection window.
  const conn = new RecvWindow({ initialWindow: 1500 });
  const x = new RecvStream(1, { connWindow: conn, window: { initialWindow: 1000 } });
  const y = new RecvStream(5, { connWindow: conn, window: { initialWindow: 1000 } });
  x.onStreamFrame(0, bytes(1000), false);
  x.onStreamFrame(0, bytes(1000), false); // duplicates are not charged twice
  assert.equal(conn.received, 1000);
  assert.throws(() => y.onStreamFrame(0, bytes(501), false), FLOW);
});

Deno.test("recv stream: credit is granted as data is read, not as it arrives", () => {
  const s = mk(1000, 100_000);
  s.onStreamFrame(0, bytes(1000), false);
  assert.equal(s.maxStreamDataPending, false);
  assert.equal(s.takeMaxStreamData(), null);
  s.read(new Uint8Array(400), 0, 0);
  assert.equal(s.takeMaxStreamData(), null, "below the threshold");
  s.read(new Uint8Array(200), 0, 1_000);
  assert.equal(s.takeMaxStreamData(), 1600);
  assert.equal(s.window.maxData, 1600);
  s.onStreamFrame(1000, bytes(600), false);
  // Lost MAX_STREAM_DATA is resent while current.
  s.onMaxStreamDataLost(1600);
  assert.equal(s.takeMaxStreamData(), 1600);
  // After the final size is known, no more MAX_STREAM_DATA (§3.2).
  s.onStreamFrame(1600, new Uint8Array(0), true);
  s.read(new Uint8Array(1000), 0, 2_000);
  assert.equal(s.takeMaxStreamData(), null);
  assert.equal(s.state, R.DataRead);
});

Deno.test("recv stream: stream window auto-tunes and drags the connection window", () => {
  const conn = new RecvWindow({ initialWindow: 1000, maxWindow: 100_000 });
  const s = new RecvStream(1, {
    connWindow: conn,
    window: { initialWindow: 1000, maxWindow: 8000, rtt: { smoothedRtt: 100 } },
  });
  let off = 0;
  for (let t = 0; t < 10; t++) {
    const n = s.window.maxData - off;
    s.onStreamFrame(off, bytes(Math.min(n, conn.maxData - conn.received)), false, t);
    off = s.window.received;
    s.read(new Uint8Array(n), 0, t * 10); // the app drains faster than 2 RTT
    s.takeMaxStreamData();
    conn.takeUpdate();
  }
  assert.equal(s.window.window, 8000);
  assert.ok(conn.window >= 12_000, `connection window ${conn.window}`);
});

Deno.test("recv stream: STOP_SENDING discards data and returns credit", () => {
  const s = mk(1000, 5000);
  s.onStreamFrame(0, bytes(300), false);
  s.stopSending(0x55n, 0);
  assert.equal(s.takeStopSending(), 0x55n);
  assert.equal(s.takeStopSending(), null);
  assert.equal(s.readableBytes, 0);
  assert.equal(s.connWindow.consumed, 300);
  s.onStreamFrame(300, bytes(200), false);
  assert.equal(s.connWindow.consumed, 500, "late data is dropped but its credit returned");
  s.onStopSendingLost();
  assert.equal(s.takeStopSending(), 0x55n, "lost STOP_SENDING is resent");
  s.onResetStream(0x55n, 600, 0);
  assert.equal(s.state, R.ResetRecvd);
  assert.equal(s.connWindow.consumed, 600);
  s.onStopSendingLost();
  assert.equal(s.takeStopSending(), null, "not after RESET_STREAM");
  assert.equal(s.takeReset(), 0x55n);
});
