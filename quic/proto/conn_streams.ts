/**
 * Streams of one connection (RFC 9000 §2–§4) on top of the shared stream
 * modules: {@link StreamMap} owns the table and stream limits,
 * {@link StreamScheduler} orders streams with data; this module adds the
 * connection's events (streamOpened, streamReadable, ...), connection flow
 * control (MAX_DATA, DATA_BLOCKED), frame handlers and application
 * operations. Packet assembly and ack/loss handling are in conn_streams_io.ts.
 * @module
 */
import type { ConnCore } from "./conn_state.ts";
import { SendStreamState } from "./streams/send_stream.ts";
import type { SendStream } from "./streams/send_stream.ts";
import { RecvStreamState } from "./streams/recv_stream.ts";
import type { RecvStream } from "./streams/recv_stream.ts";
import { RecvWindow, SendCredit } from "./streams/flow_control.ts";
import {
  type StreamEntry,
  type StreamLimits,
  StreamMap,
  type StreamPart,
} from "./streams/stream_map.ts";
import { StreamScheduler } from "./streams/scheduler.ts";
import type { TransportParameters } from "./transport_params.ts";

/**
 * One stream of the connection: the {@link StreamMap} entry (its halves)
 * plus the connection's event and control-frame bookkeeping.
 */
export interface ConnStreamEntry extends StreamEntry {
  /** A streamReadable event is outstanding (cleared when the app drains it). */
  readableSignaled: boolean;
  /** The app hit backpressure; signal streamWritable when room appears. */
  wantsWritable: boolean;
  /** streamFinished was reported. */
  finishedReported: boolean;
  /** streamReset was reported. */
  resetReported: boolean;
  /** Frames to (re)send: bit 1 MAX_STREAM_DATA, 4 RESET_STREAM. */
  control: number;
}

/** Control-frame bits of {@link ConnStreamEntry.control}: MAX_STREAM_DATA. */
export const CTL_MSD = 1;
/** RESET_STREAM to send. */
export const CTL_RESET = 4;

function createEntry(
  id: number,
  send: SendStream | null,
  recv: RecvStream | null,
): ConnStreamEntry {
  return {
    id,
    send,
    recv,
    readableSignaled: false,
    wantsWritable: false,
    finishedReported: false,
    resetReported: false,
    control: 0,
  };
}

function limitsOf(
  bidi: number,
  uni: number,
  bidiLocal: number,
  bidiRemote: number,
  dataUni: number,
): StreamLimits {
  return {
    maxStreamsBidi: bidi,
    maxStreamsUni: uni,
    maxStreamDataBidiLocal: bidiLocal,
    maxStreamDataBidiRemote: bidiRemote,
    maxStreamDataUni: dataUni,
  };
}

/**
 * The streams of one connection: the {@link StreamMap} (IDs, limits,
 * implicit opening, MAX_STREAMS / STREAMS_BLOCKED), the
 * {@link StreamScheduler} of streams with data, and connection-level flow
 * control.
 */
export class ConnStreams {
  /** Live streams and stream limits (RFC 9000 §2–§4.6). */
  readonly map: StreamMap<ConnStreamEntry>;
  /** The peer's MAX_DATA (our connection send credit). */
  readonly connCredit: SendCredit = new SendCredit(0);
  /** Our connection receive window (MAX_DATA we advertise). */
  readonly connWindow: RecvWindow;
  /** Streams with STREAM data to send (fair round-robin, RFC 9218 urgency). */
  readonly scheduler: StreamScheduler<number> = new StreamScheduler<number>();
  /** Streams with control frames to send. */
  readonly controlPending: Set<number> = new Set();
  /** MAX_DATA update lost and to resend. */
  maxDataPending = false;

  /**
   * @param c the connection's config (windows and limits)
   */
  constructor(c: ConnCore) {
    const cfg = c.cfg;
    this.connWindow = new RecvWindow({
      initialWindow: cfg.initialMaxData,
      maxWindow: cfg.initialMaxData * 4,
      rtt: c.rtt,
    });
    this.map = new StreamMap<ConnStreamEntry>({
      isServer: c.isServer,
      local: limitsOf(
        cfg.initialMaxStreamsBidi,
        cfg.initialMaxStreamsUni,
        cfg.initialMaxStreamDataBidiLocal,
        cfg.initialMaxStreamDataBidiRemote,
        cfg.initialMaxStreamDataUni,
      ),
      // Until the peer's transport parameters arrive we may open nothing.
      peer: limitsOf(0, 0, 0, 0, 0),
      connSendCredit: this.connCredit,
      connRecvWindow: this.connWindow,
      maxBuffered: cfg.streamSendBuffer,
      rtt: c.rtt,
      createEntry,
    });
  }
}

/** Applies the peer's transport parameters (limits and initial credit). */
export function applyPeerStreamParams(c: ConnCore, p: TransportParameters): void {
  const st = c.streams;
  st.connCredit.onMaxUpdate(p.initialMaxData);
  // Streams opened before the parameters were known get their credit too.
  st.map.setPeerLimits(limitsOf(
    p.initialMaxStreamsBidi,
    p.initialMaxStreamsUni,
    p.initialMaxStreamDataBidiLocal,
    p.initialMaxStreamDataBidiRemote,
    p.initialMaxStreamDataUni,
  ));
  // Data written before the limits were known (a server answering 0-RTT,
  // RFC 9001 §4.6.1) can go now.
  for (const e of st.map.entries()) {
    if (e.send && e.send.hasPending()) st.scheduler.schedule(e.id);
  }
}

/** Opens a local stream; returns its ID or undefined when the peer's limit is reached. */
export function openStream(c: ConnCore, bidi: boolean): number | undefined {
  // RFC 9000 §4.6: a refused open arms STREAMS_BLOCKED (in the map).
  const e = bidi ? c.streams.map.openBidi() : c.streams.map.openUni();
  return e?.id;
}

/**
 * Finds the stream a peer frame refers to, opening peer-initiated streams
 * (and all lower-numbered ones, RFC 9000 §3.2) and reporting them. Returns
 * null for a stream that already closed (frames for it are ignored).
 * @throws QuicError STREAM_STATE_ERROR / STREAM_LIMIT_ERROR
 */
function peerStream(
  c: ConnCore,
  id: number,
  frameType: number,
  part: StreamPart,
): ConnStreamEntry | null {
  const map = c.streams.map;
  const e = map.streamForFrame(id, part, frameType);
  if (map.hasIncoming) {
    for (const n of map.takeIncoming()) {
      c.emit({ type: "streamOpened", id: n.id, bidi: n.send !== null && n.recv !== null });
    }
  }
  return e;
}

function signalReadable(c: ConnCore, e: ConnStreamEntry): void {
  if (!e.readableSignaled && e.recv && e.recv.isReadable) {
    e.readableSignaled = true;
    c.emit({ type: "streamReadable", id: e.id });
  }
}

/** STREAM frame (RFC 9000 §19.8). */
export function onStreamFrame(
  c: ConnCore,
  id: number,
  offset: number,
  data: Uint8Array,
  fin: boolean,
  now: number,
): void {
  const e = peerStream(c, id, 0x08, "recv");
  if (!e || !e.recv) return;
  e.recv.onStreamFrame(offset, data, fin, now);
  signalReadable(c, e);
  queueFlowUpdates(c, e);
}

/** RESET_STREAM frame (RFC 9000 §19.4). */
export function onResetStream(
  c: ConnCore,
  id: number,
  code: bigint,
  finalSize: number,
  now: number,
): void {
  const e = peerStream(c, id, 0x04, "recv");
  if (!e || !e.recv) return;
  e.recv.onResetStream(code, finalSize, now);
  if (e.recv.state === RecvStreamState.ResetRecvd && !e.resetReported) {
    e.resetReported = true;
    c.emit({ type: "streamReset", id, code: Number(code), finalSize });
    signalReadable(c, e);
  }
  queueFlowUpdates(c, e);
  maybeRemove(c, e);
}

/** STOP_SENDING frame (RFC 9000 §19.5). */
export function onStopSending(c: ConnCore, id: number, code: bigint): void {
  const e = peerStream(c, id, 0x05, "send");
  if (!e || !e.send) return;
  const before = e.send.state;
  e.send.onStopSending(code);
  if (before !== e.send.state) {
    c.emit({ type: "stopSending", id, code: Number(code) });
    // RFC 9000 §3.5: answer with RESET_STREAM.
    e.control |= CTL_RESET;
    c.streams.controlPending.add(id);
    c.streams.scheduler.remove(id);
  }
}

/** MAX_STREAM_DATA frame (RFC 9000 §19.10). */
export function onMaxStreamData(c: ConnCore, id: number, max: number): void {
  const e = peerStream(c, id, 0x11, "send");
  if (!e || !e.send) return;
  e.send.onMaxStreamData(max);
  if (e.send.hasPending()) c.streams.scheduler.schedule(id);
  signalWritable(c, e);
}

/** MAX_DATA frame (RFC 9000 §19.9). */
export function onMaxData(c: ConnCore, max: number): void {
  const st = c.streams;
  if (st.connCredit.onMaxUpdate(max)) {
    for (const e of st.map.entries()) {
      if (e.send && e.send.hasPending()) st.scheduler.schedule(e.id);
    }
  }
}

/** MAX_STREAMS frame (RFC 9000 §19.11). */
export function onMaxStreams(c: ConnCore, bidi: boolean, max: number): void {
  // RFC 9000 §19.11: above 2^60 is FRAME_ENCODING_ERROR (thrown by the map).
  if (c.streams.map.onMaxStreams(bidi, max)) c.emit({ type: "streamsAvailable", bidi });
}

/** STREAM_DATA_BLOCKED (RFC 9000 §19.13): validates the stream; answers with our limit. */
export function onStreamDataBlocked(c: ConnCore, id: number): void {
  const e = peerStream(c, id, 0x15, "recv");
  if (!e || !e.recv) return;
  e.control |= CTL_MSD;
  c.streams.controlPending.add(id);
}

function queueFlowUpdates(c: ConnCore, e: ConnStreamEntry): void {
  if (e.recv?.maxStreamDataPending || e.recv?.stopSendingPending) {
    c.streams.controlPending.add(e.id);
  }
}

/** Emits streamWritable when the app was waiting for room. */
export function signalWritable(c: ConnCore, e: ConnStreamEntry): void {
  if (e.wantsWritable && e.send && e.send.writableBytes > 0) {
    e.wantsWritable = false;
    c.emit({ type: "streamWritable", id: e.id });
  }
}

/**
 * Drops a stream whose both halves are terminal and that has no control
 * frame left to send (RFC 9000 §3.3); the map returns MAX_STREAMS credit
 * for peer streams (§4.6).
 */
export function maybeRemove(c: ConnCore, e: ConnStreamEntry): void {
  if (e.control !== 0) return;
  const st = c.streams;
  if (!st.map.maybeRetire(e.id)) return;
  st.scheduler.remove(e.id);
  st.controlPending.delete(e.id);
}

// ---- Application operations ----

function entryFor(c: ConnCore, id: number): ConnStreamEntry | undefined {
  return c.streams.map.get(id);
}

/** Queues data (see `Connection.streamWrite`); returns bytes accepted. */
export function streamWrite(c: ConnCore, id: number, data: Uint8Array, fin: boolean): number {
  const e = entryFor(c, id);
  if (!e || !e.send) throw new RangeError(`stream ${id} is not writable`);
  const s = e.send;
  if (s.state === SendStreamState.ResetSent || s.state === SendStreamState.ResetRecvd) {
    return 0;
  }
  const room = s.writableBytes;
  const n = Math.min(room, data.length);
  if (n > 0) s.write(n === data.length ? data : data.subarray(0, n));
  if (n < data.length) e.wantsWritable = true;
  else if (fin) s.finish();
  if (s.hasPending()) c.streams.scheduler.schedule(id);
  return n;
}

/** Marks the end of the stream (see `Connection.streamFinish`). */
export function streamFinish(c: ConnCore, id: number): void {
  const e = entryFor(c, id);
  if (!e || !e.send) return;
  if (e.send.state === SendStreamState.ResetSent) return;
  e.send.finish();
  if (e.send.hasPending()) c.streams.scheduler.schedule(id);
}

/** Abandons sending with RESET_STREAM (RFC 9000 §3.1). */
export function streamReset(c: ConnCore, id: number, code: number): void {
  const e = entryFor(c, id);
  if (!e || !e.send) return;
  const before = e.send.state;
  e.send.reset(BigInt(code));
  if (before !== e.send.state) {
    e.control |= CTL_RESET;
    c.streams.controlPending.add(id);
    c.streams.scheduler.remove(id);
  }
}

/** Asks the peer to stop sending with STOP_SENDING (RFC 9000 §3.5). */
export function streamStopSending(c: ConnCore, id: number, code: number, now: number): void {
  const e = entryFor(c, id);
  if (!e || !e.recv) return;
  e.recv.stopSending(BigInt(code), now);
  if (e.recv.stopSendingPending) c.streams.controlPending.add(id);
}

/**
 * Reads up to `max` bytes in order (see `Connection.streamRead`); grants
 * flow-control credit as data is consumed.
 */
export function streamRead(
  c: ConnCore,
  id: number,
  max: number,
  now: number,
): { data: Uint8Array | null; fin: boolean } | undefined {
  const e = entryFor(c, id);
  if (!e || !e.recv) return undefined;
  const r = e.recv;
  // readChunk also moves Data Recvd → Data Read when nothing is left (a FIN
  // that arrived after the data was read), so call it even when empty.
  const data = r.readChunk(max, now);
  if (r.readableBytes === 0) e.readableSignaled = false;
  const fin = r.state === RecvStreamState.DataRead;
  queueFlowUpdates(c, e);
  if (c.streams.connWindow.updatePending) c.streams.maxDataPending = true;
  maybeRemove(c, e);
  return { data, fin };
}

/** Returns the stream's halves (for tests and the driver). */
export function streamEntry(c: ConnCore, id: number): ConnStreamEntry | undefined {
  return entryFor(c, id);
}
