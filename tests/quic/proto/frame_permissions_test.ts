import assert from "node:assert/strict";
import {
  assertFrameAllowed,
  FrameType,
  isAckEliciting,
  isCongestionControlled,
  isFrameAllowed,
  isProbingFrame,
} from "../../../quic/proto/frames/mod.ts";
import { PacketType } from "../../../quic/proto/packet_type.ts";
import { QuicError, TransportErrorCode } from "../../../quic/proto/errors.ts";

// RFC 9000 §12.4 Table 3 transcribed as [types, Pkts, Spec]; DATAGRAM from RFC 9221 §4.
const TABLE: [number[], string, string][] = [
  [[0x00], "IH01", "NP"],
  [[0x01], "IH01", ""],
  [[0x02, 0x03], "IH_1", "NC"],
  [[0x04], "__01", ""],
  [[0x05], "__01", ""],
  [[0x06], "IH_1", ""],
  [[0x07], "___1", ""],
  [[0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f], "__01", "F"],
  [[0x10], "__01", ""],
  [[0x11], "__01", ""],
  [[0x12, 0x13], "__01", ""],
  [[0x14], "__01", ""],
  [[0x15], "__01", ""],
  [[0x16, 0x17], "__01", ""],
  [[0x18], "__01", "P"],
  [[0x19], "__01", ""],
  [[0x1a], "__01", "P"],
  [[0x1b], "___1", "P"],
  [[0x1c], "IH01", "N"],
  [[0x1d], "__01", "N"],
  [[0x1e], "___1", ""],
  [[0x30, 0x31], "__01", ""],
];
const COLUMNS = [PacketType.Initial, PacketType.Handshake, PacketType.ZeroRtt, PacketType.OneRtt];

Deno.test("permissions: every cell of RFC 9000 Table 3", () => {
  let checked = 0;
  for (const [types, pkts, spec] of TABLE) {
    for (const t of types) {
      COLUMNS.forEach((pt, i) => {
        const allowed = pkts[i] !== "_";
        assert.equal(isFrameAllowed(t, pt), allowed, `0x${t.toString(16)} in column ${i}`);
        if (allowed) assertFrameAllowed(t, pt);
        else {
          assert.throws(
            () => assertFrameAllowed(t, pt),
            (e: unknown) =>
              e instanceof QuicError && e.code === TransportErrorCode.PROTOCOL_VIOLATION &&
              e.frameType === t,
          );
        }
        checked++;
      });
      assert.equal(isAckEliciting(t), !spec.includes("N"), `N 0x${t.toString(16)}`);
      assert.equal(isCongestionControlled(t), !spec.includes("C"), `C 0x${t.toString(16)}`);
      assert.equal(isProbingFrame(t), spec.includes("P"), `P 0x${t.toString(16)}`);
    }
  }
  assert.equal(checked, 4 * 33); // 0x00–0x1e and 0x30–0x31
  // No frames in Retry / Version Negotiation; unknown frame types are not "allowed".
  assert.ok(!isFrameAllowed(FrameType.PING, PacketType.Retry));
  assert.ok(!isFrameAllowed(0x1f, PacketType.OneRtt));
  assert.ok(!isAckEliciting(0x1f) && !isProbingFrame(0x40));
});
