/**
 * Stream frames in packets: assembling flow-control, stream-control and
 * STREAM frames into a packet (round robin over streams, data copied once),
 * and what happens when those frames are acknowledged or lost (RFC 9000
 * §13.3: data is resent in new frames, limits carry their latest value).
 * @module
 */
import type { ConnCore } from "./conn_state.ts";
import { Sent, type SentItem } from "./spaces.ts";
import { SendStreamState } from "./streams/send_stream.ts";
import { RecvStreamState } from "./streams/recv_stream.ts";
import { varIntLength, writeVarInt } from "./varint.ts";
import { maxStreamDataLength, writeStreamFrameHeader } from "./frames/encode.ts";
import { CTL_MSD, CTL_RESET, maybeRemove, signalWritable } from "./conn_streams.ts";

function put(items: SentItem[], kind: number, a: number, b = 0, c2 = 0, fin = false): void {
  items.push({ kind, a, b, c: c2, fin });
}

/**
 * Writes flow-control and stream control frames into `buf[p, end)`; returns
 * the new offset. Frames that do not fit stay queued.
 */
export function writeStreamControlFrames(
  c: ConnCore,
  buf: Uint8Array,
  p: number,
  end: number,
  items: SentItem[],
): number {
  const st = c.streams;
  // MAX_DATA (RFC 9000 §19.9).
  if (st.maxDataPending || st.connWindow.updatePending) {
    const v = st.connWindow.maxData;
    if (p + 1 + varIntLength(v) <= end) {
      st.connWindow.takeUpdate();
      st.maxDataPending = false;
      buf[p] = 0x10;
      p = writeVarInt(buf, p + 1, v);
      put(items, Sent.MAX_DATA, v);
    }
  }
  if (st.map.hasFramesPending) p = writeStreamsFrames(c, buf, p, end, items);
  // DATA_BLOCKED (RFC 9000 §19.12).
  if (st.connCredit.blockedPending) {
    const v = st.connCredit.max;
    if (p + 1 + varIntLength(v) <= end) {
      st.connCredit.takeBlocked();
      buf[p] = 0x14;
      p = writeVarInt(buf, p + 1, v);
      put(items, Sent.DATA_BLOCKED, v);
    }
  }
  for (const id of st.controlPending) {
    const e = st.map.get(id);
    if (!e) {
      st.controlPending.delete(id);
      continue;
    }
    if (end - p < 30) break;
    const idLen = varIntLength(id);
    // RESET_STREAM (RFC 9000 §19.4).
    if (e.control & CTL_RESET) {
      const info = e.send?.takeReset();
      e.control &= ~CTL_RESET;
      if (info) {
        const code = Number(info.errorCode);
        buf[p] = 0x04;
        p = writeVarInt(buf, p + 1, id);
        p = writeVarInt(buf, p, code);
        p = writeVarInt(buf, p, info.finalSize);
        put(items, Sent.RESET_STREAM, id);
      }
    }
    if (e.recv) {
      // STOP_SENDING (RFC 9000 §19.5).
      const stop = e.recv.takeStopSending();
      if (stop !== null) {
        buf[p] = 0x05;
        p = writeVarInt(buf, p + 1, id);
        p = writeVarInt(buf, p, Number(stop));
        put(items, Sent.STOP_SENDING, id);
      }
      // MAX_STREAM_DATA (RFC 9000 §19.10).
      let msd = e.recv.takeMaxStreamData();
      if (msd === null && (e.control & CTL_MSD) && e.recv.state === RecvStreamState.Recv) {
        msd = e.recv.window.maxData;
      }
      e.control &= ~CTL_MSD;
      if (msd !== null) {
        buf[p] = 0x11;
        p = writeVarInt(buf, p + 1, id);
        p = writeVarInt(buf, p, msd);
        put(items, Sent.MAX_STREAM_DATA, id, msd);
      }
    }
    // STREAM_DATA_BLOCKED (RFC 9000 §19.13).
    if (e.send) {
      const b = e.send.takeBlocked();
      if (b !== null) {
        buf[p] = 0x15;
        p = writeVarInt(buf, p + 1, id);
        p = writeVarInt(buf, p, b);
        put(items, Sent.STREAM_DATA_BLOCKED, id, b);
      }
    }
    void idLen;
    st.controlPending.delete(id);
    maybeRemove(c, e);
  }
  return p;
}

/**
 * Fills `buf[p, end)` with STREAM frames, round-robin over streams with data
 * (bytes copied straight from the send buffers). Returns the new offset.
 */
export function writeStreamFrames(
  c: ConnCore,
  buf: Uint8Array,
  p: number,
  end: number,
  items: SentItem[],
): number {
  const st = c.streams;
  const sched = st.scheduler;
  // Each queued stream gets at most one frame per call, in scheduler order.
  for (let guard = sched.size; guard > 0 && end - p >= 8; guard--) {
    const id = sched.pop();
    if (id === undefined) break;
    const s = st.map.get(id)?.send;
    if (!s || !s.hasPending()) continue;
    const off = s.nextOffset();
    if (off < 0) continue;
    const space = end - p;
    const maxData = maxStreamDataLength(space, id, off, true);
    if (maxData < 0) {
      sched.schedule(id);
      break;
    }
    // Reserve the worst-case header, emit, then write the real header.
    const hdr = space - maxData;
    const r = s.emit(maxData, buf, p + hdr);
    if (!r) continue; // Blocked by flow control: MAX_DATA / MAX_STREAM_DATA requeue it.
    const dataAt = writeStreamFrameHeader(buf, p, id, r.offset, r.length, r.fin, true);
    if (dataAt !== p + hdr) buf.copyWithin(dataAt, p + hdr, p + hdr + r.length);
    p = dataAt + r.length;
    put(items, Sent.STREAM, id, r.offset, r.length, r.fin);
    // Round robin: back of its urgency level if more remains.
    if (s.hasPending()) sched.schedule(id);
  }
  return p;
}

/**
 * MAX_STREAMS (RFC 9000 §19.11) and STREAMS_BLOCKED (§19.14) from the
 * stream map; a frame that does not fit is handed back as if lost.
 */
function writeStreamsFrames(
  c: ConnCore,
  buf: Uint8Array,
  p: number,
  end: number,
  items: SentItem[],
): number {
  const map = c.streams.map;
  for (let f; (f = map.takeMaxStreams()) !== null;) {
    if (p + 1 + varIntLength(f.limit) > end) {
      map.onMaxStreamsLost(f);
      break;
    }
    buf[p] = f.bidi ? 0x12 : 0x13;
    p = writeVarInt(buf, p + 1, f.limit);
    put(items, f.bidi ? Sent.MAX_STREAMS_BIDI : Sent.MAX_STREAMS_UNI, f.limit);
  }
  for (let f; (f = map.takeStreamsBlocked()) !== null;) {
    if (p + 1 + varIntLength(f.limit) > end) {
      map.onStreamsBlockedLost(f);
      break;
    }
    buf[p] = f.bidi ? 0x16 : 0x17;
    p = writeVarInt(buf, p + 1, f.limit);
    put(items, f.bidi ? Sent.STREAMS_BLOCKED_BIDI : Sent.STREAMS_BLOCKED_UNI, f.limit);
  }
  return p;
}

/** True when stream data or stream control frames are waiting. */
export function streamsHavePending(c: ConnCore): boolean {
  const st = c.streams;
  return st.scheduler.size > 0 || st.controlPending.size > 0 || st.maxDataPending ||
    st.connWindow.updatePending || st.map.hasFramesPending || st.connCredit.blockedPending;
}

// ---- Acknowledgement and loss ----

/** A packet carrying a stream item was acknowledged. */
export function streamItemAcked(c: ConnCore, it: SentItem): void {
  const st = c.streams;
  const e = st.map.get(it.a);
  switch (it.kind) {
    case Sent.STREAM:
      if (!e?.send) return;
      e.send.onAck(it.b, it.c, it.fin);
      if (e.send.state === SendStreamState.DataRecvd && !e.finishedReported) {
        e.finishedReported = true;
        c.emit({ type: "streamFinished", id: e.id });
      }
      signalWritable(c, e);
      maybeRemove(c, e);
      return;
    case Sent.RESET_STREAM:
      if (!e?.send) return;
      e.send.onResetAcked();
      maybeRemove(c, e);
      return;
  }
}

/** A packet carrying a stream item was lost: queue the latest information again. */
export function streamItemLost(c: ConnCore, it: SentItem): void {
  const st = c.streams;
  switch (it.kind) {
    case Sent.STREAM: {
      const e = st.map.get(it.a);
      if (!e?.send) return;
      e.send.onLost(it.b, it.c, it.fin);
      c.stats.streamBytesRetransmitted += it.c;
      if (e.send.hasPending()) st.scheduler.schedule(e.id);
      return;
    }
    case Sent.RESET_STREAM: {
      const e = st.map.get(it.a);
      if (!e?.send) return;
      e.send.onResetLost();
      e.control |= CTL_RESET;
      st.controlPending.add(e.id);
      return;
    }
    case Sent.STOP_SENDING: {
      const e = st.map.get(it.a);
      if (!e?.recv) return;
      e.recv.onStopSendingLost();
      st.controlPending.add(e.id);
      return;
    }
    case Sent.MAX_STREAM_DATA: {
      const e = st.map.get(it.a);
      if (!e?.recv) return;
      e.recv.onMaxStreamDataLost(it.b);
      if (e.recv.maxStreamDataPending) st.controlPending.add(e.id);
      return;
    }
    case Sent.MAX_DATA:
      st.connWindow.onUpdateLost(it.a);
      if (st.connWindow.updatePending) st.maxDataPending = true;
      return;
    case Sent.MAX_STREAMS_BIDI:
    case Sent.MAX_STREAMS_UNI:
      st.map.onMaxStreamsLost({ bidi: it.kind === Sent.MAX_STREAMS_BIDI, limit: it.a });
      return;
    case Sent.STREAMS_BLOCKED_BIDI:
    case Sent.STREAMS_BLOCKED_UNI:
      // RFC 9000 §13.3: resent while still blocked at that limit.
      st.map.onStreamsBlockedLost({ bidi: it.kind === Sent.STREAMS_BLOCKED_BIDI, limit: it.a });
      return;
    case Sent.DATA_BLOCKED:
      st.connCredit.onBlockedLost(it.a);
      return;
    case Sent.STREAM_DATA_BLOCKED: {
      // Not resent: the sender notices again if it stays blocked.
      return;
    }
  }
}
