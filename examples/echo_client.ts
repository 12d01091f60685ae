/**
 * QUIC echo client: sends a message on a bidirectional stream and as a
 * datagram, prints the echoes, and closes.
 *
 *   deno run --unstable-net -A examples/echo_client.ts --hostname 127.0.0.1 --port 4433 \
 *     --server-name localhost --ca ca.pem [--message hello]
 * @module
 */
import { connectQuic } from "@gquic/core/quic";
import { flags } from "./_args.ts";

const f = flags();
const conn = await connectQuic({
  hostname: f.hostname ?? "127.0.0.1",
  port: Number(f.port ?? 4433),
  serverName: f["server-name"] ?? "localhost",
  alpnProtocols: ["echo"],
  caCerts: f.ca ? [await Deno.readTextFile(f.ca)] : undefined,
  timeout: 10_000,
});
const message = new TextEncoder().encode(f.message ?? "hello, QUIC");
const { readable, writable } = await conn.createBidirectionalStream();
const writer = writable.getWriter();
await writer.write(message);
await writer.close();
let echoed = "";
for await (const chunk of readable.pipeThrough(new TextDecoderStream())) echoed += chunk;
console.log(`stream echo: ${echoed}`);
await conn.sendDatagram(message);
const dgram = await Promise.race([
  conn.readDatagram(),
  new Promise<null>((r) => setTimeout(() => r(null), 2000)),
]);
console.log(`datagram echo: ${dgram ? new TextDecoder().decode(dgram) : "(lost)"}`);
console.log(`rtt ${conn.getStats().rtt.toFixed(2)} ms`);
conn.close({ closeCode: 0, reason: "done" });
await conn.closed;
