/**
 * The QUIC perf protocol (draft-banks-quic-performance, ALPN `perf`) over
 * the structural subset both Deno's `Deno.QuicConn` and gquic's `QuicConn`
 * share, so the same code measures both stacks.
 * @module
 */

/** A bidirectional stream as both stacks expose it. */
export interface PerfBidi {
  /** Incoming bytes. */
  readable: ReadableStream<Uint8Array>;
  /** Outgoing bytes. */
  writable: WritableStream<Uint8Array>;
}

/** The connection subset the perf protocol needs. */
export interface PerfConn {
  /** Opens a bidirectional stream. */
  createBidirectionalStream(): Promise<PerfBidi>;
  /** Streams the peer opens. */
  readonly incomingBidirectionalStreams: ReadableStream<PerfBidi>;
}

const ZEROS = new Uint8Array(64 * 1024);

/** Writes `n` bytes of zeros in 64 KiB chunks. */
async function writeZeros(w: WritableStreamDefaultWriter<Uint8Array>, n: number): Promise<void> {
  let left = n;
  while (left > 0) {
    const k = Math.min(left, ZEROS.length);
    await w.write(k === ZEROS.length ? ZEROS : ZEROS.subarray(0, k));
    left -= k;
  }
}

/** Server side of one perf stream: read the 8-byte size, discard the upload, send the download. */
export async function servePerfStream(s: PerfBidi): Promise<void> {
  const reader = s.readable.getReader();
  const hdr = new Uint8Array(8);
  let got = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (got < 8) {
      const take = Math.min(8 - got, value.length);
      hdr.set(value.subarray(0, take), got);
      got += take;
    }
  }
  if (got < 8) throw new Error("perf: stream ended before the 8-byte size");
  const n = Number(new DataView(hdr.buffer).getBigUint64(0));
  const w = s.writable.getWriter();
  await writeZeros(w, n);
  await w.close();
}

/** Serves perf streams of a connection until it closes. */
export async function servePerfConn(conn: PerfConn): Promise<void> {
  try {
    for await (const s of conn.incomingBidirectionalStreams) {
      servePerfStream(s).catch(() => {});
    }
  } catch {
    // connection closed
  }
}

/** Result of {@link runPerf}. */
export interface PerfResult {
  /** Bytes uploaded in total. */
  uploaded: number;
  /** Bytes downloaded in total. */
  downloaded: number;
  /** Wall time in ms. */
  ms: number;
}

/** Client side: `streams` parallel streams, each uploading and downloading the given sizes. */
export async function runPerf(
  conn: PerfConn,
  download: number,
  upload: number,
  streams = 1,
): Promise<PerfResult> {
  const t0 = performance.now();
  const one = async (): Promise<number> => {
    const s = await conn.createBidirectionalStream();
    const w = s.writable.getWriter();
    const hdr = new Uint8Array(8);
    new DataView(hdr.buffer).setBigUint64(0, BigInt(download));
    const reading = (async () => {
      let n = 0;
      for await (const c of s.readable) n += c.length;
      return n;
    })();
    await w.write(hdr);
    await writeZeros(w, upload);
    await w.close();
    return await reading;
  };
  const got = await Promise.all(Array.from({ length: streams }, one));
  const downloaded = got.reduce((a, b) => a + b, 0);
  if (downloaded !== download * streams) {
    throw new Error(`perf: downloaded ${downloaded} bytes, expected ${download * streams}`);
  }
  return { uploaded: upload * streams, downloaded, ms: performance.now() - t0 };
}

/** One-line summary with MB/s. */
export function formatPerf(r: PerfResult): string {
  const s = r.ms / 1000;
  const mb = (n: number) => (n / 1e6 / s).toFixed(1);
  return `perf: uploaded ${r.uploaded} B (${mb(r.uploaded)} MB/s), downloaded ${r.downloaded} B (${
    mb(r.downloaded)
  } MB/s) in ${r.ms.toFixed(0)} ms, total ${mb(r.uploaded + r.downloaded)} MB/s`;
}

/** Tiny `--name value` parser (no dependencies). */
export function parseFlags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) continue;
    const eq = a.indexOf("=");
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith("--")) out[a.slice(2)] = args[++i];
    else out[a.slice(2)] = "true";
  }
  return out;
}
