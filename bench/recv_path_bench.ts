/**
 * Receive-path benchmarks: the per-packet and per-frame work a connection
 * does on data it receives.
 *  - sim transfer: a whole 5 MB upload over the seeded simulated network
 *    (0% loss), i.e. both endpoints' CPU for the transfer (few iterations).
 *  - tiny in-order frames: 1 MiB as 40-byte in-order assembler inserts (the
 *    shape of small HTTP/3 requests), which hits the assembler's fast path.
 *  - frame decode: one 1200-byte payload of 24 small STREAM frames plus
 *    PADDING. (Reusing one scratch object per frame type instead of a fresh
 *    object per frame measured no faster here — 1.8–2.1 µs either way — so
 *    the decoder keeps allocating.)
 * Run: deno bench -A --unstable-net bench/recv_path_bench.ts
 */
import { makePair, runTransfer } from "../tests/sim/fixtures.ts";
import { Assembler } from "../quic/proto/streams/assembler.ts";
import { decodeFrame } from "../quic/proto/frames/decode.ts";
import { encodeFrame } from "../quic/proto/frames/encode.ts";

const MB = 1024 * 1024;

Deno.bench("sim: 5 MB transfer, 0% loss", { group: "sim", n: 8, warmup: 2 }, () => {
  const pair = makePair(10, { delayMs: 10, bandwidth: 12_500_000 });
  const r = runTransfer(pair, 5 * MB);
  if (!r.ok) throw new Error("transfer failed");
});

const TINY = 40;
const pkt = new Uint8Array(1500).fill(0x5a);
Deno.bench("assembler: 1 MiB as 40-byte in-order inserts + readChunk", {
  group: "assembler",
}, () => {
  const a = new Assembler();
  for (let off = 0; off < MB; off += TINY) {
    a.insert(off, pkt.subarray(100, 100 + TINY));
    while (a.readChunk() !== null);
  }
});

// 24 STREAM frames of 40 bytes each, padded to 1200 bytes.
const payload = new Uint8Array(1200);
{
  let at = 0;
  for (let i = 0; i < 24; i++) {
    at = encodeFrame(payload, at, {
      type: "stream",
      streamId: 4 * i,
      offset: 1000 + i,
      data: pkt.subarray(0, TINY),
      fin: false,
    });
  }
}
const cursor = { offset: 0 };
const options = { maxAckRanges: 256 };
let sink = 0;
Deno.bench("frame decode: 24 STREAM + PADDING", { group: "decode" }, () => {
  cursor.offset = 0;
  while (cursor.offset < payload.length) {
    const f = decodeFrame(payload, cursor, options);
    if (f.type === "stream") sink += f.offset;
  }
});
globalThis.addEventListener("unload", () => void sink);
