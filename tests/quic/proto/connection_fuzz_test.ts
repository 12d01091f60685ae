/**
 * Authenticated garbage: arbitrary frame bytes inside correctly protected
 * 1-RTT packets must end in a close with a transport error code (or be
 * accepted), never in an exception or a hang.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import { CLIENT, connect, makePair } from "../../sim/fixtures.ts";
import { writeShortHeader } from "../../../quic/proto/header_build.ts";
import { protectPacket } from "../../../crypto/packet_protection.ts";
import { APPLICATION } from "../../../quic/proto/spaces.ts";

Deno.test("connection: random authenticated frames never throw", () => {
  const p = makePair(80, { delayMs: 5 });
  let conn = connect(p.client, p.sim.now);
  const fresh = () => {
    conn = connect(p.client, p.sim.now);
    assert.ok(p.sim.runUntil(() => conn.isHandshakeConfirmed, p.sim.now + 2000));
  };
  fresh();
  let closes = 0;
  const codes = new Map<string, number>();
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        // Bias towards valid frame types followed by junk.
        fc.tuple(fc.integer({ min: 0, max: 0x31 }), fc.uint8Array({ maxLength: 60 })).map((
          [t, rest],
        ) => Uint8Array.of(t, ...rest)),
      ),
      (frames) => {
        const c = coreOf(conn);
        const s = c.spaces[APPLICATION];
        const buf = new Uint8Array(1500);
        const dcid = c.peerCids.current.cid;
        const pn = s.nextPn++;
        const pnOffset = 1 + dcid.length;
        const payloadAt = writeShortHeader(buf, 0, { dcid, packetNumber: pn, pnLength: 4 });
        buf.set(frames, payloadAt);
        const end = Math.max(payloadAt + frames.length, pnOffset + 4);
        const len = protectPacket(buf, 0, pnOffset, 4, pn, end, s.writeKeys!);
        const servers = [...p.server.connections];
        p.server.handleDatagram(buf.slice(0, len), CLIENT, p.sim.now);
        for (let e; (e = p.server.pollEvent());) {
          if (e.type === "connection" && e.event.type === "connectionClosed") {
            closes++;
            assert.equal(typeof e.event.code, "number");
            assert.ok(!e.event.isApplication);
            codes.set(e.event.reason.slice(0, 60), e.event.code);
          }
        }
        for (let t; (t = p.server.pollTransmit(p.sim.now));) void t;
        if (servers.some((sc) => sc.isClosed)) fresh();
      },
    ),
    { seed: 77, numRuns: 150 },
  );
  assert.ok(closes > 10, `only ${closes} closes`);
  // INTERNAL_ERROR would mean our own code threw on peer input.
  for (const [reason, code] of codes) assert.notEqual(code, 1, reason);
});
