/**
 * Perf server for the benchmarks and interop tests, on either stack:
 * `deno run --unstable-net -A bench/support/perf_server.ts --impl gquic|deno
 *  --hostname H --port N --cert F --key F`. Prints `READY <port>` once
 * listening; answers `rss` on stdin with `RSS <bytes> <connections>`.
 * @module
 */
import { QuicEndpoint } from "../../quic/api.ts";
import { parseFlags, type PerfConn, servePerfConn } from "./perf_proto.ts";

const f = parseFlags(Deno.args);
const impl = f.impl ?? "gquic";
const cert = Deno.readTextFileSync(f.cert);
const key = Deno.readTextFileSync(f.key);
const hostname = f.hostname ?? "127.0.0.1";
const port = Number(f.port ?? 0);
let conns = 0;

function track(conn: { closed: Promise<unknown> }): void {
  conns++;
  conn.closed.catch(() => {}).finally(() => conns--);
}

if (impl === "deno") {
  const ep = new Deno.QuicEndpoint({ hostname, port });
  const l = ep.listen({ cert, key, alpnProtocols: ["perf"], maxIdleTimeout: 120_000 });
  console.log(`READY ${ep.addr.port}`);
  (async () => {
    for await (const inc of l) {
      Promise.resolve(inc.accept()).then((c) => {
        track(c);
        servePerfConn(c as unknown as PerfConn);
      }).catch(() => {});
    }
  })();
} else {
  const ep = new QuicEndpoint({ hostname, port });
  // Experiments: GQUIC_TRANSPORT='{"pacing":false}' overrides core transport settings.
  const transport = JSON.parse(Deno.env.get("GQUIC_TRANSPORT") ?? "{}");
  const l = ep.listen({
    cert,
    key,
    alpnProtocols: ["perf"],
    maxIdleTimeout: 120_000,
    transport,
  });
  console.log(`READY ${ep.addr.port}`);
  (async () => {
    for await (const inc of l) {
      Promise.resolve(inc.accept()).then((c) => {
        track(c);
        if (Deno.env.get("GQUIC_PERF_STATS")) {
          // Diagnostics: the core's counters when the connection ends.
          const core = c.core;
          c.closed.catch(() => {}).finally(() =>
            console.error("STATS", JSON.stringify(core.getStats()))
          );
        }
        servePerfConn(c);
      }).catch(() => {});
    }
  })();
}

// Control channel: "rss" → current resident set size and connection count.
const dec = new TextDecoder();
for await (const chunk of Deno.stdin.readable) {
  for (const line of dec.decode(chunk).split("\n")) {
    if (line.trim() === "rss") {
      const status = Deno.readTextFileSync("/proc/self/status");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      console.log(`RSS ${kb * 1024} ${conns}`);
    } else if (line.trim() === "gc") {
      (globalThis as { gc?: () => void }).gc?.();
      console.log("GC");
    } else if (line.startsWith("heap ")) {
      // Diagnostics: a V8 heap snapshot (compare two with heap_diff.ts).
      const v8 = await import("node:v8");
      v8.writeHeapSnapshot(line.slice(5).trim());
      console.log("HEAP");
    } else if (line.trim() === "exit") {
      Deno.exit(0);
    }
  }
}
Deno.exit(0);
