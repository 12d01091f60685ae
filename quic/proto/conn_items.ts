/**
 * What happens to each piece of retransmittable information when the packet
 * that carried it is acknowledged or declared lost (RFC 9000 §13.3: data is
 * resent in new frames, control frames carry their latest value).
 * @module
 */
import type { ConnCore } from "./conn_state.ts";
import { type PacketSpace, Sent, type SentItem } from "./spaces.ts";
import { streamItemAcked, streamItemLost } from "./conn_streams_io.ts";

/** A packet carrying `it` was acknowledged. */
export function onItemAcked(c: ConnCore, s: PacketSpace, it: SentItem): void {
  switch (it.kind) {
    case Sent.CRYPTO:
      s.crypto.onAck(it.a, it.b);
      return;
    case Sent.RETIRE_CONNECTION_ID:
      c.peerCids.onRetireAcked(it.a);
      return;
    default:
      streamItemAcked(c, it);
  }
}

/** A packet carrying `it` was declared lost (or is being probed). */
export function onItemLost(c: ConnCore, s: PacketSpace, it: SentItem): void {
  switch (it.kind) {
    case Sent.CRYPTO:
      if (!s.discarded) s.crypto.onLost(it.a, it.b);
      return;
    case Sent.HANDSHAKE_DONE:
      if (!c.handshakeConfirmed || c.isServer) c.handshakeDonePending = true;
      return;
    case Sent.NEW_CONNECTION_ID:
      c.localCids.onLost(it.a);
      return;
    case Sent.RETIRE_CONNECTION_ID:
      c.peerCids.onRetireLost(it.a);
      return;
    case Sent.PING:
    case Sent.ACK:
    case Sent.DATAGRAM:
      return; // Not retransmitted (RFC 9000 §13.3, RFC 9221 §5.2).
    case Sent.NEW_TOKEN:
      return; // Best effort; a fresh token can be issued later.
    default:
      streamItemLost(c, it);
  }
}
