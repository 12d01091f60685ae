/**
 * `gquic get URL`: one HTTP/3 request with gquic's client; the body goes
 * to stdout or a file (with a progress bar on a terminal), `-v` shows what
 * was negotiated and the response head.
 * @module
 */
import { H3Client } from "../http3/pool.ts";
import { connInfo, formatConnInfo } from "./conn_info.ts";
import { describeError } from "./errors.ts";
import { parseArgs, str, UsageError } from "./args.ts";
import { formatBytes, ProgressBar } from "./progress.ts";

/** Usage text. */
export const GET_USAGE =
  "gquic get URL [-o FILE] [--ca FILE] [--insecure] [--keylog FILE] [--timeout MS] [-X METHOD] [-d DATA] [-v]";

/** A failure already described in one line. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandError";
  }
}

/** Runs `gquic get`; returns the exit status. */
export async function getCommand(args: string[]): Promise<number> {
  const a = parseArgs(
    args,
    ["output", "ca", "keylog", "timeout", "request", "data"],
    ["insecure", "verbose", "help"],
    { o: "output", v: "verbose", k: "insecure", X: "request", d: "data", h: "help" },
  );
  if (a.options.help) {
    console.log(GET_USAGE);
    return 0;
  }
  if (a.positional.length !== 1) throw new UsageError(`get needs exactly one URL`);
  let url: URL;
  try {
    url = new URL(a.positional[0]);
  } catch {
    throw new UsageError(`invalid URL ${a.positional[0]}`);
  }
  if (url.protocol !== "https:") throw new UsageError(`HTTP/3 needs an https:// URL`);
  const caFile = str(a.options.ca);
  let caCerts: string[] | undefined;
  if (caFile) {
    try {
      caCerts = [Deno.readTextFileSync(caFile)];
    } catch (e) {
      throw new UsageError(`cannot read --ca ${caFile}: ${(e as Error).message}`);
    }
  }
  const timeout = a.options.timeout === undefined ? 10_000 : Number(a.options.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError("invalid --timeout");
  const verbose = a.options.verbose === true;
  const client = new H3Client({
    caCerts,
    dangerouslyDisableCertificateVerification: a.options.insecure === true,
    keyLogFile: str(a.options.keylog),
    connectTimeout: timeout,
  });
  const target = `${url.hostname}:${url.port || 443}`;
  const t0 = performance.now();
  try {
    const method = str(a.options.request) ?? (a.options.data !== undefined ? "POST" : "GET");
    let res: Response;
    try {
      res = await client.fetch(url, { method, body: str(a.options.data) });
    } catch (e) {
      throw new CommandError(describeError(e, target));
    }
    const conn = client.connectionOf(url);
    if (verbose) {
      if (conn) console.error(`* ${formatConnInfo(connInfo(conn))}`);
      console.error(`< HTTP/3 ${res.status}`);
      for (const [k, v] of res.headers) console.error(`< ${k}: ${v}`);
    }
    const out = str(a.options.output);
    const lenHeader = res.headers.get("content-length");
    const total = lenHeader !== null && /^\d+$/.test(lenHeader) ? Number(lenHeader) : null;
    let n = 0;
    const bar = out && Deno.stderr.isTerminal() ? new ProgressBar(total) : undefined;
    const file = out && out !== "-"
      ? Deno.openSync(out, { write: true, create: true, truncate: true })
      : undefined;
    try {
      if (res.body) {
        try {
          for await (const chunk of res.body) {
            if (file) {
              let off = 0;
              while (off < chunk.length) off += file.writeSync(chunk.subarray(off));
            } else {
              let off = 0;
              while (off < chunk.length) off += Deno.stdout.writeSync(chunk.subarray(off));
            }
            n += chunk.length;
            bar?.update(n);
          }
        } catch (e) {
          throw new CommandError(`${describeError(e, target)} (after ${formatBytes(n)})`);
        }
      }
    } finally {
      file?.close();
    }
    bar?.finish(n);
    if (total !== null && n !== total && method !== "HEAD") {
      throw new CommandError(`${target}: body ended after ${n} of ${total} bytes`);
    }
    const ms = performance.now() - t0;
    if (verbose) {
      console.error(
        `* ${formatBytes(n)} in ${ms.toFixed(0)} ms (${formatBytes(n / (ms / 1000))}/s)`,
      );
    }
    if (res.status >= 400) throw new CommandError(`${target}: HTTP ${res.status}`);
    return 0;
  } finally {
    client.close();
  }
}
