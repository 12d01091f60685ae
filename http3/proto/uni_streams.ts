/**
 * The receiving side of the peer's unidirectional streams (RFC 9114 §6.2):
 * reads each stream's type preface, binds the control and QPACK
 * encoder/decoder streams (one of each; they never close), admits push
 * streams on the client (§4.6, §6.2.2), and ignores unknown types with
 * STOP_SENDING. Part of {@link H3Connection}; internal.
 * @module
 */
import { connectionError, H3ErrorCode, streamError } from "./errors.ts";
import type { ControlStreamReceiver } from "./control_stream.ts";
import type { H3Core } from "./conn_core.ts";
import { RequestStream, type RequestStreamHost } from "./request_stream.ts";
import { classifyStreamType, PrefaceReader } from "./stream_types.ts";

interface UniPending {
  reader: PrefaceReader;
  kind: "type" | "pushId" | "ignored";
}

type CriticalSlot = "peerControlId" | "peerEncoderId" | "peerDecoderId";

/** Routes bytes of the peer's unidirectional streams. */
export class UniStreams {
  peerControlId = -1;
  peerEncoderId = -1;
  peerDecoderId = -1;
  readonly #c: H3Core;
  readonly #control: ControlStreamReceiver;
  readonly #host: RequestStreamHost;
  readonly #pending = new Map<number, UniPending>();

  constructor(core: H3Core, control: ControlStreamReceiver, host: RequestStreamHost) {
    this.#c = core;
    this.#control = control;
    this.#host = host;
  }

  /** True for the peer's control or QPACK streams (RFC 9114 §6.2.1, RFC 9204 §4.2). */
  isCritical(id: number): boolean {
    return id === this.peerControlId || id === this.peerEncoderId || id === this.peerDecoderId;
  }

  /** The peer reset a non-critical unidirectional stream before its type was known. */
  forget(id: number): void {
    this.#pending.delete(id);
  }

  /** Bytes of a unidirectional stream. Throws H3Error for the connection to handle. */
  onData(id: number, data: Uint8Array, fin: boolean): void {
    const c = this.#c;
    if (id === this.peerControlId) return this.#control.onData(data, fin);
    if (id === this.peerEncoderId) return this.#encoderStreamData(data, fin);
    if (id === this.peerDecoderId) {
      c.encoder.receiveDecoderStream(data);
      if (fin) {
        throw connectionError(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, "decoder stream closed");
      }
      return;
    }
    const s = c.streams.get(id);
    if (s !== undefined) {
      s.onData(data, fin);
      if (s.recvDone) c.push.streamClosed(s.pushId!);
      c.forgetIfFinished(s);
      return;
    }
    if (c.discarding.has(id)) {
      if (fin) c.discarding.delete(id);
      return;
    }
    // Our own unidirectional streams never carry data towards us.
    if ((id % 4 === 2) === c.isServer) return this.#preface(id, data, fin);
  }

  #preface(id: number, data: Uint8Array, fin: boolean): void {
    const c = this.#c;
    let u = this.#pending.get(id);
    if (u === undefined) {
      u = { reader: new PrefaceReader(), kind: "type" };
      this.#pending.set(id, u);
    }
    if (u.kind === "ignored") {
      if (fin) this.#pending.delete(id);
      return;
    }
    let off = u.reader.read(data);
    if (u.reader.value < 0) {
      if (fin) this.#pending.delete(id); // ended before its type: nothing to do
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
          this.#pending.delete(id);
          const slot: CriticalSlot = kind === "control"
            ? "peerControlId"
            : kind === "qpackEncoder"
            ? "peerEncoderId"
            : "peerDecoderId";
          // RFC 9114 §6.2.1, RFC 9204 §4.2: only one of each.
          if (this[slot] !== -1) {
            throw connectionError(H3ErrorCode.H3_STREAM_CREATION_ERROR, `second ${kind} stream`);
          }
          this[slot] = id;
          if (rest.length > 0 || fin) this.onData(id, rest, fin);
          return;
        }
        case "push":
          // RFC 9114 §6.2.2: only servers push.
          if (c.isServer) {
            throw connectionError(
              H3ErrorCode.H3_STREAM_CREATION_ERROR,
              "push stream from a client",
            );
          }
          u.kind = "pushId";
          u.reader.reset();
          off += u.reader.read(data, off);
          if (u.reader.value < 0) {
            if (fin) this.#pending.delete(id);
            return;
          }
          break;
        default:
          // RFC 9114 §6.2: unknown types (GREASE included) are not an error.
          c.t.stopSending(id, H3ErrorCode.H3_STREAM_CREATION_ERROR);
          if (fin) this.#pending.delete(id);
          else u.kind = "ignored";
          return;
      }
    }
    // Push stream header complete (RFC 9114 §4.6).
    const pushId = u.reader.value;
    this.#pending.delete(id);
    if (!c.push.acceptPushStream(pushId)) {
      c.t.stopSending(id, H3ErrorCode.H3_REQUEST_CANCELLED);
      if (!fin) c.discarding.add(id);
      return;
    }
    c.push.fulfilled(pushId, id);
    const s = new RequestStream(id, "push", this.#host, c.frameLimits, pushId);
    s.sendDone = true;
    c.streams.set(id, s);
    c.emit({ type: "pushStream", streamId: id, pushId });
    this.onData(id, data.subarray(off), fin);
  }

  #encoderStreamData(data: Uint8Array, fin: boolean): void {
    const c = this.#c;
    const released = c.decoder.receiveEncoderStream(data);
    for (const u of released) {
      // RFC 9204 §2.2.3: a released section that fails to decode is
      // QPACK_DECOMPRESSION_FAILED, a connection error, whatever its stream.
      if (u.error !== undefined && !u.error.fieldSectionTooLarge) {
        c.fail(u.error, u.streamId);
        return;
      }
      const s = c.streams.get(u.streamId);
      if (s === undefined) continue;
      try {
        // RFC 9114 §4.2.2: too large is only that stream's problem, answered
        // as for a section decoded on arrival (decodeSection).
        if (u.error !== undefined) {
          throw streamError(H3ErrorCode.H3_EXCESSIVE_LOAD, "field section too large");
        }
        s.onSectionDecoded(u.fields);
        if (s.kind === "push" && s.recvDone) c.push.streamClosed(s.pushId!);
        c.forgetIfFinished(s);
      } catch (e) {
        c.fail(e, u.streamId);
        if (c.closed) return;
      }
    }
    if (fin) throw connectionError(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, "encoder stream closed");
  }
}
