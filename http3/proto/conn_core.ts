/**
 * The shared state of one {@link H3Connection} and the helpers every part
 * of it uses: the event queue, the stream tables, QPACK flushing, and the
 * error paths (RFC 9114 §8: a stream error resets that stream, a
 * connection error closes the connection). The connection's parts
 * (`uni_streams.ts` for incoming unidirectional streams, `push_flow.ts`
 * for server push, `connection.ts` for the request/response API) all work
 * on one `H3Core`. Internal: not exported from the package.
 * @module
 */
import { randomInt } from "node:crypto";
import { QpackDecoder } from "../../qpack/decoder.ts";
import { QpackEncoder } from "../../qpack/encoder.ts";
import { QpackError } from "../../qpack/errors.ts";
import type { FieldLine } from "../../qpack/field_line.ts";
import { H3Error, H3ErrorCode } from "./errors.ts";
import type { H3Event, H3Transport } from "./events.ts";
import { encodeHeadersFrame } from "./frames.ts";
import { PushState } from "./push.ts";
import type { RequestStream } from "./request_stream.ts";
import type { H3Settings } from "./settings.ts";

/**
 * Options of an {@link H3Connection}.
 *
 * @example
 * ```ts
 * import type { H3ConnectionOptions } from "@gquic/core/http3";
 * const o: Partial<H3ConnectionOptions> = { role: "server", qpackMaxTableCapacity: 4096 };
 * console.log(o.role);
 * ```
 */
export interface H3ConnectionOptions {
  /** Which side we are. */
  role: "client" | "server";
  /** Where bytes go. */
  transport: H3Transport;
  /** Our SETTINGS_MAX_FIELD_SECTION_SIZE (default 64 KiB; RFC 9114 §4.2.2). */
  maxFieldSectionSize?: number;
  /** Our SETTINGS_QPACK_MAX_TABLE_CAPACITY for the decoder (default 4096). */
  qpackMaxTableCapacity?: number;
  /** Our SETTINGS_QPACK_BLOCKED_STREAMS (default 16). */
  qpackBlockedStreams?: number;
  /** Largest dynamic table our encoder uses, within the peer's limit (default 4096). */
  qpackEncoderCapacity?: number;
  /** Send SETTINGS_ENABLE_CONNECT_PROTOCOL=1 (server, RFC 9220). */
  enableConnectProtocol?: boolean;
  /** Send SETTINGS_H3_DATAGRAM=1 (RFC 9297). */
  h3Datagram?: boolean;
  /** Client: pushes to allow initially (MAX_PUSH_ID = n-1; default 0 = no push). */
  maxPushes?: number;
  /** Server: most promised pushes not yet completed (default 32). */
  maxPendingPushes?: number;
  /** Largest control-type frame payload accepted (default 16 KiB). */
  maxFramePayload?: number;
  /** Bytes a request stream may hold while QPACK-blocked (default 256 KiB). */
  maxBlockedBufferBytes?: number;
  /** Most PRIORITY_UPDATE values remembered (default 256). */
  maxPriorityEntries?: number;
  /** Send GREASE: a reserved setting, frame and stream type (default true; RFC 9114 §7.2.8). */
  grease?: boolean;
  /** Random integer in [0, n): injected randomness for GREASE (default node:crypto). */
  random?: (n: number) => number;
}

/** A push stream we (the server) send on. */
export interface PushOut {
  pushId: number;
  headersSent: boolean;
  finalHeadersSent: boolean;
  sendDone: boolean;
}

/** True for a bidirectional stream ID (RFC 9000 §2.1). */
export const isBidi = (id: number): boolean => id % 4 < 2;

/** Local API misuse: H3_INTERNAL_ERROR, stream scope. */
export const misuse = (m: string): H3Error =>
  new H3Error(H3ErrorCode.H3_INTERNAL_ERROR, m, "stream");

/** Limits the frame readers apply. */
export interface FrameLimits {
  maxFramePayload: number;
  maxHeadersPayload: number;
}

/** State and helpers shared by the parts of one HTTP/3 connection. */
export class H3Core {
  readonly opts: H3ConnectionOptions;
  readonly t: H3Transport;
  readonly isServer: boolean;
  readonly maxFieldSectionSize: number;
  readonly maxBlockedBufferBytes: number;
  readonly random: (n: number) => number;
  readonly frameLimits: FrameLimits;
  readonly events: H3Event[] = [];
  eventHead = 0;
  encoder = new QpackEncoder({ maxTableCapacity: 0, maxBlockedStreams: 0 });
  readonly decoder: QpackDecoder;
  /** Request streams and (client) incoming push streams, by stream ID. */
  readonly streams = new Map<number, RequestStream>();
  /** Server: push streams we send, by stream ID. */
  readonly pushOut = new Map<number, PushOut>();
  // Streams we aborted whose peer side may still deliver bytes (bounded by
  // the QUIC stream limits: removed when the peer's FIN or reset arrives).
  readonly discarding = new Set<number>();
  readonly priorities = new Map<number, string>();
  readonly push: PushState;
  controlId = -1;
  encoderId = -1;
  decoderId = -1;
  started = false;
  closed = false;
  settings: H3Settings | undefined;
  maxRequestId = -1; // highest client-initiated bidi stream seen (server)
  goawaySent: number | undefined;
  goawayReceivedId: number | undefined;

  constructor(options: H3ConnectionOptions) {
    this.opts = options;
    this.t = options.transport;
    this.isServer = options.role === "server";
    this.maxFieldSectionSize = options.maxFieldSectionSize ?? 65536;
    this.maxBlockedBufferBytes = options.maxBlockedBufferBytes ?? 262144;
    this.random = options.random ?? ((n: number) => randomInt(n));
    this.frameLimits = {
      maxFramePayload: options.maxFramePayload ?? 16384,
      // An encoded section is no larger than its decoded size (RFC 9204 §4.5
      // representations cost at least their literal bytes), plus a prefix.
      maxHeadersPayload: this.maxFieldSectionSize + 1024,
    };
    this.decoder = new QpackDecoder({
      maxTableCapacity: options.qpackMaxTableCapacity ?? 4096,
      maxBlockedStreams: options.qpackBlockedStreams ?? 16,
      maxFieldSectionSize: this.maxFieldSectionSize,
      maxBlockedBytes: this.maxBlockedBufferBytes * 4,
    });
    this.push = new PushState(this.isServer, options.maxPendingPushes ?? 32);
  }

  emit(event: H3Event): void {
    this.events.push(event);
  }

  pollEvent(): H3Event | undefined {
    if (this.eventHead >= this.events.length) return undefined;
    const e = this.events[this.eventHead++];
    if (this.eventHead === this.events.length) {
      this.events.length = 0;
      this.eventHead = 0;
    }
    return e;
  }

  // ---------------------------------------------------------------- errors

  /** Turns an error thrown while handling input into its RFC 9114 §8 outcome. */
  fail(e: unknown, streamId: number): void {
    if (e instanceof H3Error && e.scope === "stream") {
      this.abortStream(streamId, e.code, e.message);
    } else if (e instanceof H3Error || e instanceof QpackError) {
      this.closeWith(e.code, e.message);
    } else {
      this.closeWith(H3ErrorCode.H3_INTERNAL_ERROR, String(e));
      throw e; // a bug in this layer: surface it
    }
  }

  abortStream(id: number, code: number, message: string, wireCode = code): void {
    const s = this.streams.get(id);
    if (s === undefined) return;
    if (!s.recvDone) {
      s.recvDone = true;
      this.t.stopSending(id, wireCode);
      this.decoder.cancelStream(id);
      this.discarding.add(id);
    }
    if (!s.sendDone && isBidi(id)) {
      s.sendDone = true;
      this.t.resetStream(id, wireCode);
    }
    s.sendDone = true;
    this.streams.delete(id);
    if (s.kind === "push") this.push.streamClosed(s.pushId!);
    // A request the application never saw needs no report.
    if (s.kind === "request" && !s.announced) return;
    this.emit({ type: "streamError", streamId: id, code, message, local: true });
  }

  closeWith(code: number, message: string): void {
    if (this.closed) return;
    this.closed = true;
    this.t.closeConnection(code, message);
    this.emit({ type: "connectionError", code, message, local: true });
  }

  forgetIfFinished(s: RequestStream): void {
    if (s.finished) {
      this.streams.delete(s.id);
      this.priorities.delete(s.id);
    }
  }

  // ------------------------------------------------------------------ QPACK

  flushDecoder(): void {
    if (this.decoderId < 0 || this.closed) return;
    const d = this.decoder.readDecoderStream();
    if (d.length > 0) this.t.write(this.decoderId, d, false);
  }

  flushEncoder(): void {
    const e = this.encoder.readEncoderStream();
    if (e.length > 0) this.t.write(this.encoderId, e, false);
  }

  /** Encodes and writes a HEADERS frame, encoder instructions first (RFC 9204 §2.1.1). */
  writeHeaders(streamId: number, fields: readonly FieldLine[], fin: boolean): void {
    const section = this.encoder.encodeFieldSection(streamId, fields);
    this.flushEncoder();
    this.t.write(streamId, encodeHeadersFrame(section), fin);
  }

  // ------------------------------------------------------------- send side

  checkOpen(): void {
    if (this.closed) throw misuse("connection is closed");
    if (!this.started) throw misuse("start() has not been called");
  }

  /** A stream we may write: a request/response stream or a push stream. */
  sendable(streamId: number): RequestStream | PushOut | undefined {
    return this.streams.get(streamId) ?? this.pushOut.get(streamId);
  }

  markSendDone(streamId: number): void {
    const s = this.sendable(streamId);
    if (s !== undefined) s.sendDone = true;
    this.afterSend(streamId);
  }

  afterSend(streamId: number): void {
    const p = this.pushOut.get(streamId);
    if (p !== undefined && p.sendDone) {
      this.pushOut.delete(streamId);
      this.push.streamClosed(p.pushId);
    }
    const s = this.streams.get(streamId);
    if (s !== undefined) this.forgetIfFinished(s);
  }

  /** Stops reading a stream we still track (STOP_SENDING; RFC 9204 §2.2.2.2 cancel). */
  stopReading(s: RequestStream, code: number): void {
    s.recvDone = true;
    this.t.stopSending(s.id, code);
    this.decoder.cancelStream(s.id);
    this.discarding.add(s.id);
  }

  /** Aborts a stream in both directions without an event (RFC 9114 §4.1.1). */
  cancelStream(streamId: number, code: number): void {
    if (this.closed) return;
    const s = this.streams.get(streamId);
    if (s !== undefined) {
      if (!s.recvDone) this.stopReading(s, code);
      if (!s.sendDone && isBidi(streamId)) this.t.resetStream(streamId, code);
      s.sendDone = true;
      this.streams.delete(streamId);
      if (s.kind === "push") this.push.streamClosed(s.pushId!);
      this.flushDecoder();
      return;
    }
    const p = this.pushOut.get(streamId);
    if (p !== undefined && !p.sendDone) {
      this.t.resetStream(streamId, code);
      p.sendDone = true;
      this.afterSend(streamId);
    }
  }
}
