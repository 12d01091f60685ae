import assert from "node:assert/strict";
import fc from "fast-check";
import { CryptoStream } from "../../../../quic/proto/streams/crypto_stream.ts";
import { QuicError, TransportErrorCode } from "../../../../quic/proto/errors.ts";

const EXCEEDED = (e: unknown) =>
  e instanceof QuicError && e.code === TransportErrorCode.CRYPTO_BUFFER_EXCEEDED;

Deno.test("crypto stream: in-order delivery to TLS from reordered frames", () => {
  const c = new CryptoStream();
  const msg = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
  c.onCryptoFrame(2000, msg.subarray(2000));
  assert.equal(c.read(), null, "nothing in order yet");
  c.onCryptoFrame(1000, msg.subarray(1000, 2000));
  c.onCryptoFrame(0, msg.subarray(0, 1200)); // overlaps the next one
  assert.deepEqual(c.read(), msg);
  assert.equal(c.readOffset, 3000);
  c.onCryptoFrame(0, msg.subarray(0, 1000)); // retransmission: ignored
  assert.equal(c.read(), null);
});

Deno.test("crypto stream: buffering limit → CRYPTO_BUFFER_EXCEEDED (RFC 9000 §7.5)", () => {
  const c = new CryptoStream({ maxBuffered: 4096 });
  c.onCryptoFrame(3000, new Uint8Array(1096)); // ends exactly at the limit
  assert.throws(() => c.onCryptoFrame(4000, new Uint8Array(97)), EXCEEDED);
  assert.throws(() => c.onCryptoFrame(2 ** 40, new Uint8Array(1)), EXCEEDED);
  // Once TLS has read, the window moves.
  const d = new CryptoStream({ maxBuffered: 4096 });
  d.onCryptoFrame(0, new Uint8Array(4096));
  assert.equal(d.read()!.length, 4096);
  d.onCryptoFrame(4096, new Uint8Array(4096));
  // Fragmenting into many gaps is also bounded.
  const g = new CryptoStream({ maxBuffered: 65536, maxRanges: 8 });
  assert.throws(() => {
    for (let i = 1; i < 100; i++) g.onCryptoFrame(i * 10, Uint8Array.of(1));
  }, EXCEEDED);
});

Deno.test("crypto stream: send side retransmits lost frames until all acknowledged", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 50 }),
      (sizes, lossPattern) => {
        const c = new CryptoStream();
        const total = sizes.reduce((a, b) => a + b, 0);
        const original = Uint8Array.from({ length: total }, (_, i) => (i * 7) & 0xff);
        let w = 0;
        for (const s of sizes) {
          c.write(original.subarray(w, w + s));
          w += s;
        }
        const peer = new CryptoStream();
        const pkt = new Uint8Array(1200);
        let i = 0;
        while (!c.allAcked) {
          assert.ok(i < 1000, "no progress");
          const f = c.emit(1100, pkt, 30)!;
          assert.notEqual(f, null);
          if (lossPattern[i++ % lossPattern.length] && i < 200) {
            c.onLost(f.offset, f.length);
          } else {
            peer.onCryptoFrame(f.offset, pkt.subarray(30, 30 + f.length));
            c.onAck(f.offset, f.length);
          }
        }
        assert.equal(c.hasPending(), false);
        const got = peer.read()!;
        assert.deepEqual(got, original);
      },
    ),
    { seed: 31337, numRuns: 100 },
  );
});

Deno.test("crypto stream: discard drops both directions", () => {
  const c = new CryptoStream();
  c.write(new Uint8Array(100));
  c.onCryptoFrame(10, new Uint8Array(10));
  c.discard();
  assert.equal(c.hasPending(), false);
  assert.equal(c.nextOffset(), -1);
  assert.equal(c.read(), null);
});

Deno.test("crypto stream: after discard it reads as empty and ignores late calls", () => {
  const c = new CryptoStream();
  c.onCryptoFrame(0, new Uint8Array(30));
  assert.equal(c.read()?.length, 30);
  c.onCryptoFrame(50, new Uint8Array(10)); // Out of order: buffered past offset 30.
  c.write(new Uint8Array(40));
  c.discard();
  // RFC 9001 §4.9: the read offset moves past everything received.
  assert.equal(c.readOffset, 60);
  assert.equal(c.allAcked, true);
  assert.equal(c.emit(100, new Uint8Array(100), 0), null);
  // Late frames, writes, ACKs and losses for discarded keys change nothing.
  c.onCryptoFrame(60, new Uint8Array(5));
  c.write(new Uint8Array(5));
  c.onAck(0, 40);
  c.onLost(0, 40);
  assert.equal(c.read(), null);
  assert.equal(c.hasPending(), false);
  assert.equal(c.nextOffset(), -1);
  assert.equal(c.readOffset, 60);
});
