/**
 * 0-RTT interop with ngtcp2 (`gtlsclient`, GnuTLS) against gquic's server:
 * a first run stores the session ticket and transport parameters
 * (`--session-file`, `--tp-file`); a second run resumes and sends its HTTP/3
 * request in 0-RTT. Proves: ngtcp2 sent 0-RTT packets, did not log "Early
 * data was rejected", and our server saw the request on a resumed connection
 * with early data accepted. Fails (never skips) without the binary. Budget ~5 s.
 * @module
 */
import assert from "node:assert/strict";
import { QuicEndpoint } from "../../quic/api.ts";
import { makeTestCerts } from "./certs.ts";
import { readAll, within } from "./peer_process.ts";
import { h3Frames, h3Response200, NgtcpProcess, requireBinary } from "./ngtcp2.ts";

Deno.test("interop: gtlsclient resumes with 0-RTT against gquic's server", async () => {
  requireBinary("gtlsclient");
  const dir = Deno.makeTempDirSync({ prefix: "gquic-0rtt-" });
  const certs = makeTestCerts();
  const ep = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  const listener = ep.listen({
    cert: certs.chainPem,
    key: certs.keyPem,
    alpnProtocols: ["h3"],
    maxIdleTimeout: 10_000,
    zeroRtt: true,
  });
  const port = ep.addr.port;
  const body = new TextEncoder().encode("early response\n".repeat(20));
  const run = async (i: number) => {
    const client = new NgtcpProcess("gtlsclient", [
      "--exit-on-all-streams-close",
      `--download=${dir}`,
      `--session-file=${dir}/session.pem`,
      `--tp-file=${dir}/tp.txt`,
      "--sni=localhost",
      "--timeout=8s",
      "--handshake-timeout=5s",
      "127.0.0.1",
      String(port),
      `https://localhost:${port}/r${i}.txt`,
    ]);
    try {
      const conn = await within(listener.accept(), 5_000, `connection ${i}`);
      const reader = conn.incomingBidirectionalStreams.getReader();
      const { value: s } = await within(reader.read(), 4_000, "request stream");
      reader.releaseLock();
      assert.ok(s);
      const req = await within(readAll(s.readable), 3_000, "request");
      assert.equal(h3Frames(req)[0]?.type, 0x01, "request starts with HEADERS");
      const w = s.writable.getWriter();
      await w.write(h3Response200(body));
      w.close().catch(() => {});
      await within(conn.closed, 4_000, "gtlsclient to close").catch(() => {});
      await client.waitExit(5_000);
      return { conn, log: client.log };
    } finally {
      await client.stop();
    }
  };
  try {
    const first = await run(1);
    assert.equal(first.conn.isResumed, false);
    assert.ok(Deno.statSync(`${dir}/session.pem`).size > 0, "no session file written");
    const second = await run(2);
    assert.equal(second.conn.isResumed, true, "second connection did not resume");
    assert.equal(second.conn.earlyDataStatus, "accepted");
    assert.ok(!second.log.includes("Early data was rejected"), second.log.slice(-2000));
    assert.match(second.log, /0RTT|0rtt/, "ngtcp2 logged no 0-RTT packet");
  } finally {
    ep.close();
    await ep.finished;
    Deno.removeSync(dir, { recursive: true });
  }
});
