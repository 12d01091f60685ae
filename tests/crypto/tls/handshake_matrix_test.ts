// In-memory client↔server handshakes across every cipher suite × group ×
// certificate type, with HelloRetryRequest (group and cookie), split delivery,
// mutual TLS and key logging.
import assert from "node:assert/strict";
import { TlsClient } from "../../../crypto/tls/client.ts";
import { TlsServer } from "../../../crypto/tls/server.ts";
import type { KeyType } from "../../../crypto/tls/keys.ts";
import { EncryptionLevel, NamedGroup } from "../../../crypto/tls/types.ts";
import { CipherSuite } from "../../../crypto/cipher_suites.ts";
import { HRR_RANDOM } from "../../../crypto/tls/messages.ts";
import {
  clientOptions,
  hex,
  type Log,
  pki,
  pump,
  secrets,
  seededRandom,
  serverOptions,
  TP_CLIENT,
  TP_SERVER,
} from "./handshake_harness.ts";

const SUITES = Object.values(CipherSuite);
const GROUPS = Object.values(NamedGroup);
const KEY_TYPES: KeyType[] = ["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa"];

/** Every level's write secret on one side equals the read secret on the other. */
function assertKeysAgree(log: Log, levels: number[]): void {
  const c = secrets(log.clientEvents), s = secrets(log.serverEvents);
  for (const l of levels) {
    assert.ok(c.get(`${l}/write`), `client write secret at level ${l}`);
    assert.equal(hex(c.get(`${l}/write`)!), hex(s.get(`${l}/read`)!), `level ${l} c→s`);
    if (l !== EncryptionLevel.ZeroRtt) {
      assert.equal(hex(s.get(`${l}/write`)!), hex(c.get(`${l}/read`)!), `level ${l} s→c`);
    }
  }
}

Deno.test("handshake matrix: 3 suites × 4 groups × 4 certificate types", () => {
  let n = 0;
  for (const keyType of KEY_TYPES) {
    const p = pki(keyType);
    for (const suite of SUITES) {
      for (const group of GROUPS) {
        const client = new TlsClient(
          clientOptions(p, { random: seededRandom(n), cipherSuites: [suite], groups: [group] }),
        );
        const server = new TlsServer(serverOptions(p, { random: seededRandom(1000 + n) }));
        const log = pump(client, server, Date.now());
        const what = `${keyType} 0x${suite.toString(16)} 0x${group.toString(16)}`;
        assert.ok(client.handshakeComplete && server.handshakeComplete, what);
        assert.equal(client.cipherSuite, suite, what);
        assert.equal(server.cipherSuite, suite, what);
        assert.equal(client.group, group, what);
        assert.equal(server.group, group, what);
        assert.equal(client.alpnProtocol, "h3");
        assert.equal(server.alpnProtocol, "h3");
        assert.deepEqual(client.peerTransportParameters, TP_SERVER);
        assert.deepEqual(server.peerTransportParameters, TP_CLIENT);
        assert.equal(hex(client.peerCertificates[0]), hex(p.leaf.certDer));
        assert.equal(client.resumed, false);
        assertKeysAgree(log, [EncryptionLevel.Handshake, EncryptionLevel.OneRtt]);
        // The client's events: ClientHello, handshake keys, Finished, 1-RTT keys, done.
        assert.deepEqual(log.clientEvents.map((e) => e.type), [
          "handshakeData",
          "secrets",
          "handshakeData",
          "secrets",
          "handshakeComplete",
        ]);
        n++;
      }
    }
  }
  assert.equal(n, 48);
});

Deno.test("handshake: messages split into 1..7-byte pieces reassemble", () => {
  const p = pki();
  for (const chunk of [1, 2, 7]) {
    const client = new TlsClient(clientOptions(p, { random: seededRandom(chunk) }));
    const server = new TlsServer(serverOptions(p));
    const log = pump(client, server, Date.now(), chunk);
    assert.ok(client.handshakeComplete && server.handshakeComplete);
    assertKeysAgree(log, [2, 3]);
  }
});

Deno.test("handshake: HelloRetryRequest when the server rejects the client's key share", () => {
  const p = pki();
  const client = new TlsClient(clientOptions(p, { keyShareGroups: [NamedGroup.x25519] }));
  const server = new TlsServer(
    serverOptions(p, { groups: [NamedGroup.secp384r1] }),
  );
  const log = pump(client, server, Date.now());
  assert.ok(client.handshakeComplete && server.handshakeComplete);
  assert.equal(client.group, NamedGroup.secp384r1);
  const first = log.serverEvents[0];
  assert.ok(first.type === "handshakeData");
  assert.equal(hex(first.data.subarray(6, 38)), hex(HRR_RANDOM)); // a HelloRetryRequest
  // Two ClientHellos at the Initial level.
  assert.equal(
    log.clientEvents.filter((e) => e.type === "handshakeData" && e.level === 0).length,
    2,
  );
  assertKeysAgree(log, [2, 3]);
});

Deno.test("handshake: HelloRetryRequest with a cookie, echoed by the client", () => {
  const p = pki();
  const client = new TlsClient(clientOptions(p));
  const server = new TlsServer(serverOptions(p, { helloRetryCookie: true }));
  const log = pump(client, server, Date.now());
  assert.ok(client.handshakeComplete && server.handshakeComplete);
  assert.equal(client.group, NamedGroup.x25519);
  const ch2 = log.clientEvents.filter((e) => e.type === "handshakeData" && e.level === 0)[1];
  assert.ok(ch2 && ch2.type === "handshakeData");
  assert.ok(hex(ch2.data).includes("002c0022" + "0020"), "ClientHello2 carries the cookie");
  assertKeysAgree(log, [2, 3]);
});

Deno.test("handshake: the X25519MLKEM768 hybrid is chosen when offered (Chromium's default)", () => {
  const p = pki();
  const client = new TlsClient(
    clientOptions(p, { keyShareGroups: [NamedGroup.X25519MLKEM768, NamedGroup.x25519] }),
  );
  const server = new TlsServer(serverOptions(p, { groups: [NamedGroup.X25519MLKEM768] }));
  const log = pump(client, server, Date.now());
  assert.equal(server.group, NamedGroup.X25519MLKEM768);
  const ch = log.clientEvents[0];
  assert.ok(ch.type === "handshakeData" && ch.data.length > 1216 + 32);
  assertKeysAgree(log, [2, 3]);
});

Deno.test("handshake: mutual TLS, required and optional client certificates", () => {
  const p = pki("ecdsa-p256");
  const clientPki = pki("ed25519");
  const client = new TlsClient(
    clientOptions(p, {
      certificateChain: [clientPki.leaf.certDer],
      privateKey: clientPki.leaf.key,
    }),
  );
  const server = new TlsServer(
    serverOptions(p, { requireClientCertificate: true, clientCaCerts: [clientPki.ca.certDer] }),
  );
  const log = pump(client, server, Date.now());
  assert.ok(client.handshakeComplete && server.handshakeComplete);
  assert.equal(hex(server.peerCertificates[0]), hex(clientPki.leaf.certDer));
  assertKeysAgree(log, [2, 3]);

  // Requested but not required: a client without a certificate still connects.
  const c2 = new TlsClient(clientOptions(p));
  const s2 = new TlsServer(serverOptions(p, { requestClientCertificate: true }));
  pump(c2, s2, Date.now());
  assert.ok(c2.handshakeComplete && s2.handshakeComplete);
  assert.equal(s2.peerCertificates.length, 0);
});

Deno.test("handshake: key log lines from both sides agree (NSS format)", () => {
  const p = pki();
  const cl: string[] = [], sl: string[] = [];
  const client = new TlsClient(clientOptions(p, { keyLog: (l) => cl.push(l) }));
  const server = new TlsServer(serverOptions(p, { keyLog: (l) => sl.push(l) }));
  pump(client, server, Date.now());
  assert.equal(cl.length, 5);
  assert.deepEqual([...cl].sort(), [...sl].sort());
  for (const l of cl) assert.match(l, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64}$/);
});
