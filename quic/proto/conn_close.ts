/**
 * Connection termination (RFC 9000 §10): immediate close with
 * CONNECTION_CLOSE, the closing and draining periods, idle timeout.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import { type ConnCore, ConnPhase } from "./conn_state.ts";

/** Duration of the closing/draining period: 3 × PTO (RFC 9000 §10.2). */
function closePeriod(c: ConnCore): number {
  return 3 * c.rtt.ptoPeriod(c.peerMaxAckDelay);
}

/**
 * Starts an immediate close (RFC 9000 §10.2): enter the closing state and
 * send CONNECTION_CLOSE. `isApp` selects frame 0x1d (application) or 0x1c.
 */
export function closeConnection(
  c: ConnCore,
  code: number,
  reason: string,
  isApp: boolean,
  frameType: number,
  now: number,
): void {
  if (c.phase >= ConnPhase.CLOSING) return;
  c.phase = ConnPhase.CLOSING;
  c.closeFrame = { code, reason, isApp, frameType };
  c.closeSendPending = true;
  c.closeRecvCount = 0;
  c.closeDeadline = now + closePeriod(c);
  c.emit({
    type: "connectionClosed",
    code,
    reason,
    isApplication: isApp,
    byPeer: false,
    kind: "close",
  });
}

/** Turns an error raised while processing peer input into a close. */
export function closeWithError(c: ConnCore, e: unknown, now: number): void {
  if (e instanceof QuicError) {
    closeConnection(c, e.code, e.message, false, e.frameType ?? 0, now);
  } else {
    // Our own bug: still close cleanly with INTERNAL_ERROR, never throw out.
    const msg = e instanceof Error ? e.message : String(e);
    closeConnection(c, TransportErrorCode.INTERNAL_ERROR, msg.slice(0, 200), false, 0, now);
  }
}

/**
 * Enters the draining state (RFC 9000 §10.2.2): the peer closed (or reset)
 * the connection; we send nothing more. `silent` skips the event (already
 * emitted, e.g. for a stateless reset).
 */
export function enterDraining(
  c: ConnCore,
  now: number,
  silent: boolean,
  info?: { code: number; reason: string; isApp: boolean },
): void {
  if (c.phase >= ConnPhase.DRAINING) return;
  const wasClosing = c.phase === ConnPhase.CLOSING;
  c.phase = ConnPhase.DRAINING;
  c.closeSendPending = false;
  if (!wasClosing) c.closeDeadline = now + closePeriod(c);
  if (!silent && !wasClosing && info) {
    c.emit({
      type: "connectionClosed",
      code: info.code,
      reason: info.reason,
      isApplication: info.isApp,
      byPeer: true,
      kind: "close",
    });
  }
}

/** Ends the connection now (after draining, idle timeout, or VN failure). */
export function enterClosed(c: ConnCore, _now: number): void {
  if (c.phase === ConnPhase.CLOSED) return;
  c.phase = ConnPhase.CLOSED;
  c.closeSendPending = false;
  c.closeDeadline = Infinity;
  c.idleDeadline = Infinity;
  c.emit({ type: "terminated" });
}

/**
 * How long after sending CONNECTION_CLOSE an arriving packet may still have
 * crossed it in flight: the peer sent it before our close could reach it, so
 * it says nothing about our close being lost. One RTT plus its variation;
 * a peer that missed our close keeps sending and retransmits only after its
 * PTO (RFC 9002 §6.2.1: smoothed_rtt + 4 × rttvar + max_ack_delay), so the
 * packets that show a loss arrive after this window. Without an RTT sample
 * there is no basis to tell, so nothing is skipped.
 */
function crossingWindow(c: ConnCore): number {
  const rtt = c.rtt;
  return rtt.hasSample ? Math.max(rtt.smoothedRtt, rtt.latestRtt) + 4 * rtt.rttvar : 0;
}

/**
 * In the closing state a packet from the peer earns another CONNECTION_CLOSE,
 * rate-limited (RFC 9000 §10.2.1: "wait for a progressively increasing number
 * of received packets or amount of time"): packets arriving within about one
 * RTT of our last CONNECTION_CLOSE crossed it and are not answered (typically
 * the server's HANDSHAKE_DONE flight after a client closes right after its
 * handshake completes — answering would cost both sides a datagram and a
 * wake-up); the rest are answered on the 1st, 2nd, 4th, 8th...
 */
export function onCloseStateDatagram(c: ConnCore, now: number): void {
  if (now < c.closeSentAt + crossingWindow(c)) return;
  c.closeRecvCount++;
  if ((c.closeRecvCount & (c.closeRecvCount - 1)) === 0) c.closeSendPending = true;
}

/** The idle timer fired (RFC 9000 §10.1): close silently. */
export function onIdleTimeout(c: ConnCore, now: number): void {
  if (c.phase < ConnPhase.CLOSING) {
    c.emit({
      type: "connectionClosed",
      code: 0,
      reason: "idle timeout",
      isApplication: false,
      byPeer: false,
      kind: "idleTimeout",
    });
  }
  enterClosed(c, now);
}
