/**
 * PATH_CHALLENGE / PATH_RESPONSE handling (RFC 9000 §8.2) on an established
 * connection pair, datagrams moved by hand between the endpoints.
 */
import assert from "node:assert/strict";
import { CLIENT, type EstablishedPair, establishPair, SERVER } from "../../sim/fixtures.ts";
import type { Endpoint } from "../../../quic/proto/endpoint.ts";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import {
  onPathResponse,
  PATH_PROBE_SIZE,
  startValidation,
  validationTimeout,
} from "../../../quic/proto/paths.ts";
import type { SocketAddr } from "../../../quic/proto/config.ts";

const OTHER: SocketAddr = { hostname: "10.0.0.9", port: 7000 };

function established(seed: number): EstablishedPair & { now: number } {
  const p = establishPair(seed);
  return { ...p, now: p.sim.now };
}

/** Next datagram of `ep` (copied). */
function poll(ep: Endpoint, now: number): { data: Uint8Array; remote: SocketAddr } {
  // These tests change connection state behind the endpoint's back (coreOf):
  // tell it, since it polls only connections it knows have work.
  for (const c of ep.connections) ep.touch(c);
  const t = ep.pollTransmit(now);
  assert.ok(t, "a datagram is due");
  return { data: t.data.slice(), remote: t.remote };
}

Deno.test("paths: a challenge is padded to 1200 bytes and its response validates the path", () => {
  const p = established(101);
  const sc = coreOf(p.serverConn);
  startValidation(sc, sc.paths.active, p.now);
  const ch = poll(p.server, p.now);
  assert.deepEqual(ch.remote, CLIENT);
  assert.ok(ch.data.length >= PATH_PROBE_SIZE, `challenge datagram ${ch.data.length}`);
  assert.equal(sc.paths.active.challenges.length, 1);
  // The client echoes it in its own 1200-byte datagram, on the path it came on.
  p.client.handleDatagram(ch.data, SERVER, p.now);
  const resp = poll(p.client, p.now);
  assert.deepEqual(resp.remote, SERVER);
  assert.ok(resp.data.length >= PATH_PROBE_SIZE, `response datagram ${resp.data.length}`);
  const before = sc.paths.validations;
  p.server.handleDatagram(resp.data, CLIENT, p.now);
  assert.equal(sc.paths.validations, before + 1);
  assert.equal(sc.paths.active.challenges.length, 0);
  assert.equal(sc.paths.active.validationDeadline, Infinity);
});

Deno.test("paths: a client discards packets from an unknown server address (§9)", () => {
  const p = established(102);
  const sc = coreOf(p.serverConn);
  startValidation(sc, sc.paths.active, p.now);
  const ch = poll(p.server, p.now);
  const dropped = p.clientConn.getStats().packetsDropped;
  p.client.handleDatagram(ch.data, OTHER, p.now);
  assert.equal(p.clientConn.getStats().packetsDropped, dropped + 1);
  assert.equal(coreOf(p.clientConn).paths.responses.length, 0);
});

Deno.test("paths: a probe from a new address is answered there without migrating (§8.2.2, §9.1)", () => {
  const p = established(103);
  const cc = coreOf(p.clientConn);
  startValidation(cc, cc.paths.active, p.now);
  const ch = poll(p.client, p.now);
  assert.ok(ch.data.length >= PATH_PROBE_SIZE);
  p.server.handleDatagram(ch.data, OTHER, p.now);
  const resp = poll(p.server, p.now);
  assert.deepEqual(resp.remote, OTHER); // the arrival path
  assert.ok(resp.data.length >= PATH_PROBE_SIZE && resp.data.length <= 3 * ch.data.length);
  assert.deepEqual(p.serverConn.remoteAddress, CLIENT); // probing only: no migration
  // A PATH_RESPONSE arriving on any path validates the challenged one (§8.2.3).
  p.client.handleDatagram(resp.data, SERVER, p.now);
  assert.equal(cc.paths.validations, 1);
});

Deno.test("paths: unmatched PATH_RESPONSE data is ignored; retries use fresh data; timeout", () => {
  const p = established(104);
  const sc = coreOf(p.serverConn);
  const t = validationTimeout(sc);
  // §8.2.4: max(3 × PTO, 6 × kInitialRtt); with a 20 ms RTT the floor wins.
  assert.equal(t, Math.max(3 * sc.rtt.ptoPeriod(sc.peerMaxAckDelay), 1998));
  assert.equal(t, 1998);
  startValidation(sc, sc.paths.active, p.now);
  poll(p.server, p.now);
  const first = sc.paths.active.challenges[0].data.slice();
  onPathResponse(sc, new Uint8Array(8).fill(0xee), p.now);
  assert.equal(sc.paths.validations, 0);
  assert.equal(sc.paths.active.validationDeadline, p.now + t);
  // The retry timer is armed; when it fires a new challenge goes out.
  const retry = sc.paths.active.retryAt;
  assert.ok(retry > p.now && retry < p.now + t);
  assert.ok((p.serverConn.nextTimeout() ?? Infinity) <= retry);
  p.serverConn.handleTimeout(retry);
  poll(p.server, retry);
  assert.equal(sc.paths.active.challenges.length, 2);
  assert.notDeepEqual(sc.paths.active.challenges[1].data, first);
  // Either outstanding value validates.
  onPathResponse(sc, first, retry);
  assert.equal(sc.paths.validations, 1);
});

Deno.test("paths: an amplification-limited challenge is not padded and validation repeats (§8.2.1)", () => {
  const p = established(105);
  const sc = coreOf(p.serverConn);
  const path = sc.paths.obtain(OTHER);
  path.bytesReceived = 100; // 3 × 100 bytes may be sent to it.
  startValidation(sc, path, p.now);
  const ch = poll(p.server, p.now);
  assert.deepEqual(ch.remote, OTHER);
  assert.ok(ch.data.length <= 300, `sent ${ch.data.length}`);
  assert.equal(path.challenges[0].padded, false);
  assert.equal(path.bytesSent, ch.data.length);
  onPathResponse(sc, path.challenges[0].data, p.now);
  assert.equal(path.validated, true);
  // The MTU is not validated yet: another challenge, now padded.
  assert.equal(path.challengeDue, true);
  const again = poll(p.server, p.now);
  assert.deepEqual(again.remote, OTHER);
  assert.ok(again.data.length >= PATH_PROBE_SIZE);
});
