import assert from "node:assert/strict";
import fc from "fast-check";
import { Assembler } from "../../../../quic/proto/streams/assembler.ts";
import { QuicError, TransportErrorCode } from "../../../../quic/proto/errors.ts";
import { mulberry32 as rng } from "../../../support/prng.ts";

function bytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  return out;
}

function code(e: unknown): number {
  assert.ok(e instanceof QuicError, `expected QuicError, got ${e}`);
  return e.code;
}

Deno.test("assembler: in-order insert and read, copy semantics", () => {
  const a = new Assembler({ blockSize: 8 });
  const pkt = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
  assert.equal(a.insert(0, pkt.subarray(0, 5)), true);
  // The driver reuses its packet buffer: stored bytes must not change.
  pkt.fill(0xee);
  assert.equal(a.readableBytes, 5);
  const chunk = a.readChunk()!;
  assert.deepEqual([...chunk], [1, 2, 3, 4, 5]);
  assert.equal(a.readOffset, 5);
  assert.equal(a.readChunk(), null);
  assert.equal(a.insert(0, Uint8Array.of(1, 2, 3)), false, "old data is a duplicate");
  a.insert(5, Uint8Array.of(6, 7, 8, 9, 10));
  // readChunk stops at a block boundary (offset 8); read() crosses it.
  assert.deepEqual([...a.readChunk()!], [6, 7, 8]);
  const dst = new Uint8Array(4);
  assert.equal(a.read(dst, 1), 2);
  assert.deepEqual([...dst], [0, 9, 10, 0]);
  // Views handed out stay valid after more data arrives and blocks are freed.
  a.insert(10, new Uint8Array(30).fill(7));
  a.read(new Uint8Array(30), 0);
  assert.deepEqual([...chunk], [1, 2, 3, 4, 5]);
});

Deno.test("assembler: out-of-order with gaps becomes readable when filled", () => {
  const a = new Assembler({ blockSize: 4 });
  a.insert(6, Uint8Array.of(6, 7, 8));
  a.insert(2, Uint8Array.of(2, 3));
  assert.equal(a.readableBytes, 0);
  assert.equal(a.rangeCount, 2);
  assert.equal(a.highestOffset, 9);
  a.insert(0, Uint8Array.of(0, 1));
  assert.equal(a.readableBytes, 4);
  a.insert(3, Uint8Array.of(3, 4, 5, 6)); // overlaps both sides
  assert.equal(a.readableBytes, 9);
  const out = new Uint8Array(9);
  a.read(out);
  assert.deepEqual([...out], [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(a.allocatedBytes, 4, "only the block holding offset 9 onward may remain");
});

Deno.test("assembler: random permutations, duplicates and overlaps yield the exact bytes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 6000 }),
      fc.integer({ min: 1, max: 1500 }),
      fc.integer({ min: 0, max: 30 }),
      fc.integer(),
      fc.constantFrom(64, 1000, 4096),
      (n, maxSeg, extra, seed, blockSize) => {
        const r = rng(seed);
        const data = bytes(n, seed ^ 0x5a5a);
        const segs: [number, number][] = [];
        for (let off = 0; off < n;) {
          const len = 1 + Math.floor(r() * maxSeg);
          segs.push([off, Math.min(n, off + len)]);
          off += len;
        }
        // Extra overlapping and duplicate segments at random places.
        for (let i = 0; i < extra && n > 0; i++) {
          const s = Math.floor(r() * n);
          segs.push([s, Math.min(n, s + 1 + Math.floor(r() * maxSeg))]);
        }
        for (let i = segs.length - 1; i > 0; i--) {
          const j = Math.floor(r() * (i + 1));
          [segs[i], segs[j]] = [segs[j], segs[i]];
        }
        const a = new Assembler({ blockSize, maxRanges: 10000 });
        const out = new Uint8Array(n);
        let got = 0;
        for (const [s, e] of segs) {
          // Each frame's payload is a view of a scratch "packet" that is
          // overwritten afterwards, like the driver's receive buffer.
          const pkt = new Uint8Array(e - s + 10);
          pkt.set(data.subarray(s, e), 5);
          a.insert(s, pkt.subarray(5, 5 + e - s));
          pkt.fill(0);
          // Interleave reads of varying styles.
          if (r() < 0.5) {
            const c = a.readChunk(1 + Math.floor(r() * 3000));
            if (c !== null) {
              out.set(c, got);
              got += c.length;
            }
          } else {
            got += a.read(out.subarray(0, Math.min(n, got + Math.floor(r() * 3000))), got);
          }
        }
        got += a.read(out, got);
        assert.equal(got, n);
        assert.deepEqual(out, data);
        assert.equal(a.readableBytes, 0);
        assert.equal(a.allocatedBytes <= blockSize, true, "consumed blocks are freed");
      },
    ),
    { seed: 4242, numRuns: 150 },
  );
});

Deno.test("assembler: data far beyond the window is a typed error, not growth", () => {
  const a = new Assembler({ maxAhead: 10_000 });
  a.insert(0, new Uint8Array(100));
  assert.throws(
    () => a.insert(9_950, new Uint8Array(100)),
    (e) => code(e) === TransportErrorCode.FLOW_CONTROL_ERROR,
  );
  assert.throws(
    () => a.insert(2 ** 52, new Uint8Array(1)),
    (e) => code(e) === TransportErrorCode.FLOW_CONTROL_ERROR,
  );
  // Exactly at the limit is fine; reading moves the window.
  a.insert(9_900, new Uint8Array(100));
  a.read(new Uint8Array(100));
  a.insert(10_000, new Uint8Array(100));
  const c = new Assembler({
    maxAhead: 4096,
    aheadErrorCode: TransportErrorCode.CRYPTO_BUFFER_EXCEEDED,
  });
  assert.throws(
    () => c.insert(4096, new Uint8Array(1)),
    (e) => code(e) === TransportErrorCode.CRYPTO_BUFFER_EXCEEDED,
  );
});

Deno.test("assembler: too many gaps is a typed error with bounded memory", () => {
  const a = new Assembler({ maxRanges: 100, maxAhead: 1 << 20, blockSize: 4096 });
  let err: unknown;
  try {
    for (let i = 1; i < 100_000; i++) a.insert(i * 2, Uint8Array.of(1));
  } catch (e) {
    err = e;
  }
  assert.equal(code(err), TransportErrorCode.PROTOCOL_VIOLATION);
  assert.ok(a.rangeCount <= 101);
  assert.ok(a.allocatedBytes <= 4096, `allocated ${a.allocatedBytes}`);
  // Filling gaps merges ranges and keeps working below the limit.
  const b = new Assembler({ maxRanges: 3 });
  b.insert(10, Uint8Array.of(1));
  b.insert(20, Uint8Array.of(1));
  b.insert(30, Uint8Array.of(1));
  b.insert(11, new Uint8Array(9)); // merges 10..21
  b.insert(40, Uint8Array.of(1));
  assert.equal(b.rangeCount, 3);
});

Deno.test("assembler: discard frees storage and ignores older data", () => {
  const a = new Assembler();
  a.insert(50, new Uint8Array(1000));
  a.discard(2000);
  assert.equal(a.allocatedBytes, 0);
  assert.equal(a.readOffset, 2000);
  assert.equal(a.insert(1000, new Uint8Array(500)), false);
  assert.equal(a.insert(2000, Uint8Array.of(9)), true);
  assert.deepEqual([...a.readChunk()!], [9]);
});

Deno.test("assembler: mostly in-order arrival (fast path) matches a byte-map model", () => {
  // Mostly in-order segments with occasional swaps, duplicates, stale and
  // empty frames move the assembler in and out of its in-order fast path;
  // every observable value must match a plain per-byte model at every step.
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4000 }),
      fc.integer({ min: 1, max: 300 }),
      fc.integer(),
      fc.constantFrom(16, 256, 1024),
      (n, maxSeg, seed, blockSize) => {
        const r = rng(seed);
        const data = bytes(n, seed ^ 0x3c3c);
        const segs: [number, number][] = [];
        for (let off = 0; off < n;) {
          const len = 1 + Math.floor(r() * maxSeg);
          segs.push([off, Math.min(n, off + len)]);
          off += len;
        }
        for (let i = 0; i + 1 < segs.length; i++) {
          const x = r();
          if (x < 0.1) [segs[i], segs[i + 1]] = [segs[i + 1], segs[i]];
          else if (x < 0.15) segs.splice(i + 1, 0, segs[i]); // duplicate
          else if (x < 0.18) segs.splice(i + 1, 0, [segs[i][0], segs[i][0]]); // empty
        }
        const a = new Assembler({ blockSize, maxRanges: 10000 });
        const have = new Uint8Array(n); // model: 1 = received
        let readOff = 0;
        let highest = 0;
        const out = new Uint8Array(n);
        for (const [s, e] of segs) {
          let fresh = false;
          for (let i = Math.max(s, readOff); i < e; i++) if (!have[i]) fresh = true;
          assert.equal(a.insert(s, data.subarray(s, e)), fresh, `insert [${s},${e})`);
          for (let i = s; i < e; i++) have[i] = 1;
          if (fresh && e > highest) highest = e;
          let contig = readOff;
          while (contig < n && have[contig]) contig++;
          assert.equal(a.contiguousEnd, contig);
          assert.equal(a.readableBytes, contig - readOff);
          assert.equal(a.highestOffset, highest);
          let ranges = 0;
          for (let i = readOff; i < n; i++) {
            if (have[i] && (i === readOff || !have[i - 1])) ranges++;
          }
          assert.equal(a.rangeCount, ranges);
          if (r() < 0.4) {
            const got = a.read(
              out.subarray(0, Math.min(n, readOff + 1 + Math.floor(r() * 500))),
              readOff,
            );
            readOff += got;
            assert.equal(a.readOffset, readOff);
          }
        }
        readOff += a.read(out, readOff);
        assert.equal(readOff, n);
        assert.deepEqual(out, data);
        assert.equal(a.rangeCount, 0);
      },
    ),
    { seed: 9000, numRuns: 120 },
  );
});
