/**
 * Client for the QUIC perf protocol (ALPN "perf"): opens `--streams`
 * bidirectional streams, each asking for `--download` bytes and uploading
 * `--upload` bytes, and prints one line with MB/s.
 *
 *   deno run --unstable-net -A examples/perf_client.ts --hostname 127.0.0.1 --port 4433 \
 *     --server-name localhost --ca ca.pem --download 100000000 --upload 0 --streams 1
 * @module
 */
import { connectQuic } from "@gquic/core/quic";
import { flags } from "./_args.ts";

const f = flags();
const download = Number(f.download ?? 10_000_000);
const upload = Number(f.upload ?? 0);
const streams = Number(f.streams ?? 1);
const conn = await connectQuic({
  hostname: f.hostname ?? "127.0.0.1",
  port: Number(f.port ?? 4433),
  serverName: f["server-name"] ?? "localhost",
  alpnProtocols: ["perf"],
  caCerts: f.ca ? [await Deno.readTextFile(f.ca)] : undefined,
  timeout: 10_000,
});
const BLOCK = new Uint8Array(64 * 1024);

async function one(): Promise<number> {
  const { readable, writable } = await conn.createBidirectionalStream({ waitUntilAvailable: true });
  const w = writable.getWriter();
  const header = new Uint8Array(8);
  new DataView(header.buffer).setBigUint64(0, BigInt(download));
  const reading = (async () => {
    let n = 0;
    for await (const chunk of readable) n += chunk.length;
    return n;
  })();
  await w.write(header);
  for (let left = upload; left > 0; left -= BLOCK.length) {
    await w.write(left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left));
  }
  await w.close();
  return await reading;
}

const t0 = performance.now();
const received = (await Promise.all(Array.from({ length: streams }, one))).reduce(
  (a, b) => a + b,
  0,
);
const secs = (performance.now() - t0) / 1000;
const mbps = (n: number) => (n / 1e6 / secs).toFixed(1);
if (received !== download * streams) console.error(`short download: ${received} bytes`);
console.log(
  `perf: ${streams} stream(s), upload ${upload * streams} B (${mbps(upload * streams)} MB/s), ` +
    `download ${received} B (${mbps(received)} MB/s), ${secs.toFixed(2)} s, ` +
    `total ${mbps(upload * streams + received)} MB/s`,
);
conn.close({ closeCode: 0, reason: "done" });
await conn.closed;
