/**
 * Packet assembly (RFC 9000 §12, §13, §14): builds one UDP datagram at a time
 * straight into the caller's reused buffer — Initial, Handshake and 1-RTT
 * packets coalesced, frames encoded at offsets, stream data copied in once,
 * protection applied in place. Honours the congestion window, pacing, the
 * anti-amplification limit, PTO probes and client Initial padding.
 * @module
 */
import { type ConnCore, ConnPhase } from "./conn_state.ts";
import {
  APPLICATION,
  HANDSHAKE,
  INITIAL,
  type PacketSpace,
  Sent,
  type SentInfo,
  type SentItem,
  type SpaceId,
} from "./spaces.ts";
import {
  type LongHeaderLayout,
  patchLength,
  writeLongHeader,
  writeShortHeader,
} from "./header_build.ts";
import { encodePacketNumberLength } from "./packet_number.ts";
import { PacketType } from "./packet_type.ts";
import { protectPacket } from "../../crypto/packet_protection.ts";
import { varIntLength, writeVarInt } from "./varint.ts";
import { encodeFrame, maxCryptoDataLength } from "./frames/encode.ts";
import { discardSpace, onPacketSent, updateAmplificationLimit } from "./conn_recovery.ts";
import {
  streamsHavePending,
  writeStreamControlFrames,
  writeStreamFrames,
} from "./conn_streams_io.ts";
import { idlePeriod } from "./conn_recv.ts";
import { initiateKeyUpdate } from "./key_update.ts";
import { isSendingZeroRtt } from "./zero_rtt.ts";

const TAG = 16;
/** Smallest datagram carrying an Initial packet (RFC 9000 §14.1). */
export const MIN_INITIAL_SIZE = 1200;

const WANTS: boolean[] = [false, false, false];
const layout: LongHeaderLayout = { lengthOffset: 0, lengthSize: 2, pnOffset: 0, payloadOffset: 0 };
const ALLOW: Allow = { cc: false, probe: false };

/** Flags for what a packet may carry. */
interface Allow {
  /** Congestion-controlled frames allowed (window and pacing permit, or a probe). */
  cc: boolean;
  /** This is a PTO probe: must be ack-eliciting. */
  probe: boolean;
}

function hasAppData(c: ConnCore): boolean {
  return c.handshakeDonePending || c.newTokens.length > 0 ||
    c.localCids.hasPending || c.peerCids.hasPending || c.datagramsOut.length > 0 ||
    c.pingPending || streamsHavePending(c);
}

function spaceWants(c: ConnCore, s: PacketSpace, now: number, cc: boolean): boolean {
  if (!s.writeKeys || s.discarded) return false;
  if (s.ack.hasNewPackets && s.ack.shouldSendAck(now)) return true;
  if (c.recovery.pendingProbes(s.id) > 0) return true;
  if (!cc) return false;
  if (s.crypto.hasPending()) return true;
  if (s.id === APPLICATION) {
    // A resuming client sends early data in 0-RTT (RFC 9001 §4.6.1).
    return (c.handshakeComplete || c.isServer || isSendingZeroRtt(c)) && hasAppData(c);
  }
  return false;
}

/**
 * Builds the next datagram into `buf`; returns its length, or 0 when there is
 * nothing to send now (see {@link nextSendTime} for when to try again).
 */
export function pollTransmit(c: ConnCore, buf: Uint8Array, now: number): number {
  if (c.phase === ConnPhase.CLOSED || c.phase === ConnPhase.DRAINING) return 0;
  if (c.phase === ConnPhase.CLOSING) return c.closeSendPending ? sendClose(c, buf, now) : 0;
  const budget = c.amplificationBudget;
  let limit = Math.min(buf.length, c.maxDatagramSize, budget);
  if (limit < 64) return 0;
  let probe = false;
  for (const s of c.spaces) if (s.writeKeys && c.recovery.pendingProbes(s.id) > 0) probe = true;
  // RFC 9002 §7: probes may exceed the window; everything else waits for room.
  let cc = probe || c.cc.canSend(c.maxDatagramSize);
  if (cc && !probe && c.cfg.pacing) {
    const wait = c.pacer.timeUntilSend(now, c.maxDatagramSize);
    if (wait > 0) {
      cc = false;
      // At epoch-sized `now` a sub-microsecond wait would not move the clock.
      c.pacingDeadline = now + Math.max(wait, 0.05);
    }
  }
  if (
    cc && !probe && c.handshakeConfirmed && c.phase === ConnPhase.ESTABLISHED &&
    c.pmtud.armed
  ) {
    // RFC 9000 §14.3: DPLPMTUD probes, one at a time, when we could send
    // anyway; the search starts after the first stream data or DATAGRAM
    // went out, so connections that never send any (idle, handshake-only)
    // never probe.
    const size = c.pmtud.probeSize(now);
    if (size > buf.length) c.pmtud.start(buf.length, now); // The driver's buffer is the cap.
    else if (size > 0) return sendPmtuProbe(c, buf, size, now);
  }
  const wants = WANTS;
  for (let i = 0; i < 3; i++) wants[i] = spaceWants(c, c.spaces[i], now, cc);
  if (!wants[0] && !wants[1] && !wants[2]) {
    if (cc && !probe) c.cc.setAppLimited(true);
    return 0;
  }
  // RFC 9000 §14.1: a client pads every datagram with an Initial packet to
  // 1200 bytes; a server pads ack-eliciting Initial datagrams.
  const initialIncluded = wants[INITIAL];
  let padTo = 0;
  if (initialIncluded && (!c.isServer || cc)) {
    if (limit < MIN_INITIAL_SIZE) {
      if (c.isServer && budget < MIN_INITIAL_SIZE) return 0; // Amplification-limited.
    }
    padTo = Math.min(MIN_INITIAL_SIZE, limit);
  }
  let last = 2;
  while (last >= 0 && !wants[last]) last--;
  let off = 0;
  let ackEliciting = false;
  for (let i = 0; i <= 2; i++) {
    if (!wants[i]) continue;
    const s = c.spaces[i];
    if (s.discarded || !s.writeKeys) continue;
    const allow = ALLOW; // Reused: one per packet otherwise.
    allow.cc = cc;
    allow.probe = c.recovery.pendingProbes(i as SpaceId) > 0;
    const r = buildPacket(c, s, buf, off, limit, now, i === last ? padTo : 0, allow);
    if (r.end === off) continue;
    off = r.end;
    if (r.ackEliciting) ackEliciting = true;
    // RFC 9001 §4.9.1: a client discards Initial keys when it first sends a Handshake packet.
    if (!c.isServer && i === HANDSHAKE && !c.spaces[INITIAL].discarded) {
      discardSpace(c, c.spaces[INITIAL], now);
    }
    if (limit - off < 48) break;
  }
  if (off === 0) return 0;
  if (padTo > 0 && off < padTo && !c.spaces[INITIAL].discarded) {
    // Could not put the padding inside the last packet (nothing to send there):
    // pad with zeros, which the receiver discards as an unparseable tail.
    buf.fill(0, off, padTo);
    off = padTo;
  }
  c.stats.datagramsSent++;
  c.stats.bytesSent += off;
  if (!c.addressValidated) {
    c.amplificationSent += off;
    updateAmplificationLimit(c, now);
  }
  if (ackEliciting && c.firstAckElicitingSinceRecv === -Infinity) {
    // RFC 9000 §10.1: sending the first ack-eliciting packet restarts the idle timer.
    c.firstAckElicitingSinceRecv = now;
    c.idleDeadline = now + idlePeriod(c);
  }
  limit = 0;
  return off;
}

/**
 * A PMTU probe (RFC 9000 §14.4, RFC 8899 §4.1 "probing using padding data"):
 * a 1-RTT packet of exactly `size` bytes holding PING and PADDING. It is
 * recorded outside bytes in flight and as not ack-eliciting for recovery,
 * so its loss is never taken as congestion (§14.4) nor arms a PTO; the
 * PMTUD state machine watches its fate by packet number.
 */
function sendPmtuProbe(c: ConnCore, buf: Uint8Array, size: number, now: number): number {
  const s = c.spaces[APPLICATION];
  const pn = s.nextPn;
  const h = writeHeader(c, s, buf, 0, pn);
  let p = h.payloadOffset;
  buf[p++] = 0x01; // PING
  const end = size - TAG;
  buf.fill(0, p, end); // PADDING
  const len = protectPacket(buf, 0, h.pnOffset, h.pnLength, pn, end, s.writeKeys!);
  s.nextPn = pn + 1;
  c.recovery.onPacketSent(APPLICATION, pn, now, len, false, false, undefined);
  c.pmtud.onProbeSent(pn, len, now, 3 * c.rtt.ptoPeriod(c.peerMaxAckDelay));
  c.packetsWithCurrentKeys++;
  c.applicationPacketsSent++;
  c.stats.packetsSent++;
  c.stats.datagramsSent++;
  c.stats.bytesSent += len;
  return len;
}

interface BuildResult {
  end: number;
  ackEliciting: boolean;
}

const result: BuildResult = { end: 0, ackEliciting: false };

/** Where {@link writeHeader} put the packet number and payload (reused, one per call). */
interface HeaderLayout {
  pnOffset: number;
  pnLength: number;
  payloadOffset: number;
  long: boolean;
}
const header: HeaderLayout = { pnOffset: 0, pnLength: 0, payloadOffset: 0, long: false };

function writeHeader(
  c: ConnCore,
  s: PacketSpace,
  buf: Uint8Array,
  off: number,
  pn: number,
): HeaderLayout {
  const pnLength = encodePacketNumberLength(pn, c.recovery.largestAckedIn(s.id));
  const dcid = c.peerCids.current.cid;
  // Before 1-RTT keys a client's Application packets are 0-RTT packets
  // (RFC 9000 §17.2.3): long header, same packet number space (§12.3).
  const zeroRtt = s.id === APPLICATION && !c.handshakeComplete && isSendingZeroRtt(c);
  if (s.id === APPLICATION && !zeroRtt) {
    const payloadOffset = writeShortHeader(buf, off, {
      dcid,
      packetNumber: pn,
      pnLength,
      keyPhase: c.keyPhase === 1,
    });
    header.pnOffset = off + 1 + dcid.length;
    header.pnLength = pnLength;
    header.payloadOffset = payloadOffset;
    header.long = false;
    return header;
  }
  writeLongHeader(buf, off, {
    packetType: s.id === INITIAL
      ? PacketType.Initial
      : s.id === HANDSHAKE
      ? PacketType.Handshake
      : PacketType.ZeroRtt,
    version: c.version,
    dcid,
    scid: c.localScid,
    token: s.id === INITIAL && !c.isServer ? c.token : undefined,
    packetNumber: pn,
    pnLength,
    lengthSize: 2,
  }, layout);
  header.pnOffset = layout.pnOffset;
  header.pnLength = pnLength;
  header.payloadOffset = layout.payloadOffset;
  header.long = true;
  return header;
}

function buildPacket(
  c: ConnCore,
  s: PacketSpace,
  buf: Uint8Array,
  off: number,
  limit: number,
  now: number,
  padTo: number,
  allow: Allow,
): BuildResult {
  result.end = off;
  result.ackEliciting = false;
  const keys = s.writeKeys!;
  if (
    s.id === APPLICATION && c.cfg.keyUpdateInterval > 0 && allow.cc &&
    c.packetsWithCurrentKeys >= c.cfg.keyUpdateInterval
  ) {
    initiateKeyUpdate(c, now);
  }
  const pn = s.nextPn;
  const h = writeHeader(c, s, buf, off, pn);
  const payloadStart = h.payloadOffset;
  const end = limit - TAG;
  if (end - payloadStart < 8) return result;
  let p = payloadStart;
  const items: SentItem[] = [];
  let ackLargest = -1;
  let ackEliciting = false;
  // ACK first (RFC 9000 §13.2): piggyback whenever something new arrived.
  if (s.ack.hasNewPackets) {
    const np = writeAck(c, s, buf, p, end, now);
    if (np > p) {
      ackLargest = s.ack.largestReceived;
      p = np;
      s.ack.onAckSent();
    }
  }
  if (allow.cc) {
    const before = p;
    if (s.id === APPLICATION) p = writeAppControl(c, buf, p, end, items);
    p = writeCrypto(s, buf, p, end, items);
    if (s.id === APPLICATION) {
      const dataStart = p;
      p = writeDatagrams(c, buf, p, end, items);
      p = writeStreamFrames(c, buf, p, end, items);
      if (p > dataStart) c.pmtud.armed = true;
    }
    if (p > before) ackEliciting = true;
    if (!ackEliciting && allow.probe) {
      buf[p++] = 0x01; // PING (RFC 9002 §6.2.4)
      items.push({ kind: Sent.PING, a: 0, b: 0, c: 0, fin: false });
      ackEliciting = true;
    }
  }
  if (p === payloadStart) return result;
  // Header protection samples 16 bytes from pnOffset + 4 (RFC 9001 §5.4.2).
  const minEnd = h.pnOffset + 4;
  let padEnd = Math.max(minEnd, padTo > 0 ? padTo - TAG : 0);
  if (padEnd > end) padEnd = end;
  if (p < padEnd) {
    buf.fill(0, p, padEnd); // PADDING frames
    p = padEnd;
  }
  if (h.long) patchLength(buf, layout, p + TAG);
  const packetEnd = protectPacket(buf, off, h.pnOffset, h.pnLength, pn, p, keys);
  s.nextPn = pn + 1;
  if (s.id === APPLICATION && s.nextPn >= s.nextSkipPn) skipPacketNumber(c, s);
  const size = packetEnd - off;
  const info: SentInfo | undefined = items.length > 0 || ackLargest >= 0
    ? { items, ackLargest }
    : undefined;
  // Padding-only and ACK-only packets are not in flight unless padded (RFC 9002 §2).
  const inFlight = ackEliciting || padTo > 0;
  onPacketSent(c, s, pn, size, ackEliciting, inFlight, info, now);
  c.stats.packetsSent++;
  if (s.id === APPLICATION) {
    c.packetsWithCurrentKeys++;
    c.applicationPacketsSent++;
  }
  result.end = packetEnd;
  result.ackEliciting = ackEliciting;
  return result;
}

/** ACK frame (RFC 9000 §19.3) from the tracker, trimmed to fit. */
function writeAck(
  c: ConnCore,
  s: PacketSpace,
  buf: Uint8Array,
  p: number,
  end: number,
  now: number,
): number {
  const f = s.ack.buildAckFrame(now, c.cfg.ackDelayExponent);
  if (f.rangeCount === 0) return p;
  const r = f.ranges;
  const largest = r[0];
  const delay = s.id === APPLICATION ? f.ackDelay : 0;
  const head = 1 + varIntLength(largest) + varIntLength(delay) + 1 + varIntLength(r[0] - r[1]);
  if (p + head + 8 > end) return p;
  // Count how many ranges fit (at most 64 per frame keeps it small).
  let n = 1;
  let size = head;
  while (n < f.rangeCount && n < 64) {
    const gap = r[2 * n - 1] - r[2 * n] - 2;
    const len = r[2 * n] - r[2 * n + 1];
    const add = varIntLength(gap) + varIntLength(len);
    if (p + size + add + 8 > end) break;
    size += add;
    n++;
  }
  buf[p++] = 0x02;
  p = writeVarInt(buf, p, largest);
  p = writeVarInt(buf, p, delay);
  p = writeVarInt(buf, p, n - 1);
  p = writeVarInt(buf, p, r[0] - r[1]);
  for (let i = 1; i < n; i++) {
    p = writeVarInt(buf, p, r[2 * i - 1] - r[2 * i] - 2);
    p = writeVarInt(buf, p, r[2 * i] - r[2 * i + 1]);
  }
  return p;
}

/** CRYPTO frames (RFC 9000 §19.6) from the space's send buffer. */
function writeCrypto(
  s: PacketSpace,
  buf: Uint8Array,
  p: number,
  end: number,
  items: SentItem[],
): number {
  const cs = s.crypto;
  for (let guard = 0; guard < 16 && cs.hasPending(); guard++) {
    const offset = cs.nextOffset();
    if (offset < 0) break;
    const space = end - p;
    const max = maxCryptoDataLength(space, offset);
    if (max <= 0) break;
    const hdr = space - max;
    const r = cs.emit(max, buf, p + hdr);
    if (!r || r.length === 0) break;
    buf[p] = 0x06;
    let q = writeVarInt(buf, p + 1, r.offset);
    q = writeVarInt(buf, q, r.length);
    if (q !== p + hdr) buf.copyWithin(q, p + hdr, p + hdr + r.length);
    p = q + r.length;
    items.push({ kind: Sent.CRYPTO, a: r.offset, b: r.length, c: 0, fin: false });
  }
  return p;
}

/** Connection-level control frames of the application space. */
function writeAppControl(
  c: ConnCore,
  buf: Uint8Array,
  p: number,
  end: number,
  items: SentItem[],
): number {
  if (c.handshakeDonePending && c.isServer && p < end) {
    buf[p++] = 0x1e; // HANDSHAKE_DONE (RFC 9000 §19.20)
    c.handshakeDonePending = false;
    items.push({ kind: Sent.HANDSHAKE_DONE, a: 0, b: 0, c: 0, fin: false });
  }
  if (c.localCids.hasPending && end - p >= 64) {
    for (const e of c.localCids.takeToSend()) {
      p = encodeFrame(buf, p, {
        type: "new_connection_id",
        sequenceNumber: e.seq,
        retirePriorTo: 0,
        connectionId: e.cid,
        statelessResetToken: e.resetToken!,
      });
      items.push({ kind: Sent.NEW_CONNECTION_ID, a: e.seq, b: 0, c: 0, fin: false });
      if (end - p < 64) break;
    }
  }
  if (c.peerCids.hasPending) {
    for (const seq of c.peerCids.takeRetires()) {
      if (end - p < 9) {
        c.peerCids.onRetireLost(seq);
        continue;
      }
      buf[p++] = 0x19;
      p = writeVarInt(buf, p, seq);
      items.push({ kind: Sent.RETIRE_CONNECTION_ID, a: seq, b: 0, c: 0, fin: false });
    }
  }
  while (c.newTokens.length > 0 && end - p >= c.newTokens[0].length + 10) {
    p = encodeFrame(buf, p, { type: "new_token", token: c.newTokens.shift()! });
    items.push({ kind: Sent.NEW_TOKEN, a: 0, b: 0, c: 0, fin: false });
  }
  if (c.pingPending && p < end) {
    buf[p++] = 0x01;
    c.pingPending = false;
    items.push({ kind: Sent.PING, a: 0, b: 0, c: 0, fin: false });
  }
  return writeStreamControlFrames(c, buf, p, end, items);
}

/** DATAGRAM frames (RFC 9221 §4), never retransmitted. */
function writeDatagrams(
  c: ConnCore,
  buf: Uint8Array,
  p: number,
  end: number,
  items: SentItem[],
): number {
  const q = c.datagramsOut;
  while (q.length > 0) {
    const d = q[0];
    const need = 1 + varIntLength(d.length) + d.length;
    if (p + need > end) break;
    q.shift();
    buf[p] = 0x31;
    p = writeVarInt(buf, p + 1, d.length);
    buf.set(d, p);
    p += d.length;
    items.push({ kind: Sent.DATAGRAM, a: 0, b: 0, c: 0, fin: false });
  }
  return p;
}

/**
 * CONNECTION_CLOSE in every space we can send in (RFC 9000 §10.2.3): before
 * the handshake is confirmed the peer may lack 1-RTT keys, so Initial and
 * Handshake packets carry it too (an application close becomes
 * APPLICATION_ERROR there, without the reason).
 */
function sendClose(c: ConnCore, buf: Uint8Array, now: number): number {
  const f = c.closeFrame!;
  c.closeSendPending = false;
  c.closeSentAt = now;
  const limit = Math.min(buf.length, c.maxDatagramSize, c.amplificationBudget);
  let off = 0;
  const reason = new TextEncoder().encode(f.reason.slice(0, 100));
  for (const s of c.spaces) {
    if (!s.writeKeys || s.discarded) continue;
    if (s.id === APPLICATION && !c.handshakeComplete && !c.isServer) continue;
    if (s.id !== APPLICATION && c.handshakeConfirmed) continue;
    const pn = s.nextPn;
    const h = writeHeader(c, s, buf, off, pn);
    const appInHandshake = f.isApp && s.id !== APPLICATION;
    const frame = {
      type: "connection_close" as const,
      application: f.isApp && !appInHandshake,
      errorCode: BigInt(appInHandshake ? 0x0c : f.code),
      frameType: f.frameType,
      reasonPhrase: appInHandshake ? new Uint8Array(0) : reason,
    };
    if (h.payloadOffset + 16 + reason.length + 24 + TAG > limit) break;
    let p = encodeFrame(buf, h.payloadOffset, frame);
    const minEnd = h.pnOffset + 4;
    if (p < minEnd) {
      buf.fill(0, p, minEnd);
      p = minEnd;
    }
    if (!c.isServer && s.id === INITIAL) {
      const padEnd = Math.min(limit, MIN_INITIAL_SIZE) - TAG;
      if (p < padEnd) {
        buf.fill(0, p, padEnd);
        p = padEnd;
      }
    }
    if (h.long) patchLength(buf, layout, p + TAG);
    off = protectPacket(buf, off, h.pnOffset, h.pnLength, pn, p, s.writeKeys);
    s.nextPn = pn + 1;
    c.stats.packetsSent++;
    if (s.id === APPLICATION) c.applicationPacketsSent++;
  }
  if (off > 0) {
    c.stats.datagramsSent++;
    c.stats.bytesSent += off;
    if (!c.addressValidated) c.amplificationSent += off;
  }
  return off;
}

/**
 * RFC 9000 §21.4: skip a packet number now and then (at a random distance
 * of 16–271 packets) so a peer acknowledging packets it never received (an
 * optimistic ACK to inflate our congestion window) is caught: an ACK of a
 * skipped number is a PROTOCOL_VIOLATION (checked by the recovery's ACK
 * validation). The first call only picks the first skip point.
 */
function skipPacketNumber(c: ConnCore, s: PacketSpace): void {
  if (s.nextSkipPn >= 0) {
    c.recovery.onPacketNumberSkipped(APPLICATION, s.nextPn);
    s.nextPn++;
  }
  const r = c.random(1);
  s.nextSkipPn = s.nextPn + 16 + r[0];
}
