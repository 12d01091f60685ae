/**
 * The receiving state machine of one request stream or push stream
 * (RFC 9114 §4.1): HEADERS, then DATA*, then optional trailing HEADERS;
 * interim 1xx responses before the final one; PUSH_PROMISE interleaved on
 * the client's request streams (§4.6). QPACK-blocked sections (RFC 9204
 * §2.1.2) pause the stream, holding later bytes (bounded), until the
 * encoder stream unblocks them. Plus the small send-side state the
 * connection checks API calls against.
 * @module
 */
import type { FieldLine } from "../../qpack/field_line.ts";
import { connectionError, H3ErrorCode, streamError } from "./errors.ts";
import type { H3Event } from "./events.ts";
import { decodePushPromisePayload, FrameReader, FrameType, type ReadFrame } from "./frames.ts";
import {
  fieldSectionSize,
  responseHasContent,
  validateRequestHeaders,
  validateResponseHeaders,
  validateTrailers,
} from "./message.ts";

/** What a {@link RequestStream} needs from its connection. */
export interface RequestStreamHost {
  /** SETTINGS_ENABLE_CONNECT_PROTOCOL we sent (RFC 9220). */
  readonly enableConnectProtocol: boolean;
  /** Our SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §4.2.2). */
  readonly maxFieldSectionSize: number;
  /** Bytes a stream may hold while its QPACK section is blocked. */
  readonly maxBlockedBufferBytes: number;
  /** QPACK-decodes a section; null when blocked (RFC 9204 §2.1.2). */
  decodeSection(streamId: number, section: Uint8Array): FieldLine[] | null;
  /** Client: checks a promised push ID against MAX_PUSH_ID (throws H3_ID_ERROR). */
  checkPromisedPushId(pushId: number): void;
  /** Client: a decoded PUSH_PROMISE. */
  onPushPromise(streamId: number, pushId: number, fields: FieldLine[]): void;
  /** Queues an event. */
  emit(event: H3Event): void;
}

/**
 * Which message a stream carries towards us: a request (server side), a
 * response on a request stream (client side), or a pushed response.
 */
export type RequestStreamKind = "request" | "response" | "push";

const P_HEADERS = 0, P_BODY = 1, P_TRAILERS = 2, P_DONE = 3;

/** Receive-side state of one request or push stream (RFC 9114 §4.1). */
export class RequestStream {
  /** Bytes not yet parsed. */
  readonly reader: FrameReader;
  private phase = P_HEADERS;
  private blocked: null | { kind: "headers" } | { kind: "push"; pushId: number } = null;
  private finReceived = false;
  private contentLength: number | null = null;
  private checkLength = false;
  private received = 0;
  /** True once receiving ended (message complete or stream aborted). */
  recvDone = false;
  /** Method of the request we sent (client), for HEAD and CONNECT responses. */
  requestMethod: string | undefined;
  /** Send side: a header section was sent. */
  headersSent = false;
  /** Send side: the final response / the request headers were sent. */
  finalHeadersSent = false;
  /** Send side: FIN or RESET_STREAM was sent. */
  sendDone = false;
  /** True while a QPACK section of this stream waits for encoder-stream data. */
  get isBlocked(): boolean {
    return this.blocked !== null;
  }

  /**
   * @param id QUIC stream ID
   * @param kind what this stream carries towards us
   * @param host the connection
   * @param frameLimits frame size limits
   * @param pushId push ID for push streams
   */
  constructor(
    readonly id: number,
    readonly kind: RequestStreamKind,
    private readonly host: RequestStreamHost,
    frameLimits: { maxFramePayload: number; maxHeadersPayload: number },
    readonly pushId?: number,
  ) {
    this.reader = new FrameReader({ ...frameLimits, oversizeScope: "stream" });
  }

  /** True when the stream is done in both directions and can be forgotten. */
  get finished(): boolean {
    return this.recvDone && this.sendDone;
  }

  /** True once a request or final response header section has been delivered. */
  get announced(): boolean {
    return this.phase !== P_HEADERS;
  }

  /** Feeds stream bytes; throws H3Error (either scope) or QpackError. */
  onData(data: Uint8Array, fin: boolean): void {
    if (this.recvDone) return;
    this.reader.push(data);
    if (fin) this.finReceived = true;
    if (this.blocked !== null) {
      if (this.reader.bufferedBytes > this.host.maxBlockedBufferBytes) {
        throw streamError(H3ErrorCode.H3_EXCESSIVE_LOAD, "too much data behind a blocked section");
      }
      return;
    }
    this.process();
  }

  /** A blocked section of this stream was decoded (RFC 9204 §2.2.1). */
  onSectionDecoded(fields: FieldLine[]): void {
    const b = this.blocked;
    if (b === null || this.recvDone) return;
    this.blocked = null;
    if (b.kind === "headers") this.handleFields(fields);
    else this.handlePushPromise(b.pushId, fields);
    this.process();
  }

  private process(): void {
    while (this.blocked === null && !this.recvDone) {
      const f = this.reader.next();
      if (f === null) break;
      this.handleFrame(f);
    }
    if (this.finReceived && this.blocked === null && !this.recvDone) this.finish();
  }

  private handleFrame(f: ReadFrame): void {
    if (f.kind === "unknown") return; // RFC 9114 §9: ignore unknown frame types
    if (f.kind === "data") {
      // RFC 9114 §4.1: DATA only between the final HEADERS and the trailers.
      if (this.phase !== P_BODY) {
        throw connectionError(H3ErrorCode.H3_FRAME_UNEXPECTED, "DATA frame out of sequence");
      }
      if (f.payload.length === 0) return;
      this.received += f.payload.length;
      if (this.checkLength && this.contentLength !== null && this.received > this.contentLength) {
        // RFC 9114 §4.1.2: more content than Content-Length is malformed.
        throw streamError(H3ErrorCode.H3_MESSAGE_ERROR, "content exceeds content-length");
      }
      this.host.emit({ type: "data", streamId: this.id, data: f.payload });
      return;
    }
    switch (f.type) {
      case FrameType.HEADERS: {
        if (this.phase === P_TRAILERS) {
          throw connectionError(H3ErrorCode.H3_FRAME_UNEXPECTED, "HEADERS after trailers");
        }
        const fields = this.host.decodeSection(this.id, f.payload);
        if (fields === null) this.blocked = { kind: "headers" };
        else this.handleFields(fields);
        return;
      }
      case FrameType.PUSH_PROMISE: {
        // RFC 9114 §7.2.5: only from a server, only on request streams.
        if (this.kind !== "response") {
          throw connectionError(H3ErrorCode.H3_FRAME_UNEXPECTED, "PUSH_PROMISE not allowed here");
        }
        const { pushId, section } = decodePushPromisePayload(f.payload);
        this.host.checkPromisedPushId(pushId);
        const fields = this.host.decodeSection(this.id, section);
        if (fields === null) this.blocked = { kind: "push", pushId };
        else this.handlePushPromise(pushId, fields);
        return;
      }
      default:
        // CANCEL_PUSH, SETTINGS, GOAWAY, MAX_PUSH_ID, PRIORITY_UPDATE belong
        // on the control stream (RFC 9114 §7.2.3–§7.2.7, RFC 9218 §7.1).
        throw connectionError(
          H3ErrorCode.H3_FRAME_UNEXPECTED,
          `frame 0x${f.type.toString(16)} on a request stream`,
        );
    }
  }

  private handleFields(fields: FieldLine[]): void {
    // RFC 9114 §4.2.2: we advertised this limit; refuse larger sections.
    if (fieldSectionSize(fields) > this.host.maxFieldSectionSize) {
      throw streamError(H3ErrorCode.H3_EXCESSIVE_LOAD, "field section exceeds our limit");
    }
    const id = this.id;
    if (this.phase === P_BODY) {
      this.host.emit({
        type: "trailers",
        streamId: id,
        fields: validateTrailers(fields, this.kind === "request"),
      });
      this.phase = P_TRAILERS;
      return;
    }
    if (this.kind === "request") {
      const head = validateRequestHeaders(fields, {
        enableConnectProtocol: this.host.enableConnectProtocol,
      });
      this.contentLength = head.contentLength;
      this.checkLength = head.method !== "CONNECT";
      this.phase = P_BODY;
      this.host.emit({ type: "request", streamId: id, head, fields });
      return;
    }
    const head = validateResponseHeaders(fields);
    const pushId = this.pushId;
    if (head.status < 200) {
      // RFC 9114 §4.1: interim responses precede the final one.
      this.host.emit(
        pushId === undefined
          ? { type: "informational", streamId: id, head, fields }
          : { type: "informational", streamId: id, head, fields, pushId },
      );
      return;
    }
    this.contentLength = head.contentLength;
    this.checkLength = responseHasContent(
      this.kind === "push" ? "GET" : this.requestMethod,
      head.status,
    );
    this.phase = P_BODY;
    this.host.emit(
      pushId === undefined
        ? { type: "response", streamId: id, head, fields }
        : { type: "response", streamId: id, head, fields, pushId },
    );
  }

  private handlePushPromise(pushId: number, fields: FieldLine[]): void {
    if (fieldSectionSize(fields) > this.host.maxFieldSectionSize) {
      throw streamError(H3ErrorCode.H3_EXCESSIVE_LOAD, "promised field section exceeds our limit");
    }
    this.host.onPushPromise(this.id, pushId, fields);
  }

  private finish(): void {
    // RFC 9114 §7.1: a cleanly ended stream must not end inside a frame.
    this.reader.finish();
    if (this.phase === P_HEADERS) {
      // RFC 9114 §4.1.2 / §8.1: no complete request → H3_REQUEST_INCOMPLETE;
      // a response stream without a final response is malformed.
      throw this.kind === "request"
        ? streamError(H3ErrorCode.H3_REQUEST_INCOMPLETE, "request stream ended before HEADERS")
        : streamError(
          H3ErrorCode.H3_MESSAGE_ERROR,
          "response stream ended before a final response",
        );
    }
    if (this.checkLength && this.contentLength !== null && this.received !== this.contentLength) {
      throw streamError(
        H3ErrorCode.H3_MESSAGE_ERROR,
        `content-length ${this.contentLength} but ${this.received} bytes received`,
      );
    }
    this.phase = P_DONE;
    this.recvDone = true;
    this.host.emit({ type: "end", streamId: this.id });
  }
}
