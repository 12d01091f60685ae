/**
 * Packet number spaces (RFC 9000 §12.3): Initial, Handshake and Application
 * Data each have their own packet numbers, keys, acknowledgement state,
 * sent-packet record and CRYPTO stream.
 * @module
 */
import type { PacketKeys } from "../../crypto/packet_keys.ts";
import { AckTracker } from "./ack_tracker.ts";
import { CryptoStream } from "./streams/crypto_stream.ts";

/** Index of a packet number space. */
export type SpaceId = 0 | 1 | 2;
/** Initial space. */
export const INITIAL: SpaceId = 0;
/** Handshake space. */
export const HANDSHAKE: SpaceId = 1;
/** Application Data space (0-RTT and 1-RTT). */
export const APPLICATION: SpaceId = 2;

/** Kinds of retransmittable information a sent packet carried (RFC 9000 §13.3). */
export const Sent = {
  STREAM: 1,
  CRYPTO: 2,
  RESET_STREAM: 3,
  STOP_SENDING: 4,
  MAX_DATA: 5,
  MAX_STREAM_DATA: 6,
  MAX_STREAMS_BIDI: 7,
  MAX_STREAMS_UNI: 8,
  DATA_BLOCKED: 9,
  STREAM_DATA_BLOCKED: 10,
  STREAMS_BLOCKED_BIDI: 11,
  STREAMS_BLOCKED_UNI: 12,
  NEW_CONNECTION_ID: 13,
  RETIRE_CONNECTION_ID: 14,
  HANDSHAKE_DONE: 15,
  NEW_TOKEN: 16,
  PING: 17,
  ACK: 18,
  DATAGRAM: 19,
} as const;

/**
 * One piece of information carried by a sent packet. `a`, `b`, `c` are
 * kind-specific numbers (stream id / offset / length, sequence number...);
 * `fin` for STREAM.
 */
export interface SentItem {
  /** A {@link Sent} kind. */
  kind: number;
  /** First parameter (stream id, offset for CRYPTO, sequence number...). */
  a: number;
  /** Second parameter (offset for STREAM, length for CRYPTO, limit...). */
  b: number;
  /** Third parameter (length for STREAM). */
  c: number;
  /** FIN flag for STREAM. */
  fin: boolean;
}

/** What the connection remembers about one sent packet. */
export interface SentInfo {
  /** Retransmittable content. */
  items: SentItem[];
  /** Largest acknowledged in the ACK frame it carried, or -1 (RFC 9000 §13.2.4). */
  ackLargest: number;
}

/** State of one packet number space. */
export class PacketSpace {
  /** Which space. */
  readonly id: SpaceId;
  /** Keys to open incoming packets (undefined before installed / after discard). */
  readKeys: PacketKeys | undefined;
  /** Keys to protect outgoing packets. */
  writeKeys: PacketKeys | undefined;
  /** Set once the space's keys were discarded (RFC 9001 §4.9). */
  discarded = false;
  /** Next packet number to send. */
  nextPn = 0;
  /**
   * Packet number to skip next (RFC 9000 §21.4 optimistic ACK defence;
   * -1 until chosen). Application space only.
   */
  nextSkipPn = -1;
  /** Received packet numbers and ACK scheduling (RFC 9000 §13.2). */
  readonly ack: AckTracker;
  /** CRYPTO data both ways (RFC 9000 §19.6), bounded (§7.5: CRYPTO_BUFFER_EXCEEDED). */
  readonly crypto: CryptoStream;

  /**
   * @param id which space
   * @param maxAckRanges bound on tracked ACK ranges
   * @param cryptoLimit bytes of CRYPTO data buffered past the read offset
   * @param maxAckDelay our max_ack_delay (Application space)
   * @param ackEveryN ACK after this many ack-eliciting packets
   */
  constructor(
    id: SpaceId,
    maxAckRanges: number,
    cryptoLimit: number,
    maxAckDelay: number,
    ackEveryN: number,
  ) {
    this.id = id;
    this.ack = new AckTracker({
      space: id,
      maxAckDelay: id === APPLICATION ? maxAckDelay : 0,
      ackElicitingThreshold: ackEveryN,
      maxRanges: maxAckRanges,
    });
    this.crypto = new CryptoStream({ maxBuffered: cryptoLimit, maxRanges: 64 });
  }

  /**
   * Drops keys, ACK state and CRYPTO data (RFC 9001 §4.9); the sent records
   * are dropped by `LossRecovery.onPacketNumberSpaceDiscarded` (RFC 9002 §6.4).
   */
  discard(): void {
    this.discarded = true;
    this.readKeys = undefined;
    this.writeKeys = undefined;
    this.ack.onAckSent();
    this.crypto.discard();
  }
}
