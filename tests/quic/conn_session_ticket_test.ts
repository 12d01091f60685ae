/**
 * `QuicConn.sessionTicket` is created on first use: read after the ticket
 * arrived it resolves with that ticket; read on a connection that closed
 * without one (a server connection never receives tickets) it rejects.
 * @module
 */
import assert from "node:assert/strict";
import type { QuicConn } from "../../quic/api.ts";
import type { SessionTicket } from "../../quic/api_types.ts";
import { connectLoopback, listenLoopback } from "./_loopback.ts";
import { within } from "../interop/peer_process.ts";

Deno.test("driver: sessionTicket read late resolves / rejects", async () => {
  const { ep, l } = listenLoopback();
  const accepted: Promise<QuicConn> = (async () => {
    for await (const inc of l) return await inc.accept();
    throw new Error("listener ended");
  })();
  try {
    const conn = await connectLoopback(ep.addr.port);
    // The ticket comes with the server's first 1-RTT flight; give it time,
    // then read the getter for the first time: it must resolve with it.
    await new Promise((r) => setTimeout(r, 300));
    const t: SessionTicket = await within(conn.sessionTicket, 1000, "late getter");
    assert.ok(t);
    // Reads share one promise.
    assert.equal(conn.sessionTicket, conn.sessionTicket);
    const server = await within(accepted, 5000, "accept");
    conn.close({ closeCode: 0, reason: "" });
    await within(server.closed.catch(() => {}), 5000, "server closed");
    // Server side: no ticket ever, closed, then read: rejects.
    await assert.rejects(within(server.sessionTicket, 1000, "server ticket"));
    await conn.closed.catch(() => {});
  } finally {
    ep.close();
  }
});
