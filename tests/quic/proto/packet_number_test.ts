import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodePacketNumber,
  encodePacketNumberLength,
  readPacketNumber,
  writePacketNumber,
} from "../../../quic/proto/packet_number.ts";
import { QuicError } from "../../../quic/proto/errors.ts";

Deno.test("packet number: RFC 9000 Appendix A.2 encoding length examples", () => {
  // 29,519 outstanding packets need 16 bits; 65,611 need more than 16 (24-bit encoding).
  assert.equal(encodePacketNumberLength(0xac5c02, 0xabe8b3), 2);
  assert.equal(encodePacketNumberLength(0xace8fe, 0xabe8b3), 3);
  // Before any acknowledgment the full packet number's range counts (RFC 9000 §17.1).
  assert.equal(encodePacketNumberLength(0), 1);
  assert.equal(encodePacketNumberLength(127), 1);
  assert.equal(encodePacketNumberLength(128), 2);
  assert.equal(encodePacketNumberLength(0x1000000), 4);
  // Boundaries: 2^(8n) >= 2 * unacked.
  assert.equal(encodePacketNumberLength(128, 0), 1);
  assert.equal(encodePacketNumberLength(129, 0), 2);
  assert.equal(encodePacketNumberLength(2 ** 40, 0), 4);
});

Deno.test("packet number: RFC 9000 Appendix A.3 decoding example", () => {
  assert.equal(decodePacketNumber(0xa82f30ea, 0x9b32, 16), 0xa82f9b32);
  // Window edges: wrap forward and backward.
  assert.equal(decodePacketNumber(0xff, 0x00, 8), 0x100);
  assert.equal(decodePacketNumber(0x100, 0xff, 8), 0xff);
  assert.equal(decodePacketNumber(-1, 0, 8), 0);
  // Above 2^32: no 32-bit truncation.
  assert.equal(decodePacketNumber(2 ** 40 + 5, 7, 8), 2 ** 40 + 7);
});

Deno.test("packet number: encode length + truncate + decode recovers the number (seeded)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 50 }),
      fc.integer({ min: 1, max: 2 ** 30 }),
      fc.integer({ min: 0, max: 1000 }),
      (largestAcked, ahead, receivedBehind) => {
        const fullPn = largestAcked + ahead;
        const len = encodePacketNumberLength(fullPn, largestAcked);
        const buf = new Uint8Array(4);
        writePacketNumber(buf, 0, fullPn, len);
        const truncated = readPacketNumber(buf, 0, len);
        // The receiver has processed some packet between largestAcked and fullPn.
        const largestPn = Math.max(largestAcked, fullPn - 1 - Math.min(receivedBehind, ahead - 1));
        if (ahead < 2 ** 31) {
          assert.equal(decodePacketNumber(largestPn, truncated, len * 8), fullPn);
        }
      },
    ),
    { seed: 4242, numRuns: 3000 },
  );
  assert.throws(() => readPacketNumber(Uint8Array.of(1), 0, 2), QuicError);
});
