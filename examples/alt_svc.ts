/**
 * One app on HTTP/1.1 + HTTP/2 (TCP, `Deno.serve`) and HTTP/3 (UDP,
 * gquic's `serve`) on the same port number. Every TCP response carries
 * `Alt-Svc: h3=":PORT"`, so browsers switch to HTTP/3 for later requests.
 *
 *   deno run --unstable-net -A examples/alt_svc.ts --port 8443 --cert cert.pem --key key.pem
 *   curl -k -I https://localhost:8443/        # alt-svc: h3=":8443"; ma=86400
 * @module
 */
import { serve, withAltSvc } from "@gquic/core/http3";
import { generateDevCertificate } from "@gquic/core/crypto";
import { flags } from "./_args.ts";

const f = flags();
const port = Number(f.port ?? 8443);
const dev = f.cert ? undefined : generateDevCertificate();
const cert = dev ? dev.certPem : await Deno.readTextFile(f.cert);
const key = dev ? dev.keyPem : await Deno.readTextFile(f.key);

function app(req: Request): Response {
  return new Response(`hello from ${new URL(req.url).pathname}\n`, {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

// TCP: HTTP/1.1 and HTTP/2, advertising HTTP/3.
Deno.serve({ hostname: f.hostname ?? "127.0.0.1", port, cert, key }, withAltSvc(app, { port }));
// UDP: HTTP/3 on the same port number.
serve({ hostname: f.hostname ?? "127.0.0.1", port, cert, key }, app);
