// TLS 1.3 handshake cost, client and server in memory (QUIC mode, X25519,
// TLS_AES_128_GCM_SHA256), for ECDSA P-256, Ed25519 and RSA-2048 server
// certificates and for PSK resumption, against the X25519 exchange alone as
// the baseline in the same run. The "server only" group measures what limits
// a server: a fresh TlsServer taking a recorded ClientHello through to its
// whole first flight (ServerHello … Finished); checking the client's Finished
// afterwards is two HMACs more.
//
//   deno bench -A bench/handshake_bench.ts
import { createCertificate } from "../crypto/cert_builder.ts";
import type { KeyType } from "../crypto/tls/keys.ts";
import { TlsClient } from "../crypto/tls/client.ts";
import { TlsServer } from "../crypto/tls/server.ts";
import { ClientKeyShare, serverKeyExchange } from "../crypto/tls/key_share.ts";
import { AntiReplayGuard, TicketKeyRing } from "../crypto/tls/session_ticket.ts";
import type { SessionTicket, TlsEvent } from "../crypto/tls/types.ts";

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const ca = createCertificate({ subject: "bench CA", isCA: true });
const tp = new Uint8Array(16);
const KEY_TYPES: [KeyType, string][] = [
  ["ecdsa-p256", "ECDSA P-256"],
  ["ed25519", "Ed25519"],
  ["rsa", "RSA-2048"],
];
const leaves = new Map<KeyType, ReturnType<typeof createCertificate>>();
for (const [t] of KEY_TYPES) {
  leaves.set(
    t,
    createCertificate({ subject: "localhost", issuer: ca, keyType: t, sanDns: ["localhost"] }),
  );
}

function newClient(session?: SessionTicket): TlsClient {
  return new TlsClient({
    random,
    serverName: "localhost",
    alpnProtocols: ["h3"],
    transportParameters: tp,
    caCerts: [ca.certDer],
    session,
  });
}

function newServer(keyType: KeyType, ticketKeys?: TicketKeyRing): TlsServer {
  const leaf = leaves.get(keyType)!;
  return new TlsServer({
    random,
    certificateChain: [leaf.certDer],
    privateKey: leaf.key,
    alpnProtocols: ["h3"],
    transportParameters: tp,
    ticketKeys,
    antiReplay: new AntiReplayGuard(),
  });
}

function handshake(
  keyType: KeyType,
  extra: { session?: SessionTicket; ticketKeys?: TicketKeyRing } = {},
): SessionTicket | undefined {
  const client = newClient(extra.session);
  const server = newServer(keyType, extra.ticketKeys);
  const now = Date.now();
  client.start(now);
  let ticket: SessionTicket | undefined;
  for (let i = 0; i < 10; i++) {
    let moved = false;
    for (let e: TlsEvent | undefined; (e = client.pollEvent());) {
      moved = true;
      if (e.type === "handshakeData") server.receive(e.level, e.data, now);
      if (e.type === "sessionTicket") ticket = e.ticket;
    }
    for (let e: TlsEvent | undefined; (e = server.pollEvent());) {
      moved = true;
      if (e.type === "handshakeData") client.receive(e.level, e.data, now);
    }
    if (!moved) break;
  }
  if (!client.handshakeComplete || !server.handshakeComplete) throw new Error("no handshake");
  return ticket;
}

/** The client's first flight, recorded once. */
function recordClientHello(session?: SessionTicket): Uint8Array {
  const c = newClient(session);
  c.start(Date.now());
  const e = c.pollEvent();
  if (e?.type !== "handshakeData") throw new Error("no ClientHello");
  return e.data;
}

function serverFirstFlight(
  keyType: KeyType,
  clientHello: Uint8Array,
  ticketKeys?: TicketKeyRing,
): void {
  const server = newServer(keyType, ticketKeys);
  server.receive(0, clientHello, Date.now());
  let flights = 0;
  for (let e: TlsEvent | undefined; (e = server.pollEvent());) {
    if (e.type === "handshakeData") flights++;
  }
  if (flights !== 2) throw new Error("no server flight");
}

Deno.bench(
  "baseline: X25519 key exchange (both sides)",
  { group: "handshake", baseline: true },
  () => {
    const c = new ClientKeyShare(0x1d, random);
    const s = serverKeyExchange(0x1d, c.keyExchange, random);
    c.complete(s.keyExchange);
  },
);
for (const [t, name] of KEY_TYPES) {
  Deno.bench(`full handshake, ${name} certificate`, { group: "handshake" }, () => {
    handshake(t);
  });
}
const ring = new TicketKeyRing({ random });
const session = handshake("ed25519", { ticketKeys: ring })!;
Deno.bench("resumed handshake (PSK + X25519)", { group: "handshake" }, () => {
  handshake("ed25519", { session, ticketKeys: ring });
});

const clientHello = recordClientHello();
const resumingClientHello = recordClientHello(session);
const share = new ClientKeyShare(0x1d, random).keyExchange;
Deno.bench(
  "baseline: X25519 server side (keygen + shared secret)",
  { group: "server only", baseline: true },
  () => {
    serverKeyExchange(0x1d, share, random);
  },
);
for (const [t, name] of KEY_TYPES) {
  Deno.bench(`server: ClientHello → first flight, ${name}`, { group: "server only" }, () => {
    serverFirstFlight(t, clientHello);
  });
}
Deno.bench("server: ClientHello → first flight, resumed", { group: "server only" }, () => {
  serverFirstFlight("ed25519", resumingClientHello, ring);
});
