/**
 * The glue between one QUIC connection (gquic's Web Streams API) and the
 * sans-IO {@link H3Connection}: an {@link H3Transport} over `QuicConn`
 * streams, a reader per peer stream that feeds `onStreamData`, and event
 * routing to a per-stream {@link StreamSink}.
 *
 * Reads are demand-driven (RFC 9000 §4.1 flow control is the
 * backpressure): a request/response stream is read only when its consumer
 * asks for the next event and none is queued. Control and QPACK streams
 * are read continuously.
 * @module
 */
import type { QuicConn } from "../quic/conn.ts";
import type { QuicBidirectionalStream, QuicSendStream } from "../quic/stream.ts";
import { QuicStreamError } from "../quic/api_types.ts";
import { H3Connection, type H3ConnectionOptions } from "./proto/connection.ts";
import type { H3Event, H3Transport } from "./proto/events.ts";
import { H3ErrorCode } from "./proto/errors.ts";

/** Events that belong to one request/response stream. */
export type StreamEvent = Extract<H3Event, { streamId: number }>;

/** Push events (client): promises, push streams opening, and cancellations. */
export type PushEvent = Extract<H3Event, { type: "pushPromise" | "pushStream" | "pushCancelled" }>;

const EMPTY = new Uint8Array(0);

/**
 * The events of one request or response stream, pulled in order. Reading
 * the QUIC stream happens only inside {@link next}.
 */
export class StreamSink {
  /** QUIC stream ID. */
  readonly id: number;
  readonly #session: H3Session;
  readonly #queue: StreamEvent[] = [];
  #wake: (() => void) | undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #reading = false;
  #eof = false;
  /** True once `end` or `streamError` was queued. */
  done = false;

  constructor(
    session: H3Session,
    id: number,
    readable: ReadableStream<Uint8Array> | ReadableStreamDefaultReader<Uint8Array>,
  ) {
    this.#session = session;
    this.id = id;
    this.#reader = readable instanceof ReadableStream ? readable.getReader() : readable;
  }

  /** Queues an event (from the session's dispatch). */
  push(e: StreamEvent): void {
    if (this.done) return;
    if (e.type === "end" || e.type === "streamError") this.done = true;
    this.#queue.push(e);
    this.notify();
  }

  /** Wakes a waiting {@link next}. */
  notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** The next event of this stream (reads the QUIC stream as needed). */
  async next(): Promise<StreamEvent> {
    for (;;) {
      const e = this.#queue.shift();
      if (e) return e;
      if (this.#session.closedError && !this.done) {
        this.push(this.#session.closedError(this.id));
        continue;
      }
      if (!this.#eof && !this.#reading) this.#readOnce();
      else if (this.#eof && !this.#reading && !this.#session.h3.hasStream(this.id)) {
        // The HTTP/3 layer dropped the stream without a report (e.g. a reset
        // before any header section): end it here.
        this.push({
          type: "streamError",
          streamId: this.id,
          code: H3ErrorCode.H3_REQUEST_INCOMPLETE,
          message: "stream ended",
          local: true,
        });
        continue;
      }
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  /** Stops reading the QUIC stream (STOP_SENDING with `code`). */
  cancelRead(code: number): void {
    if (this.#eof) return;
    this.#eof = true;
    const r = this.#reader;
    this.#reader = undefined;
    r?.cancel(code).catch(() => {});
  }

  #readOnce(): void {
    const r = this.#reader;
    if (!r) {
      this.#eof = true;
      return;
    }
    this.#reading = true;
    r.read().then((res) => {
      this.#reading = false;
      if (res.done) {
        this.#eof = true;
        this.#reader = undefined;
        this.#session.feed(this.id, EMPTY, true);
      } else {
        this.#session.feed(this.id, res.value, false);
      }
      this.notify();
    }, (err) => {
      this.#reading = false;
      this.#eof = true;
      this.#reader = undefined;
      if (err instanceof QuicStreamError && err.kind === "reset") {
        this.#session.resetByPeer(this.id, err.code);
      }
      this.notify();
    });
  }
}

/** Options of an {@link H3Session}. */
export interface H3SessionOptions extends Partial<Omit<H3ConnectionOptions, "role" | "transport">> {
  /** Server: called for each new request stream with its sink (first event: `request`). */
  onStream?: (sink: StreamSink, session: H3Session) => void;
  /** Called when the peer sends GOAWAY. */
  onGoaway?: (id: number) => void;
  /**
   * Client: push events. A `pushStream` event's sink is already registered
   * ({@link H3Session.sinkOf}). Without this hook, promises are cancelled.
   */
  onPushEvent?: (e: PushEvent, session: H3Session) => void;
}

/**
 * One HTTP/3 connection over one QUIC connection.
 */
export class H3Session {
  /** The QUIC connection. */
  readonly conn: QuicConn;
  /** The HTTP/3 state machine. */
  readonly h3: H3Connection;
  readonly #sinks = new Map<number, StreamSink>();
  readonly #writers = new Map<number, WritableStreamDefaultWriter<Uint8Array>>();
  readonly #uniReaders = new Map<number, ReadableStreamDefaultReader<Uint8Array>>();
  readonly #uniPool: QuicSendStream[] = [];
  #nextBidi: QuicBidirectionalStream | undefined;
  readonly #opts: H3SessionOptions;
  #closeInfo: { code: number; message: string; local: boolean } | undefined;
  #closedResolve!: () => void;
  /** Resolves when the connection is closed (either side). */
  readonly closed: Promise<void>;
  /** Requests (server) or exchanges (client) in progress, for draining. */
  active = 0;
  #idleWaiters: (() => void)[] = [];
  readonly #finishing = new Set<Promise<void>>();

  private constructor(conn: QuicConn, role: "client" | "server", opts: H3SessionOptions) {
    this.conn = conn;
    this.#opts = opts;
    this.closed = new Promise((r) => (this.#closedResolve = r));
    const transport: H3Transport = {
      openUniStream: () => {
        const s = this.#uniPool.shift();
        if (!s) return null;
        const id = Number(s.id);
        this.#addWriter(id, s);
        return id;
      },
      openBidiStream: () => {
        const s = this.#nextBidi;
        this.#nextBidi = undefined;
        if (!s) return null;
        const id = Number(s.writable.id);
        this.#addWriter(id, s.writable);
        this.#sinks.set(id, new StreamSink(this, id, s.readable));
        return id;
      },
      write: (id, data, fin) => {
        const w = this.#writers.get(id);
        if (!w) return;
        if (data.length > 0) w.write(data).catch(() => {});
        if (fin) {
          this.#writers.delete(id);
          // close() resolves once the peer acknowledged the whole stream.
          const done = w.close().catch(() => {});
          this.#finishing.add(done);
          done.then(() => this.#finishing.delete(done));
        }
      },
      resetStream: (id, code) => {
        const w = this.#writers.get(id);
        if (!w) return;
        this.#writers.delete(id);
        w.abort(code).catch(() => {});
      },
      stopSending: (id, code) => {
        const sink = this.#sinks.get(id);
        if (sink) {
          sink.cancelRead(code);
          return;
        }
        const r = this.#uniReaders.get(id);
        if (r) {
          this.#uniReaders.delete(id);
          r.cancel(code).catch(() => {});
        }
      },
      closeConnection: (code, reason) => {
        this.conn.close({ closeCode: code, reason });
      },
    };
    this.h3 = new H3Connection({ ...opts, role, transport });
  }

  /**
   * Sets up HTTP/3 on an established QUIC connection: opens the control
   * and QPACK streams (RFC 9114 §6.2) and starts reading the peer's.
   */
  static async open(
    conn: QuicConn,
    role: "client" | "server",
    opts: H3SessionOptions = {},
  ): Promise<H3Session> {
    const s = new H3Session(conn, role, opts);
    // H3Connection opens its unidirectional streams synchronously: open them
    // first (control, QPACK encoder, decoder, and one for GREASE).
    for (let i = 0; i < 4; i++) {
      try {
        s.#uniPool.push(await conn.createUnidirectionalStream({ waitUntilAvailable: i < 3 }));
      } catch {
        break;
      }
    }
    s.h3.start();
    s.#drain();
    s.#watchClose();
    s.#acceptUni();
    if (role === "server") s.#acceptBidi();
    return s;
  }

  /** Why the connection closed (undefined while open). */
  get closeInfo(): { code: number; message: string; local: boolean } | undefined {
    return this.#closeInfo;
  }

  /** Makes the error event that ends streams after the connection closed. */
  closedError: ((id: number) => StreamEvent) | undefined;

  /** True if a new request may be sent (client): open and no GOAWAY. */
  get usable(): boolean {
    return !this.#closeInfo && !this.h3.closed && this.h3.goawayReceived === undefined;
  }

  #addWriter(id: number, s: QuicSendStream): void {
    const w = s.getWriter();
    this.#writers.set(id, w);
    w.closed.catch((e) => {
      if (e instanceof QuicStreamError && e.kind === "stopSending") {
        this.#writers.delete(id);
        this.h3.onStopSending(id, e.code);
        this.#drain();
      }
    });
  }

  /** Whether our sending side of `id` is still open. */
  writable(id: number): boolean {
    return this.#writers.has(id);
  }

  /** Resolves when the stream's send buffer has room (write backpressure). */
  ready(id: number): Promise<void> {
    const w = this.#writers.get(id);
    return w ? w.ready.catch(() => {}) : Promise.resolve();
  }

  /**
   * Client: opens a request stream and sends the header section; resolves
   * with the stream's sink. Waits for stream credit (RFC 9000 §4.6).
   */
  async request(
    fields: Parameters<H3Connection["sendRequest"]>[0],
    endStream: boolean,
  ): Promise<StreamSink> {
    const bidi = await this.conn.createBidirectionalStream({ waitUntilAvailable: true });
    this.#nextBidi = bidi;
    let id: number | null;
    try {
      id = this.h3.sendRequest(fields, { endStream });
    } finally {
      if (this.#nextBidi === bidi) {
        this.#nextBidi = undefined;
        bidi.writable.abort(H3ErrorCode.H3_REQUEST_CANCELLED).catch(() => {});
        bidi.readable.cancel(H3ErrorCode.H3_REQUEST_CANCELLED).catch(() => {});
      }
    }
    this.#drain();
    if (id === null) throw new Error("no stream credit");
    return this.#sinks.get(id)!;
  }

  /** Feeds received stream bytes to the HTTP/3 layer and routes events. */
  feed(id: number, data: Uint8Array, fin: boolean): void {
    this.h3.onStreamData(id, data, fin);
    this.#drain();
  }

  /** The peer reset stream `id`. */
  resetByPeer(id: number, code: number): void {
    this.h3.onStreamReset(id, code);
    this.#drain();
  }

  /** Runs an HTTP/3 API call and routes the events it caused. */
  act<T>(fn: (h3: H3Connection) => T): T {
    try {
      return fn(this.h3);
    } finally {
      this.#drain();
    }
  }

  /** The sink of a stream (a request stream, or a client's push stream). */
  sinkOf(id: number): StreamSink | undefined {
    return this.#sinks.get(id);
  }

  /**
   * Server: opens the push stream for a promised `pushId` and sends its
   * response header section (RFC 9114 §4.6); resolves with the stream ID,
   * or null if the stream could not be opened. Throws if the push was
   * cancelled meanwhile.
   */
  async pushResponse(
    pushId: number,
    fields: Parameters<H3Connection["sendPushResponse"]>[1],
    endStream: boolean,
  ): Promise<number | null> {
    // H3Connection opens streams synchronously: get one from QUIC first
    // (waiting for the client's unidirectional stream credit).
    this.#uniPool.push(await this.conn.createUnidirectionalStream({ waitUntilAvailable: true }));
    return this.act((h3) => h3.sendPushResponse(pushId, fields, { endStream }));
  }

  /** Forgets a finished stream's sink. */
  release(id: number): void {
    this.#sinks.delete(id);
  }

  /** Marks an exchange started (for {@link idle}). */
  begin(): void {
    this.active++;
  }

  /** Marks an exchange finished. */
  end(): void {
    this.active--;
    if (this.active === 0) {
      const w = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const fn of w) fn();
    }
  }

  /**
   * Resolves when every stream we ended was acknowledged by the peer (or
   * failed), or after `timeoutMs`: closing the connection earlier would
   * discard data still in flight (RFC 9000 §10.2).
   */
  delivered(timeoutMs: number): Promise<void> {
    if (this.#finishing.size === 0) return Promise.resolve();
    let t: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((r) => {
      t = setTimeout(r, timeoutMs);
      Deno.unrefTimer(t);
    });
    return Promise.race([Promise.all([...this.#finishing]).then(() => {}), timeout]).finally(() =>
      clearTimeout(t)
    );
  }

  /** Resolves when no exchange is in progress. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  #drain(): void {
    for (let e = this.h3.pollEvent(); e !== undefined; e = this.h3.pollEvent()) {
      switch (e.type) {
        case "request":
        case "response":
        case "informational":
        case "data":
        case "trailers":
        case "end":
        case "streamError": {
          const sink = this.#sinks.get(e.streamId);
          sink?.push(e);
          if (e.type === "end" || e.type === "streamError") {
            if (sink) sink.notify();
          }
          break;
        }
        case "goaway":
          this.#opts.onGoaway?.(e.id);
          break;
        case "pushStream": {
          // Hand the push stream's reader from the continuous uni pump to a
          // demand-driven sink, so QUIC flow control limits the push.
          const r = this.#uniReaders.get(e.streamId);
          if (r) {
            this.#uniReaders.delete(e.streamId);
            this.#sinks.set(e.streamId, new StreamSink(this, e.streamId, r));
          }
          this.#pushEvent(e);
          break;
        }
        case "pushPromise":
        case "pushCancelled":
          this.#pushEvent(e);
          break;
        case "connectionError":
          this.#onClosed(e.code, e.message, e.local);
          break;
        default:
          break;
      }
    }
  }

  #pushEvent(e: PushEvent): void {
    const hook = this.#opts.onPushEvent;
    if (hook) hook(e, this);
    else if (e.type === "pushPromise" && !this.h3.closed) this.h3.cancelPush(e.pushId);
  }

  #onClosed(code: number, message: string, local: boolean): void {
    if (this.#closeInfo) return;
    this.#closeInfo = { code, message, local };
    this.closedError = (id) => ({
      type: "streamError",
      streamId: id,
      code,
      message: `connection closed: ${message || `code 0x${code.toString(16)}`}`,
      local,
    });
    for (const sink of this.#sinks.values()) sink.notify();
    for (const w of this.#writers.values()) w.abort(code).catch(() => {});
    this.#writers.clear();
    this.#closedResolve();
    const w = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const fn of w) fn();
  }

  #watchClose(): void {
    this.conn.closed.then(
      (info) => this.#peerClosed(info.closeCode, info.reason),
      (err) => {
        const e = err as { closeCode?: number; reason?: string; message?: string };
        this.#peerClosed(e.closeCode ?? 0, e.reason || e.message || "connection lost");
      },
    );
  }

  #peerClosed(code: number, reason: string): void {
    this.h3.onConnectionClosed(code, reason);
    this.#drain();
    this.#onClosed(code, reason, false);
  }

  async #acceptUni(): Promise<void> {
    try {
      for await (const r of this.conn.incomingUnidirectionalStreams) this.#pumpUni(r);
    } catch {
      // connection closed
    }
  }

  async #pumpUni(r: ReadableStream<Uint8Array> & { id: bigint }): Promise<void> {
    const id = Number(r.id);
    const reader = r.getReader();
    this.#uniReaders.set(id, reader);
    try {
      for (;;) {
        const res = await reader.read();
        if (res.done) {
          this.feed(id, EMPTY, true);
          break;
        }
        this.feed(id, res.value, false);
        // A push stream's reader now belongs to its sink (see #drain).
        if (this.#sinks.has(id)) return;
      }
    } catch (err) {
      if (err instanceof QuicStreamError && err.kind === "reset") this.resetByPeer(id, err.code);
    } finally {
      if (this.#uniReaders.get(id) === reader) this.#uniReaders.delete(id);
    }
  }

  async #acceptBidi(): Promise<void> {
    try {
      for await (const bidi of this.conn.incomingBidirectionalStreams) {
        const id = Number(bidi.readable.id);
        this.#addWriter(id, bidi.writable);
        const sink = new StreamSink(this, id, bidi.readable);
        this.#sinks.set(id, sink);
        this.#opts.onStream?.(sink, this);
      }
    } catch {
      // connection closed
    }
  }
}
