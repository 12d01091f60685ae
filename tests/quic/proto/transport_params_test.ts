import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeTransportParameters,
  defaultTransportParameters,
  encodeTransportParameters,
  isReservedTransportParameter,
  reservedTransportParameterId,
  type TransportParameters,
} from "../../../quic/proto/transport_params.ts";
import { QuicError, TransportErrorCode } from "../../../quic/proto/errors.ts";
import { QUIC_V1, QUIC_V2 } from "../../../quic/proto/version.ts";
import { transportParameters } from "./wire_arbitraries.ts";

const hex = (s: string) =>
  Uint8Array.from((s.replace(/\s/g, "").match(/../g) ?? []).map((h) => parseInt(h, 16)));
const ISCID = "0f 00"; // initial_source_connection_id, empty (required by RFC 9000 §7.3)
const ODCID = "00 00"; // original_destination_connection_id, empty (required from servers)

function rejects(bytes: Uint8Array, role: "client" | "server", why: string): void {
  assert.throws(
    () => decodeTransportParameters(bytes, role),
    (e: unknown) => {
      assert.ok(e instanceof QuicError, `${why}: expected QuicError, got ${e}`);
      assert.equal(e.code, TransportErrorCode.TRANSPORT_PARAMETER_ERROR, `${why}: ${e.message}`);
      return true;
    },
    why,
  );
}

function normalized(p: Partial<TransportParameters>): TransportParameters {
  const out: Record<string, unknown> = { ...defaultTransportParameters() };
  for (const [k, v] of Object.entries(p)) if (v !== undefined) out[k] = v;
  return out as unknown as TransportParameters;
}

for (const role of ["client", "server"] as const) {
  Deno.test(`transport params: ${role} parameters round-trip (seeded)`, () => {
    fc.assert(
      fc.property(
        transportParameters(role),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.uint8Array({ maxLength: 16 })), {
          maxLength: 3,
        }),
        (p, grease) => {
          // Distinct reserved IDs (duplicates are an error on receipt).
          const reserved = [...new Map(grease.map(([n, v]) => [n, v])).entries()].map((
            [n, value],
          ) => ({ id: reservedTransportParameterId(n), value }));
          const bytes = encodeTransportParameters(p, { senderRole: role, reserved });
          const back = decodeTransportParameters(bytes, role);
          assert.deepEqual(back, normalized(p));
        },
      ),
      { seed: 1800 + role.length, numRuns: 1000 },
    );
  });
}

Deno.test("transport params: the RFC 9001 §A.2 ClientHello parameters decode", () => {
  // quic_transport_parameters extension body from the RFC 9001 Appendix A ClientHello.
  const tp = decodeTransportParameters(
    hex(
      "0408ffffffffffffffff05048000ffff07048000ffff0801100104800075300901100f088394c8f03e51570806048000ffff",
    ),
    "client",
  );
  assert.equal(tp.initialMaxData, Number.MAX_SAFE_INTEGER); // 2^62-1 saturates
  assert.equal(tp.initialMaxStreamDataBidiLocal, 0xffff);
  assert.equal(tp.initialMaxStreamDataUni, 0xffff);
  assert.equal(tp.initialMaxStreamsBidi, 16);
  assert.equal(tp.maxIdleTimeout, 30000);
  assert.equal(tp.initialMaxStreamsUni, 16);
  assert.deepEqual(tp.initialSourceConnectionId, hex("8394c8f03e515708"));
  assert.equal(tp.initialMaxStreamDataBidiRemote, 0xffff);
  assert.equal(tp.ackDelayExponent, 3);
  assert.equal(tp.activeConnectionIdLimit, 2);
});

Deno.test("transport params: extension parameters (RFC 9368, RFC 9221, RFC 9287)", () => {
  const bytes = encodeTransportParameters({
    initialSourceConnectionId: new Uint8Array(0),
    versionInformation: { chosenVersion: QUIC_V2, availableVersions: [QUIC_V2, QUIC_V1] },
    maxDatagramFrameSize: 65535,
    greaseQuicBit: true,
  });
  const tp = decodeTransportParameters(bytes, "client");
  assert.deepEqual(tp.versionInformation, {
    chosenVersion: QUIC_V2,
    availableVersions: [QUIC_V2, QUIC_V1],
  });
  assert.equal(tp.maxDatagramFrameSize, 65535);
  assert.equal(tp.greaseQuicBit, true);
  // grease_quic_bit is 0x2ab2 (varint 6ab2) with an empty value.
  assert.ok(/6ab200/.test(Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")));
  // Unknown and reserved parameters are ignored.
  assert.ok(isReservedTransportParameter(27n) && !isReservedTransportParameter(28n));
  const withUnknown = decodeTransportParameters(
    hex(`${ISCID} 1b 02 aa bb 40 99 01 00 5f ff 00`),
    "client",
  );
  assert.deepEqual(withUnknown, {
    ...defaultTransportParameters(),
    initialSourceConnectionId: new Uint8Array(0),
  });
});

Deno.test("transport params: invalid values are TRANSPORT_PARAMETER_ERROR (RFC 9000 §18.2)", () => {
  const token = "00".repeat(16);
  const pa = (cidLen: number) =>
    `0d ${(24 + 1 + cidLen + 16).toString(16).padStart(2, "0")} ${"00".repeat(24)} ` +
    `${cidLen.toString(16).padStart(2, "0")} ${"11".repeat(cidLen)} ${token}`;
  const cases: [string, "client" | "server", string][] = [
    [`${ISCID} 03 02 44 af`, "client", "max_udp_payload_size 1199"],
    [`${ISCID} 0a 01 15`, "client", "ack_delay_exponent 21"],
    [`${ISCID} 0b 02 80 00`, "client", "truncated max_ack_delay varint"],
    [`${ISCID} 0b 04 80 00 40 00`, "client", "max_ack_delay 2^14"],
    [`${ISCID} 0e 01 01`, "client", "active_connection_id_limit 1"],
    [`${ISCID} 08 08 d0 00 00 00 00 00 00 01`, "client", "initial_max_streams_bidi 2^60+1"],
    [`${ISCID} 09 08 d0 00 00 00 00 00 00 01`, "client", "initial_max_streams_uni 2^60+1"],
    [`${ISCID} 01 02 05 00`, "client", "integer shorter than its parameter"],
    [`${ISCID} 01 01 45`, "client", "integer longer than its parameter"],
    [`${ISCID} 01 01 05 01 01 06`, "client", "duplicate parameter"],
    [`${ISCID} 1b 00 1b 00`, "client", "duplicate reserved parameter"],
    [`${ISCID} 0c 01 00`, "client", "non-empty disable_active_migration"],
    [`${ISCID} 80 00 2a b2 01 00`, "client", "non-empty grease_quic_bit"],
    [`${ISCID} 0f 00`, "client", "duplicate initial_source_connection_id"],
    [`0f 15 ${"11".repeat(21)}`, "client", "21-byte initial_source_connection_id"],
    [``, "client", "missing initial_source_connection_id"],
    [`${ISCID}`, "server", "missing original_destination_connection_id from a server"],
    [`${ISCID} 00 00`, "client", "original_destination_connection_id from a client"],
    [`${ISCID} 02 10 ${token}`, "client", "stateless_reset_token from a client"],
    [`${ISCID} 10 00`, "client", "retry_source_connection_id from a client"],
    [`${ISCID} ${pa(4)}`, "client", "preferred_address from a client"],
    [`${ISCID} ${ODCID} 02 0f ${"00".repeat(15)}`, "server", "15-byte stateless_reset_token"],
    [`${ISCID} ${ODCID} ${pa(0)}`, "server", "preferred_address with empty CID"],
    [`${ISCID} ${ODCID} ${pa(21)}`, "server", "preferred_address with 21-byte CID"],
    [`${ISCID} ${ODCID} 0d 05 00 00 00 00 00`, "server", "truncated preferred_address"],
    [`${ISCID} 11 06 00 00 00 01 00 00`, "client", "version_information not a multiple of 4"],
    [`${ISCID} 11 04 00 00 00 00`, "client", "version_information chosen version 0"],
    [`${ISCID} 11 08 00 00 00 01 00 00 00 00`, "client", "available version 0"],
    [`${ISCID} 11 00`, "client", "empty version_information"],
    [`${ISCID} 01 05 00`, "client", "parameter length beyond the block"],
    [`${ISCID} 01`, "client", "truncated parameter header"],
  ];
  for (const [h, role, why] of cases) rejects(hex(h), role, why);
  // The same shapes decode fine when valid.
  const ok = decodeTransportParameters(hex(`${ISCID} ${ODCID} ${pa(4)} 02 10 ${token}`), "server");
  assert.deepEqual(ok.preferredAddress?.connectionId, hex("11111111"));
  assert.equal(
    decodeTransportParameters(hex(`${ISCID} 08 08 d0 00 00 00 00 00 00 00`), "client")
      .initialMaxStreamsBidi,
    Number.MAX_SAFE_INTEGER,
  );
});

Deno.test("transport params: encoding invalid values is an INTERNAL_ERROR", () => {
  const bad: Partial<TransportParameters>[] = [
    { maxUdpPayloadSize: 1000 },
    { ackDelayExponent: 21 },
    { activeConnectionIdLimit: 1 },
    { statelessResetToken: new Uint8Array(15) },
    { initialSourceConnectionId: new Uint8Array(21) },
    { versionInformation: { chosenVersion: 0, availableVersions: [] } },
  ];
  for (const p of bad) {
    assert.throws(
      () => encodeTransportParameters(p),
      (e: unknown) => e instanceof QuicError && e.code === TransportErrorCode.INTERNAL_ERROR,
      JSON.stringify(Object.keys(p)),
    );
  }
  assert.throws(
    () =>
      encodeTransportParameters({ originalDestinationConnectionId: new Uint8Array(0) }, {
        senderRole: "client",
      }),
    QuicError,
  );
  assert.throws(
    () => encodeTransportParameters({}, { reserved: [{ id: 28n, value: new Uint8Array(0) }] }),
    QuicError,
  );
});
