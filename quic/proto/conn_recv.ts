/**
 * Packet processing (RFC 9000 §12, §17; RFC 9001 §5): splits a datagram into
 * coalesced packets, removes protection in place, drops what cannot be
 * processed, dispatches frames, and records packets for acknowledgement.
 * Errors from the peer become a close with the right code; nothing is thrown
 * out of {@link handleDatagram}.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import { type ConnCore, ConnPhase, type SocketAddr } from "./conn_state.ts";
import { APPLICATION, HANDSHAKE, INITIAL, type PacketSpace } from "./spaces.ts";
import { iterateCoalescedPackets, type PacketHeader } from "./header.ts";
import { PacketType } from "./packet_type.ts";
import { UnprotectedPacketResult, unprotectPacketInto } from "../../crypto/packet_protection.ts";
import { decodeFrame } from "./frames/decode.ts";
import { assertFrameAllowed, isAckEliciting, isProbingFrame } from "./frames/permissions.ts";
import type { Frame } from "./frames/types.ts";
import { discardSpace, onAckReceived, updateAmplificationLimit } from "./conn_recovery.ts";
import { onCryptoFrame, onHandshakeDone, onRetry, onVersionNegotiation } from "./conn_handshake.ts";
import { closeWithError, enterDraining, onCloseStateDatagram } from "./conn_close.ts";
import { onPacketDecrypted, selectReadAead } from "./key_update.ts";
import {
  onMaxData,
  onMaxStreamData,
  onMaxStreams,
  onResetStream,
  onStopSending,
  onStreamDataBlocked,
  onStreamFrame,
} from "./conn_streams.ts";
import { cidEqual } from "./cid.ts";
import {
  onDatagramReceived,
  onPacketAuthenticated,
  onPathChallenge,
  onPathResponse,
} from "./paths.ts";
import { bufferZeroRtt, takeBufferedZeroRtt, zeroRttReadKeys } from "./zero_rtt.ts";

function spaceOf(t: number): number {
  if (t === PacketType.Initial) return INITIAL;
  if (t === PacketType.Handshake) return HANDSHAKE;
  return APPLICATION;
}

/**
 * Processes one UDP datagram addressed to this connection. The datagram's
 * bytes are decrypted in place. Returns true when at least one packet was
 * processed (authenticated).
 */
export function handleDatagram(
  c: ConnCore,
  data: Uint8Array,
  remote: SocketAddr,
  now: number,
): boolean {
  if (c.phase === ConnPhase.CLOSED || c.phase === ConnPhase.DRAINING) return false;
  c.stats.bytesReceived += data.length;
  // Per-path anti-amplification accounting; drops what no path accepts (RFC 9000 §9).
  if (!onDatagramReceived(c, data, remote)) {
    c.stats.packetsDropped++;
    return false;
  }
  if (c.phase === ConnPhase.CLOSING) {
    // RFC 9000 §10.2.1: in the closing state only answer with CONNECTION_CLOSE.
    onCloseStateDatagram(c, now);
    return false;
  }
  let processed = false;
  try {
    for (const h of iterateCoalescedPackets(data, c.localCids.cidLength)) {
      if (handlePacket(c, data, h, remote, now)) processed = true;
      if (c.phase >= ConnPhase.DRAINING) break;
    }
    // 0-RTT packets buffered before the ClientHello was processed (RFC 9000 §17.2.3).
    if (c.isServer && processed && !c.handshakeComplete) replayZeroRtt(c, remote, now);
    // Client: the ACK of a partial server flight may ride with the Finished.
  } catch (e) {
    // A malformed header ends processing of this datagram (RFC 9000 §12.2);
    // errors raised by authenticated content close the connection.
    if (!(e instanceof QuicError) || (e as QuicError & { authenticated?: boolean }).authenticated) {
      closeWithError(c, e, now);
    }
  }
  if (!processed && c.peerCids.isStatelessReset(data)) onStatelessReset(c, now);
  // RFC 9002 A.6: a datagram may lift the server's amplification limit; re-arm PTO.
  if (c.isServer && c.phase < ConnPhase.CLOSING) updateAmplificationLimit(c, now);
  return processed;
}

/** Server: processes buffered 0-RTT packets once their key exists (or drops them). */
function replayZeroRtt(c: ConnCore, remote: SocketAddr, now: number): void {
  const pending = takeBufferedZeroRtt(c);
  if (!pending) return;
  for (const p of pending) {
    for (const h of iterateCoalescedPackets(p, c.localCids.cidLength)) {
      handlePacket(c, p, h, remote, now);
      if (c.phase >= ConnPhase.DRAINING) return;
    }
  }
}

/**
 * RFC 9000 §10.3.1: a datagram ending in the peer's reset token ends the
 * connection: report it and drain without sending anything.
 */
export function onStatelessReset(c: ConnCore, now: number): void {
  if (c.phase >= ConnPhase.DRAINING) return;
  c.emit({
    type: "connectionClosed",
    code: 0,
    reason: "stateless reset",
    isApplication: false,
    byPeer: true,
    kind: "statelessReset",
  });
  enterDraining(c, now, true);
}

/** Marks a QuicError as raised after authentication (so it closes the connection). */
function authenticated(e: unknown): unknown {
  if (e instanceof QuicError) (e as QuicError & { authenticated?: boolean }).authenticated = true;
  return e;
}

function handlePacket(
  c: ConnCore,
  buf: Uint8Array,
  h: PacketHeader,
  remote: SocketAddr,
  now: number,
): boolean {
  const t = h.packetType;
  if (t === PacketType.VersionNegotiation) {
    if (!c.isServer && !c.receivedFromPeer) onVersionNegotiation(c, h, now);
    return false;
  }
  if (t === PacketType.Retry) {
    if (!c.isServer) onRetry(c, buf, h, now);
    return false;
  }
  if (t === PacketType.Unknown || (h.longHeader && h.version !== c.version)) {
    c.stats.packetsDropped++;
    return false;
  }
  // RFC 9001 §5.6: 0-RTT packets share the Application space (RFC 9000 §12.3)
  // but have their own key, held only by a server that accepted early data.
  const zeroRtt = t === PacketType.ZeroRtt;
  const s = c.spaces[spaceOf(t)];
  const keys = zeroRtt ? zeroRttReadKeys(c, now) : s.readKeys;
  if (!keys || s.discarded) {
    // A 0-RTT packet ahead of its ClientHello may be buffered (RFC 9000 §17.2.3).
    if (!zeroRtt || !bufferZeroRtt(c, buf.subarray(h.packetStart, h.packetEnd))) {
      c.stats.packetsDropped++;
    }
    return false;
  }
  // Client: the server's first Initial fixes its connection ID (RFC 9000 §7.2).
  if (!c.isServer && t === PacketType.Initial && c.receivedFromPeer) {
    if (!cidEqual(h.scid, c.peerCids.current.cid)) {
      c.stats.packetsDropped++;
      return false;
    }
  }
  const select = s.id === APPLICATION && !zeroRtt ? selectReadAead(c) : undefined;
  // One result object reused for every packet (no per-packet allocation);
  // its fields are read before anything below could process another packet.
  const pkt = unprotected;
  if (
    !unprotectPacketInto(
      buf,
      h.packetStart,
      h.pnOffset,
      h.packetEnd,
      s.ack.largestReceived,
      keys,
      select,
      pkt,
    )
  ) {
    c.stats.packetsDropped++;
    c.decryptFailures++;
    return false;
  }
  const pn = pkt.packetNumber;
  if (s.ack.isDuplicate(pn)) {
    c.stats.packetsDropped++;
    return false;
  }
  try {
    // RFC 9000 §17.2, §17.3.1: reserved bits must be zero once authenticated.
    const reserved = h.longHeader ? 0x0c : 0x18;
    if ((pkt.firstByte & reserved) !== 0) {
      throw new QuicError(TransportErrorCode.PROTOCOL_VIOLATION, "reserved bits set");
    }
    if (s.id === APPLICATION && !zeroRtt) onPacketDecrypted(c, pkt.keyPhase ?? 0, pn, now);
    if (!c.isServer && !c.receivedFromPeer) {
      // RFC 9000 §7.2: adopt the server's chosen connection ID.
      c.receivedFromPeer = true;
      c.peerCids.setInitial(h.scid.slice());
      c.peerInitialScid = h.scid.slice();
    }
    if (c.isServer && t === PacketType.Handshake) {
      // RFC 9000 §8.1: a Handshake packet validates the client's address;
      // RFC 9001 §4.9.1: the server discards Initial keys now.
      c.addressValidated = true;
      discardSpace(c, c.spaces[INITIAL], now);
    }
    const payload = pkt.payload;
    pkt.payload = EMPTY_PAYLOAD; // don't pin the packet buffer past this packet
    const ackEliciting = processFrames(c, s, payload, t, h, now);
    s.ack.onPacketReceived(pn, ackEliciting, now);
    c.stats.packetsReceived++;
    // RFC 9000 §10.1: restart the idle timer on a processed packet.
    c.idleDeadline = now + idlePeriod(c);
    c.firstAckElicitingSinceRecv = -Infinity;
    // RFC 9000 §9.3: the highest-numbered non-probing packet picks the path.
    if (s.id === APPLICATION && !zeroRtt) onPacketAuthenticated(c, pn, nonProbing, h.dcid, now);
    void remote;
  } catch (e) {
    throw authenticated(e);
  }
  return true;
}

/** The idle period: max(idle timeout, 3 × PTO) (RFC 9000 §10.1). */
export function idlePeriod(c: ConnCore): number {
  const pto = c.rtt.ptoPeriod(c.peerMaxAckDelay);
  return Math.max(c.idleTimeout, 3 * pto);
}

const cursor = { offset: 0 };
const unprotected = new UnprotectedPacketResult();
const EMPTY_PAYLOAD = new Uint8Array(0);
/** The last packet processed held a non-probing frame (RFC 9000 §9.1). */
let nonProbing = false;

/** Decodes and handles every frame of a packet; returns whether it was ack-eliciting. */
function processFrames(
  c: ConnCore,
  s: PacketSpace,
  payload: Uint8Array,
  packetType: number,
  h: PacketHeader,
  now: number,
): boolean {
  if (payload.length === 0) {
    throw new QuicError(TransportErrorCode.PROTOCOL_VIOLATION, "packet with no frames");
  }
  let ackEliciting = false;
  nonProbing = false;
  cursor.offset = 0;
  while (cursor.offset < payload.length) {
    const b0 = payload[cursor.offset];
    if (b0 < 0x40) assertFrameAllowed(b0, packetType as 0);
    if (b0 >= 0x40 || !isProbingFrame(b0)) nonProbing = true;
    const f = decodeFrame(payload, cursor, { maxAckRanges: 256 });
    if (b0 < 0x40 ? isAckEliciting(b0) : true) ackEliciting = true;
    onFrame(c, s, f, h, now);
    if (c.phase >= ConnPhase.DRAINING) break;
  }
  return ackEliciting;
}

function onFrame(c: ConnCore, s: PacketSpace, f: Frame, h: PacketHeader, now: number): void {
  switch (f.type) {
    case "padding":
    case "ping":
      return;
    case "ack":
      onAckReceived(c, s, f, now);
      return;
    case "crypto":
      onCryptoFrame(c, s, f.offset, f.data, now);
      return;
    case "stream":
      onStreamFrame(c, f.streamId, f.offset, f.data, f.fin, now);
      return;
    case "reset_stream":
      onResetStream(c, f.streamId, f.errorCode, f.finalSize, now);
      return;
    case "stop_sending":
      onStopSending(c, f.streamId, f.errorCode);
      return;
    case "max_data":
      onMaxData(c, f.maximumData);
      return;
    case "max_stream_data":
      onMaxStreamData(c, f.streamId, f.maximumStreamData);
      return;
    case "max_streams":
      onMaxStreams(c, f.bidi, f.maximumStreams);
      return;
    case "data_blocked":
      c.streams.maxDataPending = true; // Answer with our current limit.
      return;
    case "stream_data_blocked":
      onStreamDataBlocked(c, f.streamId);
      return;
    case "streams_blocked":
      return;
    case "new_token":
      if (c.isServer) {
        throw new QuicError(TransportErrorCode.PROTOCOL_VIOLATION, "NEW_TOKEN from client", 0x07);
      }
      c.emitLatest({ type: "newToken", token: f.token.slice() });
      return;
    case "new_connection_id":
      c.peerCids.onNewConnectionId(
        f.sequenceNumber,
        f.retirePriorTo,
        f.connectionId.slice(),
        f.statelessResetToken.slice(),
      );
      return;
    case "retire_connection_id":
      c.localCids.onRetire(f.sequenceNumber, h.dcid);
      return;
    case "path_challenge":
      onPathChallenge(c, f.data); // RFC 9000 §8.2.2: echo on the arrival path.
      return;
    case "path_response":
      onPathResponse(c, f.data, now); // RFC 9000 §8.2.3
      return;
    case "connection_close":
      enterDraining(c, now, false, {
        code: Number(f.errorCode),
        reason: new TextDecoder().decode(f.reasonPhrase),
        isApp: f.application,
      });
      return;
    case "handshake_done":
      if (c.isServer) {
        throw new QuicError(
          TransportErrorCode.PROTOCOL_VIOLATION,
          "HANDSHAKE_DONE from client",
          0x1e,
        );
      }
      onHandshakeDone(c, now);
      return;
    case "datagram":
      if (c.cfg.maxDatagramFrameSize === 0) {
        throw new QuicError(
          TransportErrorCode.PROTOCOL_VIOLATION,
          "DATAGRAM not negotiated",
          0x30,
        );
      }
      if (f.data.length + 3 > c.cfg.maxDatagramFrameSize) {
        throw new QuicError(TransportErrorCode.PROTOCOL_VIOLATION, "DATAGRAM too large", 0x30);
      }
      // RFC 9221 §5: delivery is best effort; bound what waits for the app.
      if (c.datagramsInQueued < c.cfg.datagramQueueLength) {
        c.datagramsInQueued++;
        c.emit({ type: "datagramReceived", data: f.data.slice() });
      }
      return;
  }
}
