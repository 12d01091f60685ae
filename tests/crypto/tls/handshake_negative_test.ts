// The negative matrix: each failure yields a typed error with the right
// alert (and CRYPTO_ERROR 0x100 + alert for QUIC).
import assert from "node:assert/strict";
import { createCertificate } from "../../../crypto/cert_builder.ts";
import { AlertDescription, TlsAlertError } from "../../../crypto/tls/alert.ts";
import { TlsClient } from "../../../crypto/tls/client.ts";
import { TlsServer } from "../../../crypto/tls/server.ts";
import { ExtensionType } from "../../../crypto/tls/extensions.ts";
import { HandshakeType } from "../../../crypto/tls/messages.ts";
import { QuicError } from "../../../quic/proto/errors.ts";
import {
  EncryptionLevel,
  type TlsClientOptions,
  type TlsServerOptions,
} from "../../../crypto/tls/types.ts";
import { clientOptions, type Pki, pki, pump, serverOptions } from "./handshake_harness.ts";

const NOW = Date.now();
const DAY = 86_400_000;

function expectAlert(fn: () => unknown, alert: number, what: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TlsAlertError, `${what}: ${e}`);
    assert.equal(e.alert, alert, `${what}: ${e.message}`);
    assert.equal(e.toQuicError().code, 0x100 + alert);
    return;
  }
  assert.fail(`${what}: no error`);
}

function run(
  p: Pki,
  c: Partial<TlsClientOptions> = {},
  s: Partial<TlsServerOptions> = {},
  serverPki: Pki = p,
): void {
  pump(new TlsClient(clientOptions(p, c)), new TlsServer(serverOptions(serverPki, s)), NOW);
}

/** Server whose flight is rewritten by `tamper` before it reaches the client. */
function runTampered(p: Pki, tamper: (flight: Uint8Array) => void): void {
  const client = new TlsClient(clientOptions(p));
  const server = new TlsServer(serverOptions(p));
  client.start(NOW);
  const ch = client.pollEvent();
  assert.ok(ch?.type === "handshakeData");
  server.receive(ch.level, ch.data, NOW);
  for (let e; (e = server.pollEvent());) {
    if (e.type !== "handshakeData") continue;
    if (e.level === EncryptionLevel.Handshake) tamper(e.data);
    client.receive(e.level, e.data, NOW);
  }
}

/** Offset of the first message of `type` in a flight. */
function findMessage(flight: Uint8Array, type: number): number {
  for (let o = 0; o + 4 <= flight.length;) {
    if (flight[o] === type) return o;
    o += 4 + ((flight[o + 1] << 16) | (flight[o + 2] << 8) | flight[o + 3]);
  }
  throw new Error("message not found");
}

function leafFor(opts: Parameters<typeof createCertificate>[0], ca = pki().ca): Pki {
  return { ca, leaf: createCertificate({ issuer: ca, ...opts }) };
}

Deno.test("negative: certificate problems map to their alerts", () => {
  const p = pki();
  expectAlert(
    () =>
      run(
        p,
        {},
        {},
        leafFor({
          subject: "x",
          sanDns: ["localhost"],
          notBefore: NOW - 10 * DAY,
          notAfter: NOW - DAY,
        }),
      ),
    AlertDescription.certificate_expired,
    "expired",
  );
  expectAlert(
    () =>
      run(
        p,
        {},
        {},
        leafFor({
          subject: "x",
          sanDns: ["localhost"],
          notBefore: NOW + DAY,
          notAfter: NOW + 9 * DAY,
        }),
      ),
    AlertDescription.certificate_expired,
    "not yet valid",
  );
  expectAlert(
    () => run(p, { serverName: "example.com" }),
    AlertDescription.bad_certificate,
    "wrong host",
  );
  const otherCa = createCertificate({ subject: "other CA", isCA: true });
  expectAlert(
    () => run(p, { caCerts: [otherCa.certDer] }),
    AlertDescription.unknown_ca,
    "unknown CA",
  );
  // An intermediate without the CA flag cannot issue.
  const notCa = createCertificate({ subject: "not a CA", issuer: p.ca, isCA: false });
  const leaf = createCertificate({ subject: "leaf", issuer: notCa, sanDns: ["localhost"] });
  expectAlert(
    () =>
      pump(
        new TlsClient(clientOptions(p)),
        new TlsServer(
          serverOptions(p, {
            certificateChain: [leaf.certDer, notCa.certDer],
            privateKey: leaf.key,
          }),
        ),
        NOW,
      ),
    AlertDescription.bad_certificate,
    "intermediate without CA flag",
  );
});

Deno.test("negative: bad CertificateVerify signature → decrypt_error", () => {
  const p = pki();
  expectAlert(
    () =>
      runTampered(p, (f) => {
        const o = findMessage(f, HandshakeType.certificate_verify);
        f[o + 12] ^= 0x40; // inside the signature
      }),
    AlertDescription.decrypt_error,
    "bad CertificateVerify",
  );
  // A key that does not match the certificate gives the same alert.
  const other = pki("ed25519");
  expectAlert(
    () => run(p, {}, { privateKey: other.leaf.key }),
    AlertDescription.decrypt_error,
    "mismatched key",
  );
});

Deno.test("negative: bad Finished (either side) → decrypt_error, and the endpoint stays failed", () => {
  const p = pki();
  expectAlert(
    () => runTampered(p, (f) => (f[f.length - 1] ^= 1)),
    AlertDescription.decrypt_error,
    "bad Finished",
  );
  // Server side: a client Finished with a flipped bit.
  const client = new TlsClient(clientOptions(p));
  const server = new TlsServer(serverOptions(p));
  client.start(NOW);
  const ch = client.pollEvent()!;
  assert.ok(ch.type === "handshakeData");
  server.receive(ch.level, ch.data, NOW);
  for (let e; (e = server.pollEvent());) {
    if (e.type === "handshakeData") client.receive(e.level, e.data, NOW);
  }
  for (let e; (e = client.pollEvent());) {
    if (e.type === "handshakeData" && e.level === EncryptionLevel.Handshake) {
      const fin = e.data.slice();
      fin[10] ^= 1;
      expectAlert(
        () => server.receive(e.level, fin, NOW),
        AlertDescription.decrypt_error,
        "client Finished",
      );
      // The endpoint stays failed.
      expectAlert(
        () => server.receive(e.level, e.data, NOW),
        AlertDescription.decrypt_error,
        "latched",
      );
    }
  }
});

Deno.test("negative: ALPN and transport parameters", () => {
  const p = pki();
  expectAlert(
    () => run(p, { alpnProtocols: ["hq-interop"] }),
    AlertDescription.no_application_protocol,
    "unsupported ALPN",
  );
  expectAlert(
    () => run(p, { alpnProtocols: [] }),
    AlertDescription.no_application_protocol,
    "no ALPN in QUIC",
  );
  const strip = (t: number) => (exts: { type: number; data: Uint8Array }[]) =>
    exts.filter((e) => e.type !== t);
  expectAlert(
    () =>
      run(p, { customizeClientHelloExtensions: strip(ExtensionType.quic_transport_parameters) }),
    AlertDescription.missing_extension,
    "client omits quic_transport_parameters",
  );
  expectAlert(
    () =>
      run(p, {}, { customizeEncryptedExtensions: strip(ExtensionType.quic_transport_parameters) }),
    AlertDescription.missing_extension,
    "server omits quic_transport_parameters",
  );
  expectAlert(
    () =>
      run(p, {}, {
        customizeEncryptedExtensions: strip(ExtensionType.application_layer_protocol_negotiation),
      }),
    AlertDescription.no_application_protocol,
    "server omits ALPN",
  );
  expectAlert(
    () =>
      run(p, {}, {
        customizeEncryptedExtensions: (e) => [...e, { type: 0x1234, data: new Uint8Array(0) }],
      }),
    AlertDescription.unsupported_extension,
    "unsolicited extension",
  );
  expectAlert(
    () =>
      run(p, {}, {
        customizeEncryptedExtensions: (
          e,
        ) => [...e, { type: ExtensionType.key_share, data: new Uint8Array(0) }],
      }),
    AlertDescription.illegal_parameter,
    "key_share in EncryptedExtensions",
  );
});

Deno.test("negative: negotiation failures", () => {
  const p = pki();
  expectAlert(
    () => run(p, { cipherSuites: [0x1301] }, { cipherSuites: [0x1302] }),
    AlertDescription.handshake_failure,
    "no common suite",
  );
  expectAlert(
    () => run(p, { groups: [0x001d] }, { groups: [0x0017] }),
    AlertDescription.handshake_failure,
    "no common group",
  );
  expectAlert(
    () => run(p, {}, { requireClientCertificate: true }),
    AlertDescription.certificate_required,
    "client certificate required",
  );
  expectAlert(
    () =>
      run(p, {
        customizeClientHelloExtensions: (e) =>
          e.filter((x) => x.type !== ExtensionType.supported_versions),
      }),
    AlertDescription.protocol_version,
    "no supported_versions",
  );
  expectAlert(
    () =>
      run(p, {
        customizeClientHelloExtensions: (e) =>
          e.filter((x) => x.type !== ExtensionType.signature_algorithms),
      }),
    AlertDescription.missing_extension,
    "no signature_algorithms",
  );
  expectAlert(
    () =>
      run(p, {
        customizeClientHelloExtensions: (e) => [...e, { type: 0x0000, data: new Uint8Array(0) }],
      }),
    AlertDescription.illegal_parameter,
    "duplicate extension",
  );
});

Deno.test("negative: unexpected messages and levels", () => {
  const p = pki();
  const mk = () => {
    const client = new TlsClient(clientOptions(p));
    const server = new TlsServer(serverOptions(p));
    client.start(NOW);
    const ch = client.pollEvent()!;
    assert.ok(ch.type === "handshakeData");
    return { client, server, ch: ch.data };
  };
  let { client, server, ch } = mk();
  expectAlert(
    () => server.receive(EncryptionLevel.Handshake, ch, NOW),
    AlertDescription.unexpected_message,
    "CH at Handshake",
  );
  ({ client, server, ch } = mk());
  expectAlert(
    () => server.receive(EncryptionLevel.ZeroRtt, ch, NOW),
    AlertDescription.unexpected_message,
    "0-RTT level",
  );
  expectAlert(
    () => client.receive(EncryptionLevel.Initial, ch, NOW),
    AlertDescription.unexpected_message,
    "CH to client",
  );
  ({ client, server, ch } = mk());
  expectAlert(
    () => server.receive(EncryptionLevel.Initial, Uint8Array.of(1, 0x02, 0, 0), NOW),
    AlertDescription.illegal_parameter,
    "oversized message",
  );
  // KeyUpdate after the handshake (RFC 9001 §6).
  ({ client, server } = mk());
  const c2 = new TlsClient(clientOptions(p));
  const s2 = new TlsServer(serverOptions(p));
  pump(c2, s2, NOW);
  expectAlert(
    () => c2.receive(EncryptionLevel.OneRtt, Uint8Array.of(24, 0, 0, 1, 0), NOW),
    AlertDescription.unexpected_message,
    "KeyUpdate",
  );
  expectAlert(
    () => s2.receive(EncryptionLevel.OneRtt, Uint8Array.of(24, 0, 0, 1, 0), NOW),
    AlertDescription.unexpected_message,
    "KeyUpdate to server",
  );
  void client;
  void server;
});

Deno.test("negative: QUIC-only rules raise PROTOCOL_VIOLATION (RFC 9001 §8.3, §8.4, §4.6.1)", () => {
  const p = pki();
  // A ClientHello with a legacy_session_id.
  const client = new TlsClient(clientOptions(p));
  client.start(NOW);
  const ch = client.pollEvent()!;
  assert.ok(ch.type === "handshakeData");
  const body = ch.data;
  const withSid = new Uint8Array(body.length + 1);
  withSid.set(body.subarray(0, 38));
  withSid[38] = 1;
  withSid[39] = 0xaa;
  withSid.set(body.subarray(39), 40);
  const len = withSid.length - 4;
  withSid[1] = len >> 16;
  withSid[2] = (len >> 8) & 0xff;
  withSid[3] = len & 0xff;
  const server = new TlsServer(serverOptions(p));
  assert.throws(
    () => server.receive(EncryptionLevel.Initial, withSid, NOW),
    (e) => e instanceof QuicError && e.code === 0x0a,
  );
  // EndOfEarlyData does not exist in QUIC.
  const c2 = new TlsClient(clientOptions(p));
  const s2 = new TlsServer(serverOptions(p));
  c2.start(NOW);
  const ch2 = c2.pollEvent()!;
  assert.ok(ch2.type === "handshakeData");
  s2.receive(ch2.level, ch2.data, NOW);
  assert.throws(
    () => s2.receive(EncryptionLevel.Handshake, Uint8Array.of(5, 0, 0, 0), NOW),
    (e) => e instanceof QuicError && e.code === 0x0a,
  );
  // A NewSessionTicket with max_early_data_size other than 0xffffffff.
  const c3 = new TlsClient(clientOptions(p));
  pump(c3, new TlsServer(serverOptions(p)), NOW);
  const nst = Uint8Array.of(
    4,
    0,
    0,
    21,
    0,
    0,
    0,
    60,
    0,
    0,
    0,
    1,
    1,
    0,
    0,
    1,
    7,
    0,
    8,
    0,
    42,
    0,
    4,
    0,
    0,
    0x40,
    0,
  );
  nst[3] = nst.length - 4;
  assert.throws(
    () => c3.receive(EncryptionLevel.OneRtt, nst, NOW),
    (e) => e instanceof QuicError && e.code === 0x0a,
  );
});
