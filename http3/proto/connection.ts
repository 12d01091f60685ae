/**
 * The HTTP/3 connection state machine (RFC 9114), both roles, sans-IO.
 *
 * Inputs: `onStreamData`, `onStreamReset`, `onStopSending`,
 * `onConnectionClosed` (from the QUIC glue) and the API calls
 * (`sendRequest`, `sendResponse`, `sendData`, `push`, `goaway`, ...).
 * Outputs: calls on the {@link H3Transport} (stream writes, resets, close)
 * and {@link H3Event}s read with {@link H3Connection.pollEvent}.
 *
 * Peer input never throws: a stream error resets that stream and emits
 * `streamError`; a connection error closes the connection through the
 * transport and emits `connectionError` (RFC 9114 §8). API misuse by the
 * local application throws {@link H3Error} (H3_INTERNAL_ERROR).
 * @module
 */
import { randomInt } from "node:crypto";
import { QpackDecoder } from "../../qpack/decoder.ts";
import { QpackEncoder } from "../../qpack/encoder.ts";
import { QpackError } from "../../qpack/errors.ts";
import type { FieldLine } from "../../qpack/field_line.ts";
import { ControlStreamReceiver } from "./control_stream.ts";
import { controlStreamPreamble } from "./control_stream.ts";
import { connectionError, H3Error, H3ErrorCode, streamError } from "./errors.ts";
import type { H3Event, H3Transport } from "./events.ts";
import {
  encodeCancelPushFrame,
  encodeFrameHeader,
  encodeGoawayFrame,
  encodeHeadersFrame,
  encodeMaxPushIdFrame,
  encodePriorityUpdateFrame,
  encodePushPromiseFrame,
  FrameType,
  greaseId,
} from "./frames.ts";
import { validateRequestHeaders, validateResponseHeaders, validateTrailers } from "./message.ts";
import { RequestStream } from "./request_stream.ts";
import type { H3Settings } from "./settings.ts";
import {
  classifyStreamType,
  encodeStreamPreface,
  PrefaceReader,
  StreamType,
} from "./stream_types.ts";
import { PushState } from "./push.ts";

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

interface UniPending {
  reader: PrefaceReader;
  kind: "type" | "pushId" | "ignored";
}

interface PushOut {
  pushId: number;
  headersSent: boolean;
  finalHeadersSent: boolean;
  sendDone: boolean;
}

const isBidi = (id: number): boolean => id % 4 < 2;
const misuse = (m: string): H3Error => new H3Error(H3ErrorCode.H3_INTERNAL_ERROR, m, "stream");

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
  private readonly t: H3Transport;
  private readonly opts: H3ConnectionOptions;
  private readonly random: (n: number) => number;
  private readonly frameLimits: { maxFramePayload: number; maxHeadersPayload: number };
  private readonly events: H3Event[] = [];
  private eventHead = 0;
  private encoder = new QpackEncoder({ maxTableCapacity: 0, maxBlockedStreams: 0 });
  private readonly decoder: QpackDecoder;
  private readonly streams = new Map<number, RequestStream>();
  private readonly pushOut = new Map<number, PushOut>(); // by push stream ID (server)
  private readonly uni = new Map<number, UniPending>();
  // Streams we aborted whose peer side may still deliver bytes (bounded by
  // the QUIC stream limits: removed when the peer's FIN or reset arrives).
  private readonly discarding = new Set<number>();
  private readonly priorities = new Map<number, string>();
  private readonly control: ControlStreamReceiver;
  private readonly push: PushState;
  private controlId = -1;
  private encoderId = -1;
  private decoderId = -1;
  private peerControlId = -1;
  private peerEncoderId = -1;
  private peerDecoderId = -1;
  private started = false;
  private closedState = false;
  private settings: H3Settings | undefined;
  private maxRequestId = -1; // highest client-initiated bidi stream seen (server)
  private goawaySent: number | undefined;
  private goawayReceivedId: number | undefined;

  /**
   * Creates a connection; call {@link H3Connection.start} to open its streams.
   * @param options connection options
   */
  constructor(options: H3ConnectionOptions) {
    this.opts = options;
    this.t = options.transport;
    this.isServer = options.role === "server";
    this.maxFieldSectionSize = options.maxFieldSectionSize ?? 65536;
    this.enableConnectProtocol = options.enableConnectProtocol ?? false;
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
    this.control = new ControlStreamReceiver(this, this.frameLimits.maxFramePayload);
    this.push = new PushState(this.isServer, options.maxPendingPushes ?? 32);
  }

  // ---------------------------------------------------------------- state

  /** The peer's SETTINGS, once received. */
  get peerSettings(): H3Settings | undefined {
    return this.settings;
  }

  /** True after a connection error or close. */
  get closed(): boolean {
    return this.closedState;
  }

  /** The GOAWAY ID received from the peer, if any. */
  get goawayReceived(): number | undefined {
    return this.goawayReceivedId;
  }

  /** Number of request and push streams still open in either direction. */
  get activeStreams(): number {
    return this.streams.size + this.pushOut.size;
  }

  /**
   * Whether the connection still tracks a request or push stream: false once
   * its message was received and sent completely, or it was aborted (also
   * quietly, for a request the application never saw).
   */
  hasStream(streamId: number): boolean {
    return this.streams.has(streamId) || this.pushOut.has(streamId);
  }

  /** The last PRIORITY_UPDATE value for a request stream (server; RFC 9218). */
  priorityOf(streamId: number): string | undefined {
    return this.priorities.get(streamId);
  }

  /** Next queued event, or undefined. */
  pollEvent(): H3Event | undefined {
    if (this.eventHead >= this.events.length) return undefined;
    const e = this.events[this.eventHead++];
    if (this.eventHead === this.events.length) {
      this.events.length = 0;
      this.eventHead = 0;
    }
    return e;
  }

  /** Queues an event (internal, used by stream receivers). */
  emit(event: H3Event): void {
    this.events.push(event);
  }

  // ---------------------------------------------------------------- start

  /**
   * Opens our control stream with SETTINGS (RFC 9114 §6.2.1), the QPACK
   * encoder and decoder streams (RFC 9204 §4.2), and, with GREASE on, a
   * reserved stream type (§6.2.3); a client allowing push sends MAX_PUSH_ID.
   */
  start(): void {
    if (this.started || this.closedState) return;
    this.started = true;
    try {
      this.#open();
    } catch (e) {
      this.#fail(e, -1);
    }
  }

  #open(): void {
    const grease = this.opts.grease ?? true;
    const settings: H3Settings = {
      maxFieldSectionSize: this.maxFieldSectionSize,
      qpackMaxTableCapacity: this.opts.qpackMaxTableCapacity ?? 4096,
      qpackBlockedStreams: this.opts.qpackBlockedStreams ?? 16,
    };
    if (this.enableConnectProtocol) settings.enableConnectProtocol = true;
    if (this.opts.h3Datagram) settings.h3Datagram = true;
    if (grease) settings.other = new Map([[greaseId(this.random(1 << 20)), this.random(1 << 30)]]);
    const greaseFrame = grease
      ? { type: greaseId(this.random(1 << 20)), payload: this.#randomBytes(this.random(8)) }
      : undefined;
    this.controlId = this.#openUni();
    this.t.write(this.controlId, controlStreamPreamble(settings, greaseFrame), false);
    this.encoderId = this.#openUni();
    this.t.write(this.encoderId, encodeStreamPreface(StreamType.QPACK_ENCODER), false);
    this.decoderId = this.#openUni();
    this.t.write(this.decoderId, encodeStreamPreface(StreamType.QPACK_DECODER), false);
    if (!this.isServer && (this.opts.maxPushes ?? 0) > 0) {
      this.setMaxPushId(this.opts.maxPushes! - 1);
    }
    if (grease) {
      const g = this.t.openUniStream();
      if (g !== null) {
        const pre = encodeStreamPreface(greaseId(this.random(1 << 20)));
        const body = this.#randomBytes(this.random(8));
        const out = new Uint8Array(pre.length + body.length);
        out.set(pre);
        out.set(body, pre.length);
        this.t.write(g, out, true);
      }
    }
  }

  #openUni(): number {
    const id = this.t.openUniStream();
    // RFC 9114 §6.2: peers MUST allow at least three unidirectional streams.
    if (id === null) throw connectionError(H3ErrorCode.H3_STREAM_CREATION_ERROR, "no uni stream");
    return id;
  }

  #randomBytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.random(256);
    return b;
  }

  // ---------------------------------------------------------------- inputs

  /** Bytes (and possibly FIN) received on a stream. Never throws for peer input. */
  onStreamData(streamId: number, data: Uint8Array, fin: boolean): void {
    if (this.closedState) return;
    try {
      if (isBidi(streamId)) this.#bidiData(streamId, data, fin);
      else this.#uniData(streamId, data, fin);
    } catch (e) {
      this.#fail(e, streamId);
    }
    this.#flushDecoder();
  }

  /** The peer reset a stream (RESET_STREAM with `code`). */
  onStreamReset(streamId: number, code: number): void {
    if (this.closedState) return;
    try {
      if (
        streamId === this.peerControlId || streamId === this.peerEncoderId ||
        streamId === this.peerDecoderId
      ) {
        // RFC 9114 §6.2.1, RFC 9204 §4.2: critical streams never close.
        throw connectionError(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, "critical stream reset");
      }
      this.uni.delete(streamId);
      this.discarding.delete(streamId);
      const s = this.streams.get(streamId);
      if (s !== undefined && !s.recvDone) {
        s.recvDone = true;
        this.decoder.cancelStream(streamId); // RFC 9204 §2.2.2.2
        if (s.kind !== "response" && !s.announced) {
          // Nothing was delivered; forget the stream quietly.
          if (!s.sendDone) this.t.resetStream(streamId, code);
          s.sendDone = true;
        } else {
          this.emit({
            type: "streamError",
            streamId,
            code,
            message: "reset by peer",
            local: false,
          });
        }
        if (s.kind === "push") this.push.streamClosed(s.pushId!);
        this.#forgetIfFinished(s);
      }
    } catch (e) {
      this.#fail(e, streamId);
    }
    this.#flushDecoder();
  }

  /** The peer sent STOP_SENDING for a stream we write. */
  onStopSending(streamId: number, code: number): void {
    if (this.closedState) return;
    if (streamId === this.controlId || streamId === this.encoderId || streamId === this.decoderId) {
      this.#closeWith(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, "STOP_SENDING on a critical stream");
      return;
    }
    const s = this.streams.get(streamId) ?? this.pushOut.get(streamId);
    if (s === undefined || s.sendDone) return;
    // RFC 9000 §3.5: answer STOP_SENDING with RESET_STREAM.
    this.t.resetStream(streamId, code);
    s.sendDone = true;
    this.emit({ type: "stopSending", streamId, code });
    this.#afterSend(streamId);
  }

  /** The QUIC connection closed (peer CONNECTION_CLOSE, idle timeout, ...). */
  onConnectionClosed(code: number, reason: string): void {
    if (this.closedState) return;
    this.closedState = true;
    this.emit({ type: "connectionError", code, message: reason, local: false });
  }

  #bidiData(id: number, data: Uint8Array, fin: boolean): void {
    let s = this.streams.get(id);
    if (s === undefined) {
      if (this.discarding.has(id)) {
        if (fin) this.discarding.delete(id);
        return;
      }
      if (!this.isServer) {
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
      if (id > this.maxRequestId) this.maxRequestId = id;
      if (this.goawaySent !== undefined && id >= this.goawaySent) {
        // RFC 9114 §5.2: requests above our GOAWAY are rejected unprocessed.
        this.t.stopSending(id, H3ErrorCode.H3_REQUEST_REJECTED);
        this.t.resetStream(id, H3ErrorCode.H3_REQUEST_REJECTED);
        if (!fin) this.discarding.add(id);
        return;
      }
      s = new RequestStream(id, "request", this, this.frameLimits);
      this.streams.set(id, s);
    }
    s.onData(data, fin);
    this.#forgetIfFinished(s);
  }

  #uniData(id: number, data: Uint8Array, fin: boolean): void {
    if (id === this.peerControlId) return this.control.onData(data, fin);
    if (id === this.peerEncoderId) return this.#encoderStreamData(data, fin);
    if (id === this.peerDecoderId) {
      this.encoder.receiveDecoderStream(data);
      if (fin) {
        throw connectionError(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, "decoder stream closed");
      }
      return;
    }
    const s = this.streams.get(id);
    if (s !== undefined) {
      s.onData(data, fin);
      if (s.recvDone) this.push.streamClosed(s.pushId!);
      this.#forgetIfFinished(s);
      return;
    }
    if (this.discarding.has(id)) {
      if (fin) this.discarding.delete(id);
      return;
    }
    // Our own unidirectional streams never carry data towards us.
    if ((id % 4 === 2) === this.isServer) return this.#preface(id, data, fin);
  }

  #preface(id: number, data: Uint8Array, fin: boolean): void {
    let u = this.uni.get(id);
    if (u === undefined) {
      u = { reader: new PrefaceReader(), kind: "type" };
      this.uni.set(id, u);
    }
    if (u.kind === "ignored") {
      if (fin) this.uni.delete(id);
      return;
    }
    let off = u.reader.read(data);
    if (u.reader.value < 0) {
      if (fin) this.uni.delete(id); // ended before its type: nothing to do
      return;
    }
    if (u.kind === "type") {
      const type = u.reader.value;
      const kind = classifyStreamType(type);
      const rest = data.subarray(off);
      switch (kind) {
        case "control":
        case "qpackEncoder":
        case "qpackDecoder": {
          this.uni.delete(id);
          const slot = kind === "control"
            ? "peerControlId"
            : kind === "qpackEncoder"
            ? "peerEncoderId"
            : "peerDecoderId";
          // RFC 9114 §6.2.1, RFC 9204 §4.2: only one of each.
          if (this[slot] !== -1) {
            throw connectionError(H3ErrorCode.H3_STREAM_CREATION_ERROR, `second ${kind} stream`);
          }
          this[slot] = id;
          if (rest.length > 0 || fin) this.#uniData(id, rest, fin);
          return;
        }
        case "push":
          // RFC 9114 §6.2.2: only servers push.
          if (this.isServer) {
            throw connectionError(
              H3ErrorCode.H3_STREAM_CREATION_ERROR,
              "push stream from a client",
            );
          }
          u.kind = "pushId";
          u.reader.reset();
          off += u.reader.read(data, off);
          if (u.reader.value < 0) {
            if (fin) this.uni.delete(id);
            return;
          }
          break;
        default:
          // RFC 9114 §6.2: unknown types (GREASE included) are not an error.
          this.t.stopSending(id, H3ErrorCode.H3_STREAM_CREATION_ERROR);
          if (fin) this.uni.delete(id);
          else u.kind = "ignored";
          return;
      }
    }
    // Push stream header complete (RFC 9114 §4.6).
    const pushId = u.reader.value;
    this.uni.delete(id);
    if (!this.push.acceptPushStream(pushId)) {
      this.t.stopSending(id, H3ErrorCode.H3_REQUEST_CANCELLED);
      if (!fin) this.discarding.add(id);
      return;
    }
    this.push.fulfilled(pushId, id);
    const s = new RequestStream(id, "push", this, this.frameLimits, pushId);
    s.sendDone = true;
    this.streams.set(id, s);
    this.emit({ type: "pushStream", streamId: id, pushId });
    this.#uniData(id, data.subarray(off), fin);
  }

  #encoderStreamData(data: Uint8Array, fin: boolean): void {
    const released = this.decoder.receiveEncoderStream(data);
    for (const u of released) {
      // RFC 9204 §2.2.3: a released section that fails to decode is
      // QPACK_DECOMPRESSION_FAILED, a connection error, whatever its stream.
      if (u.error !== undefined && !u.error.fieldSectionTooLarge) {
        this.#fail(u.error, u.streamId);
        return;
      }
      const s = this.streams.get(u.streamId);
      if (s === undefined) continue;
      try {
        // RFC 9114 §4.2.2: too large is only that stream's problem, answered
        // as for a section decoded on arrival (decodeSection).
        if (u.error !== undefined) {
          throw streamError(H3ErrorCode.H3_EXCESSIVE_LOAD, "field section too large");
        }
        s.onSectionDecoded(u.fields);
        if (s.kind === "push" && s.recvDone) this.push.streamClosed(s.pushId!);
        this.#forgetIfFinished(s);
      } catch (e) {
        this.#fail(e, u.streamId);
        if (this.closedState) return;
      }
    }
    if (fin) throw connectionError(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, "encoder stream closed");
  }

  // ------------------------------------------------- RequestStream host

  /** QPACK-decodes a section (internal, for {@link RequestStream}). */
  decodeSection(streamId: number, section: Uint8Array): FieldLine[] | null {
    try {
      return this.decoder.decodeFieldSection(streamId, section);
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
    this.push.checkPromised(pushId);
  }

  /** Internal: a decoded PUSH_PROMISE (client, RFC 9114 §4.6). */
  onPushPromise(streamId: number, pushId: number, fields: FieldLine[]): void {
    const head = validateRequestHeaders(fields);
    const fresh = this.push.promised(pushId, fields);
    if (!fresh) return;
    // RFC 9114 §4.6: promised requests must be safe and cacheable, without content.
    if ((head.method !== "GET" && head.method !== "HEAD") || (head.contentLength ?? 0) > 0) {
      this.cancelPush(pushId);
      return;
    }
    this.emit({ type: "pushPromise", streamId, pushId, head, fields });
  }

  // --------------------------------------------------- ControlStream host

  /** Internal: the peer's SETTINGS. */
  onSettings(settings: H3Settings): void {
    this.settings = settings;
    // RFC 9204 §3.2.3: the encoder may use the dynamic table only now.
    const cap = settings.qpackMaxTableCapacity ?? 0;
    this.encoder = new QpackEncoder({
      maxTableCapacity: cap,
      maxBlockedStreams: settings.qpackBlockedStreams ?? 0,
      tableCapacity: Math.min(cap, this.opts.qpackEncoderCapacity ?? 4096),
    });
    this.emit({ type: "settings", settings });
  }

  /** Internal: GOAWAY received (RFC 9114 §5.2, §7.2.6). */
  onGoaway(id: number): void {
    if (this.goawayReceivedId !== undefined && id > this.goawayReceivedId) {
      throw connectionError(H3ErrorCode.H3_ID_ERROR, "GOAWAY ID increased");
    }
    if (!this.isServer && id % 4 !== 0) {
      throw connectionError(H3ErrorCode.H3_ID_ERROR, "GOAWAY ID is not a client request stream");
    }
    this.goawayReceivedId = id;
    if (this.isServer) this.push.peerGoaway(id);
    this.emit({ type: "goaway", id });
    if (this.isServer) return;
    // Requests at or above the ID were not processed: reject them locally.
    for (const s of [...this.streams.values()]) {
      if (s.kind !== "response" || s.id < id || s.finished) continue;
      this.#abortStream(
        s.id,
        H3ErrorCode.H3_REQUEST_REJECTED,
        "refused by GOAWAY",
        H3ErrorCode.H3_REQUEST_CANCELLED,
      );
    }
  }

  /** Internal: MAX_PUSH_ID (server). */
  onMaxPushId(pushId: number): void {
    this.push.maxPushIdReceived(pushId);
  }

  /** Internal: CANCEL_PUSH (RFC 9114 §7.2.3). */
  onCancelPush(pushId: number): void {
    const streamId = this.push.peerCancelled(pushId);
    if (streamId !== undefined) {
      if (this.isServer) {
        const p = this.pushOut.get(streamId);
        if (p !== undefined && !p.sendDone) {
          this.t.resetStream(streamId, H3ErrorCode.H3_REQUEST_CANCELLED);
        }
        this.pushOut.delete(streamId);
      }
    }
    this.emit({ type: "pushCancelled", pushId });
  }

  /** Internal: PRIORITY_UPDATE (server, RFC 9218 §7.1). */
  onPriorityUpdate(id: number, push: boolean, value: string): void {
    if (push) {
      this.push.checkPriorityPushId(id);
    } else {
      if (id % 4 !== 0) {
        throw connectionError(H3ErrorCode.H3_ID_ERROR, "PRIORITY_UPDATE for a non-request stream");
      }
      this.priorities.delete(id);
      this.priorities.set(id, value);
      const max = this.opts.maxPriorityEntries ?? 256;
      if (this.priorities.size > max) this.priorities.delete(this.priorities.keys().next().value!);
    }
    this.emit({ type: "priorityUpdate", id, push, value });
  }

  // ---------------------------------------------------------------- errors

  #fail(e: unknown, streamId: number): void {
    if (e instanceof H3Error && e.scope === "stream") {
      this.#abortStream(streamId, e.code, e.message);
    } else if (e instanceof H3Error || e instanceof QpackError) {
      this.#closeWith(e.code, e.message);
    } else {
      this.#closeWith(H3ErrorCode.H3_INTERNAL_ERROR, String(e));
      throw e; // a bug in this layer: surface it
    }
  }

  #abortStream(id: number, code: number, message: string, wireCode = code): void {
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

  #closeWith(code: number, message: string): void {
    if (this.closedState) return;
    this.closedState = true;
    this.t.closeConnection(code, message);
    this.emit({ type: "connectionError", code, message, local: true });
  }

  #forgetIfFinished(s: RequestStream): void {
    if (s.finished) {
      this.streams.delete(s.id);
      this.priorities.delete(s.id);
    }
  }

  #flushDecoder(): void {
    if (this.decoderId < 0 || this.closedState) return;
    const d = this.decoder.readDecoderStream();
    if (d.length > 0) this.t.write(this.decoderId, d, false);
  }

  #flushEncoder(): void {
    const e = this.encoder.readEncoderStream();
    if (e.length > 0) this.t.write(this.encoderId, e, false);
  }

  // ---------------------------------------------------------------- API

  #checkOpen(): void {
    if (this.closedState) throw misuse("connection is closed");
    if (!this.started) throw misuse("start() has not been called");
  }

  #writeHeaders(streamId: number, fields: readonly FieldLine[], fin: boolean): void {
    const section = this.encoder.encodeFieldSection(streamId, fields);
    this.#flushEncoder(); // RFC 9204 §2.1.1: instructions first
    this.t.write(streamId, encodeHeadersFrame(section), fin);
  }

  /**
   * Client: sends a request header section on a new request stream and
   * returns its ID, or null when QUIC has no stream credit. Throws
   * H3_REQUEST_REJECTED after the server's GOAWAY (RFC 9114 §5.2), and
   * H3_MESSAGE_ERROR if the fields are not a valid request.
   */
  sendRequest(fields: readonly FieldLine[], options: { endStream?: boolean } = {}): number | null {
    this.#checkOpen();
    if (this.isServer) throw misuse("servers do not send requests");
    if (this.goawayReceivedId !== undefined) {
      throw new H3Error(H3ErrorCode.H3_REQUEST_REJECTED, "server sent GOAWAY", "stream");
    }
    const head = validateRequestHeaders(fields, {
      enableConnectProtocol: this.settings?.enableConnectProtocol,
    });
    const id = this.t.openBidiStream();
    if (id === null) return null;
    const s = new RequestStream(id, "response", this, this.frameLimits);
    s.requestMethod = head.method;
    s.headersSent = s.finalHeadersSent = true;
    this.streams.set(id, s);
    this.#writeHeaders(id, fields, options.endStream ?? false);
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
    this.#checkOpen();
    const s = this.streams.get(streamId) ?? this.pushOut.get(streamId);
    if (s === undefined || s.sendDone || !this.isServer) {
      throw misuse(`cannot respond on ${streamId}`);
    }
    if (s.finalHeadersSent) throw misuse("final response already sent");
    const head = validateResponseHeaders(fields);
    if (head.status < 200 && options.endStream) {
      throw misuse("interim response cannot end the stream");
    }
    this.#writeHeaders(streamId, fields, options.endStream ?? false);
    s.headersSent = true;
    if (head.status >= 200) s.finalHeadersSent = true;
    if (options.endStream) this.#markSendDone(streamId);
  }

  /** Sends content as one DATA frame (RFC 9114 §7.2.1); `fin` ends the stream. */
  sendData(streamId: number, data: Uint8Array, fin = false): void {
    this.#checkOpen();
    const s = this.streams.get(streamId) ?? this.pushOut.get(streamId);
    if (s === undefined || s.sendDone) throw misuse(`stream ${streamId} is not writable`);
    if (!s.finalHeadersSent) throw misuse("DATA before the final HEADERS");
    if (data.length > 0) {
      this.t.write(streamId, encodeFrameHeader(FrameType.DATA, data.length), false);
      this.t.write(streamId, data, fin);
    } else if (fin) {
      this.t.write(streamId, data, true);
    }
    if (fin) this.#markSendDone(streamId);
  }

  /** Sends a trailer section and ends the stream (RFC 9114 §4.1). */
  sendTrailers(streamId: number, fields: readonly FieldLine[]): void {
    this.#checkOpen();
    const s = this.streams.get(streamId) ?? this.pushOut.get(streamId);
    if (s === undefined || s.sendDone || !s.finalHeadersSent) throw misuse("cannot send trailers");
    validateTrailers(fields, !this.isServer);
    this.#writeHeaders(streamId, fields, true);
    this.#markSendDone(streamId);
  }

  /** Ends our side of a stream without more content. */
  endStream(streamId: number): void {
    this.sendData(streamId, new Uint8Array(0), true);
  }

  #markSendDone(streamId: number): void {
    const s = this.streams.get(streamId) ?? this.pushOut.get(streamId);
    if (s !== undefined) s.sendDone = true;
    this.#afterSend(streamId);
  }

  #afterSend(streamId: number): void {
    const p = this.pushOut.get(streamId);
    if (p !== undefined && p.sendDone) {
      this.pushOut.delete(streamId);
      this.push.streamClosed(p.pushId);
    }
    const s = this.streams.get(streamId);
    if (s !== undefined) this.#forgetIfFinished(s);
  }

  /**
   * Cancels a request or response in both directions (RFC 9114 §4.1.1):
   * a client with H3_REQUEST_CANCELLED, a server with H3_REQUEST_REJECTED
   * (only if nothing was processed) or H3_REQUEST_CANCELLED.
   */
  cancelStream(streamId: number, code: number = H3ErrorCode.H3_REQUEST_CANCELLED): void {
    if (this.closedState) return;
    const s = this.streams.get(streamId);
    if (s !== undefined) {
      if (!s.recvDone) {
        s.recvDone = true;
        this.t.stopSending(streamId, code);
        this.decoder.cancelStream(streamId);
        this.discarding.add(streamId);
      }
      if (!s.sendDone && isBidi(streamId)) this.t.resetStream(streamId, code);
      s.sendDone = true;
      this.streams.delete(streamId);
      if (s.kind === "push") this.push.streamClosed(s.pushId!);
      this.#flushDecoder();
      return;
    }
    const p = this.pushOut.get(streamId);
    if (p !== undefined && !p.sendDone) {
      this.t.resetStream(streamId, code);
      p.sendDone = true;
      this.#afterSend(streamId);
    }
  }

  /**
   * Stops receiving on a request stream while still sending on it: a server
   * that answered before the request body ended (RFC 9114 §4.1 allows
   * STOP_SENDING with H3_NO_ERROR then), or a client that dropped a
   * response body. No events follow for the receiving side.
   */
  abortReading(streamId: number, code: number = H3ErrorCode.H3_NO_ERROR): void {
    if (this.closedState) return;
    const s = this.streams.get(streamId);
    if (s === undefined || s.recvDone) return;
    s.recvDone = true;
    this.t.stopSending(streamId, code);
    this.decoder.cancelStream(streamId);
    this.discarding.add(streamId);
    this.#forgetIfFinished(s);
    this.#flushDecoder();
  }

  /**
   * Sends GOAWAY (RFC 9114 §5.2). A server's ID defaults to the first
   * request stream it has not seen (requests from there on are rejected); a
   * client's to the first push ID it has not seen. It never increases.
   */
  goaway(id?: number): void {
    this.#checkOpen();
    let value = id ?? (this.isServer ? this.maxRequestId + 4 : this.push.nextUnseenPushId());
    if (this.isServer && value % 4 !== 0) {
      throw misuse("GOAWAY ID must be a client request stream ID");
    }
    if (this.goawaySent !== undefined) value = Math.min(value, this.goawaySent);
    this.goawaySent = value;
    if (!this.isServer) this.push.localGoaway(value);
    this.t.write(this.controlId, encodeGoawayFrame(value), false);
  }

  /** Closes the connection (H3_NO_ERROR by default). */
  close(code: number = H3ErrorCode.H3_NO_ERROR, reason = ""): void {
    this.#closeWith(code, reason);
  }

  /** Client: allows pushes up to `maxPushId` (MAX_PUSH_ID, RFC 9114 §7.2.7). */
  setMaxPushId(maxPushId: number): void {
    if (this.isServer) throw misuse("only clients send MAX_PUSH_ID");
    this.push.raiseLocalMax(maxPushId);
    this.t.write(this.controlId, encodeMaxPushIdFrame(maxPushId), false);
  }

  /** Client: sends PRIORITY_UPDATE for a request stream or push (RFC 9218 §7.1). */
  sendPriorityUpdate(id: number, value: string, push = false): void {
    this.#checkOpen();
    if (this.isServer) throw misuse("only clients send PRIORITY_UPDATE");
    this.t.write(this.controlId, encodePriorityUpdateFrame(id, value, push), false);
  }

  /**
   * Server: promises a push on request stream `requestStreamId` (RFC 9114
   * §4.6) and returns its push ID, or null when the client's MAX_PUSH_ID,
   * its GOAWAY, or our pending-push limit forbids it. The promised request
   * must be a GET or HEAD without content.
   */
  pushPromise(requestStreamId: number, fields: readonly FieldLine[]): number | null {
    this.#checkOpen();
    const s = this.streams.get(requestStreamId);
    if (!this.isServer || s === undefined || s.sendDone) throw misuse("cannot push here");
    const head = validateRequestHeaders(fields);
    if (head.method !== "GET" && head.method !== "HEAD") {
      throw misuse("pushed requests must be safe");
    }
    const pushId = this.push.allocate();
    if (pushId === null) return null;
    const section = this.encoder.encodeFieldSection(requestStreamId, fields);
    this.#flushEncoder();
    this.t.write(requestStreamId, encodePushPromiseFrame(pushId, section), false);
    return pushId;
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
    this.#checkOpen();
    if (!this.push.canFulfil(pushId)) throw misuse(`push ${pushId} cannot be fulfilled`);
    const head = validateResponseHeaders(fields);
    const id = this.t.openUniStream();
    if (id === null) return null;
    this.push.fulfilled(pushId, id);
    this.t.write(id, encodeStreamPreface(StreamType.PUSH, pushId), false);
    const p: PushOut = {
      pushId,
      headersSent: true,
      finalHeadersSent: head.status >= 200,
      sendDone: false,
    };
    this.pushOut.set(id, p);
    this.#writeHeaders(id, fields, options.endStream ?? false);
    if (options.endStream) this.#markSendDone(id);
    return id;
  }

  /**
   * Cancels a push (CANCEL_PUSH, RFC 9114 §7.2.3). A client also aborts
   * reading the push stream; a server resets it.
   */
  cancelPush(pushId: number): void {
    this.#checkOpen();
    const streamId = this.push.localCancel(pushId);
    this.t.write(this.controlId, encodeCancelPushFrame(pushId), false);
    if (streamId === undefined) return;
    this.cancelStream(streamId, H3ErrorCode.H3_REQUEST_CANCELLED);
  }
}
