// Resumption and 0-RTT: tickets sealed with rotating keys, PSK with psk_dhe_ke,
// 0-RTT accepted, rejected (server policy, ALPN change, HRR) and refused on
// replay, remembered ALPN and transport parameters.
import assert from "node:assert/strict";
import { TlsClient } from "../../../crypto/tls/client.ts";
import { TlsServer } from "../../../crypto/tls/server.ts";
import { AntiReplayGuard, TicketKeyRing } from "../../../crypto/tls/session_ticket.ts";
import { EncryptionLevel, NamedGroup, type SessionTicket } from "../../../crypto/tls/types.ts";
import {
  clientOptions,
  hex,
  pki,
  pump,
  secrets,
  seededRandom,
  serverOptions,
  TP_SERVER,
} from "./handshake_harness.ts";

const T0 = Date.now();

function setup(early = true) {
  const p = pki();
  const ticketKeys = new TicketKeyRing({ random: seededRandom(77), rotationInterval: 60_000 });
  const antiReplay = new AntiReplayGuard({ maxEntries: 100 });
  const server = (extra = {}) =>
    new TlsServer(
      serverOptions(p, { ticketKeys, antiReplay, enableEarlyData: early, ...extra }),
    );
  return { p, ticketKeys, antiReplay, server };
}

function firstTicket(env: ReturnType<typeof setup>, now = T0): SessionTicket {
  const c = new TlsClient(clientOptions(env.p));
  const log = pump(c, env.server(), now);
  assert.equal(log.tickets.length, 1);
  return log.tickets[0];
}

Deno.test("resumption: the ticket remembers ALPN, transport parameters and 0-RTT allowance", () => {
  const env = setup();
  const t = firstTicket(env);
  assert.equal(t.alpnProtocol, "h3");
  assert.deepEqual(t.transportParameters, TP_SERVER);
  assert.equal(t.maxEarlyData, 0xffffffff); // RFC 9001 §4.6.1
  assert.equal(t.cipherSuite, 0x1301);
  assert.equal(t.serverName, "localhost");
  assert.equal(t.receivedAt, T0);
});

Deno.test("resumption: PSK with psk_dhe_ke skips certificates and still agrees on keys", () => {
  const env = setup(false);
  const t = firstTicket(env);
  const c = new TlsClient(clientOptions(env.p, { session: t, random: seededRandom(9) }));
  const s = env.server();
  const log = pump(c, s, T0 + 5_000);
  assert.ok(c.resumed && s.resumed);
  assert.equal(c.peerCertificates.length, 0);
  assert.equal(c.earlyDataAccepted, false);
  assert.equal(c.group, NamedGroup.x25519); // (EC)DHE still ran
  const cs = secrets(log.clientEvents), ss = secrets(log.serverEvents);
  assert.equal(hex(cs.get("3/write")!), hex(ss.get("3/read")!));
  // A resumed connection gets a fresh ticket too.
  assert.equal(log.tickets.length, 1);
  assert.notEqual(hex(log.tickets[0].ticket), hex(t.ticket));
});

Deno.test("0-RTT: accepted once, keys agree, replay of the same ticket is refused", () => {
  const env = setup();
  const t = firstTicket(env);
  const c = new TlsClient(
    clientOptions(env.p, { session: t, enableEarlyData: true, random: seededRandom(10) }),
  );
  const s = env.server();
  const log = pump(c, s, T0 + 2_000);
  assert.ok(c.earlyDataAccepted && s.earlyDataAccepted);
  assert.ok(log.clientEvents.some((e) => e.type === "earlyDataAccepted"));
  assert.ok(log.serverEvents.some((e) => e.type === "earlyDataAccepted"));
  const cs = secrets(log.clientEvents), ss = secrets(log.serverEvents);
  assert.equal(
    hex(cs.get(`${EncryptionLevel.ZeroRtt}/write`)!),
    hex(ss.get(`${EncryptionLevel.ZeroRtt}/read`)!),
  );
  // The 0-RTT keys come right after the ClientHello.
  assert.deepEqual(log.clientEvents.slice(0, 2).map((e) => e.type), ["handshakeData", "secrets"]);

  // Replay: the same ticket again resumes but 0-RTT is refused by the guard.
  const c2 = new TlsClient(
    clientOptions(env.p, { session: t, enableEarlyData: true, random: seededRandom(11) }),
  );
  const s2 = env.server();
  const log2 = pump(c2, s2, T0 + 3_000);
  assert.ok(c2.resumed && !c2.earlyDataAccepted && !s2.earlyDataAccepted);
  assert.ok(log2.clientEvents.some((e) => e.type === "earlyDataRejected"));
  assert.ok(log2.serverEvents.some((e) => e.type === "earlyDataRejected"));
  assert.equal(env.antiReplay.size, 1);
});

Deno.test("0-RTT: rejected when the server disables it, ALPN changes, or after HRR", () => {
  const env = setup();
  const t = firstTicket(env);
  const cases: [string, () => TlsServer, Partial<Parameters<typeof clientOptions>[1]>][] = [
    ["server disabled", () => env.server({ enableEarlyData: false }), {}],
    ["ALPN changed", () => env.server({ alpnProtocols: ["h3-29", "h3"] }), {
      alpnProtocols: ["h3-29", "h3"],
    }],
    ["HelloRetryRequest", () => env.server({ groups: [NamedGroup.secp256r1] }), {}],
  ];
  let i = 20;
  for (const [what, mk, extra] of cases) {
    const c = new TlsClient(
      clientOptions(env.p, {
        session: { ...t, alpnProtocol: "h3" },
        enableEarlyData: true,
        random: seededRandom(i++),
        ...extra,
      }),
    );
    const s = mk();
    const log = pump(c, s, T0 + 1_000);
    assert.ok(c.handshakeComplete && s.handshakeComplete, what);
    assert.equal(c.earlyDataAccepted, false, what);
    assert.ok(log.clientEvents.some((e) => e.type === "earlyDataRejected"), what);
  }
});

Deno.test("0-RTT: the ticket age must match (RFC 8446 §8.3)", () => {
  const env = setup();
  const t = firstTicket(env);
  // The client thinks the ticket is 30 s older than the server does.
  const c = new TlsClient(
    clientOptions(env.p, {
      session: { ...t, receivedAt: t.receivedAt - 30_000 },
      enableEarlyData: true,
    }),
  );
  const s = env.server();
  pump(c, s, T0 + 1_000);
  assert.ok(s.resumed && !s.earlyDataAccepted);
});

Deno.test("tickets: rotated keys still open recent tickets; expired ones fall back to full", () => {
  const env = setup(false);
  const t = firstTicket(env, T0);
  // A key rotation later, the ticket (sealed under the old key) still resumes.
  firstTicket(env, T0 + 61_000);
  assert.equal(env.ticketKeys.size, 2);
  const c = new TlsClient(clientOptions(env.p, { session: t }));
  const s = env.server();
  pump(c, s, T0 + 62_000);
  assert.ok(s.resumed);
  // Past its lifetime the ticket is ignored and the handshake is a full one.
  const late = T0 + 86_400_000 + 1;
  const c2 = new TlsClient(clientOptions(env.p, { session: { ...t, lifetime: 1e9 } }));
  const s2 = env.server();
  pump(c2, s2, late);
  assert.ok(c2.handshakeComplete && !s2.resumed && c2.peerCertificates.length === 1);
  // A forged ticket is not an error either: a full handshake.
  const forged = t.ticket.slice();
  forged[forged.length - 1] ^= 1;
  const c3 = new TlsClient(clientOptions(env.p, { session: { ...t, ticket: forged } }));
  const s3 = env.server();
  pump(c3, s3, T0 + 1_000);
  assert.ok(c3.handshakeComplete && !s3.resumed);
});

Deno.test("tickets: a wrong binder is decrypt_error", () => {
  const env = setup(false);
  const t = firstTicket(env);
  const psk = t.psk.slice();
  psk[0] ^= 1;
  const c = new TlsClient(clientOptions(env.p, { session: { ...t, psk } }));
  assert.throws(
    () => pump(c, env.server(), T0 + 1_000),
    (e: Error & { alert?: number }) => e.alert === 51,
  );
});

Deno.test("anti-replay guard stays bounded and forgets expired entries", () => {
  const g = new AntiReplayGuard({ maxEntries: 3 });
  for (let i = 0; i < 3; i++) assert.ok(g.checkAndRecord(Uint8Array.of(i), 100, 0));
  assert.equal(g.checkAndRecord(Uint8Array.of(9), 100, 1), false); // full: refuse
  assert.equal(g.checkAndRecord(Uint8Array.of(0), 100, 2), false); // replay
  assert.ok(g.checkAndRecord(Uint8Array.of(9), 300, 200)); // expired entries swept
  assert.equal(g.size, 1);
});
