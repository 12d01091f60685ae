/**
 * The driver: one datagram socket, one timer set to the sans-IO core's
 * earliest deadline, and event dispatch to {@link QuicConn}s. This is the
 * only place (with io/deno_udp.ts) that owns the clock and the network.
 *
 * Flow: a received datagram goes to `Endpoint.handleDatagram`; application
 * calls mark the driver dirty; a flush — once per event-loop turn
 * (`setImmediate`, after the turn's received datagrams and the microtasks
 * they triggered) — dispatches events, drains `pollTransmit` into the socket
 * without awaiting sends (up to the socket's in-flight bound, resuming when
 * a slot frees), and re-arms the timer. Flushing per turn rather than per
 * microtask or per datagram lets ACKs ride with the response and joins the
 * writes of every `await` in HTTP/3 and Web Streams code into full packets
 * (RFC 9000 §13.2.1 lets ACKs wait up to max_ack_delay anyway).
 * @module
 */
import { randomFillSync } from "node:crypto";
import { clearImmediate, setImmediate } from "node:timers";
import { Endpoint } from "./proto/endpoint.ts";
import type { ConnectOptions, EndpointConfig, TransportConfig } from "./proto/config.ts";
import type { Connection } from "./proto/connection.ts";
import { type DatagramSocket, DenoUdpSocket } from "./io/deno_udp.ts";
import { QuicConn } from "./conn.ts";
import { QuicIncoming, QuicListener } from "./listener.ts";
import type {
  QuicCloseInfo,
  QuicEndpointOptions,
  QuicListenOptions,
  QuicNetAddr,
  QuicTransportOptions,
} from "./api_types.ts";

/** Most (server, port, ALPN, trust) keys the client ticket cache holds. */
const TICKET_CACHE_KEYS = 256;
/** Most tickets kept per key (each is used once, RFC 8446 §C.4). */
const TICKETS_PER_KEY = 4;
import { certificatesFromPem } from "../crypto/tls/pem.ts";
import { parsePrivateKeyPem } from "../crypto/tls/keys.ts";
import { acquireKeyLog, type KeyLogHandle, keyLogPath } from "./keylog.ts";
import type { SessionTicket } from "../crypto/tls/types.ts";
import { tlsCodes } from "./api_types.ts";

/** Epoch-based monotonic milliseconds (TLS checks certificate validity against it). */
function clock(): number {
  return performance.timeOrigin + performance.now();
}

function cryptoRandom(n: number): Uint8Array {
  const b = new Uint8Array(n);
  randomFillSync(b);
  return b;
}

/** Maps Deno's transport option names onto the core's transport config. */
export function transportFromOptions(o: QuicTransportOptions): TransportConfig {
  const t: TransportConfig = {};
  if (o.maxIdleTimeout !== undefined) t.maxIdleTimeout = o.maxIdleTimeout;
  if (o.maxConcurrentBidirectionalStreams !== undefined) {
    t.initialMaxStreamsBidi = o.maxConcurrentBidirectionalStreams;
  }
  if (o.maxConcurrentUnidirectionalStreams !== undefined) {
    t.initialMaxStreamsUni = o.maxConcurrentUnidirectionalStreams;
  }
  if (o.congestionControl === "low-latency") t.congestionControl = "newreno";
  return { ...t, ...o.transport };
}

/**
 * Cipher suite preference of the Deno driver: ChaCha20-Poly1305 first.
 * `node:crypto` here seals a 16 KB packet with ChaCha20-Poly1305 in ≈ 21 µs
 * (780 MB/s) against ≈ 99 µs (165 MB/s) for AES-128-GCM, so with large
 * datagrams (PMTUD) it is the cheaper AEAD by 5x; both AES suites stay
 * offered for peers without ChaCha20 (RFC 9001 §5.3).
 *
 * @example
 * ```ts ignore
 * import { DRIVER_CIPHER_SUITES } from "./endpoint.ts";
 * console.log(DRIVER_CIPHER_SUITES[0].toString(16)); // "1303"
 * ```
 * @internal
 */
export const DRIVER_CIPHER_SUITES: number[] = [0x1303, 0x1301, 0x1302];

/**
 * The TLS `cipherSuites` / `groups` settings for options that may name
 * them (codes or RFC names); the driver's cipher preference otherwise.
 *
 * @example
 * ```ts ignore
 * import { tlsAlgorithms } from "./endpoint.ts";
 * console.log(tlsAlgorithms({ groups: ["secp256r1"] }).groups); // [ 23 ]
 * ```
 * @internal
 */
export function tlsAlgorithms(
  o: Pick<QuicTransportOptions, "cipherSuites" | "groups">,
): { cipherSuites: number[]; groups?: number[] } {
  const r: { cipherSuites: number[]; groups?: number[] } = {
    cipherSuites: o.cipherSuites ? tlsCodes("cipherSuite", o.cipherSuites) : DRIVER_CIPHER_SUITES,
  };
  if (o.groups) r.groups = tlsCodes("group", o.groups);
  return r;
}

/** Internal hooks used by `connectQuic` (not public API). @internal */
export const endpointInternals: unique symbol = Symbol("gquic.endpointInternals");

/**
 * A QUIC endpoint bound to one UDP socket (Deno's `Deno.QuicEndpoint`):
 * clients connect through it with `connectQuic({ endpoint })`, servers call
 * {@link listen}.
 *
 * @example
 * ```ts ignore
 * import { QuicEndpoint } from "@gquic/core/quic";
 * const ep = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
 * const listener = ep.listen({
 *   cert: await Deno.readTextFile("cert.pem"),
 *   key: await Deno.readTextFile("key.pem"),
 *   alpnProtocols: ["echo"],
 * });
 * console.log(`listening on ${ep.addr.port}`);
 * for await (const incoming of listener) {
 *   const conn = await incoming.accept();
 *   for await (const { readable, writable } of conn.incomingBidirectionalStreams) {
 *     readable.pipeTo(writable).catch(() => {});
 *   }
 * }
 * ```
 */
export class QuicEndpoint {
  readonly #sock: DatagramSocket;
  readonly #cfg: EndpointConfig = { random: cryptoRandom };
  #core: Endpoint | undefined;
  readonly #conns = new Map<Connection, QuicConn>();
  #listener: QuicListener | undefined;
  #listenKeepAlive = 0;
  #flushQueued = false;
  #flushing = false;
  #again = false;
  #waitingForSlot = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerIsImmediate = false;
  #timerAt = Infinity;
  #closed = false;
  #closeWhenIdle = false;
  #recvDone: Promise<void>;
  readonly #keyLogs = new Map<string, KeyLogHandle>();
  readonly #tickets: Map<string, SessionTicket[]> | undefined;
  readonly #driver: {
    schedule: () => void;
    now: () => number;
    drain: () => Promise<void>;
    endpoint: unknown;
  };

  /**
   * Binds the socket (default `::`, dual-stack, ephemeral port).
   * @param options address to bind
   */
  constructor(options: QuicEndpointOptions = {}) {
    this.#sock = options.socket ?? DenoUdpSocket.bind({
      hostname: options.hostname ?? "::",
      port: options.port ?? 0,
      maxInFlight: options.maxInFlight,
    });
    if (options.sessionCache !== false) this.#tickets = new Map();
    this.#driver = {
      schedule: () => this.#schedule(),
      now: clock,
      drain: () => this.#sock.drain(),
      endpoint: this,
    };
    this.#recvDone = this.#receiveLoop();
  }

  /** The bound address. */
  get addr(): QuicNetAddr {
    const a = this.#sock.localAddr;
    return { transport: "udp", hostname: a.hostname, port: a.port };
  }

  /** Live connections on this endpoint. */
  get connectionCount(): number {
    return this.#conns.size;
  }

  #ensureCore(): Endpoint {
    this.#core ??= new Endpoint(this.#cfg);
    return this.#core;
  }

  /**
   * Starts accepting connections with this certificate chain and key (PEM)
   * and ALPN list (Deno's `QuicEndpoint.listen`).
   */
  listen(options: QuicListenOptions): QuicListener {
    if (this.#closed) throw new Deno.errors.BadResource("endpoint closed");
    if (this.#listener && !this.#listener.stopped) {
      throw new Deno.errors.AddrInUse("already listening");
    }
    const chain = certificatesFromPem(options.cert);
    if (chain.length === 0) throw new TypeError("listen: no certificate in `cert`");
    const key = parsePrivateKeyPem(options.key);
    if (!options.alpnProtocols || options.alpnProtocols.length === 0) {
      throw new TypeError("listen: QUIC requires at least one ALPN protocol");
    }
    const algorithms = tlsAlgorithms(options);
    // The core reads `server` from its config object on every new connection.
    this.#cfg.server = {
      certificateChain: chain,
      privateKey: key,
      alpnProtocols: options.alpnProtocols,
      keyLog: this.keyLog(options.keyLogFile),
      ...algorithms,
      enableEarlyData: options.zeroRtt ?? false,
    };
    this.#cfg.retry = options.retry ?? false;
    if (!this.#core) this.#cfg.transport = transportFromOptions(options);
    this.#listenKeepAlive = options.keepAliveInterval ?? 0;
    this.#ensureCore();
    const listener = new QuicListener(this, options.backlog ?? 1000, () => {
      this.#cfg.server = undefined;
    });
    this.#listener = listener;
    return listener;
  }

  /** @internal Starts a client connection (used by `connectQuic`). */
  [endpointInternals](
    remote: { hostname: string; port: number },
    options: ConnectOptions,
    keepAliveInterval: number,
  ): QuicConn {
    if (this.#closed) throw new Deno.errors.BadResource("endpoint closed");
    const core = this.#ensureCore();
    const c = core.connect(remote, options, clock());
    const qc = this.#register(c, keepAliveInterval);
    this.#schedule();
    return qc;
  }

  /**
   * @internal The key log sink for `explicitPath` (or SSLKEYLOGFILE): one
   * counted reference per endpoint and path, released when it shuts down.
   */
  keyLog(explicitPath: string | undefined): ((line: string) => void) | undefined {
    const path = keyLogPath(explicitPath);
    if (!path) return undefined;
    let h = this.#keyLogs.get(path);
    if (!h) {
      h = acquireKeyLog(path);
      this.#keyLogs.set(path, h);
    }
    return h.log;
  }

  /**
   * @internal Takes (removes) a still-valid cached session ticket for
   * `key`, if the endpoint caches tickets.
   */
  takeTicket(key: string): SessionTicket | undefined {
    const list = this.#tickets?.get(key);
    if (!list) return undefined;
    const now = clock();
    for (let t; (t = list.pop());) {
      // RFC 8446 §4.6.1: ticket_lifetime (seconds) bounds its use.
      if (now < t.receivedAt + t.lifetime * 1000) {
        if (list.length === 0) this.#tickets!.delete(key);
        return t;
      }
    }
    this.#tickets!.delete(key);
    return undefined;
  }

  /** @internal Remembers a session ticket for `key` (bounded). */
  storeTicket(key: string, t: SessionTicket): void {
    const cache = this.#tickets;
    if (!cache) return;
    let list = cache.get(key);
    if (!list) {
      if (cache.size >= TICKET_CACHE_KEYS) cache.delete(cache.keys().next().value!);
      list = [];
      cache.set(key, list);
    }
    list.push(t);
    if (list.length > TICKETS_PER_KEY) list.shift();
  }

  /** @internal Whether client connections on this endpoint cache session tickets. */
  get cachesTickets(): boolean {
    return this.#tickets !== undefined;
  }

  /** @internal Closes the socket once the last connection is gone (implicit client endpoints). */
  closeWhenIdle(): void {
    this.#closeWhenIdle = true;
    if (this.#conns.size === 0) this.#shutdown();
  }

  #register(c: Connection, keepAlive: number): QuicConn {
    const qc = new QuicConn(this.#driver, c, keepAlive);
    this.#conns.set(c, qc);
    qc.onTerminated = () => {
      this.#conns.delete(c);
      if (this.#closeWhenIdle && this.#conns.size === 0) this.#shutdown();
    };
    return qc;
  }

  /**
   * Closes every connection with `info` (application close) and then the
   * socket; the listener stops.
   */
  close(info: Partial<QuicCloseInfo> = {}): void {
    if (this.#closed) return;
    this.#listener?.stop();
    this.#core?.close(info.closeCode ?? 0, info.reason ?? "", clock());
    this.#flush();
    this.#closeWhenIdle = true;
    this.#closed = true;
    if (this.#conns.size === 0) this.#shutdown();
    else {
      // Connections sit in closing for 3×PTO; do not keep the socket beyond a bound.
      const t = setTimeout(() => this.#shutdown(), 3000);
      Deno.unrefTimer(t as unknown as number);
    }
  }

  /** Resolves when the socket is closed and the receive loop ended. */
  get finished(): Promise<void> {
    return this.#recvDone;
  }

  #shutdownStarted = false;
  #shutdown(): void {
    if (this.#shutdownStarted) return;
    this.#shutdownStarted = true;
    this.#closed = true;
    this.#listener?.stop();
    this.#clearTimer();
    // Let queued datagrams (CONNECTION_CLOSE) leave before closing the socket.
    this.#sock.drain().then(() => this.#sock.close());
    for (const h of this.#keyLogs.values()) h.release();
    this.#keyLogs.clear();
  }

  async #receiveLoop(): Promise<void> {
    for (;;) {
      let r;
      try {
        r = await this.#sock.receive();
      } catch {
        r = null;
      }
      if (!r) break;
      const core = this.#core;
      if (!core) continue;
      core.handleDatagram(r[0], r[1], clock());
      // One flush after the turn's batch of datagrams (not one per datagram).
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#flushing) {
      this.#again = true;
      return;
    }
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // Once per event-loop turn: after this turn's I/O callbacks and the
    // microtasks they ran (application writes), before the next poll.
    setImmediate(this.#flushCb);
  }

  readonly #flushCb = (): void => {
    if (this.#flushQueued) this.#flush();
  };

  #dispatch(core: Endpoint): void {
    for (let e; (e = core.pollEvent());) {
      if (e.type === "newConnection") {
        const qc = this.#register(e.conn, this.#listenKeepAlive);
        const l = this.#listener;
        const incoming = new QuicIncoming(qc, this.#sock.localAddr.hostname);
        if (!l || !l.push(incoming)) qc.refuse();
      } else {
        this.#conns.get(e.conn)?.onEvent(e.event);
      }
    }
  }

  #flush(): void {
    this.#flushQueued = false;
    const core = this.#core;
    if (!core || this.#shutdownStarted) return;
    this.#flushing = true;
    try {
      for (let round = 0; round < 16; round++) {
        this.#again = false;
        const now = clock();
        this.#dispatch(core);
        const sock = this.#sock;
        while (sock.canSend) {
          const t = core.pollTransmit(now);
          if (!t) break;
          sock.send(t.data, t.remote);
        }
        if (!sock.canSend && !this.#waitingForSlot) {
          this.#waitingForSlot = true;
          sock.onWritable(() => {
            this.#waitingForSlot = false;
            this.#schedule();
          });
        }
        this.#dispatch(core);
        if (!this.#again) break;
      }
    } finally {
      this.#flushing = false;
    }
    if (this.#again) this.#schedule();
    this.#armTimer(core);
  }

  #clearTimer(): void {
    const t = this.#timer;
    if (t === undefined) return;
    if (this.#timerIsImmediate) clearImmediate(t as unknown as ReturnType<typeof setImmediate>);
    else clearTimeout(t);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #armTimer(core: Endpoint): void {
    const t = core.nextTimeout();
    if (t === undefined) return this.#clearTimer();
    // Keep an earlier (or equal) pending timer: it re-arms when it fires.
    if (this.#timer !== undefined && this.#timerAt <= t) return;
    this.#clearTimer();
    this.#timerAt = t;
    const fire = () => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      core.handleTimeout(clock());
      this.#flush();
    };
    const delay = t - clock();
    // Sub-millisecond deadlines (pacing gaps, due ACKs): setTimeout rounds up
    // to whole milliseconds and clamps chained timers to ≈ 2–4 ms, which
    // throttles a paced sender; an immediate re-polls after the I/O phase
    // (≈ 2 µs) until the deadline passes.
    this.#timerIsImmediate = delay < 1;
    this.#timer = this.#timerIsImmediate
      ? setImmediate(fire) as unknown as ReturnType<typeof setTimeout>
      : setTimeout(fire, Math.ceil(delay));
  }
}
