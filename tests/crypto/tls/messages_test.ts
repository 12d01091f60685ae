// Message and extension codecs: round trips (property-based, seeded), the
// binder truncation point, and the alerts for malformed or forbidden values.
import assert from "node:assert/strict";
import fc from "fast-check";
import { TlsAlertError } from "../../../crypto/tls/alert.ts";
import * as M from "../../../crypto/tls/messages.ts";
import * as MH from "../../../crypto/tls/messages_hello.ts";
import * as X from "../../../crypto/tls/extensions.ts";
import * as KS from "../../../crypto/tls/extensions_key_share.ts";
import * as PSK from "../../../crypto/tls/extensions_psk.ts";

const alertOf = (fn: () => unknown): number => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TlsAlertError, String(e));
    return e.alert;
  }
  return -1;
};

Deno.test("messages: ClientHello round trip and binder offset (property)", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 }),
      fc.uint8Array({ minLength: 1, maxLength: 20 }),
      (random, suites, bodies, identity) => {
        const exts: { type: number; data: Uint8Array }[] = bodies.map((data, i) => ({
          type: 0x100 + i,
          data,
        }));
        const psk = PSK.encodeOfferedPsks({
          identities: [{ identity, obfuscatedTicketAge: 7 }],
          binders: [new Uint8Array(32).fill(0xbb)],
        });
        exts.push({ type: X.ExtensionType.pre_shared_key, data: psk });
        const msg = MH.encodeClientHello({
          random,
          sessionId: new Uint8Array(0),
          cipherSuites: suites,
          extensions: exts,
        });
        const ch = MH.decodeClientHello(msg.subarray(4));
        assert.deepEqual(ch.random, random);
        assert.deepEqual(ch.cipherSuites, suites);
        assert.deepEqual(ch.extensionOrder, exts.map((e) => e.type));
        // Binders are the last 2 + 1 + 32 bytes of the message.
        assert.equal(4 + ch.bindersOffset, msg.length - 35);
      },
    ),
    { seed: 41, numRuns: 200 },
  );
});

Deno.test("messages: pre_shared_key not last, duplicates and bad compression are illegal_parameter", () => {
  const base = {
    random: new Uint8Array(32),
    sessionId: new Uint8Array(0),
    cipherSuites: [0x1301],
  };
  const psk = PSK.encodeOfferedPsks({
    identities: [{ identity: Uint8Array.of(1), obfuscatedTicketAge: 0 }],
    binders: [new Uint8Array(32)],
  });
  const notLast = MH.encodeClientHello({
    ...base,
    extensions: [{ type: 41, data: psk }, { type: 0, data: new Uint8Array(0) }],
  });
  assert.equal(alertOf(() => MH.decodeClientHello(notLast.subarray(4))), 47);
  const dup = MH.encodeClientHello({
    ...base,
    extensions: [{ type: 5, data: new Uint8Array(0) }, { type: 5, data: new Uint8Array(0) }],
  });
  assert.equal(alertOf(() => MH.decodeClientHello(dup.subarray(4))), 47);
  const ok = MH.encodeClientHello({ ...base, extensions: [] });
  const badComp = ok.slice();
  badComp[4 + 2 + 32 + 1 + 2 + 2 + 1] = 1; // compression method 1
  assert.equal(alertOf(() => MH.decodeClientHello(badComp.subarray(4))), 47);
  assert.equal(alertOf(() => MH.decodeClientHello(ok.subarray(4, 20))), 50);
});

Deno.test("messages: ServerHello / HRR, NewSessionTicket limits, Certificate", () => {
  const hrr = MH.encodeServerHello({
    random: M.HRR_RANDOM,
    sessionId: new Uint8Array(0),
    cipherSuite: 0x1302,
    extensions: [{ type: 43, data: X.encodeU16(0x0304) }],
  });
  const p = MH.decodeServerHello(hrr.subarray(4));
  assert.ok(p.isHelloRetryRequest);
  assert.equal(p.cipherSuite, 0x1302);
  const nst = M.encodeNewSessionTicket({
    lifetime: 604801,
    ageAdd: 1,
    nonce: Uint8Array.of(0),
    ticket: Uint8Array.of(1),
    extensions: [],
  });
  assert.equal(alertOf(() => M.decodeNewSessionTicket(nst.subarray(4))), 47);
  const many = Array.from({ length: 17 }, () => Uint8Array.of(0x30, 0));
  const cert = M.encodeCertificate(new Uint8Array(0), many);
  assert.equal(alertOf(() => M.decodeCertificate(cert.subarray(4))), 42);
  const one = M.encodeCertificate(Uint8Array.of(9), [Uint8Array.of(0x30, 0)]);
  const d = M.decodeCertificate(one.subarray(4));
  assert.deepEqual(d.context, Uint8Array.of(9));
  assert.equal(d.certificates.length, 1);
});

Deno.test("extensions: codecs round trip; GREASE detection", () => {
  assert.deepEqual(X.decodeAlpn(X.encodeAlpn(["h3", "hq-interop"])), ["h3", "hq-interop"]);
  assert.equal(X.decodeServerName(X.encodeServerName("example.com")), "example.com");
  const ks = KS.decodeClientKeyShares(
    KS.encodeClientKeyShares([
      { group: 0x1d, keyExchange: new Uint8Array(32) },
      { group: 0x17, keyExchange: new Uint8Array(65) },
    ]),
  );
  assert.deepEqual(ks.map((k) => k.group), [0x1d, 0x17]);
  assert.equal(
    alertOf(() =>
      KS.decodeClientKeyShares(
        KS.encodeClientKeyShares([
          { group: 0x1d, keyExchange: new Uint8Array(32) },
          { group: 0x1d, keyExchange: new Uint8Array(32) },
        ]),
      )
    ),
    47,
  );
  assert.deepEqual(X.decodeU16List(X.encodeU16List([1, 2, 3], 2), 2, "x"), [1, 2, 3]);
  assert.equal(alertOf(() => X.decodeU16List(Uint8Array.of(0, 3, 0, 1, 2), 2, "x")), 50);
  assert.ok(X.isGrease(0x0a0a) && X.isGrease(0xfafa) && !X.isGrease(0x0a1a) && !X.isGrease(0x1301));
  assert.equal(alertOf(() => PSK.decodeOfferedPsks(Uint8Array.of(0, 0, 0, 0))), 50);
});
