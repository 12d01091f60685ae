/**
 * Conversions between Fetch API objects (`Request`, `Response`, `Headers`)
 * and HTTP/3 field lines, and the body pumps in both directions: a
 * `ReadableStream` fed from a stream's `data` events (pulled, so QUIC flow
 * control is the backpressure) and a writer that sends a body as DATA
 * frames, waiting for send-buffer room between chunks.
 * @module
 */
import type { FieldLine } from "../qpack/field_line.ts";
import { H3Error, H3ErrorCode, h3ErrorName } from "./proto/errors.ts";
import type { H3Session, StreamSink } from "./session.ts";

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
  const url = new URL(req.url);
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
 * Sends `body` on stream `id` as DATA frames, waiting for send-buffer room
 * between chunks, then ends the stream. Returns false (after resetting the
 * stream with H3_INTERNAL_ERROR) if reading the body failed, or when the
 * stream stopped being writable (the peer's STOP_SENDING).
 */
export async function sendBody(
  session: H3Session,
  id: number,
  body: ReadableStream<Uint8Array> | null,
  signal?: AbortSignal,
): Promise<boolean> {
  if (body) {
    const reader = body.getReader();
    try {
      for (;;) {
        await session.ready(id);
        if (signal?.aborted) throw signal.reason;
        if (!session.writable(id)) {
          reader.cancel().catch(() => {});
          return false;
        }
        const r = await reader.read();
        if (r.done) break;
        if (!session.writable(id)) {
          reader.cancel().catch(() => {});
          return false;
        }
        const chunk = r.value instanceof Uint8Array ? r.value : new Uint8Array(r.value);
        if (chunk.length > 0) session.act((h3) => h3.sendData(id, chunk));
      }
    } catch (err) {
      reader.cancel(err).catch(() => {});
      if (session.writable(id)) {
        session.act((h3) => h3.cancelStream(id, H3ErrorCode.H3_INTERNAL_ERROR));
      }
      if (err instanceof H3Error) return false;
      return false;
    }
  }
  if (!session.writable(id)) return false;
  try {
    session.act((h3) => h3.endStream(id));
  } catch {
    return false;
  }
  return true;
}
