/**
 * Session resumption and 0-RTT for the QUIC connection (RFC 9001 §4.6,
 * RFC 9000 §7.4.1, §12.3, §17.2.3). The TLS machine decides; this module
 * applies its decisions to the connection:
 *
 * - client: the 0-RTT write key becomes the Application space's write key
 *   until the 1-RTT key replaces it, and packets built meanwhile get a 0-RTT
 *   long header. Early flow-control and stream limits come from the server's
 *   transport parameters remembered with the ticket (§7.4.1); after the
 *   handshake a server that accepted 0-RTT must not have reduced them
 *   (PROTOCOL_VIOLATION otherwise). On rejection every 0-RTT packet is
 *   treated as lost, so its frames are sent again in 1-RTT (RFC 9001 §4.6.2).
 * - server: the 0-RTT read key opens 0-RTT packets in the Application space
 *   (acknowledged in 1-RTT packets, §12.3). 0-RTT packets that reach an
 *   existing connection before its ClientHello is processed are buffered (at
 *   most {@link MAX_BUFFERED_ZERO_RTT}); those whose connection does not exist
 *   yet (no Initial seen) are dropped by the endpoint and resent by the client
 *   as lost. The key is discarded on the first 1-RTT packet (RFC 9001 §4.9.3).
 *
 * The endpoint owns the ticket key ring and the anti-replay guard
 * ({@link ServerResumption}).
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import type { ConnCore } from "./conn_state.ts";
import { APPLICATION } from "./spaces.ts";
import { decodeTransportParameters, type TransportParameters } from "./transport_params.ts";
import { applyPeerStreamParams } from "./conn_streams.ts";
import { onItemLost } from "./conn_items.ts";
import type { ResolvedTransportConfig, ServerTlsConfig } from "./config.ts";
import { createPacketKeys, type PacketKeys } from "../../crypto/packet_keys.ts";
import type { CipherSuiteId } from "../../crypto/cipher_suites.ts";
import type { SessionTicket, TlsServerOptions } from "../../crypto/tls/types.ts";
import { AntiReplayGuard, TicketKeyRing } from "../../crypto/tls/session_ticket.ts";

/** Most 0-RTT packets a server connection buffers before it can decide on them. */
export const MAX_BUFFERED_ZERO_RTT = 8;

/** 0-RTT state of one connection (internal). */
export interface ZeroRttState {
  /** Client: the ticket offered for resumption. */
  session?: SessionTicket;
  /** Client: the remembered server transport parameters used for 0-RTT. */
  remembered?: TransportParameters;
  /** Client: the Application write key is the 0-RTT key (long header type 0x01). */
  writing: boolean;
  /** Server: the 0-RTT read key, until discarded. */
  readKeys?: PacketKeys;
  /** Server: the ClientHello has not been processed yet (0-RTT may still come). */
  undecided: boolean;
  /** Server: 0-RTT packets waiting for the decision (bounded). */
  pending: Uint8Array[];
  /** TLS outcome. */
  status: "none" | "accepted" | "rejected";
  /** Client: 0-RTT packets were requeued after an Initial PTO. */
  requeuedOnPto: boolean;
  /** Server: when the 0-RTT read key goes (3 × PTO after the handshake, RFC 9001 §4.9.3). */
  discardAt: number;
}

/** Attaches fresh 0-RTT state to `c`; `session` for a client offering a ticket. */
export function attachZeroRtt(c: ConnCore, session?: SessionTicket): ZeroRttState {
  const z: ZeroRttState = {
    session,
    writing: false,
    undecided: true,
    pending: [],
    status: "none",
    discardAt: Infinity,
    requeuedOnPto: false,
  };
  c.zeroRtt = z;
  return z;
}

/**
 * TLS handed out a 0-RTT secret (RFC 9001 §5.6). Client: the write key, used
 * only if the ticket remembers decodable transport parameters (§7.4.1 needs
 * them for the early limits). Server: the read key.
 */
export function installZeroRttSecrets(
  c: ConnCore,
  suite: CipherSuiteId,
  read: Uint8Array | undefined,
  write: Uint8Array | undefined,
): void {
  const z = c.zeroRtt;
  if (!z) return;
  if (c.isServer) {
    z.undecided = false;
    if (read) z.readKeys = createPacketKeys(suite, read, c.version);
    return;
  }
  if (!write || !z.session?.transportParameters) return;
  let p: TransportParameters;
  try {
    p = decodeTransportParameters(z.session.transportParameters, "server");
  } catch {
    return; // Unusable memory: the handshake proceeds without 0-RTT.
  }
  z.remembered = p;
  // RFC 9000 §7.4.1: 0-RTT uses the remembered limits (never updated ones).
  applyPeerStreamParams(c, p);
  c.spaces[APPLICATION].writeKeys = createPacketKeys(suite, write, c.version);
  z.writing = true;
}

/** The 1-RTT write key replaced the 0-RTT one: no more 0-RTT packets (RFC 9001 §4.6.1). */
export function onOneRttWriteKey(c: ConnCore): void {
  const z = c.zeroRtt;
  if (z) z.writing = false;
}

/**
 * TLS reported the early-data outcome. A client whose 0-RTT was rejected
 * stops sending 0-RTT and resends everything it carried in 1-RTT (RFC 9001
 * §4.6.2): its packets leave the Application space's sent record and their
 * frames are queued again, as if lost.
 */
export function onEarlyDataOutcome(c: ConnCore, accepted: boolean, now: number): void {
  const z = c.zeroRtt;
  if (!z) return;
  z.status = accepted ? "accepted" : "rejected";
  if (c.isServer) {
    z.undecided = false;
    if (!accepted) z.pending.length = 0;
    return;
  }
  if (accepted) return;
  const s = c.spaces[APPLICATION];
  if (z.writing) {
    z.writing = false;
    s.writeKeys = undefined;
  }
  requeueZeroRtt(c, now);
}

/**
 * Takes every in-flight Application-space packet (all 0-RTT: no 1-RTT key
 * yet) out of recovery and queues its frames again, without a congestion
 * response (RFC 9002 §6.4: their recovery state is discarded).
 */
function requeueZeroRtt(c: ConnCore, now: number): void {
  const s = c.spaces[APPLICATION];
  const r = c.recovery;
  const sent = r.sent[APPLICATION];
  for (let i = 0; i < sent.length; i++) {
    if (!sent.isLive(i)) continue;
    const info = sent.payload(i);
    if (info) { for (const it of info.items) onItemLost(c, s, it); }
  }
  const ptoCount = r.ptoCount; // keep the Initial/Handshake PTO backoff
  r.resetSpace(APPLICATION, now);
  r.ptoCount = ptoCount;
}

/**
 * Client: the Initial PTO fired while 0-RTT packets are in flight. The
 * ClientHello was not acknowledged, so the 0-RTT packets sent with it most
 * likely could not be opened (servers drop 0-RTT without a connection, RFC
 * 9000 §17.2.3), and no Application PTO exists before confirmation (RFC 9002
 * §6.2.1) to find out: lost 0-RTT packets would fill the congestion window
 * and block the client's Finished. Their frames are queued again (once; a
 * spurious resend is only a duplicate).
 */
export function onClientInitialPto(c: ConnCore, now: number): void {
  const z = c.zeroRtt;
  if (!z || c.isServer || !z.writing || z.requeuedOnPto) return;
  if (c.recovery.sent[APPLICATION].bytesInFlight === 0) return;
  z.requeuedOnPto = true;
  requeueZeroRtt(c, now);
}

/**
 * The handshake completed with the peer's transport parameters `p`. Server:
 * the 0-RTT key is kept 3 × PTO more for reordered packets (RFC 9001 §4.9.3).
 * Client (RFC 9000 §7.4.1): a server that accepted 0-RTT must not reduce the
 * limits the client used with its 0-RTT data (RFC 9221 §3 adds
 * max_datagram_frame_size).
 * @throws QuicError PROTOCOL_VIOLATION
 */
export function onZeroRttHandshakeComplete(
  c: ConnCore,
  p: TransportParameters,
  now: number,
): void {
  const z = c.zeroRtt;
  if (!z) return;
  if (c.isServer) {
    z.pending.length = 0;
    if (z.readKeys) z.discardAt = now + 3 * c.rtt.ptoPeriod(c.peerMaxAckDelay);
    return;
  }
  if (z.status !== "accepted" || !z.remembered) return;
  const r = z.remembered;
  const reduced = p.activeConnectionIdLimit < r.activeConnectionIdLimit ||
    p.initialMaxData < r.initialMaxData ||
    p.initialMaxStreamDataBidiLocal < r.initialMaxStreamDataBidiLocal ||
    p.initialMaxStreamDataBidiRemote < r.initialMaxStreamDataBidiRemote ||
    p.initialMaxStreamDataUni < r.initialMaxStreamDataUni ||
    p.initialMaxStreamsBidi < r.initialMaxStreamsBidi ||
    p.initialMaxStreamsUni < r.initialMaxStreamsUni ||
    (p.maxDatagramFrameSize ?? 0) < (r.maxDatagramFrameSize ?? 0);
  if (reduced) {
    throw new QuicError(
      TransportErrorCode.PROTOCOL_VIOLATION,
      "server reduced remembered transport parameters after accepting 0-RTT",
    );
  }
}

/** Server: the key to open a 0-RTT packet at `now`, or undefined (drop or buffer it). */
export function zeroRttReadKeys(c: ConnCore, now: number): PacketKeys | undefined {
  const z = c.zeroRtt;
  if (z?.readKeys && now >= z.discardAt) z.readKeys = undefined;
  return z?.readKeys;
}

/**
 * Server: keeps a copy of a 0-RTT packet that arrived before the ClientHello
 * was processed (RFC 9000 §17.2.3 allows a limited buffer). Returns whether
 * it was kept.
 */
export function bufferZeroRtt(c: ConnCore, packet: Uint8Array): boolean {
  const z = c.zeroRtt;
  if (!c.isServer || !z || !z.undecided || z.pending.length >= MAX_BUFFERED_ZERO_RTT) {
    return false;
  }
  z.pending.push(packet.slice());
  return true;
}

/** Server: buffered 0-RTT packets that can now be opened (emptied on return). */
export function takeBufferedZeroRtt(c: ConnCore): Uint8Array[] | undefined {
  const z = c.zeroRtt;
  if (!z || z.pending.length === 0 || z.undecided) return undefined;
  const out = z.pending;
  z.pending = [];
  return z.readKeys ? out : undefined;
}

/** Client: true while Application-space packets go out as 0-RTT. */
export function isSendingZeroRtt(c: ConnCore): boolean {
  return !c.isServer && !c.handshakeComplete && c.zeroRtt?.writing === true;
}

/**
 * The bytes a ticket remembers and a resuming connection must match for
 * 0-RTT to be accepted (RFC 9001 §4.6.2, RFC 9000 §7.4.1): our transport
 * limits the client may use early, plus the ALPN list. Per-connection values
 * (connection IDs, reset token) are left out, or nothing would ever match.
 */
export function earlyDataContext(cfg: ResolvedTransportConfig, alpn: string[] = []): Uint8Array {
  const v = [
    cfg.initialMaxData,
    cfg.initialMaxStreamDataBidiLocal,
    cfg.initialMaxStreamDataBidiRemote,
    cfg.initialMaxStreamDataUni,
    cfg.initialMaxStreamsBidi,
    cfg.initialMaxStreamsUni,
    cfg.activeConnectionIdLimit,
    cfg.maxDatagramFrameSize,
    cfg.maxIdleTimeout,
    cfg.maxUdpPayloadSize,
    cfg.disableActiveMigration ? 1 : 0,
  ];
  return new TextEncoder().encode(`quic0rtt1|${v.join(",")}|${alpn.join(",")}`);
}

/**
 * The server endpoint's resumption machinery: a rotating ticket key ring
 * (tickets are issued after every handshake unless `ticketCount` is 0) and,
 * when `enableEarlyData` is set, a bounded anti-replay guard (RFC 8446 §8).
 * Both may be supplied in the server TLS config instead (e.g. shared by
 * several endpoints).
 *
 * @example
 * ```ts
 * import { ServerResumption } from "@gquic/core/quic";
 * const r = new ServerResumption({ certificateChain: [], privateKey: undefined as never }, (n) => new Uint8Array(n));
 * console.log(r.ticketKeys.size); // 0 (a key is made on first use)
 * ```
 */
export class ServerResumption {
  /** Seals and opens tickets. */
  readonly ticketKeys: TicketKeyRing;
  /** Single-use record of 0-RTT tickets (undefined without 0-RTT). */
  readonly antiReplay: AntiReplayGuard | undefined;
  /** The server settings these were made for. */
  readonly server: ServerTlsConfig;

  /**
   * @param server the endpoint's server TLS settings
   * @param random injected randomness for ticket keys
   */
  constructor(server: ServerTlsConfig, random: (n: number) => Uint8Array) {
    this.server = server;
    this.ticketKeys = server.ticketKeys ?? new TicketKeyRing({ random });
    this.antiReplay = server.enableEarlyData
      ? server.antiReplay ?? new AntiReplayGuard({ maxEntries: 100_000 })
      : undefined;
  }

  /** TLS options for one accepted connection (the endpoint's settings win where given). */
  tlsOptions(cfg: ResolvedTransportConfig): Partial<TlsServerOptions> {
    const s = this.server;
    return {
      ticketKeys: this.ticketKeys,
      antiReplay: this.antiReplay,
      earlyDataContext: s.earlyDataContext ?? earlyDataContext(cfg, s.alpnProtocols),
    };
  }
}
