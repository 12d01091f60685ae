import assert from "node:assert/strict";

Deno.test("demo: the README's main job builds, protects and unprotects v1 and v2 Initials", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../demo.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.match(text, /QUIC v1 \(0x1\) client Initial/);
  assert.match(text, /QUIC v2 \(0x6b3343cf\) client Initial/);
  assert.equal(text.match(/protected datagram \(1200 bytes\)/g)?.length, 2);
  assert.equal(text.match(/TLS: ClientHello/g)?.length, 2);
  assert.equal(text.match(/tampered copy rejected: true/g)?.length, 2);
  assert.match(text, /\nOK\n/);
});
