/**
 * 1-RTT key update (RFC 9001 §6): choosing read keys by the Key Phase bit,
 * answering a peer's update, initiating our own, and retiring old keys.
 * @module
 */
import type { ConnCore } from "./conn_state.ts";
import { QuicError, TransportErrorCode } from "./errors.ts";
import { APPLICATION } from "./spaces.ts";
import { updatePacketKeys } from "../../crypto/packet_keys.ts";
import type { AeadSelector } from "../../crypto/packet_protection.ts";
import type { Aead } from "../../crypto/aead.ts";

const selectors = new WeakMap<ConnCore, AeadSelector>();
/** 1-RTT ACK frames sent when the keys last rotated (RFC 9001 §6.2 check). */
const acksAtRotation = new WeakMap<ConnCore, number>();

/**
 * The AEAD selector for 1-RTT packets: the current keys for the current
 * phase; for the other phase, the previous keys for packets older than the
 * first one seen in this phase, else the next keys (a peer-initiated update,
 * RFC 9001 §6.3). Next keys are precomputed so the timing does not reveal
 * which case applied.
 */
export function selectReadAead(c: ConnCore): AeadSelector {
  let sel = selectors.get(c);
  if (!sel) {
    sel = (phase: 0 | 1 | undefined, pn: number): Aead | null => {
      const cur = c.spaces[APPLICATION].readKeys;
      if (!cur) return null;
      c.usedNextKeys = false;
      if ((phase ?? 0) === c.keyPhase) return cur.aead;
      if (c.prevReadKeys && pn < c.recvPhaseFirstPn) return c.prevReadKeys.aead;
      if (!c.nextReadKeys) return null;
      c.usedNextKeys = true;
      return c.nextReadKeys.aead;
    };
    selectors.set(c, sel);
  }
  return sel;
}

/** Rotates read and write keys to the next generation. */
function rotate(c: ConnCore, now: number): void {
  const s = c.spaces[APPLICATION];
  if (!s.readKeys || !s.writeKeys || !c.nextReadKeys) return;
  c.prevReadKeys = s.readKeys;
  s.readKeys = c.nextReadKeys;
  c.nextReadKeys = updatePacketKeys(s.readKeys);
  s.writeKeys = updatePacketKeys(s.writeKeys);
  c.keyPhase = c.keyPhase === 0 ? 1 : 0;
  c.recvPhaseFirstPn = Infinity;
  c.keyUpdateFirstPn = s.nextPn;
  c.keyUpdatePending = true;
  c.packetsWithCurrentKeys = 0;
  // RFC 9001 §6.5: keep old read keys for about three PTOs for reordered packets.
  c.prevReadKeysDeadline = now + 3 * c.rtt.ptoPeriod(c.peerMaxAckDelay);
  c.stats.keyUpdates++;
  acksAtRotation.set(c, s.ack.acksSent);
}

/** Called after a 1-RTT packet authenticated with `phase`. */
export function onPacketDecrypted(c: ConnCore, phase: number, pn: number, now: number): void {
  if (c.usedNextKeys) {
    c.usedNextKeys = false;
    // RFC 9001 §6.2: a peer may update again only after we acknowledged a
    // packet of the current phase, and every ACK we send after a rotation
    // is under the new keys. An update with no ACK sent since the last one
    // is two updates without confirmation: KEY_UPDATE_ERROR (a MAY that
    // bounds the key derivations a peer can make us do).
    const before = acksAtRotation.get(c);
    if (before !== undefined && before === c.spaces[APPLICATION].ack.acksSent) {
      throw new QuicError(TransportErrorCode.KEY_UPDATE_ERROR, "consecutive key updates");
    }
    // RFC 9001 §6.2: answer the peer's update by updating our keys too.
    rotate(c, now);
    c.recvPhaseFirstPn = pn;
    return;
  }
  if (phase === c.keyPhase && pn < c.recvPhaseFirstPn) c.recvPhaseFirstPn = pn;
}

/**
 * Initiates a key update (RFC 9001 §6.1) if allowed: handshake confirmed and
 * the previous update acknowledged. Returns whether it happened.
 */
export function initiateKeyUpdate(c: ConnCore, now: number): boolean {
  if (!c.handshakeConfirmed || c.keyUpdatePending) return false;
  if (c.prevReadKeys) return false; // Wait until the old keys are gone (§6.5).
  rotate(c, now);
  return true;
}

/** Drops the previous read keys once their time is up (RFC 9001 §6.5). */
export function onKeyTimer(c: ConnCore, now: number): void {
  if (c.prevReadKeys && now >= c.prevReadKeysDeadline) {
    c.prevReadKeys = undefined;
    c.prevReadKeysDeadline = Infinity;
  }
}
