/**
 * Connection migration over the simulated network (RFC 9000 §8.2, §9): NAT
 * rebinding and active client migration during a 5 MB download, an
 * attacker's forwarded copy (§9.3.3), the 3× limit on an unvalidated path
 * (§8.1, §9.3) and reverting when validation fails (§9.3.2).
 */
import assert from "node:assert/strict";
import { CLIENT, connect, makePair, type Pair, payload, SERVER } from "./fixtures.ts";
import { addrKey, type SimAddr } from "./network.ts";
import type { Connection } from "../../quic/proto/connection.ts";
import { coreOf } from "../../quic/proto/conn_internal.ts";

const MB = 1024 * 1024;
/** The client's address after its NAT picked a new port (port-only change, §9.4). */
const NAT2: SimAddr = { hostname: CLIENT.hostname, port: 50001 };
/** The client's address after moving to another network. */
const CLIENT2: SimAddr = { hostname: "10.0.0.3", port: 40000 };
/** An off-path attacker forwarding copies (§9.3.3). */
const ATTACKER: SimAddr = { hostname: "10.0.0.66", port: 6666 };

interface Download {
  pair: Pair;
  client: Connection;
  server: () => Connection | undefined;
  /** Runs until done or `until` (virtual ms); returns bytes received and whether all arrived intact. */
  run(until: number, stop?: () => boolean): { received: number; ok: boolean; fin: boolean };
}

/** A client downloading `size` bytes from the server on one stream. */
function download(seed: number, size: number, link = {}, serverTransport = {}): Download {
  const pair = makePair(seed, { delayMs: 10, bandwidth: 12_500_000, ...link }, {
    transport: serverTransport,
  });
  const { sim } = pair;
  const data = payload(size, 3);
  const client = connect(pair.client, sim.now);
  let serverConn: Connection | undefined;
  let sid: number | undefined;
  let written = 0;
  let received = 0;
  let ok = true;
  let fin = false;
  const pump = (sc: Connection) => {
    if (sid === undefined) return;
    while (written < size) {
      const n = sc.streamWrite(sid, data.subarray(written, Math.min(size, written + 65536)));
      if (n === 0) break;
      written += n;
      if (written === size) sc.streamFinish(sid);
    }
  };
  const step = () => {
    for (let e; (e = pair.client.pollEvent());) {
      if (e.type !== "connection") continue;
      if (e.event.type === "handshakeCompleted" && sid === undefined) {
        sid = client.openStream(true)!;
        client.streamWrite(sid, new Uint8Array([1]), true);
      } else if (e.event.type === "streamReadable") {
        for (;;) {
          const r = client.streamRead(e.event.id, 1 << 20, sim.now);
          if (!r) break;
          if (r.data) {
            for (let i = 0; i < r.data.length; i++) {
              if (r.data[i] !== data[received + i]) ok = false;
            }
            received += r.data.length;
          }
          if (r.fin) fin = true;
          if (!r.data) break;
        }
      }
    }
    for (let e; (e = pair.server.pollEvent());) {
      if (e.type === "newConnection") serverConn = e.conn;
      else if (e.event.type === "streamReadable") {
        e.conn.streamRead(e.event.id, 1 << 20, sim.now);
        pump(e.conn);
      } else if (e.event.type === "streamWritable") pump(e.conn);
    }
  };
  return {
    pair,
    client,
    server: () => serverConn,
    run(until, stop) {
      sim.runUntil(() => {
        step();
        return fin || !ok || client.isClosed || (stop?.() ?? false);
      }, until);
      return { received, ok: ok && received <= size, fin: fin && received === size };
    },
  };
}

/** Counts bytes per (from → to) pair through the network tap. */
function countBytes(pair: Pair): Map<string, number> {
  const m = new Map<string, number>();
  pair.sim.net.tap = (from, to, data) => {
    const k = `${addrKey(from)}>${addrKey(to)}`;
    m.set(k, (m.get(k) ?? 0) + data.length);
  };
  return m;
}
const key = (a: SimAddr, b: SimAddr) => `${addrKey(a)}>${addrKey(b)}`;

Deno.test("sim migration: NAT rebinding mid-download, 5 MB byte-exact on the new port", () => {
  const d = download(31, 5 * MB);
  const { sim } = d.pair;
  // Halfway through, the client's NAT gives the flow a new source port.
  const first = d.run(sim.now + 600_000, () => (d.server()?.getStats().bytesSent ?? 0) > 2 * MB);
  assert.ok(first.received < 5 * MB && first.ok);
  const t = sim.now;
  sim.net.natRewrite = (from) => (addrKey(from) === addrKey(CLIENT) ? NAT2 : from);
  sim.alias(NAT2, CLIENT);
  // Bytes per address once the server has switched (until then, in-flight
  // data legitimately still goes to the old port).
  const bytes = new Map<string, number>();
  sim.net.tap = (from, to, data) => {
    if (coreOf(d.server()!).paths.migrations === 0) return;
    const k = key(from, to);
    bytes.set(k, (bytes.get(k) ?? 0) + data.length);
  };
  const r = d.run(sim.now + 600_000);
  assert.ok(r.ok && r.fin, `received ${r.received}`);
  const sc = d.server()!;
  const pm = coreOf(sc).paths;
  assert.deepEqual(sc.remoteAddress, NAT2);
  assert.ok(sc.isPathValidated);
  assert.equal(pm.migrations, 1);
  assert.ok(pm.validations >= 1);
  assert.equal(pm.reverts, 0);
  // Everything after the switch goes to the new address; the old one only
  // saw the §9.3.3 check of the old path (a few probes), no stream data.
  const toNew = bytes.get(key(SERVER, NAT2)) ?? 0;
  const toOld = bytes.get(key(SERVER, CLIENT)) ?? 0;
  assert.ok(toNew > 2 * MB, `to new ${toNew}`);
  assert.ok(toOld < 20 * 1200, `to old ${toOld}`);
  console.log(
    `NAT rebinding ${(sim.now - t).toFixed(0)} ms before the end: to new ${toNew}, to old ${toOld}`,
  );
  // The client saw nothing: its CID and path are unchanged.
  assert.equal(coreOf(d.client).peerCids.current.seq, 0);
});

Deno.test("sim migration: active client migration to a new network mid-download", () => {
  const d = download(32, 5 * MB);
  const { sim } = d.pair;
  d.run(sim.now + 600_000, () => (d.server()?.getStats().bytesSent ?? 0) > 2 * MB);
  assert.ok(d.client.canMigrate);
  const cBefore = coreOf(d.client);
  const seqBefore = cBefore.peerCids.current.seq;
  // The driver rebinds the socket, then tells the connection.
  sim.rebind(CLIENT, CLIENT2);
  assert.equal(d.client.onLocalAddressChanged(sim.now), true);
  assert.notEqual(cBefore.peerCids.current.seq, seqBefore); // §9.5: a fresh server CID
  const bytes = countBytes(d.pair);
  const r = d.run(sim.now + 600_000);
  assert.ok(r.ok && r.fin, `received ${r.received}`);
  const sc = d.server()!;
  assert.deepEqual(sc.remoteAddress, CLIENT2);
  assert.ok(sc.isPathValidated && d.client.isPathValidated);
  assert.ok(cBefore.paths.validations >= 1, "client validated the new path");
  assert.ok(coreOf(sc).paths.validations >= 1, "server validated the client's new address");
  // The server also moved to a new client CID for the new path (§9.5).
  assert.ok(coreOf(sc).peerCids.current.seq > 0);
  assert.ok((bytes.get(key(SERVER, CLIENT2)) ?? 0) > 2 * MB);
});

Deno.test("sim migration: a forwarded copy from a third address does not hijack the path", () => {
  const d = download(33, 2 * MB);
  const { sim } = d.pair;
  d.run(sim.now + 600_000, () => (d.server()?.getStats().bytesSent ?? 0) > MB / 2);
  // The attacker is closer to the server: its copy wins, the original is a duplicate.
  sim.net.setLink(ATTACKER, SERVER, { delayMs: 1 });
  let copied = 0;
  const bytes = new Map<string, number>();
  sim.net.tap = (from, to, data, now) => {
    const k = key(from, to);
    bytes.set(k, (bytes.get(k) ?? 0) + data.length);
    if (copied === 0 && addrKey(from) === addrKey(CLIENT) && (data[0] & 0x80) === 0) {
      copied++;
      sim.net.send(ATTACKER, to, data, now);
    }
  };
  const r = d.run(sim.now + 600_000);
  assert.ok(r.ok && r.fin, `received ${r.received}`);
  const sc = d.server()!;
  const pm = coreOf(sc).paths;
  assert.equal(copied, 1);
  assert.deepEqual(sc.remoteAddress, CLIENT);
  assert.ok(pm.migrations >= 1, "the copy caused an apparent migration");
  assert.ok(sc.isPathValidated);
  assert.ok(!pm.find(ATTACKER)?.validated);
  // §8.1: at most 3× what the attacker sent reached its address.
  const fromAttacker = bytes.get(key(ATTACKER, SERVER)) ?? 0;
  const toAttacker = bytes.get(key(SERVER, ATTACKER)) ?? 0;
  assert.ok(toAttacker > 0 && toAttacker <= 3 * fromAttacker, `${toAttacker} vs ${fromAttacker}`);
});

Deno.test("sim migration: the server sends at most 3x the bytes received on an unvalidated path", () => {
  const d = download(34, 3 * MB);
  const { sim } = d.pair;
  d.run(sim.now + 600_000, () => (d.server()?.getStats().bytesSent ?? 0) > MB);
  const t = sim.now;
  // NAT rebinding, and the server's first answers to the new port are lost
  // for 400 ms, so the path stays unvalidated for a while.
  sim.net.natRewrite = (from) => (addrKey(from) === addrKey(CLIENT) ? NAT2 : from);
  sim.alias(NAT2, CLIENT);
  sim.net.setLink(SERVER, NAT2, { delayMs: 10, bandwidth: 12_500_000, blackholes: [[t, t + 400]] });
  let sent = 0;
  let recv = 0;
  let checks = 0;
  let maxRatio = 0;
  sim.net.tap = (from, to, data) => {
    if (addrKey(from) === addrKey(NAT2)) recv += data.length;
    if (addrKey(to) === addrKey(NAT2)) {
      sent += data.length;
      const sc = d.server();
      if (sc && !sc.isPathValidated) {
        checks++;
        maxRatio = Math.max(maxRatio, sent / recv);
        assert.ok(sent <= 3 * recv, `sent ${sent} > 3 × ${recv}`);
      }
    }
  };
  const r = d.run(sim.now + 600_000);
  assert.ok(r.ok && r.fin, `received ${r.received}`);
  assert.ok(checks > 0, "datagrams were sent while the path was unvalidated");
  assert.ok(maxRatio > 1, `the limit was used (ratio ${maxRatio.toFixed(2)})`);
  assert.deepEqual(d.server()!.remoteAddress, NAT2);
  console.log(`unvalidated path: ${checks} datagrams, max sent/received ${maxRatio.toFixed(2)}`);
});

Deno.test("sim migration: failed path validation reverts to the last validated path", () => {
  const d = download(35, 64 * 1024);
  const { sim } = d.pair;
  const r0 = d.run(sim.now + 60_000);
  assert.ok(r0.fin);
  const sc = d.server()!;
  const pm = coreOf(sc).paths;
  // An idle connection; the client PINGs once and only an attacker's copy
  // arrives. The server's check of the old path is lost and the client's
  // later packets too, so nothing brings the genuine client back before the
  // new path's validation times out.
  const t = sim.now;
  sim.net.setLink(ATTACKER, SERVER, { delayMs: 1 });
  // Both directions of the genuine path go dark (the tap still sees the
  // client's datagram, so the attacker's copy is made).
  sim.net.setLink(SERVER, CLIENT, { delayMs: 10, blackholes: [[t, t + 10_000]] });
  sim.net.setLink(CLIENT, SERVER, { delayMs: 10, blackholes: [[t, t + 10_000]] });
  let copied = 0;
  sim.net.tap = (from, to, data, now) => {
    if (copied === 0 && addrKey(from) === addrKey(CLIENT) && (data[0] & 0x80) === 0) {
      copied++;
      sim.net.send(ATTACKER, to, data, now);
    }
  };
  d.client.ping();
  sim.runUntil(() => pm.migrations > 0, t + 1000);
  assert.deepEqual(sc.remoteAddress, ATTACKER);
  assert.equal(sc.isPathValidated, false);
  sim.runUntil(() => pm.reverts > 0, t + 9000);
  assert.equal(pm.reverts, 1);
  assert.ok(pm.validationFailures >= 1);
  assert.deepEqual(sc.remoteAddress, CLIENT);
  assert.ok(sc.isPathValidated);
  assert.ok(!sc.isClosed);
  const elapsed = sim.now - t;
  // §8.2.4: abandoned after max(3 × PTO, 6 × kInitialRtt) = 1998 ms here.
  assert.ok(elapsed >= 1998 && elapsed < 3000, `reverted after ${elapsed} ms`);
});

Deno.test("sim migration: disable_active_migration stops client migration; rebinding still followed", () => {
  const d = download(36, 2 * MB, {}, { disableActiveMigration: true });
  const { sim } = d.pair;
  d.run(sim.now + 600_000, () => (d.server()?.getStats().bytesSent ?? 0) > MB / 2);
  // §9: the client must not migrate actively.
  assert.equal(d.client.canMigrate, false);
  assert.equal(d.client.onLocalAddressChanged(sim.now), false);
  // A NAT rebinding keeps the CID and is followed (§9: the server may validate and allow it).
  sim.net.natRewrite = (from) => (addrKey(from) === addrKey(CLIENT) ? NAT2 : from);
  sim.alias(NAT2, CLIENT);
  const r = d.run(sim.now + 600_000);
  assert.ok(r.ok && r.fin, `received ${r.received}`);
  assert.deepEqual(d.server()!.remoteAddress, NAT2);
});

Deno.test("sim migration: a client ignoring disable_active_migration (new CID) is dropped", () => {
  const d = download(37, 2 * MB, {}, { disableActiveMigration: true });
  const { sim } = d.pair;
  d.run(sim.now + 600_000, () => (d.server()?.getStats().bytesSent ?? 0) > MB / 2);
  const sc = d.server()!;
  const dropped = sc.getStats().packetsDropped;
  // Force what a misbehaving client would do: new address and a new CID.
  const cc = coreOf(d.client);
  assert.ok(cc.peerCids.rotate());
  d.pair.client.touch(d.client); // changed behind the endpoint's back
  sim.rebind(CLIENT, CLIENT2);
  sim.runFor(300);
  assert.deepEqual(sc.remoteAddress, CLIENT);
  assert.equal(coreOf(sc).paths.migrations, 0);
  assert.ok(sc.getStats().packetsDropped > dropped + 3);
});
