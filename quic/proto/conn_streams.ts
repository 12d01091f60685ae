/**
 * Streams of one connection (RFC 9000 §2–§4): the stream table, stream
 * limits (MAX_STREAMS, STREAMS_BLOCKED), connection flow control (MAX_DATA,
 * DATA_BLOCKED), frame handling, round-robin scheduling of STREAM data into
 * packets, and what to do when those frames are acknowledged or lost.
 * @module
 */
import { QuicError, TransportErrorCode } from "./errors.ts";
import type { ConnCore } from "./conn_state.ts";
import { SendStream, SendStreamState } from "./streams/send_stream.ts";
import { RecvStream, RecvStreamState } from "./streams/recv_stream.ts";
import { RecvWindow, SendCredit } from "./streams/flow_control.ts";
import { isClientInitiated, isUnidirectional } from "./streams/stream_id.ts";
import type { TransportParameters } from "./transport_params.ts";

const { STREAM_STATE_ERROR, STREAM_LIMIT_ERROR } = TransportErrorCode;

/** One stream's halves and bookkeeping. */
export interface StreamEntry {
  /** Stream ID. */
  id: number;
  /** Sending half (absent for a peer's unidirectional stream). */
  send: SendStream | undefined;
  /** Receiving half (absent for our unidirectional stream). */
  recv: RecvStream | undefined;
  /** A streamReadable event is outstanding (cleared when the app drains it). */
  readableSignaled: boolean;
  /** The app hit backpressure; signal streamWritable when room appears. */
  wantsWritable: boolean;
  /** streamFinished was reported. */
  finishedReported: boolean;
  /** streamReset was reported. */
  resetReported: boolean;
  /** Frames to (re)send: bit 1 MAX_STREAM_DATA, 2 STOP_SENDING, 4 RESET_STREAM. */
  control: number;
}

/** Control-frame bits of {@link StreamEntry.control}: MAX_STREAM_DATA. */
export const CTL_MSD = 1;
/** RESET_STREAM to send. */
export const CTL_RESET = 4;
/** STREAM_DATA_BLOCKED to send. */
export const CTL_SDB = 8;

/** The stream table of one connection. */
export class ConnStreams {
  /** Live streams. */
  readonly map: Map<number, StreamEntry> = new Map();
  /** The peer's MAX_DATA (our connection send credit). */
  readonly connCredit: SendCredit = new SendCredit(0);
  /** Our connection receive window (MAX_DATA we advertise). */
  readonly connWindow: RecvWindow;
  /** Streams with STREAM data to send, in round-robin order. */
  readonly sendable: Set<number> = new Set();
  /** Streams with control frames to send. */
  readonly controlPending: Set<number> = new Set();
  /** Next index of streams we open: [bidi, uni]. */
  readonly nextLocal: [number, number] = [0, 0];
  /** The peer's limits on streams we open (MAX_STREAMS): [bidi, uni]. */
  readonly localLimit: [number, number] = [0, 0];
  /** Next index of streams the peer opens (all below were opened): [bidi, uni]. */
  readonly nextRemote: [number, number] = [0, 0];
  /** Our limits on the peer's streams (MAX_STREAMS we advertise): [bidi, uni]. */
  readonly remoteLimit: [number, number];
  /** Peer streams fully closed (credit to return via MAX_STREAMS): [bidi, uni]. */
  readonly remoteClosed: [number, number] = [0, 0];
  /** MAX_STREAMS to send: [bidi, uni]. */
  readonly maxStreamsPending: [boolean, boolean] = [false, false];
  /** STREAMS_BLOCKED to send: [bidi, uni] limit or -1. */
  readonly streamsBlocked: [number, number] = [-1, -1];
  /** MAX_DATA update lost and to resend. */
  maxDataPending = false;
  /** Peer's transport parameters for new streams' credit. */
  peer: TransportParameters | undefined;

  /**
   * @param c the connection's config (windows and limits)
   */
  constructor(c: ConnCore) {
    this.connWindow = new RecvWindow({
      initialWindow: c.cfg.initialMaxData,
      maxWindow: c.cfg.initialMaxData * 4,
      rtt: c.rtt,
    });
    this.remoteLimit = [c.cfg.initialMaxStreamsBidi, c.cfg.initialMaxStreamsUni];
  }
}

function dirIndex(id: number): 0 | 1 {
  return isUnidirectional(id) ? 1 : 0;
}

function isLocal(c: ConnCore, id: number): boolean {
  return isClientInitiated(id) !== c.isServer;
}

/** Creates the table entry of stream `id` (internal; tests use it to forge misbehaviour). */
export function createEntry(c: ConnCore, id: number): StreamEntry {
  const st = c.streams;
  const local = isLocal(c, id);
  const uni = isUnidirectional(id);
  const p = st.peer;
  let send: SendStream | undefined;
  let recv: RecvStream | undefined;
  if (!uni || local) {
    // Credit the peer gives us for this stream (RFC 9000 §18.2).
    const max = !p
      ? 0
      : uni
      ? p.initialMaxStreamDataUni
      : local
      ? p.initialMaxStreamDataBidiRemote
      : p.initialMaxStreamDataBidiLocal;
    send = new SendStream(id, {
      connCredit: st.connCredit,
      initialMaxStreamData: max,
      maxBuffered: c.cfg.streamSendBuffer,
    });
  }
  if (!uni || !local) {
    const win = uni
      ? c.cfg.initialMaxStreamDataUni
      : local
      ? c.cfg.initialMaxStreamDataBidiLocal
      : c.cfg.initialMaxStreamDataBidiRemote;
    recv = new RecvStream(id, {
      connWindow: st.connWindow,
      window: { initialWindow: win, maxWindow: win * 8, rtt: c.rtt },
    });
  }
  const e: StreamEntry = {
    id,
    send,
    recv,
    readableSignaled: false,
    wantsWritable: false,
    finishedReported: false,
    resetReported: false,
    control: 0,
  };
  st.map.set(id, e);
  return e;
}

/** Applies the peer's transport parameters (limits and initial credit). */
export function applyPeerStreamParams(c: ConnCore, p: TransportParameters): void {
  const st = c.streams;
  st.peer = p;
  st.connCredit.onMaxUpdate(p.initialMaxData);
  st.localLimit[0] = Math.max(st.localLimit[0], p.initialMaxStreamsBidi);
  st.localLimit[1] = Math.max(st.localLimit[1], p.initialMaxStreamsUni);
  // Streams opened before the parameters were known (0-RTT later) get credit now.
  for (const e of st.map.values()) {
    if (!e.send) continue;
    const uni = isUnidirectional(e.id);
    e.send.onMaxStreamData(
      uni
        ? p.initialMaxStreamDataUni
        : isLocal(c, e.id)
        ? p.initialMaxStreamDataBidiRemote
        : p.initialMaxStreamDataBidiLocal,
    );
  }
}

/** Opens a local stream; returns its ID or undefined when the peer's limit is reached. */
export function openStream(c: ConnCore, bidi: boolean): number | undefined {
  const st = c.streams;
  const d = bidi ? 0 : 1;
  if (st.nextLocal[d] >= st.localLimit[d]) {
    // RFC 9000 §4.6: tell the peer we are blocked.
    st.streamsBlocked[d] = st.localLimit[d];
    return undefined;
  }
  const type = (c.isServer ? 1 : 0) | (bidi ? 0 : 2);
  const id = st.nextLocal[d]++ * 4 + type;
  createEntry(c, id);
  return id;
}

/**
 * Finds the stream a peer frame refers to, creating peer-initiated streams
 * (and all lower-numbered ones, RFC 9000 §3.2). Returns undefined for a
 * stream that already closed (frames for it are ignored).
 * @throws QuicError STREAM_STATE_ERROR / STREAM_LIMIT_ERROR
 */
function peerStream(
  c: ConnCore,
  id: number,
  frameType: number,
  needSend: boolean,
  needRecv: boolean,
): StreamEntry | undefined {
  const st = c.streams;
  const local = isLocal(c, id);
  const uni = isUnidirectional(id);
  // Direction checks (RFC 9000 §19.4, §19.5, §19.8, §19.10).
  if (uni && local && needRecv) {
    throw new QuicError(STREAM_STATE_ERROR, "receive frame on a send-only stream", frameType);
  }
  if (uni && !local && needSend) {
    throw new QuicError(STREAM_STATE_ERROR, "send frame on a receive-only stream", frameType);
  }
  const e = st.map.get(id);
  if (e) return e;
  const d = dirIndex(id);
  const index = Math.floor(id / 4);
  if (local) {
    if (index >= st.nextLocal[d]) {
      throw new QuicError(STREAM_STATE_ERROR, "frame for a stream not yet opened", frameType);
    }
    return undefined; // closed
  }
  if (index < st.nextRemote[d]) return undefined; // closed
  if (index >= st.remoteLimit[d]) {
    throw new QuicError(STREAM_LIMIT_ERROR, "peer exceeded the stream limit", frameType);
  }
  let last: StreamEntry | undefined;
  for (let i = st.nextRemote[d]; i <= index; i++) {
    const sid = i * 4 + (id & 3);
    last = createEntry(c, sid);
    c.emit({ type: "streamOpened", id: sid, bidi: !uni });
  }
  st.nextRemote[d] = index + 1;
  return last;
}

function signalReadable(c: ConnCore, e: StreamEntry): void {
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
  const e = peerStream(c, id, 0x08, false, true);
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
  const e = peerStream(c, id, 0x04, false, true);
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
  const e = peerStream(c, id, 0x05, true, false);
  if (!e || !e.send) return;
  const before = e.send.state;
  e.send.onStopSending(code);
  if (before !== e.send.state) {
    c.emit({ type: "stopSending", id, code: Number(code) });
    // RFC 9000 §3.5: answer with RESET_STREAM.
    e.control |= CTL_RESET;
    c.streams.controlPending.add(id);
    c.streams.sendable.delete(id);
  }
}

/** MAX_STREAM_DATA frame (RFC 9000 §19.10). */
export function onMaxStreamData(c: ConnCore, id: number, max: number): void {
  const e = peerStream(c, id, 0x11, true, false);
  if (!e || !e.send) return;
  e.send.onMaxStreamData(max);
  if (e.send.hasPending()) c.streams.sendable.add(id);
  signalWritable(c, e);
}

/** MAX_DATA frame (RFC 9000 §19.9). */
export function onMaxData(c: ConnCore, max: number): void {
  const st = c.streams;
  if (st.connCredit.onMaxUpdate(max)) {
    for (const e of st.map.values()) {
      if (e.send && e.send.hasPending()) st.sendable.add(e.id);
    }
  }
}

/** MAX_STREAMS frame (RFC 9000 §19.11). */
export function onMaxStreams(c: ConnCore, bidi: boolean, max: number): void {
  const st = c.streams;
  const d = bidi ? 0 : 1;
  if (max > st.localLimit[d]) {
    st.localLimit[d] = max;
    c.emit({ type: "streamsAvailable", bidi });
  }
}

/** STREAM_DATA_BLOCKED (RFC 9000 §19.13): validates the stream; answers with our limit. */
export function onStreamDataBlocked(c: ConnCore, id: number): void {
  const e = peerStream(c, id, 0x15, false, true);
  if (!e || !e.recv) return;
  e.control |= CTL_MSD;
  c.streams.controlPending.add(id);
}

function queueFlowUpdates(c: ConnCore, e: StreamEntry): void {
  if (e.recv?.maxStreamDataPending || e.recv?.stopSendingPending) {
    c.streams.controlPending.add(e.id);
  }
}

/** Emits streamWritable when the app was waiting for room. */
export function signalWritable(c: ConnCore, e: StreamEntry): void {
  if (e.wantsWritable && e.send && e.send.writableBytes > 0) {
    e.wantsWritable = false;
    c.emit({ type: "streamWritable", id: e.id });
  }
}

function sendTerminal(e: StreamEntry): boolean {
  return !e.send || e.send.state === SendStreamState.DataRecvd ||
    e.send.state === SendStreamState.ResetRecvd;
}

function recvTerminal(e: StreamEntry): boolean {
  return !e.recv || e.recv.state === RecvStreamState.DataRead ||
    e.recv.state === RecvStreamState.ResetRead;
}

/** Drops a stream whose both halves are terminal (RFC 9000 §3.3) and returns stream credit. */
export function maybeRemove(c: ConnCore, e: StreamEntry): void {
  if (!sendTerminal(e) || !recvTerminal(e)) return;
  if (e.control !== 0) return;
  const st = c.streams;
  st.map.delete(e.id);
  st.sendable.delete(e.id);
  st.controlPending.delete(e.id);
  if (!isLocal(c, e.id)) {
    // RFC 9000 §4.6: raise the peer's limit as its streams close.
    const d = dirIndex(e.id);
    st.remoteClosed[d]++;
    const initial = d === 0 ? c.cfg.initialMaxStreamsBidi : c.cfg.initialMaxStreamsUni;
    const target = st.remoteClosed[d] + initial;
    if (target - st.remoteLimit[d] >= Math.max(1, Math.floor(initial / 4))) {
      st.remoteLimit[d] = target;
      st.maxStreamsPending[d] = true;
    }
  }
}

// ---- Application operations ----

function entryFor(c: ConnCore, id: number): StreamEntry | undefined {
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
  if (s.hasPending()) c.streams.sendable.add(id);
  return n;
}

/** Marks the end of the stream (see `Connection.streamFinish`). */
export function streamFinish(c: ConnCore, id: number): void {
  const e = entryFor(c, id);
  if (!e || !e.send) return;
  if (e.send.state === SendStreamState.ResetSent) return;
  e.send.finish();
  if (e.send.hasPending()) c.streams.sendable.add(id);
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
    c.streams.sendable.delete(id);
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
export function streamEntry(c: ConnCore, id: number): StreamEntry | undefined {
  return entryFor(c, id);
}
