/**
 * The two halves of the HTTP/3 connection's sans-IO interface: the
 * {@link H3Transport} it writes to (implemented by the QUIC glue) and the
 * {@link H3Event}s it queues for the application (read with
 * `H3Connection.pollEvent()`).
 *
 * Gluing onto Web Streams: feed `onStreamData` only as fast as the
 * application reads (pull from the QUIC stream in a `ReadableStream`'s
 * `pull()`), and drain `pollEvent()` after every input; `data` events are
 * never buffered by this layer (each is a view of the bytes just fed), so
 * QUIC flow control is the backpressure. `write()` calls map to the QUIC
 * stream's send buffer; its backpressure belongs to the glue's `WritableStream`.
 * @module
 */
import type { FieldLine } from "../../qpack/field_line.ts";
import type { RequestHead, ResponseHead } from "./message.ts";
import type { H3Settings } from "./settings.ts";

/**
 * What the HTTP/3 layer needs from QUIC. All calls are synchronous; stream
 * IDs are QUIC stream IDs (RFC 9000 §2.1) as numbers.
 *
 * @example
 * ```ts
 * import type { H3Transport } from "@gquic/core/http3";
 * const log: string[] = [];
 * let nextUni = 2, nextBidi = 0;
 * const t: H3Transport = {
 *   openUniStream: () => (nextUni += 4) - 4,
 *   openBidiStream: () => (nextBidi += 4) - 4,
 *   write: (id, bytes, fin) => void log.push(`${id}:${bytes.length}:${fin}`),
 *   resetStream: (id, code) => void log.push(`reset ${id} ${code}`),
 *   stopSending: (id, code) => void log.push(`stop ${id} ${code}`),
 *   closeConnection: (code, reason) => void log.push(`close ${code} ${reason}`),
 * };
 * console.log(t.openUniStream());
 * ```
 */
export interface H3Transport {
  /** Opens a unidirectional stream and returns its ID, or null when the peer's limit is reached. */
  openUniStream(): number | null;
  /** Opens a bidirectional stream (client requests), or null when the limit is reached. */
  openBidiStream(): number | null;
  /** Queues bytes on a stream; `fin` ends the sending side. */
  write(streamId: number, data: Uint8Array, fin: boolean): void;
  /** Abruptly ends the sending side (RESET_STREAM, RFC 9000 §19.4). */
  resetStream(streamId: number, code: number): void;
  /** Asks the peer to stop sending (STOP_SENDING, RFC 9000 §19.5). */
  stopSending(streamId: number, code: number): void;
  /** Closes the connection with an application error (CONNECTION_CLOSE 0x1d). */
  closeConnection(code: number, reason: string): void;
}

/**
 * Everything the HTTP/3 connection reports, in order of arrival. Message
 * events on one stream come in protocol order: `request`/`response`
 * (after any `informational`), `data`*, optional `trailers`, then `end`, or
 * `streamError` at any point (after which nothing more comes for that stream).
 * Push responses arrive on the push stream's ID and carry `pushId`.
 *
 * @example
 * ```ts
 * import type { H3Event } from "@gquic/core/http3";
 * function describe(e: H3Event): string {
 *   return e.type === "data" ? `${e.streamId}: ${e.data.length} bytes` : e.type;
 * }
 * console.log(describe({ type: "goaway", id: 4 }));
 * ```
 */
export type H3Event =
  /** The peer's SETTINGS arrived (RFC 9114 §7.2.4). */
  | { type: "settings"; settings: H3Settings }
  /** Server: a request header section arrived on a new request stream. */
  | { type: "request"; streamId: number; head: RequestHead; fields: FieldLine[] }
  /** Client: an interim (1xx) response (RFC 9114 §4.1). */
  | {
    type: "informational";
    streamId: number;
    head: ResponseHead;
    fields: FieldLine[];
    pushId?: number;
  }
  /** Client: the final response header section. */
  | { type: "response"; streamId: number; head: ResponseHead; fields: FieldLine[]; pushId?: number }
  /** Content bytes (a view of the bytes fed in; copy it to keep it). */
  | { type: "data"; streamId: number; data: Uint8Array }
  /** The trailer section. */
  | { type: "trailers"; streamId: number; fields: FieldLine[] }
  /** The message on this stream was received completely and is valid. */
  | { type: "end"; streamId: number }
  /**
   * The stream was aborted: by the peer (`local` false: RESET_STREAM with
   * `code`), or by this layer (`local` true: a stream error such as
   * H3_MESSAGE_ERROR, or a request refused by the peer's GOAWAY with
   * H3_REQUEST_REJECTED), in which case the stream was already reset.
   */
  | { type: "streamError"; streamId: number; code: number; message: string; local: boolean }
  /** The peer sent STOP_SENDING: stop writing this stream (it was reset with `code`). */
  | { type: "stopSending"; streamId: number; code: number }
  /** The peer sent GOAWAY (RFC 9114 §5.2): a stream ID from a server, a push ID from a client. */
  | { type: "goaway"; id: number }
  /** Client: a PUSH_PROMISE on a request stream (RFC 9114 §4.6). */
  | {
    type: "pushPromise";
    streamId: number;
    pushId: number;
    head: RequestHead;
    fields: FieldLine[];
  }
  /** Client: the push stream for `pushId` opened; its response events use `streamId`. */
  | { type: "pushStream"; streamId: number; pushId: number }
  /** A push was cancelled by the peer (CANCEL_PUSH, RFC 9114 §7.2.3). */
  | { type: "pushCancelled"; pushId: number }
  /** Server: a PRIORITY_UPDATE (RFC 9218 §7.1) for a request stream or a push. */
  | { type: "priorityUpdate"; id: number; push: boolean; value: string }
  /** The connection is closed: by us (`local`, after a connection error) or the peer. */
  | { type: "connectionError"; code: number; message: string; local: boolean };
