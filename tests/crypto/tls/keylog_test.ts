// NSS key log format: labels, hex encoding, and that every secret of a
// 0-RTT handshake (early, handshake, traffic) is logged exactly once.
import assert from "node:assert/strict";
import { formatKeyLogLine, KeyLogLabel } from "../../../crypto/tls/keylog.ts";
import { TlsClient } from "../../../crypto/tls/client.ts";
import { TlsServer } from "../../../crypto/tls/server.ts";
import { AntiReplayGuard, TicketKeyRing } from "../../../crypto/tls/session_ticket.ts";
import {
  clientOptions,
  hex,
  pki,
  pump,
  secrets,
  seededRandom,
  serverOptions,
} from "./handshake_harness.ts";

Deno.test("keylog: line format", () => {
  const line = formatKeyLogLine(
    KeyLogLabel.clientHandshake,
    Uint8Array.from({ length: 32 }, (_, i) => i),
    Uint8Array.of(0x00, 0xff, 0x0a),
  );
  assert.equal(
    line,
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 00ff0a",
  );
});

Deno.test("keylog: a 0-RTT handshake logs every secret, matching the installed keys", () => {
  const p = pki();
  const now = Date.now();
  const ticketKeys = new TicketKeyRing({ random: seededRandom(3) });
  const antiReplay = new AntiReplayGuard();
  const server = () =>
    new TlsServer(serverOptions(p, { ticketKeys, antiReplay, enableEarlyData: true }));
  const first = pump(new TlsClient(clientOptions(p)), server(), now);
  const lines: string[] = [];
  const client = new TlsClient(
    clientOptions(p, {
      session: first.tickets[0],
      enableEarlyData: true,
      keyLog: (l) => lines.push(l),
    }),
  );
  const log = pump(client, server(), now + 10);
  assert.ok(client.earlyDataAccepted);
  const labels = lines.map((l) => l.split(" ")[0]);
  assert.deepEqual(labels, [
    "CLIENT_EARLY_TRAFFIC_SECRET",
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0",
    "EXPORTER_SECRET",
  ]);
  const s = secrets(log.clientEvents);
  const byLabel = new Map(lines.map((l) => [l.split(" ")[0], l.split(" ")[2]]));
  assert.equal(byLabel.get("CLIENT_EARLY_TRAFFIC_SECRET"), hex(s.get("1/write")!));
  assert.equal(byLabel.get("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), hex(s.get("2/write")!));
  assert.equal(byLabel.get("SERVER_HANDSHAKE_TRAFFIC_SECRET"), hex(s.get("2/read")!));
  assert.equal(byLabel.get("CLIENT_TRAFFIC_SECRET_0"), hex(s.get("3/write")!));
  assert.equal(byLabel.get("SERVER_TRAFFIC_SECRET_0"), hex(s.get("3/read")!));
  // The client random column is the ClientHello's random.
  const ch = log.clientEvents[0];
  assert.ok(ch.type === "handshakeData");
  for (const l of lines) assert.equal(l.split(" ")[1], hex(ch.data.subarray(6, 38)));
});
