import assert from "node:assert/strict";
import { AlertDescription, TlsAlertError } from "../../../crypto/tls/alert.ts";
import { formatName, KeyUsage, Oid, parseCertificate } from "../../../crypto/tls/x509.ts";
import { derContext, derInteger, derSequence, derTime } from "../../../crypto/tls/asn1.ts";
import { opensslFixtures, opensslSync } from "./openssl_fixtures.ts";

/** Parses openssl's "notBefore=Nov 26 11:50:32 2026 GMT" into ms. */
function opensslDate(line: string): number {
  return Date.parse(line.split("=")[1].replace(" GMT", "Z").replace(/ +/g, " "));
}

Deno.test("x509: openssl leafs of every key type parse with the fields openssl reports", () => {
  const f = opensslFixtures();
  const expect: Record<string, string> = {
    leaf_p256: "ecdsa-p256",
    leaf_p384: "ecdsa-p384",
    leaf_ed25519: "ed25519",
    leaf_rsa: "rsa",
  };
  for (const [name, type] of Object.entries(expect)) {
    const c = parseCertificate(f.der[name]);
    assert.equal(c.publicKeyType, type, name);
    assert.equal(c.version, 3);
    assert.equal(c.subject.commonName, name.replace("_", " "));
    assert.equal(c.issuer.commonName, "gquic Test Intermediate");
    assert.deepEqual(c.sanDns, ["localhost", "*.example.test"]);
    assert.deepEqual(c.sanIps, ["127.0.0.1", "::1", "2001:db8::1:0:0:1"]);
    assert.equal(c.isCA, false);
    assert.equal(c.keyUsage, KeyUsage.digitalSignature);
    assert.deepEqual(c.extKeyUsage, [Oid.serverAuth]);
    assert.equal(c.hasUnknownCriticalExtension, false);
    const dates = opensslSync(["x509", "-in", `${name}.pem`, "-noout", "-dates", "-serial"])
      .stdout.trim().split("\n");
    assert.equal(c.notBefore, opensslDate(dates[0]));
    assert.equal(c.notAfter, opensslDate(dates[1]));
    const serial = parseInt(dates[2].split("=")[1], 16);
    assert.deepEqual(Array.from(c.serialNumber), [serial]);
    // The SPKI equals what openssl extracts from the certificate.
    const spkiPem = opensslSync(["x509", "-in", `${name}.pem`, "-noout", "-pubkey"]).stdout;
    const spki = Uint8Array.from(
      atob(spkiPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")),
      (ch) => ch.charCodeAt(0),
    );
    assert.deepEqual(c.spki, spki);
  }
});

Deno.test("x509: CA, intermediate, signature algorithms and DN rendering", () => {
  const f = opensslFixtures();
  const root = parseCertificate(f.der.root);
  assert.equal(root.isCA, true);
  assert.equal(root.pathLen, undefined);
  assert.equal(root.keyUsage, KeyUsage.keyCertSign | KeyUsage.cRLSign);
  assert.equal(root.signatureAlgorithm, Oid.sha256WithRSAEncryption);
  assert.equal(formatName(root.subject), "O=gquic tests, CN=gquic Test Root");
  assert.deepEqual(root.subjectRaw, root.issuerRaw);
  const int = parseCertificate(f.der.int);
  assert.equal(int.isCA, true);
  assert.equal(int.pathLen, 0);
  assert.deepEqual(int.issuerRaw, root.subjectRaw);
  assert.equal(parseCertificate(f.der.leaf_p256).signatureAlgorithm, Oid.ecdsaWithSHA384);
  assert.equal(parseCertificate(f.der.leaf_sha512).signatureAlgorithm, Oid.sha512WithRSAEncryption);
  const pss = parseCertificate(f.der.leaf_pss);
  assert.equal(pss.signatureAlgorithm, Oid.rsassaPss);
  assert.ok(pss.signatureAlgorithmParams && pss.signatureAlgorithmParams.length > 10);
  assert.equal(parseCertificate(f.der.leaf_under_ed).signatureAlgorithm, Oid.ed25519);
  assert.deepEqual(parseCertificate(f.der.client).extKeyUsage, [Oid.clientAuth]);
  assert.equal(parseCertificate(f.der.unknown_critical).hasUnknownCriticalExtension, true);
  // The TBS is the exact first element of the certificate.
  assert.deepEqual(int.der.subarray(int.der.length - int.signature.length), int.signature);
  assert.equal(int.der.indexOf(int.tbs[0], 2) >= 0, true);
});

Deno.test("x509: malformed certificates throw bad_certificate with a reason", () => {
  const der = opensslFixtures().der.leaf_p256;
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /truncated/],
    [der.subarray(0, der.length - 1), /exceeds remaining/],
    [Uint8Array.of(...der, 0), /trailing/],
    [Uint8Array.of(0x30, 0x80, 0, 0), /indefinite/],
    [Uint8Array.of(0x30, 0x81, 0x05, 1, 2, 3, 4, 5), /non-minimal length/],
    [Uint8Array.of(0x31, 0x00), /expected Certificate/],
  ];
  for (const [input, why] of cases) {
    assert.throws(() => parseCertificate(input), (e: unknown) => {
      assert.ok(e instanceof TlsAlertError);
      assert.equal(e.alert, AlertDescription.bad_certificate);
      assert.match(e.message, why);
      return true;
    });
  }
  // Mismatched inner/outer signature algorithm (RFC 5280 §4.1.1.2): swap the OID
  // ecdsa-with-SHA384 (…04 03 03) in the TBS only.
  const copy = der.slice();
  const pat = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
  const at = copy.findIndex((_, i) => pat.every((b, j) => copy[i + j] === b));
  copy[at + 7] = 0x02;
  assert.throws(() => parseCertificate(copy), /signature algorithm mismatch/);
});

Deno.test("x509: UTCTime and GeneralizedTime boundaries (RFC 5280 §4.1.2.5)", () => {
  const times = [
    Date.UTC(1950, 0, 1),
    Date.UTC(2049, 11, 31, 23, 59, 59),
    Date.UTC(2050, 0, 1),
    Date.UTC(9999, 11, 31, 23, 59, 59),
  ];
  for (const t of times) {
    const enc = derTime(t);
    assert.equal(enc[0], new Date(t).getUTCFullYear() < 2050 ? 0x17 : 0x18);
  }
  // Build a minimal v3 TBS by hand around two times and check they round-trip.
  const f = opensslFixtures();
  const base = parseCertificate(f.der.leaf_p256);
  const name = base.subjectRaw;
  const alg = derSequence(
    Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02),
  );
  for (const [nb, na] of [[times[0], times[1]], [times[2], times[3]]]) {
    const tbs = derSequence(
      derContext(0, true, derInteger(2)),
      derInteger(1),
      alg,
      name,
      derSequence(derTime(nb), derTime(na)),
      name,
      base.spki,
    );
    const cert = derSequence(tbs, alg, Uint8Array.of(0x03, 0x02, 0x00, 0x00));
    const c = parseCertificate(cert);
    assert.equal(c.notBefore, nb);
    assert.equal(c.notAfter, na);
    assert.deepEqual(c.sanDns, []);
    assert.equal(c.keyUsage, undefined);
  }
});
