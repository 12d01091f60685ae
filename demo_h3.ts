/**
 * The main job: an HTTP/3 server (gquic `serve()`) on loopback with a
 * freshly generated certificate, and gquic's own `fetch()` client talking
 * to it over real UDP — a few pages, a 20 MB download and a 5 MB upload,
 * all checked byte for byte — then a summary of what was negotiated
 * (QUIC version, TLS cipher suite and group, ALPN, RTT) and the
 * throughput. Exits 0 on success, 1 on any mismatch or failure.
 *
 *   deno run --unstable-net -A demo_h3.ts
 * @module
 */
import { generateDevCertificate } from "./crypto/dev_cert.ts";
import { H3Client, serve } from "./http3/mod.ts";
import { connInfo, formatConnInfo } from "./cli/conn_info.ts";
import { formatBytes } from "./cli/progress.ts";

const DOWN = 20 * 1024 * 1024;
const UP = 5 * 1024 * 1024;

function pattern(n: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function main(): Promise<number> {
  const dev = generateDevCertificate();
  const big = pattern(DOWN, 42);
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: dev.certPem,
    key: dev.keyPem,
    onListen: (a) =>
      console.log(`server: HTTP/3 on https://localhost:${a.port}/ (UDP ${a.hostname})`),
  }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/big.bin") return new Response(big);
    if (path === "/upload") {
      const body = new Uint8Array(await req.arrayBuffer());
      return Response.json({ received: body.length });
    }
    return new Response(`<h1>gquic</h1><p>page ${path}</p>\n`, {
      headers: { "content-type": "text/html; charset=utf-8" },
    });
  });
  const client = new H3Client({
    // Trust exactly this certificate, by hash (WebTransport-style pin).
    serverCertificateHashes: [{ algorithm: "sha-256", value: new Uint8Array(dev.certSha256) }],
    connectTimeout: 5000,
  });
  const base = `https://localhost:${server.addr.port}`;
  let ok = true;
  try {
    const t0 = performance.now();
    for (const p of ["/", "/about", "/news"]) {
      const r = await client.fetch(base + p);
      const text = await r.text();
      const good = r.status === 200 && text.includes(`page ${p}`);
      ok &&= good;
      console.log(
        `client: GET ${p} -> ${r.status} ${r.headers.get("content-type")} ${text.length} bytes ${
          good ? "ok" : "WRONG"
        }`,
      );
    }
    const tPages = performance.now() - t0;
    const t1 = performance.now();
    const r = await client.fetch(`${base}/big.bin`);
    const got = new Uint8Array(await r.arrayBuffer());
    const tDown = (performance.now() - t1) / 1000;
    const downOk = same(got, big);
    ok &&= downOk;
    console.log(
      `client: GET /big.bin -> ${formatBytes(got.length)} in ${(tDown * 1000).toFixed(0)} ms = ${
        formatBytes(got.length / tDown)
      }/s, byte-exact: ${downOk}`,
    );
    const up = pattern(UP, 7);
    const t2 = performance.now();
    const u = await client.fetch(`${base}/upload`, { method: "POST", body: up });
    const j = await u.json() as { received: number };
    const tUp = (performance.now() - t2) / 1000;
    const upOk = j.received === UP;
    ok &&= upOk;
    console.log(
      `client: POST /upload ${formatBytes(UP)} in ${(tUp * 1000).toFixed(0)} ms = ${
        formatBytes(UP / tUp)
      }/s, server got all: ${upOk}`,
    );
    const conn = client.connectionOf(base);
    if (!conn) throw new Error("no pooled connection");
    const info = connInfo(conn);
    console.log(`negotiated: ${formatConnInfo(info)}`);
    console.log(
      `pages: 3 requests in ${tPages.toFixed(0)} ms on one connection (handshake included)`,
    );
    ok &&= info.alpn === "h3";
  } catch (e) {
    console.error(`demo failed: ${(e as Error).message}`);
    ok = false;
  } finally {
    client.close();
    await server.shutdown();
  }
  console.log(ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}

Deno.exit(await main());
