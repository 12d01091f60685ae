/**
 * Loads the operating system's trust store (PEM bundle) as DER trust anchors
 * for {@link verifyCertificateChain}. This does file I/O with Deno APIs, so
 * it lives outside the sans-IO TLS core.
 * @module
 */
import { certificatesFromPem } from "./tls/pem.ts";

/**
 * The Debian/Ubuntu bundle path, tried first.
 *
 * @example
 * ```ts
 * import { SYSTEM_CA_BUNDLE_PATHS } from "@gquic/core/crypto";
 * console.log(SYSTEM_CA_BUNDLE_PATHS[0]); // "/etc/ssl/certs/ca-certificates.crt"
 * ```
 */
export const SYSTEM_CA_BUNDLE_PATHS: readonly string[] = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine
  "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL
  "/etc/ssl/cert.pem", // macOS, some BSDs
];

let cached: Uint8Array[] | undefined;

/**
 * Reads the system trust store once (cached; the same array is returned on
 * later calls so parsed anchors are cached too). `path` overrides the search;
 * the `SSL_CERT_FILE` environment variable is honoured when readable.
 * Returns an empty list if no bundle is found.
 *
 * @example
 * ```ts
 * import { loadSystemTrustAnchors } from "@gquic/core/crypto";
 * const anchors = loadSystemTrustAnchors();
 * console.log(anchors.length >= 0); // true
 * ```
 */
export function loadSystemTrustAnchors(path?: string): Uint8Array[] {
  if (path !== undefined) return certificatesFromPem(Deno.readTextFileSync(path));
  if (cached) return cached;
  const candidates: string[] = [];
  try {
    const env = Deno.env.get("SSL_CERT_FILE");
    if (env) candidates.push(env);
  } catch {
    // no env permission: fall back to the well-known paths
  }
  candidates.push(...SYSTEM_CA_BUNDLE_PATHS);
  for (const p of candidates) {
    let text: string;
    try {
      text = Deno.readTextFileSync(p);
    } catch {
      continue;
    }
    cached = certificatesFromPem(text);
    return cached;
  }
  cached = [];
  return cached;
}
