// Shared helpers for the packet protection tests: the RFC 9001 / RFC 9369
// Appendix A vectors, hex helpers, and a tiny header walker to find pnOffset
// (the real header parser belongs to quic/proto/; this only serves tests).
import v1 from "../vectors/rfc9001-appendix-a-packet-protection.json" with { type: "json" };
import v2 from "../vectors/rfc9369-appendix-a-packet-protection.json" with { type: "json" };

export const hex = (s: string): Uint8Array =>
  Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
export const toHex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

export { v1, v2 };
export type VectorFile = typeof v1 | typeof v2;
export const VECTOR_FILES: { name: string; version: number; v: VectorFile }[] = [
  { name: "v1 (RFC 9001 §A)", version: 0x00000001, v: v1 },
  { name: "v2 (RFC 9369 §A)", version: 0x6b3343cf, v: v2 },
];

function readVarInt(b: Uint8Array, off: number): [number, number] {
  const len = 1 << (b[off] >> 6);
  let v = b[off] & 0x3f;
  for (let i = 1; i < len; i++) v = v * 256 + b[off + i];
  return [v, off + len];
}

/**
 * pnOffset and packet end of a long header Initial packet (RFC 9000 §17.2.2),
 * or of a short header packet with a DCID of `shortDcidLength` bytes.
 */
export function locatePacketNumber(
  b: Uint8Array,
  shortDcidLength = 0,
): { pnOffset: number; packetEnd: number } {
  if ((b[0] & 0x80) === 0) return { pnOffset: 1 + shortDcidLength, packetEnd: b.length };
  let off = 5;
  off += 1 + b[off]; // DCID
  off += 1 + b[off]; // SCID
  const [tokenLength, afterTokenLength] = readVarInt(b, off); // Initial: token
  off = afterTokenLength + tokenLength;
  const [length, pnOffset] = readVarInt(b, off);
  return { pnOffset, packetEnd: pnOffset + length };
}

/** The client Initial's plaintext payload: CRYPTO frame then PADDING. */
export function clientInitialPayload(v: VectorFile): Uint8Array {
  const p = new Uint8Array(v.client_initial.payload_length_after_padding);
  p.set(hex(v.client_initial.crypto_frame));
  return p;
}
