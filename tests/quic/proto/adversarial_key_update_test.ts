/**
 * A hostile peer playing key-update games (RFC 9001 §6): consecutive
 * updates without waiting for an acknowledgement (KEY_UPDATE_ERROR, §6.2),
 * packets with the wrong Key Phase (dropped, §6.3), and a legitimate second
 * update after the server acknowledged the first (accepted).
 */
import assert from "node:assert/strict";
import { TransportErrorCode as E } from "../../../quic/proto/errors.ts";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import { APPLICATION } from "../../../quic/proto/spaces.ts";
import { type PacketKeys, updatePacketKeys } from "../../../crypto/packet_keys.ts";
import { assertBystanderWorks, assertClosed, closeOf, establish, inject } from "./_hostile.ts";

const ping = [{ type: "ping" as const }];

function generations(k0: PacketKeys, n: number): PacketKeys[] {
  const out = [k0];
  for (let i = 1; i <= n; i++) out.push(updatePacketKeys(out[i - 1]));
  return out;
}

Deno.test("adversarial key update: a second update before the first is acknowledged is KEY_UPDATE_ERROR", () => {
  const h = establish(51);
  const s = coreOf(h.server);
  const phase0 = s.keyPhase as 0 | 1;
  const keys = generations(coreOf(h.client).spaces[APPLICATION].writeKeys!, 2);
  inject(h, ping, { keyPhase: (1 - phase0) as 0 | 1, keys: keys[1] });
  assert.equal(closeOf(h), undefined);
  assert.equal(s.stats.keyUpdates, 1);
  // No packet of the server (and so no ACK) has been sent since: update again.
  inject(h, ping, { keyPhase: phase0, keys: keys[2] });
  assertClosed(h, E.KEY_UPDATE_ERROR);
  assertBystanderWorks(h);
});

Deno.test("adversarial key update: a second update after the server acknowledged the first is accepted", () => {
  const h = establish(52);
  const s = coreOf(h.server);
  const phase0 = s.keyPhase as 0 | 1;
  const keys = generations(coreOf(h.client).spaces[APPLICATION].writeKeys!, 3);
  inject(h, ping, { keyPhase: (1 - phase0) as 0 | 1, keys: keys[1] });
  inject(h, ping, { keyPhase: (1 - phase0) as 0 | 1, keys: keys[1] }); // two: ACK now
  const acks = s.spaces[APPLICATION].ack;
  assert.ok(acks.acksSent > 0);
  inject(h, ping, { keyPhase: phase0, keys: keys[2] });
  inject(h, ping, { keyPhase: phase0, keys: keys[2] });
  inject(h, ping, { keyPhase: (1 - phase0) as 0 | 1, keys: keys[3] });
  assert.equal(closeOf(h), undefined);
  assert.equal(s.stats.keyUpdates, 3);
});

Deno.test("adversarial key update: packets with the wrong Key Phase are dropped, not fatal", () => {
  const h = establish(53);
  const s = coreOf(h.server);
  const phase0 = s.keyPhase as 0 | 1;
  const dropped = s.stats.packetsDropped;
  for (let i = 0; i < 50; i++) inject(h, ping, { keyPhase: (1 - phase0) as 0 | 1 });
  assert.equal(closeOf(h), undefined);
  assert.equal(s.stats.packetsDropped - dropped, 50);
  assert.equal(s.stats.keyUpdates, 0);
  assertBystanderWorks(h);
});
