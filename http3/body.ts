/**
 * Conversions between Fetch API objects (`Request`, `Response`, `Headers`)
 * and HTTP/3 field lines, and the body pumps in both directions: a
 * `ReadableStream` fed from a stream's `data` events (pulled, so QUIC flow
 * control is the backpressure) and a writer that sends a body as DATA
 * frames, waiting for send-buffer room between chunks.
 * @module
 */
import type { FieldLine } from "../qpack/field_line.ts";
import { H3ErrorCode, h3ErrorName } from "./proto/errors.ts";
import type { H3Session, StreamSink } from "./session.ts";
import type { H3Connection } from "./proto/connection.ts";

/**
 * Connection-specific fields that HTTP/3 forbids (RFC 9114 §4.2); `host`
 * travels as `:authority` (§4.3.1).
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
]);

/**
 * Field lines for the regular (non-pseudo) headers of a `Headers` object,
 * names lower-cased, connection-specific fields dropped (RFC 9114 §4.2).
 *
 * @example
 * ```ts
 * import { headersToFields } from "@gquic/core/http3";
 * const f = headersToFields(new Headers({ "Content-Type": "text/plain", Connection: "close" }));
 * console.log(f); // [{ name: "content-type", value: "text/plain" }]
 * ```
 */
export function headersToFields(headers: Headers): FieldLine[] {
  const out: FieldLine[] = [];
  for (const [name, value] of headers) {
    if (HOP_BY_HOP.has(name)) continue;
    // RFC 9114 §4.2: TE may only carry "trailers".
    if (name === "te" && value.trim().toLowerCase() !== "trailers") continue;
    out.push({ name, value });
  }
  return out;
}

/**
 * A `Headers` object from field lines, skipping pseudo-header fields.
 * Values Fetch cannot represent are dropped rather than thrown on.
 *
 * @example
 * ```ts
 * import { fieldsToHeaders } from "@gquic/core/http3";
 * const h = fieldsToHeaders([{ name: ":status", value: "200" }, { name: "etag", value: '"1"' }]);
 * console.log(h.get("etag")); // "1" in quotes
 * ```
 */
export function fieldsToHeaders(fields: readonly FieldLine[]): Headers {
  const h = new Headers();
  for (const f of fields) {
    if (f.name.startsWith(":")) continue;
    try {
      h.append(f.name, f.value);
    } catch {
      // a name or value the Fetch API rejects
    }
  }
  return h;
}

/**
 * The request header section for a `Request` (RFC 9114 §4.3.1):
 * `:method`, `:scheme`, `:authority`, `:path`, then the headers.
 *
 * @example
 * ```ts
 * import { requestToFields } from "@gquic/core/http3";
 * const f = requestToFields(new Request("https://example.com:4433/a?b", { method: "POST" }));
 * console.log(f.slice(0, 4).map((x) => x.value)); // ["POST", "https", "example.com:4433", "/a?b"]
 * ```
 */
export function requestToFields(req: Request): FieldLine[] {
  return requestFieldsFor(req, new URL(req.url));
}

/** {@link requestToFields} with `req.url` already parsed. @internal */
export function requestFieldsFor(req: Request, url: URL): FieldLine[] {
  const fields: FieldLine[] = [
    { name: ":method", value: req.method },
    { name: ":scheme", value: url.protocol.slice(0, -1) },
    { name: ":authority", value: url.host },
    { name: ":path", value: (url.pathname || "/") + url.search },
  ];
  for (const f of headersToFields(req.headers)) fields.push(f);
  return fields;
}

/**
 * The response header section for a `Response` (RFC 9114 §4.3.2):
 * `:status` then the headers.
 *
 * @example
 * ```ts
 * import { responseToFields } from "@gquic/core/http3";
 * const f = responseToFields(new Response("hi", { status: 201 }));
 * console.log(f[0]); // { name: ":status", value: "201" }
 * ```
 */
export function responseToFields(res: Response): FieldLine[] {
  const fields: FieldLine[] = [{ name: ":status", value: String(res.status) }];
  for (const f of headersToFields(res.headers)) fields.push(f);
  return fields;
}

/**
 * An HTTP/3 stream error seen through the Fetch API: the stream was reset
 * (by the peer or locally) with an RFC 9114 §8.1 code.
 *
 * @example
 * ```ts
 * import { H3StreamError } from "@gquic/core/http3";
 * const e = new H3StreamError(0x10c, "reset by peer");
 * console.log(e.message); // "H3_REQUEST_CANCELLED: reset by peer"
 * ```
 */
export class H3StreamError extends Error {
  /** The error code (RFC 9114 §8.1, or an application code). */
  readonly code: number;

  /**
   * Creates the error; the message starts with the code's RFC name.
   * @param code the error code
   * @param detail what happened
   */
  constructor(code: number, detail: string) {
    super(`${h3ErrorName(code)}: ${detail}`);
    this.name = "H3StreamError";
    this.code = code;
  }
}

/**
 * A body stream fed from `data` events of one HTTP/3 stream. It pulls (and
 * so reads the QUIC stream) only when its consumer reads; `cancel()` stops
 * reading with `cancelCode` (STOP_SENDING). `onDone(ok)` runs once when the
 * body ended (`end`) or failed.
 */
export function bodyFromSink(
  session: H3Session,
  sink: StreamSink,
  cancelCode: number,
  onDone: (ok: boolean, err?: Error) => void,
): ReadableStream<Uint8Array> {
  let finished = false;
  const finish = (ok: boolean, err?: Error) => {
    if (finished) return;
    finished = true;
    onDone(ok, err);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const e = await sink.next();
        switch (e.type) {
          case "data":
            if (e.data.length === 0) continue;
            controller.enqueue(e.data);
            return;
          case "end":
            controller.close();
            finish(true);
            return;
          case "streamError": {
            const err = new H3StreamError(e.code, e.message);
            finish(false, err);
            throw err;
          }
          default:
            continue; // trailers, interim responses
        }
      }
    },
    cancel() {
      session.act((h3) => h3.abortReading(sink.id, cancelCode));
      finish(false, new H3StreamError(cancelCode, "body cancelled"));
    },
  }, { highWaterMark: 0 });
}

/**
 * Responses whose whole body is a known byte array (made by
 * {@link bytesResponse}): the server writes these bytes directly instead of
 * reading the `Response`'s ReadableStream, which costs several promise
 * hops and a stream reader per response.
 */
const inMemoryBodies = new WeakMap<Response, Uint8Array>();

/**
 * `new Response(bytes, init)`, remembered as an in-memory body so
 * `serve()` can send it with headers and FIN in one synchronous step.
 * @internal
 */
export function bytesResponse(bytes: Uint8Array<ArrayBuffer>, init: ResponseInit): Response {
  const res = new Response(bytes, init);
  inMemoryBodies.set(res, bytes);
  return res;
}

/**
 * The bytes of a {@link bytesResponse} whose body was not read yet.
 * @internal
 */
export function inMemoryBody(res: Response): Uint8Array | undefined {
  const b = inMemoryBodies.get(res);
  return b === undefined || res.bodyUsed ? undefined : b;
}

/**
 * Reads the events of a request stream whose body is not exposed (GET,
 * HEAD) to the end so the stream completes, without a ReadableStream.
 * `onDone(ok, err)` runs once at the end or on a stream error.
 */
export async function drainSink(
  sink: StreamSink,
  onDone: (ok: boolean, err?: Error) => void,
): Promise<void> {
  try {
    for (;;) {
      const e = await sink.next();
      if (e.type === "end") return onDone(true);
      if (e.type === "streamError") return onDone(false, new H3StreamError(e.code, e.message));
    }
  } catch (err) {
    onDone(false, err instanceof Error ? err : new Error(String(err)));
  }
}

/** A read that either finished already or is still pending. */
export type PeekedRead =
  | { ready: true; result: ReadableStreamReadResult<Uint8Array> }
  | { ready: false; pending: Promise<ReadableStreamReadResult<Uint8Array>> };

const NOT_READY = Symbol("not ready");
const MICROTASK_HOPS = 4;

/**
 * Starts `reader.read()` and reports whether it settled without waiting
 * for I/O: a chunk already queued (an in-memory body) or the end of a
 * closed stream. Lets a writer put headers, content and FIN in one burst
 * instead of one packet per `await`. A failed read is reported as pending.
 */
export async function peekRead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<PeekedRead> {
  const pending = reader.read();
  // A read of queued data settles within a few promise reactions (Deno's
  // in-memory Response bodies take a couple); I/O takes a macrotask. The
  // marker settles after MICROTASK_HOPS reactions, without yielding to I/O.
  let marker: Promise<typeof NOT_READY> = Promise.resolve(NOT_READY);
  for (let i = 0; i < MICROTASK_HOPS; i++) marker = marker.then((x) => x);
  const r = await Promise.race([pending, marker]).catch(() => NOT_READY);
  return typeof r === "symbol" ? { ready: false, pending } : { ready: true, result: r };
}

function toBytes(v: Uint8Array | ArrayBufferView | ArrayBuffer): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return new Uint8Array(v);
}

/**
 * Sends `body` on stream `id` as DATA frames, waiting for send-buffer room
 * between chunks, then ends the stream. `head` (the response header
 * section) is written together with the first chunk when that chunk is
 * ready at once, and the FIN rides on the last chunk when the end is known
 * at once (RFC 9000 §19.8), so a small in-memory response leaves as one
 * burst instead of a packet per `await`. A body whose first chunk needs
 * I/O gets its headers sent first. Returns false (after resetting the
 * stream with H3_INTERNAL_ERROR) if reading the body failed, or when the
 * stream stopped being writable (the peer's STOP_SENDING).
 */
export async function sendBody(
  session: H3Session,
  id: number,
  body: ReadableStream<Uint8Array> | null,
  signal?: AbortSignal,
  head?: (h3: H3Connection) => void,
): Promise<boolean> {
  let pendingHead = head;
  const withHead = (h3: H3Connection) => {
    const h = pendingHead;
    pendingHead = undefined;
    h?.(h3);
  };
  const gone = () => !session.writable(id);
  if (body) {
    const reader = body.getReader();
    try {
      let next = await peekRead(reader);
      for (;;) {
        if (!next.ready && pendingHead) session.act(withHead);
        await session.ready(id);
        if (signal?.aborted) throw signal.reason;
        if (gone()) {
          reader.cancel().catch(() => {});
          return false;
        }
        const r = next.ready ? next.result : await next.pending;
        if (r.done) break;
        const chunk = toBytes(r.value);
        next = await peekRead(reader);
        if (gone()) {
          reader.cancel().catch(() => {});
          return false;
        }
        const last = next.ready && next.result.done;
        session.act((h3) => {
          withHead(h3);
          if (chunk.length > 0 || last) h3.sendData(id, chunk, last);
        });
        if (last) return true;
      }
    } catch (err) {
      reader.cancel(err).catch(() => {});
      if (!gone()) session.act((h3) => h3.cancelStream(id, H3ErrorCode.H3_INTERNAL_ERROR));
      return false;
    }
  }
  if (gone()) return false;
  try {
    session.act((h3) => {
      withHead(h3);
      h3.endStream(id);
    });
  } catch {
    return false;
  }
  return true;
}
