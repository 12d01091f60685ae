import assert from "node:assert/strict";
import fc from "fast-check";
import { cidEqual, LocalCids, PeerCids } from "../../../quic/proto/cid.ts";
import { QuicError, TransportErrorCode } from "../../../quic/proto/errors.ts";
import {
  buildStatelessReset,
  matchesStatelessReset,
  statelessResetToken,
} from "../../../quic/proto/stateless_reset.ts";
import { AddressTokenKey, TokenKind } from "../../../quic/proto/address_token.ts";
import { Prng } from "../../sim/network.ts";

const rng = new Prng(7);
const random = (n: number) => rng.bytes(n);
const key = new Uint8Array(32).fill(5);
const tok = (b: number) => new Uint8Array(16).fill(b);

function code(f: () => void): number {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof QuicError, String(e));
    return e.code;
  }
  return -1;
}

Deno.test("cid: local IDs are issued up to the peer's limit and replaced on retirement", () => {
  const routed = new Set<string>();
  const ids = new LocalCids(8, random, key);
  ids.routing = {
    onIssued: (c) => routed.add(c.join()),
    onRetired: (c) => routed.delete(c.join()),
  };
  const first = ids.initial(random(8));
  ids.setPeerLimit(3);
  const sent = ids.takeToSend();
  assert.deepEqual(sent.map((e) => e.seq), [1, 2]);
  assert.equal(routed.size, 3);
  // Tokens come from the static key and the ID.
  assert.deepEqual(sent[0].resetToken, statelessResetToken(key, sent[0].cid));
  // Retiring seq 0 from a packet sent to seq 1 issues seq 3.
  ids.onRetire(0, sent[0].cid);
  assert.ok(!routed.has(first.cid.join()));
  assert.deepEqual(ids.takeToSend().map((e) => e.seq), [3]);
  assert.equal(ids.active.size, 3);
  // Duplicate retire is ignored; retiring the ID in use or an unissued one is a violation.
  ids.onRetire(0, sent[0].cid);
  assert.equal(code(() => ids.onRetire(1, sent[0].cid)), TransportErrorCode.PROTOCOL_VIOLATION);
  assert.equal(code(() => ids.onRetire(9, sent[0].cid)), TransportErrorCode.PROTOCOL_VIOLATION);
  // Lost NEW_CONNECTION_ID frames are requeued only while the ID is active.
  ids.onLost(2);
  ids.onLost(0);
  assert.deepEqual(ids.takeToSend().map((e) => e.seq), [2]);
  ids.retireAll();
  assert.equal(routed.size, 0);
});

Deno.test("cid: zero-length local IDs issue nothing and reject RETIRE_CONNECTION_ID", () => {
  const ids = new LocalCids(0, random, key);
  ids.initial(new Uint8Array(0));
  ids.setPeerLimit(8);
  assert.equal(ids.takeToSend().length, 0);
  assert.equal(
    code(() => ids.onRetire(0, new Uint8Array(0))),
    TransportErrorCode.PROTOCOL_VIOLATION,
  );
});

Deno.test("cid: peer IDs honour Retire Prior To, limits and duplicates", () => {
  const p = new PeerCids(3, Uint8Array.of(1, 1, 1, 1));
  p.setInitialResetToken(tok(1));
  p.onNewConnectionId(1, 0, Uint8Array.of(2, 2, 2, 2), tok(2));
  p.onNewConnectionId(1, 0, Uint8Array.of(2, 2, 2, 2), tok(2)); // duplicate: fine
  p.onNewConnectionId(2, 0, Uint8Array.of(3, 3, 3, 3), tok(3));
  assert.equal(
    code(() => p.onNewConnectionId(3, 0, Uint8Array.of(4, 4, 4, 4), tok(4))),
    TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
  );
  const q = new PeerCids(3, Uint8Array.of(1, 1, 1, 1));
  q.onNewConnectionId(1, 0, Uint8Array.of(2, 2, 2, 2), tok(2));
  assert.equal(
    code(() => q.onNewConnectionId(1, 0, Uint8Array.of(9, 9, 9, 9), tok(2))),
    TransportErrorCode.PROTOCOL_VIOLATION,
  );
  assert.equal(
    code(() => q.onNewConnectionId(2, 3, Uint8Array.of(5, 5, 5, 5), tok(5))),
    TransportErrorCode.FRAME_ENCODING_ERROR,
  );
  // Retire Prior To 2 retires 0 and 1 and moves us to 2.
  q.onNewConnectionId(2, 2, Uint8Array.of(5, 5, 5, 5), tok(5));
  assert.equal(q.current.seq, 2);
  assert.deepEqual(q.takeRetires().sort(), [0, 1]);
  // A late ID below Retire Prior To is retired at once.
  q.onNewConnectionId(1, 0, Uint8Array.of(2, 2, 2, 2), tok(2));
  assert.deepEqual(q.takeRetires(), []); // already retired (unacked), not twice
  q.onRetireAcked(0);
  q.onRetireAcked(1);
  q.onNewConnectionId(0, 0, Uint8Array.of(1, 1, 1, 1), tok(1));
  assert.deepEqual(q.takeRetires(), [0]);
  // Stateless reset detection uses the current ID's token only.
  const dg = new Uint8Array(40);
  dg.set(tok(5), 24);
  assert.ok(q.isStatelessReset(dg));
  dg.set(tok(2), 24);
  assert.ok(!q.isStatelessReset(dg));
  // Zero-length peer IDs forbid NEW_CONNECTION_ID.
  const z = new PeerCids(2, new Uint8Array(0));
  assert.equal(
    code(() => z.onNewConnectionId(1, 0, Uint8Array.of(1), tok(1))),
    TransportErrorCode.PROTOCOL_VIOLATION,
  );
});

Deno.test("cid: property — peer set never exceeds the limit and current is never retired", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(12), fc.nat(12)), { maxLength: 40 }),
      (ops) => {
        const p = new PeerCids(4, Uint8Array.of(0, 0, 0, 0));
        for (const [seq, rpt] of ops) {
          try {
            p.onNewConnectionId(seq, Math.min(seq, rpt), Uint8Array.of(seq + 1, 0, 0, 0), tok(seq));
          } catch (e) {
            assert.ok(e instanceof QuicError);
            return;
          }
          assert.ok(1 + p.spare.size <= 4);
          assert.ok(!p.unackedRetires.has(p.current.seq));
          for (const e of p.spare.values()) assert.ok(!cidEqual(e.cid, p.current.cid));
        }
      },
    ),
    { seed: 42, numRuns: 300 },
  );
});

Deno.test("stateless reset: sizes, shape and detection", () => {
  const t = statelessResetToken(key, Uint8Array.of(1, 2, 3));
  assert.notDeepEqual(t, statelessResetToken(key, Uint8Array.of(1, 2, 4)));
  const big = buildStatelessReset(t, 1200, random)!;
  assert.equal(big.length, 43);
  assert.equal(big[0] & 0xc0, 0x40);
  assert.ok(matchesStatelessReset(big, t));
  const small = buildStatelessReset(t, 30, random)!;
  assert.equal(small.length, 29); // smaller than the trigger (§10.3.3)
  assert.equal(buildStatelessReset(t, 21, random), undefined);
  assert.ok(!matchesStatelessReset(big.subarray(0, 20), t));
});

Deno.test("address tokens: bound to address, kind and lifetime; forgeries rejected", () => {
  const k = new AddressTokenKey(key, random);
  const od = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const rs = Uint8Array.of(9, 9);
  const t = k.seal(TokenKind.RETRY, "10.0.0.1:5", 1000, od, rs);
  const ok = k.open(t, "10.0.0.1:5", 2000, 10_000)!;
  assert.equal(ok.kind, TokenKind.RETRY);
  assert.deepEqual(ok.originalDcid, od);
  assert.deepEqual(ok.retrySourceCid, rs);
  assert.equal(ok.issued, 1000);
  assert.equal(k.open(t, "10.0.0.2:5", 2000, 10_000), undefined);
  assert.equal(k.open(t, "10.0.0.1:5", 20_000, 10_000), undefined);
  const bad = t.slice();
  bad[20] ^= 1;
  assert.equal(k.open(bad, "10.0.0.1:5", 2000, 10_000), undefined);
  assert.equal(k.open(new Uint8Array(5), "10.0.0.1:5", 2000, 10_000), undefined);
  const other = new AddressTokenKey(new Uint8Array(32), random);
  assert.equal(other.open(t, "10.0.0.1:5", 2000, 10_000), undefined);
});
