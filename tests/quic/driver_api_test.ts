/**
 * The driver's public API polish, gquic ↔ gquic over loopback UDP: one
 * flush per event-loop turn (a small request and its answer take one or two
 * datagrams each way), negotiated parameters (`tlsInfo`, `cipherSuite`,
 * `group`) with forced `cipherSuites` / `groups`, `closedByPeer`, the key
 * log file closed with its endpoint, the client ticket cache, and
 * `writable.close()` rejecting when the connection closes before the FIN's
 * acknowledgement.
 * @module
 */
import assert from "node:assert/strict";
import {
  type DatagramSocket,
  DenoUdpSocket,
  QuicEndpoint,
  QuicStreamError,
  type UdpAddr,
} from "../../quic/api.ts";
import { certs, connectLoopback as connect, listenLoopback as server } from "./_loopback.ts";
import { readAll, within } from "../interop/peer_process.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A UDP socket that counts the datagrams it sends. */
class CountingSocket implements DatagramSocket {
  readonly #s = DenoUdpSocket.bind({ hostname: "127.0.0.1", port: 0 });
  sent = 0;
  get localAddr(): UdpAddr {
    return this.#s.localAddr;
  }
  get canSend(): boolean {
    return this.#s.canSend;
  }
  receive(): Promise<[Uint8Array, UdpAddr] | null> {
    return this.#s.receive();
  }
  send(data: Uint8Array, to: UdpAddr): boolean {
    const ok = this.#s.send(data, to);
    if (ok) this.sent++;
    return ok;
  }
  onWritable(fn: () => void): void {
    this.#s.onWritable(fn);
  }
  drain(): Promise<void> {
    return this.#s.drain();
  }
  close(): void {
    this.#s.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("driver api: writes across awaits and the ACK of a request leave in one flush per turn", async () => {
  const sSock = new CountingSocket();
  const ep = new QuicEndpoint({ socket: sSock });
  const l = ep.listen({ cert: certs.chainPem, key: certs.keyPem, alpnProtocols: ["t"] });
  const cSock = new CountingSocket();
  const cep = new QuicEndpoint({ socket: cSock });
  const serving = (async () => {
    const c = await l.accept();
    for await (const s of c.incomingBidirectionalStreams) {
      // Answer in several awaited writes, like HTTP/3 headers + body + FIN.
      const req = await readAll(s.readable);
      const w = s.writable.getWriter();
      await w.write(enc.encode("re: "));
      await w.write(req);
      await w.write(enc.encode("!"));
      w.close().catch(() => {});
    }
    return c;
  })();
  const conn = await connect(ep.addr.port, { endpoint: cep });
  await sleep(100); // let the handshake's last ACKs and tickets settle
  const before = { c: cSock.sent, s: sSock.sent };
  const rounds = 5;
  for (let i = 0; i < rounds; i++) {
    const s = await conn.createBidirectionalStream();
    const w = s.writable.getWriter();
    await w.write(enc.encode("a"));
    await w.write(enc.encode("b"));
    await w.write(enc.encode(`${i}`));
    w.close().catch(() => {});
    assert.equal(dec.decode(await within(readAll(s.readable), 3000, "answer")), `re: ab${i}!`);
  }
  const c = cSock.sent - before.c, s = sSock.sent - before.s;
  // Measured: 7 datagrams each way for 5 requests; with a flush per
  // microtask and per received datagram it was 28 and 27 (one per write,
  // ACKs alone before the answer).
  assert.ok(c <= 2 * rounds, `client sent ${c} datagrams for ${rounds} requests`);
  assert.ok(s <= 2 * rounds, `server sent ${s} datagrams for ${rounds} requests`);
  conn.close();
  await conn.closed;
  (await serving).close();
  ep.close();
  cep.close();
  await Promise.all([ep.finished, cep.finished]);
});

Deno.test("driver api: tlsInfo reports the negotiated parameters; cipherSuites/groups force AES-256-GCM and P-256", async () => {
  const { ep, l } = server();
  // Client-side preference.
  let sc = l.accept();
  const forced = await connect(ep.addr.port, {
    cipherSuites: ["TLS_AES_256_GCM_SHA384"],
    groups: ["secp256r1"],
  });
  let srv = await within(sc, 3000, "accept");
  for (const c of [forced, srv]) {
    assert.equal(c.cipherSuite, "TLS_AES_256_GCM_SHA384");
    assert.equal(c.group, "secp256r1");
    assert.equal(c.version, 1);
    assert.deepEqual(c.tlsInfo, {
      version: 1,
      versionName: "QUIC v1",
      cipherSuite: "TLS_AES_256_GCM_SHA384",
      cipherSuiteCode: 0x1302,
      group: "secp256r1",
      groupCode: 0x17,
      protocol: "t",
      isResumed: false,
      earlyDataStatus: "none",
    });
  }
  forced.close();
  // Default: the driver prefers ChaCha20-Poly1305.
  sc = l.accept();
  const dflt = await connect(ep.addr.port);
  srv = await within(sc, 3000, "accept");
  assert.equal(dflt.cipherSuite, "TLS_CHACHA20_POLY1305_SHA256");
  assert.equal(srv.tlsInfo?.cipherSuiteCode, 0x1303);
  assert.ok(dflt.group !== undefined && dflt.group !== "secp256r1", `default group ${dflt.group}`);
  dflt.close();
  await Promise.all([forced.closed, dflt.closed]);
  ep.close();

  // Server-side preference (codes): the client's default key share is
  // refused, HelloRetryRequest asks for P-256 (RFC 8446 §4.1.4).
  const s2 = server({ cipherSuites: [0x1302], groups: [0x17] });
  const sc2 = s2.l.accept();
  const c2 = await connect(s2.ep.addr.port);
  const srv2 = await within(sc2, 3000, "accept");
  for (const c of [c2, srv2]) {
    assert.equal(c.cipherSuite, "TLS_AES_256_GCM_SHA384");
    assert.equal(c.group, "secp256r1");
  }
  c2.close();
  await c2.closed;
  s2.ep.close();

  // Unknown names fail fast with a TypeError.
  await assert.rejects(connect(1, { cipherSuites: ["TLS_RSA_WITH_RC4"] }), TypeError);
  await assert.rejects(connect(1, { groups: [0x9999] }), TypeError);
  const ep3 = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  assert.throws(
    () =>
      ep3.listen({
        cert: certs.chainPem,
        key: certs.keyPem,
        alpnProtocols: ["t"],
        groups: ["ffdhe2048"],
      }),
    TypeError,
  );
  ep3.close();
  await Promise.all([ep.finished, s2.ep.finished, ep3.finished]);
});

Deno.test("driver api: closedByPeer tells who closed; closed keeps Deno's { closeCode, reason }", async () => {
  const { ep, l } = server();
  const sc = l.accept();
  const conn = await connect(ep.addr.port);
  const srv = await within(sc, 3000, "accept");
  assert.equal(conn.closedByPeer, undefined);
  srv.close({ closeCode: 5, reason: "server done" });
  assert.deepEqual(await within(conn.closed, 3000, "client closed"), {
    closeCode: 5,
    reason: "server done",
  });
  assert.deepEqual(await srv.closed, { closeCode: 5, reason: "server done" });
  assert.equal(conn.closedByPeer, true);
  assert.equal(srv.closedByPeer, false);
  ep.close();
  await ep.finished;
});

Deno.test("driver api: the key log file is closed when its endpoints close (resource sanitizer on)", async () => {
  const file = Deno.makeTempFileSync({ suffix: ".keys" });
  try {
    const { ep, l } = server({ keyLogFile: file });
    const cep = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
    const sc = l.accept();
    const conn = await connect(ep.addr.port, { keyLogFile: file, endpoint: cep });
    await within(sc, 3000, "accept");
    const text = Deno.readTextFileSync(file);
    // Both sides log to the same (shared, counted) file.
    const n = text.match(/^CLIENT_HANDSHAKE_TRAFFIC_SECRET /gm)?.length ?? 0;
    assert.equal(n, 2, text);
    conn.close();
    await conn.closed;
    ep.close();
    cep.close();
    // Both references released: the file is closed (else the resource sanitizer fails this test).
    await Promise.all([ep.finished, cep.finished]);
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("driver api: a client endpoint caches session tickets and resumes with them (opt-out per call and per endpoint)", async () => {
  const { ep, l } = server();
  (async () => {
    for await (const i of l) i.accept().catch(() => {});
  })();
  const cep = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  const first = await connect(ep.addr.port, { endpoint: cep });
  assert.equal(first.isResumed, false);
  await within(first.sessionTicket, 3000, "ticket");
  first.close();
  await first.closed;
  const second = await connect(ep.addr.port, { endpoint: cep });
  assert.equal(second.isResumed, true);
  assert.equal(second.tlsInfo?.isResumed, true);
  await within(second.sessionTicket, 3000, "ticket 2");
  // Opt-out per call: a full handshake although a ticket is cached.
  const third = await connect(ep.addr.port, { endpoint: cep, useSessionCache: false });
  assert.equal(third.isResumed, false);
  // Another ALPN list or trust setting does not use the cached ticket.
  const other = await connect(ep.addr.port, {
    endpoint: cep,
    dangerouslyDisableCertificateVerification: true,
  });
  assert.equal(other.isResumed, false);
  for (const c of [second, third, other]) c.close();
  await Promise.all([second.closed, third.closed, other.closed]);
  // Opt-out per endpoint.
  const nocache = new QuicEndpoint({ hostname: "127.0.0.1", port: 0, sessionCache: false });
  const a = await connect(ep.addr.port, { endpoint: nocache });
  await within(a.sessionTicket, 3000, "ticket a");
  a.close();
  await a.closed;
  const b = await connect(ep.addr.port, { endpoint: nocache });
  assert.equal(b.isResumed, false);
  b.close();
  await b.closed;
  for (const e of [ep, cep, nocache]) e.close();
  await Promise.all([ep.finished, cep.finished, nocache.finished]);
});

Deno.test("driver api: writable.close() resolves on the FIN's ACK, and rejects when the connection closes first", async () => {
  const { ep, l } = server();
  (async () => {
    const c = await l.accept();
    for await (const s of c.incomingBidirectionalStreams) readAll(s.readable).catch(() => {});
  })();
  const conn = await connect(ep.addr.port);
  // Normal case: resolves once the peer acknowledged data and FIN.
  const s1 = await conn.createBidirectionalStream();
  const w1 = s1.writable.getWriter();
  await w1.write(enc.encode("acked"));
  await within(w1.close(), 3000, "close() after ACK");
  assert.equal(conn.getStats().bytesInFlight, 0);
  // The connection closes before the FIN can be acknowledged: close() rejects.
  const s2 = await conn.createBidirectionalStream();
  const w2 = s2.writable.getWriter();
  await w2.write(enc.encode("last words"));
  const closing = w2.close().then(() => undefined, (e) => e);
  conn.close({ closeCode: 9, reason: "bye" });
  const err = await within(closing, 3000, "close settles");
  assert.ok(err instanceof QuicStreamError, `close() resolved or threw ${err}`);
  assert.equal(err.kind, "connectionClosed");
  assert.deepEqual(await conn.closed, { closeCode: 9, reason: "bye" });
  assert.equal(conn.closedByPeer, false);
  ep.close();
  await ep.finished;
});
