/**
 * The set of streams of a connection (RFC 9000 §2.1, §3, §4.6): opening local
 * streams against the peer's MAX_STREAMS (STREAMS_BLOCKED when refused),
 * implicit opening of peer streams (all lower IDs of the same type),
 * STREAM_LIMIT_ERROR beyond our limit, STREAM_STATE_ERROR for frames on
 * streams that cannot exist, and MAX_STREAMS credit returned as peer streams
 * close, keeping the number of concurrent peer streams bounded.
 * @module
 */
import { QuicError, TransportErrorCode } from "../errors.ts";
import type { RecvWindow, SendCredit } from "./flow_control.ts";
import { RecvStream } from "./recv_stream.ts";
import { SendStream } from "./send_stream.ts";
import {
  isBidirectional,
  isLocallyInitiated,
  makeStreamId,
  streamIndex,
  typeFor,
} from "./stream_id.ts";
import {
  MAX_STREAMS_LIMIT,
  type StreamEntry,
  type StreamLimits,
  type StreamMapOptions,
  type StreamPart,
  type StreamsFrameInfo,
} from "./stream_map_types.ts";
import { StreamCount } from "./stream_count.ts";
export {
  MAX_STREAMS_LIMIT,
  type StreamEntry,
  type StreamLimits,
  type StreamMapOptions,
  type StreamPart,
  type StreamsFrameInfo,
};

/**
 * All streams of a connection.
 *
 * @example
 * ```ts
 * import { RecvWindow, SendCredit, StreamMap } from "@gquic/core/quic";
 * const limits = {
 *   maxStreamsBidi: 1,
 *   maxStreamsUni: 0,
 *   maxStreamDataBidiLocal: 1000,
 *   maxStreamDataBidiRemote: 1000,
 *   maxStreamDataUni: 1000,
 * };
 * const m = new StreamMap({
 *   isServer: false,
 *   local: limits,
 *   peer: limits,
 *   connSendCredit: new SendCredit(10000),
 *   connRecvWindow: new RecvWindow({ initialWindow: 10000 }),
 * });
 * console.log(m.openBidi()?.id, m.openBidi()); // 0 null
 * console.log(m.takeStreamsBlocked()); // { bidi: true, limit: 1 }
 * ```
 */
export class StreamMap<E extends StreamEntry = StreamEntry> {
  /** Whether this endpoint is the server. */
  readonly isServer: boolean;
  readonly #local: StreamLimits;
  #peer: StreamLimits;
  readonly #connSend: SendCredit;
  readonly #connRecv: RecvWindow;
  readonly #opts: StreamMapOptions<E>;
  readonly #streams = new Map<number, E>();
  /** Stream counts; index 0 = bidirectional, 1 = unidirectional. */
  readonly #dirs: [StreamCount, StreamCount];
  #incoming: E[] = [];

  /**
   * Creates an empty stream map.
   * @param options roles, limits and connection-level flow control
   */
  constructor(options: StreamMapOptions<E>) {
    this.isServer = options.isServer;
    this.#local = options.local;
    this.#peer = options.peer;
    this.#connSend = options.connSendCredit;
    this.#connRecv = options.connRecvWindow;
    this.#opts = options;
    this.#dirs = [
      new StreamCount(options.peer.maxStreamsBidi, options.local.maxStreamsBidi),
      new StreamCount(options.peer.maxStreamsUni, options.local.maxStreamsUni),
    ];
  }

  /**
   * Number of open streams.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.size;
   * console.log(typeof f);
   * ```
   */
  get size(): number {
    return this.#streams.size;
  }

  /**
   * The stream with this ID, if open.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.get(0);
   * console.log(typeof f);
   * ```
   */
  get(id: number): E | undefined {
    return this.#streams.get(id);
  }

  /**
   * Iterates over the open streams.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const ids = (m: StreamMap) => [...m.entries()].map((s) => s.id);
   * console.log(typeof ids);
   * ```
   */
  entries(): IterableIterator<E> {
    return this.#streams.values();
  }

  /**
   * Applies the peer's transport parameters once known (after the
   * handshake; before that, e.g. remembered 0-RTT values may be used).
   * Limits only grow.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const apply = (m: StreamMap) =>
   *   m.setPeerLimits({
   *     maxStreamsBidi: 100,
   *     maxStreamsUni: 3,
   *     maxStreamDataBidiLocal: 1 << 20,
   *     maxStreamDataBidiRemote: 1 << 20,
   *     maxStreamDataUni: 1 << 20,
   *   });
   * console.log(typeof apply);
   * ```
   */
  setPeerLimits(peer: StreamLimits): void {
    this.#peer = peer;
    this.onMaxStreams(true, peer.maxStreamsBidi);
    this.onMaxStreams(false, peer.maxStreamsUni);
    for (const s of this.#streams.values()) {
      if (s.send !== null) s.send.onMaxStreamData(this.#peerSendLimit(s.id));
    }
  }

  /**
   * Opens a local bidirectional stream, or returns null (and arms
   * STREAMS_BLOCKED, once per limit) if the peer's limit is reached.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const open = (m: StreamMap) => m.openBidi()?.send?.write(new Uint8Array(1));
   * console.log(typeof open);
   * ```
   */
  openBidi(): E | null {
    return this.#openLocal(true);
  }

  /**
   * Opens a local unidirectional (send-only) stream, or returns null (and
   * arms STREAMS_BLOCKED) if the peer's limit is reached.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const open = (m: StreamMap) => m.openUni()?.send?.finish();
   * console.log(typeof open);
   * ```
   */
  openUni(): E | null {
    return this.#openLocal(false);
  }

  /**
   * Handles MAX_STREAMS (RFC 9000 §19.11): values above 2^60 are a
   * FRAME_ENCODING_ERROR; values that do not increase the limit are ignored.
   * Returns true when the limit rose (streams may be opened again).
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const more = (m: StreamMap) => m.onMaxStreams(true, 200);
   * console.log(typeof more);
   * ```
   */
  onMaxStreams(bidi: boolean, maxStreams: number): boolean {
    if (maxStreams > MAX_STREAMS_LIMIT) {
      throw new QuicError(
        TransportErrorCode.FRAME_ENCODING_ERROR,
        `MAX_STREAMS ${maxStreams} exceeds 2^60`,
        bidi ? 0x12 : 0x13,
      );
    }
    return this.#dirs[bidi ? 0 : 1].raisePeerMax(maxStreams);
  }

  /**
   * A STREAMS_BLOCKED frame was lost: send it again if we are still blocked
   * at that limit (RFC 9000 §13.3).
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.onStreamsBlockedLost({ bidi: true, limit: 10 });
   * console.log(typeof f);
   * ```
   */
  onStreamsBlockedLost(frame: StreamsFrameInfo): void {
    this.#dirs[frame.bidi ? 0 : 1].onBlockedLost(frame.limit);
  }

  /**
   * True when a STREAMS_BLOCKED or MAX_STREAMS frame waits to be sent.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.hasFramesPending;
   * console.log(typeof f);
   * ```
   */
  get hasFramesPending(): boolean {
    const [b, u] = this.#dirs;
    return b.blockedPending || u.blockedPending || b.maxStreamsPending || u.maxStreamsPending;
  }

  /**
   * True when peer-opened streams wait in {@link StreamMap.takeIncoming}.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.hasIncoming;
   * console.log(typeof f);
   * ```
   */
  get hasIncoming(): boolean {
    return this.#incoming.length > 0;
  }

  /**
   * Takes a pending STREAMS_BLOCKED frame, or null.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.takeStreamsBlocked();
   * console.log(typeof f);
   * ```
   */
  takeStreamsBlocked(): StreamsFrameInfo | null {
    for (let i = 0; i < 2; i++) {
      const d = this.#dirs[i];
      if (d.blockedPending) {
        d.blockedPending = false;
        return { bidi: i === 0, limit: d.peerMax };
      }
    }
    return null;
  }

  /**
   * Takes a pending MAX_STREAMS frame, or null.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.takeMaxStreams();
   * console.log(typeof f);
   * ```
   */
  takeMaxStreams(): StreamsFrameInfo | null {
    for (let i = 0; i < 2; i++) {
      const d = this.#dirs[i];
      if (d.maxStreamsPending) {
        d.maxStreamsPending = false;
        return { bidi: i === 0, limit: d.localMax };
      }
    }
    return null;
  }

  /**
   * A MAX_STREAMS frame was lost: resend the current limit if it still is
   * the newest (RFC 9000 §13.3).
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.onMaxStreamsLost({ bidi: true, limit: 10 });
   * console.log(typeof f);
   * ```
   */
  onMaxStreamsLost(frame: StreamsFrameInfo): void {
    this.#dirs[frame.bidi ? 0 : 1].onMaxStreamsLost(frame.limit);
  }

  /**
   * Our current limit on peer streams of a direction (as advertised).
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.localMaxStreams(true);
   * console.log(typeof f);
   * ```
   */
  localMaxStreams(bidi: boolean): number {
    return this.#dirs[bidi ? 0 : 1].localMax;
  }

  /**
   * Finds (or implicitly opens) the stream a peer frame addresses.
   * Throws STREAM_STATE_ERROR for a part that cannot exist (the receiving
   * part of a local unidirectional stream, the sending part of a peer
   * unidirectional stream, any local stream not yet opened) and
   * STREAM_LIMIT_ERROR for a peer stream beyond our limit (RFC 9000 §4.6,
   * §19.4, §19.5, §19.8, §19.10, §19.13). Opening a peer stream opens every
   * lower-numbered stream of its type (§3.2). Returns null for a stream that
   * existed and is closed: its frames are late and are ignored.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.streamForFrame(4, "recv")?.recv;
   * console.log(typeof f);
   * ```
   * @param frameType the frame type, recorded in the error
   */
  streamForFrame(id: number, part: StreamPart, frameType?: number): E | null {
    const bidi = isBidirectional(id);
    const local = isLocallyInitiated(id, this.isServer);
    if (!bidi && local === (part === "recv")) {
      throw new QuicError(
        TransportErrorCode.STREAM_STATE_ERROR,
        `${part === "recv" ? "receiving" : "sending"} part of ${
          local ? "local" : "peer"
        } unidirectional stream ${id} does not exist`,
        frameType,
      );
    }
    const d = this.#dirs[bidi ? 0 : 1];
    const index = streamIndex(id);
    if (local) {
      if (index >= d.localOpened) {
        throw new QuicError(
          TransportErrorCode.STREAM_STATE_ERROR,
          `local stream ${id} not yet opened`,
          frameType,
        );
      }
      return this.#streams.get(id) ?? null;
    }
    if (index >= d.localMax) {
      throw new QuicError(
        TransportErrorCode.STREAM_LIMIT_ERROR,
        `peer stream ${id} beyond limit ${d.localMax}`,
        frameType,
      );
    }
    if (index < d.remoteOpened) return this.#streams.get(id) ?? null;
    const type = typeFor(this.isServer, bidi, false);
    let entry: E | null = null;
    for (let i = d.remoteOpened; i <= index; i++) {
      entry = this.#create(makeStreamId(type, i), bidi, false);
      this.#incoming.push(entry);
    }
    d.remoteOpened = index + 1;
    return entry;
  }

  /**
   * Takes the peer-opened streams not yet handed to the application (in
   * stream ID order).
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const accept = (m: StreamMap) => m.takeIncoming().map((s) => s.id);
   * console.log(typeof accept);
   * ```
   */
  takeIncoming(): E[] {
    const out = this.#incoming;
    this.#incoming = [];
    return out;
  }

  /**
   * STREAM frame (RFC 9000 §19.8) → the stream's receiving part.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.onStreamFrame(0, 0, new Uint8Array(1), false, 0);
   * console.log(typeof f);
   * ```
   */
  onStreamFrame(id: number, offset: number, data: Uint8Array, fin: boolean, now: number): void {
    const s = this.streamForFrame(id, "recv", 0x08);
    if (s === null) return;
    s.recv!.onStreamFrame(offset, data, fin, now);
    this.maybeRetire(id);
  }

  /**
   * RESET_STREAM frame (RFC 9000 §19.4) → the stream's receiving part.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.onResetStream(0, 1n, 0, 0);
   * console.log(typeof f);
   * ```
   */
  onResetStream(id: number, errorCode: bigint, finalSize: number, now: number): void {
    const s = this.streamForFrame(id, "recv", 0x04);
    if (s === null) return;
    s.recv!.onResetStream(errorCode, finalSize, now);
    this.maybeRetire(id);
  }

  /**
   * STOP_SENDING frame (RFC 9000 §19.5) → the sending part answers with
   * RESET_STREAM carrying the same code (§3.5).
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.onStopSending(0, 1n);
   * console.log(typeof f);
   * ```
   */
  onStopSending(id: number, errorCode: bigint): void {
    const s = this.streamForFrame(id, "send", 0x05);
    if (s === null) return;
    s.send!.onStopSending(errorCode);
  }

  /**
   * MAX_STREAM_DATA frame (RFC 9000 §19.10) → the sending part.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.onMaxStreamData(0, 1 << 20);
   * console.log(typeof f);
   * ```
   */
  onMaxStreamData(id: number, maxStreamData: number): void {
    const s = this.streamForFrame(id, "send", 0x11);
    if (s === null) return;
    s.send!.onMaxStreamData(maxStreamData);
  }

  /**
   * STREAM_DATA_BLOCKED frame (RFC 9000 §19.13): validates the stream (it
   * may open it) and otherwise needs no action, since credit is granted as
   * the application reads.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.onStreamDataBlocked(0);
   * console.log(typeof f);
   * ```
   */
  onStreamDataBlocked(id: number): void {
    this.streamForFrame(id, "recv", 0x15);
  }

  /**
   * Removes the stream if both of its parts are in terminal states; for a
   * peer stream this returns one unit of MAX_STREAMS credit (RFC 9000 §4.6).
   * Call after application actions that may finish a stream.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.maybeRetire(0);
   * console.log(typeof f);
   * ```
   * @returns true if the stream was removed
   */
  maybeRetire(id: number): boolean {
    const s = this.#streams.get(id);
    if (s === undefined) return false;
    if (s.send !== null && !s.send.isTerminal) return false;
    if (s.recv !== null && !s.recv.isTerminal) return false;
    this.#streams.delete(id);
    if (!isLocallyInitiated(id, this.isServer)) {
      this.#dirs[isBidirectional(id) ? 0 : 1].onPeerStreamClosed();
    }
    return true;
  }

  /**
   * Scans all streams and removes those that are finished.
   *
   * @example
   * ```ts
   * import type { StreamMap } from "@gquic/core/quic";
   * const f = (m: StreamMap) => m.retireClosed();
   * console.log(typeof f);
   * ```
   * @returns number of streams removed
   */
  retireClosed(): number {
    let n = 0;
    for (const id of [...this.#streams.keys()]) if (this.maybeRetire(id)) n++;
    return n;
  }

  #openLocal(bidi: boolean): E | null {
    const index = this.#dirs[bidi ? 0 : 1].openLocal();
    if (index < 0) return null;
    return this.#create(makeStreamId(typeFor(this.isServer, bidi, true), index), bidi, true);
  }

  /** The peer's initial limit on our sending on stream `id` (RFC 9000 §18.2). */
  #peerSendLimit(id: number): number {
    if (!isBidirectional(id)) return this.#peer.maxStreamDataUni;
    return isLocallyInitiated(id, this.isServer)
      ? this.#peer.maxStreamDataBidiRemote
      : this.#peer.maxStreamDataBidiLocal;
  }

  /** Our initial limit on the peer's sending on stream `id`. */
  #localRecvLimit(id: number): number {
    if (!isBidirectional(id)) return this.#local.maxStreamDataUni;
    return isLocallyInitiated(id, this.isServer)
      ? this.#local.maxStreamDataBidiLocal
      : this.#local.maxStreamDataBidiRemote;
  }

  #create(id: number, bidi: boolean, local: boolean): E {
    const o = this.#opts;
    const hasSend = bidi || local;
    const hasRecv = bidi || !local;
    const send = hasSend
      ? new SendStream(id, {
        connCredit: this.#connSend,
        initialMaxStreamData: this.#peerSendLimit(id),
        maxBuffered: o.maxBuffered,
      })
      : null;
    let recv: RecvStream | null = null;
    if (hasRecv) {
      const initialWindow = this.#localRecvLimit(id);
      recv = new RecvStream(id, {
        connWindow: this.#connRecv,
        window: {
          initialWindow,
          maxWindow: Math.max(initialWindow, o.maxStreamWindow ?? initialWindow * 16),
          rtt: o.rtt,
        },
        maxRanges: o.maxRanges,
      });
    }
    const entry = o.createEntry ? o.createEntry(id, send, recv) : { id, send, recv } as E;
    this.#streams.set(id, entry);
    return entry;
  }
}
