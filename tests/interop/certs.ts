/**
 * Test certificates made at test time (never committed): an ECDSA P-256 CA
 * and a leaf for localhost, 127.0.0.1 and ::1 (EKU serverAuth), valid for a
 * few days, served as `leaf + CA`.
 * @module
 */
import { createCertificate } from "../../crypto/cert_builder.ts";

/** PEM material for a test server and its clients. */
export interface TestCerts {
  /** Leaf + CA chain (PEM). */
  chainPem: string;
  /** Leaf key (PKCS#8 PEM). */
  keyPem: string;
  /** CA certificate (PEM), the trust anchor. */
  caPem: string;
  /** Leaf certificate DER. */
  leafDer: Uint8Array;
}

/** Generates a CA and a localhost leaf. */
export function makeTestCerts(): TestCerts {
  const now = Date.now();
  const ca = createCertificate({
    subject: "gquic test CA",
    isCA: true,
    notBefore: now - 3_600_000,
    notAfter: now + 5 * 86_400_000,
  });
  const leaf = createCertificate({
    subject: "localhost",
    issuer: ca,
    sanDns: ["localhost"],
    sanIps: ["127.0.0.1", "::1"],
    extKeyUsage: ["serverAuth"],
    notBefore: now - 3_600_000,
    notAfter: now + 5 * 86_400_000,
  });
  return {
    chainPem: leaf.certPem + ca.certPem,
    keyPem: leaf.keyPem,
    caPem: ca.certPem,
    leafDer: leaf.certDer,
  };
}

/** Writes the certificates into `dir` (cert.pem = chain, key.pem, ca.pem). */
export function writeTestCerts(
  dir: string,
  c: TestCerts,
): { cert: string; key: string; ca: string } {
  const cert = `${dir}/cert.pem`, key = `${dir}/key.pem`, ca = `${dir}/ca.pem`;
  Deno.writeTextFileSync(cert, c.chainPem);
  Deno.writeTextFileSync(key, c.keyPem);
  Deno.writeTextFileSync(ca, c.caPem);
  return { cert, key, ca };
}

if (import.meta.main) {
  const dir = Deno.args[0] ?? ".";
  console.log(writeTestCerts(dir, makeTestCerts()));
}
