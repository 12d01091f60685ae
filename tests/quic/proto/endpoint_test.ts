/**
 * Endpoint behaviour: demultiplexing, acceptance limits, Version
 * Negotiation, stateless resets for unknown IDs, Retry tokens, and
 * robustness against arbitrary datagrams.
 */
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CLIENT, connect, makeClient, makeServer, SERVER, SIM_START } from "../../sim/fixtures.ts";
import { parsePacketHeader } from "../../../quic/proto/header.ts";
import { PacketType } from "../../../quic/proto/packet_type.ts";
import { QUIC_V1, QUIC_V2 } from "../../../quic/proto/version.ts";
import { statelessResetToken } from "../../../quic/proto/stateless_reset.ts";
import type { Endpoint } from "../../../quic/proto/endpoint.ts";

const now = SIM_START;

function firstInitial(seed: number): Uint8Array {
  const c = makeClient(seed);
  connect(c, now);
  return c.pollTransmit(now)!.data.slice();
}

function drainAll(ep: Endpoint): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let t; (t = ep.pollTransmit(now));) out.push(t.data.slice());
  return out;
}

Deno.test("endpoint: short Initial datagrams are dropped without state (RFC 9000 §14.1)", () => {
  const server = makeServer(60);
  const dg = firstInitial(61);
  server.handleDatagram(dg.subarray(0, 1100).slice(), CLIENT, now);
  assert.equal(server.connectionCount, 0);
  assert.deepEqual(drainAll(server), []);
  server.handleDatagram(dg, CLIENT, now);
  assert.equal(server.connectionCount, 1);
});

Deno.test("endpoint: connection limit refuses new connections", () => {
  const server = makeServer(62, { maxConnections: 2 });
  for (let i = 0; i < 3; i++) {
    server.handleDatagram(firstInitial(70 + i), { hostname: "10.1.1.1", port: 1000 + i }, now);
  }
  assert.equal(server.connectionCount, 2);
  assert.equal(server.stats.refused, 1);
});

Deno.test("endpoint: Version Negotiation swaps CIDs and lists our versions", () => {
  const server = makeServer(63, { supportedVersions: [QUIC_V1] });
  const dg = firstInitial(64);
  // Rewrite the version to an unknown one.
  dg.set([0x0a, 0x0a, 0x0a, 0x0a], 1);
  const h0 = parsePacketHeader(dg, 0, 8);
  server.handleDatagram(dg, CLIENT, now);
  const [vn] = drainAll(server);
  const h = parsePacketHeader(vn, 0, 8);
  assert.equal(h.packetType, PacketType.VersionNegotiation);
  assert.deepEqual(h.dcid, h0.scid);
  assert.deepEqual(h.scid, h0.dcid);
  assert.ok(h.supportedVersions.includes(QUIC_V1));
  assert.ok(!h.supportedVersions.includes(QUIC_V2));
  assert.equal(server.connectionCount, 0);
});

Deno.test("endpoint: stateless reset for unknown connection IDs, smaller than the trigger", () => {
  const key = new Uint8Array(32).fill(3);
  const server = makeServer(65, { statelessResetKey: key, statelessResetRate: 3 });
  const dcid = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const pkt = new Uint8Array(60);
  pkt[0] = 0x41;
  pkt.set(dcid, 1);
  server.handleDatagram(pkt.slice(), CLIENT, now);
  const [reset] = drainAll(server);
  assert.ok(reset.length < 60 && reset.length >= 21);
  assert.equal(reset[0] & 0xc0, 0x40);
  assert.deepEqual(reset.subarray(reset.length - 16), statelessResetToken(key, dcid));
  // Too small to answer (the reply must be smaller and ≥ 21 bytes).
  server.handleDatagram(pkt.slice(0, 21), CLIENT, now);
  assert.deepEqual(drainAll(server), []);
  // Rate limited.
  for (let i = 0; i < 5; i++) server.handleDatagram(pkt.slice(), CLIENT, now);
  assert.equal(drainAll(server).length, 2);
});

Deno.test("endpoint: Retry required; forged tokens get another Retry", () => {
  const server = makeServer(66, { retry: true });
  const dg = firstInitial(67);
  server.handleDatagram(dg.slice(), CLIENT, now);
  const [retry] = drainAll(server);
  const h = parsePacketHeader(retry, 0, 8);
  assert.equal(h.packetType, PacketType.Retry);
  assert.ok(h.token.length > 0);
  assert.equal(server.connectionCount, 0);
  assert.equal(server.stats.retrySent, 1);
  // An Initial carrying a forged token is not accepted: it earns a fresh Retry.
  const c = makeClient(90);
  const conn = connect(c, now);
  coreOf(conn).token = new Uint8Array(48).fill(7);
  server.handleDatagram(c.pollTransmit(now)!.data.slice(), CLIENT, now);
  assert.equal(server.connectionCount, 0);
  assert.equal(server.stats.retrySent, 2);
});

Deno.test("endpoint: arbitrary datagrams never throw (server and client)", () => {
  const server = makeServer(68);
  const client = makeClient(69);
  connect(client, now);
  drainAll(client);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 1400 }), fc.boolean(), (bytes, long) => {
      const b = bytes.slice();
      if (b.length > 0) b[0] = long ? (b[0] | 0xc0) : (b[0] & 0x7f) | 0x40;
      server.handleDatagram(b.slice(), CLIENT, now);
      client.handleDatagram(b, SERVER, now);
      drainAll(server);
      drainAll(client);
    }),
    { seed: 1234, numRuns: 400 },
  );
});
