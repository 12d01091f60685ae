/**
 * Deno's built-in QUIC (quinn) as an interop peer, run as a child process:
 *   deno run --unstable-net -A tests/interop/deno_peer.ts server --cert F --key F
 *   deno run --unstable-net -A tests/interop/deno_peer.ts client --port N --ca F --size BYTES
 * Speaks ALPN "interop". The server echoes bidi streams, answers each uni
 * stream on a new uni stream, echoes datagrams, and closes with code 42
 * "deno bye" when it receives the datagram "close". Observations are
 * printed as `EV {json}` lines on stdout for the test to check. Every wait
 * is bounded; the process exits by itself.
 * @module
 */
import { pattern, readAll } from "../support/bytes.ts";

const [mode, ...rest] = Deno.args;
const flags: Record<string, string> = {};
for (let i = 0; i < rest.length; i += 2) flags[rest[i].replace(/^--/, "")] = rest[i + 1];
const ev = (o: Record<string, unknown>) => console.log("EV " + JSON.stringify(o));
const dec = new TextDecoder();
const enc = new TextEncoder();
setTimeout(() => {
  ev({ event: "watchdog" });
  Deno.exit(3);
}, Number(flags.life ?? 60_000));

async function serveConn(conn: Deno.QuicConn): Promise<void> {
  ev({ event: "accepted", protocol: conn.protocol });
  conn.closed.then((i) => ev({ event: "closed", closeCode: i.closeCode, reason: i.reason }))
    .catch((e) => ev({ event: "closedError", message: String(e) }));
  (async () => {
    for await (const s of conn.incomingBidirectionalStreams) {
      const sid = String(s.readable.id);
      (async () => {
        const w = s.writable.getWriter();
        const r = s.readable.getReader();
        let first = true;
        try {
          for (;;) {
            const { value, done } = await r.read();
            if (done) break;
            if (first && value.length >= 4 && dec.decode(value.subarray(0, 4)) === "STOP") {
              // Ask the peer to stop sending (Deno sends STOP_SENDING with code 0).
              await r.cancel(5);
              ev({ event: "cancelled", id: sid });
              return;
            }
            first = false;
            await w.write(value);
          }
          await w.close();
        } catch (e) {
          ev({ event: "streamError", id: sid, message: String(e) });
        }
      })();
    }
  })().catch(() => {});
  (async () => {
    for await (const r of conn.incomingUnidirectionalStreams) {
      (async () => {
        try {
          const data = await readAll(r);
          const out = await conn.createUnidirectionalStream();
          const w = out.getWriter();
          await w.write(data);
          await w.close();
        } catch (e) {
          ev({ event: "uniError", message: String(e) });
        }
      })();
    }
  })().catch(() => {});
  try {
    for (;;) {
      const d = await conn.readDatagram();
      if (dec.decode(d) === "close") {
        conn.close({ closeCode: 42, reason: "deno bye" });
        break;
      }
      await conn.sendDatagram(d);
    }
  } catch {
    // closed
  }
}

if (mode === "server") {
  const ep = new Deno.QuicEndpoint({ hostname: flags.hostname ?? "127.0.0.1", port: 0 });
  const l = ep.listen({
    cert: Deno.readTextFileSync(flags.cert),
    key: Deno.readTextFileSync(flags.key),
    alpnProtocols: ["interop"],
  });
  console.log(`READY ${ep.addr.port}`);
  for await (const inc of l) {
    Promise.resolve(inc.accept()).then(serveConn).catch((e) =>
      ev({ event: "acceptError", message: String(e) })
    );
  }
} else if (mode === "client") {
  const t0 = performance.now();
  const conn = await Promise.race([
    Deno.connectQuic({
      hostname: flags.hostname ?? "127.0.0.1",
      port: Number(flags.port),
      serverName: "localhost",
      alpnProtocols: ["interop"],
      caCerts: [Deno.readTextFileSync(flags.ca)],
    }),
    new Promise<never>((_, rej) => setTimeout(() => rej(new Error("connect timeout")), 10_000)),
  ]);
  ev({ event: "connected", protocol: conn.protocol, ms: performance.now() - t0 });
  const closed = conn.closed.then((i) => ({ closeCode: i.closeCode, reason: i.reason }));
  // 1. bidi echo
  {
    const s = await conn.createBidirectionalStream();
    const w = s.writable.getWriter();
    await w.write(enc.encode("hello bidi"));
    await w.close();
    ev({ event: "bidiEcho", text: dec.decode(await readAll(s.readable)) });
  }
  // 2. uni: the gquic server answers on a new uni stream
  {
    const u = await conn.createUnidirectionalStream();
    const w = u.getWriter();
    await w.write(enc.encode("hello uni"));
    await w.close();
    const rr = conn.incomingUnidirectionalStreams.getReader();
    const { value } = await rr.read();
    rr.releaseLock();
    ev({ event: "uniEcho", text: dec.decode(await readAll(value!)) });
  }
  // 3. bulk, byte-exact in each direction
  {
    const size = Number(flags.size ?? 1_000_000);
    const data = pattern(size, 99);
    const s = await conn.createBidirectionalStream();
    const t1 = performance.now();
    const reading = readAll(s.readable);
    const w = s.writable.getWriter();
    for (let o = 0; o < size; o += 65536) {
      await w.write(data.subarray(o, Math.min(size, o + 65536)));
    }
    await w.close();
    const got = await reading;
    let same = got.length === size;
    for (let i = 0; same && i < size; i++) if (got[i] !== data[i]) same = false;
    ev({ event: "bulk", size, received: got.length, same, ms: performance.now() - t1 });
  }
  // 4. 100 concurrent streams
  {
    const one = async (i: number) => {
      const s = await conn.createBidirectionalStream({ waitUntilAvailable: true });
      const w = s.writable.getWriter();
      const d = pattern(10_000, i + 1);
      const reading = readAll(s.readable);
      await w.write(d);
      await w.close();
      const got = await reading;
      return got.length === d.length && got.every((b, k) => b === d[k]);
    };
    const ok = await Promise.all(Array.from({ length: 100 }, (_, i) => one(i)));
    ev({ event: "concurrent", ok: ok.filter(Boolean).length });
  }
  // 5. datagrams
  {
    await conn.sendDatagram(enc.encode("dgram from deno"));
    const d = await Promise.race([
      conn.readDatagram(),
      new Promise<Uint8Array>((r) => setTimeout(() => r(enc.encode("TIMEOUT")), 3000)),
    ]);
    ev({ event: "datagram", text: dec.decode(d) });
  }
  // 6. the server resets a stream ("RESET" request) and stops one ("STOP" request)
  {
    const s = await conn.createBidirectionalStream();
    const w = s.writable.getWriter();
    await w.write(enc.encode("RESET"));
    try {
      await readAll(s.readable);
      ev({ event: "resetSeen", message: "no error" });
    } catch (e) {
      ev({ event: "resetSeen", message: String(e) });
    }
    const s2 = await conn.createBidirectionalStream();
    const w2 = s2.writable.getWriter();
    await w2.write(enc.encode("STOP"));
    let msg = "no error";
    try {
      for (let i = 0; i < 100; i++) {
        await w2.write(new Uint8Array(1000));
        await new Promise((r) => setTimeout(r, 5));
      }
    } catch (e) {
      msg = String(e);
    }
    ev({ event: "stopSeen", message: msg });
  }
  // 7. the server closes with a code when asked; otherwise we close
  await conn.sendDatagram(enc.encode("close please"));
  const info = await Promise.race([
    closed,
    new Promise((r) => setTimeout(() => r("TIMEOUT"), 3000)),
  ]);
  ev({ event: "closedByServer", info });
  await new Promise((r) => setTimeout(r, 50));
  Deno.exit(0);
}
