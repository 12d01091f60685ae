import assert from "node:assert/strict";
import { K_GRANULARITY, RttEstimator } from "../../../quic/proto/rtt.ts";

Deno.test("rtt: RFC 9002 §6.2.2 initial RTT 333 ms gives a ~1 s handshake PTO; configurable", () => {
  const r = new RttEstimator();
  assert.equal(r.smoothedRtt, 333);
  assert.equal(r.rttvar, 166.5);
  assert.equal(r.ptoPeriod(0), 333 + 4 * 166.5); // 999 ms
  assert.equal(r.hasSample, false);
  const resumed = new RttEstimator(40);
  assert.equal(resumed.smoothedRtt, 40);
  assert.equal(resumed.rttvar, 20);
});

Deno.test("rtt: RFC 9002 §5.2/§5.3 the first sample resets min_rtt, smoothed_rtt and rttvar", () => {
  const r = new RttEstimator();
  r.update(80, 20, 500, false, 25); // ack delay ignored on the first sample
  assert.equal(r.latestRtt, 80);
  assert.equal(r.minRtt, 80);
  assert.equal(r.smoothedRtt, 80);
  assert.equal(r.rttvar, 40);
  assert.equal(r.firstSampleTime, 500);
  assert.equal(r.hasSample, true);
});

Deno.test("rtt: RFC 9002 §5.3 EWMA with ack delay adjustment", () => {
  const r = new RttEstimator();
  r.update(100, 0, 0, true, 25);
  r.update(120, 10, 1, true, 25); // adjusted = 110
  assert.equal(r.rttvar, 0.75 * 50 + 0.25 * Math.abs(100 - 110));
  assert.equal(r.smoothedRtt, 0.875 * 100 + 0.125 * 110);
  assert.equal(r.minRtt, 100, "min_rtt ignores ack delay (§5.2)");
});

Deno.test("rtt: RFC 9002 §5.3 ack delay is not subtracted when it would go below min_rtt", () => {
  const r = new RttEstimator();
  r.update(100, 0, 0, true, 25);
  r.update(105, 10, 1, true, 25); // 105 < 100 + 10: use 105 unadjusted
  assert.equal(r.smoothedRtt, 0.875 * 100 + 0.125 * 105);
});

Deno.test("rtt: RFC 9002 §5.3 max_ack_delay caps the ack delay only after handshake confirmation", () => {
  const before = new RttEstimator();
  before.update(50, 0, 0, false, 25);
  before.update(200, 100, 1, false, 25); // unconfirmed: full 100 ms subtracted
  assert.equal(before.smoothedRtt, 0.875 * 50 + 0.125 * 100);
  const after = new RttEstimator();
  after.update(50, 0, 0, true, 25);
  after.update(200, 100, 1, true, 25); // confirmed: min(100, 25) = 25 subtracted
  assert.equal(after.smoothedRtt, 0.875 * 50 + 0.125 * 175);
});

Deno.test("rtt: RFC 9002 §5.2 min_rtt follows the lowest sample and resets after persistent congestion", () => {
  const r = new RttEstimator();
  r.update(100, 0, 0, true, 25);
  r.update(60, 0, 1, true, 25);
  r.update(90, 0, 2, true, 25);
  assert.equal(r.minRtt, 60);
  r.onPersistentCongestion();
  assert.equal(r.minRtt, 90, "min_rtt set to the newest sample");
});

Deno.test("rtt: RFC 9002 §6.2.1 PTO period uses kGranularity as a floor for 4*rttvar", () => {
  const r = new RttEstimator();
  r.update(10, 0, 0, true, 25);
  for (let i = 0; i < 200; i++) r.update(10, 0, i, true, 25); // rttvar decays to ~0
  assert.ok(r.rttvar < 0.01);
  assert.equal(r.ptoPeriod(0), r.smoothedRtt + K_GRANULARITY);
  assert.equal(r.ptoPeriod(25), r.smoothedRtt + K_GRANULARITY + 25);
});

Deno.test("rtt: RFC 9002 §7.6.1 persistent congestion duration = (srtt + max(4 rttvar, g) + max_ack_delay) * 3", () => {
  const r = new RttEstimator();
  r.update(100, 0, 0, true, 25); // srtt 100, rttvar 50
  assert.equal(r.persistentCongestionDuration(25), (100 + 200 + 25) * 3);
  assert.equal(r.persistentCongestionDuration(25, 4), (100 + 200 + 25) * 4);
});

Deno.test("rtt: RFC 9002 §6.1.2 loss delay = max(9/8 * max(srtt, latest_rtt), kGranularity)", () => {
  const r = new RttEstimator();
  r.update(80, 0, 0, true, 25);
  r.update(160, 0, 1, true, 25); // latest 160 > srtt 90
  assert.equal(r.lossDelay(), (9 / 8) * 160);
  const tiny = new RttEstimator(0.1);
  tiny.update(0.1, 0, 0, true, 0);
  assert.equal(tiny.lossDelay(), K_GRANULARITY);
});

Deno.test("rtt: reset returns to the initial estimate (new path, RFC 9000 §9.4)", () => {
  const r = new RttEstimator(100);
  r.update(30, 0, 5, true, 25);
  r.reset();
  assert.equal(r.smoothedRtt, 100);
  assert.equal(r.hasSample, false);
  assert.equal(r.firstSampleTime, -Infinity);
  r.update(70, 0, 9, true, 25);
  assert.equal(r.smoothedRtt, 70, "first sample after reset re-initialises");
});
