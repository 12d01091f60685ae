/**
 * Server push on the wire (RFC 9114 §4.6): the server's PUSH_PROMISE and
 * push streams, the client's MAX_PUSH_ID, and CANCEL_PUSH both ways
 * (§7.2.3). The ID bookkeeping lives in {@link PushState}; this part of
 * {@link H3Connection} writes the frames and streams. Internal.
 * @module
 */
import type { FieldLine } from "../../qpack/field_line.ts";
import { type H3Core, misuse, type PushOut } from "./conn_core.ts";
import { H3ErrorCode } from "./errors.ts";
import { encodeCancelPushFrame, encodeMaxPushIdFrame, encodePushPromiseFrame } from "./frames.ts";
import { validateRequestHeaders, validateResponseHeaders } from "./message.ts";
import { encodeStreamPreface, StreamType } from "./stream_types.ts";

/** Push frames and streams of one connection, either role. */
export class PushFlow {
  readonly #c: H3Core;

  constructor(core: H3Core) {
    this.#c = core;
  }

  // ------------------------------------------------------------- server

  /** Promises a push on a request stream; null when not allowed now. */
  promise(requestStreamId: number, fields: readonly FieldLine[]): number | null {
    const c = this.#c;
    c.checkOpen();
    const s = c.streams.get(requestStreamId);
    if (!c.isServer || s === undefined || s.sendDone) throw misuse("cannot push here");
    const head = validateRequestHeaders(fields);
    // RFC 9114 §4.6: promised requests are safe and carry no content.
    if (head.method !== "GET" && head.method !== "HEAD") {
      throw misuse("pushed requests must be safe");
    }
    const pushId = c.push.allocate();
    if (pushId === null) return null;
    const section = c.encoder.encodeFieldSection(requestStreamId, fields);
    c.flushEncoder();
    c.t.write(requestStreamId, encodePushPromiseFrame(pushId, section), false);
    return pushId;
  }

  /** Opens the push stream for `pushId` with its response header section. */
  respond(
    pushId: number,
    fields: readonly FieldLine[],
    endStream: boolean,
  ): number | null {
    const c = this.#c;
    c.checkOpen();
    if (!c.push.canFulfil(pushId)) throw misuse(`push ${pushId} cannot be fulfilled`);
    const head = validateResponseHeaders(fields);
    const id = c.t.openUniStream();
    if (id === null) return null;
    c.push.fulfilled(pushId, id);
    c.t.write(id, encodeStreamPreface(StreamType.PUSH, pushId), false);
    const p: PushOut = {
      pushId,
      headersSent: true,
      finalHeadersSent: head.status >= 200,
      sendDone: false,
    };
    c.pushOut.set(id, p);
    c.writeHeaders(id, fields, endStream);
    if (endStream) c.markSendDone(id);
    return id;
  }

  /** Server: MAX_PUSH_ID received. */
  onMaxPushId(pushId: number): void {
    this.#c.push.maxPushIdReceived(pushId);
  }

  // ------------------------------------------------------------- client

  /** Client: raises MAX_PUSH_ID (RFC 9114 §7.2.7). */
  setMaxPushId(maxPushId: number): void {
    const c = this.#c;
    if (c.isServer) throw misuse("only clients send MAX_PUSH_ID");
    c.push.raiseLocalMax(maxPushId);
    c.t.write(c.controlId, encodeMaxPushIdFrame(maxPushId), false);
  }

  /** Client: a decoded PUSH_PROMISE. */
  onPromise(streamId: number, pushId: number, fields: FieldLine[]): void {
    const c = this.#c;
    const head = validateRequestHeaders(fields);
    const fresh = c.push.promised(pushId, fields);
    if (!fresh) return;
    // RFC 9114 §4.6: promised requests must be safe and cacheable, without content.
    if ((head.method !== "GET" && head.method !== "HEAD") || (head.contentLength ?? 0) > 0) {
      this.cancel(pushId);
      return;
    }
    c.emit({ type: "pushPromise", streamId, pushId, head, fields });
  }

  // --------------------------------------------------------------- both

  /** CANCEL_PUSH received (RFC 9114 §7.2.3). */
  onCancel(pushId: number): void {
    const c = this.#c;
    const streamId = c.push.peerCancelled(pushId);
    if (streamId !== undefined && c.isServer) {
      const p = c.pushOut.get(streamId);
      if (p !== undefined && !p.sendDone) {
        c.t.resetStream(streamId, H3ErrorCode.H3_REQUEST_CANCELLED);
      }
      c.pushOut.delete(streamId);
    }
    c.emit({ type: "pushCancelled", pushId });
  }

  /** Sends CANCEL_PUSH and aborts the push stream if it is open. */
  cancel(pushId: number): void {
    const c = this.#c;
    c.checkOpen();
    const streamId = c.push.localCancel(pushId);
    c.t.write(c.controlId, encodeCancelPushFrame(pushId), false);
    if (streamId === undefined) return;
    c.cancelStream(streamId, H3ErrorCode.H3_REQUEST_CANCELLED);
  }
}
