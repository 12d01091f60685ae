/**
 * Wire-format micro-benchmarks: varints, ACK and STREAM frame encode+decode,
 * and short-header parsing. Baseline: a plain byte copy of the same size.
 */
import { readVarInt, writeVarInt } from "../quic/proto/varint.ts";
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  frameSize,
  writeStreamFrameHeader,
} from "../quic/proto/frames/mod.ts";
import { parsePacketHeader, writeShortHeader } from "../quic/proto/packet.ts";

const VALUES = [37, 15293, 494878333, 2 ** 40 + 7];
const vbuf = new Uint8Array(64);
const cursor = { offset: 0 };

const SRC = new Uint8Array(1200);
const DST = new Uint8Array(1200);
Deno.bench("baseline: copy 1200 bytes", { group: "baseline", baseline: true }, () => {
  DST.set(SRC);
});

Deno.bench("varint: write 4 values (1/2/4/8 bytes)", { group: "varint" }, () => {
  let off = 0;
  for (let i = 0; i < 4; i++) off = writeVarInt(vbuf, off, VALUES[i]);
});

writeVarInt(
  vbuf,
  writeVarInt(vbuf, writeVarInt(vbuf, writeVarInt(vbuf, 0, 37), 15293), 494878333),
  2 ** 40 + 7,
);
Deno.bench("varint: read 4 values (1/2/4/8 bytes)", { group: "varint" }, () => {
  cursor.offset = 0;
  let s = 0;
  for (let i = 0; i < 4; i++) s += readVarInt(vbuf, cursor);
  if (s < 0) throw new Error("unreachable");
});

const ack: Frame = {
  type: "ack",
  ackDelay: 120,
  ranges: [[9000, 9100], [8000, 8990], [7000, 7500], [100, 6000]],
};
const ackBuf = new Uint8Array(frameSize(ack));
Deno.bench("ACK (4 ranges): encode + decode", { group: "frames" }, () => {
  encodeFrame(ackBuf, 0, ack);
  cursor.offset = 0;
  decodeFrame(ackBuf, cursor);
});

const data = new Uint8Array(1100);
const stream: Frame = { type: "stream", streamId: 4, offset: 1_000_000, data, fin: false };
const streamBuf = new Uint8Array(frameSize(stream));
Deno.bench("STREAM (1100 B): encode + decode", { group: "frames" }, () => {
  encodeFrame(streamBuf, 0, stream);
  cursor.offset = 0;
  decodeFrame(streamBuf, cursor);
});

Deno.bench("STREAM header only (write header, decode)", { group: "frames" }, () => {
  writeStreamFrameHeader(streamBuf, 0, 4, 1_000_000, 1100, false, true);
  cursor.offset = 0;
  decodeFrame(streamBuf, cursor);
});

const pkt = new Uint8Array(1200);
writeShortHeader(pkt, 0, { dcid: new Uint8Array(8).fill(7), packetNumber: 123456, pnLength: 2 });
Deno.bench("short header parse (8-byte DCID)", { group: "header" }, () => {
  parsePacketHeader(pkt, 0, 8);
});
