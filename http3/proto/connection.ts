/**
 * The HTTP/3 connection state machine (RFC 9114), both roles, sans-IO.
 *
 * Inputs: `onStreamData`, `onStreamReset`, `onStopSending`,
 * `onConnectionClosed` (from the QUIC glue) and the API calls
 * (`sendRequest`, `sendResponse`, `sendData`, `pushPromise`, `goaway`, ...).
 * Outputs: calls on the {@link H3Transport} (stream writes, resets, close)
 * and {@link H3Event}s read with {@link H3Connection.pollEvent}.
 *
 * Peer input never throws: a stream error resets that stream and emits
 * `streamError`; a connection error closes the connection through the
 * transport and emits `connectionError` (RFC 9114 §8). API misuse by the
 * local application throws {@link H3Error} (H3_INTERNAL_ERROR).
 *
 * The class is a facade over parts that share one `H3Core`: incoming
 * unidirectional streams (`uni_streams.ts`), server push (`push_flow.ts`),
 * and the request/response streams handled here.
 * @module
 */
import { QpackEncoder } from "../../qpack/encoder.ts";
import { QpackError } from "../../qpack/errors.ts";
import type { FieldLine } from "../../qpack/field_line.ts";
import { ControlStreamReceiver } from "./control_stream.ts";
import { controlStreamPreamble } from "./control_stream.ts";
import { type H3ConnectionOptions, H3Core, isBidi, misuse } from "./conn_core.ts";
import { connectionError, H3Error, H3ErrorCode, streamError } from "./errors.ts";
import type { H3Event } from "./events.ts";
import {
  encodeFrameHeader,
  encodeGoawayFrame,
  encodePriorityUpdateFrame,
  FrameType,
  greaseId,
} from "./frames.ts";
import { validateRequestHeaders, validateResponseHeaders, validateTrailers } from "./message.ts";
import { PushFlow } from "./push_flow.ts";
import { RequestStream } from "./request_stream.ts";
import type { H3Settings } from "./settings.ts";
import { encodeStreamPreface, StreamType } from "./stream_types.ts";
import { UniStreams } from "./uni_streams.ts";

export type { H3ConnectionOptions } from "./conn_core.ts";

/**
 * An HTTP/3 connection over an abstract QUIC transport. Call
 * {@link H3Connection.start} once streams can be opened, feed it stream
 * events, and drain {@link H3Connection.pollEvent} after each.
 *
 * @example
 * ```ts
 * import { H3Connection, type H3Transport } from "@gquic/core/http3";
 * const wire: [number, Uint8Array, boolean][] = [];
 * let uni = 2, bidi = 0;
 * const transport: H3Transport = {
 *   openUniStream: () => (uni += 4) - 4,
 *   openBidiStream: () => (bidi += 4) - 4,
 *   write: (id, data, fin) => void wire.push([id, data, fin]),
 *   resetStream: () => {}, stopSending: () => {}, closeConnection: () => {},
 * };
 * const client = new H3Connection({ role: "client", transport, random: () => 0 });
 * client.start();
 * const id = client.sendRequest([
 *   { name: ":method", value: "GET" }, { name: ":scheme", value: "https" },
 *   { name: ":authority", value: "example.com" }, { name: ":path", value: "/" },
 * ], { endStream: true });
 * console.log(id, wire.length > 0); // 0 true
 * ```
 */
export class H3Connection {
  /** Our role. */
  readonly isServer: boolean;
  /** Our SETTINGS_MAX_FIELD_SECTION_SIZE. */
  readonly maxFieldSectionSize: number;
  /** Whether we sent ENABLE_CONNECT_PROTOCOL. */
  readonly enableConnectProtocol: boolean;
  /** Bytes a blocked stream may hold. */
  readonly maxBlockedBufferBytes: number;
  readonly #c: H3Core;
  readonly #uni: UniStreams;
  readonly #push: PushFlow;

  /**
   * Creates a connection; call {@link H3Connection.start} to open its streams.
   * @param options connection options
   */
  constructor(options: H3ConnectionOptions) {
    const c = this.#c = new H3Core(options);
    this.isServer = c.isServer;
    this.maxFieldSectionSize = c.maxFieldSectionSize;
    this.enableConnectProtocol = options.enableConnectProtocol ?? false;
    this.maxBlockedBufferBytes = c.maxBlockedBufferBytes;
    const control = new ControlStreamReceiver(this, c.frameLimits.maxFramePayload);
    this.#uni = new UniStreams(c, control, this);
    this.#push = new PushFlow(c);
  }

  // ---------------------------------------------------------------- state

  /** The peer's SETTINGS, once received. */
  get peerSettings(): H3Settings | undefined {
    return this.#c.settings;
  }

  /** True after a connection error or close. */
  get closed(): boolean {
    return this.#c.closed;
  }

  /** The GOAWAY ID received from the peer, if any. */
  get goawayReceived(): number | undefined {
    return this.#c.goawayReceivedId;
  }

  /** Number of request and push streams still open in either direction. */
  get activeStreams(): number {
    return this.#c.streams.size + this.#c.pushOut.size;
  }

  /**
   * Whether the connection still tracks a request or push stream: false once
   * its message was received and sent completely, or it was aborted (also
   * quietly, for a request the application never saw).
   */
  hasStream(streamId: number): boolean {
    return this.#c.sendable(streamId) !== undefined;
  }

  /** The last PRIORITY_UPDATE value for a request stream (server; RFC 9218). */
  priorityOf(streamId: number): string | undefined {
    return this.#c.priorities.get(streamId);
  }

  /** Next queued event, or undefined. */
  pollEvent(): H3Event | undefined {
    return this.#c.pollEvent();
  }

  /** Queues an event (internal, used by stream receivers). */
  emit(event: H3Event): void {
    this.#c.emit(event);
  }

  // ---------------------------------------------------------------- start

  /**
   * Opens our control stream with SETTINGS (RFC 9114 §6.2.1), the QPACK
   * encoder and decoder streams (RFC 9204 §4.2), and, with GREASE on, a
   * reserved stream type (§6.2.3); a client allowing push sends MAX_PUSH_ID.
   */
  start(): void {
    const c = this.#c;
    if (c.started || c.closed) return;
    c.started = true;
    try {
      this.#open();
    } catch (e) {
      c.fail(e, -1);
    }
  }

  #open(): void {
    const c = this.#c;
    const opts = c.opts;
    const grease = opts.grease ?? true;
    const settings: H3Settings = {
      maxFieldSectionSize: c.maxFieldSectionSize,
      qpackMaxTableCapacity: opts.qpackMaxTableCapacity ?? 4096,
      qpackBlockedStreams: opts.qpackBlockedStreams ?? 16,
    };
    if (this.enableConnectProtocol) settings.enableConnectProtocol = true;
    if (opts.h3Datagram) settings.h3Datagram = true;
    if (grease) settings.other = new Map([[greaseId(c.random(1 << 20)), c.random(1 << 30)]]);
    const greaseFrame = grease
      ? { type: greaseId(c.random(1 << 20)), payload: this.#randomBytes(c.random(8)) }
      : undefined;
    c.controlId = this.#openUni();
    c.t.write(c.controlId, controlStreamPreamble(settings, greaseFrame), false);
    c.encoderId = this.#openUni();
    c.t.write(c.encoderId, encodeStreamPreface(StreamType.QPACK_ENCODER), false);
    c.decoderId = this.#openUni();
    c.t.write(c.decoderId, encodeStreamPreface(StreamType.QPACK_DECODER), false);
    // RFC 9114 §4.6: a client that sends no MAX_PUSH_ID refuses all pushes.
    if (!c.isServer && (opts.maxPushes ?? 0) > 0) this.setMaxPushId(opts.maxPushes! - 1);
    if (grease) {
      const g = c.t.openUniStream();
      if (g !== null) {
        const pre = encodeStreamPreface(greaseId(c.random(1 << 20)));
        const body = this.#randomBytes(c.random(8));
        const out = new Uint8Array(pre.length + body.length);
        out.set(pre);
        out.set(body, pre.length);
        c.t.write(g, out, true);
      }
    }
  }

  #openUni(): number {
    const id = this.#c.t.openUniStream();
    // RFC 9114 §6.2: peers MUST allow at least three unidirectional streams.
    if (id === null) throw connectionError(H3ErrorCode.H3_STREAM_CREATION_ERROR, "no uni stream");
    return id;
  }

  #randomBytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.#c.random(256);
    return b;
  }

  // ---------------------------------------------------------------- inputs

  /** Bytes (and possibly FIN) received on a stream. Never throws for peer input. */
  onStreamData(streamId: number, data: Uint8Array, fin: boolean): void {
    const c = this.#c;
    if (c.closed) return;
    try {
      if (isBidi(streamId)) this.#bidiData(streamId, data, fin);
      else this.#uni.onData(streamId, data, fin);
    } catch (e) {
      c.fail(e, streamId);
    }
    c.flushDecoder();
  }

  /** The peer reset a stream (RESET_STREAM with `code`). */
  onStreamReset(streamId: number, code: number): void {
    const c = this.#c;
    if (c.closed) return;
    try {
      if (this.#uni.isCritical(streamId)) {
        // RFC 9114 §6.2.1, RFC 9204 §4.2: critical streams never close.
        throw connectionError(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, "critical stream reset");
      }
      this.#uni.forget(streamId);
      c.discarding.delete(streamId);
      const s = c.streams.get(streamId);
      if (s !== undefined && !s.recvDone) {
        s.recvDone = true;
        c.decoder.cancelStream(streamId); // RFC 9204 §2.2.2.2
        if (s.kind !== "response" && !s.announced) {
          // Nothing was delivered; forget the stream quietly.
          if (!s.sendDone) c.t.resetStream(streamId, code);
          s.sendDone = true;
        } else {
          c.emit({ type: "streamError", streamId, code, message: "reset by peer", local: false });
        }
        if (s.kind === "push") c.push.streamClosed(s.pushId!);
        c.forgetIfFinished(s);
      }
    } catch (e) {
      c.fail(e, streamId);
    }
    c.flushDecoder();
  }

  /** The peer sent STOP_SENDING for a stream we write. */
  onStopSending(streamId: number, code: number): void {
    const c = this.#c;
    if (c.closed) return;
    if (streamId === c.controlId || streamId === c.encoderId || streamId === c.decoderId) {
      c.closeWith(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, "STOP_SENDING on a critical stream");
      return;
    }
    const s = c.sendable(streamId);
    if (s === undefined || s.sendDone) return;
    // RFC 9000 §3.5: answer STOP_SENDING with RESET_STREAM.
    c.t.resetStream(streamId, code);
    s.sendDone = true;
    c.emit({ type: "stopSending", streamId, code });
    c.afterSend(streamId);
  }

  /** The QUIC connection closed (peer CONNECTION_CLOSE, idle timeout, ...). */
  onConnectionClosed(code: number, reason: string): void {
    const c = this.#c;
    if (c.closed) return;
    c.closed = true;
    c.emit({ type: "connectionError", code, message: reason, local: false });
  }

  #bidiData(id: number, data: Uint8Array, fin: boolean): void {
    const c = this.#c;
    let s = c.streams.get(id);
    if (s === undefined) {
      if (c.discarding.has(id)) {
        if (fin) c.discarding.delete(id);
        return;
      }
      if (!c.isServer) {
        // RFC 9114 §6.1: server-initiated bidirectional streams are an error.
        if (id % 4 === 1) {
          throw connectionError(
            H3ErrorCode.H3_STREAM_CREATION_ERROR,
            "server-initiated bidi stream",
          );
        }
        return; // one of ours, already forgotten
      }
      // QUIC delivers no bytes after a FIN or reset, and streams we abort
      // are in `discarding`: an unknown client stream is a new request.
      if (id % 4 !== 0) return;
      if (id > c.maxRequestId) c.maxRequestId = id;
      if (c.goawaySent !== undefined && id >= c.goawaySent) {
        // RFC 9114 §5.2: requests above our GOAWAY are rejected unprocessed.
        c.t.stopSending(id, H3ErrorCode.H3_REQUEST_REJECTED);
        c.t.resetStream(id, H3ErrorCode.H3_REQUEST_REJECTED);
        if (!fin) c.discarding.add(id);
        return;
      }
      s = new RequestStream(id, "request", this, c.frameLimits);
      c.streams.set(id, s);
    }
    s.onData(data, fin);
    c.forgetIfFinished(s);
  }

  // ------------------------------------------------- RequestStream host

  /** QPACK-decodes a section (internal, for {@link RequestStream}). */
  decodeSection(streamId: number, section: Uint8Array): FieldLine[] | null {
    try {
      return this.#c.decoder.decodeFieldSection(streamId, section);
    } catch (e) {
      // RFC 9114 §4.2.2: a section over our advertised size is the
      // stream's problem, not the connection's.
      if (e instanceof QpackError && e.fieldSectionTooLarge) {
        throw streamError(H3ErrorCode.H3_EXCESSIVE_LOAD, "field section too large");
      }
      throw e;
    }
  }

  /** Internal: checks a PUSH_PROMISE push ID (client). */
  checkPromisedPushId(pushId: number): void {
    this.#c.push.checkPromised(pushId);
  }

  /** Internal: a decoded PUSH_PROMISE (client, RFC 9114 §4.6). */
  onPushPromise(streamId: number, pushId: number, fields: FieldLine[]): void {
    this.#push.onPromise(streamId, pushId, fields);
  }

  // --------------------------------------------------- ControlStream host

  /** Internal: the peer's SETTINGS. */
  onSettings(settings: H3Settings): void {
    const c = this.#c;
    c.settings = settings;
    // RFC 9204 §3.2.3: the encoder may use the dynamic table only now.
    const cap = settings.qpackMaxTableCapacity ?? 0;
    c.encoder = new QpackEncoder({
      maxTableCapacity: cap,
      maxBlockedStreams: settings.qpackBlockedStreams ?? 0,
      tableCapacity: Math.min(cap, c.opts.qpackEncoderCapacity ?? 4096),
    });
    c.emit({ type: "settings", settings });
  }

  /** Internal: GOAWAY received (RFC 9114 §5.2, §7.2.6). */
  onGoaway(id: number): void {
    const c = this.#c;
    if (c.goawayReceivedId !== undefined && id > c.goawayReceivedId) {
      throw connectionError(H3ErrorCode.H3_ID_ERROR, "GOAWAY ID increased");
    }
    if (!c.isServer && id % 4 !== 0) {
      throw connectionError(H3ErrorCode.H3_ID_ERROR, "GOAWAY ID is not a client request stream");
    }
    c.goawayReceivedId = id;
    if (c.isServer) c.push.peerGoaway(id);
    c.emit({ type: "goaway", id });
    if (c.isServer) return;
    // Requests at or above the ID were not processed: reject them locally.
    for (const s of [...c.streams.values()]) {
      if (s.kind !== "response" || s.id < id || s.finished) continue;
      c.abortStream(
        s.id,
        H3ErrorCode.H3_REQUEST_REJECTED,
        "refused by GOAWAY",
        H3ErrorCode.H3_REQUEST_CANCELLED,
      );
    }
  }

  /** Internal: MAX_PUSH_ID (server). */
  onMaxPushId(pushId: number): void {
    this.#push.onMaxPushId(pushId);
  }

  /** Internal: CANCEL_PUSH (RFC 9114 §7.2.3). */
  onCancelPush(pushId: number): void {
    this.#push.onCancel(pushId);
  }

  /** Internal: PRIORITY_UPDATE (server, RFC 9218 §7.1). */
  onPriorityUpdate(id: number, push: boolean, value: string): void {
    const c = this.#c;
    if (push) {
      c.push.checkPriorityPushId(id);
    } else {
      if (id % 4 !== 0) {
        throw connectionError(H3ErrorCode.H3_ID_ERROR, "PRIORITY_UPDATE for a non-request stream");
      }
      c.priorities.delete(id);
      c.priorities.set(id, value);
      const max = c.opts.maxPriorityEntries ?? 256;
      if (c.priorities.size > max) c.priorities.delete(c.priorities.keys().next().value!);
    }
    c.emit({ type: "priorityUpdate", id, push, value });
  }

  // ---------------------------------------------------------------- API

  /**
   * Client: sends a request header section on a new request stream and
   * returns its ID, or null when QUIC has no stream credit. Throws
   * H3_REQUEST_REJECTED after the server's GOAWAY (RFC 9114 §5.2), and
   * H3_MESSAGE_ERROR if the fields are not a valid request.
   */
  sendRequest(fields: readonly FieldLine[], options: { endStream?: boolean } = {}): number | null {
    const c = this.#c;
    c.checkOpen();
    if (c.isServer) throw misuse("servers do not send requests");
    if (c.goawayReceivedId !== undefined) {
      throw new H3Error(H3ErrorCode.H3_REQUEST_REJECTED, "server sent GOAWAY", "stream");
    }
    const head = validateRequestHeaders(fields, {
      enableConnectProtocol: c.settings?.enableConnectProtocol,
    });
    const id = c.t.openBidiStream();
    if (id === null) return null;
    const s = new RequestStream(id, "response", this, c.frameLimits);
    s.requestMethod = head.method;
    s.headersSent = s.finalHeadersSent = true;
    c.streams.set(id, s);
    c.writeHeaders(id, fields, options.endStream ?? false);
    if (options.endStream) s.sendDone = true;
    return id;
  }

  /**
   * Server: sends a response header section (RFC 9114 §4.1). A 1xx status
   * is an interim response and may be followed by others; `endStream` ends
   * the response with no content.
   */
  sendResponse(
    streamId: number,
    fields: readonly FieldLine[],
    options: { endStream?: boolean } = {},
  ): void {
    const c = this.#c;
    c.checkOpen();
    const s = c.sendable(streamId);
    if (s === undefined || s.sendDone || !c.isServer) {
      throw misuse(`cannot respond on ${streamId}`);
    }
    if (s.finalHeadersSent) throw misuse("final response already sent");
    const head = validateResponseHeaders(fields);
    if (head.status < 200 && options.endStream) {
      throw misuse("interim response cannot end the stream");
    }
    c.writeHeaders(streamId, fields, options.endStream ?? false);
    s.headersSent = true;
    if (head.status >= 200) s.finalHeadersSent = true;
    if (options.endStream) c.markSendDone(streamId);
  }

  /** Sends content as one DATA frame (RFC 9114 §7.2.1); `fin` ends the stream. */
  sendData(streamId: number, data: Uint8Array, fin = false): void {
    const c = this.#c;
    c.checkOpen();
    const s = c.sendable(streamId);
    if (s === undefined || s.sendDone) throw misuse(`stream ${streamId} is not writable`);
    if (!s.finalHeadersSent) throw misuse("DATA before the final HEADERS");
    if (data.length > 0) {
      c.t.write(streamId, encodeFrameHeader(FrameType.DATA, data.length), false);
      c.t.write(streamId, data, fin);
    } else if (fin) {
      c.t.write(streamId, data, true);
    }
    if (fin) c.markSendDone(streamId);
  }

  /** Sends a trailer section and ends the stream (RFC 9114 §4.1). */
  sendTrailers(streamId: number, fields: readonly FieldLine[]): void {
    const c = this.#c;
    c.checkOpen();
    const s = c.sendable(streamId);
    if (s === undefined || s.sendDone || !s.finalHeadersSent) throw misuse("cannot send trailers");
    validateTrailers(fields, !c.isServer);
    c.writeHeaders(streamId, fields, true);
    c.markSendDone(streamId);
  }

  /** Ends our side of a stream without more content. */
  endStream(streamId: number): void {
    this.sendData(streamId, new Uint8Array(0), true);
  }

  /**
   * Cancels a request or response in both directions (RFC 9114 §4.1.1):
   * a client with H3_REQUEST_CANCELLED, a server with H3_REQUEST_REJECTED
   * (only if nothing was processed) or H3_REQUEST_CANCELLED.
   */
  cancelStream(streamId: number, code: number = H3ErrorCode.H3_REQUEST_CANCELLED): void {
    this.#c.cancelStream(streamId, code);
  }

  /**
   * Stops receiving on a request stream while still sending on it: a server
   * that answered before the request body ended (RFC 9114 §4.1 allows
   * STOP_SENDING with H3_NO_ERROR then), or a client that dropped a
   * response body. No events follow for the receiving side.
   */
  abortReading(streamId: number, code: number = H3ErrorCode.H3_NO_ERROR): void {
    const c = this.#c;
    if (c.closed) return;
    const s = c.streams.get(streamId);
    if (s === undefined || s.recvDone) return;
    c.stopReading(s, code);
    c.forgetIfFinished(s);
    c.flushDecoder();
  }

  /**
   * Sends GOAWAY (RFC 9114 §5.2). A server's ID defaults to the first
   * request stream it has not seen (requests from there on are rejected); a
   * client's to the first push ID it has not seen. It never increases.
   */
  goaway(id?: number): void {
    const c = this.#c;
    c.checkOpen();
    let value = id ?? (c.isServer ? c.maxRequestId + 4 : c.push.nextUnseenPushId());
    if (c.isServer && value % 4 !== 0) {
      throw misuse("GOAWAY ID must be a client request stream ID");
    }
    if (c.goawaySent !== undefined) value = Math.min(value, c.goawaySent);
    c.goawaySent = value;
    if (!c.isServer) c.push.localGoaway(value);
    c.t.write(c.controlId, encodeGoawayFrame(value), false);
  }

  /** Closes the connection (H3_NO_ERROR by default). */
  close(code: number = H3ErrorCode.H3_NO_ERROR, reason = ""): void {
    this.#c.closeWith(code, reason);
  }

  /** Client: allows pushes up to `maxPushId` (MAX_PUSH_ID, RFC 9114 §7.2.7). */
  setMaxPushId(maxPushId: number): void {
    this.#push.setMaxPushId(maxPushId);
  }

  /** Client: sends PRIORITY_UPDATE for a request stream or push (RFC 9218 §7.1). */
  sendPriorityUpdate(id: number, value: string, push = false): void {
    const c = this.#c;
    c.checkOpen();
    if (c.isServer) throw misuse("only clients send PRIORITY_UPDATE");
    c.t.write(c.controlId, encodePriorityUpdateFrame(id, value, push), false);
  }

  /**
   * Server: promises a push on request stream `requestStreamId` (RFC 9114
   * §4.6) and returns its push ID, or null when the client's MAX_PUSH_ID,
   * its GOAWAY, or our pending-push limit forbids it. The promised request
   * must be a GET or HEAD without content.
   */
  pushPromise(requestStreamId: number, fields: readonly FieldLine[]): number | null {
    return this.#push.promise(requestStreamId, fields);
  }

  /**
   * Server: opens the push stream for `pushId` and sends its response
   * header section; returns the stream ID (write the body with
   * {@link sendData}), or null without uni-stream credit.
   */
  sendPushResponse(
    pushId: number,
    fields: readonly FieldLine[],
    options: { endStream?: boolean } = {},
  ): number | null {
    return this.#push.respond(pushId, fields, options.endStream ?? false);
  }

  /**
   * Cancels a push (CANCEL_PUSH, RFC 9114 §7.2.3). A client also aborts
   * reading the push stream; a server resets it.
   */
  cancelPush(pushId: number): void {
    this.#push.cancel(pushId);
  }
}
