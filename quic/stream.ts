/**
 * Web Streams glue for QUIC streams: a `WritableStream` whose `write()`
 * resolves once the core's send buffer accepted the chunk, and a pull-based
 * `ReadableStream` (highWaterMark 0) that reads from the core only when the
 * application asks, so flow-control credit is granted as data is consumed
 * (RFC 9000 §4.1). `abort()` sends RESET_STREAM, `cancel()` STOP_SENDING.
 * @module
 */
import type { Connection } from "./proto/connection.ts";
import { QuicStreamError } from "./api_types.ts";

/** Largest chunk handed to a reader (the core returns views of 16 KiB blocks). */
const READ_CHUNK = 65536;

/** What a stream needs from its connection. @internal */
export interface StreamHost {
  /** The sans-IO connection. */
  readonly core: Connection;
  /** Asks the driver to send soon (coalesced). */
  schedule(): void;
  /** The driver's clock. */
  now(): number;
  /** Called when both halves of a stream are done. */
  forget(id: number): void;
}

/** Application error code from an abort/cancel reason (numbers, bigints or QuicStreamError). */
export function codeFromReason(reason: unknown): number {
  if (typeof reason === "number" && Number.isSafeInteger(reason) && reason >= 0) return reason;
  if (typeof reason === "bigint" && reason >= 0n && reason <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(reason);
  }
  if (reason instanceof QuicStreamError) return reason.code;
  if (reason && typeof reason === "object" && "code" in reason) {
    const c = (reason as { code: unknown }).code;
    if (typeof c === "number" && Number.isSafeInteger(c) && c >= 0) return c;
  }
  return 0;
}

/**
 * Per-stream state shared by the readable and writable halves and the
 * connection's event dispatch. @internal
 */
export class StreamState {
  /** Stream ID. */
  readonly id: number;
  readonly #host: StreamHost;
  /** Has a receiving half still open? */
  recvOpen: boolean;
  /** Has a sending half still open? */
  sendOpen: boolean;
  #readWait: (() => void) | undefined;
  #writeWait: (() => void) | undefined;
  #finWait: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  /** Error for the reading side. */
  readError: Error | undefined;
  /** Error for the writing side. */
  writeError: Error | undefined;
  /** Readable controller. */
  rctl: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** Writable controller. */
  wctl: WritableStreamDefaultController | undefined;

  constructor(id: number, host: StreamHost, hasRecv: boolean, hasSend: boolean) {
    this.id = id;
    this.#host = host;
    this.recvOpen = hasRecv;
    this.sendOpen = hasSend;
  }

  #maybeForget(): void {
    if (!this.recvOpen && !this.sendOpen) this.#host.forget(this.id);
  }

  /** Reading side finished (FIN read, reset, or cancelled). */
  recvDone(): void {
    if (!this.recvOpen) return;
    this.recvOpen = false;
    this.#maybeForget();
  }

  /** Sending side finished (FIN acknowledged, reset, or aborted). */
  sendDone(): void {
    if (!this.sendOpen) return;
    this.sendOpen = false;
    this.#maybeForget();
  }

  /** Waits for a `streamReadable` event (or an error). */
  waitReadable(): Promise<void> {
    return new Promise((r) => (this.#readWait = r));
  }

  /** Waits for a `streamWritable` event (or an error). */
  waitWritable(): Promise<void> {
    return new Promise((r) => (this.#writeWait = r));
  }

  /** Waits for every byte and the FIN to be acknowledged. */
  waitFinished(): Promise<void> {
    if (this.writeError) return Promise.reject(this.writeError);
    return new Promise((resolve, reject) => (this.#finWait = { resolve, reject }));
  }

  /** Core event: data or FIN can be read. */
  onReadable(): void {
    const w = this.#readWait;
    this.#readWait = undefined;
    w?.();
  }

  /** Core event: send buffer space or credit appeared. */
  onWritable(): void {
    const w = this.#writeWait;
    this.#writeWait = undefined;
    w?.();
  }

  /** Core event: the FIN and all data were acknowledged. */
  onFinished(): void {
    const f = this.#finWait;
    this.#finWait = undefined;
    f?.resolve();
    this.sendDone();
  }

  /** Core event: the peer reset its sending side (RFC 9000 §19.4). */
  onReset(code: number): void {
    this.failRead(new QuicStreamError("reset", code));
  }

  /** Core event: the peer sent STOP_SENDING (RFC 9000 §19.5); the core answered with RESET_STREAM. */
  onStopSending(code: number): void {
    this.failWrite(new QuicStreamError("stopSending", code));
  }

  /** Errors the reading side. */
  failRead(err: Error): void {
    if (!this.recvOpen) return;
    this.readError ??= err;
    try {
      this.rctl?.error(err);
    } catch {
      // already closed
    }
    this.onReadable();
    this.recvDone();
  }

  /** Errors the writing side. */
  failWrite(err: Error): void {
    if (!this.sendOpen) return;
    this.writeError ??= err;
    try {
      this.wctl?.error(err);
    } catch {
      // already closed
    }
    this.onWritable();
    const f = this.#finWait;
    this.#finWait = undefined;
    f?.reject(err);
    this.sendDone();
  }
}

/**
 * The sending half of a QUIC stream (Deno's `QuicSendStream`): a
 * `WritableStream` of bytes. `write()` resolves once the chunk is in the
 * send buffer (real backpressure); `abort(code)` sends RESET_STREAM with
 * that code.
 *
 * `close()` sends FIN and resolves only when the peer has acknowledged
 * every byte and the FIN (RFC 9000 §3.1 "Data Recvd") — not when the FIN
 * leaves. It rejects with a `QuicStreamError` of kind "stopSending" when
 * the peer sends STOP_SENDING, and of kind "connectionClosed" when the
 * connection closes before that acknowledgement arrives: e.g. a peer that
 * closes the connection right after it received the FIN (its ACK may never
 * be sent). Code that closes the connection itself after the last write
 * should not await `close()` alone; await the response (or `conn.closed`).
 *
 * @example
 * ```ts ignore
 * import { connectQuic } from "@gquic/core/quic";
 * const conn = await connectQuic({ hostname: "127.0.0.1", port: 4433, alpnProtocols: ["echo"] });
 * const w = (await conn.createUnidirectionalStream()).getWriter();
 * await w.write(new TextEncoder().encode("hello"));
 * await w.close();
 * ```
 */
export class QuicSendStream extends WritableStream<Uint8Array> {
  /** 62-bit stream ID. */
  readonly id: bigint;
  /** Relative send priority (kept for API compatibility). */
  sendOrder: number;

  /**
   * Created by `QuicConn`; not for direct use.
   * @param st shared stream state
   * @param host the connection
   * @param sendOrder initial priority
   */
  constructor(st: StreamState, host: StreamHost, sendOrder = 0) {
    const id = st.id;
    super({
      start(controller) {
        st.wctl = controller;
      },
      async write(chunk: Uint8Array) {
        if (st.writeError) throw st.writeError;
        if (!(chunk instanceof Uint8Array)) throw new TypeError("chunk must be a Uint8Array");
        // The core keeps accepted bytes by reference: copy so the caller may reuse its buffer.
        const data = chunk.slice();
        let off = 0;
        while (off < data.length) {
          const n = host.core.streamWrite(id, off === 0 ? data : data.subarray(off), false);
          off += n;
          host.schedule();
          if (off < data.length) {
            if (host.core.isClosed) {
              throw st.writeError ?? new QuicStreamError("connectionClosed", 0);
            }
            await st.waitWritable();
            if (st.writeError) throw st.writeError;
          }
        }
      },
      async close() {
        if (st.writeError) throw st.writeError;
        const fin = st.waitFinished();
        host.core.streamFinish(id);
        host.schedule();
        await fin;
      },
      abort(reason) {
        // RFC 9000 §3.1: abandon sending with RESET_STREAM.
        host.core.streamReset(id, codeFromReason(reason));
        host.schedule();
        st.writeError ??= new QuicStreamError("reset", codeFromReason(reason), "aborted");
        st.sendDone();
      },
    }, { highWaterMark: 1 });
    this.id = BigInt(id);
    this.sendOrder = sendOrder;
  }
}

/**
 * The receiving half of a QUIC stream (Deno's `QuicReceiveStream`): a
 * pull-based `ReadableStream` of bytes. A peer's RESET_STREAM errors it with
 * a {@link QuicStreamError} carrying the code; `cancel(code)` sends
 * STOP_SENDING with that code.
 *
 * @example
 * ```ts ignore
 * import { connectQuic } from "@gquic/core/quic";
 * const conn = await connectQuic({ hostname: "127.0.0.1", port: 4433, alpnProtocols: ["echo"] });
 * for await (const r of conn.incomingUnidirectionalStreams) {
 *   for await (const chunk of r) console.log(chunk.length);
 * }
 * ```
 */
export class QuicReceiveStream extends ReadableStream<Uint8Array> {
  /** 62-bit stream ID. */
  readonly id: bigint;

  /**
   * Created by `QuicConn`; not for direct use.
   * @param st shared stream state
   * @param host the connection
   */
  constructor(st: StreamState, host: StreamHost) {
    const id = st.id;
    super({
      start(controller) {
        st.rctl = controller;
      },
      async pull(controller) {
        for (;;) {
          if (st.readError) throw st.readError;
          const r = host.core.streamRead(id, READ_CHUNK, host.now());
          if (r === undefined) {
            // The core dropped the stream: all read (or reset, reported by event).
            if (st.readError) throw st.readError;
            controller.close();
            st.recvDone();
            return;
          }
          if (r.data || r.fin) host.schedule(); // reading may release flow-control credit
          if (r.data) controller.enqueue(r.data);
          if (r.fin) {
            controller.close();
            st.recvDone();
            return;
          }
          if (r.data) return;
          if (host.core.isClosed) {
            throw st.readError ?? new QuicStreamError("connectionClosed", 0);
          }
          await st.waitReadable();
        }
      },
      cancel(reason) {
        // RFC 9000 §3.5: ask the peer to stop sending.
        host.core.streamStopSending(id, codeFromReason(reason), host.now());
        host.schedule();
        st.recvDone();
      },
    }, { highWaterMark: 0 });
    this.id = BigInt(id);
  }
}

/**
 * A bidirectional stream: `{ readable, writable }` (Deno's
 * `QuicBidirectionalStream`).
 *
 * @example
 * ```ts ignore
 * import { connectQuic } from "@gquic/core/quic";
 * const conn = await connectQuic({ hostname: "127.0.0.1", port: 4433, alpnProtocols: ["echo"] });
 * const { readable, writable } = await conn.createBidirectionalStream();
 * await readable.pipeTo(writable);
 * ```
 */
export interface QuicBidirectionalStream {
  /** Incoming bytes. */
  readonly readable: QuicReceiveStream;
  /** Outgoing bytes. */
  readonly writable: QuicSendStream;
}
