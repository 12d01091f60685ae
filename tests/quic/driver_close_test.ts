/**
 * `QuicEndpoint.close()` over loopback with server connections already
 * closing: one closed by the server, and attempts still in the listener's
 * backlog (refused by `listener.stop()` before the server has an RTT sample).
 * `finished` resolves well under the driver's 3 s safety fallback.
 * @module
 */
import assert from "node:assert/strict";
import { connectLoopback as connect, listenLoopback } from "./_loopback.ts";
import { within } from "../interop/peer_process.ts";

Deno.test("driver close: finished well under the 3 s fallback with closing and backlog connections", async () => {
  const { ep, l } = listenLoopback();
  const acc = l.accept();
  const clients = [await connect(ep.addr.port)];
  const accepted = await within(acc, 3000, "accept");
  // Never accepted: they wait in the backlog until close refuses them.
  clients.push(await connect(ep.addr.port), await connect(ep.addr.port));
  accepted.close({ closeCode: 1, reason: "server bye" });
  const t0 = performance.now();
  ep.close();
  await within(ep.finished, 5000, "endpoint finished");
  const elapsed = performance.now() - t0;
  for (const c of clients) c.close();
  await Promise.allSettled(clients.map((c) => c.closed));
  assert.ok(elapsed < 1500, `finished ${elapsed.toFixed(0)} ms after close`);
});
