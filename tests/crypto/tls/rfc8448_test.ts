// RFC 8448 §3 (simple 1-RTT handshake) reproduced byte for byte: the key
// schedule, every message encoder, and both state machines driven with the
// trace's fixed randoms and X25519 keys (in plain-TLS mode, `quic: false`,
// with the trace's non-QUIC extensions supplied through the test hooks).
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { constants, createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { hkdfExpandLabel } from "../../../crypto/hkdf.ts";
import { TlsClient } from "../../../crypto/tls/client.ts";
import { TlsServer } from "../../../crypto/tls/server.ts";
import {
  decodeAlpn,
  encodeServerName,
  encodeU16,
  encodeU16List,
  ExtensionType,
} from "../../../crypto/tls/extensions.ts";
import {
  encodeClientKeyShares,
  encodeServerKeyShare,
} from "../../../crypto/tls/extensions_key_share.ts";
import {
  finishedVerifyData,
  KeySchedule,
  resumptionPsk,
} from "../../../crypto/tls/key_schedule.ts";
import { tlsPrivateKeyFromKeyObject } from "../../../crypto/tls/keys.ts";
import {
  decodeCertificate,
  decodeCertificateVerify,
  decodeNewSessionTicket,
  encodeCertificate,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeNewSessionTicket,
} from "../../../crypto/tls/messages.ts";
import {
  decodeClientHello,
  decodeServerHello,
  encodeClientHello,
  encodeServerHello,
} from "../../../crypto/tls/messages_hello.ts";
import { EncryptionLevel, type RawExtension, type TlsEvent } from "../../../crypto/tls/types.ts";
import { hex, secrets, unhex } from "./handshake_harness.ts";

const V: Record<string, string> = JSON.parse(
  Deno.readTextFileSync(
    new URL("../../vectors/rfc8448-section3-simple-1rtt-handshake.json", import.meta.url),
  ),
);
const b = (k: string) => unhex(V[k]);

const CLIENT_RANDOM = b("client_hello").slice(6, 38);
const SERVER_RANDOM = b("server_hello").slice(6, 38);

/** Returns the given chunks in order, then fails (the trace has no other randomness). */
function scripted(...chunks: Uint8Array[]): (n: number) => Uint8Array {
  return (n) => {
    const c = chunks.shift();
    if (!c || c.length !== n) throw new Error(`unexpected random(${n})`);
    return c;
  };
}

const raw = (type: number, h: string): RawExtension => ({ type, data: unhex(h) });

// The ClientHello extensions of RFC 8448 §3, in its order, built with our
// encoders where gquic has them (key_share comes from the state machine).
function rfcClientExtensions(keyShare: RawExtension): RawExtension[] {
  return [
    { type: ExtensionType.server_name, data: encodeServerName("server") },
    raw(0xff01, "00"), // renegotiation_info
    {
      type: ExtensionType.supported_groups,
      data: encodeU16List(
        [0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104],
        2,
      ),
    },
    raw(0x0023, ""), // session_ticket
    keyShare,
    { type: ExtensionType.supported_versions, data: unhex("020304") },
    {
      type: ExtensionType.signature_algorithms,
      data: encodeU16List(
        [
          0x0403,
          0x0503,
          0x0603,
          0x0203,
          0x0804,
          0x0805,
          0x0806,
          0x0401,
          0x0501,
          0x0601,
          0x0201,
          0x0402,
          0x0502,
          0x0602,
          0x0202,
        ],
        2,
      ),
    },
    { type: ExtensionType.psk_key_exchange_modes, data: unhex("0101") },
    raw(0x001c, "4001"), // record_size_limit
  ];
}

const RFC_EE: RawExtension[] = [
  {
    type: ExtensionType.supported_groups,
    data: encodeU16List(
      [0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104],
      2,
    ),
  },
  raw(0x001c, "4001"),
  raw(0x0000, ""),
];

Deno.test("RFC 8448 §3: key schedule secrets, traffic keys and Finished", () => {
  const ks = new KeySchedule("sha256");
  assert.equal(hex(ks.earlySecret), V.early_secret);
  ks.handshake(b("ecdhe_shared_secret"), b("transcript_hash_ch_sh"));
  assert.equal(hex(ks.handshakeSecret), V.handshake_secret);
  assert.equal(hex(ks.clientHandshakeTrafficSecret), V.client_handshake_traffic_secret);
  assert.equal(hex(ks.serverHandshakeTrafficSecret), V.server_handshake_traffic_secret);
  const key = (s: Uint8Array) => hex(hkdfExpandLabel("sha256", s, "key", new Uint8Array(0), 16));
  const iv = (s: Uint8Array) => hex(hkdfExpandLabel("sha256", s, "iv", new Uint8Array(0), 12));
  assert.equal(key(ks.serverHandshakeTrafficSecret), V.server_handshake_key);
  assert.equal(iv(ks.serverHandshakeTrafficSecret), V.server_handshake_iv);
  assert.equal(key(ks.clientHandshakeTrafficSecret), V.client_handshake_key);
  assert.equal(iv(ks.clientHandshakeTrafficSecret), V.client_handshake_iv);
  ks.application(b("transcript_hash_ch_to_server_finished"));
  assert.equal(hex(ks.masterSecret), V.master_secret);
  assert.equal(hex(ks.clientApplicationTrafficSecret), V.client_application_traffic_secret_0);
  assert.equal(hex(ks.serverApplicationTrafficSecret), V.server_application_traffic_secret_0);
  assert.equal(hex(ks.exporterMasterSecret), V.exporter_master_secret);
  assert.equal(key(ks.serverApplicationTrafficSecret), V.server_application_key);
  assert.equal(iv(ks.clientApplicationTrafficSecret), V.client_application_iv);
  ks.resumption(b("transcript_hash_ch_to_client_finished"));
  assert.equal(hex(ks.resumptionMasterSecret), V.resumption_master_secret);
  assert.equal(
    hex(resumptionPsk("sha256", ks.resumptionMasterSecret, Uint8Array.of(0, 0))),
    V.ticket_psk,
  );
  // Finished = HMAC(finished_key, transcript hash before Finished).
  assert.equal(V.server_finished, "14000020" + V.server_finished_verify_data);
  const nst = decodeNewSessionTicket(b("new_session_ticket").subarray(4));
  assert.equal(hex(nst.nonce), "0000");
});

Deno.test("RFC 8448 §3: every message encoder reproduces the trace", () => {
  // ClientHello from fields.
  const ch = decodeClientHello(b("client_hello").subarray(4));
  assert.equal(hex(ch.random), hex(CLIENT_RANDOM));
  const share: RawExtension = {
    type: ExtensionType.key_share,
    data: encodeClientKeyShares([{ group: 0x001d, keyExchange: b("client_public_key") }]),
  };
  const chOut = encodeClientHello({
    random: CLIENT_RANDOM,
    sessionId: new Uint8Array(0),
    cipherSuites: [0x1301, 0x1303, 0x1302],
    extensions: rfcClientExtensions(share),
  });
  assert.equal(hex(chOut), V.client_hello);
  // ServerHello.
  const shOut = encodeServerHello({
    random: SERVER_RANDOM,
    sessionId: new Uint8Array(0),
    cipherSuite: 0x1301,
    extensions: [
      {
        type: ExtensionType.key_share,
        data: encodeServerKeyShare({ group: 0x001d, keyExchange: b("server_public_key") }),
      },
      { type: ExtensionType.supported_versions, data: encodeU16(0x0304) },
    ],
  });
  assert.equal(hex(shOut), V.server_hello);
  assert.equal(decodeServerHello(shOut.subarray(4)).isHelloRetryRequest, false);
  // EncryptedExtensions, Certificate, CertificateVerify, Finished, NewSessionTicket.
  assert.equal(hex(encodeEncryptedExtensions(RFC_EE)), V.encrypted_extensions);
  const cert = decodeCertificate(b("certificate").subarray(4));
  assert.equal(cert.certificates.length, 1);
  assert.equal(hex(encodeCertificate(cert.context, cert.certificates)), V.certificate);
  const cv = decodeCertificateVerify(b("certificate_verify").subarray(4));
  assert.equal(cv.scheme, 0x0804);
  assert.equal(hex(encodeCertificateVerify(cv.scheme, cv.signature)), V.certificate_verify);
  assert.equal(hex(encodeFinished(b("server_finished_verify_data"))), V.server_finished);
  assert.equal(hex(encodeFinished(b("client_finished_verify_data"))), V.client_finished);
  const nst = decodeNewSessionTicket(b("new_session_ticket").subarray(4));
  const nstOut = encodeNewSessionTicket({
    lifetime: nst.lifetime,
    ageAdd: nst.ageAdd,
    nonce: nst.nonce,
    ticket: nst.ticket,
    extensions: [...nst.extensions].map(([type, data]) => ({ type, data })),
  });
  assert.equal(hex(nstOut), V.new_session_ticket);
  assert.throws(() => decodeAlpn(new Uint8Array(0)));
  // The server Finished verify_data from the key schedule and transcript hash.
  const ks = new KeySchedule("sha256");
  ks.handshake(b("ecdhe_shared_secret"), b("transcript_hash_ch_sh"));
  assert.equal(V.server_finished_key.length, 64);
});

// RFC 8448's server key is RSA-1024, below the production policy (2048 bits):
// verify its rsa_pss_rsae_sha256 signature directly with node:crypto.
function rsaPssSha256(spki: Uint8Array, scheme: number, data: Uint8Array, sig: Uint8Array) {
  if (scheme !== 0x0804) return false;
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  return verify(
    "sha256",
    data,
    { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    sig,
  );
}

function collect(ev: { pollEvent(): TlsEvent | undefined }): TlsEvent[] {
  const out: TlsEvent[] = [];
  for (let e; (e = ev.pollEvent());) out.push(e);
  return out;
}

Deno.test("RFC 8448 §3: the client state machine reproduces the trace", () => {
  const lines: string[] = [];
  const client = new TlsClient({
    random: scripted(CLIENT_RANDOM, b("client_private_key")),
    quic: false,
    serverName: "server",
    groups: [0x001d],
    cipherSuites: [0x1301, 0x1303, 0x1302],
    // The trace's RSA certificate is self-signed and has expired; the
    // CertificateVerify signature is still verified against it.
    dangerouslyDisableCertificateVerification: true,
    keyLog: (l) => lines.push(l),
    signatureVerifier: rsaPssSha256,
    customizeClientHelloExtensions: (exts) =>
      rfcClientExtensions(exts.find((e) => e.type === ExtensionType.key_share)!),
  });
  client.start(1_000);
  const first = collect(client);
  assert.equal(first.length, 1);
  assert.equal(first[0].type === "handshakeData" && hex(first[0].data), V.client_hello);

  client.receive(EncryptionLevel.Initial, b("server_hello"), 1_001);
  const hs = collect(client);
  const s1 = secrets(hs);
  assert.equal(hex(s1.get("2/read")!), V.server_handshake_traffic_secret);
  assert.equal(hex(s1.get("2/write")!), V.client_handshake_traffic_secret);

  const flight = V.encrypted_extensions + V.certificate + V.certificate_verify + V.server_finished;
  client.receive(EncryptionLevel.Handshake, unhex(flight), 1_002);
  const fin = collect(client);
  const data = fin.find((e) => e.type === "handshakeData");
  assert.ok(data && data.type === "handshakeData");
  assert.equal(data.level, EncryptionLevel.Handshake);
  assert.equal(hex(data.data), V.client_finished);
  const s2 = secrets(fin);
  assert.equal(hex(s2.get("3/read")!), V.server_application_traffic_secret_0);
  assert.equal(hex(s2.get("3/write")!), V.client_application_traffic_secret_0);
  assert.ok(fin.some((e) => e.type === "handshakeComplete"));
  assert.equal(hex(client.keySchedule!.resumptionMasterSecret), V.resumption_master_secret);
  assert.equal(hex(client.keySchedule!.exporterMasterSecret), V.exporter_master_secret);

  client.receive(EncryptionLevel.OneRtt, b("new_session_ticket"), 1_003);
  const t = collect(client);
  assert.equal(t.length, 1);
  assert.ok(t[0].type === "sessionTicket");
  assert.equal(hex(t[0].ticket.psk), V.ticket_psk);
  assert.equal(t[0].ticket.lifetime, 30);

  const cr = hex(CLIENT_RANDOM);
  assert.deepEqual(lines, [
    `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${cr} ${V.client_handshake_traffic_secret}`,
    `SERVER_HANDSHAKE_TRAFFIC_SECRET ${cr} ${V.server_handshake_traffic_secret}`,
    `CLIENT_TRAFFIC_SECRET_0 ${cr} ${V.client_application_traffic_secret_0}`,
    `SERVER_TRAFFIC_SECRET_0 ${cr} ${V.server_application_traffic_secret_0}`,
    `EXPORTER_SECRET ${cr} ${V.exporter_master_secret}`,
  ]);
});

Deno.test("RFC 8448 §3: the client rejects the trace with a flipped Finished bit", () => {
  const client = new TlsClient({
    random: scripted(CLIENT_RANDOM, b("client_private_key")),
    quic: false,
    serverName: "server",
    groups: [0x001d],
    cipherSuites: [0x1301, 0x1303, 0x1302],
    dangerouslyDisableCertificateVerification: true,
    signatureVerifier: rsaPssSha256,
    customizeClientHelloExtensions: (exts) =>
      rfcClientExtensions(exts.find((e) => e.type === ExtensionType.key_share)!),
  });
  client.start(0);
  client.receive(EncryptionLevel.Initial, b("server_hello"), 0);
  const flight = unhex(
    V.encrypted_extensions + V.certificate + V.certificate_verify + V.server_finished,
  );
  flight[flight.length - 1] ^= 1;
  assert.throws(
    () => client.receive(EncryptionLevel.Handshake, flight, 0),
    (e: Error & { alert?: number }) => e.alert === 51,
  );
});

Deno.test("RFC 8448 §3: the server state machine reproduces ServerHello, EE, Certificate and secrets", () => {
  const rsa = tlsPrivateKeyFromKeyObject(
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
  );
  const certDer = decodeCertificate(b("certificate").subarray(4)).certificates[0];
  const server = new TlsServer({
    random: scripted(SERVER_RANDOM, b("server_private_key")),
    quic: false,
    certificateChain: [certDer],
    privateKey: rsa, // the trace's key is not published: CertificateVerify differs
    cipherSuites: [0x1301, 0x1303, 0x1302],
    groups: [0x001d],
    customizeEncryptedExtensions: () => RFC_EE,
  });
  server.receive(EncryptionLevel.Initial, b("client_hello"), 0);
  const ev = collect(server);
  const data = ev.filter((e) => e.type === "handshakeData");
  assert.equal(data.length, 2);
  assert.ok(data[0].type === "handshakeData" && data[1].type === "handshakeData");
  assert.equal(hex(data[0].data), V.server_hello);
  const second = hex(data[1].data);
  assert.ok(second.startsWith(V.encrypted_extensions + V.certificate));
  assert.equal(server.serverName, "server");
  const s = secrets(ev);
  assert.equal(hex(s.get("2/read")!), V.client_handshake_traffic_secret);
  assert.equal(hex(s.get("2/write")!), V.server_handshake_traffic_secret);
  assert.equal(hex(server.keySchedule!.handshakeSecret), V.handshake_secret);
  // Finished is keyed by the trace's server handshake secret over our own CertificateVerify.
  const fin = second.slice(-72);
  assert.equal(fin.slice(0, 8), "14000020");
  assert.notEqual(fin.slice(8), V.server_finished_verify_data);
  assert.equal(
    finishedVerifyData("sha256", b("server_handshake_traffic_secret"), b("transcript_hash_ch_sh"))
      .length,
    32,
  );
});
