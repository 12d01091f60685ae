/**
 * gquic vs Deno's built-in QUIC (quinn) on the same work over loopback, the
 * server in a separate process (bench/support/perf_server.ts), the client
 * here, both speaking the perf protocol:
 * - bulk: one stream downloading 20 MB (MB/s printed);
 * - handshake: one handshake + close per iteration (iter/s = handshakes/s),
 *   resumed when the endpoint holds a ticket, and a gquic full-handshake variant;
 * - idle: 1,000 idle connections, server RSS growth per connection.
 * Run with `deno bench -A --unstable-net bench/quic_bench.ts`.
 * @module
 */
import { connectQuic, QuicEndpoint } from "../quic/api.ts";
import { type PerfConn, runPerf } from "./support/perf_proto.ts";
import { benchCerts, PerfServerProcess } from "./support/servers.ts";

const certs = benchCerts();
const servers = {
  gquic: new PerfServerProcess("gquic", certs.cert, certs.key),
  deno: new PerfServerProcess("deno", certs.cert, certs.key),
};
await servers.gquic.ready();
await servers.deno.ready();
const BULK = 20_000_000;
const IDLE = Number(Deno.env.get("GQUIC_BENCH_IDLE") ?? 1000);
const results: Record<string, number> = {};

type Impl = "gquic" | "deno";
const gquicEp = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
const denoEp = new Deno.QuicEndpoint({ hostname: "127.0.0.1", port: 0 });

function connect(
  impl: Impl,
  useSessionCache = true,
): Promise<PerfConn & { close(i?: { closeCode: number; reason: string }): void }> {
  const opts = {
    hostname: "127.0.0.1",
    port: servers[impl].port,
    serverName: "localhost",
    alpnProtocols: ["perf"],
    caCerts: [certs.caPem],
    maxIdleTimeout: 120_000,
  };
  return impl === "gquic"
    ? connectQuic({ ...opts, endpoint: gquicEp, timeout: 10_000, useSessionCache }) as never
    : Promise.resolve(Deno.connectQuic({ ...opts, endpoint: denoEp })) as never;
}

for (const impl of ["gquic", "deno"] as Impl[]) {
  Deno.bench({
    name: `${impl}: bulk 20 MB download, one stream`,
    group: "bulk",
    baseline: impl === "deno",
    n: 3,
    warmup: 1,
    async fn(b) {
      const conn = await connect(impl);
      b.start();
      const r = await runPerf(conn, BULK, 0, 1);
      b.end();
      const mbps = BULK / 1e6 / (r.ms / 1000);
      results[`${impl}.bulkMBps`] = Math.max(results[`${impl}.bulkMBps`] ?? 0, mbps);
      conn.close({ closeCode: 0, reason: "" });
    },
  });
}

// The client endpoints keep session tickets, so after the first connection
// these handshakes are resumed (PSK + ECDHE, RFC 8446 §2.2) for gquic; the
// "full" variant turns gquic's ticket cache off (certificate, signature and
// chain verification on every handshake).
Deno.bench({
  name: "gquic: sequential full handshake + close (no resumption)",
  group: "handshake",
  n: 200,
  warmup: 5,
  async fn() {
    const conn = await connect("gquic", false);
    conn.close({ closeCode: 0, reason: "" });
  },
});
for (const impl of ["gquic", "deno"] as Impl[]) {
  Deno.bench({
    name: `${impl}: sequential handshake + close`,
    group: "handshake",
    baseline: impl === "deno",
    n: 200,
    warmup: 5,
    async fn() {
      const conn = await connect(impl);
      conn.close({ closeCode: 0, reason: "" });
    },
  });
}

for (const impl of ["gquic", "deno"] as Impl[]) {
  Deno.bench({
    name: `${impl}: ${IDLE} idle connections (server RSS)`,
    group: "idle",
    baseline: impl === "deno",
    n: 1,
    warmup: 0,
    async fn() {
      const before = await servers[impl].rss();
      const conns = [];
      for (let i = 0; i < IDLE; i++) conns.push(await connect(impl));
      await new Promise((r) => setTimeout(r, 300));
      const after = await servers[impl].rss();
      const per = (after.rss - before.rss) / Math.max(1, after.conns - before.conns) / 1024;
      results[`${impl}.idleKiBPerConn`] = per;
      console.log(
        `${impl}: ${after.conns - before.conns} idle connections, server RSS +${
          ((after.rss - before.rss) / 1048576).toFixed(1)
        } MiB = ${per.toFixed(1)} KiB/connection`,
      );
      for (const c of conns) c.close({ closeCode: 0, reason: "" });
      await new Promise((r) => setTimeout(r, 300));
    },
  });
}

globalThis.addEventListener("unload", () => {
  const g = results, r = (a: number, b: number) => (a / b).toFixed(2);
  console.log(
    `quic_bench summary: bulk gquic ${g["gquic.bulkMBps"]?.toFixed(1)} MB/s vs deno ${
      g["deno.bulkMBps"]?.toFixed(1)
    } MB/s (ratio ${r(g["gquic.bulkMBps"], g["deno.bulkMBps"])}); idle gquic ${
      g["gquic.idleKiBPerConn"]?.toFixed(1)
    } KiB vs deno ${g["deno.idleKiBPerConn"]?.toFixed(1)} KiB per connection`,
  );
  servers.gquic.stop();
  servers.deno.stop();
  try {
    Deno.removeSync(certs.dir, { recursive: true });
  } catch {
    // best effort
  }
});
