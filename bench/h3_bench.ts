/**
 * HTTP/3: gquic's server (`cli.ts serve`, a separate process) vs ngtcp2's
 * `gtlsserver` serving the same directory, both measured with gquic's own
 * `fetch()` client in this process, in one run:
 * - a 10 MB download (one request per iteration);
 * - 1,000 sequential small requests (one iteration = 1,000 requests);
 * - 10 concurrent small requests on one connection (iter/s × 10 = req/s).
 * The unload handler prints the gquic/ngtcp2 ratios.
 * Run with `deno bench -A --unstable-net bench/h3_bench.ts`.
 * @module
 */
import { H3Client } from "../http3/mod.ts";
import { benchCerts } from "./support/servers.ts";

const certs = benchCerts();
const dir = certs.dir;
const BIG = 10 * 1024 * 1024;
const big = new Uint8Array(BIG);
for (let i = 0; i < BIG; i++) big[i] = (i * 31 + (i >> 11)) & 255;
Deno.mkdirSync(`${dir}/www`);
Deno.writeFileSync(`${dir}/www/big.bin`, big);
Deno.writeTextFileSync(`${dir}/www/small.txt`, "x".repeat(100));

function freePort(): number {
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const p = (s.addr as Deno.NetAddr).port;
  s.close();
  return p;
}

type Impl = "gquic" | "ngtcp2";
const ports: Record<Impl, number> = { gquic: freePort(), ngtcp2: freePort() };
const children: Deno.ChildProcess[] = [
  new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-net",
      new URL("../cli.ts", import.meta.url).pathname,
      "serve",
      `${dir}/www`,
      "--hostname",
      "127.0.0.1",
      "--port",
      String(ports.gquic),
      "--cert",
      certs.cert,
      "--key",
      certs.key,
      "--quiet",
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn(),
  new Deno.Command("gtlsserver", {
    args: ["-q", "-d", `${dir}/www`, "127.0.0.1", String(ports.ngtcp2), certs.key, certs.cert],
    stdout: "null",
    stderr: "null",
  }).spawn(),
];
globalThis.addEventListener("unload", () => {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch {
      // gone
    }
  }
});

const clients: Record<Impl, H3Client> = {
  gquic: new H3Client({ caCerts: [certs.caPem], idleTimeout: 600_000 }),
  ngtcp2: new H3Client({ caCerts: [certs.caPem], idleTimeout: 600_000 }),
};
const url = (impl: Impl, p: string) => `https://localhost:${ports[impl]}/${p}`;

async function get(impl: Impl, p: string): Promise<number> {
  const r = await clients[impl].fetch(url(impl, p));
  let n = 0;
  for await (const c of r.body!) n += c.length;
  return n;
}

// Wait for both servers (bounded).
for (const impl of ["gquic", "ngtcp2"] as Impl[]) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await get(impl, "small.txt")) === 100) break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${impl} server not ready: ${e}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const best: Record<string, number> = {};
const record = (k: string, v: number) => (best[k] = Math.max(best[k] ?? 0, v));

for (const impl of ["gquic", "ngtcp2"] as Impl[]) {
  Deno.bench({
    name: `${impl} server: 10 MB download`,
    group: "download",
    baseline: impl === "ngtcp2",
    n: 5,
    warmup: 1,
    async fn(b) {
      b.start();
      const n = await get(impl, "big.bin");
      b.end();
      if (n !== BIG) throw new Error(`${impl}: got ${n} bytes`);
    },
  });
}

for (const impl of ["gquic", "ngtcp2"] as Impl[]) {
  Deno.bench({
    name: `${impl} server: 1,000 sequential small requests`,
    group: "sequential",
    baseline: impl === "ngtcp2",
    n: 3,
    warmup: 1,
    async fn(b) {
      b.start();
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) await get(impl, "small.txt");
      b.end();
      record(`${impl}.seqReqPerS`, 1000 / ((performance.now() - t0) / 1000));
    },
  });
}

for (const impl of ["gquic", "ngtcp2"] as Impl[]) {
  Deno.bench({
    name: `${impl} server: 10 concurrent small requests`,
    group: "concurrent",
    baseline: impl === "ngtcp2",
    n: 200,
    warmup: 20,
    async fn(b) {
      b.start();
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 10 }, () => get(impl, "small.txt")));
      b.end();
      record(`${impl}.concReqPerS`, 10 / ((performance.now() - t0) / 1000));
    },
  });
}

for (const impl of ["gquic", "ngtcp2"] as Impl[]) {
  Deno.bench({
    name: `${impl} server: 10 MB download (throughput sample)`,
    group: "throughput",
    baseline: impl === "ngtcp2",
    n: 3,
    warmup: 0,
    async fn() {
      const t0 = performance.now();
      await get(impl, "big.bin");
      record(`${impl}.downMBps`, BIG / 1e6 / ((performance.now() - t0) / 1000));
    },
  });
}

globalThis.addEventListener("unload", () => {
  const r = (k: string) => (best[`gquic.${k}`] / best[`ngtcp2.${k}`]).toFixed(2);
  const f = (k: string) =>
    `${best[`gquic.${k}`]?.toFixed(0)} vs ${best[`ngtcp2.${k}`]?.toFixed(0)}`;
  console.log(
    `h3_bench summary (gquic server vs ngtcp2 gtlsserver, gquic client): ` +
      `download MB/s ${f("downMBps")} (ratio ${r("downMBps")}); ` +
      `sequential req/s ${f("seqReqPerS")} (ratio ${r("seqReqPerS")}); ` +
      `10-concurrent req/s ${f("concReqPerS")} (ratio ${r("concReqPerS")})`,
  );
});
