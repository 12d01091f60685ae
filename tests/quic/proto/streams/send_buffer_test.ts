import assert from "node:assert/strict";
import fc from "fast-check";
import { SendBuffer } from "../../../../quic/proto/streams/send_buffer.ts";
import { mulberry32 as rng } from "../../../support/prng.ts";

Deno.test("send buffer: emit copies into the packet buffer at the given offset", () => {
  const sb = new SendBuffer();
  sb.write(Uint8Array.of(1, 2, 3));
  sb.write(Uint8Array.of(4, 5));
  const pkt = new Uint8Array(10).fill(0xff);
  const r = sb.emit(4, pkt, 3)!;
  assert.deepEqual(r, { offset: 0, length: 4, fin: false });
  assert.deepEqual([...pkt], [255, 255, 255, 1, 2, 3, 4, 255, 255, 255]);
  assert.equal(sb.nextOffset(), 4);
  // maxBytes is also capped by the destination's room.
  const small = new Uint8Array(2);
  assert.deepEqual(sb.emit(100, small, 1), { offset: 4, length: 1, fin: false });
  assert.equal(small[1], 5);
  assert.equal(sb.emit(100, pkt, 0), null);
  assert.equal(sb.sendOffset, 5);
  assert.equal(sb.bufferedBytes, 5);
});

Deno.test("send buffer: FIN with the last byte, FIN-only frame, FIN loss", () => {
  const sb = new SendBuffer();
  sb.write(new Uint8Array(10));
  const dst = new Uint8Array(100);
  const a = sb.emit(10, dst, 0)!;
  assert.equal(a.fin, false);
  sb.finish();
  assert.equal(sb.finPending, true);
  const f = sb.emit(10, dst, 0)!;
  assert.deepEqual(f, { offset: 10, length: 0, fin: true });
  assert.equal(sb.emit(10, dst, 0), null);
  sb.onLost(f.offset, f.length, f.fin);
  assert.equal(sb.hasPending(), true);
  assert.deepEqual(sb.emit(10, dst, 0), { offset: 10, length: 0, fin: true });
  sb.onAck(0, 10, false);
  assert.equal(sb.allAcked, false, "FIN not yet acknowledged");
  sb.onAck(10, 0, true);
  assert.equal(sb.allAcked, true);
  // A FIN can go out even with zero room for data.
  const sb2 = new SendBuffer();
  sb2.finish();
  assert.deepEqual(sb2.emit(0, dst, 0), { offset: 0, length: 0, fin: true });
});

Deno.test("send buffer: lost data is resent before new data, minus acknowledged parts", () => {
  const sb = new SendBuffer();
  sb.write(Uint8Array.from({ length: 100 }, (_, i) => i));
  const dst = new Uint8Array(100);
  sb.emit(40, dst, 0); // 0..40
  sb.emit(40, dst, 0); // 40..80
  sb.onAck(10, 20, false); // 10..30 acked (e.g. by an earlier copy)
  sb.onLost(0, 40, false);
  assert.deepEqual(sb.emit(100, dst, 0), { offset: 0, length: 10, fin: false });
  assert.deepEqual([...dst.subarray(0, 10)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(sb.emit(100, dst, 0), { offset: 30, length: 10, fin: false });
  assert.equal(dst[0], 30);
  assert.deepEqual(sb.emit(100, dst, 0), { offset: 80, length: 20, fin: false });
  // Late loss report for bytes already acknowledged: nothing to resend.
  sb.onAck(0, 100, false);
  sb.onLost(0, 100, false);
  assert.equal(sb.hasPending(), false);
  assert.equal(sb.bufferedBytes, 0);
});

Deno.test("send buffer: flow-control limit applies to new data only", () => {
  const sb = new SendBuffer();
  sb.write(new Uint8Array(50));
  const dst = new Uint8Array(100);
  assert.deepEqual(sb.emit(100, dst, 0, 20), { offset: 0, length: 20, fin: false });
  assert.equal(sb.hasPending(20), false);
  assert.equal(sb.nextOffset(20), -1);
  sb.onLost(0, 20, false);
  assert.equal(sb.hasPending(20), true);
  assert.deepEqual(sb.emit(100, dst, 0, 20), { offset: 0, length: 20, fin: false });
});

Deno.test("send buffer: random loss/ack patterns end all-acked with exact bytes", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 0, maxLength: 20 }),
      fc.integer(),
      fc.double({ min: 0, max: 0.6, noNaN: true }),
      (sizes, seed, lossRate) => {
        const r = rng(seed);
        const total = sizes.reduce((a, b) => a + b, 0);
        const original = Uint8Array.from({ length: total }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
        const sb = new SendBuffer();
        let w = 0;
        for (const s of sizes) {
          // Writers hand over chunks that are views into larger buffers.
          sb.write(original.subarray(w, w + s));
          w += s;
        }
        sb.finish();
        const received = new Uint8Array(total);
        const got = new Uint8Array(total);
        let finSeen = false;
        const inFlight: { offset: number; length: number; fin: boolean }[] = [];
        const pkt = new Uint8Array(1500);
        for (let round = 0; round < 100_000 && !sb.allAcked; round++) {
          if (inFlight.length < 8 && sb.hasPending()) {
            const dstOff = Math.floor(r() * 50);
            const max = 1 + Math.floor(r() * 1400);
            const f = sb.emit(max, pkt, dstOff)!;
            assert.ok(f.length <= max);
            // Every (re)sent byte is exactly the original.
            assert.deepEqual(
              pkt.subarray(dstOff, dstOff + f.length),
              original.subarray(f.offset, f.offset + f.length),
            );
            if (f.fin) assert.equal(f.offset + f.length, total);
            inFlight.push(f);
            continue;
          }
          if (inFlight.length === 0) {
            assert.fail("stuck: nothing in flight and nothing to send");
          }
          const i = Math.floor(r() * inFlight.length);
          const f = inFlight.splice(i, 1)[0];
          if (r() < lossRate) {
            sb.onLost(f.offset, f.length, f.fin);
            // Spurious loss: the original copy may still arrive later.
            if (r() < 0.2) inFlight.push(f);
          } else {
            // Delivered: the peer has these bytes.
            received.set(original.subarray(f.offset, f.offset + f.length), f.offset);
            for (let b = f.offset; b < f.offset + f.length; b++) got[b] = 1;
            finSeen ||= f.fin;
            sb.onAck(f.offset, f.length, f.fin);
          }
        }
        assert.equal(sb.allAcked, true);
        assert.ok(finSeen);
        assert.equal(got.indexOf(0), -1, "every byte delivered");
        assert.deepEqual(received, original);
        assert.equal(sb.bufferedBytes, 0);
        assert.equal(sb.hasPending(), false);
      },
    ),
    { seed: 777, numRuns: 120 },
  );
});

Deno.test("send buffer: acknowledged chunks are released", () => {
  const sb = new SendBuffer();
  const chunks = Array.from({ length: 100 }, () => new Uint8Array(1000));
  for (const c of chunks) sb.write(c);
  const pkt = new Uint8Array(1200);
  let f;
  while ((f = sb.emit(1200, pkt, 0)) !== null) sb.onAck(f.offset, f.length, f.fin);
  assert.equal(sb.bufferedBytes, 0);
  assert.equal(sb.ackedOffset, 100_000);
  sb.discard();
  assert.equal(sb.hasPending(), false);
  assert.throws(() => {
    sb.finish();
    sb.write(Uint8Array.of(1));
  });
});
