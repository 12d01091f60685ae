/**
 * A static file handler for `serve()` (or `Deno.serve`): content types by
 * extension, `index.html` and directory listings, validators (ETag,
 * Last-Modified, RFC 9110 §13), and single byte-range requests (RFC 9110
 * §14) streamed from disk.
 * @module
 */
import { contentType } from "./mime.ts";
import { bytesResponse } from "./body.ts";

/**
 * Options of {@link staticFiles}.
 *
 * @example
 * ```ts
 * import type { StaticFilesOptions } from "@gquic/core/http3";
 * const o: StaticFilesOptions = { listDirectories: false };
 * console.log(o.listDirectories);
 * ```
 */
export interface StaticFilesOptions {
  /** Serve an HTML listing for directories without index.html (default true). */
  listDirectories?: boolean;
  /** Extra response headers (e.g. Alt-Svc). */
  headers?: HeadersInit;
  /**
   * Files up to this size are read in one synchronous call and sent from
   * memory (default 64 KiB; 0 streams every file). Small-file latency is
   * dominated by per-operation costs: `stat` + `open` + `read` + `close` as
   * async ops are four thread-pool round trips (≈ 50 µs idle, several
   * hundred µs on a busy machine) against ≈ 10 µs synchronously, and an
   * in-memory body lets `serve()` send headers, content and FIN together.
   */
  syncReadLimit?: number;
}

/**
 * A parsed `Range` header: the inclusive byte range to send, `"unsatisfiable"`
 * (answer 416), or null (ignore it and send the whole file).
 *
 * @example
 * ```ts
 * import type { ByteRange } from "@gquic/core/http3";
 * const r: ByteRange = { start: 0, end: 99 };
 * console.log(r);
 * ```
 */
export type ByteRange = { start: number; end: number } | "unsatisfiable" | null;

/**
 * Parses a `Range` header against a representation of `size` bytes
 * (RFC 9110 §14.1.2): `bytes=a-b`, `bytes=a-` and `bytes=-n`. Several
 * ranges, other units or malformed values are ignored (null), which §14.2
 * allows.
 *
 * @example
 * ```ts
 * import { parseRange } from "@gquic/core/http3";
 * console.log(parseRange("bytes=10-19", 100)); // { start: 10, end: 19 }
 * console.log(parseRange("bytes=-5", 100)); // { start: 95, end: 99 }
 * console.log(parseRange("bytes=200-", 100)); // "unsatisfiable"
 * ```
 */
export function parseRange(header: string, size: number): ByteRange {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1].length > 15 || m[2].length > 15) return null;
  if (m[1] === "") {
    // Suffix range: the last n bytes.
    const n = Number(m[2]);
    if (n === 0) return "unsatisfiable";
    return size === 0 ? "unsatisfiable" : { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== "" && Number(m[2]) < start) return null; // invalid: ignore (§14.1.1)
  if (start >= size) return "unsatisfiable";
  let end = m[2] === "" ? size - 1 : Number(m[2]);
  if (end >= size) end = size - 1;
  return { start, end };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Resolves a URL path inside `root`, or null if it escapes it or is malformed. */
function resolvePath(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const parts: string[] = [];
  for (const seg of decoded.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(seg);
  }
  return `${root.replace(/\/+$/, "")}/${parts.join("/")}`;
}

/** A body streaming `length` bytes of `file` from its current position, closing it at the end. */
function fileBody(file: Deno.FsFile, length: number): ReadableStream<Uint8Array> {
  let left = length;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      if (left <= 0) {
        file.close();
        c.close();
        return;
      }
      const buf = new Uint8Array(Math.min(left, 256 * 1024));
      const n = await file.read(buf);
      if (n === null || n === 0) {
        file.close();
        c.error(new Error("file shrank while being served"));
        return;
      }
      left -= n;
      c.enqueue(n === buf.length ? buf : buf.subarray(0, n));
    },
    cancel() {
      file.close();
    },
  }, { highWaterMark: 0 });
}

async function listing(dir: string, urlPath: string, headers: Headers): Promise<Response> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.isDirectory ? `${e.name}/` : e.name);
  names.sort();
  const title = escapeHtml(decodeURIComponent(urlPath));
  const items = names.map((n) =>
    `<li><a href="${encodeURIComponent(n.replace(/\/$/, ""))}${n.endsWith("/") ? "/" : ""}">${
      escapeHtml(n)
    }</a></li>`
  ).join("\n");
  headers.set("content-type", "text/html; charset=utf-8");
  return new Response(
    `<!doctype html><meta charset="utf-8"><title>Index of ${title}</title>` +
      `<h1>Index of ${title}</h1><ul>\n${items}\n</ul>\n`,
    { headers },
  );
}

/** Bytes of small files kept per handler (see {@link SmallFileCache}). */
const CACHE_BYTES = 4 * 1024 * 1024;

/**
 * Contents of small files by path with the ETag they were read under;
 * least recently added entries go first once `limit` bytes are held.
 */
class SmallFileCache {
  readonly #map = new Map<string, { etag: string; bytes: Uint8Array<ArrayBuffer> }>();
  #bytes = 0;
  constructor(readonly limit: number) {}

  get(path: string): { etag: string; bytes: Uint8Array<ArrayBuffer> } | undefined {
    return this.#map.get(path);
  }

  set(path: string, etag: string, bytes: Uint8Array<ArrayBuffer>): void {
    const old = this.#map.get(path);
    if (old) {
      this.#bytes -= old.bytes.length;
      this.#map.delete(path);
    }
    if (bytes.length > this.limit) return;
    while (this.#bytes + bytes.length > this.limit) {
      const [k, v] = this.#map.entries().next().value!;
      this.#map.delete(k);
      this.#bytes -= v.bytes.length;
    }
    this.#map.set(path, { etag, bytes });
    this.#bytes += bytes.length;
  }
}

/**
 * A handler serving files under `root` for GET and HEAD (405 otherwise),
 * with correct content types, ETag / Last-Modified validators (304), and
 * single byte ranges (206, or 416 with `Content-Range: bytes *\/size`).
 * Paths never escape `root`.
 *
 * @example
 * ```ts ignore
 * import { serve, staticFiles } from "@gquic/core/http3";
 * const files = staticFiles("./public");
 * serve({ port: 4433, cert: "...", key: "..." }, (req) => files(req));
 * ```
 */
export function staticFiles(
  root: string,
  options: StaticFilesOptions = {},
): (req: Request) => Promise<Response> {
  const cache = new SmallFileCache(CACHE_BYTES);
  return async (req: Request): Promise<Response> => {
    const headers = new Headers(options.headers);
    if (req.method !== "GET" && req.method !== "HEAD") {
      headers.set("allow", "GET, HEAD");
      return new Response("Method Not Allowed\n", { status: 405, headers });
    }
    const url = new URL(req.url);
    let path = resolvePath(root, url.pathname);
    if (path === null) return new Response("Bad Request\n", { status: 400, headers });
    let info: Deno.FileInfo;
    try {
      // A stat of a local path is a single cheap syscall: done synchronously
      // it saves a thread-pool round trip per request (see syncReadLimit).
      info = Deno.statSync(path);
      if (info.isDirectory) {
        if (!url.pathname.endsWith("/")) {
          headers.set("location", `${url.pathname}/${url.search}`);
          return new Response(null, { status: 301, headers });
        }
        try {
          const idx = `${path.replace(/\/$/, "")}/index.html`;
          info = Deno.statSync(idx);
          path = idx;
        } catch {
          if (options.listDirectories === false) {
            return new Response("Not Found\n", { status: 404, headers });
          }
          return await listing(path, url.pathname, headers);
        }
      }
    } catch {
      return new Response("Not Found\n", { status: 404, headers });
    }
    const size = info.size;
    const mtime = info.mtime?.getTime() ?? 0;
    // A strong validator from size and modification time (RFC 9110 §8.8.3).
    const etag = `"${size.toString(16)}-${Math.floor(mtime).toString(16)}"`;
    headers.set("content-type", contentType(path));
    headers.set("accept-ranges", "bytes");
    headers.set("etag", etag);
    if (info.mtime) headers.set("last-modified", info.mtime.toUTCString());
    // RFC 9110 §13.1.2 / §13.1.3: If-None-Match wins over If-Modified-Since.
    const inm = req.headers.get("if-none-match");
    const ims = req.headers.get("if-modified-since");
    if (
      (inm !== null && inm.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) ||
      (inm === null && ims !== null && info.mtime &&
        Math.floor(mtime / 1000) <= Math.floor(Date.parse(ims) / 1000))
    ) {
      return new Response(null, { status: 304, headers });
    }
    let range: ByteRange = null;
    const rh = req.headers.get("range");
    if (rh !== null) {
      const ifRange = req.headers.get("if-range");
      // RFC 9110 §13.1.5: apply the range only if the validator still matches.
      const fresh = ifRange === null || ifRange === etag ||
        (info.mtime !== null && ifRange === info.mtime.toUTCString());
      if (fresh) range = parseRange(rh, size);
    }
    if (range === "unsatisfiable") {
      headers.set("content-range", `bytes */${size}`);
      return new Response("Range Not Satisfiable\n", { status: 416, headers });
    }
    const start = range ? range.start : 0;
    const length = range ? range.end - range.start + 1 : size;
    headers.set("content-length", String(length));
    if (range) headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
    const status = range ? 206 : 200;
    if (req.method === "HEAD") return new Response(null, { status, headers });
    if (size <= (options.syncReadLimit ?? 65536)) {
      let bytes: Uint8Array<ArrayBuffer>;
      // Small files are kept while their validator (the ETag from size and
      // mtime, RFC 9110 §8.8.3) is unchanged: a stat instead of a read.
      const cached = cache.get(path);
      if (cached !== undefined && cached.etag === etag && info.mtime) {
        bytes = cached.bytes;
      } else {
        try {
          bytes = Deno.readFileSync(path);
        } catch {
          return new Response("Not Found\n", { status: 404, headers });
        }
        if (bytes.length === size && info.mtime) cache.set(path, etag, bytes);
      }
      // The file may have changed since the stat: send what was read, or
      // fall through to streaming if a range no longer fits.
      if (bytes.length === size || (!range && bytes.length > 0)) {
        if (!range) headers.set("content-length", String(bytes.length));
        // bytesResponse: serve() writes these bytes without a stream reader.
        return bytesResponse(range ? bytes.subarray(start, start + length) : bytes, {
          status,
          headers,
        });
      }
    }
    const file = await Deno.open(path, { read: true });
    if (start > 0) await file.seek(start, Deno.SeekMode.Start);
    return new Response(fileBody(file, length), { status, headers });
  };
}
