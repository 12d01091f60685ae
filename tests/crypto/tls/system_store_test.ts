import assert from "node:assert/strict";
import { loadSystemTrustAnchors } from "../../../crypto/system_store.ts";
import { parseCertificate } from "../../../crypto/tls/x509.ts";
import { verifyCertificateChain } from "../../../crypto/tls/cert_verify.ts";
import { createCertificate } from "../../../crypto/cert_builder.ts";

Deno.test("system_store: the Debian bundle loads and nearly every root parses", () => {
  const anchors = loadSystemTrustAnchors();
  assert.ok(anchors.length > 50, `only ${anchors.length} system roots`);
  assert.equal(loadSystemTrustAnchors(), anchors); // cached: same array
  let ok = 0;
  const failures: string[] = [];
  for (const der of anchors) {
    try {
      const c = parseCertificate(der);
      assert.ok(
        c.publicKeyType === "rsa" || c.publicKeyType.startsWith("ecdsa") ||
          c.publicKeyType === "unknown",
      );
      ok++;
    } catch (e) {
      failures.push(String(e));
    }
  }
  assert.deepEqual(failures, []);
  assert.equal(ok, anchors.length);
  // Verifying against the whole store: our private chain is still unknown_ca.
  const leaf = createCertificate({ subject: "x", sanDns: ["x.test"] });
  assert.throws(
    () =>
      verifyCertificateChain([leaf.certDer], {
        trustAnchors: anchors,
        now: Date.now(),
        purpose: "serverAuth",
        serverName: "x.test",
      }),
    /unknown_ca: unknown CA: self-signed certificate "CN=x" is not among \d+ trust anchors/,
  );
});

Deno.test("system_store: an explicit path is read as a PEM bundle", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const a = createCertificate({ subject: "A", isCA: true });
    const b = createCertificate({ subject: "B", isCA: true });
    Deno.writeTextFileSync(`${dir}/bundle.pem`, `# comment\n${a.certPem}\n${b.certPem}`);
    assert.deepEqual(loadSystemTrustAnchors(`${dir}/bundle.pem`), [a.certDer, b.certDer]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
