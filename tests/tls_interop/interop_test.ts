// gquic's TLS 1.3 handshake against independent stacks on loopback, through
// the test-only record layer in plain-TLS mode (`quic: false`): OpenSSL's
// s_server / s_client and Deno's rustls (Deno.listenTls / Deno.connectTls),
// for several suites and certificate types, with application data both ways.
import assert from "node:assert/strict";
import { createCertificate, type IssuedCertificate } from "../../crypto/cert_builder.ts";
import type { KeyType } from "../../crypto/tls/keys.ts";
import { TlsClient } from "../../crypto/tls/client.ts";
import { TlsServer } from "../../crypto/tls/server.ts";
import { appText, RecordLayer } from "./record_layer.ts";

const OPENSSL = "/usr/bin/openssl";
const TIMEOUT = 10_000;
const SUITE_NAMES: Record<number, string> = {
  0x1301: "TLS_AES_128_GCM_SHA256",
  0x1302: "TLS_AES_256_GCM_SHA384",
  0x1303: "TLS_CHACHA20_POLY1305_SHA256",
};
const CASES: [KeyType, number][] = [
  ["ecdsa-p256", 0x1301],
  ["ed25519", 0x1303],
  ["rsa", 0x1302],
];

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const ca = createCertificate({ subject: "gquic interop CA", isCA: true });
const leaves = new Map<KeyType, IssuedCertificate>();
function leaf(t: KeyType): IssuedCertificate {
  let l = leaves.get(t);
  if (!l) {
    l = createCertificate({
      subject: "localhost",
      issuer: ca,
      keyType: t,
      sanDns: ["localhost"],
      sanIps: ["127.0.0.1"],
    });
    leaves.set(t, l);
  }
  return l;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`${what} timed out`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function connectRetry(port: number): Promise<Deno.TcpConn> {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    try {
      return await Deno.connect({ hostname: "127.0.0.1", port });
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function writeTemp(dir: string, name: string, text: string): string {
  const p = `${dir}/${name}`;
  Deno.writeTextFileSync(p, text);
  return p;
}

async function stopChild(child: Deno.ChildProcess): Promise<string> {
  try {
    child.kill("SIGTERM"); // our own child, by its handle (PID)
  } catch { /* already exited */ }
  const out = await withTimeout(child.output(), TIMEOUT, "child exit");
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

/** gquic client → `openssl s_server -rev` (echoes each line reversed). */
async function clientVsOpenssl(keyType: KeyType, suite: number): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "gquic-interop-" });
  const l = leaf(keyType);
  const port = freePort();
  const child = new Deno.Command(OPENSSL, {
    args: [
      "s_server",
      "-tls1_3",
      "-rev",
      "-accept",
      `127.0.0.1:${port}`,
      "-cert",
      writeTemp(dir, "cert.pem", l.certPem),
      "-key",
      writeTemp(dir, "key.pem", l.keyPem),
      "-ciphersuites",
      SUITE_NAMES[suite],
    ], // deno-fmt-ignore
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const conn = await connectRetry(port);
    const tls = new TlsClient({
      random,
      quic: false,
      serverName: "localhost",
      caCerts: [ca.certDer],
      cipherSuites: [suite],
    });
    const rl = new RecordLayer(conn, tls);
    tls.start(Date.now());
    await rl.flush();
    await rl.until(() => rl.handshakeComplete, TIMEOUT);
    assert.equal(tls.cipherSuite, suite);
    assert.equal(tls.signatureScheme !== 0, true);
    await rl.send(new TextEncoder().encode("hello from gquic\n"));
    await rl.until(() => appText(rl).includes("ciuqg morf olleh"), TIMEOUT);
    await rl.close();
  } finally {
    await stopChild(child);
    Deno.removeSync(dir, { recursive: true });
  }
}

/** `openssl s_client` → gquic server. */
async function opensslVsServer(keyType: KeyType, suite: number): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "gquic-interop-" });
  const l = leaf(keyType);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const child = new Deno.Command(OPENSSL, {
    args: [
      "s_client",
      "-tls1_3",
      "-connect",
      `127.0.0.1:${port}`,
      "-servername",
      "localhost",
      "-CAfile",
      writeTemp(dir, "ca.pem", ca.certPem),
      "-verify_return_error",
      "-ciphersuites",
      SUITE_NAMES[suite],
      "-quiet",
    ], // deno-fmt-ignore
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  try {
    const conn = await withTimeout(listener.accept(), TIMEOUT, "accept");
    const tls = new TlsServer({
      random,
      quic: false,
      certificateChain: [l.certDer],
      privateKey: l.key,
      cipherSuites: [suite],
    });
    const rl = new RecordLayer(conn, tls);
    await rl.until(() => rl.handshakeComplete, TIMEOUT);
    assert.equal(tls.cipherSuite, suite);
    assert.equal(tls.serverName, "localhost");
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("hello from openssl\n"));
    await rl.until(() => appText(rl).includes("hello from openssl"), TIMEOUT);
    await rl.send(new TextEncoder().encode("hello from gquic server\n"));
    // s_client prints what it receives; give it a moment, then stop it.
    await new Promise((r) => setTimeout(r, 200));
    await w.close().catch(() => {});
    await rl.close();
  } finally {
    output = await stopChild(child);
    listener.close();
    Deno.removeSync(dir, { recursive: true });
  }
  assert.ok(output.includes("hello from gquic server"), output);
}

/** gquic client → Deno.listenTls (rustls). */
async function clientVsRustls(keyType: KeyType, suite: number): Promise<void> {
  const l = leaf(keyType);
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: l.certPem + ca.certPem,
    key: l.keyPem,
  });
  const port = (listener.addr as Deno.NetAddr).port;
  const serverSide = (async () => {
    const c = await listener.accept();
    const buf = new Uint8Array(1024);
    const n = await c.read(buf);
    await c.write(
      new TextEncoder().encode("rustls got: " + new TextDecoder().decode(buf.subarray(0, n ?? 0))),
    );
    c.close();
  })();
  try {
    const conn = await connectRetry(port);
    const tls = new TlsClient({
      random,
      quic: false,
      serverName: "localhost",
      caCerts: [ca.certDer],
      cipherSuites: [suite],
      alpnProtocols: [],
    });
    const rl = new RecordLayer(conn, tls);
    tls.start(Date.now());
    await rl.flush();
    await rl.until(() => rl.handshakeComplete, TIMEOUT);
    await rl.send(new TextEncoder().encode("ping"));
    await rl.until(() => appText(rl).includes("rustls got: ping"), TIMEOUT);
    assert.equal(tls.cipherSuite, suite);
    await rl.close();
    await withTimeout(serverSide, TIMEOUT, "rustls server");
  } finally {
    listener.close();
  }
}

/** Deno.connectTls (rustls) → gquic server. */
async function rustlsVsServer(keyType: KeyType, suite: number): Promise<void> {
  const l = leaf(keyType);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const clientSide = (async () => {
    const c = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [ca.certPem] });
    await c.write(new TextEncoder().encode("ping from rustls"));
    const buf = new Uint8Array(1024);
    const n = await c.read(buf);
    c.close();
    return new TextDecoder().decode(buf.subarray(0, n ?? 0));
  })();
  try {
    const conn = await withTimeout(listener.accept(), TIMEOUT, "accept");
    const tls = new TlsServer({
      random,
      quic: false,
      certificateChain: [l.certDer],
      privateKey: l.key,
      cipherSuites: [suite],
    });
    const rl = new RecordLayer(conn, tls);
    await rl.until(() => appText(rl).includes("ping from rustls"), TIMEOUT);
    await rl.send(new TextEncoder().encode("pong from gquic"));
    assert.equal(await withTimeout(clientSide, TIMEOUT, "rustls client"), "pong from gquic");
    assert.equal(tls.cipherSuite, suite);
    await rl.close();
  } finally {
    listener.close();
  }
}

for (const [keyType, suite] of CASES) {
  const tag = `${keyType}, ${SUITE_NAMES[suite]}`;
  Deno.test(`interop: gquic client ↔ openssl s_server (${tag})`, () =>
    clientVsOpenssl(keyType, suite));
  Deno.test(`interop: openssl s_client ↔ gquic server (${tag})`, () =>
    opensslVsServer(keyType, suite));
  Deno.test(`interop: gquic client ↔ Deno.listenTls/rustls (${tag})`, () =>
    clientVsRustls(keyType, suite));
  Deno.test(`interop: Deno.connectTls/rustls ↔ gquic server (${tag})`, () =>
    rustlsVsServer(keyType, suite));
}
