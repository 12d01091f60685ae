/**
 * An HTTP/3 client with gquic's `fetch()`: prints the status, headers and
 * body of one request.
 *
 *   deno run --unstable-net -A examples/h3_client.ts https://localhost:4433/ --ca ca.pem
 *   deno run --unstable-net -A examples/h3_client.ts https://localhost:4433/ --insecure
 * @module
 */
import { closeFetchConnections, fetch } from "@gquic/core/http3";
import { flags } from "./_args.ts";

const url = Deno.args.find((a) => a.startsWith("https://")) ?? "https://localhost:4433/";
const f = flags();
const res = await fetch(url, {
  caCerts: f.ca ? [await Deno.readTextFile(f.ca)] : undefined,
  dangerouslyDisableCertificateVerification: f.insecure === "true",
  signal: AbortSignal.timeout(10_000),
});
console.log(`HTTP/3 ${res.status}`);
for (const [k, v] of res.headers) console.log(`${k}: ${v}`);
console.log();
console.log(await res.text());
closeFetchConnections();
