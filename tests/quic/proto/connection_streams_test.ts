/**
 * Stream behaviour of the connection over the simulated network: flow
 * control credit granted on consumption, RESET_STREAM / STOP_SENDING,
 * DATAGRAM, and peer misbehaviour turned into the right close codes.
 */
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import assert from "node:assert/strict";
import { connect, makePair, type Pair, payload } from "../../sim/fixtures.ts";
import type { Connection } from "../../../quic/proto/connection.ts";
import type { ConnectionEvent } from "../../../quic/proto/events.ts";
import { TransportErrorCode } from "../../../quic/proto/errors.ts";
import { APPLICATION, Sent, type SentItem } from "../../../quic/proto/spaces.ts";
import { streamItemLost } from "../../../quic/proto/conn_streams_io.ts";

interface Ev {
  conn: Connection;
  event: ConnectionEvent;
}

function established(
  seed: number,
  transport?: Parameters<typeof connect>[2],
): Pair & { conn: Connection; server: Pair["server"] } {
  const pair = makePair(seed, { delayMs: 10 });
  const conn = connect(pair.client, pair.sim.now, transport);
  assert.ok(pair.sim.runUntil(() => conn.isHandshakeConfirmed, pair.sim.now + 2000));
  return { ...pair, conn };
}

function drain(p: Pair): Ev[] {
  const out: Ev[] = [];
  for (const ep of [p.client, p.server]) {
    for (let e; (e = ep.pollEvent());) if (e.type === "connection") out.push(e);
  }
  return out;
}

function serverConn(p: Pair): Connection {
  return [...p.server.connections][0];
}

Deno.test("connection: credit is granted as the application reads, not on arrival", () => {
  const p = established(40);
  const sc = serverConn(p);
  drain(p);
  const id = p.conn.openStream(true)!;
  const data = payload(3 * 1024 * 1024, 3);
  let written = 0;
  const pump = () => {
    while (written < data.length) {
      const n = p.conn.streamWrite(id, data.subarray(written, written + 65536));
      if (n === 0) break;
      written += n;
    }
  };
  pump();
  // The server does not read: the sender stops at the 1 MiB stream window.
  p.sim.runFor(2000);
  drain(p);
  const stats = sc.getStats();
  assert.ok(stats.bytesReceived < 1.2 * 1024 * 1024, `received ${stats.bytesReceived}`);
  // Reading everything lets the rest through.
  let got = 0;
  let ok = true;
  const done = p.sim.runUntil(() => {
    for (const e of drain(p)) if (e.event.type === "streamWritable") pump();
    for (;;) {
      const r = sc.streamRead(id, 1 << 20, p.sim.now);
      if (!r?.data) break;
      for (let i = 0; i < r.data.length; i += 997) if (r.data[i] !== data[got + i]) ok = false;
      got += r.data.length;
    }
    pump();
    return got === data.length;
  }, p.sim.now + 20_000);
  assert.ok(done && ok, `read ${got}`);
});

Deno.test("connection: RESET_STREAM and STOP_SENDING reach the peer with their codes", () => {
  const p = established(41);
  const sc = serverConn(p);
  drain(p);
  const a = p.conn.openStream(true)!;
  p.conn.streamWrite(a, payload(10_000));
  p.conn.streamReset(a, 7);
  const b = p.conn.openStream(true)!;
  p.conn.streamWrite(b, payload(1000));
  const seen: ConnectionEvent[] = [];
  p.sim.runUntil(() => {
    for (const e of drain(p)) {
      seen.push(e.event);
      if (e.conn === sc && e.event.type === "streamOpened" && e.event.id === b) {
        sc.streamStopSending(b, 9, p.sim.now);
      }
    }
    return seen.some((e) => e.type === "stopSending") &&
      seen.some((e) => e.type === "streamReset" && e.id === b);
  }, p.sim.now + 3000);
  const reset = seen.find((e) => e.type === "streamReset" && e.id === a);
  assert.deepEqual(reset, {
    type: "streamReset",
    id: a,
    code: 7,
    finalSize: reset?.type === "streamReset" ? reset.finalSize : -1,
  });
  assert.ok(seen.some((e) => e.type === "stopSending" && e.id === b && e.code === 9));
  // RFC 9000 §3.5: STOP_SENDING is answered with RESET_STREAM carrying the code.
  assert.ok(seen.some((e) => e.type === "streamReset" && e.id === b && e.code === 9));
});

Deno.test("connection: DATAGRAM frames are delivered (RFC 9221)", () => {
  const p = established(42);
  const sc = serverConn(p);
  drain(p);
  assert.ok(p.conn.maxDatagramSize > 1000);
  assert.ok(p.conn.sendDatagram(Uint8Array.of(1, 2, 3)));
  assert.ok(!p.conn.sendDatagram(new Uint8Array(5000)), "oversized datagram accepted");
  let got: Uint8Array | undefined;
  p.sim.runUntil(() => {
    for (const e of drain(p)) {
      if (e.conn === sc && e.event.type === "datagramReceived") got = e.event.data;
    }
    return got !== undefined;
  }, p.sim.now + 1000);
  assert.deepEqual(got, Uint8Array.of(1, 2, 3));
});

function closeCodeAtServer(p: Pair & { conn: Connection }): number {
  let code = -1;
  p.sim.runUntil(() => {
    for (const e of drain(p)) {
      if (e.conn.isServer && e.event.type === "connectionClosed") code = e.event.code;
    }
    return code >= 0;
  }, p.sim.now + 3000);
  return code;
}

Deno.test("connection: STREAM on a stream the server never opened is STREAM_STATE_ERROR", () => {
  const p = established(43);
  drain(p);
  // Forge a client entry for server-initiated stream 1 (as a MAX_STREAM_DATA
  // for it would, RFC 9000 §3.2) and send on it.
  const e = coreOf(p.conn).streams.map.streamForFrame(1, "send")!;
  e.send!.onMaxStreamData(1 << 20);
  p.conn.streamWrite(1, payload(100), true);
  assert.equal(closeCodeAtServer(p), TransportErrorCode.STREAM_STATE_ERROR);
});

Deno.test("connection: exceeding the stream window is FLOW_CONTROL_ERROR", () => {
  const p = established(44, { streamSendBuffer: 4 * 1024 * 1024 });
  drain(p);
  const id = p.conn.openStream(false)!;
  // Pretend the server granted far more credit than it did.
  coreOf(p.conn).streams.connCredit.onMaxUpdate(1e9);
  coreOf(p.conn).streams.map.get(id)!.send!.onMaxStreamData(1e9);
  p.conn.streamWrite(id, payload(1_200_000));
  assert.equal(closeCodeAtServer(p), TransportErrorCode.FLOW_CONTROL_ERROR);
});

Deno.test("connection: opening more streams than allowed waits for MAX_STREAMS", () => {
  const pair = makePair(45, { delayMs: 10 }, { transport: { initialMaxStreamsUni: 4 } });
  const conn = connect(pair.client, pair.sim.now);
  assert.ok(pair.sim.runUntil(() => conn.isHandshakeConfirmed, pair.sim.now + 2000));
  const ids: number[] = [];
  for (let i = 0; i < 4; i++) ids.push(conn.openStream(false)!);
  assert.equal(conn.openStream(false), undefined);
  for (const id of ids) conn.streamWrite(id, payload(10), true);
  let more = false;
  pair.sim.runUntil(() => {
    for (const e of drain(pair)) {
      if (e.conn.isServer && e.event.type === "streamReadable") {
        for (let r; (r = e.conn.streamRead(e.event.id, 100, pair.sim.now)) && r.data;);
      }
      if (!e.conn.isServer && e.event.type === "streamsAvailable") more = true;
    }
    return more;
  }, pair.sim.now + 3000);
  assert.ok(more, "no MAX_STREAMS");
  assert.notEqual(conn.openStream(false), undefined);
});

Deno.test("connection: a lost STREAMS_BLOCKED is sent again while still blocked (RFC 9000 §13.3)", () => {
  const pair = makePair(46, { delayMs: 10 }, { transport: { initialMaxStreamsUni: 1 } });
  const conn = connect(pair.client, pair.sim.now);
  assert.ok(pair.sim.runUntil(() => conn.isHandshakeConfirmed, pair.sim.now + 2000));
  drain(pair);
  assert.notEqual(conn.openStream(false), undefined);
  assert.equal(conn.openStream(false), undefined);
  const c = coreOf(conn);
  assert.ok(c.streams.map.hasFramesPending);
  const buf = new Uint8Array(1500);
  assert.ok(conn.pollTransmit(buf, pair.sim.now) > 0);
  assert.equal(c.streams.map.hasFramesPending, false);
  const sent = c.recovery.sent[APPLICATION];
  let item: SentItem | undefined;
  for (let i = 0; i < sent.length && !item; i++) {
    item = sent.payload(i)?.items.find((it) => it.kind === Sent.STREAMS_BLOCKED_UNI);
  }
  assert.ok(item, "STREAMS_BLOCKED recorded as its own kind");
  assert.equal(item.a, 1);
  streamItemLost(c, item);
  assert.ok(c.streams.map.hasFramesPending, "queued again");
  assert.deepEqual(c.streams.map.takeStreamsBlocked(), { bidi: false, limit: 1 });
});
