/**
 * The Deno driver and public API, gquic client ↔ gquic server over real
 * loopback UDP (IPv4 and IPv6): handshake and ALPN, echo, write
 * backpressure, pull-based reads, RESET_STREAM / STOP_SENDING codes,
 * datagrams, close codes, refusal, dead-port timeout, and the key log.
 * @module
 */
import assert from "node:assert/strict";
import {
  connectQuic,
  type QuicConn,
  QuicConnectionError,
  type QuicEndpoint,
  type QuicListener,
  QuicStreamError,
} from "../../quic/api.ts";
import { makeTestCerts } from "../interop/certs.ts";
import { connectLoopback, listenLoopback } from "./_loopback.ts";
import { readAll, within } from "../interop/peer_process.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function server(hostname = "127.0.0.1", transport = {}): { ep: QuicEndpoint; l: QuicListener } {
  return listenLoopback({ transport }, hostname);
}

function connect(port: number, hostname = "127.0.0.1", extra = {}): Promise<QuicConn> {
  return connectLoopback(port, extra, hostname);
}

Deno.test("driver: echo, datagrams and close codes over IPv4 and IPv6", async () => {
  for (const host of ["127.0.0.1", "::1"]) {
    const { ep, l } = server(host);
    const accepted = (async () => {
      const c = await l.accept();
      (async () => {
        for await (const s of c.incomingBidirectionalStreams) s.readable.pipeTo(s.writable);
      })();
      await c.sendDatagram(await c.readDatagram());
      return c;
    })();
    const conn = await connect(ep.addr.port, host);
    assert.equal(conn.protocol, "t");
    const s = await conn.createBidirectionalStream();
    assert.equal(typeof s.writable.id, "bigint");
    const w = s.writable.getWriter();
    await w.write(enc.encode("ping over " + host));
    await w.close();
    assert.equal(
      dec.decode(await within(readAll(s.readable), 5000, `echo over ${host}`)),
      "ping over " + host,
    );
    await conn.sendDatagram(enc.encode("dg"));
    assert.equal(dec.decode(await within(conn.readDatagram(), 3000, "dgram")), "dg");
    const sc = await accepted;
    assert.equal(sc.serverName, "localhost");
    conn.close({ closeCode: 7, reason: "seven" });
    assert.deepEqual(await conn.closed, { closeCode: 7, reason: "seven" });
    assert.deepEqual(await within(sc.closed, 3000, "server closed"), {
      closeCode: 7,
      reason: "seven",
    });
    const st = conn.getStats();
    assert.ok(st.packetsSent > 0 && st.bytesReceived > 0 && st.rtt > 0 && st.congestionWindow > 0);
    ep.close();
  }
});

Deno.test("driver: write() backpressure and pull-based flow control", async () => {
  // The server grants 64 KiB per stream; the client buffers at most 64 KiB.
  const { ep, l } = server("127.0.0.1", { initialMaxStreamDataBidiRemote: 64 * 1024 });
  const serverConn = l.accept();
  const conn = await connect(ep.addr.port, "127.0.0.1", {
    transport: { streamSendBuffer: 64 * 1024 },
  });
  const sc = await serverConn;
  const s = await conn.createBidirectionalStream();
  const w = s.writable.getWriter();
  // The server does not read: writes must stall after window + send buffer.
  let written = 0;
  const writing = (async () => {
    for (let i = 0; i < 64; i++) {
      await w.write(new Uint8Array(16 * 1024));
      written += 16 * 1024;
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  const stalledAt = written;
  assert.ok(stalledAt < 1024 * 1024, `writer did not stall (${stalledAt} bytes accepted)`);
  assert.ok(stalledAt >= 64 * 1024, `writer stalled too early (${stalledAt})`);
  // Reading releases credit and the writer continues to the end.
  const r = await (async () => {
    const rr = sc.incomingBidirectionalStreams.getReader();
    const { value } = await rr.read();
    return value!;
  })();
  let got = 0;
  const reader = r.readable.getReader();
  while (got < 64 * 16 * 1024) {
    const { value, done } = await within(reader.read(), 5000, "read");
    if (done) break;
    got += value.length;
  }
  await within(writing, 5000, "writer");
  assert.equal(got, 64 * 16 * 1024);
  conn.close();
  ep.close();
});

Deno.test("driver: RESET_STREAM and STOP_SENDING codes reach the peer as typed errors", async () => {
  const { ep, l } = server();
  const sconn = l.accept();
  const conn = await connect(ep.addr.port);
  const sc = await sconn;
  const incoming = sc.incomingBidirectionalStreams.getReader();
  // Client aborts its writable with 42: the server's readable errors with code 42.
  const s1 = await conn.createBidirectionalStream();
  const w1 = s1.writable.getWriter();
  await w1.write(enc.encode("x"));
  const { value: p1 } = await incoming.read();
  await w1.abort(42);
  const e1 = await readAll(p1!.readable).then(() => undefined, (e) => e);
  assert.ok(e1 instanceof QuicStreamError);
  assert.equal(e1.kind, "reset");
  assert.equal(e1.code, 42);
  // Server cancels its readable with 9: the client's writer errors with code 9.
  const s2 = await conn.createBidirectionalStream();
  const w2 = s2.writable.getWriter();
  await w2.write(enc.encode("y"));
  const { value: p2 } = await incoming.read();
  await p2!.readable.cancel(9n);
  const e2 = await within(
    (async () => {
      for (let i = 0; i < 100; i++) {
        await w2.write(new Uint8Array(100));
        await new Promise((r) => setTimeout(r, 5));
      }
    })().then(() => undefined, (e) => e),
    5000,
    "stop sending",
  );
  assert.ok(e2 instanceof QuicStreamError);
  assert.equal(e2.kind, "stopSending");
  assert.equal(e2.code, 9);
  conn.close();
  ep.close();
});

Deno.test("driver: refused connection, dead port, wrong CA", async () => {
  const { ep, l } = server();
  (async () => {
    for await (const i of l) i.refuse();
  })();
  // The core answers the Initial before the application decides, so a
  // refusal arrives as a CONNECTION_CLOSE right after (or during) the handshake.
  const e1 = await connect(ep.addr.port).then((c) => c.closed).then(() => undefined, (e) => e);
  assert.ok(e1 instanceof QuicConnectionError, String(e1));
  assert.equal(e1.closeCode, 0x2); // CONNECTION_REFUSED
  ep.close();
  // Nothing listens: the deadline rejects instead of hanging.
  const dead = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (dead.addr as Deno.NetAddr).port;
  const t0 = performance.now();
  const e2 = await connect(port, "127.0.0.1", { timeout: 300 }).then(() => undefined, (e) => e);
  dead.close();
  assert.ok(e2 instanceof QuicConnectionError);
  assert.equal(e2.kind, "timeout");
  assert.ok(performance.now() - t0 < 3000);
  // A CA that did not issue the server certificate: the handshake fails.
  const other = makeTestCerts();
  const s2 = server();
  (async () => {
    for await (const i of s2.l) i.accept().catch(() => {});
  })();
  const e3 = await connectQuic({
    hostname: "127.0.0.1",
    port: s2.ep.addr.port,
    serverName: "localhost",
    alpnProtocols: ["t"],
    caCerts: [other.caPem],
    timeout: 3000,
  }).then(() => undefined, (e) => e);
  assert.ok(e3 instanceof QuicConnectionError);
  assert.ok(e3.closeCode >= 0x100, `expected a CRYPTO_ERROR, got ${e3.closeCode}`);
  s2.ep.close();
});

Deno.test("driver: SSLKEYLOGFILE option writes NSS key log lines", async () => {
  const file = Deno.makeTempFileSync({ suffix: ".keys" });
  try {
    const { ep, l } = server();
    const sc = l.accept();
    const conn = await connect(ep.addr.port, "127.0.0.1", { keyLogFile: file });
    await sc;
    const text = Deno.readTextFileSync(file);
    for (const label of ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"]) {
      assert.match(text, new RegExp(`^${label} [0-9a-f]{64} [0-9a-f]{64,96}$`, "m"));
    }
    conn.close();
    ep.close();
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("driver: unidirectional streams that arrive before anyone asks are kept; a 64 KB-datagram bulk echo is byte-exact", async () => {
  const { ep, l } = server();
  const conn = await connect(ep.addr.port);
  const sc = await within(l.accept(), 5000, "accept");
  // Open and finish a uni stream before the server touches incomingUnidirectionalStreams.
  const u = await conn.createUnidirectionalStream();
  const uw = u.getWriter();
  await uw.write(enc.encode("early"));
  await uw.close();
  await new Promise((r) => setTimeout(r, 100));
  const reader = sc.incomingUnidirectionalStreams.getReader();
  const first = await within(reader.read(), 5000, "queued uni stream");
  assert.equal(dec.decode(await readAll(first.value!)), "early");
  reader.releaseLock();
  // Bulk over loopback: PMTUD moves to large datagrams; every byte arrives in order.
  (async () => {
    for await (const s of sc.incomingBidirectionalStreams) {
      s.readable.pipeTo(s.writable).catch(() => {});
    }
  })().catch(() => {});
  const size = 3_000_000;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 11)) & 0xff;
  const s = await conn.createBidirectionalStream();
  const w = s.writable.getWriter();
  const echoed = readAll(s.readable);
  await w.write(data);
  await w.close();
  const got = await within(echoed, 20_000, "bulk echo");
  assert.equal(got.length, size);
  assert.ok(got.every((b, i) => b === data[i]), "byte-exact");
  assert.ok(conn.maxDatagramSize > 1200, `datagram size grew to ${conn.maxDatagramSize}`);
  conn.close({ closeCode: 0, reason: "" });
  ep.close();
  // The connection is gone: a late getter on the client yields a closed stream.
  await conn.closed.catch(() => {});
  const late = await conn.incomingUnidirectionalStreams.getReader().read();
  assert.equal(late.done, true);
});
