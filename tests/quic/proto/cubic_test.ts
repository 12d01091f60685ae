import assert from "node:assert/strict";
import { Cubic, CUBIC_ALPHA, CUBIC_BETA, CUBIC_C } from "../../../quic/proto/congestion/cubic.ts";

const MSS = 1200;

/** One round trip of ACKs: a window's worth of packets sent one RTT ago. */
function ackRound(cc: Cubic, now: number, rtt: number): void {
  const n = Math.max(1, Math.floor(cc.congestionWindow / MSS));
  for (let i = 0; i < n; i++) {
    cc.onPacketSent(MSS, now - rtt);
    cc.onPacketAcked(MSS, now - rtt, now, rtt);
  }
}

/** A controller that just lost a packet at time 1000 with cwnd = segments * MSS. */
function afterLoss(segments: number): Cubic {
  const cc = new Cubic({ initialWindow: segments * MSS });
  cc.onPacketSent(MSS, 900);
  cc.onPacketsLost(MSS, 900, 1000);
  return cc;
}

Deno.test("cubic: RFC 9438 constants C = 0.4, beta = 0.7, alpha = 3(1-beta)/(1+beta)", () => {
  assert.equal(CUBIC_C, 0.4);
  assert.equal(CUBIC_BETA, 0.7);
  assert.ok(Math.abs(CUBIC_ALPHA - 0.9 / 1.7) < 1e-12);
});

Deno.test("cubic: RFC 9438 §4.6 multiplicative decrease by beta_cubic and W_max = cwnd", () => {
  const cc = afterLoss(100);
  assert.equal(cc.wMax, 100 * MSS);
  assert.equal(cc.ssthresh, Math.floor(100 * MSS * 0.7));
  assert.equal(cc.congestionWindow, 84000);
});

Deno.test("cubic: RFC 9438 §4.7 fast convergence lowers W_max when a loss comes before regaining it", () => {
  const cc = afterLoss(100); // W_max 120000, cwnd 84000
  cc.onPacketsLost(MSS, 2000, 3000); // new period, cwnd 84000 < W_max
  assert.equal(cc.wMax, 84000 * (1 + 0.7) / 2);
  assert.equal(cc.congestionWindow, Math.floor(84000 * 0.7));
});

Deno.test("cubic: RFC 9438 §4.2 K = cbrt((W_max - cwnd_epoch) / C) at the epoch start", () => {
  const cc = afterLoss(120);
  cc.onPacketAcked(MSS, 1100, 1200, 100); // first ACK of congestion avoidance
  const expected = Math.cbrt((120 - 84) / 0.4);
  assert.ok(Math.abs(cc.k - expected) < 1e-9, `${cc.k} vs ${expected}`);
  assert.equal(cc.epochStart, 1200);
  // W_cubic(K) = W_max, W_cubic(0) = cwnd_epoch.
  assert.ok(Math.abs(cc.wCubic(cc.k) - cc.wMax) < 1e-6);
  assert.ok(Math.abs(cc.wCubic(0) - 84 * MSS) < 1e-6);
});

Deno.test("cubic: RFC 9438 §4.4/§4.5 growth is concave below W_max and convex above it", () => {
  const cc = afterLoss(1000); // W_max 1000 segments, K = cbrt(750) ≈ 9.09 s
  const rtt = 200;
  const samples: { t: number; cwnd: number }[] = [];
  let now = 1000;
  for (let r = 0; r < 90; r++) {
    now += rtt;
    ackRound(cc, now, rtt);
    samples.push({ t: (now - cc.epochStart) / 1000, cwnd: cc.congestionWindow });
  }
  const k = cc.k;
  assert.ok(Math.abs(k - Math.cbrt(750)) < 1e-9);
  const wMax = cc.wMax;
  let prevInc = Infinity;
  let concaveChecked = 0;
  let convexChecked = 0;
  // Round 0 acknowledges packets sent before the recovery period began (no
  // growth) and round 1 starts the epoch: check from round 2 on.
  for (let i = 2; i < samples.length; i++) {
    const { t, cwnd } = samples[i];
    const inc = cwnd - samples[i - 1].cwnd;
    assert.ok(inc >= 0, "never shrinks without loss");
    if (t < k - 1) {
      assert.ok(cwnd < wMax, `below W_max before K (t=${t})`);
      if (i > 2) assert.ok(inc <= prevInc + 1e-6, `concave: increments shrink (t=${t})`);
      concaveChecked++;
    } else if (t > k + 1) {
      assert.ok(cwnd > wMax, `above W_max after K (t=${t})`);
      assert.ok(inc >= prevInc - 1e-6, `convex: increments grow (t=${t})`);
      convexChecked++;
    }
    // The window tracks W_cubic(t) (within 3% of W_max).
    assert.ok(Math.abs(cwnd - cc.wCubic(t)) < 0.03 * wMax, `tracks W_cubic at t=${t}`);
    prevInc = inc;
  }
  assert.ok(concaveChecked > 20 && convexChecked > 20);
  // Around K the window plateaus at W_max.
  const nearK = samples.reduce((a, b) => Math.abs(a.t - k) < Math.abs(b.t - k) ? a : b);
  assert.ok(Math.abs(nearK.cwnd - wMax) < 0.01 * wMax);
});

Deno.test("cubic: RFC 9438 §4.2 the target is clamped to 1.5 * cwnd (at most +50% of a segment per segment acked)", () => {
  const cc = afterLoss(10);
  cc.onPacketAcked(MSS, 1100, 1200, 100); // epoch starts
  const cwnd = cc.congestionWindow;
  // 30 s later W_cubic(t + RTT) is enormous; growth is capped.
  cc.onPacketAcked(MSS, 31100, 31200, 100);
  assert.ok(cc.wCubic(30.1) > 10 * cwnd);
  assert.ok(Math.abs(cc.congestionWindow - (cwnd + 0.5 * MSS)) < 1e-6);
});

Deno.test("cubic: RFC 9438 §4.3 Reno-friendly region follows W_est when CUBIC would be slower", () => {
  const cc = afterLoss(100);
  const rtt = 1; // tiny RTT: Reno's per-RTT growth beats CUBIC's per-time growth
  let now = 1000;
  for (let r = 0; r < 50; r++) {
    now += rtt;
    ackRound(cc, now, rtt);
  }
  const t = (now - cc.epochStart) / 1000;
  assert.ok(cc.congestionWindow > cc.wCubic(t) + 10 * MSS, "well above W_cubic");
  assert.ok(Math.abs(cc.congestionWindow - cc.wEst) < 1e-6, "equal to W_est");
  // W_est grew by about alpha_cubic segments per RTT.
  const segs = (cc.wEst - 70 * MSS) / MSS;
  assert.ok(
    segs > 0.8 * CUBIC_ALPHA * 50 && segs < 1.2 * CUBIC_ALPHA * 50,
    `W_est +${segs} segments`,
  );
});

Deno.test("cubic: RFC 9438 §4.10 slow start is Reno's, and §5.8 app-limited time is excluded from t", () => {
  const cc = new Cubic();
  cc.onPacketSent(MSS, 0);
  cc.onPacketAcked(MSS, 0, 50, 50);
  assert.equal(cc.congestionWindow, 12000 + MSS);
  const ca = afterLoss(100);
  ca.onPacketAcked(MSS, 1100, 1200, 100);
  const epoch = ca.epochStart;
  const cwnd = ca.congestionWindow;
  ca.setAppLimited(true);
  for (let now = 1300; now <= 6300; now += 100) ca.onPacketAcked(MSS, now - 100, now, 100);
  assert.equal(ca.congestionWindow, cwnd, "no growth while app-limited");
  ca.setAppLimited(false);
  ca.onPacketAcked(MSS, 6400, 6500, 100);
  assert.equal(ca.epochStart, epoch + (6500 - 1300), "epoch shifted by the app-limited period");
  assert.ok(ca.congestionWindow - cwnd < MSS, "no jump after the idle period");
});

Deno.test("cubic: RFC 9002 §7.6.2 persistent congestion restarts from the minimum window without an epoch", () => {
  const cc = afterLoss(100);
  cc.onPacketAcked(MSS, 1100, 1200, 100);
  cc.onPersistentCongestion(1300);
  assert.equal(cc.congestionWindow, 2 * MSS);
  assert.equal(cc.epochStart, -1);
  assert.equal(cc.inSlowStart, true);
});
