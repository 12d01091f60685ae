// SETTINGS (RFC 9114 §7.2.4): round trips (seeded property test), unknown
// and GREASE settings ignored, duplicates, HTTP/2 identifiers and bad
// boolean values rejected with H3_SETTINGS_ERROR.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeSettingsPayload,
  encodeFrame,
  encodeSettingsPayload,
  greaseId,
  H3Error,
  H3ErrorCode,
  SettingId,
} from "../../../http3/proto/mod.ts";

function pairs(...kv: number[]): Uint8Array {
  const out: number[] = [];
  for (const v of kv) {
    // Only small values in these hand-made payloads: 1- or 2-byte varints.
    if (v < 64) out.push(v);
    else out.push(0x40 | (v >> 8), v & 0xff);
  }
  return Uint8Array.from(out);
}

function code(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof H3Error) return e.code;
    throw e;
  }
  return -1;
}

Deno.test("settings: each setting round-trips", () => {
  const s = decodeSettingsPayload(encodeSettingsPayload({
    maxFieldSectionSize: 100000,
    qpackMaxTableCapacity: 4096,
    qpackBlockedStreams: 100,
    enableConnectProtocol: true,
    h3Datagram: true,
    other: new Map([[greaseId(3), 77]]),
  }));
  assert.equal(s.maxFieldSectionSize, 100000);
  assert.equal(s.qpackMaxTableCapacity, 4096);
  assert.equal(s.qpackBlockedStreams, 100);
  assert.equal(s.enableConnectProtocol, true);
  assert.equal(s.h3Datagram, true);
  assert.equal(s.other?.get(greaseId(3)), 77);
  const off = decodeSettingsPayload(
    encodeSettingsPayload({ enableConnectProtocol: false, h3Datagram: false }),
  );
  assert.equal(off.enableConnectProtocol, false);
  assert.equal(off.h3Datagram, false);
  assert.deepEqual(decodeSettingsPayload(new Uint8Array(0)), {});
});

Deno.test("settings: property — random settings round-trip", () => {
  fc.assert(
    fc.property(
      fc.record({
        maxFieldSectionSize: fc.option(fc.maxSafeNat(), { nil: undefined }),
        qpackMaxTableCapacity: fc.option(fc.nat(2 ** 30), { nil: undefined }),
        qpackBlockedStreams: fc.option(fc.nat(65535), { nil: undefined }),
        enableConnectProtocol: fc.option(fc.boolean(), { nil: undefined }),
        h3Datagram: fc.option(fc.boolean(), { nil: undefined }),
      }),
      fc.uniqueArray(fc.nat(2 ** 30), { maxLength: 5 }),
      (s, grease) => {
        const other = new Map(grease.map((n) => [greaseId(n), n] as [number, number]));
        const clean = Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));
        const got = decodeSettingsPayload(encodeSettingsPayload({ ...clean, other }));
        for (const [k, v] of Object.entries(clean)) {
          assert.equal((got as Record<string, unknown>)[k], v);
        }
        for (const [k, v] of other) assert.equal(got.other?.get(k), v);
      },
    ),
    { seed: 4, numRuns: 1000 },
  );
});

Deno.test("settings: duplicates and HTTP/2 identifiers are H3_SETTINGS_ERROR (§7.2.4.1)", () => {
  assert.equal(
    code(() => decodeSettingsPayload(pairs(0x6, 1, 0x6, 2))),
    H3ErrorCode.H3_SETTINGS_ERROR,
  );
  assert.equal(
    code(() => decodeSettingsPayload(pairs(0x21, 1, 0x21, 1))),
    H3ErrorCode.H3_SETTINGS_ERROR,
  );
  for (const id of [0x0, 0x2, 0x3, 0x4, 0x5]) {
    assert.equal(
      code(() => decodeSettingsPayload(pairs(id, 1))),
      H3ErrorCode.H3_SETTINGS_ERROR,
      `id ${id}`,
    );
  }
  // RFC 9220 §3 / RFC 9297 §2.1.1: only 0 or 1.
  assert.equal(
    code(() => decodeSettingsPayload(pairs(SettingId.ENABLE_CONNECT_PROTOCOL, 2))),
    0x109,
  );
  assert.equal(code(() => decodeSettingsPayload(pairs(SettingId.H3_DATAGRAM, 5))), 0x109);
  // Truncated pair → H3_FRAME_ERROR.
  assert.equal(code(() => decodeSettingsPayload(Uint8Array.of(0x6))), H3ErrorCode.H3_FRAME_ERROR);
  assert.equal(
    code(() => decodeSettingsPayload(Uint8Array.of(0x6, 0x40))),
    H3ErrorCode.H3_FRAME_ERROR,
  );
});

Deno.test("settings: unknown settings are kept (bounded) and otherwise ignored", () => {
  const ids: number[] = [];
  for (let i = 0; i < 100; i++) ids.push(0x1000 + i, 1);
  const s = decodeSettingsPayload(pairs(...ids));
  assert.equal(s.other?.size, 64);
  assert.equal(s.qpackMaxTableCapacity, undefined);
  assert.ok(encodeFrame(4, pairs(...ids)).length > 300);
});
