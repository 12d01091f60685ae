import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPublicKey, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { createCertificate } from "../../../crypto/cert_builder.ts";
import { type KeyType, parsePrivateKeyPem, type TlsPrivateKey } from "../../../crypto/tls/keys.ts";
import {
  sign,
  SignatureScheme,
  signatureSchemesForKey,
  SUPPORTED_SIGNATURE_SCHEMES,
  verifySignature,
} from "../../../crypto/tls/signature.ts";
import { opensslFixtures } from "./openssl_fixtures.ts";

const S = SignatureScheme;
const keys: Record<KeyType, TlsPrivateKey> = {
  "ecdsa-p256": createCertificate({ subject: "a" }).key,
  "ecdsa-p384": createCertificate({ subject: "a", keyType: "ecdsa-p384" }).key,
  "ed25519": createCertificate({ subject: "a", keyType: "ed25519" }).key,
  // From the openssl fixtures: generating RSA keys here costs seconds.
  "rsa": parsePrivateKeyPem(opensslFixtures().pem["rsa.p8.key"]),
};
// RFC 8446 §4.4.3: the CertificateVerify content is 64 spaces, a context string, 0, hash.
const content = new Uint8Array([
  ...new Uint8Array(64).fill(0x20),
  ...new TextEncoder().encode("TLS 1.3, server CertificateVerify"),
  0,
  ...new Uint8Array(32).fill(0xab),
]);

Deno.test("signature: round trip for every scheme, and schemes per key", () => {
  assert.deepEqual(signatureSchemesForKey(keys["ecdsa-p256"]), [S.ecdsa_secp256r1_sha256]);
  assert.deepEqual(signatureSchemesForKey(keys["ecdsa-p384"]), [S.ecdsa_secp384r1_sha384]);
  assert.deepEqual(signatureSchemesForKey(keys.ed25519), [S.ed25519]);
  assert.deepEqual(signatureSchemesForKey(keys.rsa), [
    S.rsa_pss_rsae_sha256,
    S.rsa_pss_rsae_sha384,
    S.rsa_pss_rsae_sha512,
  ]);
  const covered = new Set<number>();
  for (const key of Object.values(keys)) {
    for (const scheme of signatureSchemesForKey(key)) {
      covered.add(scheme);
      const sig = sign(key, scheme, content);
      assert.ok(verifySignature(key.spki, scheme, content, sig), `0x${scheme.toString(16)}`);
      const other = content.slice();
      other[70] ^= 1;
      assert.equal(verifySignature(key.spki, scheme, other, sig), false);
    }
  }
  // Every advertised scheme can be produced and checked.
  assert.deepEqual([...covered].sort(), [...SUPPORTED_SIGNATURE_SCHEMES].sort());
  // PKCS#1 v1.5 is never advertised for CertificateVerify (RFC 8446 §4.4.3).
  assert.equal(SUPPORTED_SIGNATURE_SCHEMES.includes(S.rsa_pkcs1_sha256), false);
});

Deno.test("signature: ECDSA output is DER and verifies in node:crypto and openssl", () => {
  for (const type of ["ecdsa-p256", "ecdsa-p384"] as const) {
    const key = keys[type];
    const scheme = signatureSchemesForKey(key)[0];
    const sig = sign(key, scheme, content);
    assert.equal(sig[0], 0x30); // SEQUENCE { r INTEGER, s INTEGER }
    assert.equal(sig[1], sig.length - 2);
    const pub = createPublicKey({ key: Buffer.from(key.spki), format: "der", type: "spki" });
    const hash = type === "ecdsa-p256" ? "sha256" : "sha384";
    assert.ok(nodeVerify(hash, content, { key: pub, dsaEncoding: "der" }, sig));
  }
  // openssl verifies our signatures and we verify openssl's.
  const f = opensslFixtures();
  const dir = f.dir;
  Deno.writeFileSync(`${dir}/content.bin`, content);
  for (
    const [keyFile, dgst, scheme, extra] of [
      ["p256.sec1.key", "-sha256", S.ecdsa_secp256r1_sha256, []],
      ["p384.sec1.key", "-sha384", S.ecdsa_secp384r1_sha384, []],
      ["rsa.p1.key", "-sha256", S.rsa_pss_rsae_sha256, [
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:32",
      ]],
    ] as [string, string, number, string[]][]
  ) {
    const out = new Deno.Command("openssl", {
      args: ["dgst", dgst, "-sign", keyFile, ...extra, "-out", "sig.bin", "content.bin"],
      cwd: dir,
      stderr: "piped",
    }).outputSync();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const theirSig = Deno.readFileSync(`${dir}/sig.bin`);
    const spki = spkiOf(dir, keyFile);
    assert.ok(verifySignature(spki, scheme, content, theirSig), keyFile);
    // And openssl accepts ours, made with the same key.
    const ours = sign(parsePrivateKeyPem(f.pem[keyFile]), scheme, content);
    Deno.writeFileSync(`${dir}/oursig.bin`, ours);
    const check = new Deno.Command("openssl", {
      args: [
        "dgst",
        dgst,
        "-prverify",
        keyFile,
        ...extra,
        "-signature",
        "oursig.bin",
        "content.bin",
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    assert.ok(check.success, `openssl rejected our ${keyFile} signature`);
    assert.match(new TextDecoder().decode(check.stdout), /Verified OK/);
  }
});

function spkiOf(dir: string, keyFile: string): Uint8Array {
  const out = new Deno.Command("openssl", {
    args: ["pkey", "-in", keyFile, "-pubout", "-outform", "DER"],
    cwd: dir,
    stdout: "piped",
  }).outputSync();
  assert.ok(out.success);
  return out.stdout;
}

Deno.test("signature: verifySignature returns false (never throws) on bad input", () => {
  const ec = keys["ecdsa-p256"];
  const sig = sign(ec, S.ecdsa_secp256r1_sha256, content);
  const cases: [Uint8Array, number, Uint8Array, Uint8Array][] = [
    [keys["ecdsa-p384"].spki, S.ecdsa_secp256r1_sha256, content, sig], // wrong key
    [ec.spki, S.ecdsa_secp384r1_sha384, content, sig], // scheme bound to another curve
    [ec.spki, S.ed25519, content, sig], // wrong scheme
    [ec.spki, S.rsa_pkcs1_sha256, content, sig], // PKCS#1 not allowed
    [ec.spki, 0xffff, content, sig], // unknown scheme
    [ec.spki, S.ecdsa_secp256r1_sha256, content, sig.subarray(0, sig.length - 1)], // truncated
    [ec.spki, S.ecdsa_secp256r1_sha256, content, new Uint8Array(0)],
    [ec.spki, S.ecdsa_secp256r1_sha256, content, new Uint8Array(72).fill(0x30)], // garbage
    [ec.spki, S.ecdsa_secp256r1_sha256, content, new Uint8Array(5000)], // oversized
    [ec.spki.subarray(0, 20), S.ecdsa_secp256r1_sha256, content, sig], // broken SPKI
    [new Uint8Array(0), S.ecdsa_secp256r1_sha256, content, sig],
    [keys.rsa.spki, S.rsa_pss_pss_sha256, content, sign(keys.rsa, S.rsa_pss_rsae_sha256, content)],
    [keys.rsa.spki, S.rsa_pss_rsae_sha384, content, sign(keys.rsa, S.rsa_pss_rsae_sha256, content)],
    [keys.ed25519.spki, S.ed25519, content, new Uint8Array(64)],
  ];
  for (const [i, [spki, scheme, data, s]] of cases.entries()) {
    assert.equal(verifySignature(spki, scheme, data, s), false, `case ${i}`);
  }
  // Non-Uint8Array inputs from untyped callers.
  assert.equal(verifySignature(null as never, S.ed25519, content, sig), false);
  assert.equal(verifySignature(ec.spki, S.ecdsa_secp256r1_sha256, content, "x" as never), false);
  // Random garbage signatures never verify and never throw.
  for (let i = 0; i < 200; i++) {
    const g = new Uint8Array(i % 80);
    for (let j = 0; j < g.length; j++) g[j] = (i * 31 + j * 7) & 0xff;
    for (const key of Object.values(keys)) {
      for (const scheme of SUPPORTED_SIGNATURE_SCHEMES) {
        assert.equal(verifySignature(key.spki, scheme, content, g), false);
      }
    }
  }
});

Deno.test("signature: RSA-PSS salt must equal the hash length (RFC 8446 §4.2.3)", () => {
  const rsa = keys.rsa;
  const pub = createPublicKey({ key: Buffer.from(rsa.spki), format: "der", type: "spki" });
  const mk = (saltLength: number) =>
    nodeSign("sha256", content, { key: rsa.keyObject, padding: 6, saltLength });
  assert.ok(nodeVerify("sha256", content, { key: pub, padding: 6, saltLength: 20 }, mk(20)));
  assert.equal(verifySignature(rsa.spki, S.rsa_pss_rsae_sha256, content, mk(20)), false);
  assert.equal(verifySignature(rsa.spki, S.rsa_pss_rsae_sha256, content, mk(32)), true);
  // PKCS#1 v1.5 signatures are not PSS signatures.
  const v15 = nodeSign("sha256", content, rsa.keyObject);
  assert.equal(verifySignature(rsa.spki, S.rsa_pss_rsae_sha256, content, v15), false);
});

Deno.test("signature: sign refuses a scheme that does not fit the key", () => {
  assert.throws(() => sign(keys.ed25519, S.ecdsa_secp256r1_sha256, content), /cannot be used/);
  assert.throws(() => sign(keys.rsa, S.rsa_pkcs1_sha256, content), /cannot be used/);
});
