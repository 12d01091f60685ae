import assert from "node:assert/strict";
import { DenoUdpSocket } from "../../../quic/io/deno_udp.ts";

// Each datagram carries its index in every byte, so a receive that was
// overwritten by a later one (a shared buffer) shows up as mixed bytes.
function datagram(i: number, len: number): Uint8Array {
  return new Uint8Array(len).fill(i & 0xff);
}

async function burst(depth: number, count: number): Promise<void> {
  const rx = DenoUdpSocket.bind({ hostname: "127.0.0.1", port: 0, receiveDepth: depth });
  const tx = DenoUdpSocket.bind({ hostname: "127.0.0.1", port: 0 });
  try {
    for (let i = 0; i < count; i++) {
      assert.ok(tx.send(datagram(i, 100 + i * 7), rx.localAddr));
    }
    await tx.drain();
    const seen = new Set<number>();
    for (let n = 0; n < count; n++) {
      const r = await rx.receive();
      assert.ok(r, "socket closed early");
      const [bytes, from] = r;
      const i = bytes[0];
      // Length and content must both belong to the same datagram.
      assert.equal(bytes.length, 100 + i * 7, `datagram ${i}: length ${bytes.length}`);
      assert.ok(bytes.every((b) => b === i), `datagram ${i} corrupted`);
      assert.equal(from.port, tx.localAddr.port);
      seen.add(i);
    }
    assert.equal(seen.size, count);
  } finally {
    rx.close();
    tx.close();
  }
}

Deno.test("deno_udp: a burst arrives intact with several receives outstanding", async () => {
  await burst(4, 32);
  await burst(2, 32);
  await burst(1, 16);
});

Deno.test("deno_udp: returned bytes stay valid until the next receive() call", async () => {
  const rx = DenoUdpSocket.bind({ hostname: "127.0.0.1", port: 0, receiveDepth: 3 });
  const tx = DenoUdpSocket.bind({ hostname: "127.0.0.1", port: 0 });
  try {
    const r1 = await (async () => {
      tx.send(datagram(1, 50), rx.localAddr);
      return await rx.receive();
    })();
    assert.ok(r1);
    // More datagrams land in the other buffers while we still hold r1.
    for (let i = 2; i < 8; i++) tx.send(datagram(i, 60), rx.localAddr);
    await tx.drain();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(r1[0].length, 50);
    assert.ok(r1[0].every((b) => b === 1), "held datagram was overwritten");
    for (let i = 2; i < 8; i++) {
      const r = await rx.receive();
      assert.ok(r);
      assert.ok(r[0].every((b) => b === i) && r[0].length === 60, `datagram ${i}`);
    }
  } finally {
    rx.close();
    tx.close();
  }
});

Deno.test("deno_udp: close() resolves a pending receive to null", async () => {
  const rx = DenoUdpSocket.bind({ hostname: "127.0.0.1", port: 0, receiveDepth: 2 });
  const p = rx.receive();
  await new Promise((r) => setTimeout(r, 5));
  rx.close();
  assert.equal(await p, null);
  assert.equal(await rx.receive(), null);
});
