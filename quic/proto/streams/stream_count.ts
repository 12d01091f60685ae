/**
 * Stream count limits of one direction (bidirectional or unidirectional) of
 * a connection (RFC 9000 §4.6): local streams against the peer's
 * MAX_STREAMS (with STREAMS_BLOCKED once per limit), and our limit on peer
 * streams, raised by MAX_STREAMS as peer streams close. Internal to
 * `StreamMap`.
 * @module
 */

/** Stream counts of one direction (internal to the stream map). */
export class StreamCount {
  /** Local streams opened. */
  localOpened = 0;
  /** The peer's limit on our streams (MAX_STREAMS received). */
  peerMax: number;
  /** Limit for which STREAMS_BLOCKED was already signalled, -1 if none. */
  #blockedAt = -1;
  /** A STREAMS_BLOCKED frame waits to be sent. */
  blockedPending = false;
  /** Peer streams opened (implicitly or explicitly). */
  remoteOpened = 0;
  /** Peer streams fully closed (credit returned). */
  #remoteClosed = 0;
  /** Our limit on peer streams, as advertised. */
  localMax: number;
  /** Concurrency we allow: the initial limit. */
  readonly #concurrency: number;
  /** A MAX_STREAMS frame waits to be sent. */
  maxStreamsPending = false;

  /**
   * @param peerMax the peer's initial limit on our streams
   * @param localMax our initial limit on peer streams (kept as concurrency)
   */
  constructor(peerMax: number, localMax: number) {
    this.peerMax = peerMax;
    this.localMax = localMax;
    this.#concurrency = localMax;
  }

  /**
   * The index of a new local stream, or -1 when the peer's limit is reached
   * (RFC 9000 §4.6: then SHOULD send STREAMS_BLOCKED, once per limit value).
   */
  openLocal(): number {
    if (this.localOpened >= this.peerMax) {
      if (this.#blockedAt !== this.peerMax) {
        this.#blockedAt = this.peerMax;
        this.blockedPending = true;
      }
      return -1;
    }
    return this.localOpened++;
  }

  /** MAX_STREAMS raised the peer's limit to `max`; false when it did not increase. */
  raisePeerMax(max: number): boolean {
    if (max <= this.peerMax) return false;
    this.peerMax = max;
    this.blockedPending = false;
    return true;
  }

  /** A STREAMS_BLOCKED for `limit` was lost: resend while still blocked there (§13.3). */
  onBlockedLost(limit: number): void {
    if (limit === this.peerMax && this.localOpened >= this.peerMax) this.blockedPending = true;
  }

  /** A MAX_STREAMS for `limit` was lost: resend while it is the newest (§13.3). */
  onMaxStreamsLost(limit: number): void {
    if (limit === this.localMax) this.maxStreamsPending = true;
  }

  /** A peer stream closed: return its credit (RFC 9000 §4.6). */
  onPeerStreamClosed(): void {
    this.#remoteClosed++;
    // Keep `concurrency` peer streams available; advertise in batches of
    // an eighth of it so MAX_STREAMS frames are not sent per stream.
    const target = this.#remoteClosed + this.#concurrency;
    if (target - this.localMax >= Math.max(1, Math.floor(this.#concurrency / 8))) {
      this.localMax = target;
      this.maxStreamsPending = true;
    }
  }
}
