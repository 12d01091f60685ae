import assert from "node:assert/strict";
import { Pacer, PACING_GAIN } from "../../../quic/proto/congestion/pacer.ts";

Deno.test("pacer: RFC 9002 §7.7 burst allowance is sent at once, then packets are spaced", () => {
  const p = new Pacer({ burstPackets: 10, maxDatagramSize: 1200 });
  p.update(120000, 100, 0);
  for (let i = 0; i < 10; i++) {
    assert.equal(p.timeUntilSend(0, 1200), 0, `burst packet ${i}`);
    p.onPacketSent(0, 1200);
  }
  // interval = (smoothed_rtt * packet_size / congestion_window) / N
  const interval = (100 * 1200 / 120000) / PACING_GAIN;
  assert.ok(Math.abs(p.timeUntilSend(0, 1200) - interval) < 1e-9);
  assert.equal(p.nextSendTime(0, 1200), interval);
  assert.equal(p.timeUntilSend(interval, 1200), 0);
});

Deno.test("pacer: RFC 9002 §7.7 long-run rate is N * cwnd / smoothed_rtt", () => {
  const p = new Pacer({ burstPackets: 2, maxDatagramSize: 1200 });
  const cwnd = 60000;
  const srtt = 50;
  p.update(cwnd, srtt, 0);
  let now = 0;
  let sent = 0;
  while (now < 10 * srtt) {
    const wait = p.timeUntilSend(now, 1200);
    if (wait > 0) {
      now += wait;
      continue;
    }
    p.onPacketSent(now, 1200);
    sent += 1200;
  }
  const rate = sent / now;
  const expected = PACING_GAIN * cwnd / srtt;
  assert.ok(Math.abs(rate - expected) / expected < 0.02, `rate ${rate} vs ${expected}`);
});

Deno.test("pacer: bucket capped by the window and by the burst; idle time does not accumulate beyond it", () => {
  const p = new Pacer({ burstPackets: 10, maxDatagramSize: 1200 });
  p.update(3000, 100, 0);
  assert.equal(p.capacity, 3000, "never burst more than cwnd");
  p.update(120000, 100, 0);
  assert.equal(p.capacity, 12000);
  // After a long idle period only the burst is available.
  let burst = 0;
  while (p.timeUntilSend(10000, 1200) === 0) {
    p.onPacketSent(10000, 1200);
    burst++;
  }
  assert.equal(burst, 10);
});

Deno.test("pacer: unpaced before the first update; rate follows cwnd changes", () => {
  const p = new Pacer();
  for (let i = 0; i < 50; i++) {
    assert.equal(p.timeUntilSend(0, 1200), 0);
    p.onPacketSent(0, 1200);
  }
  p.update(12000, 100, 0);
  assert.equal(p.rate, PACING_GAIN * 12000 / 100);
  p.update(24000, 100, 1);
  assert.equal(p.rate, PACING_GAIN * 24000 / 100);
  p.update(24000, 0, 2);
  assert.equal(p.timeUntilSend(2, 1200), 0, "no RTT estimate: do not pace");
});

Deno.test("pacer: an overdrawn bucket (probe sent anyway) delays later packets", () => {
  const p = new Pacer({ burstPackets: 1, maxDatagramSize: 1200 });
  p.update(12000, 100, 0); // 150 B/ms
  p.onPacketSent(0, 1200);
  p.onPacketSent(0, 1200); // probe, not paced
  assert.equal(p.timeUntilSend(0, 1200), 2400 / 150);
});
