/**
 * HTTP/3 hello world: a `Deno.serve`-style handler over QUIC. Without
 * --cert/--key it makes a development certificate and prints how to open
 * the page in Chromium.
 *
 *   deno run --unstable-net -A examples/h3_hello.ts [--port 4433] [--cert cert.pem --key key.pem]
 * @module
 */
import { serve } from "@gquic/core/http3";
import { generateDevCertificate } from "@gquic/core/crypto";
import { flags } from "./_args.ts";

const f = flags();
let cert = f.cert ? await Deno.readTextFile(f.cert) : undefined;
let key = f.key ? await Deno.readTextFile(f.key) : undefined;
if (!cert || !key) {
  const dev = generateDevCertificate();
  cert = dev.certPem;
  key = dev.keyPem;
  console.log(
    `development certificate; Chromium flag: --ignore-certificate-errors-spki-list=${dev.spkiSha256Base64}`,
  );
}

serve({
  hostname: f.hostname ?? "127.0.0.1",
  port: Number(f.port ?? 4433),
  cert,
  key,
}, (req, info) =>
  new Response(
    `Hello over HTTP/3, ${info.remoteAddr.hostname}! You asked for ${new URL(req.url).pathname}\n`,
    { headers: { "content-type": "text/plain; charset=utf-8" } },
  ));
