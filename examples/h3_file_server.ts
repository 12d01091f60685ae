/**
 * An HTTP/3 static file server (content types, index.html, directory
 * listings, byte ranges, ETag/304).
 *
 *   deno run --unstable-net -A examples/h3_file_server.ts --dir ./public --port 4433 \
 *     --cert cert.pem --key key.pem
 * @module
 */
import { serve, staticFiles } from "@gquic/core/http3";
import { generateDevCertificate } from "@gquic/core/crypto";
import { flags } from "./_args.ts";

const f = flags();
const dev = f.cert ? undefined : generateDevCertificate();
const files = staticFiles(f.dir ?? ".");
const server = serve({
  hostname: f.hostname ?? "127.0.0.1",
  port: Number(f.port ?? 4433),
  cert: dev ? dev.certPem : await Deno.readTextFile(f.cert),
  key: dev ? dev.keyPem : await Deno.readTextFile(f.key),
}, async (req) => {
  const res = await files(req);
  console.log(req.method, new URL(req.url).pathname, res.status);
  return res;
});
if (dev) console.log(`SPKI pin for Chromium: ${dev.spkiSha256Base64}`);
Deno.addSignalListener("SIGINT", () => server.shutdown());
await server.finished;
