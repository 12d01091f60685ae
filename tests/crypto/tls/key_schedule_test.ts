// Key schedule pieces not covered by RFC 8448 §3: SHA-384 suites, binders,
// early secrets, transcript message_hash, and the key shares of every group.
import assert from "node:assert/strict";
import { digest } from "../../../crypto/hkdf.ts";
import {
  constantTimeEqual,
  finishedVerifyData,
  KeySchedule,
  suiteHash,
} from "../../../crypto/tls/key_schedule.ts";
import { ClientKeyShare, serverKeyExchange } from "../../../crypto/tls/key_share.ts";
import { Transcript } from "../../../crypto/tls/transcript.ts";
import { TlsAlertError } from "../../../crypto/tls/alert.ts";
import { NamedGroup } from "../../../crypto/tls/types.ts";
import { hex, seededRandom, unhex } from "./handshake_harness.ts";

Deno.test("key schedule: suite hashes and SHA-384 lengths", () => {
  assert.equal(suiteHash(0x1301), "sha256");
  assert.equal(suiteHash(0x1303), "sha256");
  assert.equal(suiteHash(0x1302), "sha384");
  assert.equal(suiteHash(0x1304), undefined);
  const ks = new KeySchedule("sha384", new Uint8Array(48).fill(1));
  ks.handshake(new Uint8Array(32), new Uint8Array(48));
  ks.application(new Uint8Array(48));
  assert.equal(ks.clientApplicationTrafficSecret.length, 48);
  assert.equal(ks.binderKey().length, 48);
  // A PSK changes every secret.
  const plain = new KeySchedule("sha384");
  plain.handshake(new Uint8Array(32), new Uint8Array(48));
  assert.notEqual(hex(plain.clientHandshakeTrafficSecret), hex(ks.clientHandshakeTrafficSecret));
});

Deno.test("key schedule: RFC 8448 early secret without PSK; binder is an HMAC over the hash", () => {
  const ks = new KeySchedule("sha256");
  assert.equal(
    hex(ks.earlySecret),
    "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a",
  );
  const th = digest("sha256", Uint8Array.of(1, 2, 3));
  const a = finishedVerifyData("sha256", ks.binderKey(), th);
  const b = finishedVerifyData("sha256", ks.binderKey(), digest("sha256", Uint8Array.of(1, 2, 4)));
  assert.equal(a.length, 32);
  assert.ok(!constantTimeEqual(a, b));
  assert.ok(constantTimeEqual(a, a.slice()));
});

Deno.test("transcript: message_hash replaces ClientHello1 (RFC 8446 §4.4.1)", () => {
  const t = new Transcript();
  const ch1 = Uint8Array.of(1, 0, 0, 1, 9);
  t.add(ch1);
  t.replaceWithMessageHash("sha256");
  const expected = new Uint8Array(4 + 32);
  expected.set([254, 0, 0, 32]);
  expected.set(digest("sha256", ch1), 4);
  assert.equal(hex(t.hash("sha256")), hex(digest("sha256", expected)));
  assert.equal(t.length, 36);
});

Deno.test("key shares: every group agrees; bad shares are illegal_parameter", () => {
  const rnd = seededRandom(12);
  for (const g of Object.values(NamedGroup)) {
    const c = new ClientKeyShare(g, rnd);
    const s = serverKeyExchange(g, c.keyExchange, rnd);
    assert.equal(hex(c.complete(s.keyExchange)), hex(s.sharedSecret), `group ${g}`);
    const bad = c.keyExchange.slice(0, c.keyExchange.length - 1);
    assert.throws(
      () => serverKeyExchange(g, bad, rnd),
      (e) => e instanceof TlsAlertError && e.alert === 47,
    );
  }
  // The all-zero X25519 result (a low-order point) is refused (RFC 8446 §7.4.2).
  const c = new ClientKeyShare(NamedGroup.x25519, rnd);
  assert.throws(
    () => c.complete(new Uint8Array(32)),
    (e) => e instanceof TlsAlertError && e.alert === 47,
  );
  // A P-256 point that is not on the curve.
  const p = new ClientKeyShare(NamedGroup.secp256r1, rnd);
  const off = unhex("04" + "11".repeat(64));
  assert.throws(() => p.complete(off), (e) => e instanceof TlsAlertError && e.alert === 47);
  // X25519MLKEM768: ML-KEM first, 1184 + 32 bytes from the client.
  const h = new ClientKeyShare(NamedGroup.X25519MLKEM768, rnd);
  assert.equal(h.keyExchange.length, 1216);
  const s = serverKeyExchange(NamedGroup.X25519MLKEM768, h.keyExchange, rnd);
  assert.equal(s.keyExchange.length, 1120);
  assert.equal(s.sharedSecret.length, 64);
});
