/**
 * The control stream (RFC 9114 §6.2.1): the receiver of the peer's control
 * stream, enforcing that SETTINGS comes first and only once (§7.2.4), and
 * that only control frames appear on it (§7.2); and the builder of our own
 * control stream's opening bytes (type, SETTINGS, GREASE frame).
 * @module
 */
import { connectionError, H3ErrorCode } from "./errors.ts";
import {
  decodeIdPayload,
  decodePriorityUpdatePayload,
  encodeFrame,
  FrameReader,
  FrameType,
  type ReadFrame,
} from "./frames.ts";
import { decodeSettingsPayload, encodeSettingsFrame, type H3Settings } from "./settings.ts";
import { encodeStreamPreface, StreamType } from "./stream_types.ts";

/** What the control-stream receiver reports to its connection. */
export interface ControlStreamHost {
  /** True on the server (decides which frames are allowed). */
  readonly isServer: boolean;
  /** The peer's SETTINGS (exactly once, first). */
  onSettings(settings: H3Settings): void;
  /** GOAWAY (RFC 9114 §7.2.6). */
  onGoaway(id: number): void;
  /** Server: MAX_PUSH_ID (RFC 9114 §7.2.7). */
  onMaxPushId(pushId: number): void;
  /** CANCEL_PUSH (RFC 9114 §7.2.3). */
  onCancelPush(pushId: number): void;
  /** Server: PRIORITY_UPDATE (RFC 9218 §7.1). */
  onPriorityUpdate(id: number, push: boolean, value: string): void;
}

/** Parses the peer's control stream and dispatches its frames. */
export class ControlStreamReceiver {
  private readonly reader: FrameReader;
  private settingsReceived = false;

  /**
   * @param host the connection
   * @param maxFramePayload largest control frame accepted (H3_EXCESSIVE_LOAD beyond)
   */
  constructor(private readonly host: ControlStreamHost, maxFramePayload: number) {
    this.reader = new FrameReader({ maxFramePayload, maxHeadersPayload: maxFramePayload });
  }

  /** Feeds control stream bytes. Throws a connection H3Error on any violation. */
  onData(data: Uint8Array, fin: boolean): void {
    this.reader.push(data);
    for (let f = this.reader.next(); f !== null; f = this.reader.next()) this.handle(f);
    if (fin) {
      // RFC 9114 §6.2.1: closing the control stream is a connection error.
      throw connectionError(H3ErrorCode.H3_CLOSED_CRITICAL_STREAM, "control stream closed");
    }
  }

  private handle(f: ReadFrame): void {
    const type = f.kind === "data" ? FrameType.DATA : f.type;
    if (!this.settingsReceived) {
      // RFC 9114 §6.2.1: the first frame MUST be SETTINGS, even before
      // unknown or reserved frame types.
      if (type !== FrameType.SETTINGS || f.kind !== "frame") {
        throw connectionError(H3ErrorCode.H3_MISSING_SETTINGS, "first control frame not SETTINGS");
      }
      this.settingsReceived = true;
      this.host.onSettings(decodeSettingsPayload(f.payload));
      return;
    }
    if (f.kind === "unknown") return; // RFC 9114 §9
    if (f.kind === "data") {
      throw connectionError(H3ErrorCode.H3_FRAME_UNEXPECTED, "DATA on the control stream");
    }
    switch (f.type) {
      case FrameType.SETTINGS:
        // RFC 9114 §7.2.4: a second SETTINGS frame.
        throw connectionError(H3ErrorCode.H3_FRAME_UNEXPECTED, "second SETTINGS frame");
      case FrameType.GOAWAY:
        this.host.onGoaway(decodeIdPayload(f.payload, "GOAWAY"));
        return;
      case FrameType.CANCEL_PUSH:
        this.host.onCancelPush(decodeIdPayload(f.payload, "CANCEL_PUSH"));
        return;
      case FrameType.MAX_PUSH_ID:
        // RFC 9114 §7.2.7: a server never sends MAX_PUSH_ID.
        if (!this.host.isServer) {
          throw connectionError(H3ErrorCode.H3_FRAME_UNEXPECTED, "MAX_PUSH_ID from a server");
        }
        this.host.onMaxPushId(decodeIdPayload(f.payload, "MAX_PUSH_ID"));
        return;
      case FrameType.PRIORITY_UPDATE_REQUEST:
      case FrameType.PRIORITY_UPDATE_PUSH: {
        // RFC 9218 §7.1: only clients send PRIORITY_UPDATE.
        if (!this.host.isServer) {
          throw connectionError(H3ErrorCode.H3_FRAME_UNEXPECTED, "PRIORITY_UPDATE from a server");
        }
        const { id, value } = decodePriorityUpdatePayload(f.payload);
        this.host.onPriorityUpdate(id, f.type === FrameType.PRIORITY_UPDATE_PUSH, value);
        return;
      }
      default:
        // HEADERS, PUSH_PROMISE (RFC 9114 §7.2.2, §7.2.5).
        throw connectionError(
          H3ErrorCode.H3_FRAME_UNEXPECTED,
          `frame 0x${f.type.toString(16)} on the control stream`,
        );
    }
  }
}

/**
 * The first bytes of our control stream (RFC 9114 §6.2.1): the stream type,
 * SETTINGS, and optionally a reserved frame to exercise the peer's tolerance
 * of unknown frames (§7.2.8).
 */
export function controlStreamPreamble(
  settings: H3Settings,
  greaseFrame?: { type: number; payload: Uint8Array },
): Uint8Array {
  const parts = [encodeStreamPreface(StreamType.CONTROL), encodeSettingsFrame(settings)];
  if (greaseFrame) parts.push(encodeFrame(greaseFrame.type, greaseFrame.payload));
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
