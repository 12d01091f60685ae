// Offline interop corpus (github.com/qpackers/qifs): every encoded file of
// ls-qpack, proxygen and quinn decodes to exactly its QIF header lists; the
// error files fail with the RFC 9204 §6 code the corpus README lists. The
// committed subset always runs; the whole shared corpus runs when present.
import assert from "node:assert/strict";
import {
  decodeInteropFile,
  type FieldLine,
  parseQif,
  QpackError,
  QpackErrorCode,
} from "../../qpack/mod.ts";

const SUBSET = new URL("./data/interop/", import.meta.url);
const SHARED = new URL("../../../shared/qpack-interop/", import.meta.url);

function exists(url: URL): boolean {
  try {
    Deno.statSync(url);
    return true;
  } catch {
    return false;
  }
}

function plain(lists: FieldLine[][]): string[][][] {
  return lists.map((l) => l.map((f) => [f.name, f.value]));
}

/** Decodes every implementation file under `root`; returns [files, lists]. */
function checkCorpus(root: URL): [number, number] {
  const qifs = new Map<string, string[][][]>();
  for (const e of Deno.readDirSync(new URL("qifs/", root))) {
    qifs.set(
      e.name.replace(/\.qif$/, ""),
      plain(parseQif(Deno.readFileSync(new URL("qifs/" + e.name, root)))),
    );
  }
  let files = 0, lists = 0;
  const encoded = new URL("encoded/qpack-05/", root);
  for (const dir of Deno.readDirSync(encoded)) {
    if (!dir.isDirectory) continue;
    for (const e of Deno.readDirSync(new URL(dir.name + "/", encoded))) {
      const m = e.name.match(/^(.*)\.out\.(\d+)\.(\d+)\.([01])$/);
      assert.ok(m, `unexpected file name ${e.name}`);
      const cap = Number(m[2]);
      const want = qifs.get(m[1]);
      assert.ok(want, `no QIF for ${e.name}`);
      const got = decodeInteropFile(Deno.readFileSync(new URL(`${dir.name}/${e.name}`, encoded)), {
        maxTableCapacity: cap,
        maxBlockedStreams: Number(m[3]),
        // Corpus caveat: made when the table started at full capacity.
        initialTableCapacity: cap,
      });
      assert.deepEqual(plain(got), want, `${dir.name}/${e.name}`);
      files++;
      lists += got.length;
    }
  }
  // The older draft example sends Set Dynamic Table Capacity 170 itself.
  const draft = decodeInteropFile(Deno.readFileSync(new URL("draft-examples.out", encoded)), {
    maxTableCapacity: 220,
    maxBlockedStreams: 100,
  });
  assert.deepEqual(plain(draft), qifs.get("draft-examples"));
  return [files + 1, lists + draft.length];
}

Deno.test("corpus: committed subset decodes exactly", () => {
  const [files, lists] = checkCorpus(SUBSET);
  assert.ok(files >= 97, `only ${files} files`);
  console.log(`committed subset: ${files} files, ${lists} header lists checked`);
});

Deno.test("corpus: whole shared corpus decodes exactly (when present)", () => {
  if (!exists(SHARED)) {
    console.log(`shared corpus not found at ${SHARED.pathname}: only the committed subset ran`);
    return;
  }
  const [files, lists] = checkCorpus(SHARED);
  assert.ok(files >= 265, `only ${files} files`);
  console.log(`shared corpus: ${files} files, ${lists} header lists checked`);
});

Deno.test("corpus: RFC 9204 Appendix B example needs no initial capacity", () => {
  const file = Deno.readFileSync(
    new URL("encoded/qpack-05/examples/examples.out.220.100.1", SUBSET),
  );
  const got = decodeInteropFile(file, { maxTableCapacity: 220, maxBlockedStreams: 100 });
  assert.deepEqual(plain(got), [
    [[":path", "/index.html"]],
    [[":authority", "www.example.com"], [":path", "/sample/path"]],
    [[":authority", "www.example.com"], [":path", "/"], ["custom-key", "custom-value"]],
  ]);
});

Deno.test("corpus: a strict RFC 9204 decoder rejects pre-RFC files that insert at capacity 0", () => {
  const file = Deno.readFileSync(
    new URL("encoded/qpack-05/ls-qpack/netbsd-hq.out.4096.100.1", SUBSET),
  );
  assert.throws(
    () => decodeInteropFile(file, { maxTableCapacity: 4096, maxBlockedStreams: 100 }),
    (e) => e instanceof QpackError && e.code === QpackErrorCode.QPACK_ENCODER_STREAM_ERROR,
  );
});

const ERRORS: [string, number | null][] = [
  ["err1", QpackErrorCode.QPACK_DECOMPRESSION_FAILED],
  ["err2", QpackErrorCode.QPACK_DECOMPRESSION_FAILED],
  ["err3", QpackErrorCode.QPACK_DECOMPRESSION_FAILED],
  ["err4", QpackErrorCode.QPACK_DECOMPRESSION_FAILED],
  ["err5", QpackErrorCode.QPACK_DECOMPRESSION_FAILED],
  ["err6", QpackErrorCode.QPACK_DECOMPRESSION_FAILED],
  ["err7", QpackErrorCode.QPACK_DECOMPRESSION_FAILED],
  ["err8", QpackErrorCode.QPACK_DECOMPRESSION_FAILED],
  ["err9", null],
  ["err10", null],
  ["err11", QpackErrorCode.QPACK_ENCODER_STREAM_ERROR],
  ["err12", QpackErrorCode.QPACK_ENCODER_STREAM_ERROR],
];

Deno.test("corpus: error files fail with the README's RFC 9204 codes", () => {
  for (const [name, code] of ERRORS) {
    const file = Deno.readFileSync(new URL("encoded/errors/" + name, SUBSET));
    const opts = { maxTableCapacity: 4096, maxBlockedStreams: 100, initialTableCapacity: 4096 };
    if (code === null) {
      const got = decodeInteropFile(file, opts);
      assert.equal(got.length, 1, name);
    } else {
      assert.throws(
        () => decodeInteropFile(file, opts),
        (e) => e instanceof QpackError && e.code === code,
        name,
      );
    }
  }
  const nine = decodeInteropFile(Deno.readFileSync(new URL("encoded/errors/err9", SUBSET)), {
    maxTableCapacity: 0,
    maxBlockedStreams: 0,
  });
  assert.deepEqual(plain(nine), [[[":authority", ""]]]);
  const ten = decodeInteropFile(Deno.readFileSync(new URL("encoded/errors/err10", SUBSET)), {
    maxTableCapacity: 0,
    maxBlockedStreams: 0,
  });
  assert.deepEqual(plain(ten), [[["x-xss-protection", "1; mode=block"]]]);
});
