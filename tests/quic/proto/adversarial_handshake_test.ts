/**
 * A hostile peer against the handshake: Initial floods from spoofed
 * addresses (bounded handshake state, Retry under load, established
 * connections unharmed), CRYPTO data far ahead or shredded into fragments
 * (CRYPTO_BUFFER_EXCEEDED, RFC 9000 §7.5), a ClientHello that never ends,
 * and post-handshake CRYPTO abuse.
 */
import assert from "node:assert/strict";
import { TransportErrorCode as E } from "../../../quic/proto/errors.ts";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import type { Connection } from "../../../quic/proto/connection.ts";
import type { ConnectionEvent } from "../../../quic/proto/events.ts";
import { connect, makeClient, payload } from "../../sim/fixtures.ts";
import type { SimAddr } from "../../sim/network.ts";
import {
  assertBystanderWorks,
  assertClosed,
  establish,
  type Hostile,
  inject,
  rawInitial,
} from "./_hostile.ts";
import { SIM_START } from "../../sim/fixtures.ts";

/** A real client's first Initial datagram (its ClientHello), from a fresh connection. */
function clientHelloDatagram(seed: number): Uint8Array {
  const ep = makeClient(10_000 + seed);
  connect(ep, SIM_START);
  const t = ep.pollTransmit(SIM_START);
  assert.ok(t && t.data.length >= 1200);
  return t.data.slice();
}

const spoofed = (i: number): SimAddr => ({
  hostname: `198.51.${(i >> 8) & 0xff}.${i & 0xff}`,
  port: 1024 + i,
});

/** Uploads 10 kB on the attacked pair's existing connection. */
function assertExistingWorks(h: Hostile): void {
  const { p, client, server } = h;
  const data = payload(10_000, 3);
  const sid = client.openStream(true)!;
  assert.equal(client.streamWrite(sid, data, true), data.length);
  let got = 0;
  let fin = false;
  const ok = p.sim.runUntil(() => {
    for (let e; (e = p.server.pollEvent());) {
      if (e.type === "connection" && e.conn === server && e.event.type === "streamReadable") {
        for (let r; (r = server.streamRead(sid, 1 << 16, p.sim.now));) {
          got += r.data?.length ?? 0;
          if (r.fin) fin = true;
          if (!r.data) break;
        }
      }
    }
    for (let e; (e = p.client.pollEvent());) void e;
    return fin;
  }, p.sim.now + 10_000);
  assert.ok(ok && got === data.length, `existing connection moved ${got} bytes`);
}

/** The events of server connections other than `except`, grouped. */
function serverEvents(h: Hostile): Map<Connection, ConnectionEvent[]> {
  const m = new Map<Connection, ConnectionEvent[]>();
  for (let e; (e = h.p.server.pollEvent());) {
    if (e.type === "newConnection") m.set(e.conn, []);
    else if (e.conn !== h.server) {
      if (!m.has(e.conn)) m.set(e.conn, []);
      m.get(e.conn)!.push(e.event);
    }
  }
  return m;
}

function closeCode(evs: ConnectionEvent[] | undefined): number | undefined {
  for (const e of evs ?? []) if (e.type === "connectionClosed") return e.code;
  return undefined;
}

Deno.test("adversarial handshake: a spoofed Initial flood keeps handshake state bounded and others working", () => {
  const h = establish(61, { maxHandshakes: 40 });
  const before = h.p.server.connectionCount;
  for (let i = 0; i < 120; i++) {
    h.p.server.handleDatagram(clientHelloDatagram(i), spoofed(i), h.p.sim.now);
    for (; h.p.server.pollTransmit(h.p.sim.now);) { /* to the spoofed victims */ }
  }
  serverEvents(h);
  const handshaking = [...h.p.server.connections].filter((c) => !c.isHandshakeComplete).length;
  // Half of maxHandshakes may be unvalidated; past that, stateless Retry.
  assert.equal(handshaking, 20, `${handshaking} handshakes held`);
  assert.equal(h.p.server.connectionCount - before, 20);
  assert.equal(h.p.server.stats.retrySent, 100);
  assertExistingWorks(h);
  // A newcomer during the flood still gets in (validated by Retry, not refused).
  assertBystanderWorks(h);
});

Deno.test("adversarial handshake: with retry configured a flood creates no state at all", () => {
  const h = establish(62, { retry: true });
  const before = h.p.server.connectionCount;
  for (let i = 0; i < 100; i++) {
    h.p.server.handleDatagram(clientHelloDatagram(i), spoofed(i), h.p.sim.now);
    for (; h.p.server.pollTransmit(h.p.sim.now);) { /* Retry to the victims */ }
  }
  assert.equal(h.p.server.connectionCount, before);
  assert.equal(h.p.server.stats.retrySent, 100 + 1); // +1: the attacked pair's own Retry
  assertExistingWorks(h);
  assertBystanderWorks(h);
});

Deno.test("adversarial handshake: CRYPTO data far ahead in an Initial is CRYPTO_BUFFER_EXCEEDED", () => {
  const h = establish(63);
  const dcid = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const dg = rawInitial(dcid, Uint8Array.of(9, 9, 9, 9), 0, [
    { type: "crypto", offset: 1_000_000, data: new Uint8Array(100) },
  ]);
  h.p.server.handleDatagram(dg, spoofed(1), h.p.sim.now);
  const evs = serverEvents(h);
  assert.equal(evs.size, 1);
  assert.equal(closeCode([...evs.values()][0]), E.CRYPTO_BUFFER_EXCEEDED);
  assertExistingWorks(h);
});

Deno.test("adversarial handshake: CRYPTO shredded into fragments is refused with bounded state", () => {
  const h = establish(64);
  const dcid = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 9);
  let code: number | undefined;
  let conn: Connection | undefined;
  for (let pn = 0; pn < 40 && code === undefined; pn++) {
    // 40 one-byte fragments per packet at odd offsets (never contiguous).
    const frames = Array.from({ length: 40 }, (_, k) => ({
      type: "crypto" as const,
      offset: 2 * (pn * 40 + k) + 1,
      data: Uint8Array.of(0),
    }));
    h.p.server.handleDatagram(
      rawInitial(dcid, Uint8Array.of(7), pn, frames),
      spoofed(2),
      h.p.sim.now,
    );
    for (; h.p.server.pollTransmit(h.p.sim.now);) { /* dropped */ }
    for (const [c, evs] of serverEvents(h)) {
      conn = c;
      code ??= closeCode(evs);
    }
    if (conn) {
      const crypto = coreOf(conn).spaces[0].crypto;
      assert.ok(crypto !== undefined);
    }
  }
  assert.ok(code === E.CRYPTO_BUFFER_EXCEEDED, `code ${code}`);
  assertExistingWorks(h);
});

Deno.test("adversarial handshake: a ClientHello that never ends is cut off at a bound", () => {
  const h = establish(65);
  const dcid = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 10);
  let off = 0;
  let code: number | undefined;
  let packets = 0;
  // Handshake message type ClientHello with a 16 MiB length, then filler forever.
  const first = new Uint8Array(1100);
  first.set([0x01, 0xff, 0xff, 0xff, 0x03, 0x03]);
  for (let pn = 0; pn < 400 && code === undefined; pn++) {
    const data = pn === 0 ? first : new Uint8Array(1100).fill(0x41);
    const dg = rawInitial(dcid, Uint8Array.of(7), pn, [{ type: "crypto", offset: off, data }]);
    off += data.length;
    packets++;
    h.p.server.handleDatagram(dg, spoofed(3), h.p.sim.now);
    for (; h.p.server.pollTransmit(h.p.sim.now);) { /* dropped */ }
    for (const [, evs] of serverEvents(h)) code ??= closeCode(evs);
  }
  assert.ok(code !== undefined, `still reading after ${off} bytes`);
  assert.ok(off <= 128 * 1024, `buffered up to ${off} bytes before refusing`);
  assert.ok(code === E.CRYPTO_BUFFER_EXCEEDED || code >= 0x100, `code 0x${code.toString(16)}`);
  void packets;
  assertExistingWorks(h);
});

Deno.test("adversarial handshake: 1-RTT CRYPTO far ahead after the handshake is CRYPTO_BUFFER_EXCEEDED", () => {
  const h = establish(66);
  inject(h, [{ type: "crypto", offset: 10_000_000, data: new Uint8Array(10) }]);
  assertClosed(h, E.CRYPTO_BUFFER_EXCEEDED);
  assertBystanderWorks(h);
});
