/**
 * What one idle gquic connection costs the perf server process (driver and
 * core): `deno run -A --unstable-net bench/support/idle_driver_memory.ts [N]`
 * opens N idle connections, prints the server's RSS growth per connection
 * and, with GQUIC_HEAP_SNAPSHOT=DIR, writes before/after heap snapshots of
 * the server for bench/support/heap_diff.ts.
 * @module
 */
import { connectQuic, QuicEndpoint } from "../../quic/api.ts";
import { benchCerts, PerfServerProcess } from "./servers.ts";

const N = Number(Deno.args[0] ?? 300);
const certs = benchCerts();
const server = new PerfServerProcess("gquic", certs.cert, certs.key);
await server.ready();
const ep = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
const opts = {
  hostname: "127.0.0.1",
  port: server.port,
  serverName: "localhost",
  alpnProtocols: ["perf"],
  caCerts: [certs.caPem],
  maxIdleTimeout: 120_000,
  endpoint: ep,
};
// Warm-up round so code and caches are not counted.
const warm = [];
for (let i = 0; i < 50; i++) warm.push(await connectQuic(opts));
await new Promise((r) => setTimeout(r, 300));
const snap = Deno.env.get("GQUIC_HEAP_SNAPSHOT");
if (snap) await server.command(`heap ${snap}/before.heapsnapshot`, "HEAP");
const before = await server.rss();
const conns = [];
for (let i = 0; i < N; i++) conns.push(await connectQuic(opts));
await new Promise((r) => setTimeout(r, 300));
const after = await server.rss();
if (snap) await server.command(`heap ${snap}/after.heapsnapshot`, "HEAP");
const n = after.conns - before.conns;
console.log(
  `driver+core: ${n} idle connections, server RSS +${
    ((after.rss - before.rss) / 1048576).toFixed(1)
  } MiB` +
    ` = ${((after.rss - before.rss) / n / 1024).toFixed(1)} KiB/connection`,
);
for (const c of [...warm, ...conns]) c.close({ closeCode: 0, reason: "" });
await new Promise((r) => setTimeout(r, 200));
await server.stop();
Deno.removeSync(certs.dir, { recursive: true });
Deno.exit(0);
