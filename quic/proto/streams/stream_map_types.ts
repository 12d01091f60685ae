/**
 * Types of the stream map (RFC 9000 §2.1, §3, §4.6, §18.2): limits from
 * transport parameters, options, entries and the MAX_STREAMS /
 * STREAMS_BLOCKED frame description.
 * @module
 */
import type { RecvWindow, RttSource, SendCredit } from "./flow_control.ts";
import type { RecvStream } from "./recv_stream.ts";
import type { SendStream } from "./send_stream.ts";

/**
 * RFC 9000 §4.6: MAX_STREAMS values above 2^60 cannot be expressed.
 *
 * @example
 * ```ts
 * import { MAX_STREAMS_LIMIT } from "@gquic/core/quic";
 * console.log(MAX_STREAMS_LIMIT === 2 ** 60); // true
 * ```
 */
export const MAX_STREAMS_LIMIT: number = 2 ** 60;

/**
 * Limits one endpoint declares in its transport parameters (RFC 9000 §18.2)
 * that concern streams. `bidiLocal` applies to bidirectional streams opened
 * by the endpoint that declares it, `bidiRemote` to those its peer opens.
 *
 * @example
 * ```ts
 * import type { StreamLimits } from "@gquic/core/quic";
 * const l: StreamLimits = {
 *   maxStreamsBidi: 100,
 *   maxStreamsUni: 3,
 *   maxStreamDataBidiLocal: 1 << 20,
 *   maxStreamDataBidiRemote: 1 << 20,
 *   maxStreamDataUni: 1 << 20,
 * };
 * console.log(l.maxStreamsBidi);
 * ```
 */
export interface StreamLimits {
  /** initial_max_streams_bidi */
  maxStreamsBidi: number;
  /** initial_max_streams_uni */
  maxStreamsUni: number;
  /** initial_max_stream_data_bidi_local */
  maxStreamDataBidiLocal: number;
  /** initial_max_stream_data_bidi_remote */
  maxStreamDataBidiRemote: number;
  /** initial_max_stream_data_uni */
  maxStreamDataUni: number;
}

/**
 * Options of a {@link StreamMap}.
 *
 * @example
 * ```ts
 * import { RecvWindow, SendCredit, type StreamMapOptions } from "@gquic/core/quic";
 * const limits = {
 *   maxStreamsBidi: 10,
 *   maxStreamsUni: 3,
 *   maxStreamDataBidiLocal: 65536,
 *   maxStreamDataBidiRemote: 65536,
 *   maxStreamDataUni: 65536,
 * };
 * const o: StreamMapOptions = {
 *   isServer: false,
 *   local: limits,
 *   peer: limits,
 *   connSendCredit: new SendCredit(1 << 20),
 *   connRecvWindow: new RecvWindow({ initialWindow: 1 << 20 }),
 * };
 * console.log(o.isServer);
 * ```
 */
export interface StreamMapOptions<E extends StreamEntry = StreamEntry> {
  /** Whether this endpoint is the server. */
  isServer: boolean;
  /** Our transport parameters (what the peer may do). */
  local: StreamLimits;
  /** The peer's transport parameters (what we may do); see {@link StreamMap.setPeerLimits}. */
  peer: StreamLimits;
  /** Connection-level send credit (the peer's MAX_DATA). */
  connSendCredit: SendCredit;
  /** Connection-level receive window (our MAX_DATA). */
  connRecvWindow: RecvWindow;
  /** Auto-tuning cap for each stream's receive window (default 16 × initial). */
  maxStreamWindow?: number;
  /** Per-stream send buffering before backpressure (default 1 MiB). */
  maxBuffered?: number;
  /** Per-stream reassembly gap limit (default 1024). */
  maxRanges?: number;
  /** Smoothed RTT for receive-window auto-tuning. */
  rtt?: RttSource;
  /**
   * Builds the entry of a new stream, so an owner (the connection) can keep
   * its own per-stream fields in the same object; default `{ id, send, recv }`.
   */
  createEntry?: (id: number, send: SendStream | null, recv: RecvStream | null) => E;
}

/**
 * A stream: its sending and/or receiving part (null for the missing half of
 * a unidirectional stream).
 *
 * @example
 * ```ts
 * import type { StreamEntry } from "@gquic/core/quic";
 * const describe = (s: StreamEntry) => `${s.id}: send=${s.send !== null} recv=${s.recv !== null}`;
 * console.log(typeof describe);
 * ```
 */
export interface StreamEntry {
  /** The stream ID. */
  readonly id: number;
  /** The sending part, or null on a receive-only stream. */
  readonly send: SendStream | null;
  /** The receiving part, or null on a send-only stream. */
  readonly recv: RecvStream | null;
}

/**
 * Which part of a stream a frame addresses: STREAM, RESET_STREAM and
 * STREAM_DATA_BLOCKED address the receiving part; MAX_STREAM_DATA and
 * STOP_SENDING the sending part (RFC 9000 §3.4, §19).
 *
 * @example
 * ```ts
 * import type { StreamPart } from "@gquic/core/quic";
 * const p: StreamPart = "recv";
 * console.log(p);
 * ```
 */
export type StreamPart = "send" | "recv";

/**
 * A MAX_STREAMS or STREAMS_BLOCKED frame to send.
 *
 * @example
 * ```ts
 * import type { StreamsFrameInfo } from "@gquic/core/quic";
 * const f: StreamsFrameInfo = { bidi: true, limit: 100 };
 * console.log(f.limit);
 * ```
 */
export interface StreamsFrameInfo {
  /** Bidirectional (true) or unidirectional streams. */
  bidi: boolean;
  /** The Maximum Streams value. */
  limit: number;
}
