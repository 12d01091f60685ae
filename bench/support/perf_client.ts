/**
 * Perf client on either stack: `deno run --unstable-net -A
 * bench/support/perf_client.ts --impl gquic|deno --hostname H --port N
 * --server-name S --ca F --download BYTES --upload BYTES --streams N`.
 * Prints the one-line result and a JSON line (`JSON {...}`).
 * @module
 */
import { connectQuic } from "../../quic/api.ts";
import { formatPerf, parseFlags, type PerfConn, runPerf } from "./perf_proto.ts";

const f = parseFlags(Deno.args);
const impl = f.impl ?? "gquic";
const opts = {
  hostname: f.hostname ?? "127.0.0.1",
  port: Number(f.port),
  serverName: f["server-name"] ?? "localhost",
  alpnProtocols: ["perf"],
  caCerts: [Deno.readTextFileSync(f.ca)],
};
const timeout = AbortSignal.timeout(Number(f.timeout ?? 60_000));
const conn = impl === "deno"
  ? await Promise.race([
    Deno.connectQuic(opts),
    new Promise<never>((_, rej) =>
      timeout.addEventListener("abort", () => rej(new Error("timeout")))
    ),
  ])
  : await connectQuic({
    ...opts,
    signal: timeout,
    transport: JSON.parse(Deno.env.get("GQUIC_TRANSPORT") ?? "{}"),
  });
const r = await runPerf(
  conn as unknown as PerfConn,
  Number(f.download ?? 0),
  Number(f.upload ?? 0),
  Number(f.streams ?? 1),
);
console.log(formatPerf(r));
console.log("JSON " + JSON.stringify(r));
conn.close({ closeCode: 0, reason: "done" });
await new Promise((r) => setTimeout(r, 50));
Deno.exit(0);
