/**
 * Stream data path benchmarks, 1 MiB per iteration in 1200-byte chunks, so
 * MB/s = 1.048576 / (time per iteration in seconds). Baseline: copying the
 * same bytes in 1200-byte pieces. `deno run bench/streams_bench.ts` prints MB/s.
 *  - send buffer: app writes 64 KiB chunks, the connection emits 1200-byte
 *    STREAM payloads straight into a packet buffer and acknowledges them.
 *  - assembler: in-order 1200-byte inserts (copied out of a reused "packet"
 *    buffer), read as zero-copy views or copied into an app buffer.
 *  - recv stream: the same through flow control and state checks.
 */
import { Assembler } from "../quic/proto/streams/assembler.ts";
import { SendBuffer } from "../quic/proto/streams/send_buffer.ts";
import { RecvStream } from "../quic/proto/streams/recv_stream.ts";
import { RecvWindow } from "../quic/proto/streams/flow_control.ts";

const TOTAL = 1 << 20;
const CHUNK = 1200;
const APP_CHUNK = 64 * 1024;
const appData = Uint8Array.from({ length: APP_CHUNK }, (_, i) => i & 0xff);
const pkt = new Uint8Array(1500);
const appBuf = new Uint8Array(64 * 1024);

function baseline(): void {
  for (let off = 0; off < TOTAL; off += CHUNK) {
    pkt.set(appData.subarray(off % APP_CHUNK, Math.min(APP_CHUNK, (off % APP_CHUNK) + CHUNK)), 20);
  }
}

function sendBufferAckEach(): void {
  const sb = new SendBuffer();
  for (let w = 0; w < TOTAL; w += APP_CHUNK) sb.write(appData);
  sb.finish();
  for (;;) {
    const f = sb.emit(CHUNK, pkt, 20);
    if (f === null) break;
    sb.onAck(f.offset, f.length, f.fin);
  }
  if (!sb.allAcked) throw new Error("not all acked");
}

function sendBufferAckBatched(): void {
  // Acks arrive out of order in batches of 8 (every other frame first).
  const sb = new SendBuffer();
  for (let w = 0; w < TOTAL; w += APP_CHUNK) sb.write(appData);
  sb.finish();
  const batch: { offset: number; length: number; fin: boolean }[] = [];
  for (;;) {
    const f = sb.emit(CHUNK, pkt, 20);
    if (f !== null) batch.push(f);
    if (batch.length === 8 || (f === null && batch.length > 0)) {
      for (let i = 1; i < batch.length; i += 2) {
        sb.onAck(batch[i].offset, batch[i].length, batch[i].fin);
      }
      for (let i = 0; i < batch.length; i += 2) {
        sb.onAck(batch[i].offset, batch[i].length, batch[i].fin);
      }
      batch.length = 0;
    }
    if (f === null) break;
  }
  if (!sb.allAcked) throw new Error("not all acked");
}

function fillPacket(off: number): Uint8Array {
  const start = off % APP_CHUNK;
  const n = Math.min(CHUNK, TOTAL - off, APP_CHUNK - start);
  pkt.set(appData.subarray(start, start + n), 20);
  return pkt.subarray(20, 20 + n);
}

function assemblerReadChunk(): void {
  const a = new Assembler();
  let got = 0;
  for (let off = 0; off < TOTAL;) {
    const data = fillPacket(off);
    a.insert(off, data);
    off += data.length;
    let c;
    while ((c = a.readChunk()) !== null) got += c.length;
  }
  if (got !== TOTAL) throw new Error("short read");
}

function assemblerReadCopy(): void {
  const a = new Assembler();
  let got = 0;
  for (let off = 0; off < TOTAL;) {
    const data = fillPacket(off);
    a.insert(off, data);
    off += data.length;
    got += a.read(appBuf, 0);
  }
  if (got !== TOTAL) throw new Error("short read");
}

function recvStreamPath(): void {
  const conn = new RecvWindow({ initialWindow: 16 << 20 });
  const s = new RecvStream(0, { connWindow: conn, window: { initialWindow: 4 << 20 } });
  let got = 0;
  for (let off = 0; off < TOTAL;) {
    const data = fillPacket(off);
    s.onStreamFrame(off, data, off + data.length === TOTAL, 0);
    off += data.length;
    let c;
    while ((c = s.readChunk(Infinity, 0)) !== null) got += c.length;
    s.takeMaxStreamData();
    conn.takeUpdate();
  }
  if (got !== TOTAL) throw new Error("short read");
}

const CASES: [string, () => void][] = [
  ["baseline: copy 1 MiB in 1200-byte pieces", baseline],
  ["send buffer: emit 1200 B + ack each (1 MiB)", sendBufferAckEach],
  ["send buffer: emit 1200 B + reordered batched acks (1 MiB)", sendBufferAckBatched],
  ["assembler: in-order insert + readChunk (1 MiB)", assemblerReadChunk],
  ["assembler: in-order insert + read copy (1 MiB)", assemblerReadCopy],
  ["recv stream: frame + flow control + readChunk (1 MiB)", recvStreamPath],
];

for (const [i, [name, fn]] of CASES.entries()) {
  Deno.bench(name, { group: "streams", baseline: i === 0 }, fn);
}

if (import.meta.main) {
  for (const [name, fn] of CASES) {
    for (let i = 0; i < 20; i++) fn(); // warm up
    const iters = 200;
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) fn();
    const ms = (performance.now() - t0) / iters;
    console.log(
      `${name}: ${(TOTAL / 1e6 / (ms / 1000)).toFixed(0)} MB/s (${ms.toFixed(3)} ms/MiB)`,
    );
  }
}
