// The handshake's speed-ups must not change results: the verified-signature
// cache never vouches for different bytes or a different issuer key, the
// incremental transcript hash equals hashing the concatenation, the keyed
// HKDF-Expand-Label key schedule equals the RFC 8446 §7.1 definitions built
// from hkdf.ts, and the server's cached Certificate message follows its chain.
import assert from "node:assert/strict";
import fc from "fast-check";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { createCertificate } from "../../../crypto/cert_builder.ts";
import { type HashName, hkdfExpandLabel, hkdfExtract } from "../../../crypto/hkdf.ts";
import { AlertDescription, TlsAlertError } from "../../../crypto/tls/alert.ts";
import { verifyCertificateChain } from "../../../crypto/tls/cert_verify.ts";
import { KeySchedule } from "../../../crypto/tls/key_schedule.ts";
import { messageHash } from "../../../crypto/tls/messages.ts";
import { TlsClient } from "../../../crypto/tls/client.ts";
import { TlsServer } from "../../../crypto/tls/server.ts";
import { Transcript } from "../../../crypto/tls/transcript.ts";
import { parseCertificate } from "../../../crypto/tls/x509.ts";
import { clientOptions, pki, pump, serverOptions } from "./handshake_harness.ts";

const NOW = Date.now();

function verify(leaf: Uint8Array, anchor: Uint8Array): void {
  verifyCertificateChain([leaf], {
    trustAnchors: [anchor],
    serverName: "localhost",
    now: NOW,
    purpose: "serverAuth",
  });
}

Deno.test("signature cache: a verified signature does not vouch for edited TBS bytes", () => {
  const ca = createCertificate({ subject: "cache CA", isCA: true });
  const leaf = createCertificate({ subject: "localhost", issuer: ca, sanDns: ["localhost"] });
  verify(leaf.certDer, ca.certDer); // now cached
  verify(leaf.certDer, ca.certDer); // a hit
  const c = parseCertificate(leaf.certDer);
  const tampered = leaf.certDer.slice();
  const at = c.serialNumber.byteOffset - c.der.byteOffset + c.serialNumber.length - 1;
  tampered[at] ^= 0x01; // same signature value, different TBS
  assert.throws(
    () => verify(tampered, ca.certDer),
    (e) => e instanceof TlsAlertError && e.alert === AlertDescription.bad_certificate,
  );
});

Deno.test("signature cache: a verified signature does not vouch for another issuer key", () => {
  const ca = createCertificate({ subject: "twin CA", isCA: true });
  const twin = createCertificate({ subject: "twin CA", isCA: true }); // same name, other key
  const leaf = createCertificate({ subject: "localhost", issuer: ca, sanDns: ["localhost"] });
  verify(leaf.certDer, ca.certDer);
  assert.throws(
    () => verify(leaf.certDer, twin.certDer),
    (e) => e instanceof TlsAlertError && e.alert === AlertDescription.bad_certificate,
  );
  verify(leaf.certDer, ca.certDer); // the real issuer still verifies
});

Deno.test("transcript: incremental hashes equal hashing the concatenation", () => {
  const msg = fc.uint8Array({ minLength: 0, maxLength: 300 });
  const step = fc.oneof(
    fc.record({ add: msg }),
    fc.record({ hash: fc.constantFrom<HashName>("sha256", "sha384"), extra: fc.option(msg) }),
    fc.record({ replace: fc.constantFrom<HashName>("sha256", "sha384") }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 20 }), (steps) => {
      const t = new Transcript();
      let all: Uint8Array[] = [];
      const oneShot = (h: HashName, extra?: Uint8Array) => {
        const s = (h === "sha256" ? sha256 : sha384).create();
        for (const m of all) s.update(m);
        if (extra) s.update(extra);
        return s.digest();
      };
      for (const st of steps) {
        if ("add" in st) {
          t.add(st.add);
          all.push(st.add);
        } else if ("hash" in st) {
          const extra = st.extra ?? undefined;
          assert.deepEqual(t.hash(st.hash, extra), oneShot(st.hash, extra));
        } else {
          const h = oneShot(st.replace);
          t.replaceWithMessageHash(st.replace);
          all = [messageHash(h)];
        }
        assert.equal(t.length, all.reduce((n, m) => n + m.length, 0));
      }
    }),
    { seed: 8446, numRuns: 300 },
  );
});

Deno.test("key schedule: keyed expansion equals the RFC 8446 §7.1 definitions", () => {
  const secret = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  fc.assert(
    fc.property(
      fc.constantFrom<HashName>("sha256", "sha384"),
      fc.option(secret(48)),
      secret(32),
      secret(48),
      secret(48),
      secret(48),
      (h, pskRaw, shared, th1, th2, th3) => {
        const len = h === "sha256" ? 32 : 48;
        const psk = pskRaw ? pskRaw.subarray(0, len) : undefined;
        const [a, b, c] = [th1, th2, th3].map((x) => x.subarray(0, len));
        const ks = new KeySchedule(h, psk);
        ks.handshake(shared, a);
        ks.application(b);
        ks.resumption(c);
        // Reference, straight from the RFC's formulas.
        const zeros = new Uint8Array(len);
        const empty = (h === "sha256" ? sha256 : sha384)(new Uint8Array(0));
        const ds = (s: Uint8Array, l: string, t: Uint8Array) => hkdfExpandLabel(h, s, l, t, len);
        const early = hkdfExtract(h, zeros, psk ?? zeros);
        const hs = hkdfExtract(h, ds(early, "derived", empty), shared);
        const ms = hkdfExtract(h, ds(hs, "derived", empty), zeros);
        assert.deepEqual(ks.earlySecret, early);
        assert.deepEqual(ks.binderKey(), ds(early, "res binder", empty));
        assert.deepEqual(ks.clientEarlyTrafficSecret(a), ds(early, "c e traffic", a));
        assert.deepEqual(ks.handshakeSecret, hs);
        assert.deepEqual(ks.clientHandshakeTrafficSecret, ds(hs, "c hs traffic", a));
        assert.deepEqual(ks.serverHandshakeTrafficSecret, ds(hs, "s hs traffic", a));
        assert.deepEqual(ks.masterSecret, ms);
        assert.deepEqual(ks.clientApplicationTrafficSecret, ds(ms, "c ap traffic", b));
        assert.deepEqual(ks.serverApplicationTrafficSecret, ds(ms, "s ap traffic", b));
        assert.deepEqual(ks.exporterMasterSecret, ds(ms, "exp master", b));
        assert.deepEqual(ks.resumptionMasterSecret, ds(ms, "res master", c));
      },
    ),
    { seed: 7, numRuns: 60 },
  );
});

Deno.test("server: the cached Certificate message follows an in-place chain edit", () => {
  const p = pki("ecdsa-p256");
  const other = createCertificate({
    subject: "localhost 2",
    issuer: p.ca,
    sanDns: ["localhost"],
    key: p.leaf.key,
  });
  const so = serverOptions(p);
  const first = new TlsClient(clientOptions(p));
  pump(first, new TlsServer(so), NOW);
  assert.deepEqual(first.peerCertificates, [p.leaf.certDer]);
  so.certificateChain[0] = other.certDer; // same array, new leaf (same key)
  const second = new TlsClient(clientOptions(p));
  pump(second, new TlsServer(so), NOW);
  assert.deepEqual(second.peerCertificates, [other.certDer]);
});
