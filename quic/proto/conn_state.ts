/**
 * The internal state of one QUIC connection. The public `Connection` class
 * wraps one of these; the packet assembly (conn_send.ts), packet processing
 * (conn_recv.ts), handshake (conn_handshake.ts), recovery (conn_recovery.ts),
 * close (conn_close.ts) and key update (key_update.ts) modules operate on it.
 * Not part of the public API.
 * @module
 */
import type { ResolvedTransportConfig, SocketAddr } from "./config.ts";
export type { SocketAddr } from "./config.ts";
import type { ConnectionEvent } from "./events.ts";
import { APPLICATION, HANDSHAKE, INITIAL, PacketSpace } from "./spaces.ts";
import { type LocalCids, PeerCids } from "./cid.ts";
import { RttEstimator } from "./rtt.ts";
import type { CongestionController } from "./congestion/controller.ts";
import { NewReno } from "./congestion/new_reno.ts";
import { Cubic } from "./congestion/cubic.ts";
import { Pacer } from "./congestion/pacer.ts";
import type { PacketKeys } from "../../crypto/packet_keys.ts";
import type { TransportParameters } from "./transport_params.ts";
import { ConnStreams } from "./conn_streams.ts";
import type { LossRecovery } from "./recovery.ts";
import { createRecovery } from "./conn_recovery.ts";
import type { SentInfo } from "./spaces.ts";
import { Pmtud } from "./pmtud.ts";
import { PathManager } from "./paths.ts";
import type { ZeroRttState } from "./zero_rtt.ts";

/** The TLS machine as the connection drives it (crypto/tls client or server). */
export interface TlsMachine {
  /** Starts the handshake (the client emits its ClientHello; servers have none). */
  start?(now: number): void;
  /** Feeds handshake bytes received at `level`; throws TlsAlertError. */
  receive(level: 0 | 1 | 2 | 3, data: Uint8Array, now: number): void;
  /** Next output event, if any. */
  pollEvent(): unknown;
}

/**
 * Most `newToken` and `sessionTicket` events (each) queued on a connection:
 * a server may send any number of NEW_TOKEN frames and tickets, so only the
 * latest ones are kept until the application takes them (bounded memory).
 */
export const MAX_QUEUED_TOKEN_EVENTS = 4;

/** Connection lifecycle (RFC 9000 §10). */
export const ConnPhase = {
  HANDSHAKE: 0,
  ESTABLISHED: 1,
  CLOSING: 2,
  DRAINING: 3,
  CLOSED: 4,
} as const;

/**
 * Counters reported by `Connection.getStats()` (the counters part of `ConnectionStats`).
 *
 * @example
 * ```ts
 * import type { ConnStats } from "@gquic/core/quic";
 * const lossRate = (s: ConnStats) => s.packetsLost / Math.max(1, s.packetsSent);
 * console.log(typeof lossRate);
 * ```
 */
export interface ConnStats {
  /** Packets sent. */
  packetsSent: number;
  /** Packets received and processed. */
  packetsReceived: number;
  /** Packets declared lost. */
  packetsLost: number;
  /** Datagrams sent. */
  datagramsSent: number;
  /** Bytes sent in UDP payloads. */
  bytesSent: number;
  /** Bytes received in UDP payloads. */
  bytesReceived: number;
  /** Packets dropped (undecryptable, duplicate, no keys). */
  packetsDropped: number;
  /** PTO expirations. */
  ptoCount: number;
  /** Key updates (initiated or answered). */
  keyUpdates: number;
  /** Stream bytes retransmitted. */
  streamBytesRetransmitted: number;
}

/** The mutable state of one connection (see module doc). */
export class ConnCore {
  /** Server side? */
  readonly isServer: boolean;
  /** Transport settings. */
  readonly cfg: ResolvedTransportConfig;
  /** Injected randomness. */
  readonly random: (n: number) => Uint8Array;
  /** Negotiated QUIC version. */
  version: number;
  /** Lifecycle phase. */
  phase: number = ConnPhase.HANDSHAKE;
  /** The three packet number spaces. */
  readonly spaces: [PacketSpace, PacketSpace, PacketSpace];
  /** TLS machine. */
  tls: TlsMachine;
  /** IDs we issued. */
  readonly localCids: LocalCids;
  /** IDs the peer issued. */
  readonly peerCids: PeerCids;
  /** Our Source Connection ID in long headers (sequence 0). */
  localScid: Uint8Array;
  /** The client's first Destination Connection ID (RFC 9000 §7.3). */
  originalDcid: Uint8Array;
  /** Source Connection ID of a Retry we followed (client) or sent (server). */
  retryScid: Uint8Array | undefined;
  /** Token sent in Initial packets (client). */
  token: Uint8Array = new Uint8Array(0);
  /** Current peer address. */
  remote: SocketAddr;
  /** TLS handshake finished (RFC 9001 §4.1.1). */
  handshakeComplete = false;
  /** Handshake confirmed (RFC 9001 §4.1.2). */
  handshakeConfirmed = false;
  /** Server: HANDSHAKE_DONE to send (and resend on loss). */
  handshakeDonePending = false;
  /** Client: a packet was received from the server (CIDs fixed, no more Retry). */
  receivedFromPeer = false;
  /** Client: a Retry was processed. */
  retried = false;
  /** Server: the peer address is validated (RFC 9000 §8.1). */
  addressValidated: boolean;
  /** Bytes received from the peer before address validation (anti-amplification). */
  amplificationReceived = 0;
  /** Bytes sent to the peer before address validation. */
  amplificationSent = 0;
  /** Decoded peer transport parameters once known. */
  peerParams: TransportParameters | undefined;
  /** ALPN protocol negotiated. */
  alpn: string | undefined;
  /** RTT estimator (RFC 9002 §5). */
  readonly rtt: RttEstimator;
  /** Congestion controller (RFC 9002 §7 / RFC 9438). */
  readonly cc: CongestionController;
  /** Pacer (RFC 9002 §7.7). */
  readonly pacer: Pacer;
  /** Loss detection, PTO and the controller hand-off (RFC 9002), per space sent records. */
  readonly recovery: LossRecovery<SentInfo>;
  /** Earliest time we may send a paced packet. */
  pacingDeadline = 0;
  /** Largest UDP payload we send (the PLPMTU found by {@link pmtud}). */
  maxDatagramSize: number;
  /** DPLPMTUD for the current path (RFC 8899, RFC 9000 §14.3). */
  readonly pmtud: Pmtud = new Pmtud();
  /** Idle timeout deadline (RFC 9000 §10.1), Infinity when disabled. */
  idleDeadline = Infinity;
  /** Effective idle timeout (min of both sides, ms). */
  idleTimeout: number;
  /** Time of the last ack-eliciting packet sent since a packet was received (§10.1). */
  firstAckElicitingSinceRecv = -Infinity;
  /** Streams and flow control. */
  readonly streams: ConnStreams;
  /** Outgoing DATAGRAM frames (RFC 9221), bounded. */
  readonly datagramsOut: Uint8Array[] = [];
  /** Queued events. */
  readonly events: ConnectionEvent[] = [];
  /** Close: error to report in CONNECTION_CLOSE. */
  closeFrame:
    | { code: number; reason: string; isApp: boolean; frameType: number }
    | undefined;
  /** Closing/draining ends at this time (3 × PTO, RFC 9000 §10.2). */
  closeDeadline = Infinity;
  /** Closing: send a CONNECTION_CLOSE on the next poll. */
  closeSendPending = false;
  /** Closing: packets received since the last CONNECTION_CLOSE we sent (rate limit). */
  closeRecvCount = 0;
  /** Closing: when we last sent CONNECTION_CLOSE (packets crossing it are not answered). */
  closeSentAt = -Infinity;
  /** Source Connection ID of the peer's first Initial (RFC 9000 §7.3). */
  peerInitialScid: Uint8Array | undefined;
  /** DATAGRAM events queued and not yet taken by the app. */
  datagramsInQueued = 0;
  /** `newToken` events queued (at most {@link MAX_QUEUED_TOKEN_EVENTS}). */
  newTokensQueued = 0;
  /** `sessionTicket` events queued (at most {@link MAX_QUEUED_TOKEN_EVENTS}). */
  ticketsQueued = 0;
  /** Smallest packet number received in the current key phase. */
  recvPhaseFirstPn = Infinity;
  /** The last 1-RTT packet was opened with the next-generation keys. */
  usedNextKeys = false;
  /** Current 1-RTT keys phase bit. */
  keyPhase: 0 | 1 = 0;
  /** Next-generation read keys, precomputed (RFC 9001 §6.3). */
  nextReadKeys: PacketKeys | undefined;
  /** Previous-generation read keys kept for reordered packets, and when to drop them. */
  prevReadKeys: PacketKeys | undefined;
  /** Time after which {@link prevReadKeys} is discarded. */
  prevReadKeysDeadline = Infinity;
  /** First packet number sent with the current write keys (update confirmed once acked). */
  keyUpdateFirstPn = -1;
  /** True while our key update is not yet acknowledged (RFC 9001 §6.1). */
  keyUpdatePending = false;
  /** 1-RTT packets sent with the current keys. */
  packetsWithCurrentKeys = 0;
  /**
   * Application-space packets actually sent (0-RTT and 1-RTT, probes and
   * CONNECTION_CLOSE included); packet numbers skipped (RFC 9000 §21.4) are not.
   */
  applicationPacketsSent = 0;
  /** Counters. */
  readonly stats: ConnStats = {
    packetsSent: 0,
    packetsReceived: 0,
    packetsLost: 0,
    datagramsSent: 0,
    bytesSent: 0,
    bytesReceived: 0,
    packetsDropped: 0,
    ptoCount: 0,
    keyUpdates: 0,
    streamBytesRetransmitted: 0,
  };
  /** Authentication failures (RFC 9001 §6.6 integrity limit). */
  decryptFailures = 0;
  /** Queued NEW_TOKEN tokens (server). */
  newTokens: Uint8Array[] = [];
  /** A PING was requested (keep-alive or explicit). */
  pingPending = false;
  /** Paths, path validation and migration (RFC 9000 §8.2, §9; paths.ts). */
  readonly paths: PathManager;
  /**
   * Resumption and 0-RTT state (zero_rtt.ts): only resuming clients and
   * 0-RTT-capable servers have any.
   */
  zeroRtt: ZeroRttState | undefined = undefined;

  /**
   * @param isServer server side?
   * @param cfg transport settings
   * @param random injected randomness
   * @param version QUIC version
   * @param remote peer address
   * @param localCids our CID set (seq 0 registered by the caller)
   * @param peerCid the peer's initial CID (client: random DCID)
   * @param originalDcid client's first DCID
   * @param tls TLS machine
   */
  constructor(
    isServer: boolean,
    cfg: ResolvedTransportConfig,
    random: (n: number) => Uint8Array,
    version: number,
    remote: SocketAddr,
    localCids: LocalCids,
    peerCid: Uint8Array,
    originalDcid: Uint8Array,
    tls: TlsMachine,
  ) {
    this.isServer = isServer;
    this.cfg = cfg;
    this.random = random;
    this.version = version;
    this.remote = remote;
    this.localCids = localCids;
    this.peerCids = new PeerCids(cfg.activeConnectionIdLimit, peerCid);
    this.originalDcid = originalDcid;
    this.localScid = localCids.active.get(0)?.cid ?? new Uint8Array(0);
    this.tls = tls;
    this.addressValidated = !isServer;
    this.paths = new PathManager(remote, !isServer);
    const mk = (id: 0 | 1 | 2) =>
      new PacketSpace(id, cfg.maxAckRanges, cfg.cryptoBufferLimit, cfg.maxAckDelay, cfg.ackEveryN);
    this.spaces = [mk(INITIAL), mk(HANDSHAKE), mk(APPLICATION)];
    this.rtt = new RttEstimator(cfg.initialRtt);
    this.maxDatagramSize = cfg.initialMaxDatagramSize;
    const ccOpts = { maxDatagramSize: this.maxDatagramSize };
    this.cc = cfg.congestionControl === "newreno" ? new NewReno(ccOpts) : new Cubic(ccOpts);
    this.pacer = new Pacer({ maxDatagramSize: this.maxDatagramSize });
    this.recovery = createRecovery(this, isServer, this.rtt, this.cc);
    this.idleTimeout = cfg.maxIdleTimeout > 0 ? cfg.maxIdleTimeout : Infinity;
    this.streams = new ConnStreams(this);
  }

  /** Queues an event for the application. */
  emit(e: ConnectionEvent): void {
    this.events.push(e);
  }

  /**
   * Queues a `newToken` or `sessionTicket` event, dropping the oldest queued
   * one of the same type once {@link MAX_QUEUED_TOKEN_EVENTS} are waiting.
   */
  emitLatest(e: Extract<ConnectionEvent, { type: "newToken" | "sessionTicket" }>): void {
    const isToken = e.type === "newToken";
    const queued = isToken ? this.newTokensQueued : this.ticketsQueued;
    if (queued >= MAX_QUEUED_TOKEN_EVENTS) {
      const events = this.events;
      for (let i = 0; i < events.length; i++) {
        if (events[i].type === e.type) {
          events.splice(i, 1);
          break;
        }
      }
    } else if (isToken) this.newTokensQueued++;
    else this.ticketsQueued++;
    this.events.push(e);
  }

  /** Takes the oldest queued event, keeping the per-type counts in step. */
  takeEvent(): ConnectionEvent | undefined {
    const e = this.events.shift();
    if (e === undefined) return e;
    if (e.type === "datagramReceived") this.datagramsInQueued--;
    else if (e.type === "newToken") this.newTokensQueued--;
    else if (e.type === "sessionTicket") this.ticketsQueued--;
    return e;
  }

  /** The peer's max_ack_delay (0 until known). */
  get peerMaxAckDelay(): number {
    return this.peerParams?.maxAckDelay ?? 25;
  }

  /** True once closing, draining or closed. */
  get isClosing(): boolean {
    return this.phase >= ConnPhase.CLOSING;
  }

  /** Remaining anti-amplification budget in bytes (RFC 9000 §8.1). */
  get amplificationBudget(): number {
    if (this.addressValidated) return Infinity;
    return 3 * this.amplificationReceived - this.amplificationSent;
  }
}
