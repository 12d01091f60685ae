/**
 * Receiving server push in the client (RFC 9114 §4.6): matches each
 * PUSH_PROMISE with its push stream (either may arrive first), asks the
 * application's `onPush` whether to take it, cancels refused pushes with
 * CANCEL_PUSH (§7.2.3), and keeps a window of `maxPushes` push IDs open by
 * raising MAX_PUSH_ID (§7.2.7) as pushes finish. Memory is bounded by that
 * window: the server cannot use a push ID above it.
 * @module
 */
import { H3ErrorCode } from "./proto/errors.ts";
import type { H3Session, PushEvent, StreamSink } from "./session.ts";
import { bodyFromSink, fieldsToHeaders, H3StreamError } from "./body.ts";

/**
 * A push the server promised (RFC 9114 §4.6), handed to
 * `H3ClientOptions.onPush`. `response` resolves when the pushed response's
 * header section arrives and rejects if the push is refused or cancelled.
 *
 * @example
 * ```ts
 * import type { H3PushPromise } from "@gquic/core/http3";
 * const onPush = (p: H3PushPromise) => {
 *   if (!p.request.url.endsWith(".css")) return false; // refuse: CANCEL_PUSH
 *   p.response.then((r) => r.text()).then(console.log, () => {});
 * };
 * console.log(typeof onPush);
 * ```
 */
export interface H3PushPromise {
  /** The promised request (a GET or HEAD, no body). */
  readonly request: Request;
  /** The pushed response. */
  readonly response: Promise<Response>;
  /** The push ID (RFC 9114 §4.6). */
  readonly pushId: number;
}

interface PendingPush {
  request?: Request;
  accepted: boolean;
  sink?: StreamSink;
  started: boolean;
  done: boolean;
  resolve: (r: Response) => void;
  reject: (e: unknown) => void;
  response: Promise<Response>;
}

/** Client push handling for one session. @internal */
export class PushReceiver {
  readonly #onPush: ((p: H3PushPromise) => boolean | void) | undefined;
  readonly #released: (s: H3Session) => void;
  readonly #pending = new Map<number, PendingPush>();
  #maxPushId: number;

  /**
   * @param maxPushes pushes allowed in flight (the MAX_PUSH_ID window)
   * @param onPush the application's decision; false refuses
   * @param released called when a push exchange ends (pool idle timers)
   */
  constructor(
    maxPushes: number,
    onPush: ((p: H3PushPromise) => boolean | void) | undefined,
    released: (s: H3Session) => void,
  ) {
    this.#maxPushId = maxPushes - 1;
    this.#onPush = onPush;
    this.#released = released;
  }

  /** Routes a push event of `session`. */
  onEvent(e: PushEvent, session: H3Session): void {
    switch (e.type) {
      case "pushPromise": {
        const p = this.#entry(e.pushId);
        if (p.request !== undefined || p.done) return; // a repeated promise (RFC 9114 §4.6)
        const h = e.head;
        let request: Request;
        try {
          request = new Request(`https://${h.authority ?? "localhost"}${h.path ?? "/"}`, {
            method: h.method,
            headers: fieldsToHeaders(h.headers),
          });
        } catch {
          this.#refuse(session, e.pushId, p);
          return;
        }
        p.request = request;
        let verdict: boolean | void = false;
        try {
          verdict = this.#onPush?.({ request, response: p.response, pushId: e.pushId });
        } catch (err) {
          console.error("gquic fetch: onPush threw:", err);
          verdict = false;
        }
        if (verdict === false || this.#onPush === undefined) {
          this.#refuse(session, e.pushId, p);
          return;
        }
        p.accepted = true;
        if (p.sink) this.#start(session, e.pushId, p);
        return;
      }
      case "pushStream": {
        const p = this.#entry(e.pushId);
        p.sink = session.sinkOf(e.streamId);
        if (p.accepted && p.sink) this.#start(session, e.pushId, p);
        return;
      }
      case "pushCancelled": {
        // RFC 9114 §7.2.3: the server will not (or no longer) send it.
        const p = this.#pending.get(e.pushId);
        if (p === undefined) return;
        p.reject(new H3StreamError(H3ErrorCode.H3_REQUEST_CANCELLED, "push cancelled by server"));
        // A started push ends through its stream (the server resets it).
        if (!p.started) this.#finish(session, e.pushId, p);
        return;
      }
    }
  }

  /** The connection closed: fails every push still waiting. */
  closeAll(reason: unknown): void {
    for (const p of this.#pending.values()) {
      p.done = true;
      p.reject(reason);
    }
    this.#pending.clear();
  }

  #entry(pushId: number): PendingPush {
    let p = this.#pending.get(pushId);
    if (p === undefined) {
      let resolve!: (r: Response) => void, reject!: (e: unknown) => void;
      const response = new Promise<Response>((a, b) => {
        resolve = a;
        reject = b;
      });
      // A refused push's rejection is expected: don't report it as unhandled.
      response.catch(() => {});
      p = { accepted: false, started: false, done: false, resolve, reject, response };
      this.#pending.set(pushId, p);
    }
    return p;
  }

  #refuse(session: H3Session, pushId: number, p: PendingPush): void {
    if (!session.h3.closed) session.act((h3) => h3.cancelPush(pushId)); // RFC 9114 §7.2.3
    p.reject(new H3StreamError(H3ErrorCode.H3_REQUEST_CANCELLED, "push refused"));
    this.#finish(session, pushId, p);
  }

  async #start(session: H3Session, pushId: number, p: PendingPush): Promise<void> {
    if (p.started) return;
    p.started = true;
    session.begin();
    const sink = p.sink!;
    try {
      for (;;) {
        const e = await sink.next();
        if (e.type === "response") {
          const nullBody = p.request!.method === "HEAD" || e.head.status === 204 ||
            e.head.status === 205 || e.head.status === 304;
          const body = nullBody
            ? null
            : bodyFromSink(session, sink, H3ErrorCode.H3_REQUEST_CANCELLED, () =>
              this.#finish(session, pushId, p));
          const res = new Response(body, {
            status: e.head.status,
            headers: fieldsToHeaders(e.head.headers),
          });
          Object.defineProperty(res, "url", { value: p.request!.url });
          p.resolve(res);
          if (nullBody) {
            session.act((h3) => h3.abortReading(sink.id, H3ErrorCode.H3_NO_ERROR));
            this.#finish(session, pushId, p);
          }
          return;
        }
        if (e.type === "streamError" || e.type === "end") {
          throw new H3StreamError(
            e.type === "end" ? H3ErrorCode.H3_MESSAGE_ERROR : e.code,
            e.type === "end" ? "push ended without a response" : e.message,
          );
        }
        // interim responses are skipped
      }
    } catch (err) {
      p.reject(err);
      this.#finish(session, pushId, p);
    }
  }

  #finish(session: H3Session, pushId: number, p: PendingPush): void {
    if (p.done) return;
    p.done = true;
    this.#pending.delete(pushId);
    if (p.sink) session.release(p.sink.id);
    if (p.started) {
      session.end();
      this.#released(session);
    }
    // Keep the window open: one more push ID for each finished push.
    if (!session.h3.closed) {
      this.#maxPushId++;
      session.act((h3) => h3.setMaxPushId(this.#maxPushId));
    }
  }
}
