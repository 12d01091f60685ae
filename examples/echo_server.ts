/**
 * QUIC echo server (ALPN "echo"): echoes every bidirectional stream and
 * answers each unidirectional stream on a new one; echoes datagrams.
 *
 *   deno run --unstable-net -A examples/echo_server.ts --hostname 127.0.0.1 --port 4433 \
 *     --cert cert.pem --key key.pem
 * @module
 */
import { QuicEndpoint } from "@gquic/core/quic";
import type { QuicConn } from "@gquic/core/quic";
import { flags } from "./_args.ts";

const f = flags();
const endpoint = new QuicEndpoint({
  hostname: f.hostname ?? "127.0.0.1",
  port: Number(f.port ?? 4433),
});
const listener = endpoint.listen({
  cert: await Deno.readTextFile(f.cert),
  key: await Deno.readTextFile(f.key),
  alpnProtocols: ["echo"],
});
console.log(`echo server on ${endpoint.addr.hostname}:${endpoint.addr.port}`);

async function serve(conn: QuicConn): Promise<void> {
  (async () => {
    for await (const { readable, writable } of conn.incomingBidirectionalStreams) {
      readable.pipeTo(writable).catch(() => {});
    }
  })();
  (async () => {
    for await (const r of conn.incomingUnidirectionalStreams) {
      conn.createUnidirectionalStream().then((w) => r.pipeTo(w)).catch(() => {});
    }
  })();
  try {
    for (;;) await conn.sendDatagram(await conn.readDatagram());
  } catch {
    // connection closed
  }
}

for await (const incoming of listener) {
  incoming.accept().then(serve).catch((e) => console.error("handshake failed:", e.message));
}
