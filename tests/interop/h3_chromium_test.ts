/**
 * Headless Chromium against gquic's `serve()` over HTTP/3 on loopback: the
 * page itself reports `nextHopProtocol === "h3"` for the navigation and
 * for a `fetch()` of a 10 MB body (length and checksum checked in the
 * page), and POSTs 1 MB that the server echoes back byte for byte.
 * Chromium sends an X25519MLKEM768 ClientHello spanning two Initials and
 * uses zero-length connection IDs, so this exercises both on the server.
 */
import assert from "node:assert/strict";
import { generateDevCertificate } from "../../crypto/dev_cert.ts";
import { serve } from "../../http3/mod.ts";
import { requirePeer, runPeer } from "./h3_peers.ts";
import { Capture } from "./tshark.ts";
import { requireBinary } from "./ngtcp2.ts";

const BIG = 10 * 1024 * 1024;
const UP = 1024 * 1024;

/** A 10 MB body whose byte i is (i * 7 + (i >> 13)) & 255, summed in the page. */
function bigBody(): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(BIG);
  for (let i = 0; i < BIG; i++) b[i] = (i * 7 + (i >> 13)) & 255;
  return b;
}

const PAGE = `<!doctype html><html><body><pre id="out">pending</pre><script type="module">
const out = document.getElementById("out");
try {
  const nav = performance.getEntriesByType("navigation")[0].nextHopProtocol;
  const r = await fetch("/big.bin", { cache: "no-store" });
  const b = new Uint8Array(await r.arrayBuffer());
  let sumOk = b.length === ${BIG};
  for (let i = 0; sumOk && i < b.length; i += 4099) sumOk = b[i] === ((i * 7 + (i >> 13)) & 255);
  const up = new Uint8Array(${UP});
  for (let i = 0; i < up.length; i++) up[i] = (i * 13) & 255;
  const e = new Uint8Array(await (await fetch("/echo", { method: "POST", body: up })).arrayBuffer());
  let echoOk = e.length === up.length;
  for (let i = 0; echoOk && i < e.length; i++) echoOk = e[i] === up[i];
  const res = performance.getEntriesByType("resource").map((x) => [new URL(x.name).pathname, x.nextHopProtocol]);
  out.textContent = "RESULT " + JSON.stringify({ nav, res, bigLength: b.length, sumOk, echoOk });
} catch (err) {
  out.textContent = "RESULT " + JSON.stringify({ error: String(err) });
}
</script></body></html>`;

/** What the client's Initial packets in a capture show (tshark decrypts Initials itself). */
interface ClientInitials {
  /** Client Initial packets that carry CRYPTO frames. */
  withCrypto: number;
  /** Source Connection ID lengths the client used in long headers. */
  scidLengths: Set<number>;
  /** key_share groups offered in the reassembled ClientHello. */
  keyShareGroups: Set<number>;
}

async function clientInitials(file: string, serverPort: number): Promise<ClientInitials> {
  const out = await new Deno.Command(requireBinary("tshark"), {
    args: [
      "-r",
      file,
      "-d",
      `udp.port==${serverPort},quic`,
      "-Y",
      `udp.dstport==${serverPort} && quic.long.packet_type==0`,
      "-T",
      "fields",
      "-E",
      "separator=;",
      "-E",
      "occurrence=a",
      "-E",
      "aggregator=,",
      "-e",
      "quic.scil",
      "-e",
      "quic.frame_type",
      "-e",
      "tls.handshake.extensions_key_share_group",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r: ClientInitials = { withCrypto: 0, scidLengths: new Set(), keyShareGroups: new Set() };
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    if (!line.trim()) continue;
    const [scil, frames, groups] = line.split(";");
    for (const v of scil.split(",")) if (v) r.scidLengths.add(Number(v));
    // RFC 9000 §19.6: CRYPTO is frame type 0x06.
    if (frames.split(",").some((t) => Number(t) === 6)) r.withCrypto++;
    for (const g of (groups ?? "").split(",")) if (g) r.keyShareGroups.add(Number(g));
  }
  return r;
}

Deno.test("interop h3: headless Chromium loads a page, fetches 10 MB and POSTs 1 MB over HTTP/3", async () => {
  requirePeer("chromium");
  const dev = generateDevCertificate();
  const big = bigBody();
  const seen: string[] = [];
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: dev.certPem,
    key: dev.keyPem,
    onListen() {},
  }, async (req) => {
    const path = new URL(req.url).pathname;
    seen.push(`${req.method} ${path}`);
    if (path === "/big.bin") {
      return new Response(big, { headers: { "content-type": "application/octet-stream" } });
    }
    if (path === "/echo") return new Response(await req.arrayBuffer());
    if (path === "/check.html") {
      return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    return new Response("not found", { status: 404 });
  });
  const port = server.addr.port;
  const profile = Deno.makeTempDirSync({ prefix: "gquic-chromium-" });
  const capture = await Capture.start(`${profile}/cap.pcapng`, port);
  let captureStopped = false;
  try {
    const r = await runPeer("chromium", [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      "--enable-quic",
      `--origin-to-force-quic-on=localhost:${port}`,
      `--ignore-certificate-errors-spki-list=${dev.spkiSha256Base64}`,
      "--host-resolver-rules=MAP localhost 127.0.0.1",
      // Keep the page alive until its fetches settle, then dump the DOM.
      "--virtual-time-budget=30000",
      "--dump-dom",
      `https://localhost:${port}/check.html`,
    ], 45_000);
    assert.equal(r.timedOut, false, `chromium timed out; server saw ${seen.join(", ")}`);
    const m = /RESULT (\{.*?\})<\/pre>/.exec(r.output);
    assert.ok(
      m,
      `no result in the page (server saw ${seen.join(", ")}):\n${r.output.slice(-2000)}`,
    );
    const result = JSON.parse(m[1].replaceAll("&quot;", '"'));
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.nav, "h3", "navigation was not HTTP/3");
    const byPath = new Map<string, string>(result.res);
    assert.equal(byPath.get("/big.bin"), "h3");
    assert.equal(byPath.get("/echo"), "h3");
    assert.equal(result.bigLength, BIG);
    assert.equal(result.sumOk, true, "10 MB body differs");
    assert.equal(result.echoOk, true, "1 MB echo differs");
    assert.ok(seen.includes("POST /echo"));

    // What Chromium sent, read from the wire: its ClientHello offers
    // X25519MLKEM768 (0x11ec) and so spans at least two Initial packets, and
    // it uses zero-length connection IDs (PEERS.md).
    await capture.stop();
    captureStopped = true;
    const initials = await clientInitials(capture.file, port);
    assert.ok(initials.keyShareGroups.has(0x11ec), `key shares: ${[...initials.keyShareGroups]}`);
    assert.ok(initials.withCrypto >= 2, `client Initials with CRYPTO: ${initials.withCrypto}`);
    assert.deepEqual([...initials.scidLengths], [0], "Chromium's source connection IDs");
  } finally {
    if (!captureStopped) await capture.stop();
    await server.shutdown();
    Deno.removeSync(profile, { recursive: true });
  }
});
