/**
 * Interop against Deno's built-in QUIC (quinn + rustls), run as a separate
 * `deno run --unstable-net` child (tests/interop/deno_peer.ts), in both
 * directions: handshake, echo on bidi and uni streams, 50 MB each way
 * byte-exact, 100 concurrent streams, datagrams both ways, close codes and
 * reasons seen by the other side, RESET_STREAM / STOP_SENDING codes.
 * Fails (never skips) when the peer cannot run.
 * @module
 */
import assert from "node:assert/strict";
import { connectQuic, QuicEndpoint, QuicStreamError } from "../../quic/api.ts";
import type { QuicBidirectionalStream, QuicConn } from "../../quic/api.ts";
import { makeTestCerts, writeTestCerts } from "./certs.ts";
import { pattern, PeerProcess, readAll, within } from "./peer_process.ts";

const PEER = new URL("./deno_peer.ts", import.meta.url).pathname;
const BULK = 50 * 1024 * 1024;
const enc = new TextEncoder();
const dec = new TextDecoder();

function setup(): { dir: string; files: { cert: string; key: string; ca: string }; caPem: string } {
  const dir = Deno.makeTempDirSync({ prefix: "gquic-interop-" });
  const certs = makeTestCerts();
  return { dir, files: writeTestCerts(dir, certs), caPem: certs.caPem };
}

/** Streams `size` pattern bytes and checks the echo on the fly (no 50 MB buffers). */
async function bulkEcho(conn: QuicConn, size: number): Promise<void> {
  const data = pattern(1 << 20, 1234); // 1 MiB period
  const s = await conn.createBidirectionalStream();
  const checking = (async () => {
    let n = 0;
    for await (const c of s.readable) {
      for (let i = 0; i < c.length; i++) {
        if (c[i] !== data[(n + i) & ((1 << 20) - 1)]) throw new Error(`mismatch at ${n + i}`);
      }
      n += c.length;
    }
    return n;
  })();
  const w = s.writable.getWriter();
  for (let o = 0; o < size; o += 65536) {
    const k = Math.min(65536, size - o);
    const start = o & ((1 << 20) - 1);
    await w.write(data.subarray(start, start + k));
  }
  await w.close();
  assert.equal(await checking, size);
}

Deno.test("interop: gquic client → Deno QUIC server", async () => {
  const { dir, files, caPem } = setup();
  const peer = new PeerProcess([
    "run",
    "--unstable-net",
    "-A",
    PEER,
    "server",
    "--cert",
    files.cert,
    "--key",
    files.key,
  ]);
  try {
    const port = await peer.ready();
    const conn = await connectQuic({
      hostname: "127.0.0.1",
      port,
      serverName: "localhost",
      alpnProtocols: ["interop"],
      caCerts: [caPem],
      timeout: 10_000,
    });
    await conn.handshake;
    assert.equal(conn.protocol, "interop");
    assert.equal(conn.remoteAddr.port, port);

    // Echo on a bidirectional stream.
    {
      const s = await conn.createBidirectionalStream();
      const w = s.writable.getWriter();
      await w.write(enc.encode("hello "));
      await w.write(enc.encode("deno"));
      await w.close();
      assert.equal(dec.decode(await within(readAll(s.readable), 5000, "bidi echo")), "hello deno");
    }
    // Uni stream answered on a new uni stream.
    {
      const u = await conn.createUnidirectionalStream();
      const w = u.getWriter();
      await w.write(enc.encode("hello uni"));
      await w.close();
      const rr = conn.incomingUnidirectionalStreams.getReader();
      const { value } = await within(rr.read(), 5000, "incoming uni");
      rr.releaseLock();
      assert.equal(dec.decode(await readAll(value!)), "hello uni");
    }
    // 50 MB each way, byte-exact.
    const t0 = performance.now();
    await within(bulkEcho(conn, BULK), 90_000, "50 MB echo");
    const ms = performance.now() - t0;
    console.log(`gquic→deno 50 MiB echo: ${(BULK / 1e6 / (ms / 1000)).toFixed(1)} MB/s each way`);
    // 100 concurrent streams.
    {
      const one = async (i: number) => {
        const s = await conn.createBidirectionalStream({ waitUntilAvailable: true });
        const d = pattern(10_000, i + 1);
        const reading = readAll(s.readable);
        const w = s.writable.getWriter();
        await w.write(d);
        await w.close();
        assert.deepEqual(await reading, d);
      };
      await within(
        Promise.all(Array.from({ length: 100 }, (_, i) => one(i))),
        20_000,
        "100 streams",
      );
    }
    // Datagrams both ways (echoed).
    {
      assert.ok(conn.maxDatagramSize > 1000);
      await conn.sendDatagram(enc.encode("dgram from gquic"));
      assert.equal(
        dec.decode(await within(conn.readDatagram(), 3000, "datagram")),
        "dgram from gquic",
      );
    }
    // Our RESET_STREAM code reaches Deno's reader.
    {
      const s = await conn.createBidirectionalStream();
      const w = s.writable.getWriter();
      await w.write(enc.encode("data before reset"));
      await new Promise((r) => setTimeout(r, 50));
      await w.abort(77);
      const e = await peer.event("streamError", 5000, (e) => String(e.message).includes("77"));
      assert.match(String(e.message), /reset.*77|77/);
    }
    // Our STOP_SENDING code reaches Deno's writer (it echoes into a cancelled stream).
    {
      const s = await conn.createBidirectionalStream();
      const w = s.writable.getWriter();
      await s.readable.cancel(88);
      for (let i = 0; i < 20; i++) {
        await w.write(new Uint8Array(1000));
        await new Promise((r) => setTimeout(r, 5));
      }
      const e = await peer.event("streamError", 5000, (e) => String(e.message).includes("88"));
      assert.match(String(e.message), /stopped by peer: error 88/);
    }
    // Deno's STOP_SENDING (it always sends code 0) errors our writable with a typed error.
    {
      const s = await conn.createBidirectionalStream();
      const w = s.writable.getWriter();
      await w.write(enc.encode("STOP"));
      const err = await within(
        (async () => {
          for (let i = 0; i < 200; i++) {
            await w.write(new Uint8Array(1000));
            await new Promise((r) => setTimeout(r, 5));
          }
          return undefined;
        })().catch((e) => e),
        5000,
        "stop sending",
      );
      assert.ok(err instanceof QuicStreamError, `expected QuicStreamError, got ${err}`);
      assert.equal(err.kind, "stopSending");
      assert.equal(err.code, 0);
    }
    // Deno closes with 42 "deno bye": we see code and reason.
    await conn.sendDatagram(enc.encode("close"));
    assert.deepEqual(await within(conn.closed, 5000, "closed"), {
      closeCode: 42,
      reason: "deno bye",
    });

    // A second connection: we close with a code and reason; Deno sees both.
    const conn2 = await connectQuic({
      hostname: "127.0.0.1",
      port,
      serverName: "localhost",
      alpnProtocols: ["interop"],
      caCerts: [caPem],
      timeout: 10_000,
    });
    conn2.close({ closeCode: 1234, reason: "gquic bye" });
    await within(conn2.closed, 5000, "conn2 closed");
    const ev = await peer.event("closed", 5000, (e) => e.closeCode === 1234);
    assert.equal(ev.reason, "gquic bye");
  } finally {
    await peer.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("interop: Deno QUIC client → gquic server", async () => {
  const { dir, files } = setup();
  const ep = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  const listener = ep.listen({
    cert: Deno.readTextFileSync(files.cert),
    key: Deno.readTextFileSync(files.key),
    alpnProtocols: ["interop"],
  });
  const seen: { closed?: unknown } = {};
  const serveBidi = async (s: QuicBidirectionalStream) => {
    const r = s.readable.getReader();
    const w = s.writable.getWriter();
    let first = true;
    try {
      for (;;) {
        const { value, done } = await r.read();
        if (done) break;
        if (first) {
          const head = dec.decode(value.subarray(0, 5));
          if (head === "RESET") return void await w.abort(99); // RESET_STREAM(99)
          if (head.startsWith("STOP")) return void await r.cancel(88); // STOP_SENDING(88)
        }
        first = false;
        await w.write(value);
      }
      await w.close();
    } catch {
      // peer went away
    }
  };
  const serving = (async () => {
    const conn = await listener.accept();
    assert.equal(conn.protocol, "interop");
    conn.closed.then((i) => (seen.closed = i), (e) => (seen.closed = e));
    (async () => {
      for await (const s of conn.incomingBidirectionalStreams) serveBidi(s);
    })();
    (async () => {
      for await (const r of conn.incomingUnidirectionalStreams) {
        const data = await readAll(r);
        const u = await conn.createUnidirectionalStream();
        const w = u.getWriter();
        await w.write(data);
        await w.close();
      }
    })().catch(() => {});
    for (;;) {
      const d = await conn.readDatagram();
      if (dec.decode(d).startsWith("close")) {
        conn.close({ closeCode: 43, reason: "gquic bye" });
        break;
      }
      await conn.sendDatagram(d);
    }
  })();
  const peer = new PeerProcess([
    "run",
    "--unstable-net",
    "-A",
    PEER,
    "client",
    "--port",
    String(ep.addr.port),
    "--ca",
    files.ca,
    "--size",
    String(BULK),
  ]);
  try {
    assert.equal((await peer.event("connected")).protocol, "interop");
    assert.equal((await peer.event("bidiEcho")).text, "hello bidi");
    assert.equal((await peer.event("uniEcho")).text, "hello uni");
    const bulk = await peer.event("bulk", 90_000);
    assert.equal(bulk.received, BULK);
    assert.equal(bulk.same, true);
    console.log(
      `deno→gquic 50 MiB echo: ${(BULK / 1e6 / (Number(bulk.ms) / 1000)).toFixed(1)} MB/s each way`,
    );
    assert.equal((await peer.event("concurrent", 20_000)).ok, 100);
    assert.equal((await peer.event("datagram")).text, "dgram from deno");
    assert.match(String((await peer.event("resetSeen")).message), /reset by peer: error 99/);
    assert.match(String((await peer.event("stopSeen")).message), /stopped by peer: error 88/);
    assert.deepEqual((await peer.event("closedByServer")).info, {
      closeCode: 43,
      reason: "gquic bye",
    });
    await within(serving, 5000, "server loop");
    assert.equal((await peer.status).code, 0);
  } finally {
    await peer.stop();
    listener.stop();
    ep.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
