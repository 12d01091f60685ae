/**
 * `fetch()` over HTTP/3 (RFC 9114), compatible with the global `fetch`:
 * methods, headers, streaming request and response bodies, `AbortSignal`,
 * redirects; connections pooled per origin ({@link H3Client}).
 * @module
 */
import { H3ErrorCode } from "./proto/errors.ts";
import { H3Client, type H3ClientOptions } from "./pool.ts";
import type { H3Session, StreamSink } from "./session.ts";
import {
  bodyFromSink,
  fieldsToHeaders,
  H3StreamError,
  requestFieldsFor,
  sendBody,
} from "./body.ts";
import type { ResponseHead } from "./proto/message.ts";

/**
 * `RequestInit` plus gquic's per-call connection options. Trust options
 * select a pool with those settings; `client` picks a pool explicitly.
 *
 * @example
 * ```ts
 * import type { H3RequestInit } from "@gquic/core/http3";
 * const init: H3RequestInit = { method: "POST", body: "x", caCerts: ["-----BEGIN..."] };
 * console.log(init.method);
 * ```
 */
export interface H3RequestInit extends RequestInit, Omit<H3ClientOptions, "maxPushes" | "onPush"> {
  /** The connection pool to use (default: one shared per trust setting). */
  client?: H3Client;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
const defaultClients = new Map<string, H3Client>();

function clientFor(init: H3RequestInit): H3Client {
  if (init.client) return init.client;
  const opts: H3ClientOptions = {};
  const key: unknown[] = [];
  for (
    const k of [
      "caCerts",
      "serverCertificateHashes",
      "dangerouslyDisableCertificateVerification",
      "connectTimeout",
      "idleTimeout",
      "keyLogFile",
      "maxIdleTimeout",
      "transport",
      "congestionControl",
    ] as const
  ) {
    const v = init[k];
    if (v === undefined) continue;
    (opts as Record<string, unknown>)[k] = v;
    key.push(
      k,
      k === "serverCertificateHashes"
        ? init.serverCertificateHashes!.map((h) =>
          Array.from(
            h.value instanceof ArrayBuffer
              ? new Uint8Array(h.value)
              : new Uint8Array(h.value.buffer, h.value.byteOffset, h.value.byteLength),
          )
        )
        : v,
    );
  }
  const id = JSON.stringify(key);
  let c = defaultClients.get(id);
  if (!c) {
    if (defaultClients.size >= 16) {
      const [k0, c0] = defaultClients.entries().next().value!;
      defaultClients.delete(k0);
      c0.close();
    }
    c = new H3Client(opts);
    defaultClients.set(id, c);
  }
  return c;
}

/**
 * Closes the connections pooled by {@link fetch} (clients made with
 * `new H3Client()` are closed with their own `close()`).
 *
 * @example
 * ```ts
 * import { closeFetchConnections } from "@gquic/core/http3";
 * closeFetchConnections();
 * ```
 */
export function closeFetchConnections(): void {
  for (const c of defaultClients.values()) c.close();
  defaultClients.clear();
}

/**
 * Fetches a resource over HTTP/3, like the global `fetch`. Only `https:`
 * URLs are supported. Network failures reject with a `TypeError` whose
 * `cause` is the underlying error (a `QuicConnectionError` or
 * {@link H3StreamError}).
 *
 * @example
 * ```ts ignore
 * import { fetch } from "@gquic/core/http3";
 * const res = await fetch("https://localhost:4433/", {
 *   caCerts: [await Deno.readTextFile("ca.pem")],
 * });
 * console.log(res.status, res.headers.get("content-type"), await res.text());
 * ```
 */
export function fetch(input: string | URL | Request, init: H3RequestInit = {}): Promise<Response> {
  return fetchWith(clientFor(init), input, init);
}

function networkError(message: string, cause?: unknown): TypeError {
  return new TypeError(message, cause === undefined ? undefined : { cause });
}

/** `fetch` through a given pool (used by {@link H3Client.fetch}). @internal */
export async function fetchWith(
  client: H3Client,
  input: string | URL | Request,
  init: RequestInit,
): Promise<Response> {
  let req = new Request(input, init);
  const replayBody = init.body instanceof ReadableStream ||
      (input instanceof Request && init.body === undefined && input.body !== null)
    ? undefined
    : init.body;
  const signal = req.signal;
  const mode = req.redirect;
  let redirected = false;
  for (let hops = 0;; hops++) {
    if (signal.aborted) throw signal.reason;
    const url = new URL(req.url);
    if (url.protocol !== "https:") {
      throw networkError(`HTTP/3 needs an https: URL, got ${url.href}`);
    }
    const res = await exchange(client, req, url, signal);
    if (redirected) Object.defineProperty(res, "redirected", { value: true });
    const location = res.headers.get("location");
    if (!REDIRECTS.has(res.status) || location === null || mode === "manual") return res;
    if (mode === "error") {
      await res.body?.cancel();
      throw networkError(`redirect to ${location} with redirect: "error"`);
    }
    if (hops >= MAX_REDIRECTS) {
      await res.body?.cancel();
      throw networkError("too many redirects");
    }
    await res.body?.cancel();
    const next = new URL(location, url);
    // Fetch standard §4.4 (HTTP-redirect fetch): 303, and 301/302 after
    // POST, become GET without a body; 307/308 repeat the request.
    let method = req.method;
    let body: BodyInit | null | undefined = replayBody;
    if (
      (res.status === 303 && method !== "GET" && method !== "HEAD") ||
      ((res.status === 301 || res.status === 302) && method === "POST")
    ) {
      method = "GET";
      body = null;
    } else if (req.body !== null && body === undefined && method !== "GET" && method !== "HEAD") {
      throw networkError(`cannot repeat a streamed request body for a ${res.status} redirect`);
    }
    const headers = new Headers(req.headers);
    if (body === null) {
      for (const h of ["content-type", "content-length", "content-encoding", "content-language"]) {
        headers.delete(h);
      }
    }
    if (next.origin !== url.origin) headers.delete("authorization");
    req = new Request(next, {
      method,
      headers,
      body: method === "GET" || method === "HEAD" ? null : body,
      signal,
      redirect: mode,
    });
    redirected = true;
  }
}

async function exchange(
  client: H3Client,
  req: Request,
  url: URL,
  signal: AbortSignal,
): Promise<Response> {
  const fields = requestFieldsFor(req, url);
  if (!req.headers.has("accept")) fields.push({ name: "accept", value: "*/*" });
  if (!req.headers.has("user-agent")) fields.push({ name: "user-agent", value: "gquic" });
  const hasBody = req.body !== null;
  // A request the server rejected unprocessed (GOAWAY or REQUEST_REJECTED,
  // RFC 9114 §4.1.1, §5.2) is safe to retry on a new connection.
  for (let attempt = 0;; attempt++) {
    let session: H3Session;
    try {
      // An established pooled connection is used without an await.
      session = (attempt === 0 ? client.pooled(url) : undefined) ??
        await client.session(url, attempt > 0);
    } catch (e) {
      throw networkError(`cannot connect to ${url.host}: ${(e as Error).message}`, e);
    }
    let sink: StreamSink;
    session.begin();
    try {
      sink = await session.request(fields, !hasBody);
    } catch (e) {
      session.end();
      client.released(session);
      if (attempt < 2 && !session.usable && !hasBody) continue;
      throw networkError(`request failed: ${(e as Error).message}`, e);
    }
    try {
      return await awaitResponse(client, session, sink, req, url, signal, hasBody);
    } catch (e) {
      if (
        e instanceof Retry && attempt < 2 && (!hasBody || req.bodyUsed === false)
      ) continue;
      if (e instanceof Retry) throw networkError("request rejected by server", e.cause);
      throw e;
    }
  }
}

class Retry extends Error {}

async function awaitResponse(
  client: H3Client,
  session: H3Session,
  sink: StreamSink,
  req: Request,
  url: URL,
  signal: AbortSignal,
  hasBody: boolean,
): Promise<Response> {
  const id = sink.id;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    signal.removeEventListener("abort", onAbort);
    session.release(id);
    session.end();
    client.released(session);
  };
  let abortErr: unknown;
  const onAbort = () => {
    abortErr = signal.reason;
    session.act((h3) => h3.cancelStream(id, H3ErrorCode.H3_REQUEST_CANCELLED));
    sink.push({
      type: "streamError",
      streamId: id,
      code: H3ErrorCode.H3_REQUEST_CANCELLED,
      message: "aborted",
      local: true,
    });
  };
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort();
  if (hasBody) {
    sendBody(session, id, req.body, signal).catch(() => {});
  }
  let head: ResponseHead;
  try {
    for (;;) {
      const e = await sink.next();
      if (e.type === "response") {
        head = e.head;
        break;
      }
      if (e.type === "streamError") {
        if (abortErr !== undefined) throw abortErr;
        if (e.code === H3ErrorCode.H3_REQUEST_REJECTED) {
          throw new Retry("rejected", { cause: new H3StreamError(e.code, e.message) });
        }
        throw networkError(
          `${url.host}: ${new H3StreamError(e.code, e.message).message}`,
          new H3StreamError(e.code, e.message),
        );
      }
      if (e.type === "end") throw networkError(`${url.host}: response ended without headers`);
      // informational (1xx) responses are skipped, like the global fetch
    }
  } catch (e) {
    finish();
    throw e;
  }
  const headers = fieldsToHeaders(head.headers);
  const status = head.status;
  const nullBody = req.method === "HEAD" || status === 204 || status === 205 || status === 304;
  let body: ReadableStream<Uint8Array> | null = null;
  if (nullBody) {
    // Read the stream to its end in the background to complete it.
    (async () => {
      try {
        for (;;) {
          const e = await sink.next();
          if (e.type === "end" || e.type === "streamError") break;
        }
      } finally {
        finish();
      }
    })();
  } else {
    body = bodyFromSink(session, sink, H3ErrorCode.H3_REQUEST_CANCELLED, (ok, err) => {
      if (!ok && err && abortErr === undefined) {
        // Cancelled or failed body: make sure the request side is gone too.
        session.act((h3) => h3.cancelStream(id, H3ErrorCode.H3_REQUEST_CANCELLED));
      }
      finish();
    });
  }
  let res: Response;
  try {
    res = new Response(body, {
      status,
      statusText: "",
      headers,
    });
  } catch (e) {
    body?.cancel().catch(() => {});
    throw networkError(`${url.host}: invalid response status ${status}`, e);
  }
  Object.defineProperty(res, "url", { value: url.href });
  return res;
}
