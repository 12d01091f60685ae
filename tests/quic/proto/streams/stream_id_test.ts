import assert from "node:assert/strict";
import {
  isBidirectional,
  isClientInitiated,
  isLocallyInitiated,
  isUnidirectional,
  makeStreamId,
  streamIndex,
  streamType,
  typeFor,
} from "../../../../quic/proto/streams/stream_id.ts";

Deno.test("stream IDs: RFC 9000 §2.1 Table 1 type bits", () => {
  // 0x00 client bidi, 0x01 server bidi, 0x02 client uni, 0x03 server uni
  const table: [number, boolean, boolean][] = [
    [0, true, true],
    [1, false, true],
    [2, true, false],
    [3, false, false],
  ];
  for (const [t, client, bidi] of table) {
    for (const index of [0, 1, 7, 2 ** 40]) {
      const id = makeStreamId(t as 0 | 1 | 2 | 3, index);
      assert.equal(id, index * 4 + t);
      assert.equal(streamType(id), t);
      assert.equal(streamIndex(id), index);
      assert.equal(isClientInitiated(id), client);
      assert.equal(isBidirectional(id), bidi);
      assert.equal(isUnidirectional(id), !bidi);
      assert.equal(isLocallyInitiated(id, false), client);
      assert.equal(isLocallyInitiated(id, true), !client);
    }
  }
});

Deno.test("stream IDs: typeFor maps role/direction/initiator to the type", () => {
  assert.equal(typeFor(false, true, true), 0); // client opens bidi
  assert.equal(typeFor(false, true, false), 1); // server-opened bidi seen by client
  assert.equal(typeFor(false, false, true), 2);
  assert.equal(typeFor(false, false, false), 3);
  assert.equal(typeFor(true, true, true), 1);
  assert.equal(typeFor(true, true, false), 0);
  assert.equal(typeFor(true, false, true), 3);
  assert.equal(typeFor(true, false, false), 2);
});
