/**
 * Sequential handshakes against a perf server (for profiling):
 * `deno run --unstable-net -A bench/support/handshake_client.ts --port N --ca F [--count 200]`.
 * @module
 */
import { connectQuic, QuicEndpoint } from "../../quic/api.ts";
import { parseFlags } from "./perf_proto.ts";

const f = parseFlags(Deno.args);
const count = Number(f.count ?? 200);
const endpoint = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
const opts = {
  hostname: f.hostname ?? "127.0.0.1",
  port: Number(f.port),
  serverName: "localhost",
  alpnProtocols: ["perf"],
  caCerts: [Deno.readTextFileSync(f.ca)],
  endpoint,
};
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  const c = await connectQuic(opts);
  c.close({ closeCode: 0, reason: "" });
}
const s = (performance.now() - t0) / 1000;
console.log(
  `perf: ${count} handshakes in ${(s * 1000).toFixed(0)} ms = ${(count / s).toFixed(0)}/s`,
);
await new Promise((r) => setTimeout(r, 100));
Deno.exit(0);
