// gquic's encoder writes the offline interop format: every QIF is encoded
// under capacity 0/256/4096, blocked 0/100, immediate and no acknowledgement,
// decoded with a strict RFC 9204 decoder (table starts at capacity 0), and
// compared. Uses the shared QIFs when present, else the committed ones.
import assert from "node:assert/strict";
import { decodeInteropFile, encodeInteropFile, parseQif } from "../../qpack/mod.ts";

const SHARED = new URL("../../../shared/qpack-interop/qifs/", import.meta.url);
const SUBSET = new URL("./data/interop/qifs/", import.meta.url);

function qifDir(): URL {
  try {
    Deno.statSync(SHARED);
    return SHARED;
  } catch {
    return SUBSET;
  }
}

Deno.test("interop encode: every QIF round-trips under every setting", () => {
  const dir = qifDir();
  let files = 0, lists = 0;
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    const want = parseQif(Deno.readFileSync(new URL(e.name, dir)));
    const plain = want.map((l) => l.map((f) => [f.name, f.value]));
    for (const cap of [0, 256, 4096]) {
      for (const blocked of [0, 100]) {
        for (const ack of ["immediate", "none"] as const) {
          const file = encodeInteropFile(want, {
            maxTableCapacity: cap,
            maxBlockedStreams: blocked,
            ack,
          });
          const got = decodeInteropFile(file, {
            maxTableCapacity: cap,
            maxBlockedStreams: blocked,
          });
          assert.deepEqual(
            got.map((l) => l.map((f) => [f.name, f.value])),
            plain,
            `${e.name} ${cap} ${blocked} ${ack}`,
          );
          files++;
          lists += got.length;
        }
      }
    }
  }
  assert.ok(files >= 72);
  console.log(
    `encoded and decoded ${files} files, ${lists} header lists (QIFs from ${dir.pathname})`,
  );
});

Deno.test("interop encode: the dynamic table pays off (fb-req-hq, 4096, immediate ack)", () => {
  const lists = parseQif(Deno.readFileSync(new URL("fb-req-hq.qif", SUBSET)));
  const opts = {
    maxTableCapacity: 4096,
    maxBlockedStreams: 100,
    sensitiveNames: ["authorization"],
  };
  const dynamic = encodeInteropFile(lists, { ...opts, ack: "immediate" }).length;
  const staticOnly =
    encodeInteropFile(lists, { ...opts, maxTableCapacity: 0, ack: "immediate" }).length;
  // ls-qpack's file for the same input and settings is 57497 octets.
  assert.ok(dynamic < 57497, `gquic ${dynamic}`);
  assert.ok(dynamic * 2 < staticOnly);
});
