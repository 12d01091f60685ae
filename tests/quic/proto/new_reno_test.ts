import assert from "node:assert/strict";
import { NewReno } from "../../../quic/proto/congestion/new_reno.ts";
import { initialWindow, minimumWindow } from "../../../quic/proto/congestion/controller.ts";

Deno.test("new_reno: RFC 9002 §7.2 initial window min(10*mds, max(14720, 2*mds)) and minimum 2*mds", () => {
  assert.equal(initialWindow(1200), 12000);
  assert.equal(initialWindow(1500), 14720);
  assert.equal(initialWindow(9000), 18000);
  assert.equal(minimumWindow(1200), 2400);
  const cc = new NewReno({ maxDatagramSize: 1500 });
  assert.equal(cc.congestionWindow, 14720);
  assert.equal(cc.ssthresh, Infinity);
  assert.equal(new NewReno({ initialWindow: 5000 }).congestionWindow, 5000);
});

Deno.test("new_reno: canSend respects bytes in flight against the window", () => {
  const cc = new NewReno();
  for (let i = 0; i < 10; i++) {
    assert.equal(cc.canSend(1200), true);
    cc.onPacketSent(1200, 0);
  }
  assert.equal(cc.bytesInFlight, 12000);
  assert.equal(cc.canSend(1), false);
  cc.onPacketAcked(1200, 0, 10, 10);
  assert.equal(cc.canSend(1200), true);
});

Deno.test("new_reno: RFC 9002 §7.3.1 slow start grows by the bytes acknowledged", () => {
  const cc = new NewReno();
  for (let i = 0; i < 10; i++) cc.onPacketSent(1200, 0);
  for (let i = 0; i < 10; i++) cc.onPacketAcked(1200, 0, 50, 50);
  assert.equal(cc.congestionWindow, 24000, "doubles per round trip");
  assert.equal(cc.bytesInFlight, 0);
});

Deno.test("new_reno: RFC 9002 §7.3.2 loss halves the window once per recovery period", () => {
  const cc = new NewReno();
  for (let i = 0; i < 10; i++) cc.onPacketSent(1200, i);
  cc.onPacketsLost(1200, 3, 100);
  assert.equal(cc.ssthresh, 6000);
  assert.equal(cc.congestionWindow, 6000);
  assert.equal(cc.recoveryStartTime, 100);
  cc.onPacketsLost(1200, 5, 110); // sent before recovery started: same period
  assert.equal(cc.congestionWindow, 6000);
  cc.onPacketAcked(1200, 50, 120, 50); // sent during/before recovery: no growth
  assert.equal(cc.congestionWindow, 6000);
  cc.onPacketsLost(1200, 150, 200); // sent after the period began: new reduction
  assert.equal(cc.congestionWindow, 3000);
  assert.equal(cc.congestionEvents, 2);
});

Deno.test("new_reno: RFC 9002 §7.3.3 congestion avoidance adds one datagram per window acknowledged", () => {
  const cc = new NewReno();
  cc.onPacketSent(1200, 0);
  cc.onPacketsLost(1200, 0, 10); // cwnd 6000 = ssthresh
  const start = cc.congestionWindow;
  // Ack one full window of packets sent after recovery started.
  for (let i = 0; i < 5; i++) {
    cc.onPacketSent(1200, 20);
    cc.onPacketAcked(1200, 20, 60, 40);
  }
  assert.equal(cc.congestionWindow, start + 1200);
  for (let i = 0; i < 4; i++) {
    cc.onPacketSent(1200, 70);
    cc.onPacketAcked(1200, 70, 110, 40);
  }
  assert.equal(cc.congestionWindow, start + 1200, "less than a window since the last increase");
});

Deno.test("new_reno: RFC 9002 §7.2 repeated losses never go below kMinimumWindow", () => {
  const cc = new NewReno();
  for (let t = 1; t < 20; t++) cc.onPacketsLost(1200, t * 10, t * 10 + 1);
  assert.equal(cc.congestionWindow, 2400);
});

Deno.test("new_reno: RFC 9002 §7.6.2 persistent congestion collapses to the minimum window and re-enters slow start", () => {
  const cc = new NewReno();
  for (let i = 0; i < 10; i++) cc.onPacketSent(1200, 0);
  cc.onPacketsLost(6000, 0, 10);
  cc.onPersistentCongestion(10);
  assert.equal(cc.congestionWindow, 2400);
  assert.equal(cc.recoveryStartTime, -Infinity, "recovery period cleared");
  assert.equal(cc.inSlowStart, true);
  cc.onPacketAcked(1200, 5, 20, 10); // sent before the old recovery start, but recovery was reset
  assert.equal(cc.congestionWindow, 3600);
});

Deno.test("new_reno: RFC 9002 §7.1 ECN-CE congestion event reduces like a loss", () => {
  const cc = new NewReno();
  cc.onCongestionEvent(5, 10);
  assert.equal(cc.congestionWindow, 6000);
  cc.onCongestionEvent(8, 12);
  assert.equal(cc.congestionWindow, 6000, "same recovery period");
});

Deno.test("new_reno: RFC 9002 §7.8 no growth while app-limited; filling the window clears it", () => {
  const cc = new NewReno();
  cc.setAppLimited(true);
  cc.onPacketSent(1200, 0);
  cc.onPacketAcked(1200, 0, 50, 50);
  assert.equal(cc.congestionWindow, 12000);
  for (let i = 0; i < 10; i++) cc.onPacketSent(1200, 60);
  assert.equal(cc.appLimited, false, "cwnd-limited now");
  cc.onPacketAcked(1200, 60, 110, 50);
  assert.equal(cc.congestionWindow, 13200);
});

Deno.test("new_reno: RFC 9002 §6.4 removing discarded packets from bytes in flight", () => {
  const cc = new NewReno();
  cc.onPacketSent(1200, 0);
  cc.onPacketSent(1200, 0);
  cc.removeFromBytesInFlight(1200);
  assert.equal(cc.bytesInFlight, 1200);
  assert.equal(cc.congestionWindow, 12000, "no congestion signal");
});

Deno.test("new_reno: RFC 9002 §7.2 a smaller max datagram size resets to the new initial window", () => {
  const cc = new NewReno({ maxDatagramSize: 1500 });
  cc.setMaxDatagramSize(1200);
  assert.equal(cc.congestionWindow, 12000);
  const grown = new NewReno({ maxDatagramSize: 1200 });
  grown.setMaxDatagramSize(1452); // still at the initial window: recompute
  assert.equal(grown.congestionWindow, 14520);
  assert.equal(grown.minimumWindow, 2904);
});
