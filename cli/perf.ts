/**
 * `gquic perf`: client and server for the QUIC perf protocol
 * (draft-banks-quic-performance, ALPN "perf"): the client sends the number
 * of bytes it wants as a 64-bit big-endian integer, then its upload, then
 * FIN; the server answers with that many bytes and FIN.
 * @module
 */
import { QuicEndpoint } from "../quic/endpoint.ts";
import { connectQuic } from "../quic/connect.ts";
import type { QuicBidirectionalStream } from "../quic/stream.ts";
import { generateDevCertificate } from "../crypto/dev_cert.ts";
import { parseArgs, portOption, str, UsageError } from "./args.ts";
import { describeError } from "./errors.ts";
import { CommandError } from "./get.ts";
import { formatBytes } from "./progress.ts";

/** Usage text. */
export const PERF_USAGE = "gquic perf server [--hostname H] [--port N] [--cert F --key F]\n" +
  "gquic perf client HOST:PORT [--download BYTES] [--upload BYTES] [--streams N] [--ca F] [--insecure]";

const CHUNK = new Uint8Array(64 * 1024);

/** Parses 10M / 1G / 512K / plain numbers. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(s);
  if (!m) throw new UsageError(`invalid size ${s}`);
  const mult = { "": 1, k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase() as "" | "k" | "m" | "g"];
  return Math.round(Number(m[1]) * mult);
}

async function serveStream(s: QuicBidirectionalStream): Promise<void> {
  const r = s.readable.getReader();
  const head = new Uint8Array(8);
  let got = 0;
  for (;;) {
    const x = await r.read();
    if (x.done) break;
    if (got < 8) {
      const take = Math.min(8 - got, x.value.length);
      head.set(x.value.subarray(0, take), got);
      got += take;
    }
  }
  if (got < 8) {
    await s.writable.abort(0);
    return;
  }
  let left = Number(new DataView(head.buffer).getBigUint64(0));
  const w = s.writable.getWriter();
  while (left > 0) {
    const n = Math.min(left, CHUNK.length);
    await w.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
    left -= n;
  }
  await w.close();
}

async function perfServer(args: string[], signal?: AbortSignal): Promise<number> {
  const a = parseArgs(args, ["hostname", "port", "cert", "key", "keylog"], []);
  const certFile = str(a.options.cert), keyFile = str(a.options.key);
  let cert: string, key: string;
  if (certFile && keyFile) {
    cert = Deno.readTextFileSync(certFile);
    key = Deno.readTextFileSync(keyFile);
  } else {
    const dev = generateDevCertificate();
    cert = dev.certPem;
    key = dev.keyPem;
  }
  const ep = new QuicEndpoint({
    hostname: str(a.options.hostname) ?? "127.0.0.1",
    port: portOption(a.options.port, 4433),
  });
  const listener = ep.listen({
    cert,
    key,
    alpnProtocols: ["perf"],
    keyLogFile: str(a.options.keylog),
  });
  console.log(`gquic perf server on ${ep.addr.hostname}:${ep.addr.port}`);
  const stop = () => ep.close();
  signal?.addEventListener("abort", stop, { once: true });
  Deno.addSignalListener("SIGINT", stop);
  try {
    for await (const incoming of listener) {
      incoming.accept().then(async (conn) => {
        for await (const s of conn.incomingBidirectionalStreams) serveStream(s).catch(() => {});
      }).catch(() => {});
    }
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
  }
  return 0;
}

/** One perf request: upload `up` bytes, download `down`; resolves with bytes received. */
async function perfRequest(s: QuicBidirectionalStream, down: number, up: number): Promise<number> {
  const w = s.writable.getWriter();
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(down));
  const sending = (async () => {
    await w.write(head);
    let left = up;
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      await w.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      left -= n;
    }
    await w.close();
  })();
  let got = 0;
  for await (const c of s.readable) got += c.length;
  await sending;
  return got;
}

async function perfClient(args: string[]): Promise<number> {
  const a = parseArgs(args, ["download", "upload", "streams", "ca", "keylog", "timeout"], [
    "insecure",
  ]);
  if (a.positional.length !== 1) throw new UsageError("perf client needs HOST:PORT");
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(a.positional[0]);
  if (!m) throw new UsageError(`expected HOST:PORT, got ${a.positional[0]}`);
  const down = parseSize(str(a.options.download) ?? "10M");
  const up = parseSize(str(a.options.upload) ?? "0");
  const streams = Number(str(a.options.streams) ?? "1");
  if (!Number.isInteger(streams) || streams < 1 || streams > 1000) {
    throw new UsageError("invalid --streams");
  }
  const ca = str(a.options.ca);
  const target = `${m[1]}:${m[2]}`;
  const t0 = performance.now();
  let conn;
  try {
    conn = await connectQuic({
      hostname: m[1],
      port: Number(m[2]),
      serverName: m[1],
      alpnProtocols: ["perf"],
      caCerts: ca ? [Deno.readTextFileSync(ca)] : undefined,
      dangerouslyDisableCertificateVerification: a.options.insecure === true,
      keyLogFile: str(a.options.keylog),
      timeout: Number(str(a.options.timeout) ?? "10000"),
    });
  } catch (e) {
    throw new CommandError(describeError(e, target));
  }
  const tHs = performance.now();
  let total = 0;
  try {
    const results = await Promise.all(Array.from({ length: streams }, async () => {
      const s = await conn.createBidirectionalStream({ waitUntilAvailable: true });
      return perfRequest(s, down, up);
    }));
    total = results.reduce((x, y) => x + y, 0);
    if (total !== down * streams) {
      throw new CommandError(`${target}: received ${total} of ${down * streams} bytes`);
    }
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(describeError(e, target));
  } finally {
    conn.close({ closeCode: 0, reason: "done" });
    await conn.closed.catch(() => {});
  }
  const s = (performance.now() - tHs) / 1000;
  const bytes = total + up * streams;
  console.log(
    `handshake ${(tHs - t0).toFixed(1)} ms; ${streams} stream(s): down ${formatBytes(total)}, ` +
      `up ${formatBytes(up * streams)} in ${(s * 1000).toFixed(0)} ms = ` +
      `${formatBytes(bytes / s)}/s (${((bytes * 8) / s / 1e6).toFixed(0)} Mbit/s)`,
  );
  return 0;
}

/** Runs `gquic perf server|client`. */
export function perfCommand(args: string[], signal?: AbortSignal): Promise<number> {
  const [mode, ...rest] = args;
  if (mode === "server") return perfServer(rest, signal);
  if (mode === "client") return perfClient(rest);
  throw new UsageError(`perf needs "server" or "client"\n${PERF_USAGE}`);
}
