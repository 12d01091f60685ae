/**
 * Development certificates for local servers: a fresh ECDSA P-256
 * self-signed certificate valid for at most 14 days, so that it can be
 * pinned by WebTransport `serverCertificateHashes` (W3C WebTransport) or by
 * Chromium's `--ignore-certificate-errors-spki-list`.
 * @module
 */
import { Buffer } from "node:buffer";
import { sha256 } from "@noble/hashes/sha2.js";
import { createCertificate } from "./cert_builder.ts";
import { parseIp } from "./tls/hostname.ts";
import { parseCertificate } from "./tls/x509.ts";

/**
 * A generated development certificate and its pins.
 *
 * @example
 * ```ts
 * import { type DevCertificate, generateDevCertificate } from "@gquic/core/crypto";
 * const dev: DevCertificate = generateDevCertificate();
 * console.log(dev.certSha256.length); // 32
 * ```
 */
export interface DevCertificate {
  /** Certificate PEM. */
  certPem: string;
  /** PKCS#8 private key PEM. */
  keyPem: string;
  /** Certificate DER. */
  certDer: Uint8Array;
  /** Base64 SHA-256 of the SubjectPublicKeyInfo (Chromium SPKI pin). */
  spkiSha256Base64: string;
  /** SHA-256 of the certificate DER (WebTransport serverCertificateHashes). */
  certSha256: Uint8Array;
}

const DAY = 86_400_000;

/**
 * Generates a self-signed ECDSA P-256 certificate for `hostnames` (default
 * localhost, 127.0.0.1 and ::1), valid from one minute ago for
 * `validityDays` (default 13, at most 14: the WebTransport pinning limit).
 *
 * @example
 * ```ts
 * import { generateDevCertificate } from "@gquic/core/crypto";
 * const { certPem, keyPem, spkiSha256Base64 } = generateDevCertificate({ hostnames: ["localhost"] });
 * console.log(certPem.length > 0, keyPem.length > 0, spkiSha256Base64.length); // true true 44
 * ```
 */
export function generateDevCertificate(
  opts: { hostnames?: string[]; validityDays?: number } = {},
): DevCertificate {
  const hostnames = opts.hostnames ?? ["localhost", "127.0.0.1", "::1"];
  const validityDays = opts.validityDays ?? 13;
  if (!(validityDays > 0 && validityDays <= 14)) {
    throw new RangeError("generateDevCertificate: validityDays must be in (0, 14]");
  }
  const sanDns = hostnames.filter((h) => !parseIp(h));
  const sanIps = hostnames.filter((h) => parseIp(h));
  // Starting a minute in the past tolerates small clock skew, while the total
  // window stays within the 14 days WebTransport allows.
  const notBefore = Date.now() - 60_000;
  const issued = createCertificate({
    subject: sanDns[0] ?? sanIps[0] ?? "gquic dev",
    keyType: "ecdsa-p256",
    sanDns,
    sanIps,
    notBefore,
    notAfter: notBefore + validityDays * DAY,
    extKeyUsage: ["serverAuth"],
  });
  const spki = parseCertificate(issued.certDer).spki;
  return {
    certPem: issued.certPem,
    keyPem: issued.keyPem,
    certDer: issued.certDer,
    spkiSha256Base64: Buffer.from(sha256(spki)).toString("base64"),
    certSha256: sha256(issued.certDer),
  };
}
