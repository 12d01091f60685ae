/**
 * Unit tests of the Fetch ↔ HTTP/3 conversions, Range parsing, MIME types,
 * the Alt-Svc helper and the CLI's argument parsing and error lines.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  altSvcValue,
  contentType,
  fieldsToHeaders,
  headersToFields,
  parseRange,
  requestToFields,
  responseToFields,
  withAltSvc,
} from "../../http3/mod.ts";
import { parseArgs, UsageError } from "../../cli/args.ts";
import { describeError } from "../../cli/errors.ts";
import { progressLine } from "../../cli/progress.ts";
import { QuicConnectionError } from "../../quic/api_types.ts";

Deno.test("body: request fields carry pseudo-headers first and drop connection-specific fields", () => {
  const req = new Request("https://example.com:8443/p/a?q=1", {
    method: "PUT",
    headers: { "X-A": "1", Connection: "keep-alive", "Transfer-Encoding": "chunked", TE: "gzip" },
  });
  const f = requestToFields(req);
  assert.deepEqual(f.slice(0, 4), [
    { name: ":method", value: "PUT" },
    { name: ":scheme", value: "https" },
    { name: ":authority", value: "example.com:8443" },
    { name: ":path", value: "/p/a?q=1" },
  ]);
  assert.deepEqual(f.slice(4), [{ name: "x-a", value: "1" }]);
  const te = headersToFields(new Headers({ te: "trailers" }));
  assert.deepEqual(te, [{ name: "te", value: "trailers" }]);
});

Deno.test("body: response fields and headers round-trip, pseudo fields skipped", () => {
  const res = new Response("x", { status: 418, headers: { "set-cookie": "a=1", "X-Y": "z" } });
  res.headers.append("set-cookie", "b=2");
  const f = responseToFields(res);
  assert.deepEqual(f[0], { name: ":status", value: "418" });
  assert.equal(f.filter((x) => x.name === "set-cookie").length, 2);
  const h = fieldsToHeaders(f);
  assert.equal(h.get("x-y"), "z");
  assert.deepEqual(h.getSetCookie(), ["a=1", "b=2"]);
  assert.equal([...h.keys()].some((k) => k.startsWith(":")), false);
  // A value Fetch refuses is dropped, not thrown.
  assert.equal([...fieldsToHeaders([{ name: "bad name", value: "v" }]).keys()].length, 0);
});

Deno.test("range: RFC 9110 §14.1.2 forms, unsatisfiable and ignored ranges", () => {
  assert.deepEqual(parseRange("bytes=0-0", 10), { start: 0, end: 0 });
  assert.deepEqual(parseRange("bytes=5-", 10), { start: 5, end: 9 });
  assert.deepEqual(parseRange("bytes=5-100", 10), { start: 5, end: 9 });
  assert.deepEqual(parseRange("bytes=-3", 10), { start: 7, end: 9 });
  assert.deepEqual(parseRange("bytes=-30", 10), { start: 0, end: 9 });
  assert.equal(parseRange("bytes=10-", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=5-2", 10), null);
  assert.equal(parseRange("bytes=0-1,3-4", 10), null);
  assert.equal(parseRange("items=0-1", 10), null);
  fc.assert(
    fc.property(fc.string(), fc.nat(1 << 20), (s, size) => {
      const r = parseRange(s, size);
      if (r === null || r === "unsatisfiable") return true;
      return r.start >= 0 && r.end < size && r.start <= r.end;
    }),
    { seed: 9114, numRuns: 2000 },
  );
});

Deno.test("mime: content types by extension", () => {
  assert.equal(contentType("/a/b/index.HTML"), "text/html; charset=utf-8");
  assert.equal(contentType("x.js"), "text/javascript; charset=utf-8");
  assert.equal(contentType("x.wasm"), "application/wasm");
  assert.equal(contentType("x.png"), "image/png");
  assert.equal(contentType("dir.d/noext"), "application/octet-stream");
});

Deno.test("alt-svc: value and handler wrapper (also for immutable headers)", async () => {
  assert.equal(altSvcValue({ port: 443 }), 'h3=":443"; ma=86400');
  assert.equal(altSvcValue({ port: 8443, host: "::1", maxAge: 60 }), 'h3="[::1]:8443"; ma=60');
  assert.throws(() => altSvcValue({ port: 70000 }), RangeError);
  const h = withAltSvc((_req: Request) => new Response("ok"), { port: 4433 });
  const r = await h(new Request("https://x/"));
  assert.equal(r.headers.get("alt-svc"), 'h3=":4433"; ma=86400');
  assert.equal(await r.text(), "ok");
  const redirect = withAltSvc(() => Response.redirect("https://x/y", 302), { port: 4433 });
  const r2 = await redirect(new Request("https://x/"));
  assert.equal(r2.status, 302);
  assert.equal(r2.headers.get("location"), "https://x/y");
  assert.equal(r2.headers.get("alt-svc"), 'h3=":4433"; ma=86400');
  const own = withAltSvc(() => new Response("", { headers: { "alt-svc": "clear" } }), { port: 1 });
  assert.equal((await own(new Request("https://x/"))).headers.get("alt-svc"), "clear");
});

Deno.test("cli: argument parsing with aliases, values and usage errors", () => {
  const a = parseArgs(
    ["https://h/", "-o", "f", "--ca=c.pem", "-v"],
    ["output", "ca"],
    ["verbose"],
    {
      o: "output",
      v: "verbose",
    },
  );
  assert.deepEqual(a.positional, ["https://h/"]);
  assert.deepEqual(a.options, { output: "f", ca: "c.pem", verbose: true });
  assert.throws(() => parseArgs(["--nope"], [], []), UsageError);
  assert.throws(() => parseArgs(["--ca"], ["ca"], []), UsageError);
  assert.throws(() => parseArgs(["--v=1"], [], ["v"]), UsageError);
});

Deno.test("cli: error lines name the problem and the fixing option", () => {
  const t = describeError(
    new QuicConnectionError(0, "handshake timed out", false, false, "timeout"),
    "h:1",
  );
  assert.match(t, /cannot reach h:1/);
  const ca = describeError(
    new TypeError("x", {
      cause: new QuicConnectionError(0x130, "no anchor", false, false, "close"),
    }),
    "h:1",
  );
  assert.match(ca, /unknown CA/);
  assert.match(ca, /--ca FILE/);
  const exp = describeError(
    new QuicConnectionError(0x12d, "expired", false, false, "close"),
    "h:1",
  );
  assert.match(exp, /expired/);
  const name = describeError(
    new QuicConnectionError(
      0x12a,
      'name "x" not in the certificate\'s DNS SANs',
      false,
      false,
      "close",
    ),
    "x:1",
  );
  assert.match(name, /wrong name/);
  const peer = describeError(new QuicConnectionError(0x10a, "", true, true, "close"), "h:1");
  assert.match(peer, /H3_MISSING_SETTINGS/);
  const tr = describeError(new QuicConnectionError(0x0a, "bad", false, true, "close"), "h:1");
  assert.match(tr, /PROTOCOL_VIOLATION/);
});

Deno.test("cli: progress line", () => {
  assert.match(
    progressLine(5 * 1024 * 1024, 10 * 1024 * 1024, 1000),
    /^\[#{15}\.{15}\] {2}50% 5\.0 MB/,
  );
  assert.match(progressLine(2048, null, 1000), /^2\.0 KB 2\.0 KB\/s/);
});
