/**
 * Parsed certificates by content: a client meets the same server chain (and
 * the caller re-decodes the same `caCerts` PEM) on every connection, and
 * parsing a certificate costs ~0.1–0.2 ms here. Entries are parsed from a
 * private copy of the DER (the caller's buffer may be reused) and frozen, and
 * keyed by the whole DER, so a hit is byte-for-byte the same certificate.
 * Validity, names and constraints are still checked on every use.
 * @module
 */
import { Buffer } from "node:buffer";
import { type Certificate, parseCertificate } from "./x509.ts";

const MAX_ENTRIES = 64;
// Larger certificates are parsed every time (and not held in memory).
const MAX_CACHED_DER = 8192;
const cache: Map<string, Certificate> = new Map();

/**
 * {@link parseCertificate} with a small LRU cache keyed by the DER bytes.
 * Throws the same {@link TlsAlertError} on malformed input (failures are not
 * cached). The result is frozen and shared: do not modify it.
 *
 * @example
 * ```ts
 * import { createCertificate, parseCertificateCached } from "@gquic/core/crypto";
 * const { certDer } = createCertificate({ subject: "example" });
 * console.log(parseCertificateCached(certDer) === parseCertificateCached(certDer.slice())); // true
 * ```
 */
export function parseCertificateCached(der: Uint8Array): Certificate {
  if (!(der instanceof Uint8Array) || der.length > MAX_CACHED_DER) return parseCertificate(der);
  const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("hex");
  const hit = cache.get(id);
  if (hit) {
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  const c = parseCertificate(der.slice());
  Object.freeze(c.sanDns);
  Object.freeze(c.sanIps);
  if (c.extKeyUsage) Object.freeze(c.extKeyUsage);
  Object.freeze(c.subject.attributes);
  Object.freeze(c.subject);
  Object.freeze(c.issuer.attributes);
  Object.freeze(c.issuer);
  Object.freeze(c);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(id, c);
  return c;
}
