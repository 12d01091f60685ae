/**
 * serve() and fetch() against each other over real UDP on loopback:
 * streaming bodies both ways (byte-exact), pooling, AbortSignal,
 * redirects, handler errors, HEAD/204, static files with ranges, and
 * graceful shutdown (GOAWAY, then drain).
 */
import assert from "node:assert/strict";
import { generateDevCertificate } from "../../crypto/dev_cert.ts";
import { H3Client, type H3Handler, type H3Server, serve, staticFiles } from "../../http3/mod.ts";

import { pattern } from "../support/bytes.ts";
const dev = generateDevCertificate();

async function withServer(
  handler: H3Handler,
  fn: (base: string, client: H3Client, server: H3Server) => Promise<void>,
): Promise<void> {
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: dev.certPem,
    key: dev.keyPem,
    onListen() {},
    onError: (e) => new Response(`oops: ${(e as Error).message}`, { status: 500 }),
  }, handler);
  const client = new H3Client({
    serverCertificateHashes: [{ algorithm: "sha-256", value: new Uint8Array(dev.certSha256) }],
    connectTimeout: 5000,
  });
  try {
    await fn(`https://localhost:${server.addr.port}`, client, server);
  } finally {
    client.close();
    await server.shutdown();
  }
}

Deno.test("h3: GET, POST echo of 2 MB byte-exact, remoteAddr, one pooled connection", async () => {
  const up = pattern(2_000_000, 7);
  await withServer((req, info) => {
    const u = new URL(req.url);
    if (req.method === "POST") return new Response(req.body, { headers: { "x-path": u.pathname } });
    return new Response(`${req.method} ${u.pathname}${u.search} from ${info.remoteAddr.hostname}`, {
      headers: { "content-type": "text/plain" },
    });
  }, async (base, client) => {
    const r = await client.fetch(`${base}/a/b?c=d`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "text/plain");
    assert.equal(await r.text(), "GET /a/b?c=d from 127.0.0.1");
    assert.equal(r.url, `${base}/a/b?c=d`);
    const conn1 = client.connectionOf(base);
    const e = await client.fetch(`${base}/echo`, { method: "POST", body: up });
    assert.equal(e.headers.get("x-path"), "/echo");
    const got = new Uint8Array(await e.arrayBuffer());
    assert.equal(got.length, up.length);
    assert.ok(got.every((v, i) => v === up[i]), "echo differs");
    assert.equal(client.connectionOf(base), conn1, "the connection was not reused");
    assert.equal(client.size, 1);
  });
});

Deno.test("h3: bodies stream both ways before they end", async () => {
  await withServer(async (req) => {
    // Answer with the first request chunk while the request is still open.
    const reader = req.body!.getReader();
    const first = await reader.read();
    let ctl!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
    ctl.enqueue(first.value!);
    (async () => {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        ctl.enqueue(r.value);
      }
      ctl.close();
    })();
    return new Response(body);
  }, async (base, client) => {
    let reqCtl!: ReadableStreamDefaultController<Uint8Array>;
    const reqBody = new ReadableStream<Uint8Array>({ start: (c) => void (reqCtl = c) });
    reqCtl.enqueue(new TextEncoder().encode("ping1"));
    const res = await client.fetch(`${base}/duplex`, { method: "POST", body: reqBody });
    const rd = res.body!.getReader();
    // The response head and first chunk arrive while our request is still open.
    assert.equal(new TextDecoder().decode((await rd.read()).value), "ping1");
    reqCtl.enqueue(new TextEncoder().encode("ping2"));
    assert.equal(new TextDecoder().decode((await rd.read()).value), "ping2");
    reqCtl.close();
    assert.equal((await rd.read()).done, true);
  });
});

Deno.test("h3: concurrent requests share one connection; HEAD and 204 carry no body", async () => {
  await withServer((req) => {
    const p = new URL(req.url).pathname;
    if (p === "/empty") return new Response(null, { status: 204 });
    return new Response(`body of ${p}`, { headers: { "content-length": String(8 + p.length) } });
  }, async (base, client) => {
    const texts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.fetch(`${base}/r${i}`).then((r) => r.text())),
    );
    texts.forEach((t, i) => assert.equal(t, `body of /r${i}`));
    assert.equal(client.size, 1);
    const h = await client.fetch(`${base}/x`, { method: "HEAD" });
    assert.equal(h.status, 200);
    assert.equal(h.headers.get("content-length"), "10");
    assert.equal(h.body, null);
    const e = await client.fetch(`${base}/empty`);
    assert.equal(e.status, 204);
    assert.equal(await e.text(), "");
  });
});

Deno.test("h3: AbortSignal cancels the request and the server sees it", async () => {
  let serverSaw: Promise<string> | undefined;
  await withServer((req) => {
    serverSaw = new Promise((resolve) => {
      req.signal.addEventListener("abort", () => resolve("aborted"));
    });
    // Never-ending body.
    return new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(1000)) }));
  }, async (base, client) => {
    const ac = new AbortController();
    const res = await client.fetch(`${base}/forever`, { signal: ac.signal });
    const rd = res.body!.getReader();
    assert.equal((await rd.read()).done, false);
    ac.abort(new Error("stop"));
    await assert.rejects(async () => {
      for (;;) if ((await rd.read()).done) break;
    });
    assert.equal(await serverSaw, "aborted");
    // An already aborted signal rejects at once with its reason.
    await assert.rejects(
      client.fetch(`${base}/x`, { signal: AbortSignal.abort("no") }),
      (e) => e === "no",
    );
    // The connection still works.
    assert.equal(
      (await client.fetch(`${base}/forever`, { signal: AbortSignal.timeout(2000) })).status,
      200,
    );
  });
});

Deno.test("h3: redirects follow (303 → GET), manual and error; handler errors become 500", async () => {
  await withServer(async (req) => {
    const p = new URL(req.url).pathname;
    if (p === "/r1") return Response.redirect(new URL("/r2", req.url), 302);
    if (p === "/r2") return new Response(null, { status: 307, headers: { location: "/final" } });
    if (p === "/post") return new Response(null, { status: 303, headers: { location: "/final" } });
    if (p === "/loop") return new Response(null, { status: 302, headers: { location: "/loop" } });
    if (p === "/throw") throw new Error("handler broke");
    return new Response(`${req.method} final ${req.body ? await req.text() : ""}`);
  }, async (base, client) => {
    const r = await client.fetch(`${base}/r1`);
    assert.equal(await r.text(), "GET final ");
    assert.equal(r.redirected, true);
    assert.equal(r.url, `${base}/final`);
    const p = await client.fetch(`${base}/post`, { method: "POST", body: "data" });
    assert.equal(await p.text(), "GET final ");
    const m = await client.fetch(`${base}/r1`, { redirect: "manual" });
    assert.equal(m.status, 302);
    await m.body?.cancel();
    await assert.rejects(client.fetch(`${base}/r1`, { redirect: "error" }), TypeError);
    await assert.rejects(client.fetch(`${base}/loop`), /too many redirects/);
    const t = await client.fetch(`${base}/throw`);
    assert.equal(t.status, 500);
    assert.equal(await t.text(), "oops: handler broke");
  });
});

Deno.test("h3: static files with content types and byte ranges", async () => {
  const dir = Deno.makeTempDirSync();
  const data = pattern(300_000, 3);
  Deno.writeFileSync(`${dir}/data.bin`, data);
  Deno.writeTextFileSync(`${dir}/index.html`, "<p>hi</p>");
  Deno.mkdirSync(`${dir}/sub`);
  Deno.writeTextFileSync(`${dir}/sub/a.css`, "p{}");
  const files = staticFiles(dir);
  try {
    await withServer((req) => files(req), async (base, client) => {
      const i = await client.fetch(`${base}/`);
      assert.equal(i.headers.get("content-type"), "text/html; charset=utf-8");
      assert.equal(await i.text(), "<p>hi</p>");
      const full = new Uint8Array(await (await client.fetch(`${base}/data.bin`)).arrayBuffer());
      assert.ok(full.length === data.length && full.every((v, k) => v === data[k]));
      const part = await client.fetch(`${base}/data.bin`, {
        headers: { range: "bytes=1000-1999" },
      });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get("content-range"), `bytes 1000-1999/${data.length}`);
      const pb = new Uint8Array(await part.arrayBuffer());
      assert.ok(pb.length === 1000 && pb.every((v, k) => v === data[1000 + k]));
      const bad = await client.fetch(`${base}/data.bin`, { headers: { range: "bytes=999999-" } });
      assert.equal(bad.status, 416);
      assert.equal(bad.headers.get("content-range"), `bytes */${data.length}`);
      await bad.body?.cancel();
      const etag = part.headers.get("etag")!;
      const nm = await client.fetch(`${base}/data.bin`, { headers: { "if-none-match": etag } });
      assert.equal(nm.status, 304);
      const css = await client.fetch(`${base}/sub/a.css`);
      assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
      await css.body?.cancel();
      const redir = await client.fetch(`${base}/sub`, { redirect: "manual" });
      assert.equal(redir.status, 301);
      assert.equal(redir.headers.get("location"), "/sub/");
      const list = await (await client.fetch(`${base}/sub/`)).text();
      assert.match(list, /a\.css/);
      const trav = await client.fetch(`${base}/a%2f..%2f..%2fetc%2fpasswd`);
      assert.equal(trav.status, 400);
      await trav.body?.cancel();
      const post = await client.fetch(`${base}/data.bin`, { method: "POST", body: "x" });
      assert.equal(post.status, 405);
      await post.body?.cancel();
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("h3: shutdown sends GOAWAY, lets the in-flight request finish, then closes", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const inHandler = new Promise<void>((r) => (started = r));
  await withServer(async () => {
    started();
    await gate;
    return new Response("late but complete");
  }, async (base, client, server) => {
    const pending = client.fetch(`${base}/slow`);
    await inHandler;
    assert.equal(server.connections, 1);
    const done = server.shutdown();
    await new Promise((r) => setTimeout(r, 50));
    release();
    const res = await pending;
    assert.equal(await res.text(), "late but complete");
    await done;
    assert.equal(server.connections, 0);
    // The listener is gone: a new request fails within the connect timeout.
    const c2 = new H3Client({
      connectTimeout: 500,
      dangerouslyDisableCertificateVerification: true,
    });
    await assert.rejects(c2.fetch(`${base}/again`), TypeError);
    c2.close();
  });
});
