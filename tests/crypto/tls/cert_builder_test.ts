import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { sha256 } from "@noble/hashes/sha2.js";
import { createCertificate } from "../../../crypto/cert_builder.ts";
import { generateDevCertificate } from "../../../crypto/dev_cert.ts";
import { parsePrivateKeyPem } from "../../../crypto/tls/keys.ts";
import { KeyUsage, Oid, parseCertificate } from "../../../crypto/tls/x509.ts";
import { opensslFixtures, opensslSync } from "./openssl_fixtures.ts";

Deno.test("cert_builder: openssl verifies builder chains of every key type", () => {
  const f = opensslFixtures();
  const dir = f.dir;
  // RSA keys come from the openssl fixtures: generating them here costs seconds.
  const rsaKeys = [parsePrivateKeyPem(f.pem["root.key"]), parsePrivateKeyPem(f.pem["rsa.p1.key"])];
  for (const keyType of ["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa"] as const) {
    const k = (i: number) => keyType === "rsa" ? { key: rsaKeys[i % 2] } : { keyType };
    const root = createCertificate({ subject: `Root ${keyType}`, isCA: true, ...k(0), pathLen: 1 });
    const int = createCertificate({
      subject: "Int",
      issuer: root,
      isCA: true,
      ...k(1),
      pathLen: 0,
    });
    const leaf = createCertificate({
      subject: "leaf",
      issuer: int,
      ...k(0),
      sanDns: ["localhost"],
      sanIps: ["127.0.0.1", "::1"],
    });
    Deno.writeTextFileSync(`${dir}/b_root.pem`, root.certPem);
    Deno.writeTextFileSync(`${dir}/b_int.pem`, int.certPem);
    Deno.writeTextFileSync(`${dir}/b_leaf.pem`, leaf.certPem);
    const r = opensslSync([
      "verify",
      "-x509_strict",
      "-purpose",
      "sslserver",
      "-verify_hostname",
      "localhost",
      "-verify_ip",
      "::1",
      "-CAfile",
      "b_root.pem",
      "-untrusted",
      "b_int.pem",
      "b_leaf.pem",
    ]);
    assert.ok(r.ok, `${keyType}: ${r.stdout} ${r.stderr}`);
    assert.match(r.stdout, /b_leaf.pem: OK/);
    // openssl reads back the SANs and key usage we encoded.
    const text = opensslSync(["x509", "-in", "b_leaf.pem", "-noout", "-text"]).stdout;
    assert.match(text, /DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1/);
    assert.match(text, /Digital Signature/);
    assert.match(text, /TLS Web Server Authentication, TLS Web Client Authentication/);
    // The key PEM matches the certificate, for us and for openssl.
    Deno.writeTextFileSync(`${dir}/b_leaf.key`, leaf.keyPem);
    const pub = opensslSync(["pkey", "-in", "b_leaf.key", "-pubout"]).stdout;
    const certPub = opensslSync(["x509", "-in", "b_leaf.pem", "-noout", "-pubkey"]).stdout;
    assert.equal(pub, certPub);
    assert.deepEqual(parsePrivateKeyPem(leaf.keyPem).spki, parseCertificate(leaf.certDer).spki);
  }
});

Deno.test("cert_builder: options end up in the certificate", () => {
  const serial = Uint8Array.of(0x80, 1, 2);
  const nb = Date.UTC(2031, 5, 1, 12, 0, 0);
  const c = createCertificate({
    subject: "opts",
    notBefore: nb,
    notAfter: Date.UTC(2060, 0, 1), // GeneralizedTime
    serialNumber: serial,
    isCA: true,
    pathLen: 3,
    keyUsage: KeyUsage.keyCertSign | KeyUsage.decipherOnly,
    extKeyUsage: ["clientAuth"],
  });
  const p = parseCertificate(c.certDer);
  assert.deepEqual(Array.from(p.serialNumber), [0, 0x80, 1, 2]);
  assert.equal(p.notBefore, nb);
  assert.equal(p.notAfter, Date.UTC(2060, 0, 1));
  assert.equal(p.isCA, true);
  assert.equal(p.pathLen, 3);
  assert.equal(p.keyUsage, KeyUsage.keyCertSign | KeyUsage.decipherOnly);
  assert.deepEqual(p.extKeyUsage, [Oid.clientAuth]);
  assert.deepEqual(p.subjectRaw, p.issuerRaw);
  const leaf = parseCertificate(
    createCertificate({ subject: "x", keyType: "rsa", rsaBits: 3072 }).certDer,
  );
  assert.equal(leaf.publicKeyType, "rsa");
  assert.equal(leaf.isCA, false);
  assert.equal(leaf.keyUsage, KeyUsage.digitalSignature);
});

Deno.test("dev_cert: ≤ 14 days, P-256, SANs split into DNS and IP, correct pins", () => {
  const t0 = Date.now();
  const dev = generateDevCertificate({ hostnames: ["localhost", "dev.test", "127.0.0.1", "::1"] });
  const c = parseCertificate(dev.certDer);
  assert.equal(c.publicKeyType, "ecdsa-p256");
  assert.deepEqual(c.sanDns, ["localhost", "dev.test"]);
  assert.deepEqual(c.sanIps, ["127.0.0.1", "::1"]);
  assert.ok(c.notAfter - c.notBefore <= 14 * 86_400_000);
  assert.ok(c.notBefore <= t0 && c.notAfter > t0 + 12 * 86_400_000);
  assert.deepEqual(dev.certSha256, sha256(dev.certDer));
  assert.equal(dev.spkiSha256Base64, Buffer.from(sha256(c.spki)).toString("base64"));
  // Same SPKI pin as the Chromium docs' openssl pipeline computes.
  const dir = opensslFixtures().dir;
  Deno.writeTextFileSync(`${dir}/dev.pem`, dev.certPem);
  const pubDer = new Deno.Command("openssl", {
    args: ["x509", "-in", "dev.pem", "-noout", "-pubkey"],
    cwd: dir,
    stdout: "piped",
  }).outputSync().stdout;
  Deno.writeFileSync(`${dir}/dev.pub`, pubDer);
  const der = new Deno.Command("openssl", {
    args: ["pkey", "-pubin", "-in", "dev.pub", "-outform", "der"],
    cwd: dir,
    stdout: "piped",
  }).outputSync().stdout;
  assert.equal(Buffer.from(sha256(der)).toString("base64"), dev.spkiSha256Base64);
  assert.equal(parsePrivateKeyPem(dev.keyPem).type, "ecdsa-p256");
  assert.throws(() => generateDevCertificate({ validityDays: 15 }), RangeError);
  const def = parseCertificate(generateDevCertificate().certDer);
  assert.equal(Math.round((def.notAfter - def.notBefore) / 86_400_000), 13);
  assert.deepEqual(def.sanDns, ["localhost"]);
  assert.deepEqual(def.sanIps, ["127.0.0.1", "::1"]);
});
