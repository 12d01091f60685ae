/**
 * Per packet number space record of sent packets (RFC 9002 Appendix A.1).
 *
 * Records live in a growable ring buffer in structure-of-arrays form (typed
 * arrays for the numeric fields, one plain array for the connection's opaque
 * payload), ordered by packet number because a sender's packet numbers only
 * grow (RFC 9000 §12.3). Acknowledged or lost records become tombstones and
 * are reclaimed from the front, so steady-state sending and acknowledging
 * allocates nothing per packet.
 * @module
 */

/**
 * The three packet number spaces (RFC 9000 §12.3, RFC 9002 Appendix A.2
 * kPacketNumberSpace). 0-RTT and 1-RTT share `ApplicationData`.
 *
 * @example
 * ```ts
 * import { PacketNumberSpace } from "@gquic/core/quic";
 * console.log(PacketNumberSpace.Handshake); // 1
 * ```
 */
export const PacketNumberSpace = {
  Initial: 0,
  Handshake: 1,
  ApplicationData: 2,
} as const;

/**
 * A packet number space value: 0 Initial, 1 Handshake, 2 Application Data.
 *
 * @example
 * ```ts
 * import { type PacketNumberSpaceValue, PacketNumberSpace } from "@gquic/core/quic";
 * const s: PacketNumberSpaceValue = PacketNumberSpace.ApplicationData;
 * console.log(s);
 * ```
 */
export type PacketNumberSpaceValue = 0 | 1 | 2;

/** Record flag: the packet is ack-eliciting (RFC 9002 Appendix A.1.1). */
export const SENT_ACK_ELICITING = 1;
/** Record flag: the packet counts toward bytes in flight. */
export const SENT_IN_FLIGHT = 2;
/** Record flag: the record was acknowledged (tombstone). */
export const SENT_ACKED = 4;
/** Record flag: the record was declared lost (tombstone). */
export const SENT_LOST = 8;

// Small at first and allocated on the first push: an idle connection keeps
// three stores, and most spaces only ever hold a handful of packets.
const INITIAL_CAPACITY = 8;
const EMPTY_F64 = new Float64Array(0);
const EMPTY_U8 = new Uint8Array(0);

/**
 * The sent packets of one packet number space, indexed by a logical slot
 * `0 ≤ i < length` from oldest to newest. Slots hold live records and
 * tombstones (acked or lost); use {@link SentPacketStore.isLive}.
 *
 * @typeParam F the connection's opaque per-packet payload (frames to
 * re-queue on loss)
 *
 * @example
 * ```ts
 * import { SentPacketStore, SENT_ACK_ELICITING, SENT_IN_FLIGHT } from "@gquic/core/quic";
 * const store = new SentPacketStore<string[]>();
 * store.push(0, 10, 1200, SENT_ACK_ELICITING | SENT_IN_FLIGHT, ["STREAM 0..1100"]);
 * console.log(store.length, store.indexOf(0)); // 1 0
 * ```
 */
export class SentPacketStore<F> {
  private pnBuf: Float64Array;
  private timeBuf: Float64Array;
  private sizeBuf: Float64Array;
  private flagBuf: Uint8Array;
  private payloadBuf: (F | undefined)[];
  private mask: number;
  private head = 0; // physical index of logical slot 0
  private len = 0;
  /** Live (not acked, not lost) records. */
  liveCount = 0;
  /** Live records that are ack-eliciting and in flight. */
  ackElicitingInFlight = 0;
  /** Sum of sizes of live in-flight records. */
  bytesInFlight = 0;
  /** Largest packet number ever pushed, or -1. */
  largestSent: number = -1;

  /**
   * Creates an empty store.
   * @param capacity initial capacity (rounded up to a power of two); grows
   * by doubling
   */
  constructor(capacity: number = INITIAL_CAPACITY) {
    let cap = INITIAL_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.minCapacity = cap;
    this.pnBuf = this.timeBuf = this.sizeBuf = EMPTY_F64;
    this.flagBuf = EMPTY_U8;
    this.payloadBuf = [];
    this.mask = -1; // No buffers until the first push.
  }

  private readonly minCapacity: number;

  /** Number of slots (live records and tombstones not yet reclaimed). */
  get length(): number {
    return this.len;
  }

  /**
   * Records a sent packet. Packet numbers must increase.
   * @param pn packet number (greater than every previous one)
   * @param timeSent send time (ms)
   * @param size bytes sent, including QUIC header and AEAD overhead
   * @param flags {@link SENT_ACK_ELICITING} | {@link SENT_IN_FLIGHT}
   * @param payload opaque data returned on ack or loss
   */
  push(pn: number, timeSent: number, size: number, flags: number, payload: F | undefined): void {
    if (this.len > this.mask) this.grow();
    const p = (this.head + this.len) & this.mask;
    this.pnBuf[p] = pn;
    this.timeBuf[p] = timeSent;
    this.sizeBuf[p] = size;
    this.flagBuf[p] = flags & (SENT_ACK_ELICITING | SENT_IN_FLIGHT);
    this.payloadBuf[p] = payload;
    this.len++;
    this.liveCount++;
    this.largestSent = pn;
    if ((flags & SENT_IN_FLIGHT) !== 0) {
      this.bytesInFlight += size;
      if ((flags & SENT_ACK_ELICITING) !== 0) this.ackElicitingInFlight++;
    }
  }

  /** Doubles the capacity, unwrapping the ring to start at 0. */
  private grow(): void {
    const oldCap = this.mask + 1;
    const cap = Math.max(this.minCapacity, oldCap * 2);
    const pn = new Float64Array(cap);
    const time = new Float64Array(cap);
    const size = new Float64Array(cap);
    const flag = new Uint8Array(cap);
    const payload = new Array<F | undefined>(cap).fill(undefined);
    for (let i = 0; i < this.len; i++) {
      const p = (this.head + i) & this.mask;
      pn[i] = this.pnBuf[p];
      time[i] = this.timeBuf[p];
      size[i] = this.sizeBuf[p];
      flag[i] = this.flagBuf[p];
      payload[i] = this.payloadBuf[p];
    }
    this.pnBuf = pn;
    this.timeBuf = time;
    this.sizeBuf = size;
    this.flagBuf = flag;
    this.payloadBuf = payload;
    this.head = 0;
    this.mask = cap - 1;
  }

  /**
   * Packet number in slot `i`.
   * @param i logical slot
   */
  pn(i: number): number {
    return this.pnBuf[(this.head + i) & this.mask];
  }

  /**
   * Send time in slot `i`.
   * @param i logical slot
   */
  timeSent(i: number): number {
    return this.timeBuf[(this.head + i) & this.mask];
  }

  /**
   * Size in bytes of slot `i`.
   * @param i logical slot
   */
  size(i: number): number {
    return this.sizeBuf[(this.head + i) & this.mask];
  }

  /**
   * Flags of slot `i` ({@link SENT_ACK_ELICITING}, {@link SENT_IN_FLIGHT},
   * {@link SENT_ACKED}, {@link SENT_LOST}).
   * @param i logical slot
   */
  flags(i: number): number {
    return this.flagBuf[(this.head + i) & this.mask];
  }

  /**
   * Opaque payload of slot `i` (undefined once the record is removed).
   * @param i logical slot
   */
  payload(i: number): F | undefined {
    return this.payloadBuf[(this.head + i) & this.mask];
  }

  /**
   * True when slot `i` is neither acknowledged nor lost.
   * @param i logical slot
   */
  isLive(i: number): boolean {
    return (this.flagBuf[(this.head + i) & this.mask] & (SENT_ACKED | SENT_LOST)) === 0;
  }

  /**
   * Smallest slot whose packet number is ≥ `pn` (= `length` if none).
   * @param pn packet number
   */
  lowerBound(pn: number): number {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pnBuf[(this.head + mid) & this.mask] < pn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Slot holding packet number `pn`, or -1.
   * @param pn packet number
   */
  indexOf(pn: number): number {
    const i = this.lowerBound(pn);
    return i < this.len && this.pn(i) === pn ? i : -1;
  }

  /**
   * Marks live slot `i` as acknowledged or lost (`how` is {@link SENT_ACKED}
   * or {@link SENT_LOST}), updates the in-flight counters and releases the
   * payload. Call {@link SentPacketStore.reclaim} afterwards.
   * @param i logical slot of a live record
   * @param how {@link SENT_ACKED} or {@link SENT_LOST}
   */
  remove(i: number, how: number): void {
    const p = (this.head + i) & this.mask;
    const f = this.flagBuf[p];
    this.flagBuf[p] = f | how;
    this.payloadBuf[p] = undefined;
    this.liveCount--;
    if ((f & SENT_IN_FLIGHT) !== 0) {
      this.bytesInFlight -= this.sizeBuf[p];
      if ((f & SENT_ACK_ELICITING) !== 0) this.ackElicitingInFlight--;
    }
  }

  /** Drops tombstones from the front so the buffer does not grow. */
  reclaim(): void {
    while (this.len > 0 && (this.flagBuf[this.head] & (SENT_ACKED | SENT_LOST)) !== 0) {
      this.head = (this.head + 1) & this.mask;
      this.len--;
    }
  }

  /**
   * Removes every record (keys discarded, RFC 9002 §6.4); `largestSent` is
   * kept so later ACKs can still be validated.
   */
  clear(): void {
    // Release the buffers: a discarded space never sends again.
    this.pnBuf = this.timeBuf = this.sizeBuf = EMPTY_F64;
    this.flagBuf = EMPTY_U8;
    this.payloadBuf = [];
    this.mask = -1;
    this.head = 0;
    this.len = 0;
    this.liveCount = 0;
    this.ackElicitingInFlight = 0;
    this.bytesInFlight = 0;
  }
}
