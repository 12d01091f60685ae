/**
 * Seeded, bounded fuzzing of the wire parsers: random and mutated inputs
 * (bit flips, truncation, length-field rewrites, insertion, deletion,
 * duplication) for the packet header, frame and transport-parameter parsers.
 * Every rejection must be a QuicError — nothing else may escape — and
 * accepted frame payloads must re-encode to the same frames.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeFrames,
  encodeFrame,
  type Frame,
  frameSize,
} from "../../../quic/proto/frames/mod.ts";
import {
  encodeRetryWithoutTag,
  encodeVersionNegotiation,
  iterateCoalescedPackets,
  longHeaderSize,
  PacketType,
  type PacketTypeValue,
  patchLength,
  QUIC_V1,
  QUIC_V2,
  writeLongHeader,
  writeShortHeader,
} from "../../../quic/proto/packet.ts";
import {
  decodeTransportParameters,
  encodeTransportParameters,
  reservedTransportParameterId,
} from "../../../quic/proto/transport_params.ts";
import { QuicError } from "../../../quic/proto/errors.ts";
import { frame, transportParameters } from "./wire_arbitraries.ts";
import { mulberry32 as prng } from "../../support/prng.ts";

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);

function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = int(rng, 256);
  return b;
}

/** Applies 1–3 random mutations to a copy of `input`. */
function mutate(rng: Rng, input: Uint8Array): Uint8Array {
  let b = input.slice();
  const rounds = 1 + int(rng, 3);
  for (let r = 0; r < rounds; r++) {
    const pos = b.length === 0 ? 0 : int(rng, b.length);
    switch (int(rng, 7)) {
      case 0: // bit flips
        if (b.length) {
          for (let i = 0, n = 1 + int(rng, 4); i < n; i++) {
            b[int(rng, b.length)] ^= 1 << int(rng, 8);
          }
        }
        break;
      case 1: // truncation
        b = b.subarray(0, int(rng, b.length + 1)).slice();
        break;
      case 2: { // length-field rewrite: a varint prefix of another width, or a huge value
        if (!b.length) break;
        const choices = [0x00, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff];
        b[pos] = choices[int(rng, choices.length)] | (rng() < 0.5 ? int(rng, 64) : 0);
        break;
      }
      case 3: { // insertion
        const ins = randomBytes(rng, 1 + int(rng, 8));
        const out = new Uint8Array(b.length + ins.length);
        out.set(b.subarray(0, pos));
        out.set(ins, pos);
        out.set(b.subarray(pos), pos + ins.length);
        b = out;
        break;
      }
      case 4: { // deletion
        const n = 1 + int(rng, 8);
        b = Uint8Array.from([...b.subarray(0, pos), ...b.subarray(pos + n)]);
        break;
      }
      case 5: { // duplicate a slice
        const n = 1 + int(rng, 16);
        const slice = b.slice(pos, pos + n);
        const out = new Uint8Array(b.length + slice.length);
        out.set(b.subarray(0, pos + slice.length));
        out.set(slice, pos + slice.length);
        out.set(b.subarray(pos + slice.length), pos + 2 * slice.length);
        b = out;
        break;
      }
      default: // overwrite with a random byte
        if (b.length) b[pos] = int(rng, 256);
    }
  }
  return b;
}

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Runs `parse`; anything thrown must be a QuicError. */
function mustBeTyped(label: string, input: Uint8Array, parse: () => void): boolean {
  try {
    parse();
    return true;
  } catch (e) {
    if (!(e instanceof QuicError)) {
      assert.fail(`${label}: non-QuicError ${e} for input ${toHex(input)}`);
    }
    return false;
  }
}

function encodeAll(frames: Frame[]): Uint8Array {
  const buf = new Uint8Array(frames.reduce((n, f) => n + frameSize(f), 0));
  let off = 0;
  for (const f of frames) off = encodeFrame(buf, off, f);
  return buf;
}

// ---- seed corpora ----

function headerCorpus(): Uint8Array[] {
  const rng = prng(77);
  const out: Uint8Array[] = [];
  const versions = [QUIC_V1, QUIC_V2];
  const types: PacketTypeValue[] = [PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake];
  for (let i = 0; i < 60; i++) {
    const dcid = randomBytes(rng, int(rng, 21));
    const parts: Uint8Array[] = [];
    for (let k = 0, n = 1 + int(rng, 3); k < n; k++) {
      const f = {
        packetType: types[int(rng, 3)],
        version: versions[int(rng, 2)],
        dcid,
        scid: randomBytes(rng, int(rng, 21)),
        token: randomBytes(rng, int(rng, 30)),
        packetNumber: int(rng, 2 ** 30),
        pnLength: (1 + int(rng, 4)) as 1 | 2 | 3 | 4,
        lengthSize: [1, 2, 4][int(rng, 3)] as 1 | 2 | 4,
      };
      if (f.packetType !== PacketType.Initial) f.token = new Uint8Array(0);
      const payload = 20 + int(rng, 40);
      const buf = new Uint8Array(longHeaderSize(f) + payload);
      const l = writeLongHeader(buf, 0, f);
      patchLength(buf, l, buf.length);
      parts.push(buf);
    }
    if (rng() < 0.5) {
      const s = new Uint8Array(1 + dcid.length + 4 + 30);
      writeShortHeader(s, 0, { dcid, packetNumber: int(rng, 1000), pnLength: 4 });
      parts.push(s);
    }
    out.push(Uint8Array.from(parts.flatMap((p) => [...p])));
  }
  out.push(
    encodeVersionNegotiation(randomBytes(rng, 8), randomBytes(rng, 8), [QUIC_V1, QUIC_V2], 5),
  );
  for (const v of versions) {
    out.push(Uint8Array.from([
      ...encodeRetryWithoutTag(
        v,
        randomBytes(rng, 8),
        randomBytes(rng, 8),
        randomBytes(rng, 20),
        0,
      ),
      ...randomBytes(rng, 16),
    ]));
  }
  return out;
}

function frameCorpus(): Uint8Array[] {
  return fc.sample(fc.array(frame, { minLength: 1, maxLength: 6 }), { seed: 78, numRuns: 300 })
    .map((fs) =>
      encodeAll(fs.filter((f, i) => !(f.type === "padding" && fs[i - 1]?.type === "padding")))
    );
}

function tpCorpus(): [Uint8Array, "client" | "server"][] {
  const out: [Uint8Array, "client" | "server"][] = [];
  for (const role of ["client", "server"] as const) {
    for (const p of fc.sample(transportParameters(role), { seed: 79, numRuns: 150 })) {
      out.push([
        encodeTransportParameters(p, {
          senderRole: role,
          reserved: [{ id: reservedTransportParameterId(3), value: Uint8Array.of(1, 2) }],
        }),
        role,
      ]);
    }
  }
  return out;
}

const PACKET_TYPES: (PacketTypeValue | undefined)[] = [
  undefined,
  PacketType.Initial,
  PacketType.Handshake,
  PacketType.ZeroRtt,
  PacketType.OneRtt,
];

Deno.test("fuzz: packet header parser (40,000 inputs)", () => {
  const rng = prng(1);
  const corpus = headerCorpus();
  let accepted = 0;
  for (let i = 0; i < 40_000; i++) {
    const input = i % 10 === 0
      ? randomBytes(rng, int(rng, 80))
      : mutate(rng, corpus[int(rng, corpus.length)]);
    const dcidLen = int(rng, 21);
    const ok = mustBeTyped("header", input, () => {
      let n = 0;
      for (const h of iterateCoalescedPackets(input, dcidLen, { allowFixedBitZero: rng() < 0.2 })) {
        assert.ok(h.packetStart < h.packetEnd && h.packetEnd <= input.length);
        assert.ok(h.pnOffset === -1 || (h.pnOffset > h.packetStart && h.pnOffset <= h.packetEnd));
        assert.ok(++n <= input.length, "iteration must make progress");
        // Treat what follows the header as a payload too: more frame fuzzing.
        if (h.pnOffset >= 0 && h.pnOffset + 1 < h.packetEnd) {
          mustBeTyped("frames-in-packet", input, () => {
            decodeFrames(input.subarray(h.pnOffset + 1, h.packetEnd), h.packetType);
          });
        }
      }
    });
    if (ok) accepted++;
  }
  // The mutations must not all be rejected (the fuzzer would test nothing).
  assert.ok(accepted > 1000, `accepted ${accepted}`);
});

Deno.test("fuzz: frame parser (40,000 inputs), accepted payloads re-encode identically", () => {
  const rng = prng(2);
  const corpus = frameCorpus();
  let accepted = 0;
  for (let i = 0; i < 40_000; i++) {
    const input = i % 10 === 0
      ? randomBytes(rng, 1 + int(rng, 60))
      : mutate(rng, corpus[int(rng, corpus.length)]);
    const packetType = PACKET_TYPES[int(rng, PACKET_TYPES.length)];
    let frames: Frame[] = [];
    const ok = mustBeTyped("frames", input, () => {
      frames = decodeFrames(input, packetType, { maxAckRanges: 16 });
    });
    if (!ok) continue;
    accepted++;
    // Decoding the canonical re-encoding yields the same frames.
    const again = encodeAll(frames);
    assert.deepEqual(decodeFrames(again, packetType, { maxAckRanges: 16 }), frames, toHex(input));
  }
  assert.ok(accepted > 1000, `accepted ${accepted}`);
});

Deno.test("fuzz: transport parameter parser (25,000 inputs)", () => {
  const rng = prng(3);
  const corpus = tpCorpus();
  let accepted = 0;
  for (let i = 0; i < 25_000; i++) {
    const [seed, seedRole] = corpus[int(rng, corpus.length)];
    const input = i % 10 === 0 ? randomBytes(rng, int(rng, 80)) : mutate(rng, seed);
    const role = rng() < 0.8 ? seedRole : seedRole === "client" ? "server" : "client";
    if (mustBeTyped("transport params", input, () => decodeTransportParameters(input, role))) {
      accepted++;
    }
  }
  assert.ok(accepted > 1000, `accepted ${accepted}`);
});
