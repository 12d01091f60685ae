/**
 * Handshake mechanics of the connection: coalesced first flight, client
 * Initial padding, key discard moments (RFC 9001 §4.9), HANDSHAKE_DONE,
 * NEW_CONNECTION_ID issuance and CID rotation with RETIRE_CONNECTION_ID,
 * key update responding and initiating.
 */
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import assert from "node:assert/strict";
import {
  CLIENT,
  connect,
  devCert,
  makeClient,
  makePair,
  makeServer,
  payload,
  runTransfer,
  SERVER,
  SIM_START,
} from "../../sim/fixtures.ts";
import { iterateCoalescedPackets } from "../../../quic/proto/header.ts";
import { PacketType } from "../../../quic/proto/packet_type.ts";
import { APPLICATION, HANDSHAKE, INITIAL } from "../../../quic/proto/spaces.ts";

Deno.test("handshake: padded client Initial, coalesced server flight, keys discarded on time", () => {
  const client = makeClient(50);
  const server = makeServer(51);
  let now = SIM_START;
  const conn = connect(client, now);
  const first = client.pollTransmit(now)!.data.slice();
  assert.equal(first.length, 1200, "client Initial datagram not padded to 1200");
  assert.equal(client.pollTransmit(now), undefined);
  server.handleDatagram(first, CLIENT, now);
  const sc = [...server.connections][0];
  const flight: Uint8Array[] = [];
  for (let t; (t = server.pollTransmit(now));) flight.push(t.data.slice());
  // Anti-amplification (RFC 9000 §8.1): at most 3x what the client sent.
  const total = flight.reduce((n, d) => n + d.length, 0);
  assert.ok(total <= 3 * 1200, `server sent ${total} bytes before validation`);
  const types = [...iterateCoalescedPackets(flight[0], 8)].map((h) => h.packetType);
  assert.deepEqual(types.slice(0, 2), [PacketType.Initial, PacketType.Handshake]);
  now += 10;
  for (const d of flight) client.handleDatagram(d, SERVER, now);
  assert.ok(conn.isHandshakeComplete);
  // The client still has Initial keys until it sends its first Handshake packet.
  assert.ok(!coreOf(conn).spaces[INITIAL].discarded);
  const reply: Uint8Array[] = [];
  for (let t; (t = client.pollTransmit(now));) reply.push(t.data.slice());
  assert.ok(coreOf(conn).spaces[INITIAL].discarded, "client kept Initial keys (RFC 9001 §4.9.1)");
  assert.ok(!coreOf(conn).spaces[HANDSHAKE].discarded);
  now += 10;
  for (const d of reply) server.handleDatagram(d, CLIENT, now);
  assert.ok(sc.isHandshakeConfirmed);
  assert.ok(coreOf(sc).spaces[INITIAL].discarded && coreOf(sc).spaces[HANDSHAKE].discarded);
  const done: Uint8Array[] = [];
  for (let t; (t = server.pollTransmit(now));) done.push(t.data.slice());
  now += 10;
  for (const d of done) client.handleDatagram(d, SERVER, now);
  assert.ok(conn.isHandshakeConfirmed, "HANDSHAKE_DONE not processed");
  assert.ok(coreOf(conn).spaces[HANDSHAKE].discarded);
  assert.ok(coreOf(conn).spaces[APPLICATION].readKeys);
});

Deno.test("handshake: NEW_CONNECTION_ID issued; rotating retires the old ID", () => {
  const p = makePair(52, { delayMs: 10 });
  const conn = connect(p.client, p.sim.now);
  assert.ok(p.sim.runUntil(() => conn.isHandshakeConfirmed, p.sim.now + 2000));
  p.sim.runFor(100);
  const sc = [...p.server.connections][0];
  // Both sides advertised active_connection_id_limit 4: three spare IDs each.
  assert.equal(coreOf(conn).peerCids.spare.size, 3);
  assert.equal(coreOf(sc).peerCids.spare.size, 3);
  const before = coreOf(conn).peerCids.current.cid;
  assert.ok(coreOf(conn).peerCids.rotate());
  const id = conn.openStream(true)!;
  conn.streamWrite(id, payload(20_000), true);
  p.sim.runFor(500);
  assert.notDeepEqual(coreOf(conn).peerCids.current.cid, before);
  // The server saw RETIRE_CONNECTION_ID(0) and issued a replacement.
  assert.ok(!coreOf(sc).localCids.active.has(0));
  assert.equal(coreOf(sc).localCids.active.size, 4);
  assert.equal(coreOf(conn).peerCids.unackedRetires.size, 0);
});

Deno.test("handshake: key update initiated by either side keeps data flowing", () => {
  const pair = makePair(53, { delayMs: 10 });
  let updated = false;
  const r = runTransfer(pair, 400_000, {
    hook: (conn) => {
      if (!updated && conn.isHandshakeConfirmed && conn.applicationPacketsSent > 50) {
        updated = conn.updateKeys(pair.sim.now);
      }
    },
  });
  assert.ok(updated, "client could not initiate a key update");
  assert.ok(r.ok);
  const sc = [...pair.server.connections][0];
  assert.equal(r.conn.keyPhase, 1);
  assert.equal(sc.keyPhase, 1, "server did not respond to the key update");
  // Once the old keys are retired (3 PTO), the server initiates the next update.
  pair.sim.runFor(1000);
  assert.ok(sc.updateKeys(pair.sim.now), "server could not initiate");
  sc.ping();
  pair.sim.runFor(300);
  assert.equal(sc.keyPhase, 0);
  assert.equal(r.conn.keyPhase, 0, "client did not respond to the server's update");
  assert.equal(r.conn.getStats().keyUpdates, 2);
});

Deno.test("handshake: a server flight above 3x is paced by the amplification limit", () => {
  const cert = devCert();
  const chain = Array.from({ length: 16 }, () => cert.certDer);
  const p = makePair(54, { delayMs: 10 }, {
    server: { certificateChain: chain, privateKey: cert.key, alpnProtocols: ["test"] },
  });
  const conn = p.client.connect(SERVER, {
    tls: {
      serverName: "localhost",
      alpnProtocols: ["test"],
      dangerouslyDisableCertificateVerification: true,
    },
  }, p.sim.now);
  assert.ok(chain.reduce((n, c) => n + c.length, 0) > 3 * 1200);
  assert.ok(p.sim.runUntil(() => conn.isHandshakeConfirmed, p.sim.now + 5000));
  const sc = [...p.server.connections][0];
  assert.ok(coreOf(sc).amplificationSent <= 3 * coreOf(sc).amplificationReceived);
});

Deno.test("handshake: an application close during the handshake is APPLICATION_ERROR in Initial/Handshake", () => {
  const p = makePair(55, { delayMs: 10 });
  const conn = connect(p.client, p.sim.now);
  let clientClose: unknown;
  p.sim.runUntil(() => {
    for (let e; (e = p.server.pollEvent());) {
      if (e.type === "newConnection") e.conn.close(0x1234, "go away", true, p.sim.now);
    }
    for (let e; (e = p.client.pollEvent());) {
      if (e.type === "connection" && e.event.type === "connectionClosed") clientClose = e.event;
    }
    return clientClose !== undefined;
  }, p.sim.now + 2000);
  // RFC 9000 §10.2.3: the application code and reason are not revealed before 1-RTT.
  assert.deepEqual(clientClose, {
    type: "connectionClosed",
    code: 0x0c,
    reason: "",
    isApplication: false,
    byPeer: true,
    kind: "close",
  });
  assert.ok(!conn.isHandshakeConfirmed);
});
