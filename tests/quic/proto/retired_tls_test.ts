import assert from "node:assert/strict";
import { connect, makePair } from "../../sim/fixtures.ts";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import type { Connection } from "../../../quic/proto/connection.ts";

function established(seed: number) {
  const pair = makePair(seed, { delayMs: 5 });
  const conn = connect(pair.client, pair.sim.now);
  let server: Connection | undefined;
  pair.sim.runUntil(() => {
    for (let e; (e = pair.server.pollEvent());) if (e.type === "newConnection") server = e.conn;
    return conn.isHandshakeConfirmed && server?.isHandshakeConfirmed === true;
  }, pair.sim.now + 5000);
  assert.ok(server);
  return { pair, conn, server };
}

Deno.test("server TLS state is released after the handshake; SNI and ALPN stay readable", () => {
  const { server } = established(60);
  const tls = coreOf(server).tls as unknown as Record<string, unknown>;
  assert.equal(tls.constructor.name, "RetiredServerTls");
  assert.equal("keySchedule" in tls, false);
  assert.equal(server.serverName, "localhost");
  assert.equal(server.alpnProtocol, "test");
});

Deno.test("a CRYPTO frame from the client after the handshake closes with unexpected_message", () => {
  const { pair, conn, server } = established(61);
  // RFC 9001 §4.1.3, §6: QUIC clients send no post-handshake messages.
  coreOf(conn).spaces[2].crypto.write(Uint8Array.of(24, 0, 0, 1, 0)); // KeyUpdate
  let code = -1;
  pair.sim.runUntil(() => {
    for (let e; (e = pair.server.pollEvent());) {
      if (e.type === "connection" && e.event.type === "connectionClosed") code = e.event.code;
    }
    return server.isClosed;
  }, pair.sim.now + 5000);
  assert.equal(code, 0x100 + 10);
});
