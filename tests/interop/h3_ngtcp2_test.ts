/**
 * HTTP/3 interop with ngtcp2 0.12.1 (nghttp3), both directions, over
 * loopback UDP:
 * - `gtlsclient` GETs from gquic's `serve()`: a small page, a 10 MB file,
 *   and 5 requests on one connection, compared byte for byte (the client
 *   exits 0 on partial bodies, so lengths are checked here);
 * - gquic's `fetch()` GETs the same from `gtlsserver`, with and without
 *   Retry (`-V`).
 */
import assert from "node:assert/strict";
import { makeTestCerts, writeTestCerts } from "./certs.ts";
import { pattern } from "./peer_process.ts";
import { freeUdpPort, requirePeer, runPeer, sameBytes, startPeer } from "./h3_peers.ts";
import { H3Client, serve, staticFiles } from "../../http3/mod.ts";

const certs = makeTestCerts();
const BIG = pattern(10 * 1024 * 1024, 2024);
const PAGE = new TextEncoder().encode(
  "<!doctype html><title>gquic</title><p>hello from HTTP/3</p>\n",
);

function makeSite(): { dir: string; files: Record<string, Uint8Array> } {
  const dir = Deno.makeTempDirSync({ prefix: "gquic-h3-" });
  const files: Record<string, Uint8Array> = { "index.html": PAGE, "big.bin": BIG };
  for (let i = 1; i <= 5; i++) {
    files[`p${i}.txt`] = new TextEncoder().encode(`page ${i}\n`.repeat(i * 100));
  }
  for (const [name, data] of Object.entries(files)) Deno.writeFileSync(`${dir}/${name}`, data);
  writeTestCerts(dir, certs);
  return { dir, files };
}

Deno.test("interop h3: ngtcp2 gtlsclient GETs from gquic serve() (page, 10 MB, 5 on one connection)", async () => {
  requirePeer("gtlsclient");
  const { dir, files } = makeSite();
  const seen: string[] = [];
  const site = staticFiles(dir);
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: certs.chainPem,
    key: certs.keyPem,
    onListen() {},
  }, (req, info) => {
    seen.push(`${info.remoteAddr.port} ${new URL(req.url).pathname}`);
    return site(req);
  });
  const port = server.addr.port;
  const origin = `https://localhost:${port}`;
  const get = async (paths: string[], extra: string[] = []) => {
    const out = Deno.makeTempDirSync({ dir, prefix: "dl-" });
    const r = await runPeer("gtlsclient", [
      "-q",
      "--exit-on-all-streams-close",
      `--download=${out}`,
      "--sni=localhost",
      ...extra,
      "127.0.0.1",
      String(port),
      ...paths.map((p) => `${origin}/${p}`),
    ], 30_000);
    assert.equal(r.timedOut, false, `gtlsclient timed out:\n${r.output}`);
    assert.equal(r.code, 0, `gtlsclient failed:\n${r.output}`);
    for (const p of paths) sameBytes(Deno.readFileSync(`${out}/${p}`), files[p], p);
  };
  try {
    await get(["index.html"]);
    await get(["big.bin"]);
    seen.length = 0;
    const five = ["p1.txt", "p2.txt", "p3.txt", "p4.txt", "p5.txt"];
    await get(five, ["-n", "5"]);
    assert.equal(seen.length, 5, seen.join("\n"));
    assert.equal(new Set(seen.map((s) => s.split(" ")[0])).size, 1, "not one connection");
  } finally {
    await server.shutdown();
    Deno.removeSync(dir, { recursive: true });
  }
});

async function fetchFromGtlsserver(retry: boolean): Promise<void> {
  requirePeer("gtlsserver");
  const { dir, files } = makeSite();
  const port = freeUdpPort();
  const peer = startPeer("gtlsserver", [
    "-q",
    ...(retry ? ["-V"] : []),
    "-d",
    dir,
    "127.0.0.1",
    String(port),
    `${dir}/key.pem`,
    `${dir}/cert.pem`,
  ]);
  const client = new H3Client({ caCerts: [certs.caPem], connectTimeout: 5000 });
  try {
    const origin = `https://localhost:${port}`;
    const page = await client.fetch(`${origin}/index.html`, {
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    sameBytes(new Uint8Array(await page.arrayBuffer()), files["index.html"], "index.html");
    const big = await client.fetch(`${origin}/big.bin`, { signal: AbortSignal.timeout(20_000) });
    assert.equal(big.headers.get("content-length"), String(BIG.length));
    sameBytes(new Uint8Array(await big.arrayBuffer()), BIG, "big.bin");
    const conn = client.connectionOf(origin);
    const five = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        client.fetch(`${origin}/p${i}.txt`, { signal: AbortSignal.timeout(10_000) })
          .then(async (r) => new Uint8Array(await r.arrayBuffer()))
      ),
    );
    five.forEach((b, i) => sameBytes(b, files[`p${i + 1}.txt`], `p${i + 1}.txt`));
    assert.equal(client.connectionOf(origin), conn, "requests did not share the connection");
  } finally {
    client.close();
    await new Promise((r) => setTimeout(r, 20));
    await peer.stop();
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("interop h3: gquic fetch() GETs from ngtcp2 gtlsserver", () =>
  fetchFromGtlsserver(false));

Deno.test("interop h3: gquic fetch() GETs from ngtcp2 gtlsserver sending Retry (-V)", () =>
  fetchFromGtlsserver(true));
