/**
 * Regression: a FIN that arrives in its own STREAM frame after the
 * application already read all the data must still be reported by
 * `streamRead` (Data Recvd → Data Read, RFC 9000 §3.2). It used to stay
 * `fin: false` forever, so a Web Streams reader never saw the end.
 */
import assert from "node:assert/strict";
import { connect, makePair } from "../../sim/fixtures.ts";

Deno.test("connection: a FIN arriving after the data was read is reported", () => {
  const p = makePair(77, { delayMs: 5 });
  const conn = connect(p.client, p.sim.now);
  assert.ok(p.sim.runUntil(() => conn.isHandshakeConfirmed, p.sim.now + 2000));
  const sc = [...p.server.connections][0];
  const id = conn.openStream(true)!;
  assert.equal(conn.streamWrite(id, new Uint8Array(10).fill(1), false), 10);
  let got = 0;
  assert.ok(p.sim.runUntil(() => {
    const r = sc.streamRead(id, 1 << 16, p.sim.now);
    got += r?.data?.length ?? 0;
    assert.equal(r?.fin ?? false, false);
    return got === 10;
  }, p.sim.now + 2000));
  // Nothing readable now; then the FIN comes alone.
  conn.streamFinish(id);
  let fin = false;
  assert.ok(
    p.sim.runUntil(() => {
      const r = sc.streamRead(id, 1 << 16, p.sim.now);
      assert.equal(r?.data ?? null, null);
      fin = r === undefined || r.fin;
      return fin;
    }, p.sim.now + 2000),
    "FIN never reported",
  );
});
