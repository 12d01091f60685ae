/**
 * Server push through serve() and H3Client over real UDP on loopback
 * (RFC 9114 §4.6): pushed bodies arrive byte-exact; a client that allows no
 * pushes gets none (the handler learns it) and its response is unaffected;
 * refusing (CANCEL_PUSH) and cancelling a pushed body stop the server's
 * body stream; the MAX_PUSH_ID window reopens as pushes finish.
 */
import assert from "node:assert/strict";
import { generateDevCertificate } from "../../crypto/dev_cert.ts";
import {
  H3Client,
  type H3ClientOptions,
  type H3Handler,
  type H3PushPromise,
  serve,
} from "../../http3/mod.ts";

import { pattern } from "../support/bytes.ts";
const dev = generateDevCertificate();

async function withServer(
  handler: H3Handler,
  clientOpts: H3ClientOptions,
  fn: (base: string, client: H3Client) => Promise<void>,
): Promise<void> {
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: dev.certPem,
    key: dev.keyPem,
    onListen() {},
  }, handler);
  const client = new H3Client({
    serverCertificateHashes: [{ algorithm: "sha-256", value: new Uint8Array(dev.certSha256) }],
    connectTimeout: 5000,
    ...clientOpts,
  });
  try {
    await fn(`https://localhost:${server.addr.port}`, client);
  } finally {
    client.close();
    await server.shutdown();
  }
}

/** Waits (bounded) until `cond()` holds. */
async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A body that yields 1 KB chunks until cancelled; `state.cancelled` records it. */
function endless(state: { cancelled: boolean; chunks: number }): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 2));
      state.chunks++;
      c.enqueue(new Uint8Array(1024).fill(state.chunks & 0xff));
    },
    cancel() {
      state.cancelled = true;
    },
  });
}

Deno.test("h3 push: two pushed resources arrive byte-exact with their requests", async () => {
  const big = pattern(300_000, 11);
  const results: boolean[] = [];
  const promises: H3PushPromise[] = [];
  await withServer((req, info) => {
    results.push(info.push("/big.bin", new Response(big)));
    results.push(info.push(
      new Request(new URL("/style.css?v=2", req.url), { headers: { "x-want": "css" } }),
      () =>
        new Response("p { color: teal }", {
          headers: { "content-type": "text/css", "x-pushed": "yes" },
        }),
    ));
    return new Response("<p>page</p>");
  }, {
    maxPushes: 4,
    onPush: (p) => void promises.push(p),
  }, async (base, client) => {
    const r = await client.fetch(`${base}/index.html`);
    assert.equal(await r.text(), "<p>page</p>");
    assert.deepEqual(results, [true, true]);
    await until(() => promises.length === 2, "two push promises");
    const byPath = new Map(promises.map((p) => [new URL(p.request.url).pathname, p]));
    const pBig = byPath.get("/big.bin")!, pCss = byPath.get("/style.css")!;
    assert.equal(pBig.request.method, "GET");
    assert.equal(pCss.request.url, `${base}/style.css?v=2`);
    assert.equal(pCss.request.headers.get("x-want"), "css");
    assert.notEqual(pBig.pushId, pCss.pushId);
    const rBig = await pBig.response;
    assert.equal(rBig.status, 200);
    assert.equal(rBig.url, `${base}/big.bin`);
    assert.deepEqual(new Uint8Array(await rBig.arrayBuffer()), big);
    const rCss = await pCss.response;
    assert.equal(rCss.headers.get("content-type"), "text/css");
    assert.equal(rCss.headers.get("x-pushed"), "yes");
    assert.equal(await rCss.text(), "p { color: teal }");
  });
});

Deno.test("h3 push: a client allowing no pushes gets none; the response is unaffected", async () => {
  const results: boolean[] = [];
  let made = 0;
  await withServer(
    (_req, info) => {
      results.push(info.push("/a.js", () => {
        made++;
        return new Response("a");
      }));
      // Cross-origin and unsafe pushes are the handler's mistake.
      assert.throws(() => info.push("https://elsewhere.example/x", new Response("x")), TypeError);
      assert.throws(
        () =>
          info.push(
            new Request("https://localhost/x", { method: "POST", body: "b" }),
            new Response(""),
          ),
        TypeError,
      );
      return new Response("main body");
    },
    {},
    async (base, client) => {
      for (let i = 0; i < 2; i++) {
        const r = await client.fetch(`${base}/`);
        assert.equal(r.status, 200);
        assert.equal(await r.text(), "main body");
      }
      assert.deepEqual(results, [false, false]);
      assert.equal(made, 0);
    },
  );
});

Deno.test("h3 push: refusing sends CANCEL_PUSH and the server's body is cancelled", async () => {
  const state = { cancelled: false, chunks: 0 };
  const seen: string[] = [];
  let rejected: unknown;
  await withServer((_req, info) => {
    info.push("/refused", () => new Response(endless(state)));
    info.push("/taken", new Response("taken body"));
    return new Response("main");
  }, {
    maxPushes: 8,
    onPush: (p) => {
      const path = new URL(p.request.url).pathname;
      seen.push(path);
      if (path === "/refused") {
        p.response.catch((e) => (rejected = e));
        return false;
      }
    },
  }, async (base, client) => {
    const r = await client.fetch(`${base}/`);
    assert.equal(await r.text(), "main");
    await until(() => seen.length === 2, "both promises");
    await until(() => state.cancelled, "the refused push's body to be cancelled");
    await until(() => rejected !== undefined, "the refused response to reject");
    assert.match(String(rejected), /push refused/);
    // The connection is fine: another request works.
    const r2 = await client.fetch(`${base}/again`);
    assert.equal(await r2.text(), "main");
  });
});

Deno.test("h3 push: cancelling a pushed body mid-stream stops the server; window reopens", async () => {
  const state = { cancelled: false, chunks: 0 };
  const results: boolean[] = [];
  const promises: H3PushPromise[] = [];
  await withServer((req, info) => {
    const path = new URL(req.url).pathname;
    results.push(
      info.push(
        path === "/first" ? "/stream" : "/small",
        () => path === "/first" ? new Response(endless(state)) : new Response("small"),
      ),
    );
    return new Response("ok");
  }, {
    maxPushes: 1, // one push in flight: the second needs the window to move
    onPush: (p) => void promises.push(p),
  }, async (base, client) => {
    assert.equal(await (await client.fetch(`${base}/first`)).text(), "ok");
    await until(() => promises.length === 1, "the first promise");
    const res = await promises[0].response;
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.equal(first.value!.length > 0, true);
    await reader.cancel();
    await until(() => state.cancelled, "the server's body to be cancelled");
    // MAX_PUSH_ID went up by one when the push ended: the next one is allowed.
    await until(() => results.length === 1, "first handler run");
    for (let i = 0; i < 20 && (results.length < 2 || results.at(-1) !== true); i++) {
      assert.equal(await (await client.fetch(`${base}/next`)).text(), "ok");
    }
    assert.equal(results[0], true);
    assert.equal(results.slice(1).includes(true), true);
    await until(() => promises.length === 2, "the second promise");
    assert.equal(await (await promises[1].response).text(), "small");
  });
});
