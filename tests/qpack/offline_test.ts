// qpack/offline.ts: decode and encode in the interop formats, through the CLI
// entry (in-memory files) and as a real subprocess; malformed input exits 1.
import assert from "node:assert/strict";
import { type OfflineIo, runOffline } from "../../qpack/offline.ts";

const DATA = new URL("./data/interop/", import.meta.url);

function memIo(files: Map<string, Uint8Array>, errors: string[]): OfflineIo {
  return {
    read: (p) => {
      const f = files.get(p);
      if (!f) throw new Error(`no such file ${p}`);
      return f;
    },
    write: (p, d) => void files.set(p, d),
    log: () => {},
    error: (m) => void errors.push(m),
  };
}

Deno.test("offline: encode then decode reproduces the QIF byte for byte", () => {
  const qif = Deno.readFileSync(new URL("qifs/netbsd-hq.qif", DATA));
  const files = new Map([["in.qif", qif]]);
  const errors: string[] = [];
  const io = memIo(files, errors);
  assert.equal(
    runOffline([
      "encode",
      "in.qif",
      "out",
      "--capacity",
      "4096",
      "--blocked",
      "100",
      "--ack",
      "none",
    ], io),
    0,
  );
  assert.equal(
    runOffline(["decode", "out", "back.qif", "--capacity", "4096", "--blocked", "100"], io),
    0,
  );
  const text = new TextDecoder().decode(qif).replace(/\n+$/, "\n\n");
  assert.equal(new TextDecoder().decode(files.get("back.qif")), text);
  assert.deepEqual(errors, []);
});

Deno.test("offline: malformed input and bad arguments exit 1 with a message", () => {
  const errors: string[] = [];
  const files = new Map<string, Uint8Array>([
    ["trunc", Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 0)],
    ["err11", Deno.readFileSync(new URL("encoded/errors/err11", DATA))],
    ["bad.qif", new TextEncoder().encode("no tab here\n")],
  ]);
  const io = memIo(files, errors);
  assert.equal(runOffline(["decode", "trunc", "o"], io), 1);
  assert.match(errors.at(-1)!, /malformed input/);
  assert.equal(runOffline(["decode", "err11", "o", "--capacity", "4096"], io), 1);
  assert.match(errors.at(-1)!, /QPACK error 0x201/);
  assert.equal(
    runOffline(
      ["encode", "bad.qif", "o", "--capacity", "0", "--blocked", "0", "--ack", "none"],
      io,
    ),
    1,
  );
  assert.match(errors.at(-1)!, /no TAB/);
  assert.equal(
    runOffline(
      ["encode", "bad.qif", "o", "--capacity", "x", "--blocked", "0", "--ack", "none"],
      io,
    ),
    1,
  );
  assert.equal(
    runOffline(
      ["encode", "bad.qif", "o", "--capacity", "0", "--blocked", "0", "--ack", "later"],
      io,
    ),
    1,
  );
  assert.equal(runOffline(["frobnicate"], io), 1);
  assert.equal(errors.length, 6);
});

Deno.test("offline: runs as a CLI (deno run qpack/offline.ts)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = new URL("../../qpack/offline.ts", import.meta.url).pathname;
    const enc = new URL("encoded/qpack-05/proxygen/netbsd-hq.out.4096.100.1", DATA).pathname;
    const ok = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        script,
        "decode",
        enc,
        `${dir}/out.qif`,
        "--capacity",
        "4096",
        "--initial-capacity",
        "4096",
      ],
    }).output();
    assert.equal(ok.code, 0, new TextDecoder().decode(ok.stderr));
    const want = new TextDecoder().decode(Deno.readFileSync(new URL("qifs/netbsd-hq.qif", DATA)));
    assert.equal(Deno.readTextFileSync(`${dir}/out.qif`).trim(), want.trim());
    const bad = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, "decode", `${dir}/missing`, `${dir}/x.qif`],
    }).output();
    assert.equal(bad.code, 1);
    assert.ok(new TextDecoder().decode(bad.stderr).length > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
