/**
 * The main job until the HTTP/3 server lands: a gquic client endpoint builds
 * its first real Initial packet (a TLS 1.3 ClientHello in CRYPTO frames,
 * padded to 1200 bytes, protected with the RFC 9001 §5.2 Initial keys), then
 * we play the server: parse the header, remove header protection, decrypt,
 * decode the frames and dump everything — for QUIC v1 and v2 (RFC 9369).
 *
 * Run: `deno task demo`
 * @module
 */
import { randomBytes } from "node:crypto";
import { Endpoint } from "./quic/proto/endpoint.ts";
import { parsePacketHeader } from "./quic/proto/header.ts";
import { decodeFrames } from "./quic/proto/frames/decode.ts";
import { packetTypeName } from "./quic/proto/packet_type.ts";
import { QUIC_V1, QUIC_V2 } from "./quic/proto/version.ts";
import { createInitialKeys } from "./crypto/initial_secrets.ts";
import { unprotectPacket } from "./crypto/packet_protection.ts";
import type { Frame } from "./quic/proto/frames/types.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

function dump(label: string, b: Uint8Array, max = 64): void {
  const h = hex(b.subarray(0, max));
  console.log(`  ${label} (${b.length} bytes): ${h}${b.length > max ? "…" : ""}`);
}

function describe(f: Frame): string {
  if (f.type === "crypto") return `CRYPTO offset=${f.offset} length=${f.data.length}`;
  return f.type.toUpperCase();
}

// TLS handshake message types (RFC 8446 §4) for the dump.
function clientHelloSummary(crypto: Uint8Array): string {
  if (crypto[0] !== 1) return `handshake type ${crypto[0]}`;
  const len = (crypto[1] << 16) | (crypto[2] << 8) | crypto[3];
  return `ClientHello, ${len} bytes body, legacy_version 0x${hex(crypto.subarray(4, 6))}`;
}

function run(version: number): void {
  const random = (n: number) => new Uint8Array(randomBytes(n));
  const ep = new Endpoint({ random });
  ep.connect({ hostname: "127.0.0.1", port: 4433 }, {
    tls: { serverName: "localhost", alpnProtocols: ["h3"] },
    version,
  }, 0);
  const t = ep.pollTransmit(0);
  if (!t) throw new Error("the endpoint produced no Initial packet");
  const datagram = t.data.slice();
  console.log(
    `\n== QUIC v${version === QUIC_V1 ? 1 : 2} (0x${version.toString(16)}) client Initial`,
  );
  dump("protected datagram", datagram);

  const hdr = parsePacketHeader(datagram, 0, 0);
  console.log(`  header: ${packetTypeName(hdr.packetType)}, version 0x${hdr.version.toString(16)}`);
  console.log(`  dcid ${hex(hdr.dcid)}  scid ${hex(hdr.scid)}  token ${hdr.token.length} bytes`);
  console.log(`  packet number at offset ${hdr.pnOffset}, packet ends at ${hdr.packetEnd}`);

  // The server derives the same Initial keys from the client's DCID (RFC 9001 §5.2).
  const keys = createInitialKeys(version, hdr.dcid.slice());
  const buf = datagram.slice();
  const p = unprotectPacket(buf, hdr.packetStart, hdr.pnOffset, hdr.packetEnd, -1, keys.client);
  if (!p) throw new Error("decryption failed");
  console.log(
    `  unprotected: first byte 0x${p.firstByte.toString(16)}, packet number ${p.packetNumber} ` +
      `(${p.pnLength} bytes), payload ${p.payload.length} bytes`,
  );
  const frames = decodeFrames(p.payload, hdr.packetType);
  const counts = new Map<string, number>();
  for (const f of frames) counts.set(describe(f), (counts.get(describe(f)) ?? 0) + 1);
  for (const [d, n] of counts) console.log(`  frame: ${d}${n > 1 ? ` ×${n}` : ""}`);
  const crypto = frames.filter((f) => f.type === "crypto").sort((a, b) =>
    (a.type === "crypto" && b.type === "crypto") ? a.offset - b.offset : 0
  );
  const first = crypto[0];
  if (first?.type === "crypto") {
    console.log(`  TLS: ${clientHelloSummary(first.data)}`);
    dump("ClientHello", first.data, 48);
  }
  // Tamper with one byte: the AEAD must refuse it (RFC 9001 §5.3).
  const bad = datagram.slice();
  bad[hdr.packetEnd - 1] ^= 1;
  const rejected = unprotectPacket(
    bad,
    hdr.packetStart,
    hdr.pnOffset,
    hdr.packetEnd,
    -1,
    keys.client,
  );
  console.log(`  tampered copy rejected: ${rejected === null}`);
  if (rejected !== null) throw new Error("tampered packet was accepted");
}

if (import.meta.main) {
  run(QUIC_V1);
  run(QUIC_V2);
  console.log("\nOK");
}
