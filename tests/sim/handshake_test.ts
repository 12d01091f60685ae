import assert from "node:assert/strict";
import { connect, makePair } from "./fixtures.ts";
import type { EndpointEvent } from "../../quic/proto/endpoint.ts";

Deno.test("sim: handshake completes over a clean link", () => {
  const { sim, client, server } = makePair(1);
  const conn = connect(client, sim.now);
  const evs: EndpointEvent[] = [];
  const drain = () => {
    for (let e; (e = client.pollEvent());) evs.push(e);
    for (let e; (e = server.pollEvent());) evs.push(e);
  };
  const ok = sim.runUntil(() => {
    drain();
    return conn.isHandshakeConfirmed;
  }, sim.now + 5000);
  assert.ok(ok, "handshake did not complete");
  assert.equal(conn.alpnProtocol, "test");
  const kinds = evs.map((e) => e.type === "connection" ? e.event.type : e.type);
  assert.ok(kinds.includes("newConnection"));
  assert.equal(kinds.filter((k) => k === "handshakeCompleted").length, 2);
  console.log("handshake at", sim.now, "ms; stats", conn.getStats().packetsSent);
});
