/**
 * `serve()`: an HTTP/3 server with a Fetch-API handler, shaped like
 * `Deno.serve` (RFC 9114 over gquic's QUIC endpoint).
 * @module
 */
import { QuicEndpoint } from "../quic/endpoint.ts";
import type { QuicConn } from "../quic/conn.ts";
import type { QuicNetAddr, QuicTransportOptions } from "../quic/api_types.ts";
import { H3ErrorCode } from "./proto/errors.ts";
import type { RequestHead } from "./proto/message.ts";
import { H3Session, type StreamSink } from "./session.ts";
import { type H3PushResponse, makePusher } from "./push_server.ts";
import {
  bodyFromSink,
  drainSink,
  fieldsToHeaders,
  H3StreamError,
  inMemoryBody,
  responseToFields,
  sendBody,
} from "./body.ts";

/**
 * What a handler learns about a request besides the `Request` (like
 * `Deno.ServeHandlerInfo`).
 *
 * @example
 * ```ts
 * import type { H3ServeHandlerInfo } from "@gquic/core/http3";
 * const log = (info: H3ServeHandlerInfo) => console.log(info.remoteAddr.hostname);
 * console.log(typeof log);
 * ```
 */
export interface H3ServeHandlerInfo {
  /** The client's UDP address. */
  remoteAddr: QuicNetAddr;
  /** Resolves when the response was sent completely (or failed). */
  completed: Promise<void>;
  /**
   * Server push (RFC 9114 §4.6): promises `target` (a same-origin URL,
   * resolved against the request URL, or a GET/HEAD `Request`) and sends
   * `response` on a push stream. Returns false, without calling a
   * `response` function, when the push cannot be promised: the client's
   * MAX_PUSH_ID does not allow it (clients refuse pushes by default), the
   * response was already sent, or too many pushes are pending. Call it
   * before returning the main response so the client learns of the push
   * before it parses the page. Throws TypeError for a cross-origin target
   * or an unsafe method.
   *
   * @example
   * ```ts ignore
   * import { serve } from "@gquic/core/http3";
   * serve({ port: 4433, cert: "...", key: "..." }, (_req, info) => {
   *   info.push("/style.css", () => new Response("p { color: teal }"));
   *   return new Response('<link rel="stylesheet" href="/style.css"><p>hi');
   * });
   * ```
   */
  push(target: string | URL | Request, response: H3PushResponse): boolean;
}

/**
 * A request handler: a `Request` in, a `Response` out (Deno.serve's shape).
 *
 * @example
 * ```ts
 * import type { H3Handler } from "@gquic/core/http3";
 * const h: H3Handler = (req) => new Response(`you asked for ${new URL(req.url).pathname}`);
 * console.log(typeof h);
 * ```
 */
export type H3Handler = (
  request: Request,
  info: H3ServeHandlerInfo,
) => Response | Promise<Response>;

/**
 * Options of {@link serve}; the names follow `Deno.ServeTlsOptions`.
 *
 * @example
 * ```ts
 * import type { H3ServeOptions } from "@gquic/core/http3";
 * const o: H3ServeOptions = { hostname: "127.0.0.1", port: 4433, cert: "...", key: "..." };
 * console.log(o.port);
 * ```
 */
export interface H3ServeOptions extends QuicTransportOptions {
  /** UDP port (default 8000; 0 picks a free one). */
  port?: number;
  /** Address to bind (default "0.0.0.0"). */
  hostname?: string;
  /** Certificate chain, PEM, leaf first. */
  cert: string;
  /** Private key, PEM. */
  key: string;
  /** Called once listening (default: logs the URL). */
  onListen?: (addr: QuicNetAddr) => void;
  /** Turns a handler exception into a response (default: logs it and answers 500). */
  onError?: (error: unknown) => Response | Promise<Response>;
  /** Aborting shuts the server down gracefully. */
  signal?: AbortSignal;
  /** The handler, when not passed separately. */
  handler?: H3Handler;
  /** gquic: send Retry to validate client addresses (RFC 9000 §8.1.2). */
  retry?: boolean;
  /** gquic: largest request header section accepted (default 64 KiB). */
  maxFieldSectionSize?: number;
}

/**
 * A running HTTP/3 server (like `Deno.HttpServer`).
 *
 * @example
 * ```ts ignore
 * import { serve } from "@gquic/core/http3";
 * const server = serve({ port: 0, cert: "...", key: "..." }, () => new Response("hi"));
 * console.log(server.addr.port);
 * await server.shutdown();
 * ```
 */
export interface H3Server {
  /** The bound UDP address. */
  readonly addr: QuicNetAddr;
  /** Resolves once the server has shut down. */
  readonly finished: Promise<void>;
  /** Graceful shutdown: GOAWAY (RFC 9114 §5.2), wait for in-flight requests, close. */
  shutdown(): Promise<void>;
  /** Number of open HTTP/3 connections. */
  readonly connections: number;
}

function defaultOnError(error: unknown): Response {
  console.error("gquic serve: handler error:", error);
  return new Response("Internal Server Error", { status: 500 });
}

/**
 * Largest in-memory body written in one step; larger ones go through
 * {@link sendBody}, which waits for send-buffer room between chunks.
 */
const IN_MEMORY_BURST = 64 * 1024;

/** Statuses whose responses carry no content (RFC 9110 §6.4.1). */
function nullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304 || (status >= 100 && status < 200);
}

/**
 * Serves HTTP/3 with a Fetch-API handler, like `Deno.serve`: request and
 * response bodies stream in both directions with backpressure.
 * Call as `serve(handler)` with `options.handler`, `serve(options, handler)`,
 * or `serve({ ...options, handler })`.
 *
 * @example
 * ```ts ignore
 * import { serve } from "@gquic/core/http3";
 * import { generateDevCertificate } from "@gquic/core/crypto";
 * const { certPem, keyPem } = generateDevCertificate();
 * const server = serve({ port: 4433, cert: certPem, key: keyPem }, (req, info) =>
 *   new Response(`hello ${info.remoteAddr.hostname} over HTTP/3, you asked for ${req.url}\n`));
 * await server.finished;
 * ```
 */
export function serve(options: H3ServeOptions, handler?: H3Handler): H3Server {
  const h = handler ?? options.handler;
  if (typeof h !== "function") throw new TypeError("serve: a handler function is required");
  if (!options.cert || !options.key) {
    throw new TypeError("serve: HTTP/3 needs TLS: pass `cert` and `key` (PEM)");
  }
  return new Server(options, h).api;
}

class Server {
  readonly #opts: H3ServeOptions;
  readonly #handler: H3Handler;
  readonly #endpoint: QuicEndpoint;
  readonly #sessions = new Set<H3Session>();
  #shuttingDown: Promise<void> | undefined;
  #finishedResolve!: () => void;
  readonly #finished = new Promise<void>((r) => (this.#finishedResolve = r));
  readonly #listener;
  readonly api: H3Server;

  constructor(opts: H3ServeOptions, handler: H3Handler) {
    this.#opts = opts;
    this.#handler = handler;
    this.#endpoint = new QuicEndpoint({
      hostname: opts.hostname ?? "0.0.0.0",
      port: opts.port ?? 8000,
    });
    try {
      this.#listener = this.#endpoint.listen({
        ...opts,
        cert: opts.cert,
        key: opts.key,
        alpnProtocols: ["h3"],
        retry: opts.retry,
      });
    } catch (e) {
      this.#endpoint.close();
      throw e;
    }
    const addr = this.#endpoint.addr;
    const sessions = this.#sessions;
    this.api = {
      addr,
      finished: this.#finished,
      shutdown: () => this.shutdown(),
      get connections() {
        return sessions.size;
      },
    };
    if (opts.onListen) opts.onListen(addr);
    else {
      const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
      console.log(`Listening on https://${host}:${addr.port}/ (HTTP/3)`);
    }
    if (opts.signal) {
      if (opts.signal.aborted) queueMicrotask(() => this.shutdown());
      else opts.signal.addEventListener("abort", () => this.shutdown(), { once: true });
    }
    this.#acceptLoop();
  }

  async #acceptLoop(): Promise<void> {
    for await (const incoming of this.#listener) {
      incoming.accept().then((conn) => this.#onConn(conn), () => {});
    }
  }

  async #onConn(conn: QuicConn): Promise<void> {
    if (this.#shuttingDown) {
      conn.close({ closeCode: H3ErrorCode.H3_NO_ERROR, reason: "shutting down" });
      return;
    }
    let session: H3Session;
    try {
      session = await H3Session.open(conn, "server", {
        maxFieldSectionSize: this.#opts.maxFieldSectionSize,
        onStream: (sink, s) => this.#onStream(s, sink, conn.remoteAddr),
      });
    } catch {
      conn.close({ closeCode: H3ErrorCode.H3_INTERNAL_ERROR, reason: "setup failed" });
      return;
    }
    this.#sessions.add(session);
    session.closed.then(() => this.#sessions.delete(session));
  }

  async #onStream(session: H3Session, sink: StreamSink, remoteAddr: QuicNetAddr): Promise<void> {
    session.begin();
    let completedResolve!: () => void;
    const completed = new Promise<void>((r) => (completedResolve = r));
    try {
      const first = await sink.next();
      if (first.type !== "request") return;
      await this.#respond(session, sink, first.head, remoteAddr, completed);
    } catch {
      // stream or connection failure: nothing to answer
    } finally {
      session.release(sink.id);
      completedResolve();
      session.end();
    }
  }

  async #respond(
    session: H3Session,
    sink: StreamSink,
    head: RequestHead,
    remoteAddr: QuicNetAddr,
    completed: Promise<void>,
  ): Promise<void> {
    const id = sink.id;
    const abort = new AbortController();
    let bodyDone = false;
    const method = head.method;
    const hasBody = method !== "GET" && method !== "HEAD";
    const onBodyDone = (ok: boolean, err?: Error) => {
      bodyDone = true;
      if (!ok && err && !(err.message.includes("body cancelled"))) abort.abort(err);
    };
    // GET/HEAD: no ReadableStream; read the (normally empty) request to its
    // end in the background so the stream completes; a reset aborts the
    // handler's signal.
    const body = hasBody ? bodyFromSink(session, sink, H3ErrorCode.H3_NO_ERROR, onBodyDone) : null;
    if (!hasBody) drainSink(sink, onBodyDone);
    const authority = head.authority ?? "localhost";
    let request: Request;
    try {
      request = new Request(`https://${authority}${head.path ?? "/"}`, {
        method,
        headers: fieldsToHeaders(head.headers),
        body,
        signal: abort.signal,
        // @ts-ignore: `duplex` is required for streaming bodies (Fetch standard)
        duplex: "half",
      });
    } catch {
      session.act((h3) =>
        h3.sendResponse(id, [{ name: ":status", value: "400" }], { endStream: true })
      );
      return;
    }
    let response: Response;
    try {
      // The pusher (and its URL parse) is made on first use only.
      let pusher: H3ServeHandlerInfo["push"] | undefined;
      const push: H3ServeHandlerInfo["push"] = (target, res) =>
        (pusher ??= makePusher(session, id, new URL(request.url)))(target, res);
      const r = this.#handler(request, { remoteAddr, completed, push });
      // A synchronous handler's Response is used without an extra await.
      response = r instanceof Response ? r : await r;
      if (!(response instanceof Response)) throw new TypeError("handler did not return a Response");
    } catch (e) {
      try {
        response = await (this.#opts.onError ?? defaultOnError)(e);
      } catch (e2) {
        response = defaultOnError(e2);
      }
    }
    if (!session.writable(id)) {
      response.body?.cancel().catch(() => {});
      return;
    }
    const noContent = method === "HEAD" || nullBodyStatus(response.status) || !response.body;
    const fields = responseToFields(response);
    if (!response.body && !response.headers.has("content-length") && method !== "HEAD") {
      if (!nullBodyStatus(response.status)) fields.push({ name: "content-length", value: "0" });
    }
    const bytes = noContent ? undefined : inMemoryBody(response);
    if (noContent) {
      session.act((h3) => h3.sendResponse(id, fields, { endStream: true }));
      response.body?.cancel().catch(() => {});
    } else if (bytes !== undefined && bytes.length <= IN_MEMORY_BURST) {
      // An in-memory body: header section, content and FIN in one step
      // (RFC 9114 §4.1), with no stream reader and no await.
      session.act((h3) => {
        h3.sendResponse(id, fields);
        h3.sendData(id, bytes, true);
      });
    } else if (
      !await sendBody(session, id, response.body, abort.signal, (h3) => h3.sendResponse(id, fields))
    ) {
      // The client stopped reading (STOP_SENDING) or the body failed: the
      // request is over for the handler too.
      abort.abort(new H3StreamError(H3ErrorCode.H3_REQUEST_CANCELLED, "response not delivered"));
    }
    // RFC 9114 §4.1: a complete response may be sent before the request body
    // ended; the server then asks the client to stop with H3_NO_ERROR.
    if (body && !bodyDone) body.cancel().catch(() => {});
  }

  shutdown(): Promise<void> {
    this.#shuttingDown ??= (async () => {
      this.#listener.stop();
      await Promise.all([...this.#sessions].map(async (s) => {
        if (!s.h3.closed) {
          try {
            s.act((h3) => h3.goaway());
          } catch {
            // connection already closing
          }
        }
        await s.idle();
        await s.delivered(1000);
        if (!s.h3.closed) s.act((h3) => h3.close(H3ErrorCode.H3_NO_ERROR, "shutdown"));
        await Promise.race([s.conn.closed.catch(() => {}), delay(1000)]);
      }));
      this.#endpoint.close();
      await Promise.race([this.#endpoint.finished, delay(3000)]);
      this.#finishedResolve();
    })();
    return this.#shuttingDown;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    Deno.unrefTimer(t);
  });
}
