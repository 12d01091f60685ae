import assert from "node:assert/strict";
import fc from "fast-check";
import { TlsAlertError } from "../../../crypto/tls/alert.ts";
import { certificatesFromPem, decodePem, encodePem } from "../../../crypto/tls/pem.ts";
import { opensslFixtures, opensslSync } from "./openssl_fixtures.ts";

Deno.test("pem: encode/decode round trip for arbitrary bytes and labels", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom("CERTIFICATE", "PRIVATE KEY", "EC PRIVATE KEY", "X"),
      (der, label) => {
        const pem = encodePem(label, der);
        assert.ok(pem.split("\n").every((l) => l.length <= 64));
        const blocks = decodePem(`leading text\n${pem}\ntrailing\n${pem}`);
        assert.equal(blocks.length, 2);
        assert.equal(blocks[0].label, label);
        assert.deepEqual(blocks[0].der, der);
        assert.deepEqual(blocks[1].der, der);
      },
    ),
    { seed: 7, numRuns: 300 },
  );
});

Deno.test("pem: openssl bundles decode in order; our PEM is accepted by openssl", () => {
  const f = opensslFixtures();
  const bundle = f.pem.leaf_p256 + "\r\n" + f.pem.int.replace(/\n/g, "\r\n") +
    f.pem["p256.p8.key"] +
    f.pem.root;
  const blocks = decodePem(bundle);
  assert.deepEqual(blocks.map((b) => b.label), [
    "CERTIFICATE",
    "CERTIFICATE",
    "PRIVATE KEY",
    "CERTIFICATE",
  ]);
  const certs = certificatesFromPem(bundle);
  assert.deepEqual(certs, [f.der.leaf_p256, f.der.int, f.der.root]);
  // Re-encode and have openssl parse it back to the same DER.
  Deno.writeTextFileSync(`${f.dir}/reencoded.pem`, encodePem("CERTIFICATE", f.der.int));
  const r = opensslSync(["x509", "-in", "reencoded.pem", "-noout", "-subject"]);
  assert.ok(r.ok, r.stderr);
  assert.match(r.stdout, /gquic Test Intermediate/);
});

Deno.test("pem: malformed input throws TlsAlertError with a reason", () => {
  const cases: [string, RegExp][] = [
    ["-----BEGIN CERTIFICATE-----\nAAAA\n", /missing END CERTIFICATE/],
    ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END OTHER-----\n", /missing END/],
    ["-----BEGIN CERTIFICATE\nAAAA", /unterminated BEGIN/],
    ["-----BEGIN A-----\nAA*A\n-----END A-----", /invalid Base64/],
    ["-----BEGIN A-----\nAAA\n-----END A-----", /bad Base64 length/],
    ["-----BEGIN A-----\nAA=A\n-----END A-----", /invalid Base64/],
    ["-----BEGIN A-----\nAB==\n-----END A-----", /non-canonical/],
    ["-----BEGIN A  B-----\nAA==\n-----END A  B-----", /bad label/],
    ["-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\nAA==\n-----END A-----", /header-carrying/],
  ];
  for (const [text, why] of cases) {
    assert.throws(() => decodePem(text), (e: unknown) => {
      assert.ok(e instanceof TlsAlertError);
      assert.match(e.message, why);
      return true;
    });
  }
  assert.deepEqual(decodePem("no blocks at all"), []);
});
