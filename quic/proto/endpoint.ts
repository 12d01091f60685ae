/**
 * The sans-IO QUIC endpoint (RFC 9000 §5.2, §6, §8, §10.3): demultiplexes
 * datagrams to connections by Destination Connection ID (or by address for
 * zero-length IDs), accepts new connections, answers unknown versions with
 * Version Negotiation, validates addresses with Retry, sends stateless resets
 * for unknown connection IDs, and bounds the work done for unauthenticated
 * packets. One UDP socket's worth of state; the driver owns the socket and
 * the clock.
 *
 * Driving it (all calls synchronous; `now` is monotonic milliseconds on the
 * Unix epoch scale, e.g. `performance.timeOrigin + performance.now()`, because
 * TLS checks certificate validity against it):
 * 1. For each received datagram: `ep.handleDatagram(bytes, remote, now)`
 *    (the bytes are decrypted in place: reuse the receive buffer afterwards).
 * 2. Then, and after every application call on a connection (streamWrite,
 *    streamRead, close, ...), drain `ep.pollTransmit(now)` and send each
 *    datagram (copy `data` if you queue it: the buffer is reused).
 * 3. Drain `ep.pollEvent()`: `newConnection`, and per-connection events
 *    (`handshakeCompleted`, `streamReadable`, `connectionClosed`, ...).
 * 4. Arm one timer at `ep.nextTimeout()`; when it fires call
 *    `ep.handleTimeout(now)` and go to 2.
 *
 * @module
 */
import { coreOf, setWaker } from "./conn_internal.ts";
import { DeadlineHeap } from "./deadline_heap.ts";
import { type ConnectOptions, type EndpointConfig, resolveTransportConfig } from "./config.ts";
import { Connection } from "./connection.ts";
import { ConnCore, type TlsMachine } from "./conn_state.ts";
import type { SocketAddr } from "./config.ts";
import { cidKey, LocalCids } from "./cid.ts";
import { parsePacketHeader } from "./header.ts";
import { PacketType } from "./packet_type.ts";
import { AddressTokenKey, TokenKind } from "./address_token.ts";
import { isSupportedVersion, QUIC_V1, SUPPORTED_VERSIONS } from "./version.ts";
import { installInitialKeys, localTransportParameters, startHandshake } from "./conn_handshake.ts";
import { TlsClient } from "../../crypto/tls/client.ts";
import { TlsServer } from "../../crypto/tls/server.ts";
import { closeWithError } from "./conn_close.ts";
import { onStatelessReset } from "./conn_recv.ts";
import { attachZeroRtt, ServerResumption } from "./zero_rtt.ts";
import type { EndpointEvent, EndpointStats, Transmit } from "./endpoint_types.ts";
import { addrKey, StatelessReplies } from "./endpoint_stateless.ts";

export type { EndpointEvent, EndpointStats, Transmit } from "./endpoint_types.ts";

/**
 * Longest closing/draining period (ms) of a connection once its endpoint
 * closes: one PTO before any RTT sample (RFC 9002 §6.2.2: 1 s), enough to
 * answer one retransmission from a peer that missed our CONNECTION_CLOSE.
 * Connections with RTT samples keep their 3 × PTO when that is shorter.
 */
const ENDPOINT_CLOSE_PERIOD_MAX = 1000;

/**
 * A QUIC endpoint: the client side (`connect`), the server side (when
 * `config.server` is set), or both.
 *
 * @example
 * ```ts
 * import { Endpoint } from "@gquic/core/quic";
 * import { randomBytes } from "node:crypto";
 * const ep = new Endpoint({ random: (n) => new Uint8Array(randomBytes(n)) });
 * const conn = ep.connect({ hostname: "127.0.0.1", port: 4433 }, {
 *   tls: { serverName: "localhost", alpnProtocols: ["h3"] },
 * }, 0);
 * const t = ep.pollTransmit(0); // the client's first Initial, padded to 1200 bytes
 * console.log(conn.handle, t?.data.length);
 * ```
 */
export class Endpoint {
  readonly #cfg: EndpointConfig;
  readonly #random: (n: number) => Uint8Array;
  readonly #cidLength: number;
  readonly #resetKey: Uint8Array;
  readonly #tokens: AddressTokenKey;
  readonly #versions: readonly number[];
  readonly #byCid = new Map<string, Connection>();
  readonly #byAddr = new Map<string, Connection>();
  readonly #conns = new Set<Connection>();
  readonly #stateless: StatelessReplies;
  readonly #buf: Uint8Array;
  #nextHandle = 1;
  // Work sets: every call costs O(connections with work), not O(all
  // connections), so thousands of idle connections are free. A connection
  // enters them when a datagram, a timer or the application touches it
  // (Connection methods call the waker). Sets iterate in insertion order;
  // delete + add moves a connection to the back (round robin).
  /** Connections that may have a datagram to send. */
  readonly #sendQueue = new Set<Connection>();
  /**
   * Connections that may have events. Events stay in each connection's own
   * bounded queue until `pollEvent` pulls them, so an application that stops
   * polling grows no endpoint buffer (see {@link Endpoint.pollEvent}).
   */
  readonly #eventQueue = new Set<Connection>();
  /** Accepted connections whose `newConnection` event is not yet delivered. */
  readonly #announce = new Set<Connection>();
  /** Terminated connections whose last events are not yet delivered. */
  readonly #draining = new Set<Connection>();
  /** Connections whose deadline in {@link #timers} must be recomputed. */
  readonly #timerDirty = new Set<Connection>();
  readonly #timers = new DeadlineHeap<Connection>();
  // Handshake accounting, kept up to date as connections change state
  // (instead of counting on every Initial).
  readonly #handshakes = new Map<Connection, { ip: string; unvalidated: boolean }>();
  readonly #handshakesPerIp = new Map<string, number>();
  #handshaking = 0;
  #unvalidated = 0;
  // Stateless reset tokens of the peer IDs we send to (RFC 9000 §10.3.1).
  readonly #resetTokens = new Map<string, Connection>();
  readonly #tokenOf = new Map<Connection, { token: Uint8Array; key: string }>();
  /** Counters. */
  readonly stats: EndpointStats = {
    datagramsReceived: 0,
    datagramsDropped: 0,
    versionNegotiationSent: 0,
    retrySent: 0,
    statelessResetsSent: 0,
    accepted: 0,
    refused: 0,
  };

  /**
   * Creates an endpoint (no socket: the driver feeds it datagrams).
   * @param config endpoint options (randomness is required)
   */
  constructor(config: EndpointConfig) {
    this.#cfg = config;
    this.#random = config.random;
    this.#cidLength = config.connectionIdLength ?? 8;
    if (this.#cidLength === 0 && config.server) {
      throw new RangeError("a server needs non-empty connection IDs");
    }
    this.#resetKey = config.statelessResetKey ?? this.#random(32).slice();
    this.#tokens = new AddressTokenKey(config.tokenKey ?? this.#random(32).slice(), this.#random);
    this.#versions = config.supportedVersions ?? SUPPORTED_VERSIONS;
    const t = resolveTransportConfig(config.transport);
    // Room for the largest PMTU probe any connection may send (RFC 8899).
    this.#buf = new Uint8Array(Math.max(t.maxDatagramSize, t.loopbackMaxDatagramSize, 1500));
    this.#stateless = new StatelessReplies(
      this.#random,
      this.stats,
      this.#resetKey,
      this.#cidLength,
    );
  }

  /** Number of live connections. */
  get connectionCount(): number {
    return this.#conns.size;
  }

  /** All live connections. */
  get connections(): Iterable<Connection> {
    return this.#conns;
  }

  #register(core: ConnCore): Connection {
    const conn = new Connection(core, this.#nextHandle++);
    core.localCids.routing = {
      onIssued: (cid) => {
        if (cid.length > 0) this.#byCid.set(cidKey(cid), conn);
      },
      onRetired: (cid) => {
        if (this.#byCid.get(cidKey(cid)) === conn) this.#byCid.delete(cidKey(cid));
      },
    };
    this.#conns.add(conn);
    setWaker(conn, () => this.#wake(conn));
    return conn;
  }

  /**
   * Starts a client connection to `remote`. The ClientHello is ready for
   * {@link pollTransmit} immediately.
   */
  connect(remote: SocketAddr, options: ConnectOptions, now: number): Connection {
    const cfg = resolveTransportConfig({ ...this.#cfg.transport, ...options.transport });
    const version = options.version ?? QUIC_V1;
    const localCids = new LocalCids(this.#cidLength, this.#random, this.#resetKey);
    // RFC 9000 §7.2: an unpredictable DCID of at least 8 bytes.
    const dcid = this.#random(8).slice();
    const core = new ConnCore(
      false,
      cfg,
      this.#random,
      version,
      remote,
      localCids,
      dcid,
      dcid,
      undefined as unknown as TlsMachine,
    );
    const conn = this.#register(core);
    core.localScid = localCids.initial(localCids.newCid()).cid;
    if (this.#cidLength === 0) this.#byAddr.set(addrKey(remote), conn);
    const session = options.session ?? options.tls.session;
    if (session) attachZeroRtt(core, session);
    core.tls = new TlsClient({
      ...options.tls,
      session,
      enableEarlyData: options.zeroRtt ?? options.tls.enableEarlyData,
      random: this.#random,
      transportParameters: localTransportParameters(core),
    });
    if (options.token) core.token = options.token.slice();
    installInitialKeys(core, dcid);
    try {
      startHandshake(core, now);
    } catch (e) {
      closeWithError(core, e, now);
    }
    this.#sendQueue.add(conn);
    this.#after(conn);
    return conn;
  }

  /**
   * Processes one received datagram (the bytes are decrypted in place; pass a
   * buffer you can reuse after the call). Never throws for peer input.
   */
  handleDatagram(data: Uint8Array, remote: SocketAddr, now: number): void {
    this.stats.datagramsReceived++;
    if (data.length === 0) return;
    const b0 = data[0];
    let conn: Connection | undefined;
    if ((b0 & 0x80) !== 0) {
      if (data.length < 7) return this.#drop();
      const version = ((data[1] << 24) | (data[2] << 16) | (data[3] << 8) | data[4]) >>> 0;
      const dcidLen = data[5];
      if (6 + dcidLen > data.length) return this.#drop();
      const dcid = data.subarray(6, 6 + dcidLen);
      if (version !== 0 && (!isSupportedVersion(version) || !this.#versions.includes(version))) {
        if (!this.#cfg.server) return this.#drop();
        this.#stateless.versionNegotiation(data, dcid, remote, this.#versions);
        return;
      }
      conn = this.#byCid.get(cidKey(dcid));
      if (!conn && dcidLen === 0) conn = this.#byAddr.get(addrKey(remote));
      if (!conn) {
        if (this.#cfg.server && version !== 0) this.#accept(data, remote, now);
        else this.#drop();
        return;
      }
    } else {
      if (this.#cidLength > 0) {
        if (data.length < 1 + this.#cidLength) return this.#drop();
        conn = this.#byCid.get(cidKey(data.subarray(1, 1 + this.#cidLength)));
      } else {
        conn = this.#byAddr.get(addrKey(remote));
      }
      if (!conn) {
        // RFC 9000 §10.3.1: a reset carries a random DCID; match its token
        // (by index: no walk over all connections per unknown packet).
        const c = data.length >= 21
          ? this.#resetTokens.get(cidKey(data.subarray(data.length - 16)))
          : undefined;
        if (c && coreOf(c).peerCids.isStatelessReset(data)) {
          onStatelessReset(coreOf(c), now);
          this.#after(c);
          return;
        }
        this.#stateless.statelessReset(data, remote, this.#cfg.statelessResetRate ?? 100, now);
        return;
      }
    }
    conn.handleDatagram(data, remote, now);
    this.#sendQueue.add(conn);
    this.#after(conn);
  }

  #drop(): void {
    this.stats.datagramsDropped++;
  }

  /** A long-header packet for no known connection: maybe a new connection (RFC 9000 §5.2.2). */
  #accept(data: Uint8Array, remote: SocketAddr, now: number): void {
    const server = this.#cfg.server!;
    let h;
    try {
      h = parsePacketHeader(data, 0, this.#cidLength);
    } catch {
      return this.#drop();
    }
    if (h.packetType !== PacketType.Initial) return this.#drop();
    // RFC 9000 §14.1: drop Initial datagrams below 1200 bytes; §7.2: DCID ≥ 8 bytes.
    if (data.length < 1200 || h.dcid.length < 8) return this.#drop();
    // Terminated connections whose events the application has not taken
    // yet count too: an application that stops polling stops accepting
    // (like a listen backlog) instead of buffering without bound.
    if (this.#conns.size + this.#draining.size >= (this.#cfg.maxConnections ?? 10_000)) {
      return this.#refuse();
    }
    const maxHandshakes = this.#cfg.maxHandshakes ?? 1000;
    if (this.#handshaking >= maxHandshakes) return this.#refuse();
    // RFC 9000 §8 (and §21.1.1.1): address validation bounds spoofed
    // sources, not a real host that answers Retries, so bound each source
    // IP (all ports: a host has 64k of them). Refused Initials are dropped
    // rather than answered with CONNECTION_REFUSED (§5.2.2 "SHOULD"): the
    // limit is transient, the client's retransmitted Initial gets in once
    // a slot frees, and a flood gets no reply to amplify or measure.
    const ip = remote.hostname;
    if ((this.#handshakesPerIp.get(ip) ?? 0) >= (this.#cfg.maxHandshakesPerAddress ?? 8)) {
      return this.#refuse();
    }
    const addr = addrKey(remote);
    let originalDcid: Uint8Array = h.dcid.slice();
    let retryScid: Uint8Array | undefined;
    let validated = false;
    if (h.token.length > 0) {
      const t = this.#tokens.open(h.token, addr, now, this.#cfg.retryTokenLifetime ?? 10_000);
      if (t && t.kind === TokenKind.RETRY) {
        originalDcid = t.originalDcid;
        retryScid = t.retrySourceCid;
        validated = true;
      } else if (t && t.kind === TokenKind.NEW_TOKEN) {
        validated = true;
      }
    }
    // RFC 9000 §8.1.2, §21.1.1.1: under load (many handshakes with
    // unvalidated addresses, e.g. a spoofed Initial flood) answer with a
    // stateless Retry instead of holding state, so real clients still get
    // in while spoofed ones cannot take every handshake slot.
    const retryUnderLoad = this.#cfg.retryUnderLoad ?? Math.floor(maxHandshakes / 2);
    if (!validated && (this.#cfg.retry || this.#unvalidated >= retryUnderLoad)) {
      this.#stateless.retry(h.version, h.dcid, h.scid, remote, this.#tokens, now);
      return;
    }
    const cfg = resolveTransportConfig(this.#cfg.transport);
    const localCids = new LocalCids(this.#cidLength, this.#random, this.#resetKey);
    const core = new ConnCore(
      true,
      cfg,
      this.#random,
      h.version,
      remote,
      localCids,
      h.scid.slice(),
      originalDcid,
      undefined as unknown as TlsMachine,
    );
    const conn = this.#register(core);
    core.peerInitialScid = h.scid.slice();
    core.retryScid = retryScid;
    core.addressValidated = validated;
    // Route the client's chosen DCID here until it switches to ours (RFC 9000 §7.2).
    const odcidKey = cidKey(h.dcid);
    this.#byCid.set(odcidKey, conn);
    this.#odcid.set(conn, odcidKey);
    core.localScid = localCids.initial(localCids.newCid()).cid;
    try {
      // Session tickets (and 0-RTT when `server.enableEarlyData`) use keys
      // held by the endpoint, made again if the server settings are replaced.
      if (this.#resumption?.server !== server) {
        this.#resumption = new ServerResumption(server, this.#random);
      }
      if (this.#resumption.antiReplay) attachZeroRtt(core);
      core.tls = new TlsServer({
        ...server,
        ...this.#resumption?.tlsOptions(cfg),
        random: this.#random,
        transportParameters: localTransportParameters(core),
      });
    } catch (e) {
      core.tls = { start() {}, receive() {}, pollEvent: () => undefined };
      closeWithError(core, e, now);
    }
    installInitialKeys(core, h.dcid);
    this.stats.accepted++;
    this.#handshakes.set(conn, { ip, unvalidated: !validated });
    this.#handshakesPerIp.set(ip, (this.#handshakesPerIp.get(ip) ?? 0) + 1);
    this.#handshaking++;
    if (!validated) this.#unvalidated++;
    this.#announce.add(conn);
    this.#eventQueue.add(conn);
    conn.handleDatagram(data, remote, now);
    this.#sendQueue.add(conn);
    this.#after(conn);
  }

  #refuse(): void {
    this.stats.refused++;
    this.#drop();
  }

  readonly #odcid = new Map<Connection, string>();
  #resumption: ServerResumption | undefined;

  /** The application touched `conn`: poll it for datagrams, events and timers. */
  #wake(conn: Connection): void {
    if (!this.#conns.has(conn)) return;
    this.#sendQueue.add(conn);
    this.#eventQueue.add(conn);
    this.#timerDirty.add(conn);
  }

  /**
   * Bookkeeping after the endpoint ran `conn` (datagram, transmit, timer):
   * event and timer work sets, handshake counters, reset token index,
   * routing; forgets it once terminated.
   */
  #after(conn: Connection): void {
    if (conn.hasEvents) this.#eventQueue.add(conn);
    if (conn.isTerminated) return this.#forget(conn);
    this.#timerDirty.add(conn);
    const hs = this.#handshakes.get(conn);
    if (hs) {
      if (conn.isHandshakeComplete) this.#endHandshake(conn);
      else if (hs.unvalidated && conn.isAddressValidated) {
        hs.unvalidated = false;
        this.#unvalidated--;
      }
    }
    const token = coreOf(conn).peerCids.current.resetToken;
    if (token !== this.#tokenOf.get(conn)?.token) this.#indexResetToken(conn, token);
    if (conn.isHandshakeConfirmed) {
      // The client has switched to our CIDs: stop routing its original DCID.
      const k = this.#odcid.get(conn);
      if (k !== undefined) {
        if (this.#byCid.get(k) === conn) this.#byCid.delete(k);
        this.#odcid.delete(conn);
      }
    }
  }

  #endHandshake(conn: Connection): void {
    const hs = this.#handshakes.get(conn);
    if (!hs) return;
    this.#handshakes.delete(conn);
    this.#handshaking--;
    if (hs.unvalidated) this.#unvalidated--;
    const n = (this.#handshakesPerIp.get(hs.ip) ?? 1) - 1;
    if (n > 0) this.#handshakesPerIp.set(hs.ip, n);
    else this.#handshakesPerIp.delete(hs.ip);
  }

  #indexResetToken(conn: Connection, token: Uint8Array | undefined): void {
    const old = this.#tokenOf.get(conn);
    if (old && this.#resetTokens.get(old.key) === conn) this.#resetTokens.delete(old.key);
    this.#tokenOf.delete(conn);
    if (token === undefined) return;
    const key = cidKey(token);
    this.#resetTokens.set(key, conn);
    this.#tokenOf.set(conn, { token, key });
  }

  #forget(conn: Connection): void {
    if (!this.#conns.delete(conn)) return;
    coreOf(conn).localCids.retireAll();
    const k = this.#odcid.get(conn);
    if (k !== undefined && this.#byCid.get(k) === conn) this.#byCid.delete(k);
    this.#odcid.delete(conn);
    const a = addrKey(conn.remoteAddress);
    if (this.#byAddr.get(a) === conn) this.#byAddr.delete(a);
    this.#endHandshake(conn);
    this.#indexResetToken(conn, undefined);
    this.#sendQueue.delete(conn);
    this.#timerDirty.delete(conn);
    this.#timers.delete(conn);
    // Its last events (connectionClosed, terminated) wait for pollEvent.
    if (this.#eventQueue.has(conn)) this.#draining.add(conn);
  }

  /**
   * The next datagram to send, or undefined. The returned `data` aliases the
   * endpoint's buffer until the next call.
   */
  pollTransmit(now: number): Transmit | undefined {
    const s = this.#stateless.take();
    if (s) return s;
    // Only connections that something touched since they last had nothing
    // to send: a connection with nothing to send now gets work again only
    // through a datagram, a timer (pacing, loss, ACK delay) or the app.
    for (const conn of this.#sendQueue) {
      const len = conn.pollTransmit(this.#buf, now);
      this.#sendQueue.delete(conn);
      this.#after(conn);
      if (len > 0) {
        // Round robin between connections, one datagram each.
        if (this.#conns.has(conn)) this.#sendQueue.add(conn);
        // The destination follows the connection's paths (RFC 9000 §9).
        return { data: this.#buf.subarray(0, len), remote: conn.transmitAddress };
      }
    }
    return undefined;
  }

  #refreshTimers(): void {
    for (const c of this.#timerDirty) this.#timers.set(c, c.nextTimeout());
    this.#timerDirty.clear();
  }

  /** Earliest deadline over all connections, or undefined. */
  nextTimeout(): number | undefined {
    this.#refreshTimers();
    return this.#timers.peekTime();
  }

  /** Fires every connection timer due at `now`. */
  handleTimeout(now: number): void {
    this.#refreshTimers();
    // Take the due connections first: a deadline that handleTimeout leaves
    // in place (an ACK due, served by pollTransmit) must not loop here.
    const due: Connection[] = [];
    for (
      let t = this.#timers.peekTime();
      t !== undefined && t <= now;
      t = this.#timers.peekTime()
    ) {
      const c = this.#timers.peekKey()!;
      this.#timers.delete(c);
      due.push(c);
    }
    for (const c of due) {
      c.handleTimeout(now);
      this.#sendQueue.add(c);
      this.#after(c);
    }
  }

  /**
   * Next event (new connections and connection events), if any.
   *
   * Events are pulled lazily from the connections that have some, one per
   * connection in turn (order within a connection is kept, and a
   * connection's `newConnection` comes before its own events), so the only
   * buffers are the connections' own bounded queues (e.g. at most
   * `datagramQueueLength` DATAGRAMs, RFC 9221 §5). Terminated connections
   * whose last events are not taken count against `maxConnections`.
   */
  pollEvent(): EndpointEvent | undefined {
    for (const conn of this.#eventQueue) {
      this.#eventQueue.delete(conn);
      if (this.#announce.delete(conn)) {
        this.#eventQueue.add(conn);
        return { type: "newConnection", conn };
      }
      const event = conn.pollEvent();
      if (conn.hasEvents) this.#eventQueue.add(conn);
      else this.#draining.delete(conn);
      if (event) return { type: "connection", conn, event };
    }
    return undefined;
  }

  /**
   * Closes every connection (application close with `code`); connections
   * already closing or draining keep their close. The endpoint is going
   * away with its socket, so every closing/draining period is bounded by
   * 1 s (RFC 9000 §10.2 lets an endpoint that
   * closes its UDP socket end these states early): a connection closed
   * before its first RTT sample (e.g. refused from the listener backlog while
   * the client's Finished is in flight) would otherwise hold the socket for
   * 3 × the initial PTO ≈ 3 s (RFC 9002 §6.2.2).
   */
  close(code: number, reason: string, now: number): void {
    for (const c of [...this.#conns]) {
      c.close(code, reason, true, now);
      const core = coreOf(c);
      core.closeDeadline = Math.min(core.closeDeadline, now + ENDPOINT_CLOSE_PERIOD_MAX);
      this.#after(c);
    }
  }

  /** True when `conn` belongs to this endpoint and is alive. */
  has(conn: Connection): boolean {
    return this.#conns.has(conn);
  }

  /**
   * Notifies the endpoint that `conn` changed outside its methods' notice:
   * polls it for datagrams, events and timers. (Connection methods already
   * notify the endpoint; this is for code that changes it some other way.)
   */
  touch(conn: Connection): void {
    this.#wake(conn);
    if (this.#conns.has(conn)) this.#after(conn);
  }
}
