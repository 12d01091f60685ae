import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { AlertDescription, TlsAlertError } from "../../../crypto/tls/alert.ts";
import {
  type CertificateVerifyOptions,
  verifyCertificateChain,
} from "../../../crypto/tls/cert_verify.ts";
import { createCertificate, type IssuedCertificate } from "../../../crypto/cert_builder.ts";
import { generateDevCertificate } from "../../../crypto/dev_cert.ts";
import { parsePrivateKeyPem } from "../../../crypto/tls/keys.ts";
import { opensslFixtures } from "./openssl_fixtures.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2030, 0, 15);

function expectAlert(fn: () => unknown, alert: number, why: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlsAlertError, `not a TlsAlertError: ${e}`);
    assert.equal(e.alert, alert, e.message);
    assert.match(e.message, why);
    return true;
  });
}

// One builder PKI for the whole file: root → intermediate → leaf (+ variants).
const validity = { notBefore: NOW - 10 * DAY, notAfter: NOW + 10 * DAY };
const root = createCertificate({ subject: "Builder Root", isCA: true, ...validity });
const int = createCertificate({
  subject: "Builder Intermediate",
  issuer: root,
  isCA: true,
  pathLen: 0,
  ...validity,
});
const leaf = createCertificate({
  subject: "leaf",
  issuer: int,
  sanDns: ["example.com", "*.wild.example.com"],
  sanIps: ["192.0.2.1", "2001:db8::1"],
  ...validity,
});
const base: CertificateVerifyOptions = {
  trustAnchors: [root.certDer],
  serverName: "example.com",
  now: NOW,
  purpose: "serverAuth",
};

Deno.test("cert_verify: builder chains of every key type verify, intermediates in any order", () => {
  // RSA keys come from the openssl fixtures: generating them here costs seconds.
  const f = opensslFixtures();
  const rsaKeys = [parsePrivateKeyPem(f.pem["root.key"]), parsePrivateKeyPem(f.pem["rsa.p8.key"])];
  for (const keyType of ["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa"] as const) {
    const k = (i: number) => keyType === "rsa" ? { key: rsaKeys[i % 2] } : { keyType };
    const r = createCertificate({ subject: `root ${keyType}`, isCA: true, ...k(0), ...validity });
    const i1 = createCertificate({ subject: "i1", issuer: r, isCA: true, ...k(1), ...validity });
    const i2 = createCertificate({ subject: "i2", issuer: i1, isCA: true, ...k(0), ...validity });
    const l = createCertificate({
      subject: "l",
      issuer: i2,
      sanDns: ["a.test"],
      ...k(1),
      ...validity,
    });
    const opts = { ...base, trustAnchors: [leaf.certDer, r.certDer], serverName: "a.test" };
    const got = verifyCertificateChain([l.certDer, i1.certDer, i2.certDer], opts);
    assert.equal(got.subject.commonName, "l");
    assert.equal(got.publicKeyType, keyType);
    // Anchor sent along by the peer (allowed), and an unrelated extra certificate.
    verifyCertificateChain([l.certDer, i2.certDer, leaf.certDer, i1.certDer, r.certDer], opts);
  }
  verifyCertificateChain([leaf.certDer, int.certDer], base);
  verifyCertificateChain([leaf.certDer, int.certDer], {
    ...base,
    serverName: "x.wild.example.com",
  });
  verifyCertificateChain([leaf.certDer, int.certDer], { ...base, serverName: "192.0.2.1" });
  verifyCertificateChain([leaf.certDer, int.certDer], {
    ...base,
    serverName: "[2001:0DB8:0:0:0:0:0:1]",
  });
  // A self-signed leaf trusted directly (caCerts: [cert]).
  const self = createCertificate({ subject: "self", sanDns: ["localhost"], ...validity });
  verifyCertificateChain([self.certDer], {
    ...base,
    trustAnchors: [self.certDer],
    serverName: "localhost",
  });
});

Deno.test("cert_verify: openssl CA + intermediate + leafs verify (RSA, P-384, PSS, Ed25519 signatures)", () => {
  const f = opensslFixtures();
  const now = Date.now();
  const opts = { trustAnchors: [f.der.root, f.der.edroot], now, purpose: "serverAuth" as const };
  for (const name of ["leaf_p256", "leaf_p384", "leaf_ed25519", "leaf_rsa"]) {
    const got = verifyCertificateChain([f.der[name], f.der.int], {
      ...opts,
      serverName: "localhost",
    });
    assert.equal(got.subject.commonName, name.replace("_", " "));
    verifyCertificateChain([f.der[name], f.der.int], { ...opts, serverName: "::1" });
    verifyCertificateChain([f.der[name], f.der.int], { ...opts, serverName: "a.example.test" });
  }
  for (const name of ["leaf_pss", "leaf_sha512", "leaf_under_ed"]) {
    verifyCertificateChain([f.der[name]], { ...opts, serverName: "127.0.0.1" });
  }
  verifyCertificateChain([f.der.client, f.der.int], { ...opts, purpose: "clientAuth" });
  verifyCertificateChain([f.der.selfsigned], {
    ...opts,
    trustAnchors: [f.der.selfsigned],
    serverName: "localhost",
  });
});

Deno.test("cert_verify: negative matrix, each with its alert and reason", () => {
  const f = opensslFixtures();
  const chain = [leaf.certDer, int.certDer];
  const A = AlertDescription;
  // expired / not yet valid
  expectAlert(
    () => verifyCertificateChain(chain, { ...base, now: NOW + 11 * DAY }),
    A.certificate_expired,
    /expired at 2030-01-25T00:00:00.000Z/,
  );
  expectAlert(
    () => verifyCertificateChain(chain, { ...base, now: NOW - 11 * DAY }),
    A.certificate_expired,
    /not yet valid/,
  );
  const oldInt = createCertificate({
    subject: "Builder Intermediate",
    issuer: root,
    isCA: true,
    notBefore: NOW - 20 * DAY,
    notAfter: NOW - DAY,
  });
  const leafOld = createCertificate({
    subject: "l2",
    issuer: oldInt,
    sanDns: ["example.com"],
    ...validity,
  });
  expectAlert(
    () => verifyCertificateChain([leafOld.certDer, oldInt.certDer], base),
    A.certificate_expired,
    /"CN=Builder Intermediate" expired/,
  );
  // wrong host, wrong IP, wildcard depth, CN is not used
  expectAlert(
    () => verifyCertificateChain(chain, { ...base, serverName: "evil.com" }),
    A.bad_certificate,
    /name "evil.com" not in the certificate's DNS SANs \[example.com, \*.wild.example.com\]/,
  );
  expectAlert(
    () => verifyCertificateChain(chain, { ...base, serverName: "a.b.wild.example.com" }),
    A.bad_certificate,
    /not in the certificate's DNS SANs/,
  );
  expectAlert(
    () => verifyCertificateChain(chain, { ...base, serverName: "192.0.2.2" }),
    A.bad_certificate,
    /IP address 192.0.2.2 not in .*\[192.0.2.1, 2001:db8::1\]/,
  );
  expectAlert(
    () => verifyCertificateChain(chain, { ...base, serverName: "leaf" }),
    A.bad_certificate,
    /name "leaf" not in/,
  );
  // unknown CA: anchor missing, intermediate missing
  expectAlert(
    () => verifyCertificateChain(chain, { ...base, trustAnchors: [f.der.root] }),
    A.unknown_ca,
    /unknown CA "CN=Builder Root" \(issuer of "CN=Builder Intermediate"\)/,
  );
  expectAlert(
    () => verifyCertificateChain([leaf.certDer], base),
    A.unknown_ca,
    /unknown CA "CN=Builder Intermediate"/,
  );
  expectAlert(
    () => verifyCertificateChain(chain, { ...base, trustAnchors: [] }),
    A.unknown_ca,
    /not among 0 trust anchors/,
  );
  // intermediate without the CA flag (openssl-made and builder-made)
  expectAlert(
    () =>
      verifyCertificateChain([f.der.under_noca, f.der.noca], {
        trustAnchors: [f.der.root],
        now: Date.now(),
        purpose: "serverAuth",
        serverName: "localhost",
      }),
    A.bad_certificate,
    /intermediate "CN=gquic Not A CA" is not a CA/,
  );
  const noBc = createCertificate({
    subject: "No BC",
    issuer: root,
    omitBasicConstraints: true,
    keyUsage: 0,
    extKeyUsage: [],
    ...validity,
  });
  const underNoBc = createCertificate({
    subject: "u",
    issuer: noBc,
    sanDns: ["example.com"],
    ...validity,
  });
  expectAlert(
    () => verifyCertificateChain([underNoBc.certDer, noBc.certDer], base),
    A.bad_certificate,
    /not a CA/,
  );
  // path length violated: int has pathLen 0, so another CA under it may not issue
  const sub = createCertificate({ subject: "Sub CA", issuer: int, isCA: true, ...validity });
  const deep = createCertificate({
    subject: "deep",
    issuer: sub,
    sanDns: ["example.com"],
    ...validity,
  });
  expectAlert(
    () => verifyCertificateChain([deep.certDer, sub.certDer, int.certDer], base),
    A.bad_certificate,
    /path length constraint 0 of "CN=Builder Intermediate" exceeded/,
  );
  // maxChainLength
  expectAlert(
    () => verifyCertificateChain(chain, { ...base, maxChainLength: 2 }),
    A.bad_certificate,
    /chain longer than 2/,
  );
  // bad signature in the chain: flip a bit of the leaf's signature, and of the intermediate's
  for (
    const [which, bad] of [[0, flipLastByte(leaf.certDer)], [1, flipLastByte(int.certDer)]] as const
  ) {
    const c = [...chain];
    c[which] = bad;
    expectAlert(
      () => verifyCertificateChain(c, base),
      A.bad_certificate,
      /signature on "CN=(leaf|Builder Intermediate)" does not verify with the key of/,
    );
  }
  // a different CA with the same name (key mismatch) is a bad signature too
  const impostor = createCertificate({ subject: "Builder Root", isCA: true, ...validity });
  expectAlert(
    () => verifyCertificateChain(chain, { ...base, trustAnchors: [impostor.certDer] }),
    A.bad_certificate,
    /does not verify/,
  );
  // wrong EKU (openssl client cert as a server; server leaf as a client), keyUsage
  expectAlert(
    () =>
      verifyCertificateChain([f.der.client, f.der.int], {
        trustAnchors: [f.der.root],
        now: Date.now(),
        purpose: "serverAuth",
      }),
    A.bad_certificate,
    /extendedKeyUsage does not allow serverAuth/,
  );
  const serverOnly = createCertificate({
    subject: "so",
    issuer: int,
    extKeyUsage: ["serverAuth"],
    ...validity,
  });
  expectAlert(
    () =>
      verifyCertificateChain([serverOnly.certDer, int.certDer], { ...base, purpose: "clientAuth" }),
    A.bad_certificate,
    /does not allow clientAuth/,
  );
  const noSig = createCertificate({
    subject: "ns",
    issuer: int,
    keyUsage: 4, // keyEncipherment only
    sanDns: ["example.com"],
    ...validity,
  });
  expectAlert(
    () => verifyCertificateChain([noSig.certDer, int.certDer], base),
    A.bad_certificate,
    /keyUsage lacks digitalSignature/,
  );
  // unknown critical extension → unsupported_certificate
  expectAlert(
    () =>
      verifyCertificateChain([f.der.unknown_critical, f.der.int], {
        trustAnchors: [f.der.root],
        now: Date.now(),
        purpose: "serverAuth",
      }),
    A.unsupported_certificate,
    /unsupported critical extension/,
  );
  // malformed and empty chains
  expectAlert(
    () => verifyCertificateChain([leaf.certDer.subarray(0, 50)], base),
    A.bad_certificate,
    /malformed DER/,
  );
  expectAlert(() => verifyCertificateChain([], base), A.decode_error, /no certificate/);
  expectAlert(
    () => verifyCertificateChain([], { ...base, purpose: "clientAuth" }),
    A.certificate_required,
    /no certificate/,
  );
  expectAlert(
    () => verifyCertificateChain(new Array(17).fill(leaf.certDer), base),
    A.bad_certificate,
    /17 certificates/,
  );
});

function flipLastByte(der: Uint8Array): Uint8Array {
  const c = der.slice();
  c[c.length - 3] ^= 0x01; // inside the signature value
  return c;
}

Deno.test("cert_verify: WebTransport certificate hashes (pinning)", () => {
  const dev = generateDevCertificate({ hostnames: ["localhost", "127.0.0.1"] });
  const now = Date.now();
  const opts: CertificateVerifyOptions = {
    trustAnchors: [],
    now,
    purpose: "serverAuth",
    serverName: "some.other.name", // not checked for pinned certificates
    certificateHashes: [new Uint8Array(32), dev.certSha256],
  };
  assert.equal(verifyCertificateChain([dev.certDer], opts).subject.commonName, "localhost");
  // pin mismatch
  expectAlert(
    () => verifyCertificateChain([leaf.certDer], { ...opts, now: NOW }),
    AlertDescription.bad_certificate,
    /SHA-256 [0-9a-f]{64} matches none of 2 pinned hashes/,
  );
  // pinned but valid for more than 14 days
  const long = createCertificate({
    subject: "long",
    notBefore: now - DAY,
    notAfter: now + 14 * DAY,
  });
  expectAlert(
    () =>
      verifyCertificateChain([long.certDer], {
        ...opts,
        certificateHashes: [sha256(long.certDer)],
      }),
    AlertDescription.bad_certificate,
    /valid for 15.0 days; at most 14/,
  );
  const ok14 = createCertificate({ subject: "ok", notBefore: now - DAY, notAfter: now + 13 * DAY });
  verifyCertificateChain([ok14.certDer], { ...opts, certificateHashes: [sha256(ok14.certDer)] });
  // pinned but expired
  expectAlert(
    () => verifyCertificateChain([dev.certDer], { ...opts, now: now + 15 * DAY }),
    AlertDescription.certificate_expired,
    /expired at/,
  );
});

Deno.test("cert_verify: dangerouslyDisableCertificateVerification accepts any parseable leaf", () => {
  const got = verifyCertificateChain([leaf.certDer], {
    trustAnchors: [],
    now: 0,
    purpose: "serverAuth",
    serverName: "nope",
    dangerouslyDisableCertificateVerification: true,
  });
  assert.equal(got.subject.commonName, "leaf");
  expectAlert(
    () =>
      verifyCertificateChain([Uint8Array.of(1, 2, 3)], {
        trustAnchors: [],
        now: 0,
        purpose: "serverAuth",
        dangerouslyDisableCertificateVerification: true,
      }),
    AlertDescription.bad_certificate,
    /malformed/,
  );
});

Deno.test("cert_verify: look-alike CAs in the chain are searched with bounded work", () => {
  // 15 different self-signed "Loop CA" certificates, none trusted, plus a leaf
  // issued by one of them: every candidate is tried once, then unknown_ca.
  const loops: IssuedCertificate[] = [];
  for (let i = 0; i < 15; i++) {
    loops.push(
      createCertificate({ subject: "Loop CA", isCA: true, keyType: "ed25519", ...validity }),
    );
  }
  const l = createCertificate({
    subject: "l",
    issuer: loops[7],
    sanDns: ["example.com"],
    ...validity,
  });
  expectAlert(
    () => verifyCertificateChain([l.certDer, ...loops.map((x) => x.certDer)], base),
    AlertDescription.unknown_ca,
    /unknown CA: self-signed root "CN=Loop CA" is not among 1 trust anchors/,
  );
  // With the right one trusted, the same chain verifies.
  verifyCertificateChain([l.certDer, ...loops.map((x) => x.certDer)], {
    ...base,
    trustAnchors: [loops[7].certDer],
  });
});
