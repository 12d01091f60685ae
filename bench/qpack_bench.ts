// QPACK encode and decode throughput on the interop corpus (fb-req-hq and
// fb-resp-hq, 766 field sections per iteration). Divide 766 by the time per
// iteration for field sections per second. The static-only (capacity 0)
// variants are the in-run baseline.
import {
  decodeInteropFile,
  type FieldLine,
  parseInteropFrames,
  parseQif,
  QpackDecoder,
  QpackEncoder,
} from "../qpack/mod.ts";

const DATA = new URL("../tests/qpack/data/interop/", import.meta.url);
const lists: FieldLine[][] = ["fb-req-hq", "fb-resp-hq"].flatMap((q) =>
  parseQif(Deno.readFileSync(new URL(`qifs/${q}.qif`, DATA)))
);
const lsFiles = ["fb-req-hq", "fb-resp-hq"].map((q) =>
  Deno.readFileSync(new URL(`encoded/qpack-05/ls-qpack/${q}.out.4096.100.1`, DATA))
);

function encodeAll(capacity: number): number {
  const enc = new QpackEncoder({ maxTableCapacity: capacity, maxBlockedStreams: 100 });
  const dec = new QpackDecoder({ maxTableCapacity: capacity, maxBlockedStreams: 100 });
  let bytes = 0, id = 0;
  for (const list of lists) {
    const s = enc.encodeFieldSection(++id, list);
    const ins = enc.readEncoderStream();
    dec.receiveEncoderStream(ins); // acknowledgements so the table is used
    dec.decodeFieldSection(id, s);
    enc.receiveDecoderStream(dec.readDecoderStream());
    bytes += s.length + ins.length;
  }
  return bytes;
}

// Pre-encode with gquic for a pure decode measurement of gquic's own output.
const gquicFrames = (() => {
  const enc = new QpackEncoder({ maxTableCapacity: 4096, maxBlockedStreams: 100 });
  return lists.map((l, i) => ({
    s: enc.encodeFieldSection(i + 1, l),
    ins: enc.readEncoderStream(),
  }));
})();

Deno.bench("qpack encode+ack, 766 sections, static only (cap 0)", {
  group: "encode",
  baseline: true,
}, () => {
  encodeAll(0);
});
Deno.bench("qpack encode+ack, 766 sections, cap 4096", { group: "encode" }, () => {
  encodeAll(4096);
});
Deno.bench("qpack decode ls-qpack files, 766 sections, cap 4096", {
  group: "decode",
  baseline: true,
}, () => {
  for (const f of lsFiles) {
    decodeInteropFile(f, {
      maxTableCapacity: 4096,
      maxBlockedStreams: 100,
      initialTableCapacity: 4096,
    });
  }
});
Deno.bench("qpack decode gquic output, 766 sections, cap 4096", { group: "decode" }, () => {
  const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 100 });
  let id = 0;
  for (const { s, ins } of gquicFrames) {
    dec.receiveEncoderStream(ins);
    dec.decodeFieldSection(++id, s);
  }
});
Deno.bench("parse frames only (overhead reference)", { group: "decode" }, () => {
  for (const f of lsFiles) parseInteropFrames(f);
});
