/**
 * `gquic serve [DIR]`: static files over HTTP/3, with a generated
 * development certificate (and the Chromium command line that trusts it)
 * when no --cert is given.
 * @module
 */
import { serve } from "../http3/serve.ts";
import { staticFiles } from "../http3/static_files.ts";
import { generateDevCertificate } from "../crypto/dev_cert.ts";
import { parseArgs, portOption, str, UsageError } from "./args.ts";

/** Usage text. */
export const SERVE_USAGE =
  "gquic serve [DIR] [--hostname H] [--port N] [--cert FILE --key FILE] [--keylog FILE] [--retry] [--quiet]";

/** The Chromium command line that loads `url` over HTTP/3 trusting the pinned key. */
export function chromiumCommand(host: string, port: number, spkiPin: string): string {
  const ip = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `chromium --enable-quic --origin-to-force-quic-on=localhost:${port} ` +
    `--ignore-certificate-errors-spki-list=${spkiPin} ` +
    `--host-resolver-rules="MAP localhost ${ip}" https://localhost:${port}/`;
}

/** Runs `gquic serve`; resolves when the server stopped (SIGINT/SIGTERM or `signal`). */
export async function serveCommand(args: string[], signal?: AbortSignal): Promise<number> {
  const a = parseArgs(args, ["hostname", "port", "cert", "key", "keylog"], [
    "retry",
    "quiet",
    "help",
  ], {
    h: "help",
  });
  if (a.options.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  if (a.positional.length > 1) {
    throw new UsageError(`serve takes one directory, got ${a.positional.length}`);
  }
  const dir = a.positional[0] ?? ".";
  try {
    if (!Deno.statSync(dir).isDirectory) throw new UsageError(`${dir} is not a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot serve ${dir}: ${(e as Error).message}`);
  }
  const hostname = str(a.options.hostname) ?? "127.0.0.1";
  const port = portOption(a.options.port, 4433);
  const certFile = str(a.options.cert), keyFile = str(a.options.key);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new UsageError("--cert and --key go together");
  }
  let cert: string, key: string, pin: string | undefined;
  if (certFile && keyFile) {
    try {
      cert = Deno.readTextFileSync(certFile);
      key = Deno.readTextFileSync(keyFile);
    } catch (e) {
      throw new UsageError(`cannot read certificate/key: ${(e as Error).message}`);
    }
  } else {
    const dev = generateDevCertificate();
    cert = dev.certPem;
    key = dev.keyPem;
    pin = dev.spkiSha256Base64;
  }
  const files = staticFiles(dir);
  const quiet = a.options.quiet === true;
  const ac = new AbortController();
  const stop = () => ac.abort();
  signal?.addEventListener("abort", stop, { once: true });
  const sigs: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of sigs) Deno.addSignalListener(s, stop);
  try {
    const server = serve({
      hostname,
      port,
      cert,
      key,
      keyLogFile: str(a.options.keylog),
      retry: a.options.retry === true,
      signal: ac.signal,
      onListen: (addr) => {
        const h = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
        console.log(`gquic: serving ${dir} on https://${h}:${addr.port}/ (HTTP/3 over UDP)`);
        if (pin) {
          console.log(`development certificate for localhost; SHA-256 SPKI pin: ${pin}`);
          console.log(
            `open it in Chromium with:\n  ${chromiumCommand(addr.hostname, addr.port, pin)}`,
          );
        }
      },
    }, async (req, info) => {
      if (quiet) return files(req);
      const t0 = performance.now();
      const res = await files(req);
      const path = new URL(req.url).pathname;
      console.log(
        `${info.remoteAddr.hostname} ${req.method} ${path} ${res.status} ${
          (performance.now() - t0).toFixed(1)
        } ms`,
      );
      return res;
    });
    await server.finished;
  } finally {
    for (const s of sigs) Deno.removeSignalListener(s, stop);
  }
  return 0;
}
