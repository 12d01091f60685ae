/**
 * Server push bookkeeping (RFC 9114 §4.6, §7.2.3, §7.2.5, §7.2.7): push ID
 * allocation against the client's MAX_PUSH_ID and GOAWAY on the server;
 * promise matching, push-stream uniqueness and cancellation on the client.
 * Memory is bounded by the push ID window the client grants.
 * @module
 */
import type { FieldLine } from "../../qpack/field_line.ts";
import { connectionError, H3Error, H3ErrorCode } from "./errors.ts";

interface PushEntry {
  fields?: FieldLine[];
  cancelled: boolean;
  streamId?: number;
}

const misuse = (m: string): H3Error => new H3Error(H3ErrorCode.H3_INTERNAL_ERROR, m, "stream");

/** Push state of one connection, for either role. */
export class PushState {
  private readonly entries = new Map<number, PushEntry>();
  // Server side.
  private peerMaxPushId = -1;
  private nextPushId = 0;
  private peerGoawayLimit = Infinity;
  // Client side.
  private localMax = -1;
  private readonly consumed = new Set<number>();
  private localGoawayLimit = Infinity;
  private maxSeen = -1;

  /**
   * @param isServer our role
   * @param maxPending server: most promised pushes not yet completed
   */
  constructor(private readonly isServer: boolean, private readonly maxPending: number) {}

  /** Pushes promised or in progress. */
  get pending(): number {
    return this.entries.size;
  }

  // ------------------------------------------------------------- server

  /** Next push ID to promise, or null when not allowed now. */
  allocate(): number | null {
    const id = this.nextPushId;
    if (id > this.peerMaxPushId || id >= this.peerGoawayLimit) return null;
    if (this.entries.size >= this.maxPending) return null;
    this.nextPushId++;
    this.entries.set(id, { cancelled: false });
    return id;
  }

  /** True when `pushId` was promised and has no push stream yet. */
  canFulfil(pushId: number): boolean {
    const e = this.entries.get(pushId);
    return this.isServer && e !== undefined && e.streamId === undefined;
  }

  /** MAX_PUSH_ID received; RFC 9114 §7.2.7: it must not decrease. */
  maxPushIdReceived(pushId: number): void {
    if (pushId < this.peerMaxPushId) {
      throw connectionError(H3ErrorCode.H3_ID_ERROR, "MAX_PUSH_ID decreased");
    }
    this.peerMaxPushId = pushId;
  }

  /** The client's GOAWAY: no pushes at or above `pushId` (RFC 9114 §5.2). */
  peerGoaway(pushId: number): void {
    this.peerGoawayLimit = pushId;
  }

  /** RFC 9218 §7.1: the push variant must name a promised push. */
  checkPriorityPushId(pushId: number): void {
    if (pushId > this.peerMaxPushId || pushId >= this.nextPushId) {
      throw connectionError(H3ErrorCode.H3_ID_ERROR, "PRIORITY_UPDATE for an unpromised push");
    }
  }

  // ------------------------------------------------------------- client

  /** Raises our MAX_PUSH_ID (it never decreases, RFC 9114 §7.2.7). */
  raiseLocalMax(pushId: number): void {
    if (pushId < this.localMax) throw misuse("MAX_PUSH_ID cannot decrease");
    this.localMax = pushId;
  }

  /** RFC 9114 §7.2.5: a promised push ID above MAX_PUSH_ID is H3_ID_ERROR. */
  checkPromised(pushId: number): void {
    if (pushId > this.localMax) {
      throw connectionError(H3ErrorCode.H3_ID_ERROR, `push ID ${pushId} above MAX_PUSH_ID`);
    }
  }

  /**
   * Records a PUSH_PROMISE; true when it should be reported. A repeated
   * promise must carry the same fields (RFC 9114 §7.2.5).
   */
  promised(pushId: number, fields: FieldLine[]): boolean {
    if (pushId > this.maxSeen) this.maxSeen = pushId;
    let e = this.entries.get(pushId);
    if (e?.fields !== undefined) {
      const a = e.fields;
      const same = a.length === fields.length &&
        a.every((f, i) => f.name === fields[i].name && f.value === fields[i].value);
      if (!same) {
        throw connectionError(H3ErrorCode.H3_GENERAL_PROTOCOL_ERROR, "PUSH_PROMISE mismatch");
      }
      return !e.cancelled;
    }
    // Already consumed and discarded: the promise is ignored (RFC 9114 §7.2.5).
    if (e === undefined && this.consumed.has(pushId)) return false;
    if (pushId >= this.localGoawayLimit) return false;
    if (e === undefined) {
      e = { cancelled: false };
      this.entries.set(pushId, e);
    }
    e.fields = fields;
    return !e.cancelled;
  }

  /**
   * A push stream header arrived (RFC 9114 §4.6): checks the ID and returns
   * false when the push was cancelled (the stream is then refused).
   */
  acceptPushStream(pushId: number): boolean {
    if (this.localMax < 0 || pushId > this.localMax) {
      throw connectionError(H3ErrorCode.H3_ID_ERROR, `push stream ID ${pushId} above MAX_PUSH_ID`);
    }
    if (this.consumed.has(pushId)) {
      throw connectionError(H3ErrorCode.H3_ID_ERROR, `second push stream for push ${pushId}`);
    }
    this.consumed.add(pushId);
    if (pushId > this.maxSeen) this.maxSeen = pushId;
    const e = this.entries.get(pushId);
    if (e?.cancelled || pushId >= this.localGoawayLimit) {
      this.entries.delete(pushId);
      return false;
    }
    return true;
  }

  /** First push ID not yet seen (default GOAWAY value of a client). */
  nextUnseenPushId(): number {
    return this.maxSeen + 1;
  }

  /** Our GOAWAY as a client: later pushes are refused. */
  localGoaway(pushId: number): void {
    this.localGoawayLimit = pushId;
  }

  // --------------------------------------------------------------- both

  /** The push stream for `pushId` is `streamId`. */
  fulfilled(pushId: number, streamId: number): void {
    let e = this.entries.get(pushId);
    if (e === undefined) {
      e = { cancelled: false };
      this.entries.set(pushId, e);
    }
    e.streamId = streamId;
  }

  /** The push stream finished or was aborted: forget the push. */
  streamClosed(pushId: number): void {
    this.entries.delete(pushId);
  }

  /**
   * CANCEL_PUSH received (RFC 9114 §7.2.3): an ID above the allowed maximum
   * is H3_ID_ERROR. Returns the push stream to reset (server), if any.
   */
  peerCancelled(pushId: number): number | undefined {
    const max = this.isServer ? this.peerMaxPushId : this.localMax;
    if (pushId > max) {
      throw connectionError(H3ErrorCode.H3_ID_ERROR, "CANCEL_PUSH above MAX_PUSH_ID");
    }
    const e = this.entries.get(pushId);
    this.entries.delete(pushId);
    if (!this.isServer) this.consumed.add(pushId);
    return this.isServer ? e?.streamId : undefined;
  }

  /** We cancel a push; returns its stream if one is open. */
  localCancel(pushId: number): number | undefined {
    if (this.isServer) {
      const e = this.entries.get(pushId);
      if (e === undefined) throw misuse(`push ${pushId} is not pending`);
      this.entries.delete(pushId);
      return e.streamId;
    }
    if (pushId > this.localMax) throw misuse(`push ${pushId} above MAX_PUSH_ID`);
    let e = this.entries.get(pushId);
    if (e === undefined) {
      e = { cancelled: true };
      this.entries.set(pushId, e);
    }
    e.cancelled = true;
    return e.streamId;
  }
}
