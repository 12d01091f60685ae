/**
 * The handshake (RFC 9001 §4): CRYPTO data to and from the TLS machine, key
 * installation per encryption level, transport parameters (RFC 9000 §7.4,
 * §18) with connection ID authentication (§7.3), key discard (RFC 9001
 * §4.9), HANDSHAKE_DONE, Retry (RFC 9000 §17.2.5) and Version Negotiation.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import { type ConnCore, ConnPhase, type TlsMachine } from "./conn_state.ts";
import { APPLICATION, HANDSHAKE, INITIAL, type PacketSpace } from "./spaces.ts";
import { AlertDescription, TlsAlertError } from "../../crypto/tls/alert.ts";
import type { TlsEvent } from "../../crypto/tls/types.ts";
import { createPacketKeys, updatePacketKeys } from "../../crypto/packet_keys.ts";
import { createInitialKeys } from "../../crypto/initial_secrets.ts";
import type { CipherSuiteId } from "../../crypto/cipher_suites.ts";
import { verifyRetryIntegrityTag } from "../../crypto/retry.ts";
import {
  decodeTransportParameters,
  encodeTransportParameters,
  type TransportParameters,
} from "./transport_params.ts";
import type { PacketHeader } from "./header.ts";
import { discardSpace, resetInitialSpace } from "./conn_recovery.ts";
import { applyPeerStreamParams } from "./conn_streams.ts";
import { cidEqual } from "./cid.ts";
import { isLoopbackAddress } from "./pmtud.ts";
import { enterClosed } from "./conn_close.ts";
import {
  installZeroRttSecrets,
  onEarlyDataOutcome,
  onOneRttWriteKey,
  onZeroRttHandshakeComplete,
} from "./zero_rtt.ts";

/** Encryption level of a space's CRYPTO stream (RFC 9001 §4). */
function levelOf(s: PacketSpace): 0 | 2 | 3 {
  return s.id === INITIAL ? 0 : s.id === HANDSHAKE ? 2 : 3;
}

/** Installs Initial keys derived from `dcid` (RFC 9001 §5.2). */
export function installInitialKeys(c: ConnCore, dcid: Uint8Array): void {
  const k = createInitialKeys(c.version, dcid);
  const s = c.spaces[INITIAL];
  s.readKeys = c.isServer ? k.client : k.server;
  s.writeKeys = c.isServer ? k.server : k.client;
}

/** Our transport parameters (RFC 9000 §18.2). */
export function localTransportParameters(c: ConnCore): Uint8Array {
  const cfg = c.cfg;
  const p: Partial<TransportParameters> = {
    maxIdleTimeout: cfg.maxIdleTimeout,
    maxUdpPayloadSize: cfg.maxUdpPayloadSize,
    initialMaxData: cfg.initialMaxData,
    initialMaxStreamDataBidiLocal: cfg.initialMaxStreamDataBidiLocal,
    initialMaxStreamDataBidiRemote: cfg.initialMaxStreamDataBidiRemote,
    initialMaxStreamDataUni: cfg.initialMaxStreamDataUni,
    initialMaxStreamsBidi: cfg.initialMaxStreamsBidi,
    initialMaxStreamsUni: cfg.initialMaxStreamsUni,
    ackDelayExponent: cfg.ackDelayExponent,
    maxAckDelay: cfg.maxAckDelay,
    disableActiveMigration: cfg.disableActiveMigration,
    activeConnectionIdLimit: cfg.activeConnectionIdLimit,
    initialSourceConnectionId: c.localCids.active.get(0)?.cid ?? new Uint8Array(0),
  };
  if (cfg.maxDatagramFrameSize > 0) p.maxDatagramFrameSize = cfg.maxDatagramFrameSize;
  if (c.isServer) {
    p.originalDestinationConnectionId = c.originalDcid;
    if (c.retryScid) p.retrySourceConnectionId = c.retryScid;
    const token = c.localCids.tokenFor(0);
    if (token) p.statelessResetToken = token;
  }
  return encodeTransportParameters(p, { senderRole: c.isServer ? "server" : "client" });
}

/** Starts the handshake (client: emits the ClientHello). */
export function startHandshake(c: ConnCore, now: number): void {
  c.tls.start?.(now);
  drainTls(c, now);
}

/** CRYPTO frame (RFC 9000 §19.6): reassemble and feed TLS in order. */
export function onCryptoFrame(
  c: ConnCore,
  s: PacketSpace,
  offset: number,
  data: Uint8Array,
  now: number,
): void {
  s.crypto.onCryptoFrame(offset, data);
  for (;;) {
    // Handshake messages are small; the stream hands over what is contiguous.
    const chunk = s.crypto.read();
    if (chunk === null) break;
    try {
      c.tls.receive(levelOf(s), chunk, now);
    } catch (e) {
      if (e instanceof TlsAlertError) throw e.toQuicError();
      throw e;
    }
    drainTls(c, now);
  }
}

/**
 * A server's TLS machine once its handshake is complete: QUIC has no
 * post-handshake messages from a client (RFC 9001 §4.1.3: KeyUpdate is
 * forbidden, §6) and the tickets went out at completion, so only what the
 * API reads is kept; the key schedule, transcript and certificate state
 * (≈ 8.7 KB) are released for the connection's lifetime.
 */
class RetiredServerTls implements TlsMachine {
  readonly serverName: string | undefined;
  readonly resumed: boolean;
  readonly peerCertificates: Uint8Array[] | undefined;
  readonly alpnProtocol: string | undefined;
  // Kept for `Connection.cipherSuite` / `keyExchangeGroup` (QuicConn.tlsInfo).
  readonly cipherSuite: number | undefined;
  readonly group: number | undefined;
  constructor(t: TlsMachine) {
    const o = t as unknown as {
      cipherSuite?: number;
      group?: number;
      serverName?: string;
      resumed?: boolean;
      peerCertificates?: Uint8Array[];
      alpnProtocol?: string;
    };
    this.serverName = o.serverName;
    this.resumed = o.resumed === true;
    this.peerCertificates = o.peerCertificates;
    this.alpnProtocol = o.alpnProtocol;
    this.cipherSuite = o.cipherSuite;
    this.group = o.group;
  }
  receive(_level: 0 | 1 | 2 | 3, data: Uint8Array): void {
    if (data.length === 0) return;
    throw new TlsAlertError(
      AlertDescription.unexpected_message,
      "handshake message after the handshake",
    );
  }
  pollEvent(): undefined {
    return undefined;
  }
}

/** Applies every pending TLS event. */
export function drainTls(c: ConnCore, now: number): void {
  for (;;) {
    const e = c.tls.pollEvent() as TlsEvent | undefined;
    if (!e) {
      if (c.isServer && c.handshakeComplete && !(c.tls instanceof RetiredServerTls)) {
        c.tls = new RetiredServerTls(c.tls);
      }
      return;
    }
    switch (e.type) {
      case "handshakeData": {
        const s = e.level === 0
          ? c.spaces[INITIAL]
          : e.level === 2
          ? c.spaces[HANDSHAKE]
          : c.spaces[APPLICATION];
        s.crypto.write(e.data.slice());
        break;
      }
      case "secrets":
        installSecrets(c, e.level, e.cipherSuite as CipherSuiteId, e.read, e.write, now);
        break;
      case "handshakeComplete":
        onTlsComplete(c, now);
        break;
      case "sessionTicket":
        c.emitLatest({ type: "sessionTicket", ticket: e.ticket });
        break;
      case "earlyDataAccepted":
      case "earlyDataRejected":
        onEarlyDataOutcome(c, e.type === "earlyDataAccepted", now);
        break;
      default:
        break;
    }
  }
}

function installSecrets(
  c: ConnCore,
  level: number,
  suite: CipherSuiteId,
  read: Uint8Array | undefined,
  write: Uint8Array | undefined,
  now: number,
): void {
  if (level === 1) {
    installZeroRttSecrets(c, suite, read, write); // RFC 9001 §5.6
    return;
  }
  const s = level === 2 ? c.spaces[HANDSHAKE] : c.spaces[APPLICATION];
  if (read) {
    s.readKeys = createPacketKeys(suite, read, c.version);
    if (s.id === APPLICATION) c.nextReadKeys = updatePacketKeys(s.readKeys);
  }
  if (write) {
    s.writeKeys = createPacketKeys(suite, write, c.version);
    if (s.id === APPLICATION) onOneRttWriteKey(c); // No 0-RTT after 1-RTT (RFC 9001 §4.6.1).
    // The client's anti-deadlock probe moves to Handshake (RFC 9002 §6.2.2.1).
    if (s.id === HANDSHAKE) c.recovery.onHandshakeKeysAvailable(now);
  }
}

function tpFail(message: string): QuicError {
  return new QuicError(TransportErrorCode.TRANSPORT_PARAMETER_ERROR, message);
}

/** Decodes and checks the peer's transport parameters (RFC 9000 §7.3, §7.4). */
function takePeerParams(c: ConnCore): TransportParameters {
  const raw = (c.tls as unknown as { peerTransportParameters?: Uint8Array })
    .peerTransportParameters;
  if (!raw) {
    // RFC 9001 §8.2: missing quic_transport_parameters.
    throw new QuicError(TransportErrorCode.CRYPTO_ERROR + 109, "no transport parameters");
  }
  const p = decodeTransportParameters(raw, c.isServer ? "client" : "server");
  const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
    a !== undefined && b !== undefined && cidEqual(a, b);
  if (!same(p.initialSourceConnectionId, c.peerInitialScid)) {
    throw tpFail("initial_source_connection_id mismatch");
  }
  if (!c.isServer) {
    if (!same(p.originalDestinationConnectionId, c.originalDcid)) {
      throw tpFail("original_destination_connection_id mismatch");
    }
    if (c.retried ? !same(p.retrySourceConnectionId, c.retryScid) : p.retrySourceConnectionId) {
      throw tpFail("retry_source_connection_id mismatch");
    }
  }
  return p;
}

function onTlsComplete(c: ConnCore, now: number): void {
  const p = takePeerParams(c);
  onZeroRttHandshakeComplete(c, p, now); // RFC 9000 §7.4.1
  c.peerParams = p;
  c.handshakeComplete = true;
  c.alpn = (c.tls as unknown as { alpnProtocol?: string }).alpnProtocol;
  if (c.phase === ConnPhase.HANDSHAKE) c.phase = ConnPhase.ESTABLISHED;
  // RFC 9000 §10.1: the effective idle timeout is the minimum of both.
  if (p.maxIdleTimeout > 0) c.idleTimeout = Math.min(c.idleTimeout, p.maxIdleTimeout);
  c.recovery.setPeerMaxAckDelay(p.maxAckDelay);
  if (p.statelessResetToken) c.peerCids.setInitialResetToken(p.statelessResetToken);
  c.localCids.setPeerLimit(Math.min(p.activeConnectionIdLimit, 8));
  applyPeerStreamParams(c, p);
  c.emit({ type: "handshakeCompleted", alpnProtocol: c.alpn });
  if (c.isServer) {
    // RFC 9001 §4.1.2: the server's handshake is confirmed on completion;
    // §4.9.2: Handshake keys are discarded then.
    c.handshakeConfirmed = true;
    c.handshakeDonePending = true;
    discardSpace(c, c.spaces[HANDSHAKE], now);
    c.recovery.onHandshakeConfirmed(now);
    startPmtud(c, now);
  }
}

/**
 * RFC 9000 §14.3.1: DPLPMTUD starts once the handshake is confirmed; the
 * search never goes past the peer's max_udp_payload_size (§18.2).
 */
function startPmtud(c: ConnCore, now: number): void {
  const cap = isLoopbackAddress(c.remote.hostname)
    ? Math.max(c.cfg.maxDatagramSize, c.cfg.loopbackMaxDatagramSize)
    : c.cfg.maxDatagramSize;
  c.pmtud.start(Math.min(cap, c.peerParams?.maxUdpPayloadSize ?? 1200), now);
}

/** HANDSHAKE_DONE (RFC 9000 §19.20): the client's handshake is confirmed. */
export function onHandshakeDone(c: ConnCore, now: number): void {
  if (c.handshakeConfirmed) return;
  c.handshakeConfirmed = true;
  discardSpace(c, c.spaces[HANDSHAKE], now);
  c.recovery.onHandshakeConfirmed(now);
  startPmtud(c, now);
}

/** Client: follow a Retry (RFC 9000 §17.2.5.2). */
export function onRetry(c: ConnCore, buf: Uint8Array, h: PacketHeader, now: number): void {
  if (c.receivedFromPeer || c.retried) return; // Only one Retry, and only before any Initial.
  const packet = buf.subarray(h.packetStart, h.packetEnd);
  if (!verifyRetryIntegrityTag(c.version, c.originalDcid, packet)) return;
  if (cidEqual(h.scid, c.peerCids.current.cid)) return;
  c.retried = true;
  c.retryScid = h.scid.slice();
  c.peerInitialScid = h.scid.slice();
  c.peerCids.setInitial(h.scid.slice());
  c.token = h.token.slice();
  installInitialKeys(c, h.scid);
  // Everything sent in Initial packets must be sent again with the new keys.
  resetInitialSpace(c, now);
}

/** Client: a Version Negotiation packet (RFC 9000 §6.2). */
export function onVersionNegotiation(c: ConnCore, h: PacketHeader, now: number): void {
  if (h.supportedVersions.includes(c.version)) return; // Must be ignored.
  if (!cidEqual(h.dcid, c.localCids.active.get(0)?.cid ?? new Uint8Array(0))) return;
  c.emit({
    type: "connectionClosed",
    code: TransportErrorCode.VERSION_NEGOTIATION_ERROR,
    reason: `no common version (server offers ${h.supportedVersions.join(",")})`,
    isApplication: false,
    byPeer: true,
    kind: "versionNegotiation",
  });
  enterClosed(c, now);
}
