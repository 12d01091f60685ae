/**
 * Server push for `serve()` handlers (RFC 9114 §4.6): `info.push(url,
 * response)` sends a PUSH_PROMISE on the request stream, then the response
 * on a push stream, its body with the same backpressure as a normal
 * response. A client that allows no pushes (no MAX_PUSH_ID) or cancels one
 * (CANCEL_PUSH, §7.2.3) costs the handler nothing: the response body is
 * cancelled.
 * @module
 */
import type { FieldLine } from "../qpack/field_line.ts";
import { H3Error, H3ErrorCode } from "./proto/errors.ts";
import type { H3Session } from "./session.ts";
import { headersToFields, responseToFields, sendBody } from "./body.ts";

/**
 * A pushed response, or a function making it (called only once the push is
 * promised, so refused pushes cost nothing).
 *
 * @example
 * ```ts
 * import type { H3PushResponse } from "@gquic/core/http3";
 * const r: H3PushResponse = () => new Response("body { color: teal }",
 *   { headers: { "content-type": "text/css" } });
 * console.log(typeof r);
 * ```
 */
export type H3PushResponse = Response | (() => Response | Promise<Response>);

/** Statuses whose responses carry no content (RFC 9110 §6.4.1). */
function nullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304 || (status >= 100 && status < 200);
}

/**
 * The request header section of a promised request: a GET or HEAD of the
 * same origin as the request it is pushed with (RFC 9114 §4.6: the server
 * must be authoritative; promised requests are safe and have no content).
 * Throws TypeError otherwise.
 */
export function promisedRequestFields(
  target: string | URL | Request,
  base: URL,
): { fields: FieldLine[]; method: string } {
  const req = target instanceof Request ? target : undefined;
  const url = new URL(target instanceof Request ? target.url : target, base);
  if (url.origin !== base.origin) {
    throw new TypeError(`cannot push ${url.href}: not the origin of ${base.origin}`);
  }
  const method = req?.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") {
    throw new TypeError(`cannot push a ${method} request: only GET and HEAD`);
  }
  if (req?.body) throw new TypeError("cannot push a request with a body");
  const fields: FieldLine[] = [
    { name: ":method", value: method },
    { name: ":scheme", value: "https" },
    { name: ":authority", value: base.host },
    { name: ":path", value: (url.pathname || "/") + url.search },
  ];
  if (req) { for (const f of headersToFields(req.headers)) fields.push(f); }
  return { fields, method };
}

/**
 * Makes the `push` function of one request's handler info: promises on
 * request stream `requestStreamId` of `session`; `base` is the request URL.
 */
export function makePusher(
  session: H3Session,
  requestStreamId: number,
  base: URL,
): (target: string | URL | Request, response: H3PushResponse) => boolean {
  return (target, response) => {
    const { fields, method } = promisedRequestFields(target, base);
    let pushId: number | null;
    try {
      pushId = session.act((h3) => h3.pushPromise(requestStreamId, fields));
    } catch (e) {
      // The request stream is finished or the connection closed: no push.
      if (e instanceof H3Error) pushId = null;
      else throw e;
    }
    if (pushId === null) {
      if (response instanceof Response) response.body?.cancel().catch(() => {});
      return false;
    }
    session.begin();
    deliver(session, pushId, method, response).finally(() => session.end());
    return true;
  };
}

async function deliver(
  session: H3Session,
  pushId: number,
  method: string,
  make: H3PushResponse,
): Promise<void> {
  let response: Response;
  try {
    response = typeof make === "function" ? await make() : make;
    if (!(response instanceof Response)) throw new TypeError("push: not a Response");
  } catch (e) {
    console.error("gquic serve: push response failed:", e);
    response = new Response("Internal Server Error", { status: 500 });
  }
  const noContent = method === "HEAD" || nullBodyStatus(response.status) || !response.body;
  const fields = responseToFields(response);
  if (!response.body && !response.headers.has("content-length") && method !== "HEAD") {
    if (!nullBodyStatus(response.status)) fields.push({ name: "content-length", value: "0" });
  }
  let streamId: number | null = null;
  try {
    streamId = await session.pushResponse(pushId, fields, noContent);
  } catch {
    // cancelled by the client (CANCEL_PUSH) or the connection closed
  }
  if (streamId === null || noContent) {
    response.body?.cancel().catch(() => {});
    if (streamId === null && !session.h3.closed) {
      try {
        session.act((h3) => h3.cancelPush(pushId));
      } catch {
        // already cancelled
      }
    }
    return;
  }
  if (!await sendBody(session, streamId, response.body)) {
    // The client cancelled the push or stopped reading: the stream is gone.
    if (session.writable(streamId)) {
      session.act((h3) => h3.cancelStream(streamId, H3ErrorCode.H3_REQUEST_CANCELLED));
    }
  }
}
