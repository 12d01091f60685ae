/**
 * The per-request fast paths: in-memory response bodies written directly
 * (`bytesResponse`), GET requests without a body stream, and the pool's
 * single idle timer per connection.
 * @module
 */
import assert from "node:assert/strict";
import { generateDevCertificate } from "../../crypto/dev_cert.ts";
import { H3Client, type H3Handler, serve, staticFiles } from "../../http3/mod.ts";
import { bytesResponse, inMemoryBody } from "../../http3/body.ts";

const dev = generateDevCertificate();

async function withServer(
  handler: H3Handler,
  fn: (base: string, client: H3Client) => Promise<void>,
  idleTimeout?: number,
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
    idleTimeout,
  });
  try {
    await fn(`https://localhost:${server.addr.port}`, client);
  } finally {
    client.close();
    await server.shutdown();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("fast path: bytesResponse is remembered until its body is read", async () => {
  const bytes = new TextEncoder().encode("hello");
  const r = bytesResponse(bytes, { status: 201 });
  assert.equal(r.status, 201);
  assert.equal(inMemoryBody(r), bytes);
  assert.equal(inMemoryBody(new Response(bytes)), undefined);
  assert.equal(await r.text(), "hello");
  assert.equal(inMemoryBody(r), undefined);
});

Deno.test("fast path: in-memory bodies (small and above the burst limit) arrive byte-exact", async () => {
  const small = new Uint8Array(100).map((_, i) => i);
  const large = new Uint8Array(200_000).map((_, i) => (i * 7) & 255);
  let seenBodyNull = 0;
  await withServer((req) => {
    if (req.body === null) seenBodyNull++;
    const b = new URL(req.url).pathname === "/large" ? large : small;
    return bytesResponse(b, { headers: { "content-length": String(b.length) } });
  }, async (base, client) => {
    for (const [p, want] of [["/small", small], ["/large", large], ["/small", small]] as const) {
      const res = await client.fetch(`${base}${p}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-length"), String(want.length));
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), want);
    }
    const head = await client.fetch(`${base}/small`, { method: "HEAD" });
    assert.equal(head.body, null);
  });
  assert.equal(seenBodyNull, 4); // GET and HEAD requests have no body stream
});

Deno.test("fast path: a small static file is served from memory; an aborted GET leaves the connection usable", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/a.txt`, "x".repeat(100));
  const files = staticFiles(dir);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  try {
    await withServer(async (req) => {
      if (new URL(req.url).pathname === "/slow") {
        await released;
        return new Response("late");
      }
      return files(req);
    }, async (base, client) => {
      for (let i = 0; i < 20; i++) {
        const res = await client.fetch(`${base}/a.txt`);
        assert.equal(await res.text(), "x".repeat(100));
      }
      const ac = new AbortController();
      const p = client.fetch(`${base}/slow`, { signal: ac.signal });
      await sleep(100);
      ac.abort();
      await assert.rejects(p);
      release();
      const after = await client.fetch(`${base}/a.txt`);
      assert.equal(await after.text(), "x".repeat(100));
      assert.equal(client.size, 1);
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("fast path: the pool's idle timer drops a connection only after idleTimeout without requests", async () => {
  await withServer(() => new Response("ok"), async (base, client) => {
    await (await client.fetch(base)).text();
    const conn = client.connectionOf(base);
    assert.ok(conn);
    // Requests every 100 ms keep a 300 ms idle timeout from firing.
    for (let i = 0; i < 6; i++) {
      await sleep(100);
      await (await client.fetch(base)).text();
      assert.equal(client.connectionOf(base), conn);
    }
    await sleep(600);
    assert.equal(client.size, 0);
    assert.equal(client.connectionOf(base), undefined);
  }, 300);
});

Deno.test("fast path: a cached small file is re-read when its size or mtime changes", async () => {
  const dir = Deno.makeTempDirSync();
  const f = `${dir}/c.txt`;
  Deno.writeTextFileSync(f, "a".repeat(50));
  Deno.utimeSync(f, 1_000_000, 1_000_000);
  const files = staticFiles(dir);
  const get = async () => await (await files(new Request("https://h/c.txt"))).text();
  try {
    assert.equal(await get(), "a".repeat(50));
    assert.equal(await get(), "a".repeat(50));
    Deno.writeTextFileSync(f, "b".repeat(60)); // new size
    assert.equal(await get(), "b".repeat(60));
    Deno.writeTextFileSync(f, "c".repeat(60)); // same size, new mtime
    Deno.utimeSync(f, 2_000_000, 2_000_000);
    assert.equal(await get(), "c".repeat(60));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
