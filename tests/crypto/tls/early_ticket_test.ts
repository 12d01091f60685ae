// RFC 8446 §4.6.1 (Note): a QUIC server that does not authenticate the client
// sends its NewSessionTicket right after its Finished (0.5-RTT), computed from
// the client Finished it expects; the ticket resumes like a late one.
import assert from "node:assert/strict";
import { TlsClient } from "../../../crypto/tls/client.ts";
import { TlsServer } from "../../../crypto/tls/server.ts";
import { AntiReplayGuard, TicketKeyRing } from "../../../crypto/tls/session_ticket.ts";
import { EncryptionLevel, type TlsEvent } from "../../../crypto/tls/types.ts";
import { TlsAlertError } from "../../../crypto/tls/alert.ts";
import { clientOptions, pki, pump, seededRandom, serverOptions } from "./handshake_harness.ts";

const T0 = Date.now();
const p = pki();
const ticketKeys = new TicketKeyRing({ random: seededRandom(5) });
const server = (extra = {}) =>
  new TlsServer(
    serverOptions(p, { quic: true, ticketKeys, antiReplay: new AntiReplayGuard(), ...extra }),
  );

function drain(t: TlsClient | TlsServer): TlsEvent[] {
  const out: TlsEvent[] = [];
  for (let e; (e = t.pollEvent());) out.push(e);
  return out;
}

/** Runs ClientHello → server first flight; returns the server's events and the client. */
function firstFlight(s: TlsServer, extra = {}): { client: TlsClient; events: TlsEvent[] } {
  const client = new TlsClient(clientOptions(p, { quic: true, ...extra }));
  client.start(T0);
  for (const e of drain(client)) if (e.type === "handshakeData") s.receive(e.level, e.data, T0);
  return { client, events: drain(s) };
}

const oneRttData = (events: TlsEvent[]) =>
  events.filter((e) => e.type === "handshakeData" && e.level === EncryptionLevel.OneRtt);

Deno.test("early ticket: sent with the server's first flight and resumes a later handshake", () => {
  const s = server();
  const { client, events } = firstFlight(s);
  assert.equal(oneRttData(events).length, 1); // the NewSessionTicket, before client Finished
  assert.equal(s.handshakeComplete, false);
  for (const e of events) if (e.type === "handshakeData") client.receive(e.level, e.data, T0);
  const clientEvents = drain(client);
  const ticket = clientEvents.find((e) => e.type === "sessionTicket");
  assert.ok(ticket?.type === "sessionTicket");
  for (const e of clientEvents) if (e.type === "handshakeData") s.receive(e.level, e.data, T0);
  assert.equal(s.handshakeComplete, true);
  assert.equal(oneRttData(drain(s)).length, 0); // no second ticket at completion

  const c2 = new TlsClient(clientOptions(p, { quic: true, session: ticket.ticket }));
  const s2 = server();
  pump(c2, s2, T0 + 1000);
  assert.equal(c2.handshakeComplete && s2.handshakeComplete, true);
  assert.equal(s2.resumed, true);
});

Deno.test("early ticket: not when the server asks for a client certificate", () => {
  const s = server({ requestClientCertificate: true, caCerts: [p.ca.certDer] });
  const { events } = firstFlight(s);
  assert.equal(oneRttData(events).length, 0);
});

Deno.test("early ticket: a wrong client Finished is still rejected", () => {
  const s = server();
  const { client, events } = firstFlight(s);
  assert.equal(oneRttData(events).length, 1);
  for (const e of events) if (e.type === "handshakeData") client.receive(e.level, e.data, T0);
  const fin = drain(client).find((e) => e.type === "handshakeData");
  assert.ok(fin?.type === "handshakeData");
  const bad = fin.data.slice();
  bad[bad.length - 1] ^= 1;
  assert.throws(() => s.receive(fin.level, bad, T0), TlsAlertError);
  assert.equal(s.handshakeComplete, false);
});
