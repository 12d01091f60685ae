/**
 * `QuicConn`: the application's view of one connection (Deno's
 * `Deno.QuicConn`), built on the sans-IO {@link Connection} and driven by a
 * {@link QuicEndpoint}. Routes core events to streams, datagram readers and
 * the `handshake` / `closed` promises.
 * @module
 */
import type { Connection } from "./proto/connection.ts";
import { coreOf } from "./proto/conn_internal.ts";
import type { ConnectionEvent } from "./proto/events.ts";
import type { SessionTicket } from "../crypto/tls/types.ts";
import {
  type QuicCloseInfo,
  QuicConnectionError,
  type QuicConnStats,
  type QuicNetAddr,
  type QuicSendStreamOptions,
  QuicStreamError,
  type QuicTlsInfo,
  tlsName,
} from "./api_types.ts";
import {
  type QuicBidirectionalStream,
  QuicReceiveStream,
  QuicSendStream,
  type StreamHost,
  StreamState,
} from "./stream.ts";

/** What a connection needs from its driver. @internal */
export interface ConnDriver {
  /** Flush soon (coalesced: once per event-loop turn). */
  schedule(): void;
  /** The driver's clock (epoch ms, monotonic). */
  now(): number;
  /** Resolves once every datagram handed to the socket was sent. */
  drain(): Promise<void>;
  /** The endpoint object exposed as `conn.endpoint`. */
  readonly endpoint: unknown;
}

function deferred<T>(): { p: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const p = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { p, resolve, reject };
}

/** RFC 9000 §20.1 CONNECTION_REFUSED. */
const CONNECTION_REFUSED = 0x2;

/**
 * A QUIC connection (Deno's `QuicConn`): streams as Web Streams, datagrams,
 * `handshake`, `closed`, `close()` and statistics.
 *
 * @example
 * ```ts ignore
 * import { connectQuic } from "@gquic/core/quic";
 * const conn = await connectQuic({
 *   hostname: "127.0.0.1",
 *   port: 4433,
 *   serverName: "localhost",
 *   alpnProtocols: ["echo"],
 *   caCerts: [await Deno.readTextFile("ca.pem")],
 * });
 * const { readable, writable } = await conn.createBidirectionalStream();
 * const w = writable.getWriter();
 * await w.write(new TextEncoder().encode("ping"));
 * await w.close();
 * for await (const chunk of readable) console.log(new TextDecoder().decode(chunk));
 * conn.close({ closeCode: 0, reason: "done" });
 * console.log(await conn.closed);
 * ```
 */
export class QuicConn implements StreamHost {
  readonly #driver: ConnDriver;
  readonly #core: Connection;
  readonly #streams = new Map<number, StreamState>();
  readonly #handshake = deferred<void>();
  readonly #closed = deferred<QuicCloseInfo>();
  // Created on first use of `sessionTicket` (servers never use it): a
  // deferred plus its catch handler is ~400 bytes on every idle connection.
  #ticket: ReturnType<typeof deferred<SessionTicket>> | undefined;
  #ticketValue: SessionTicket | undefined;
  #ticketError: QuicConnectionError | undefined;
  #ticketReceived = false;
  #closeInfo: QuicCloseInfo | undefined;
  #closedByPeer: boolean | undefined;
  #abortError: QuicConnectionError | undefined;
  #closeError: Error | undefined;
  #bidiCtl: ReadableStreamDefaultController<QuicBidirectionalStream> | undefined;
  #uniCtl: ReadableStreamDefaultController<QuicReceiveStream> | undefined;
  readonly #incomingBidi: ReadableStream<QuicBidirectionalStream>;
  // Created on first use (most connections never see a unidirectional
  // stream): streams that arrive earlier wait in #uniQueue.
  #incomingUni: ReadableStream<QuicReceiveStream> | undefined;
  #uniQueue: QuicReceiveStream[] | undefined;
  #uniDone = false;
  readonly #dgrams: Uint8Array[] = [];
  #dgramWaiters: { resolve: (d: Uint8Array) => void; reject: (e: unknown) => void }[] = [];
  #streamWaiters: (() => void)[] = [];
  #datagramPair:
    | { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }
    | undefined;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #lastActivity = 0;
  #terminated = false;
  /** @internal Called when the connection is gone (driver bookkeeping). */
  onTerminated: (() => void) | undefined;
  /** @internal Called for every session ticket (the endpoint's client ticket cache). */
  onSessionTicket: ((t: SessionTicket) => void) | undefined;

  /**
   * Created by the endpoint driver; use `connectQuic` or a listener.
   * @param driver the endpoint driver
   * @param core the sans-IO connection
   * @param keepAliveInterval ms between keep-alive PINGs (0 = off)
   */
  constructor(driver: ConnDriver, core: Connection, keepAliveInterval = 0) {
    this.#driver = driver;
    this.#core = core;
    this.#handshake.p.catch(() => {});
    this.#closed.p.catch(() => {});
    this.#incomingBidi = new ReadableStream<QuicBidirectionalStream>({
      start: (c) => {
        this.#bidiCtl = c;
      },
    }, { highWaterMark: Infinity });
    if (keepAliveInterval > 0) {
      this.#lastActivity = driver.now();
      this.#keepAlive = setInterval(() => {
        if (this.#driver.now() - this.#lastActivity >= keepAliveInterval) {
          this.#core.ping();
          this.#driver.schedule();
        }
      }, Math.max(10, keepAliveInterval / 2));
      Deno.unrefTimer(this.#keepAlive as unknown as number);
    }
  }

  // ---- StreamHost ----

  /** @internal The sans-IO connection. */
  get core(): Connection {
    return this.#core;
  }

  /** @internal Flushes soon. */
  schedule(): void {
    this.#driver.schedule();
  }

  /** @internal Driver clock. */
  now(): number {
    return this.#driver.now();
  }

  /** @internal Drops a finished stream's state. */
  forget(id: number): void {
    this.#streams.delete(id);
  }

  // ---- Public API ----

  /** The endpoint this connection runs on. */
  get endpoint(): import("./endpoint.ts").QuicEndpoint {
    return this.#driver.endpoint as import("./endpoint.ts").QuicEndpoint;
  }

  /**
   * gquic, client: the first session ticket the server sent (RFC 8446
   * §4.6.1), to pass as `session` to a later `connectQuic` (with `zeroRtt`
   * for early data). Rejects if the connection closes before one arrives.
   */
  get sessionTicket(): Promise<SessionTicket> {
    if (!this.#ticket) {
      const d = deferred<SessionTicket>();
      d.p.catch(() => {});
      if (this.#ticketReceived) d.resolve(this.#ticketValue!);
      else if (this.#ticketError) d.reject(this.#ticketError);
      this.#ticket = d;
    }
    return this.#ticket.p;
  }

  /** gquic: true when this connection resumed a session (abbreviated handshake). */
  get isResumed(): boolean {
    return this.#core.isResumed;
  }

  /**
   * gquic: 0-RTT outcome, "none" (not attempted, or not known yet),
   * "accepted" or "rejected" (the data was resent in 1-RTT).
   */
  get earlyDataStatus(): "none" | "accepted" | "rejected" {
    return this.#core.earlyDataStatus;
  }

  /**
   * gquic: the QUIC version in use (0x1 or 0x6b3343cf; RFC 9000 §15,
   * RFC 9369).
   */
  get version(): number {
    return this.#core.version;
  }

  /**
   * gquic: the negotiated TLS cipher suite's RFC 8446 §B.4 name, e.g.
   * "TLS_AES_128_GCM_SHA256" (undefined before the ServerHello).
   */
  get cipherSuite(): string | undefined {
    const c = this.#core.cipherSuite;
    return c === undefined ? undefined : tlsName("cipherSuite", c);
  }

  /**
   * gquic: the negotiated key exchange group's name, e.g. "x25519"
   * (undefined before the ServerHello and for psk_ke resumptions).
   */
  get group(): string | undefined {
    const g = this.#core.keyExchangeGroup;
    return g === undefined ? undefined : tlsName("group", g);
  }

  /**
   * gquic: everything the handshake negotiated in one object (version,
   * cipher suite, group, ALPN, resumption, 0-RTT), or undefined before the
   * cipher suite is known.
   */
  get tlsInfo(): QuicTlsInfo | undefined {
    const core = this.#core;
    const suite = core.cipherSuite;
    if (suite === undefined) return undefined;
    const g = core.keyExchangeGroup;
    return {
      version: core.version,
      versionName: tlsName("version", core.version),
      cipherSuite: tlsName("cipherSuite", suite),
      cipherSuiteCode: suite,
      group: g === undefined ? undefined : tlsName("group", g),
      groupCode: g,
      protocol: core.alpnProtocol,
      isResumed: core.isResumed,
      earlyDataStatus: core.earlyDataStatus,
    };
  }

  /** Resolves when the TLS handshake completed; rejects if the connection fails first. */
  get handshake(): Promise<void> {
    return this.#handshake.p;
  }

  /** Negotiated ALPN protocol (after the handshake). */
  get protocol(): string | undefined {
    return this.#core.alpnProtocol;
  }

  /** Server name the client asked for (server side, after the handshake). */
  get serverName(): string | undefined {
    const tls = coreOf(this.#core).tls as { serverName?: string };
    return this.#core.isServer ? tls.serverName : undefined;
  }

  /** The peer's address. */
  get remoteAddr(): QuicNetAddr {
    const a = this.#core.remoteAddress;
    return { transport: "udp", hostname: a.hostname, port: a.port };
  }

  /**
   * Resolves with `{ closeCode, reason }` (Deno's shape) once the connection
   * closed by an application close from either side — {@link closedByPeer}
   * tells which; rejects with a {@link QuicConnectionError} (which carries
   * `byPeer` too) for transport errors, idle timeout or reset.
   */
  get closed(): Promise<QuicCloseInfo> {
    return this.#closed.p;
  }

  /**
   * gquic: who closed the connection — true when the peer's
   * CONNECTION_CLOSE (or stateless reset) ended it, false when this side
   * closed (or timed out), undefined while it is open.
   */
  get closedByPeer(): boolean | undefined {
    return this.#closedByPeer;
  }

  /** Largest datagram payload the peer accepts now (0 when unsupported). */
  get maxDatagramSize(): number {
    return this.#core.maxDatagramSize;
  }

  /** Streams the peer opened in both directions. */
  get incomingBidirectionalStreams(): ReadableStream<QuicBidirectionalStream> {
    return this.#incomingBidi;
  }

  /** Streams the peer opened towards us. */
  get incomingUnidirectionalStreams(): ReadableStream<QuicReceiveStream> {
    if (!this.#incomingUni) {
      const queued = this.#uniQueue;
      this.#uniQueue = undefined;
      this.#incomingUni = new ReadableStream<QuicReceiveStream>({
        start: (c) => {
          this.#uniCtl = c;
          for (const r of queued ?? []) c.enqueue(r);
          if (this.#uniDone) c.close();
        },
      }, { highWaterMark: Infinity });
    }
    return this.#incomingUni;
  }

  #open(bidi: boolean, opts: QuicSendStreamOptions): Promise<number> {
    const tryOpen = (): number | undefined => {
      if (this.#closeError || this.#closeInfo) throw this.#closeError ?? this.#closedStreamError();
      const id = this.#core.openStream(bidi);
      if (id !== undefined) this.#driver.schedule();
      return id;
    };
    const id = tryOpen();
    if (id !== undefined) return Promise.resolve(id);
    if (!opts.waitUntilAvailable) {
      return Promise.reject(new RangeError("the peer's stream limit is reached"));
    }
    this.#driver.schedule(); // let STREAMS_BLOCKED go out
    return new Promise((resolve, reject) => {
      const retry = () => {
        try {
          const id = tryOpen();
          if (id !== undefined) resolve(id);
          else this.#streamWaiters.push(retry);
        } catch (e) {
          reject(e);
        }
      };
      this.#streamWaiters.push(retry);
    });
  }

  /** Opens a bidirectional stream. */
  async createBidirectionalStream(
    options: QuicSendStreamOptions = {},
  ): Promise<QuicBidirectionalStream> {
    const id = await this.#open(true, options);
    return this.#makeBidi(id, options.sendOrder);
  }

  /** Opens a unidirectional (send-only) stream. */
  async createUnidirectionalStream(options: QuicSendStreamOptions = {}): Promise<QuicSendStream> {
    const id = await this.#open(false, options);
    const st = new StreamState(id, this, false, true);
    this.#streams.set(id, st);
    return new QuicSendStream(st, this, options.sendOrder);
  }

  #makeBidi(id: number, sendOrder?: number): QuicBidirectionalStream {
    const st = new StreamState(id, this, true, true);
    this.#streams.set(id, st);
    return {
      readable: new QuicReceiveStream(st, this),
      writable: new QuicSendStream(st, this, sendOrder),
    };
  }

  /**
   * Sends an unreliable datagram (RFC 9221). Rejects with a RangeError when
   * it is larger than {@link maxDatagramSize} or datagrams are not negotiated.
   */
  sendDatagram(data: Uint8Array): Promise<void> {
    if (this.#closeError || this.#closeInfo) {
      return Promise.reject(this.#closeError ?? this.#closedStreamError());
    }
    if (!this.#core.sendDatagram(data)) {
      return Promise.reject(
        new RangeError(
          `datagram of ${data.length} bytes exceeds maxDatagramSize ${this.maxDatagramSize}`,
        ),
      );
    }
    this.#driver.schedule();
    return Promise.resolve();
  }

  /** Resolves with the next received datagram. */
  readDatagram(): Promise<Uint8Array> {
    const d = this.#dgrams.shift();
    if (d) return Promise.resolve(d);
    if (this.#closeError || this.#closeInfo) {
      return Promise.reject(this.#closeError ?? this.#closedStreamError());
    }
    return new Promise((resolve, reject) => this.#dgramWaiters.push({ resolve, reject }));
  }

  /**
   * W3C WebTransport-style datagram streams sharing the queue of
   * {@link readDatagram} / {@link sendDatagram}.
   */
  get datagrams(): {
    readable: ReadableStream<Uint8Array>;
    writable: WritableStream<Uint8Array>;
    maxDatagramSize: number;
  } {
    this.#datagramPair ??= {
      readable: new ReadableStream<Uint8Array>({
        pull: async (c) => {
          try {
            c.enqueue(await this.readDatagram());
          } catch {
            c.close();
          }
        },
      }, { highWaterMark: 0 }),
      writable: new WritableStream<Uint8Array>({
        write: (chunk) => this.sendDatagram(chunk),
      }),
    };
    return { ...this.#datagramPair, maxDatagramSize: this.maxDatagramSize };
  }

  /**
   * Closes the connection with an application CONNECTION_CLOSE (RFC 9000
   * §10.2) carrying `closeCode` and `reason`.
   */
  close(info: Partial<QuicCloseInfo> = {}): void {
    if (this.#core.isClosed) return;
    this.#core.close(info.closeCode ?? 0, info.reason ?? "", true, this.#driver.now());
    this.#driver.schedule();
  }

  /** Statistics: RTT, congestion window, bytes and packets sent/received/lost. */
  getStats(): QuicConnStats {
    const s = this.#core.getStats();
    return {
      rtt: s.smoothedRtt,
      minRtt: s.minRtt,
      congestionWindow: s.congestionWindow,
      bytesInFlight: s.bytesInFlight,
      bytesSent: s.bytesSent,
      bytesReceived: s.bytesReceived,
      packetsSent: s.packetsSent,
      packetsReceived: s.packetsReceived,
      packetsLost: s.packetsLost,
      datagramsSent: s.datagramsSent,
      ptoCount: s.ptoCount,
      streamBytesRetransmitted: s.streamBytesRetransmitted,
      maxDatagramSize: s.maxDatagramSize,
    };
  }

  /** @internal Refuses an incoming connection (CONNECTION_REFUSED, RFC 9000 §20.1). */
  refuse(): void {
    if (this.#core.isClosed) return;
    this.#core.close(CONNECTION_REFUSED, "refused", false, this.#driver.now());
    this.#driver.schedule();
  }

  #closedStreamError(): Error {
    return new QuicStreamError("connectionClosed", this.#closeInfo?.closeCode ?? 0);
  }

  // ---- Event dispatch (driver) ----

  /** @internal Handles one core event. */
  onEvent(e: ConnectionEvent): void {
    this.#lastActivity = this.#driver.now();
    switch (e.type) {
      case "handshakeCompleted":
        this.#handshake.resolve();
        break;
      case "streamOpened": {
        const uni = !e.bidi;
        if (uni) {
          const st = new StreamState(e.id, this, true, false);
          this.#streams.set(e.id, st);
          const r = new QuicReceiveStream(st, this);
          if (this.#uniCtl) this.#uniCtl.enqueue(r);
          else (this.#uniQueue ??= []).push(r);
        } else {
          this.#bidiCtl?.enqueue(this.#makeBidi(e.id));
        }
        break;
      }
      case "streamReadable":
        this.#streams.get(e.id)?.onReadable();
        break;
      case "streamWritable":
        this.#streams.get(e.id)?.onWritable();
        break;
      case "streamFinished":
        this.#streams.get(e.id)?.onFinished();
        break;
      case "streamReset":
        this.#streams.get(e.id)?.onReset(e.code);
        break;
      case "stopSending":
        this.#streams.get(e.id)?.onStopSending(e.code);
        break;
      case "streamsAvailable": {
        const w = this.#streamWaiters;
        this.#streamWaiters = [];
        for (const fn of w) fn();
        break;
      }
      case "datagramReceived": {
        const w = this.#dgramWaiters.shift();
        if (w) w.resolve(e.data);
        else {
          if (this.#dgrams.length >= 256) this.#dgrams.shift();
          this.#dgrams.push(e.data);
        }
        break;
      }
      case "sessionTicket":
        if (!this.#ticketReceived) {
          this.#ticketReceived = true;
          this.#ticketValue = e.ticket as SessionTicket;
          this.#ticket?.resolve(this.#ticketValue);
        }
        this.onSessionTicket?.(e.ticket as SessionTicket);
        break;
      case "connectionClosed":
        if (!this.#ticketReceived && !this.#ticketError) {
          this.#ticketError = new QuicConnectionError(
            e.code,
            e.reason,
            e.isApplication,
            e.byPeer,
            e.kind,
          );
          this.#ticket?.reject(this.#ticketError);
        }
        this.#onClosed(e);
        break;
      case "terminated":
        this.#onTerminated();
        break;
      default:
        break;
    }
  }

  #onClosed(e: Extract<ConnectionEvent, { type: "connectionClosed" }>): void {
    if (this.#closeInfo || this.#closeError) return;
    this.#closedByPeer = e.byPeer;
    // A local abort (timeout, signal) reports its own kind, not the close it caused.
    const err = this.#abortError ??
      new QuicConnectionError(e.code, e.reason, e.isApplication, e.byPeer, e.kind);
    if (e.kind === "close" && e.isApplication && !this.#abortError) {
      this.#closeInfo = { closeCode: e.code, reason: e.reason };
    } else {
      this.#closeError = err;
    }
    this.#handshake.reject(err);
    const streamErr = new QuicStreamError("connectionClosed", e.code, err.message);
    for (const st of [...this.#streams.values()]) {
      st.failRead(streamErr);
      st.failWrite(streamErr);
    }
    for (const w of this.#dgramWaiters) w.reject(streamErr);
    this.#dgramWaiters = [];
    const sw = this.#streamWaiters;
    this.#streamWaiters = [];
    for (const fn of sw) fn();
    this.#uniDone = true;
    for (const ctl of [this.#bidiCtl, this.#uniCtl]) {
      try {
        ctl?.close();
      } catch {
        // already closed
      }
    }
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    // Resolve once the CONNECTION_CLOSE left the socket, so `await conn.closed;
    // Deno.exit()` does not lose it.
    this.#driver.schedule();
    queueMicrotask(() => {
      this.#driver.drain().then(() => {
        if (this.#closeInfo) this.#closed.resolve(this.#closeInfo);
        else this.#closed.reject(this.#closeError);
      });
    });
  }

  #onTerminated(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    if (!this.#closeInfo && !this.#closeError) {
      this.#onClosed({
        type: "connectionClosed",
        code: 0,
        reason: "",
        isApplication: false,
        byPeer: false,
        kind: "close",
      });
    }
    this.onTerminated?.();
  }

  /** @internal Fails the connection attempt locally (timeout, abort). */
  abortAttempt(kind: string, reason: string): void {
    if (!this.#core.isClosed) {
      this.#core.close(0, reason, false, this.#driver.now());
      this.#driver.schedule();
    }
    const err = new QuicConnectionError(0, reason, false, false, kind);
    this.#abortError ??= err;
    this.#handshake.reject(err);
  }
}
