/**
 * Server for the QUIC perf protocol (ALPN "perf", draft-banks-quic-performance):
 * each bidirectional stream starts with the number of bytes to send back
 * (8 bytes, big-endian), then upload bytes until FIN; the server answers
 * with that many bytes and FIN.
 *
 *   deno run --unstable-net -A examples/perf_server.ts --hostname 127.0.0.1 --port 4433 \
 *     --cert chain.pem --key key.pem
 * @module
 */
import { QuicEndpoint } from "@gquic/core/quic";
import type { QuicBidirectionalStream, QuicConn } from "@gquic/core/quic";
import { flags } from "./_args.ts";

const f = flags();
const endpoint = new QuicEndpoint({
  hostname: f.hostname ?? "127.0.0.1",
  port: Number(f.port ?? 4433),
});
const listener = endpoint.listen({
  cert: await Deno.readTextFile(f.cert),
  key: await Deno.readTextFile(f.key),
  alpnProtocols: ["perf"],
});
console.log(`perf server on ${endpoint.addr.hostname}:${endpoint.addr.port}`);
const BLOCK = new Uint8Array(64 * 1024);

async function serveStream({ readable, writable }: QuicBidirectionalStream): Promise<void> {
  const header = new Uint8Array(8);
  let got = 0;
  for await (const chunk of readable) {
    if (got < 8) {
      const take = Math.min(8 - got, chunk.length);
      header.set(chunk.subarray(0, take), got);
      got += take;
    } // the rest is upload data: discarded
  }
  if (got < 8) return void await writable.abort(1);
  let left = Number(new DataView(header.buffer).getBigUint64(0));
  const w = writable.getWriter();
  while (left > 0) {
    const n = Math.min(left, BLOCK.length);
    await w.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n));
    left -= n;
  }
  await w.close();
}

async function serve(conn: QuicConn): Promise<void> {
  for await (const s of conn.incomingBidirectionalStreams) serveStream(s).catch(() => {});
}

for await (const incoming of listener) incoming.accept().then(serve).catch(() => {});
