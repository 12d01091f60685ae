/**
 * The sans-IO QUIC connection (RFC 9000, RFC 9001, RFC 9002). Created by an
 * {@link Endpoint} (`connect()` or an accepted incoming connection); driven
 * through the endpoint's `handleDatagram` / `pollTransmit` / `handleTimeout`.
 * The application uses the stream, datagram and close methods here and
 * drains {@link ConnectionEvent}s.
 * @module
 */
import { type ConnCore, ConnPhase, type ConnStats } from "./conn_state.ts";
import type { SocketAddr } from "./config.ts";
import { bindCore, wakeConn } from "./conn_internal.ts";
import type { ConnectionEvent } from "./events.ts";
import { handleDatagram } from "./conn_recv.ts";
import { pollTransmit } from "./conn_send.ts";
import { onLossDetectionTimeout } from "./conn_recovery.ts";
import { closeConnection, closeWithError, enterClosed, onIdleTimeout } from "./conn_close.ts";
import { initiateKeyUpdate, onKeyTimer } from "./key_update.ts";
import {
  openStream,
  streamEntry,
  streamFinish,
  streamRead,
  streamReset,
  streamStopSending,
  streamWrite,
} from "./conn_streams.ts";
import {
  canMigrate,
  onLocalAddressChanged,
  onPathTimeout,
  pathDeadline,
  pollPathTransmit,
} from "./paths.ts";

/**
 * Result of {@link Connection.streamRead}: the bytes read (null when none
 * are available yet) and whether the stream's end was reached.
 *
 * @example
 * ```ts
 * import type { StreamReadResult } from "@gquic/core/quic";
 * const r: StreamReadResult = { data: null, fin: true };
 * console.log(r.fin);
 * ```
 */
export interface StreamReadResult {
  /** Data in stream order, or null. */
  data: Uint8Array | null;
  /** True once all data up to the FIN has been read. */
  fin: boolean;
}

/**
 * Statistics of a connection.
 *
 * @example
 * ```ts
 * import type { ConnectionStats } from "@gquic/core/quic";
 * const f = (s: ConnectionStats) => s.smoothedRtt;
 * console.log(typeof f);
 * ```
 */
export interface ConnectionStats extends ConnStats {
  /** smoothed_rtt (ms). */
  smoothedRtt: number;
  /** min_rtt (ms). */
  minRtt: number;
  /** Congestion window (bytes). */
  congestionWindow: number;
  /** Bytes in flight. */
  bytesInFlight: number;
  /** Current datagram size limit. */
  maxDatagramSize: number;
}

/**
 * One QUIC connection. All times are the caller's monotonic milliseconds.
 * Stream IDs and error codes are numbers (RFC 9000 §2.1, §20.2).
 *
 * @example
 * ```ts
 * import type { Connection } from "@gquic/core/quic";
 * function echo(conn: Connection, id: number, now: number) {
 *   const r = conn.streamRead(id, 65536, now);
 *   if (r?.data) conn.streamWrite(id, r.data, r.fin);
 * }
 * console.log(typeof echo);
 * ```
 */
export class Connection {
  readonly #c: ConnCore;
  /** Endpoint-assigned handle, unique within the endpoint. */
  readonly handle: number;

  /**
   * Wraps connection state (use `Endpoint.connect` or accept incoming
   * connections instead of constructing directly).
   * @param core internal state (opaque)
   * @param handle endpoint handle
   */
  constructor(core: unknown, handle: number) {
    this.#c = core as ConnCore;
    this.handle = handle;
    bindCore(this, this.#c);
  }

  /** True on the server side. */
  get isServer(): boolean {
    return this.#c.isServer;
  }

  /** The peer's current address. */
  get remoteAddress(): SocketAddr {
    return this.#c.remote;
  }

  /**
   * Destination of the datagram the last {@link pollTransmit} returned: the
   * active path's peer address, or another path for PATH_CHALLENGE /
   * PATH_RESPONSE datagrams (RFC 9000 §8.2.2, §9.3.3).
   */
  get transmitAddress(): SocketAddr {
    return this.#c.paths.txRemote;
  }

  /** True once the active path is validated (RFC 9000 §8.2); false while a new path is checked. */
  get isPathValidated(): boolean {
    const c = this.#c;
    return c.isServer ? c.addressValidated : c.paths.active.validated;
  }

  /**
   * Client: whether {@link onLocalAddressChanged} would migrate now (RFC 9000
   * §9): handshake confirmed, the server allows active migration, and a spare
   * server CID is available for the new path (§9.5). Check before rebinding.
   */
  get canMigrate(): boolean {
    return canMigrate(this.#c);
  }

  /**
   * Client: the driver moved the socket to a new local address (active
   * migration, RFC 9000 §9.2). The connection switches to a fresh server CID
   * (retiring the old one), validates the new path with PATH_CHALLENGE and
   * resets congestion and RTT state once it is validated. Returns false when
   * migration is not possible ({@link canMigrate}); packets then keep the
   * old CID and the server sees what looks like a NAT rebinding.
   */
  onLocalAddressChanged(now: number): boolean {
    wakeConn(this);
    return onLocalAddressChanged(this.#c, now);
  }

  /** The negotiated ALPN protocol, once the handshake completed. */
  get alpnProtocol(): string | undefined {
    return this.#c.alpn;
  }

  /** True once the TLS handshake completed. */
  get isHandshakeComplete(): boolean {
    return this.#c.handshakeComplete;
  }

  /** True once the handshake is confirmed (RFC 9001 §4.1.2). */
  get isHandshakeConfirmed(): boolean {
    return this.#c.handshakeConfirmed;
  }

  /** True once closing, draining or closed. */
  get isClosed(): boolean {
    return this.#c.phase >= ConnPhase.CLOSING;
  }

  /** True once the connection is gone and may be dropped. */
  get isTerminated(): boolean {
    return this.#c.phase === ConnPhase.CLOSED;
  }

  /** The QUIC version in use. */
  get version(): number {
    return this.#c.version;
  }

  /** Server name: the SNI the client sent (server side) or asked for (client side). */
  get serverName(): string | undefined {
    return (this.#c.tls as unknown as { serverName?: string }).serverName;
  }

  /** True once the peer's address is validated (RFC 9000 §8.1; always true on a client). */
  get isAddressValidated(): boolean {
    return this.#c.addressValidated;
  }

  /** The negotiated TLS cipher suite code (RFC 8446 §B.4), once the ServerHello is processed. */
  get cipherSuite(): number | undefined {
    return (this.#c.tls as unknown as { cipherSuite?: number }).cipherSuite;
  }

  /** The negotiated key exchange group code (RFC 8446 §4.2.7); undefined before it or for psk_ke. */
  get keyExchangeGroup(): number | undefined {
    return (this.#c.tls as unknown as { group?: number }).group;
  }

  /** True when the handshake resumed a session from a ticket (RFC 8446 §2.2). */
  get isResumed(): boolean {
    return (this.#c.tls as unknown as { resumed?: boolean }).resumed === true;
  }

  /**
   * 0-RTT outcome (RFC 9001 §4.6): "none" when no early data was offered (or
   * the outcome is not known yet), "accepted" or "rejected". A client's
   * rejected early data is sent again in 1-RTT packets.
   */
  get earlyDataStatus(): "none" | "accepted" | "rejected" {
    return this.#c.zeroRtt?.status ?? "none";
  }

  /** Client: true while streams opened now would go out in 0-RTT packets. */
  get isSendingEarlyData(): boolean {
    return this.#c.zeroRtt?.writing === true && !this.#c.handshakeComplete;
  }

  /** Peer certificates (DER, leaf first) once received. */
  get peerCertificates(): Uint8Array[] {
    return (this.#c.tls as unknown as { peerCertificates?: Uint8Array[] }).peerCertificates ?? [];
  }

  /**
   * Feeds a datagram addressed to this connection. The bytes are decrypted in
   * place. Usually called by the endpoint.
   */
  handleDatagram(data: Uint8Array, remote: SocketAddr, now: number): void {
    handleDatagram(this.#c, data, remote, now);
  }

  /**
   * Writes the next datagram into `buf`; returns its length (0 = nothing to
   * send now). Usually called by the endpoint.
   */
  pollTransmit(buf: Uint8Array, now: number): number {
    try {
      // PATH_CHALLENGE / PATH_RESPONSE datagrams first: never delayed (RFC 9000 §8.2.2).
      const n = pollPathTransmit(this.#c, buf, now);
      if (n > 0) return n;
      this.#c.paths.txRemote = this.#c.remote;
      return pollTransmit(this.#c, buf, now);
    } catch (e) {
      // Our own bug must not escape into the driver: close with INTERNAL_ERROR.
      closeWithError(this.#c, e, now);
      return 0;
    }
  }

  /** The earliest time {@link handleTimeout} must be called, or undefined. */
  nextTimeout(): number | undefined {
    const c = this.#c;
    if (c.phase === ConnPhase.CLOSED) return undefined;
    let t = Math.min(c.idleDeadline, c.closeDeadline);
    if (c.phase < ConnPhase.CLOSING) {
      t = Math.min(t, c.recovery.getLossDetectionTimer() ?? Infinity, c.prevReadKeysDeadline);
      // An ACK blocked by the anti-amplification limit (an unvalidated path,
      // RFC 9000 §8.1, §9.3) waits for the next datagram, not for a timer.
      if (c.amplificationBudget >= 64) {
        for (const s of c.spaces) {
          if (s.ack.hasNewPackets && !s.discarded && s.writeKeys) {
            t = Math.min(t, s.ack.ackDeadline);
          }
        }
      }
      if (c.pacingDeadline > 0) t = Math.min(t, c.pacingDeadline);
      t = Math.min(t, c.pmtud.nextTimeout); // RFC 8899 PROBE_TIMER, PMTU_RAISE_TIMER
      t = Math.min(t, pathDeadline(c)); // RFC 9000 §8.2.4
    }
    return t === Infinity ? undefined : t;
  }

  /** Fires the timers due at `now` (loss detection, PTO, idle, close, ACK delay, pacing). */
  handleTimeout(now: number): void {
    try {
      this.#handleTimeout(now);
    } catch (e) {
      closeWithError(this.#c, e, now);
    }
  }

  #handleTimeout(now: number): void {
    const c = this.#c;
    if (c.phase === ConnPhase.CLOSED) return;
    if (now >= c.closeDeadline) {
      enterClosed(c, now);
      return;
    }
    if (now >= c.idleDeadline) {
      onIdleTimeout(c, now);
      return;
    }
    if (c.phase >= ConnPhase.CLOSING) return;
    if (c.pacingDeadline > 0 && now >= c.pacingDeadline) c.pacingDeadline = 0;
    if (now >= c.prevReadKeysDeadline) onKeyTimer(c, now);
    c.pmtud.onTimeout(now);
    onPathTimeout(c, now);
    if (c.phase >= ConnPhase.CLOSED) return;
    if (now >= (c.recovery.getLossDetectionTimer() ?? Infinity)) onLossDetectionTimeout(c, now);
    // ACK deadlines are served by pollTransmit (shouldSendAck reads the clock).
  }

  /** Next event, if any. */
  pollEvent(): ConnectionEvent | undefined {
    return this.#c.takeEvent();
  }

  /** True when events are queued. */
  get hasEvents(): boolean {
    return this.#c.events.length > 0;
  }

  /**
   * Opens a stream; returns its ID, or undefined when the peer's stream limit
   * is reached (a `streamsAvailable` event follows when it is raised).
   */
  openStream(bidi: boolean): number | undefined {
    wakeConn(this);
    if (this.isClosed) return undefined;
    return openStream(this.#c, bidi);
  }

  /**
   * Queues `data` on a stream and returns how many bytes were accepted (fewer
   * than `data.length` when the send buffer is full: wait for
   * `streamWritable`). The accepted bytes are kept by reference — do not
   * modify `data` afterwards. `fin` ends the stream if everything was accepted.
   * @throws RangeError for an unknown or receive-only stream
   */
  streamWrite(id: number, data: Uint8Array, fin = false): number {
    wakeConn(this);
    if (this.isClosed) return 0;
    return streamWrite(this.#c, id, data, fin);
  }

  /** Ends the sending side (FIN) after the data already written. */
  streamFinish(id: number): void {
    wakeConn(this);
    streamFinish(this.#c, id);
  }

  /**
   * Reads up to `max` bytes; flow-control credit is granted as data is read
   * (not on arrival). Returns undefined for an unknown stream.
   */
  streamRead(id: number, max: number, now: number): StreamReadResult | undefined {
    wakeConn(this);
    return streamRead(this.#c, id, max, now);
  }

  /** Abandons sending on a stream with RESET_STREAM(code). */
  streamReset(id: number, code: number): void {
    wakeConn(this);
    streamReset(this.#c, id, code);
  }

  /** Asks the peer to stop sending with STOP_SENDING(code); unread data is discarded. */
  streamStopSending(id: number, code: number, now = 0): void {
    wakeConn(this);
    streamStopSending(this.#c, id, code, now);
  }

  /** Bytes that {@link streamWrite} would accept now on `id` (0 if unknown). */
  streamWritableBytes(id: number): number {
    return streamEntry(this.#c, id)?.send?.writableBytes ?? 0;
  }

  /** True while the stream exists in the connection's table. */
  hasStream(id: number): boolean {
    return streamEntry(this.#c, id) !== undefined;
  }

  /** Largest DATAGRAM payload the peer accepts now (0 when unsupported). */
  get maxDatagramSize(): number {
    const c = this.#c;
    const peer = c.peerParams?.maxDatagramFrameSize ?? 0;
    if (peer === 0) return 0;
    // Fits in one packet: short header + AEAD tag + frame header.
    return Math.min(peer, c.maxDatagramSize - 1 - c.peerCids.current.cid.length - 4 - 16) - 4;
  }

  /**
   * Queues an unreliable DATAGRAM (RFC 9221). Returns false when it is too
   * large or DATAGRAM is not negotiated; the oldest queued one is dropped
   * when the queue is full.
   */
  sendDatagram(data: Uint8Array): boolean {
    wakeConn(this);
    const c = this.#c;
    if (this.isClosed || data.length > this.maxDatagramSize) return false;
    if (c.datagramsOut.length >= c.cfg.datagramQueueLength) c.datagramsOut.shift();
    c.datagramsOut.push(data.slice());
    return true;
  }

  /** Sends a PING (e.g. keep-alive). */
  ping(): void {
    wakeConn(this);
    this.#c.pingPending = true;
  }

  /** Starts a key update (RFC 9001 §6.1); false if not allowed right now. */
  updateKeys(now: number): boolean {
    wakeConn(this);
    return initiateKeyUpdate(this.#c, now);
  }

  /** Current 1-RTT key phase bit. */
  get keyPhase(): number {
    return this.#c.keyPhase;
  }

  /**
   * Closes the connection (RFC 9000 §10.2): CONNECTION_CLOSE with `code`
   * and `reason`, as an application close (0x1d) unless `isApp` is false.
   */
  close(code: number, reason = "", isApp = true, now = 0): void {
    wakeConn(this);
    closeConnection(this.#c, code, reason, isApp, 0, now);
  }

  /** Counters and recovery state. */
  getStats(): ConnectionStats {
    const c = this.#c;
    return {
      ...c.stats,
      smoothedRtt: c.rtt.smoothedRtt,
      minRtt: c.rtt.minRtt,
      congestionWindow: c.cc.congestionWindow,
      bytesInFlight: c.cc.bytesInFlight,
      maxDatagramSize: c.maxDatagramSize,
    };
  }

  /** Number of live streams. */
  get streamCount(): number {
    return this.#c.streams.map.size;
  }

  /**
   * Application-space (0-RTT and 1-RTT) packets sent so far; packet numbers
   * skipped against optimistic ACKs (RFC 9000 §21.4) are not counted.
   */
  get applicationPacketsSent(): number {
    return this.#c.applicationPacketsSent;
  }
}
