/**
 * A server flooding a client with NEW_TOKEN frames (RFC 9000 §19.7) or TLS
 * session tickets (RFC 8446 §4.6.1) cannot grow the client connection's
 * event queue: only the latest MAX_QUEUED_TOKEN_EVENTS of each are kept
 * until the application takes them.
 */
import assert from "node:assert/strict";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import { MAX_QUEUED_TOKEN_EVENTS } from "../../../quic/proto/conn_state.ts";
import type { ConnectionEvent } from "../../../quic/proto/events.ts";
import { establish } from "./_hostile.ts";

const FLOOD = 50;

function tokenEvents(events: ConnectionEvent[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const e of events) if (e.type === "newToken") out.push(e.token);
  return out;
}

Deno.test("event bounds: a NEW_TOKEN flood keeps only the latest tokens queued on the client", () => {
  const h = establish(31);
  const server = coreOf(h.server);
  const client = coreOf(h.client);
  // Take whatever the handshake queued so only the flood is counted.
  while (h.client.pollEvent()) { /* drained */ }
  for (let i = 0; i < FLOOD; i++) server.newTokens.push(new Uint8Array([0xaa, i]));
  h.server.ping(); // Wakes the server connection (the endpoint polls only those with work).
  h.p.sim.runUntil(() => server.newTokens.length === 0, h.p.sim.now + 2000);
  h.p.sim.runFor(200); // Delivered and acknowledged; nobody reads the client's events.
  assert.equal(server.newTokens.length, 0, "all sent");
  const queued = tokenEvents(client.events);
  assert.equal(queued.length, MAX_QUEUED_TOKEN_EVENTS);
  assert.equal(client.newTokensQueued, MAX_QUEUED_TOKEN_EVENTS);
  assert.deepEqual(
    queued.map((t) => t[1]),
    Array.from({ length: MAX_QUEUED_TOKEN_EVENTS }, (_, i) => FLOOD - MAX_QUEUED_TOKEN_EVENTS + i),
    "the latest tokens, in order",
  );
  // Taking them keeps the count in step: new tokens are queued again.
  const taken: ConnectionEvent[] = [];
  for (let e; (e = h.client.pollEvent());) taken.push(e);
  assert.equal(tokenEvents(taken).length, MAX_QUEUED_TOKEN_EVENTS);
  assert.equal(client.newTokensQueued, 0);
  server.newTokens.push(new Uint8Array([0xbb]));
  h.server.ping();
  h.p.sim.runFor(200);
  assert.deepEqual(tokenEvents(client.events).map((t) => t[0]), [0xbb]);
  assert.equal(h.client.isClosed, false);
});

Deno.test("event bounds: session tickets are bounded the same way, other events untouched", () => {
  const h = establish(32);
  const client = coreOf(h.client);
  while (h.client.pollEvent()) { /* drained */ }
  for (let i = 0; i < FLOOD; i++) {
    client.emitLatest({ type: "sessionTicket", ticket: i });
    client.emit({ type: "streamReadable", id: 4 * i });
  }
  const tickets = client.events.flatMap((e) => e.type === "sessionTicket" ? [e.ticket] : []);
  assert.deepEqual(tickets, [46, 47, 48, 49].slice(4 - MAX_QUEUED_TOKEN_EVENTS));
  assert.equal(client.events.length, FLOOD + MAX_QUEUED_TOKEN_EVENTS);
  let n = 0;
  while (h.client.pollEvent()) n++;
  assert.equal(n, FLOOD + MAX_QUEUED_TOKEN_EVENTS);
  assert.equal(client.ticketsQueued, 0);
});
