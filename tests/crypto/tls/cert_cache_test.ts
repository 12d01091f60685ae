import assert from "node:assert/strict";
import { createCertificate } from "../../../crypto/cert_builder.ts";
import { parseCertificateCached } from "../../../crypto/tls/cert_cache.ts";
import { parseCertificate } from "../../../crypto/tls/x509.ts";
import { TlsAlertError } from "../../../crypto/tls/alert.ts";

const { certDer } = createCertificate({ subject: "cache", sanDns: ["cache.example"] });

Deno.test("cert_cache: equal DER gives the same parsed, frozen certificate", () => {
  const a = parseCertificateCached(certDer);
  const b = parseCertificateCached(certDer.slice());
  assert.equal(a, b);
  assert.deepEqual(a, parseCertificate(certDer));
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.sanDns) && Object.isFrozen(a.subject));
  assert.throws(() => (a.sanDns as string[]).push("evil.example"), TypeError);
});

Deno.test("cert_cache: reusing the caller's buffer does not change the cached certificate", () => {
  const { certDer: der } = createCertificate({ subject: "reuse", sanDns: ["reuse.example"] });
  const buf = der.slice();
  const c = parseCertificateCached(buf);
  buf.fill(0); // e.g. a receive buffer reused for the next packet
  assert.deepEqual(c.sanDns, ["reuse.example"]);
  assert.deepEqual(c.der, der);
  assert.equal(parseCertificateCached(der), c);
});

Deno.test("cert_cache: malformed input throws TlsAlertError every time (failures not cached)", () => {
  const bad = certDer.slice(0, certDer.length - 1);
  for (let i = 0; i < 2; i++) assert.throws(() => parseCertificateCached(bad), TlsAlertError);
  assert.throws(() => parseCertificateCached(new Uint8Array(9000)), TlsAlertError);
});
