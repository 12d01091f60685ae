/**
 * Stream ID helpers (RFC 9000 §2.1). The two least significant bits of a
 * stream ID carry its type: bit 0x01 is the initiator (0 client, 1 server),
 * bit 0x02 the direction (0 bidirectional, 1 unidirectional). IDs are
 * `number`s; arithmetic (not bitwise) operators keep IDs above 2^32 correct.
 * @module
 */

/**
 * The four stream types of RFC 9000 §2.1 Table 1, as the value of the two
 * low bits of the stream ID.
 *
 * @example
 * ```ts
 * import { StreamType } from "@gquic/core/quic";
 * console.log(StreamType.ServerUni); // 3
 * ```
 */
export const StreamType = {
  ClientBidi: 0,
  ServerBidi: 1,
  ClientUni: 2,
  ServerUni: 3,
} as const;

/**
 * One of the {@link StreamType} values (0–3).
 *
 * @example
 * ```ts
 * import { type StreamTypeValue, StreamType } from "@gquic/core/quic";
 * const t: StreamTypeValue = StreamType.ClientUni;
 * console.log(t);
 * ```
 */
export type StreamTypeValue = 0 | 1 | 2 | 3;

/**
 * The largest stream ID the core accepts: IDs are varints (< 2^62), but the
 * core keeps them as `number`s and rejects anything above 2^53-1.
 *
 * @example
 * ```ts
 * import { MAX_STREAM_ID } from "@gquic/core/quic";
 * console.log(MAX_STREAM_ID === Number.MAX_SAFE_INTEGER); // true
 * ```
 */
export const MAX_STREAM_ID: number = Number.MAX_SAFE_INTEGER;

/**
 * The type bits of a stream ID (RFC 9000 §2.1).
 *
 * @example
 * ```ts
 * import { streamType } from "@gquic/core/quic";
 * console.log(streamType(7)); // 3 (server-initiated unidirectional)
 * ```
 */
export function streamType(id: number): StreamTypeValue {
  return (id % 4) as StreamTypeValue;
}

/**
 * True if the client opened the stream (bit 0x01 clear).
 *
 * @example
 * ```ts
 * import { isClientInitiated } from "@gquic/core/quic";
 * console.log(isClientInitiated(4), isClientInitiated(5)); // true false
 * ```
 */
export function isClientInitiated(id: number): boolean {
  return id % 2 === 0;
}

/**
 * True if the stream is unidirectional (bit 0x02 set).
 *
 * @example
 * ```ts
 * import { isUnidirectional } from "@gquic/core/quic";
 * console.log(isUnidirectional(2), isUnidirectional(1)); // true false
 * ```
 */
export function isUnidirectional(id: number): boolean {
  return id % 4 >= 2;
}

/**
 * True if the stream is bidirectional (bit 0x02 clear).
 *
 * @example
 * ```ts
 * import { isBidirectional } from "@gquic/core/quic";
 * console.log(isBidirectional(0)); // true
 * ```
 */
export function isBidirectional(id: number): boolean {
  return id % 4 < 2;
}

/**
 * True if the endpoint (`isServer`) opened the stream itself.
 *
 * @example
 * ```ts
 * import { isLocallyInitiated } from "@gquic/core/quic";
 * console.log(isLocallyInitiated(1, true), isLocallyInitiated(1, false)); // true false
 * ```
 */
export function isLocallyInitiated(id: number, isServer: boolean): boolean {
  return isClientInitiated(id) !== isServer;
}

/**
 * The sequence number of a stream within its type: the n-th stream of a type
 * has ID `4n + type`, so stream counts (MAX_STREAMS, RFC 9000 §4.6) compare
 * against `streamIndex(id) + 1`.
 *
 * @example
 * ```ts
 * import { streamIndex } from "@gquic/core/quic";
 * console.log(streamIndex(9)); // 2
 * ```
 */
export function streamIndex(id: number): number {
  return Math.floor(id / 4);
}

/**
 * Builds the stream ID of the `index`-th stream of a type (RFC 9000 §2.1).
 *
 * @example
 * ```ts
 * import { makeStreamId, StreamType } from "@gquic/core/quic";
 * console.log(makeStreamId(StreamType.ServerBidi, 2)); // 9
 * ```
 */
export function makeStreamId(type: StreamTypeValue, index: number): number {
  return index * 4 + type;
}

/**
 * The stream type for streams opened by this endpoint or the peer.
 *
 * @example
 * ```ts
 * import { typeFor } from "@gquic/core/quic";
 * console.log(typeFor(true, false, true)); // 3: server (local), unidirectional
 * ```
 * @param isServer whether this endpoint is the server
 * @param bidi bidirectional (true) or unidirectional
 * @param local streams opened by this endpoint (true) or by the peer
 */
export function typeFor(isServer: boolean, bidi: boolean, local: boolean): StreamTypeValue {
  const serverInitiated = isServer === local;
  return ((bidi ? 0 : 2) + (serverInitiated ? 1 : 0)) as StreamTypeValue;
}
