import assert from "node:assert/strict";
import { RecvWindow, SendCredit } from "../../../../quic/proto/streams/flow_control.ts";
import { QuicError, TransportErrorCode } from "../../../../quic/proto/errors.ts";

Deno.test("send credit: BLOCKED once per limit, re-armed by a new limit or loss", () => {
  const c = new SendCredit(1000);
  c.noteBlocked();
  assert.equal(c.takeBlocked(), null, "not blocked while credit remains");
  c.consume(1000);
  assert.equal(c.available, 0);
  c.noteBlocked();
  c.noteBlocked();
  assert.equal(c.takeBlocked(), 1000);
  c.noteBlocked();
  assert.equal(c.takeBlocked(), null, "only once for limit 1000");
  c.onBlockedLost(1000);
  assert.equal(c.takeBlocked(), 1000, "lost BLOCKED frame is resent");
  c.onBlockedLost(999);
  assert.equal(c.takeBlocked(), null, "stale limit is not resent");
  assert.equal(c.onMaxUpdate(900), false, "smaller limits are ignored");
  assert.equal(c.onMaxUpdate(1000), false);
  assert.equal(c.onMaxUpdate(1500), true);
  assert.equal(c.available, 500);
  c.onBlockedLost(1000);
  assert.equal(c.takeBlocked(), null, "no longer blocked");
  c.consume(500);
  c.noteBlocked();
  assert.equal(c.takeBlocked(), 1500, "blocked again at the new limit");
});

Deno.test("recv window: limit enforced with FLOW_CONTROL_ERROR", () => {
  const w = new RecvWindow({ initialWindow: 1000 });
  assert.equal(w.onReceiveTo(1000), 1000);
  assert.equal(w.onReceiveTo(500), 0, "retransmitted data below the highest offset is free");
  assert.throws(
    () => w.onReceiveTo(1001),
    (e) => e instanceof QuicError && e.code === TransportErrorCode.FLOW_CONTROL_ERROR,
  );
  const conn = new RecvWindow({ initialWindow: 100 });
  conn.onReceiveBytes(60);
  assert.throws(
    () => conn.onReceiveBytes(41),
    (e) => e instanceof QuicError && e.code === TransportErrorCode.FLOW_CONTROL_ERROR,
  );
});

Deno.test("recv window: credit only on consume, after the threshold", () => {
  const w = new RecvWindow({ initialWindow: 1000, updateFraction: 0.5 });
  w.onReceiveTo(1000);
  assert.equal(w.takeUpdate(), null, "arrival grants nothing");
  assert.equal(w.maxData, 1000);
  assert.equal(w.consume(499, 0), false, "below half the window");
  assert.equal(w.takeUpdate(), null);
  assert.equal(w.consume(1, 10_000), true);
  assert.equal(w.takeUpdate(), 1500);
  assert.equal(w.takeUpdate(), null);
  assert.equal(w.maxData, 1500);
  w.onReceiveTo(1500);
  // The lost update is resent only if it is still the newest.
  w.onUpdateLost(1500);
  assert.equal(w.takeUpdate(), 1500);
  w.consume(500, 20_000);
  w.onUpdateLost(1500);
  assert.equal(w.takeUpdate(), 2000);
});

Deno.test("recv window: auto-tuning doubles when updates come faster than 2 RTT", () => {
  const rtt = { smoothedRtt: 50 };
  const w = new RecvWindow({ initialWindow: 1000, maxWindow: 4000, rtt });
  let now = 0;
  let received = 0;
  const step = (bytes: number, dt: number) => {
    now += dt;
    received += bytes;
    w.onReceiveTo(received);
    w.consume(bytes, now);
  };
  step(500, 0); // first update: no history, no growth
  assert.equal(w.window, 1000);
  assert.equal(w.takeUpdate(), 1500);
  step(500, 1000); // 1000 ms later: slower than 2 RTT → unchanged
  assert.equal(w.window, 1000);
  step(500, 20); // 20 ms < 100 ms: the window limits the peer → grow
  assert.equal(w.window, 2000);
  assert.equal(w.takeUpdate(), 1500 + 2000);
  step(1000, 30);
  assert.equal(w.window, 4000);
  step(2000, 30);
  assert.equal(w.window, 4000, "capped at maxWindow");
  assert.equal(w.maxData, received + 4000);
  // A slow application (reads less than the threshold) never grows it.
  const slow = new RecvWindow({ initialWindow: 1000, rtt });
  slow.onReceiveTo(1000);
  for (let t = 0; t < 100; t++) slow.consume(1, t);
  assert.equal(slow.window, 1000);
  assert.equal(slow.maxData, 1000);
});

Deno.test("recv window: ensureWindow grows but respects the cap", () => {
  const w = new RecvWindow({ initialWindow: 100, maxWindow: 1000 });
  w.ensureWindow(50);
  assert.equal(w.window, 100);
  w.ensureWindow(5000);
  assert.equal(w.window, 1000);
});
