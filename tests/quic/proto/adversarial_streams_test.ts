/**
 * A hostile peer against the stream layer (RFC 9000 §2–§4, §19.4–§19.8):
 * stream limits, reassembly gaps, flow control, final sizes and STOP_SENDING
 * for streams that cannot exist. Each attack must close only the attacked
 * connection with the RFC code, keep memory bounded, and leave the endpoint
 * serving a well-behaved bystander.
 */
import assert from "node:assert/strict";
import { TransportErrorCode as E } from "../../../quic/proto/errors.ts";
import { coreOf } from "../../../quic/proto/conn_internal.ts";
import type { Frame } from "../../../quic/proto/frames/types.ts";
import { assertBystanderWorks, assertClosed, closeOf, establish, inject } from "./_hostile.ts";

const stream = (streamId: number, offset: number, n: number, fin = false): Frame => ({
  type: "stream",
  streamId,
  offset,
  data: new Uint8Array(n).fill(0x61),
  fin,
});

Deno.test("adversarial streams: opening bidi streams up to the limit is fine, one more is STREAM_LIMIT_ERROR", () => {
  const h = establish(1);
  // initial_max_streams_bidi defaults to 100: IDs 0, 4, ..., 396 are allowed.
  for (let i = 0; i < 100; i += 10) {
    inject(h, Array.from({ length: 10 }, (_, k) => stream(4 * (i + k), 0, 1)));
  }
  assert.equal(closeOf(h), undefined);
  assert.equal(coreOf(h.server).streams.map.size, 100);
  inject(h, [stream(4 * 100, 0, 1)]);
  assertClosed(h, E.STREAM_LIMIT_ERROR);
  assertBystanderWorks(h);
});

Deno.test("adversarial streams: a huge stream ID (implicitly opening millions) is STREAM_LIMIT_ERROR without allocation", () => {
  const h = establish(2);
  inject(h, [stream(4 * 2_000_000 + 2, 0, 1)]); // uni stream 2M
  assertClosed(h, E.STREAM_LIMIT_ERROR);
  assert.ok(coreOf(h.server).streams.map.size <= 1);
});

Deno.test("adversarial streams: many tiny out-of-order fragments keep bounded gaps", () => {
  const h = establish(3);
  // One byte every other offset: each creates a new gap.
  let closedAt = -1;
  for (let i = 0; i < 4000 && closedAt < 0; i += 50) {
    inject(h, Array.from({ length: 50 }, (_, k) => stream(0, 2 * (i + k) + 1, 1)));
    if (closeOf(h)) closedAt = i;
  }
  assert.ok(closedAt >= 0, "fragmentation never refused");
  assertClosed(h, E.PROTOCOL_VIOLATION);
  assertBystanderWorks(h);
});

Deno.test("adversarial streams: data beyond the stream window is FLOW_CONTROL_ERROR", () => {
  const h = establish(4);
  inject(h, [stream(0, 1024 * 1024 - 10, 10)]); // exactly up to the window: fine
  assert.equal(closeOf(h), undefined);
  inject(h, [stream(0, 1024 * 1024, 1)]);
  assertClosed(h, E.FLOW_CONTROL_ERROR);
  assertBystanderWorks(h);
});

Deno.test("adversarial streams: data beyond the connection window is FLOW_CONTROL_ERROR", () => {
  const h = establish(5, { transport: { initialMaxData: 100_000 } });
  inject(h, [stream(0, 60_000, 1), stream(4, 39_998, 1)]); // 99_999 counted
  assert.equal(closeOf(h), undefined);
  inject(h, [stream(8, 1, 1)]); // 100_001 > 100_000
  assertClosed(h, E.FLOW_CONTROL_ERROR);
  // Lazily allocated reassembly blocks: what a 2-byte flood costs us stays small.
  assertBystanderWorks(h);
});

Deno.test("adversarial streams: RESET_STREAM below the received data is FINAL_SIZE_ERROR", () => {
  const h = establish(6);
  inject(h, [stream(0, 0, 100)]);
  inject(h, [{ type: "reset_stream", streamId: 0, errorCode: 7n, finalSize: 50 }]);
  assertClosed(h, E.FINAL_SIZE_ERROR);
  assertBystanderWorks(h);
});

Deno.test("adversarial streams: RESET_STREAM changing a known final size is FINAL_SIZE_ERROR", () => {
  const h = establish(7);
  inject(h, [stream(0, 0, 100, true)]);
  inject(h, [{ type: "reset_stream", streamId: 0, errorCode: 7n, finalSize: 200 }]);
  assertClosed(h, E.FINAL_SIZE_ERROR);
});

Deno.test("adversarial streams: two RESET_STREAMs with different final sizes is FINAL_SIZE_ERROR", () => {
  const h = establish(8);
  inject(h, [{ type: "reset_stream", streamId: 4, errorCode: 7n, finalSize: 10 }]);
  assert.equal(closeOf(h), undefined);
  inject(h, [{ type: "reset_stream", streamId: 4, errorCode: 7n, finalSize: 11 }]);
  assertClosed(h, E.FINAL_SIZE_ERROR);
});

Deno.test("adversarial streams: data past FIN is FINAL_SIZE_ERROR", () => {
  const h = establish(9);
  inject(h, [stream(0, 0, 10, true)]);
  inject(h, [stream(0, 10, 1)]);
  assertClosed(h, E.FINAL_SIZE_ERROR);
});

Deno.test("adversarial streams: RESET_STREAM final size beyond flow control is FLOW_CONTROL_ERROR", () => {
  const h = establish(10);
  inject(h, [{ type: "reset_stream", streamId: 0, errorCode: 7n, finalSize: 2 ** 40 }]);
  assertClosed(h, E.FLOW_CONTROL_ERROR);
});

Deno.test("adversarial streams: STOP_SENDING for a never-opened local stream is STREAM_STATE_ERROR", () => {
  const h = establish(11);
  inject(h, [{ type: "stop_sending", streamId: 1, errorCode: 0n }]); // server bidi 0: not opened
  assertClosed(h, E.STREAM_STATE_ERROR);
  assertBystanderWorks(h);
});

Deno.test("adversarial streams: STOP_SENDING for the peer's own uni stream is STREAM_STATE_ERROR", () => {
  const h = establish(12);
  inject(h, [{ type: "stop_sending", streamId: 2, errorCode: 0n }]); // client uni: receive-only here
  assertClosed(h, E.STREAM_STATE_ERROR);
});

Deno.test("adversarial streams: STOP_SENDING flood on peer bidi streams stays within the stream limit", () => {
  const h = establish(13);
  // Opening by STOP_SENDING is legal (RFC 9000 §3.2); 100 of them, then one too many.
  for (let i = 0; i < 100; i += 20) {
    inject(
      h,
      Array.from({ length: 20 }, (_, k) => ({
        type: "stop_sending" as const,
        streamId: 4 * (i + k),
        errorCode: 1n,
      })),
    );
  }
  assert.equal(closeOf(h), undefined);
  assert.ok(coreOf(h.server).streams.map.size <= 100);
  inject(h, [{ type: "stop_sending", streamId: 400, errorCode: 1n }]);
  assertClosed(h, E.STREAM_LIMIT_ERROR);
});

Deno.test("adversarial streams: MAX_STREAM_DATA for a never-opened local stream is STREAM_STATE_ERROR", () => {
  const h = establish(14);
  inject(h, [{ type: "max_stream_data", streamId: 5, maximumStreamData: 100 }]);
  assertClosed(h, E.STREAM_STATE_ERROR);
});

Deno.test("adversarial streams: MAX_STREAMS above 2^60 is FRAME_ENCODING_ERROR", () => {
  const h = establish(15);
  // RFC 9000 §19.11: a value above 2^60 must be treated as FRAME_ENCODING_ERROR.
  inject(h, [Uint8Array.of(0x12, 0xd0, 0, 0, 0, 0, 0, 0, 1)]);
  assertClosed(h, E.FRAME_ENCODING_ERROR);
});
