// Full TLS 1.3 handshakes per second, client and server in memory (QUIC mode,
// X25519, TLS_AES_128_GCM_SHA256), for ECDSA P-256, Ed25519 and RSA-2048
// certificates; the baseline in the same run is the X25519 exchange alone.
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

function handshake(
  keyType: KeyType,
  extra: { session?: SessionTicket; ticketKeys?: TicketKeyRing } = {},
): SessionTicket | undefined {
  const leaf = leaves.get(keyType)!;
  const client = new TlsClient({
    random,
    serverName: "localhost",
    alpnProtocols: ["h3"],
    transportParameters: tp,
    caCerts: [ca.certDer],
    session: extra.session,
  });
  const server = new TlsServer({
    random,
    certificateChain: [leaf.certDer],
    privateKey: leaf.key,
    alpnProtocols: ["h3"],
    transportParameters: tp,
    ticketKeys: extra.ticketKeys,
    antiReplay: new AntiReplayGuard(),
  });
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

const leaves = new Map<KeyType, ReturnType<typeof createCertificate>>();
for (const t of ["ecdsa-p256", "ed25519", "rsa"] as KeyType[]) {
  leaves.set(
    t,
    createCertificate({ subject: "localhost", issuer: ca, keyType: t, sanDns: ["localhost"] }),
  );
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
Deno.bench("full handshake, ECDSA P-256 certificate", { group: "handshake" }, () => {
  handshake("ecdsa-p256");
});
Deno.bench("full handshake, Ed25519 certificate", { group: "handshake" }, () => {
  handshake("ed25519");
});
Deno.bench("full handshake, RSA-2048 certificate", { group: "handshake" }, () => {
  handshake("rsa");
});
const ring = new TicketKeyRing({ random });
const session = handshake("ed25519", { ticketKeys: ring })!;
Deno.bench("resumed handshake (PSK + X25519)", { group: "handshake" }, () => {
  handshake("ed25519", { session, ticketKeys: ring });
});
