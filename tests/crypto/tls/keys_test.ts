import assert from "node:assert/strict";
import { AlertDescription, TlsAlertError } from "../../../crypto/tls/alert.ts";
import { parsePrivateKeyPem } from "../../../crypto/tls/keys.ts";
import { sign, signatureSchemesForKey, verifySignature } from "../../../crypto/tls/signature.ts";
import { parseCertificate } from "../../../crypto/tls/x509.ts";
import { opensslFixtures } from "./openssl_fixtures.ts";

Deno.test("keys: openssl SEC1, PKCS#1 and PKCS#8 files parse to the right type and sign", () => {
  const f = opensslFixtures();
  const cases: [string, string][] = [
    ["p256.sec1.key", "ecdsa-p256"],
    ["p256.p8.key", "ecdsa-p256"],
    ["p384.sec1.key", "ecdsa-p384"],
    ["p384.p8.key", "ecdsa-p384"],
    ["p384.params.key", "ecdsa-p384"], // "EC PARAMETERS" block first
    ["ed25519.p8.key", "ed25519"],
    ["rsa.p8.key", "rsa"],
    ["rsa.p1.key", "rsa"],
  ];
  for (const [file, type] of cases) {
    const pem = f.pem[file];
    assert.ok(pem, file);
    const key = parsePrivateKeyPem(pem);
    assert.equal(key.type, type, file);
    for (const scheme of signatureSchemesForKey(key)) {
      const sig = sign(key, scheme, new Uint8Array([1, 2, 3]));
      assert.ok(
        verifySignature(key.spki, scheme, new Uint8Array([1, 2, 3]), sig),
        `${file} ${scheme}`,
      );
    }
  }
  assert.equal(f.pem["p256.sec1.key"].includes("BEGIN EC PRIVATE KEY"), true);
  assert.equal(f.pem["rsa.p1.key"].includes("BEGIN RSA PRIVATE KEY"), true);
  // The key matches the certificate openssl issued for it.
  const key = parsePrivateKeyPem(f.pem["p256.sec1.key"]);
  assert.deepEqual(key.spki, parseCertificate(f.der.leaf_p256).spki);
  assert.equal(parsePrivateKeyPem(f.pem["rsa.p1.key"]).rsaBits, 2048);
});

Deno.test("keys: a key after certificates in one PEM file is found", () => {
  const f = opensslFixtures();
  const key = parsePrivateKeyPem(f.pem.leaf_p256 + f.pem.int + f.pem["p256.p8.key"]);
  assert.equal(key.type, "ecdsa-p256");
});

Deno.test("keys: encrypted, missing, garbage and mislabelled keys throw TlsAlertError", () => {
  const f = opensslFixtures();
  const bad: [string, RegExp][] = [
    [f.pem["encrypted.key"], /encrypted keys are unsupported/],
    [f.pem.root, /no PRIVATE KEY block/],
    ["", /no PRIVATE KEY block/],
    ["-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", /PRIVATE KEY rejected/],
    [
      f.pem["p256.p8.key"].replace("PRIVATE KEY-----", "EC PRIVATE KEY-----").replace(
        "END PRIVATE",
        "END EC PRIVATE",
      ),
      /EC PRIVATE KEY rejected/,
    ],
    [f.pem["rsa.p1.key"].replace(/RSA PRIVATE/g, "EC PRIVATE"), /rejected/],
    ["-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n", /invalid Base64/],
  ];
  for (const [pem, why] of bad) {
    assert.throws(() => parsePrivateKeyPem(pem), (e: unknown) => {
      assert.ok(e instanceof TlsAlertError, String(e));
      assert.equal(e.alert, AlertDescription.decode_error);
      assert.match(e.message, why);
      return true;
    });
  }
});

Deno.test("keys: unsupported curves and small RSA keys are refused", () => {
  const dir = opensslFixtures().dir;
  const gen = (args: string[]) => {
    const out = new Deno.Command("openssl", { args, cwd: dir, stdout: "piped", stderr: "piped" })
      .outputSync();
    assert.ok(out.success);
    return new TextDecoder().decode(out.stdout);
  };
  const p521 = gen(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]);
  assert.throws(() => parsePrivateKeyPem(p521), /unsupported EC curve secp521r1/);
  const rsa1024 = gen(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]);
  assert.throws(() => parsePrivateKeyPem(rsa1024), /RSA key size 1024/);
  const x25519 = gen(["genpkey", "-algorithm", "X25519"]);
  assert.throws(() => parsePrivateKeyPem(x25519), /unsupported key type x25519/);
});
