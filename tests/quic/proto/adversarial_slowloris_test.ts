/**
 * Slowloris peers (RFC 9000 §4): one that never grants flow-control credit
 * (our send buffer stays bounded and the application sees backpressure) and
 * one that grants a single byte at a time (we send what is granted and no
 * more, without spinning).
 */
import assert from "node:assert/strict";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import { payload } from "../../sim/fixtures.ts";
import { assertBystanderWorks, closeOf, establish, inject } from "./_hostile.ts";

const CREDIT = 1000;

function openedByPeer() {
  const h = establish(71, {}, {
    initialMaxData: CREDIT,
    initialMaxStreamDataBidiLocal: CREDIT,
  });
  // The hostile client opens stream 0; the server answers on it.
  inject(h, [{ type: "stream", streamId: 0, offset: 0, data: Uint8Array.of(1), fin: false }]);
  assert.ok(h.server.hasStream(0));
  return h;
}

/** Sends the server's pending packets into the void; returns how many. */
function serverSends(h: ReturnType<typeof openedByPeer>): number {
  let n = 0;
  while (n < 1000 && h.p.server.pollTransmit(h.p.sim.now)) n++;
  return n;
}

/** Connection-level credit the server has used (stream bytes sent, new data). */
const used = (h: ReturnType<typeof openedByPeer>) => coreOf(h.server).streams.connCredit.used;

Deno.test("adversarial slowloris: a peer that never reads leaves a bounded send buffer and backpressure", () => {
  const h = openedByPeer();
  const chunk = payload(64 * 1024);
  let accepted = 0;
  for (let i = 0; i < 100; i++) {
    const n = h.server.streamWrite(0, chunk);
    accepted += n;
    if (n === 0) break;
  }
  const cap = coreOf(h.server).cfg.streamSendBuffer;
  assert.ok(accepted <= cap + CREDIT, `accepted ${accepted} bytes`);
  assert.equal(h.server.streamWritableBytes(0), 0);
  assert.equal(h.server.streamWrite(0, chunk), 0);
  serverSends(h);
  // Nothing beyond the peer's credit went on the wire, however long we wait.
  for (let t = 0; t < 20; t++) {
    h.p.sim.now += 200;
    h.p.server.handleTimeout(h.p.sim.now);
    serverSends(h);
  }
  assert.equal(used(h), CREDIT);
  assertBystanderWorks(h);
});

Deno.test("adversarial slowloris: one byte of credit at a time gets one byte at a time", () => {
  const h = openedByPeer();
  h.server.streamWrite(0, payload(100_000));
  serverSends(h);
  let credit = CREDIT;
  for (let i = 0; i < 200; i++) {
    credit++;
    inject(h, [
      { type: "max_data", maximumData: credit },
      { type: "max_stream_data", streamId: 0, maximumStreamData: credit },
    ]);
    // Never beyond the grant (pacing or cwnd may hold a byte back).
    assert.ok(used(h) <= credit);
    // One tiny packet per grant, not a burst.
    assert.ok(serverSends(h) <= 2);
  }
  assert.ok(used(h) > CREDIT + 100, `only ${used(h) - CREDIT} granted bytes sent`);
  assert.equal(closeOf(h), undefined);
  assertBystanderWorks(h);
});
