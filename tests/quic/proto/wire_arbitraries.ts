/**
 * fast-check arbitraries for QUIC wire structures, shared by the frame,
 * header, transport-parameter and fuzz tests.
 */
import fc from "fast-check";
import type { AckRange, Frame } from "../../../quic/proto/frames/mod.ts";
import type { TransportParameters } from "../../../quic/proto/transport_params.ts";

/** 0..2^53-1, biased toward every varint width. */
export const varNum: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 63 }),
  fc.integer({ min: 64, max: 16383 }),
  fc.integer({ min: 16384, max: 0x3fffffff }),
  fc.integer({ min: 0x40000000, max: Number.MAX_SAFE_INTEGER }),
);

/** 0..2^62-1 as bigint. */
export const varBig: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 0n, max: 63n }),
  fc.bigInt({ min: 0n, max: 0x3fffffffn }),
  fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }),
);

export const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: min, maxLength: max });

/** Valid, descending, disjoint ACK ranges. */
export const ackRanges: fc.Arbitrary<AckRange[]> = fc
  .tuple(
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 })), {
      maxLength: 20,
    }),
  )
  .map(([start, steps]) => {
    // Build ascending from `start`, then reverse.
    const asc: AckRange[] = [];
    let next = start;
    for (const [gap, len] of steps) {
      const smallest = next;
      const largest = smallest + len;
      asc.push([smallest, largest]);
      next = largest + gap + 2;
    }
    if (asc.length === 0) asc.push([start, start]);
    return asc.reverse();
  });

const streamId = varNum;
const offsetAndData = fc.tuple(
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 2000 }),
  bytes(0, 300),
);

/** Any frame; `hasLength` is always true so frames can be followed by others. */
export const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.integer({ min: 1, max: 50 }).map((length): Frame => ({ type: "padding", length })),
  fc.constant<Frame>({ type: "ping" }),
  fc.record({
    ackDelay: varNum,
    ranges: ackRanges,
    ecn: fc.option(fc.record({ ect0: varNum, ect1: varNum, ce: varNum }), { nil: undefined }),
  }).map((r): Frame =>
    r.ecn === undefined
      ? { type: "ack", ackDelay: r.ackDelay, ranges: r.ranges }
      : { type: "ack", ackDelay: r.ackDelay, ranges: r.ranges, ecn: { ...r.ecn } }
  ),
  fc.record({ streamId, errorCode: varBig, finalSize: varNum }).map((r): Frame => ({
    type: "reset_stream",
    ...r,
  })),
  fc.record({ streamId, errorCode: varBig }).map((r): Frame => ({ type: "stop_sending", ...r })),
  offsetAndData.map(([offset, data]): Frame => ({ type: "crypto", offset, data })),
  bytes(1, 100).map((token): Frame => ({ type: "new_token", token })),
  fc.tuple(streamId, offsetAndData, fc.boolean()).map(([id, [offset, data], fin]): Frame => ({
    type: "stream",
    streamId: id,
    offset,
    data,
    fin,
    hasLength: true,
  })),
  varNum.map((maximumData): Frame => ({ type: "max_data", maximumData })),
  fc.record({ streamId, maximumStreamData: varNum }).map((r): Frame => ({
    type: "max_stream_data",
    ...r,
  })),
  fc.record({ bidi: fc.boolean(), maximumStreams: varNum }).map((r): Frame => ({
    type: "max_streams",
    ...r,
  })),
  varNum.map((maximumData): Frame => ({ type: "data_blocked", maximumData })),
  fc.record({ streamId, maximumStreamData: varNum }).map((r): Frame => ({
    type: "stream_data_blocked",
    ...r,
  })),
  fc.record({ bidi: fc.boolean(), maximumStreams: varNum }).map((r): Frame => ({
    type: "streams_blocked",
    ...r,
  })),
  fc.record({
    sequenceNumber: varNum,
    frac: fc.double({ min: 0, max: 1, noNaN: true }),
    connectionId: bytes(1, 20),
    statelessResetToken: bytes(16, 16),
  }).map(({ sequenceNumber, frac, connectionId, statelessResetToken }): Frame => ({
    type: "new_connection_id",
    sequenceNumber,
    retirePriorTo: Math.floor(sequenceNumber * frac),
    connectionId,
    statelessResetToken,
  })),
  varNum.map((sequenceNumber): Frame => ({ type: "retire_connection_id", sequenceNumber })),
  bytes(8, 8).map((data): Frame => ({ type: "path_challenge", data })),
  bytes(8, 8).map((data): Frame => ({ type: "path_response", data })),
  fc.record({
    application: fc.boolean(),
    errorCode: varBig,
    frameType: varNum,
    reasonPhrase: bytes(0, 64),
  }).map((r): Frame => ({
    type: "connection_close",
    ...r,
    frameType: r.application ? 0 : r.frameType,
  })),
  fc.constant<Frame>({ type: "handshake_done" }),
  bytes(0, 300).map((data): Frame => ({ type: "datagram", data, hasLength: true })),
);

const cid = bytes(0, 20);

/** Valid transport parameters for `role`'s sender (always round-trippable). */
export const transportParameters = (
  role: "client" | "server",
): fc.Arbitrary<Partial<TransportParameters>> =>
  fc.record({
    maxIdleTimeout: varNum,
    maxUdpPayloadSize: fc.integer({ min: 1200, max: Number.MAX_SAFE_INTEGER }),
    initialMaxData: varNum,
    initialMaxStreamDataBidiLocal: varNum,
    initialMaxStreamDataBidiRemote: varNum,
    initialMaxStreamDataUni: varNum,
    initialMaxStreamsBidi: varNum,
    initialMaxStreamsUni: varNum,
    ackDelayExponent: fc.integer({ min: 0, max: 20 }),
    maxAckDelay: fc.integer({ min: 0, max: 2 ** 14 - 1 }),
    disableActiveMigration: fc.boolean(),
    activeConnectionIdLimit: fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER }),
    initialSourceConnectionId: cid,
    greaseQuicBit: fc.boolean(),
    maxDatagramFrameSize: fc.option(varNum, { nil: undefined }),
    versionInformation: fc.option(
      fc.record({
        chosenVersion: fc.integer({ min: 1, max: 0xffffffff }),
        availableVersions: fc.array(fc.integer({ min: 1, max: 0xffffffff }), { maxLength: 5 }),
      }).map((v) => ({ ...v })),
      { nil: undefined },
    ),
    ...(role === "server"
      ? {
        originalDestinationConnectionId: cid,
        statelessResetToken: fc.option(bytes(16, 16), { nil: undefined }),
        retrySourceConnectionId: fc.option(cid, { nil: undefined }),
        preferredAddress: fc.option(
          fc.record({
            ipv4Address: bytes(4, 4),
            ipv4Port: fc.integer({ min: 0, max: 65535 }),
            ipv6Address: bytes(16, 16),
            ipv6Port: fc.integer({ min: 0, max: 65535 }),
            connectionId: bytes(1, 20),
            statelessResetToken: bytes(16, 16),
          }).map((v) => ({ ...v })),
          { nil: undefined },
        ),
      }
      : {}),
  }, { requiredKeys: [] }).map((p) => ({
    initialSourceConnectionId: new Uint8Array(0),
    ...(role === "server" ? { originalDestinationConnectionId: new Uint8Array(0) } : {}),
    ...p,
  }));
