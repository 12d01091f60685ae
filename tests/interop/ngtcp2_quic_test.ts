/**
 * Interop against ngtcp2 0.12 (`gtlsserver` / `gtlsclient`, GnuTLS, ALPN h3)
 * in both directions, for every TLS 1.3 cipher suite (AES-128-GCM,
 * AES-256-GCM, ChaCha20-Poly1305) crossed with X25519 and P-256, each forced
 * on the ngtcp2 side (`--ciphers`, `--groups`), plus Version Negotiation
 * (`gtlsclient -v 0x1a2a3a4a`) and Retry (`gtlsserver -V`).
 *
 * Each case proves, from both sides: ngtcp2 logs the completed handshake,
 * the forced suite and ALPN h3, and the ServerHello/ClientHello it dumped
 * carry the forced suite/group; one request/response crosses the connection
 * (a few hand-encoded HTTP/3 bytes, so the peer finishes and closes); the
 * close is clean: our CONNECTION_CLOSE (0x100 H3_NO_ERROR, our reason) is in
 * gtlsserver's log, and gtlsclient's CONNECTION_CLOSE 0x100 is what our
 * `conn.closed` reports, with gtlsclient exiting 0.
 * Fails (never skips) when the binaries are missing. Budget: ~15 s.
 * @module
 */
import assert from "node:assert/strict";
import { connectQuic, QuicEndpoint } from "../../quic/api.ts";
import type { QuicConn } from "../../quic/api.ts";
import { makeTestCerts, writeTestCerts } from "./certs.ts";
import { readAll, within } from "./peer_process.ts";
import {
  type CipherName,
  CIPHERS,
  type GroupName,
  GROUPS,
  h3Body200,
  h3Frames,
  h3GetRequest,
  h3Response200,
  loggedAlpn,
  loggedCipher,
  loggedCloses,
  loggedHandshakeCompleted,
  loggedInitialCrypto,
  loggedSentVersions,
  loggedVersionNegotiation,
  ngtcp2Ciphers,
  ngtcp2Groups,
  NgtcpProcess,
  parseHellos,
  requireBinary,
  startGtlsServer,
} from "./ngtcp2.ts";
import { Capture, dissect } from "./tshark.ts";

const H3_NO_ERROR = 0x100;
const QUIC_V1 = 0x00000001;
const QUIC_V2 = 0x6b3343cf;
const CASE_MS = 9_000;
const CIPHER_NAMES = Object.keys(CIPHERS) as CipherName[];
const GROUP_NAMES = Object.keys(GROUPS) as GroupName[];

interface Fixture {
  dir: string;
  files: { cert: string; key: string; ca: string };
  caPem: string;
  chainPem: string;
  keyPem: string;
  body: Uint8Array;
}

let fixture: Fixture | undefined;

/** Certificates (made now, leaf + CA chain) and a document root with one file. */
function setup(): Fixture {
  if (fixture) return fixture;
  // The test must fail, not skip, when the peers are missing.
  requireBinary("gtlsserver");
  requireBinary("gtlsclient");
  const dir = Deno.makeTempDirSync({ prefix: "gquic-ngtcp2-" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // best effort
    }
  });
  const certs = makeTestCerts();
  const files = writeTestCerts(dir, certs);
  Deno.mkdirSync(`${dir}/htdocs`);
  const body = new TextEncoder().encode("hello from the other side\n".repeat(100));
  Deno.writeFileSync(`${dir}/htdocs/hello.txt`, body);
  fixture = {
    dir,
    files,
    caPem: certs.caPem,
    chainPem: certs.chainPem,
    keyPem: certs.keyPem,
    body,
  };
  return fixture;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

interface Forced {
  cipher?: CipherName;
  group?: GroupName;
}

function forcedFlags(f: Forced): string[] {
  const out: string[] = [];
  if (f.cipher) out.push(`--ciphers=${ngtcp2Ciphers(f.cipher)}`);
  if (f.group) out.push(`--groups=${ngtcp2Groups(f.group)}`);
  return out;
}

/** What ngtcp2's own log says about the handshake, checked against what was forced. */
function assertPeerHandshake(log: string, f: Forced): void {
  assert.ok(loggedHandshakeCompleted(log), "ngtcp2 logged 'QUIC handshake has completed'");
  assert.equal(loggedAlpn(log), "h3");
  if (f.cipher) assert.equal(loggedCipher(log), f.cipher);
}

/**
 * Every datagram gquic sent (`ours(srcPort)`) decrypts with the session's
 * secrets (ngtcp2's SSLKEYLOGFILE), has QUIC frames, and is neither
 * malformed nor flagged with an expert warning. ngtcp2's own datagrams are
 * only required not to be malformed: on loopback, tshark sees its GSO
 * batches unsegmented and cannot decrypt past the first packet.
 */
async function assertCaptureClean(
  base: string,
  port: number,
  ours: (srcPort: number) => boolean,
): Promise<void> {
  const packets = await dissect(`${base}.pcapng`, `${base}.keys`, port);
  const mine = packets.filter((p) => ours(p.srcPort));
  assert.ok(mine.length >= 4, `captured ${mine.length} gquic datagrams`);
  for (const p of mine) {
    assert.ok(p.frameTypes.length > 0, `gquic datagram #${p.frame} did not decrypt`);
    assert.deepEqual(p.problems, [], `gquic datagram #${p.frame}`);
    assert.equal(p.malformed, false, `gquic datagram #${p.frame} malformed`);
  }
  for (const p of packets) assert.equal(p.malformed, false, `datagram #${p.frame} malformed`);
  // Our CONNECTION_CLOSE (application, 0x1d) or the peer's is in the capture.
  assert.ok(packets.some((p) => p.frameTypes.includes(0x1d)), "a CONNECTION_CLOSE was captured");
}

// ---- gquic client → gtlsserver ----

async function gquicClientToGtlsServer(
  f: Forced & { retry?: boolean; capture?: string },
): Promise<void> {
  const fx = setup();
  const extra = [...forcedFlags(f), ...(f.retry ? ["-V"] : [])];
  const { server, port } = await startGtlsServer({
    key: fx.files.key,
    cert: fx.files.cert,
    htdocs: `${fx.dir}/htdocs`,
    extra,
    env: f.capture ? { SSLKEYLOGFILE: `${f.capture}.keys` } : {},
  });
  let conn: QuicConn | undefined;
  let cap: Capture | undefined;
  try {
    if (f.capture) cap = await Capture.start(`${f.capture}.pcapng`, port);
    conn = await connectQuic({
      hostname: "127.0.0.1",
      port,
      serverName: "localhost",
      alpnProtocols: ["h3"],
      caCerts: [fx.caPem],
      timeout: 5_000,
      maxIdleTimeout: 10_000,
    });
    assert.equal(conn.protocol, "h3");

    // One request so 1-RTT data crosses both ways under the forced suite.
    const s = await conn.createBidirectionalStream();
    const w = s.writable.getWriter();
    await w.write(h3GetRequest(`localhost:${port}`, "/hello.txt"));
    await w.close();
    const resp = await within(readAll(s.readable), 4_000, "response from gtlsserver");
    assert.deepEqual(h3Body200(resp), fx.body);

    conn.close({ closeCode: H3_NO_ERROR, reason: "gquic done" });
    const info = await within(conn.closed, 3_000, "our close to finish");
    assert.deepEqual(info, { closeCode: H3_NO_ERROR, reason: "gquic done" });

    // The peer received exactly our close and sent none of its own (no error).
    await server.waitFor(
      (log) => loggedCloses(log).some((c) => c.dir === "rx"),
      3_000,
      "gtlsserver to log our CONNECTION_CLOSE",
    );
    const closes = loggedCloses(server.log);
    assert.deepEqual(closes.filter((c) => c.dir === "rx"), [
      { dir: "rx", frameType: 0x1d, errorCode: H3_NO_ERROR, reason: "gquic done" },
    ]);
    assert.deepEqual(closes.filter((c) => c.dir === "tx"), [], "gtlsserver sent no close");

    assertPeerHandshake(server.log, f);
    // gtlsserver dumps the ClientHello(s) it received. The final one carries
    // a key share in the forced group; GnuTLS accepts no other, so that is
    // the group the handshake used.
    const hellos = parseHellos(loggedInitialCrypto(server.log));
    const chs = hellos.filter((h) => h.msgType === 1);
    assert.ok(chs.length >= 1, "gtlsserver dumped our ClientHello");
    if (f.cipher) assert.ok(chs.at(-1)!.cipherSuites.includes(CIPHERS[f.cipher]));
    if (f.group) {
      assert.ok(
        chs.at(-1)!.keyShareGroups.includes(GROUPS[f.group]),
        `final ClientHello key shares ${chs.at(-1)!.keyShareGroups.map(hex)}`,
      );
    }
    if (f.retry) {
      assert.match(server.log, /Sending Retry packet/);
      assert.match(server.log, /Verifying Retry token/);
      assert.equal(conn.getStats().packetsLost >= 0, true);
    } else {
      assert.doesNotMatch(server.log, /Sending Retry packet/);
    }
    if (cap) {
      await cap.stop();
      await assertCaptureClean(f.capture!, port, (p) => p !== port);
    }
  } catch (e) {
    conn?.close({ closeCode: 1, reason: "test failed" });
    throw new Error(
      `${(e as Error).message}\n--- gtlsserver log tail ---\n${server.log.slice(-3000)}`,
      {
        cause: e,
      },
    );
  } finally {
    await cap?.stop();
    await server.stop();
  }
}

// ---- gtlsclient → gquic server ----

async function gtlsClientToGquicServer(
  f: Forced & { version?: string; capture?: string },
): Promise<string> {
  const fx = setup();
  const ep = new QuicEndpoint({ hostname: "127.0.0.1", port: 0 });
  const listener = ep.listen({
    cert: fx.chainPem,
    key: fx.keyPem,
    alpnProtocols: ["h3"],
    maxIdleTimeout: 10_000,
  });
  const port = ep.addr.port;
  const download = Deno.makeTempDirSync({ dir: fx.dir, prefix: "dl-" });
  const versionFlags = f.version ? ["-v", f.version, `--preferred-versions=${hex(QUIC_V1)}`] : [];
  let cap: Capture | undefined;
  if (f.capture) {
    try {
      cap = await Capture.start(`${f.capture}.pcapng`, port);
    } catch (e) {
      ep.close();
      throw e;
    }
  }
  const client = new NgtcpProcess("gtlsclient", [
    ...forcedFlags(f),
    ...versionFlags,
    "--exit-on-all-streams-close",
    `--download=${download}`,
    "--sni=localhost",
    "--timeout=8s",
    "--handshake-timeout=5s",
    "127.0.0.1",
    String(port),
    `https://localhost:${port}/hello.txt`,
  ], f.capture ? { SSLKEYLOGFILE: `${f.capture}.keys` } : {});
  try {
    const conn = await within(listener.accept(), 5_000, "incoming connection from gtlsclient");
    assert.equal(conn.protocol, "h3");
    const reader = conn.incomingBidirectionalStreams.getReader();
    const { value: s } = await within(reader.read(), 4_000, "gtlsclient's request stream");
    reader.releaseLock();
    assert.ok(s, "a request stream");
    const req = await within(readAll(s.readable), 3_000, "request to end");
    assert.equal(h3Frames(req)[0]?.type, 0x01, "request starts with HEADERS");
    const w = s.writable.getWriter();
    await w.write(h3Response200(fx.body));
    // close() resolves once the FIN is acknowledged, but gtlsclient closes
    // the connection as soon as the response is complete, without ACKing.
    const finished = w.close().catch(() => {});

    // We never close: the close we see is gtlsclient's, once its stream is done.
    const info = await within(conn.closed, 4_000, "gtlsclient to close the connection");
    assert.equal(info.closeCode, H3_NO_ERROR);
    await finished;
    const st = await client.waitExit(3_000);
    assert.ok(st, "gtlsclient exits after its CONNECTION_CLOSE");
    assert.equal(st.code, 0, "gtlsclient exit code");

    const log = client.log;
    assertPeerHandshake(log, f);
    assert.deepEqual(
      loggedCloses(log).map((c) => [c.dir, c.frameType, c.errorCode]),
      [["tx", 0x1d, H3_NO_ERROR]],
      "only gtlsclient's own H3_NO_ERROR close",
    );
    assert.deepEqual(Deno.readFileSync(`${download}/hello.txt`), fx.body);
    // Our ServerHello as gtlsclient dumped it: the forced suite and group.
    const sh = parseHellos(loggedInitialCrypto(log)).filter((h) => h.msgType === 2);
    assert.equal(sh.length, 1, "one ServerHello (no HelloRetryRequest)");
    assert.equal(sh[0].isHelloRetryRequest, false);
    if (f.cipher) assert.equal(sh[0].cipherSuites[0], CIPHERS[f.cipher]);
    if (f.group) assert.deepEqual(sh[0].keyShareGroups, [GROUPS[f.group]]);
    if (cap) {
      await cap.stop();
      await assertCaptureClean(f.capture!, port, (p) => p === port);
    }
    return log;
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\n--- gtlsclient log tail ---\n${client.log.slice(-3000)}`,
      {
        cause: e,
      },
    );
  } finally {
    await cap?.stop();
    await client.stop();
    ep.close();
    await within(ep.finished, 4_000, "endpoint to close").catch(() => {});
  }
}

// ---- The matrix ----

for (const cipher of CIPHER_NAMES) {
  for (const group of GROUP_NAMES) {
    Deno.test(`ngtcp2: gquic client → gtlsserver, ${cipher}, ${group}`, async () => {
      await within(gquicClientToGtlsServer({ cipher, group }), CASE_MS, "case");
    });
    Deno.test(`ngtcp2: gtlsclient → gquic server, ${cipher}, ${group}`, async () => {
      await within(gtlsClientToGquicServer({ cipher, group }), CASE_MS, "case");
    });
  }
}

Deno.test("ngtcp2: gquic client follows gtlsserver's Retry (-V) and completes", async () => {
  await within(gquicClientToGtlsServer({ retry: true }), CASE_MS, "case");
});

Deno.test("ngtcp2: gtlsclient -v 0x1a2a3a4a gets Version Negotiation (v1, v2), then v1 completes", async () => {
  const log = await within(gtlsClientToGquicServer({ version: "0x1a2a3a4a" }), CASE_MS, "case");
  const vns = loggedVersionNegotiation(log);
  assert.equal(vns.length, 1, "one Version Negotiation packet");
  assert.ok(vns[0].includes(QUIC_V1) && vns[0].includes(QUIC_V2), `VN lists ${vns[0].map(hex)}`);
  // RFC 9000 §6.2: a VN listing the client's own version would be discarded.
  assert.ok(!vns[0].includes(0x1a2a3a4a), `VN lists ${vns[0].map(hex)}`);
  const initials = loggedSentVersions(log, "Initial");
  assert.equal(initials[0], 0x1a2a3a4a);
  assert.equal(initials.at(-1), QUIC_V1);
});

Deno.test("ngtcp2 + tshark: gquic client's packets all decrypt and are well formed (ChaCha20, P-256)", async () => {
  const base = `${setup().dir}/client-cap`;
  await within(
    gquicClientToGtlsServer({ cipher: "CHACHA20-POLY1305", group: "SECP256R1", capture: base }),
    CASE_MS + 6_000,
    "case",
  );
});

Deno.test("ngtcp2 + tshark: gquic server's packets all decrypt and are well formed (ChaCha20, P-256)", async () => {
  const base = `${setup().dir}/server-cap`;
  await within(
    gtlsClientToGquicServer({ cipher: "CHACHA20-POLY1305", group: "SECP256R1", capture: base }),
    CASE_MS + 6_000,
    "case",
  );
});
