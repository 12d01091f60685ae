/** The HTTP/3 main job (demo_h3.ts) runs over real UDP and exits 0 with its summary. */
import assert from "node:assert/strict";

Deno.test("demo_h3: serves and fetches over HTTP/3, byte-exact, prints the negotiated parameters", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--unstable-net", "-A", new URL("../../demo_h3.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, text + new TextDecoder().decode(out.stderr));
  assert.match(text, /byte-exact: true/);
  assert.match(text, /server got all: true/);
  assert.match(text, /negotiated: QUIC v1, TLS_[A-Z0-9_]+, [A-Za-z0-9]+, ALPN h3, RTT [\d.]+ ms/);
  assert.match(text, /\nOK\n/);
});
