/**
 * Session resumption and 0-RTT through the Deno driver, gquic client ↔
 * gquic server over real loopback UDP: `conn.sessionTicket`, then
 * `connectQuic({ session, zeroRtt: true })` resolving before the handshake,
 * early stream data echoed byte for byte, and the accepted / rejected outcome.
 * @module
 */
import assert from "node:assert/strict";
import type { QuicEndpoint, QuicListener } from "../../quic/api.ts";
import type { SessionTicket } from "../../quic/api_types.ts";
import { connectLoopback as connect, listenLoopback } from "./_loopback.ts";
import { readAll, within } from "../interop/peer_process.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function server(zeroRtt: boolean): { ep: QuicEndpoint; l: QuicListener } {
  const { ep, l } = listenLoopback({ zeroRtt });
  (async () => {
    for await (const inc of l) {
      inc.accept().then((c) => {
        (async () => {
          for await (const s of c.incomingBidirectionalStreams) {
            s.readable.pipeTo(s.writable).catch(() => {});
          }
        })().catch(() => {});
      }).catch(() => {});
    }
  })().catch(() => {});
  return { ep, l };
}

async function firstTicket(port: number): Promise<SessionTicket> {
  const conn = await connect(port);
  assert.equal(conn.isResumed, false);
  const t = await within(conn.sessionTicket, 5000, "session ticket");
  conn.close({ closeCode: 0, reason: "" });
  await conn.closed;
  return t;
}

async function echo(
  conn: Awaited<ReturnType<typeof connect>>,
  text: string,
): Promise<string> {
  const s = await conn.createBidirectionalStream();
  const w = s.writable.getWriter();
  await w.write(enc.encode(text));
  await w.close();
  return dec.decode(await within(readAll(s.readable), 5000, "echo"));
}

Deno.test("driver 0-RTT: resumption and early data over loopback", async () => {
  const { ep } = server(true);
  try {
    const ticket = await firstTicket(ep.addr.port);
    assert.equal(ticket.maxEarlyData, 0xffffffff);
    const conn = await connect(ep.addr.port, { session: ticket, zeroRtt: true });
    // connectQuic handed the connection over before the handshake completed.
    assert.equal(conn.earlyDataStatus, "none");
    const text = "early hello ".repeat(200);
    const echoed = echo(conn, text);
    await within(conn.handshake, 5000, "handshake");
    assert.equal(await echoed, text);
    assert.equal(conn.isResumed, true);
    assert.equal(conn.earlyDataStatus, "accepted");
    conn.close({ closeCode: 0, reason: "" });
    await conn.closed;
  } finally {
    ep.close();
    await ep.finished;
  }
});

Deno.test("driver 0-RTT: a server without zeroRtt resumes without early data", async () => {
  const { ep } = server(false);
  try {
    const ticket = await firstTicket(ep.addr.port);
    // No early_data in the ticket: connectQuic waits for the handshake as usual.
    assert.equal(ticket.maxEarlyData, 0);
    const conn = await connect(ep.addr.port, { session: ticket, zeroRtt: true });
    assert.equal(conn.isResumed, true);
    assert.equal(conn.earlyDataStatus, "none");
    assert.equal(await echo(conn, "one round trip"), "one round trip");
    conn.close({ closeCode: 0, reason: "" });
    await conn.closed;
  } finally {
    ep.close();
    await ep.finished;
  }
});
