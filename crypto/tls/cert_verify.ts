/**
 * Certificate path validation for TLS 1.3 peers (RFC 5280 §6, simplified to
 * what TLS needs; RFC 8446 §4.4.2.4): builds a path from the presented chain
 * (intermediates in any order) to a trust anchor, checks validity windows,
 * basicConstraints and path lengths, keyUsage/extendedKeyUsage, signatures,
 * and the server name (RFC 6125 via ./hostname.ts). Also WebTransport
 * certificate-hash pinning. Sans-IO: the clock comes in as `now`.
 *
 * Alert choices (RFC 8446 §6.2): malformed → bad_certificate; outside the
 * validity window → certificate_expired; no path to an anchor → unknown_ca;
 * CA/path-length/EKU/keyUsage violations, bad signatures, pin mismatches and
 * name mismatches → bad_certificate (as Go's crypto/tls does for names; the
 * certificate is valid but "bad" for this peer); unsupported key or
 * signature algorithm, unknown critical extensions → unsupported_certificate.
 * @module
 */
import { parseCertificateCached } from "./cert_cache.ts";
import { Buffer } from "node:buffer";
import { sha256 } from "@noble/hashes/sha2.js";
import { AlertDescription, TlsAlertError } from "./alert.ts";
import { DerReader } from "./asn1.ts";
import { checkServerName } from "./hostname.ts";
import { publicKeyFromSpki, verifyWithKey } from "./signature.ts";
import { bytesEqual, type Certificate, formatName, KeyUsage, Oid } from "./x509.ts";

/**
 * Options for {@link verifyCertificateChain}.
 *
 * @example
 * ```ts
 * import type { CertificateVerifyOptions } from "@gquic/core/crypto";
 * const o: CertificateVerifyOptions = { trustAnchors: [], now: 0, purpose: "serverAuth" };
 * console.log(o.purpose);
 * ```
 */
export interface CertificateVerifyOptions {
  /** DER of trusted roots (caCerts); may be empty when pinning. */
  trustAnchors: Uint8Array[];
  /**
   * DNS name or IP literal to match against the leaf's SANs (serverAuth only;
   * omit to skip the name check, e.g. when the caller checks identity itself).
   */
  serverName?: string;
  /** Current time, ms since epoch (injected clock). */
  now: number;
  /** What the leaf must be good for (extendedKeyUsage). */
  purpose: "serverAuth" | "clientAuth";
  /**
   * SHA-256 of acceptable leaf DERs (WebTransport serverCertificateHashes).
   * When non-empty, only a hash match is accepted (no CA path, no name
   * check), and the leaf must be valid now for at most 14 days in total.
   */
  certificateHashes?: Uint8Array[];
  /** Accept any parseable leaf. Never use outside tests and local debugging. */
  dangerouslyDisableCertificateVerification?: boolean;
  /** Maximum path length including leaf and anchor (default 8). */
  maxChainLength?: number;
}

/** Most certificates a peer may present (RFC 8446 does not bound it). */
const MAX_PRESENTED = 16;
/** W3C WebTransport: pinned certificates are valid for at most two weeks. */
const MAX_PINNED_VALIDITY_MS = 14 * 86_400_000;

// Parsed trust anchors, keyed by the caller's array identity: a system store
// of ~150 roots is parsed once, not per handshake. Unparseable anchors are
// skipped (null) rather than failing every verification.
const anchorCache: WeakMap<Uint8Array, Certificate | null> = new WeakMap();

function parseAnchor(der: Uint8Array): Certificate | null {
  let c = anchorCache.get(der);
  if (c === undefined) {
    try {
      c = parseCertificateCached(der);
    } catch {
      c = null;
    }
    anchorCache.set(der, c);
  }
  return c;
}

// Signatures already verified, keyed by the signature value and holding the
// certificate DER and issuer SPKI they were checked with (compared byte for
// byte on a hit, so no hash-collision argument is needed). A client meets the
// same server chain on every connection, and an ECDSA verification costs
// ~0.6 ms here, more than the rest of the handshake's non-key-exchange work.
// Everything the check depends on (algorithm, parameters, TBS, signature) is
// inside the certificate DER; only successes are remembered; validity, names
// and constraints are still checked every time.
const VERIFIED_MAX = 256;
const verifiedSignatures: Map<string, { der: Uint8Array; spki: Uint8Array }> = new Map();

function signatureKey(cert: Certificate): string {
  const s = cert.signature;
  return Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString("base64");
}

function fail(alert: number, message: string): TlsAlertError {
  return new TlsAlertError(alert, message);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function describe(c: Certificate): string {
  return `"${formatName(c.subject)}"`;
}

function checkValidity(c: Certificate, now: number): void {
  if (now < c.notBefore) {
    throw fail(
      AlertDescription.certificate_expired,
      `certificate ${describe(c)} is not yet valid: valid from ${iso(c.notBefore)}, now ${
        iso(now)
      }`,
    );
  }
  if (now > c.notAfter) {
    throw fail(
      AlertDescription.certificate_expired,
      `certificate ${describe(c)} expired at ${iso(c.notAfter)}, now ${iso(now)}`,
    );
  }
}

type Hash = "sha256" | "sha384" | "sha512";
const HASH_OIDS: Record<string, Hash> = {
  [Oid.sha256]: "sha256",
  [Oid.sha384]: "sha384",
  [Oid.sha512]: "sha512",
};

/** RSASSA-PSS-params (RFC 4055 §3.1) restricted to the TLS-usable shapes. */
function parsePssParams(params: Uint8Array | undefined): { hash: Hash; salt: number } | null {
  if (!params) return null;
  try {
    const r = new DerReader(params, AlertDescription.bad_certificate);
    const seq = r.sequence();
    r.finish();
    let hash: Hash | undefined;
    let mgfHash: Hash | undefined;
    let salt = 20;
    if (seq.peekTag() === 0xa0) {
      const alg = seq.constructed(0xa0).sequence();
      hash = HASH_OIDS[alg.oid()];
      if (!alg.atEnd) alg.null();
    }
    if (seq.peekTag() === 0xa1) {
      const mgf = seq.constructed(0xa1).sequence();
      if (mgf.oid() !== Oid.mgf1) return null;
      const h = mgf.sequence();
      mgfHash = HASH_OIDS[h.oid()];
      if (!h.atEnd) h.null();
    }
    if (seq.peekTag() === 0xa2) salt = seq.constructed(0xa2).smallInteger();
    if (seq.peekTag() === 0xa3) {
      if (seq.constructed(0xa3).smallInteger() !== 1) return null;
    }
    seq.finish();
    // Defaults are SHA-1, which we refuse; MGF1 must use the same hash.
    if (!hash || hash !== mgfHash || salt > 64) return null;
    return { hash, salt };
  } catch {
    return null;
  }
}

/**
 * Verifies `cert`'s signature with `issuer`'s public key (RFC 5280 §6.1.3
 * (a)(1)). Throws unsupported_certificate for algorithms we do not implement
 * and bad_certificate for a signature that does not verify.
 */
function checkSignature(cert: Certificate, issuer: Certificate): void {
  const id = signatureKey(cert);
  const hit = verifiedSignatures.get(id);
  if (hit && bytesEqual(hit.der, cert.der) && bytesEqual(hit.spki, issuer.spki)) {
    // Refresh its position so the LRU keeps chains in use.
    verifiedSignatures.delete(id);
    verifiedSignatures.set(id, hit);
    return;
  }
  checkSignatureUncached(cert, issuer);
  if (verifiedSignatures.size >= VERIFIED_MAX) {
    verifiedSignatures.delete(verifiedSignatures.keys().next().value!);
  }
  // Copies: the caller's buffers may be reused after the handshake.
  verifiedSignatures.set(id, { der: cert.der.slice(), spki: issuer.spki.slice() });
}

function checkSignatureUncached(cert: Certificate, issuer: Certificate): void {
  const alg = cert.signatureAlgorithm;
  let hash: Hash | null;
  let keyOk: boolean;
  let pssSalt: number | undefined;
  const kt = issuer.publicKeyType;
  switch (alg) {
    case Oid.ecdsaWithSHA256:
    case Oid.ecdsaWithSHA384:
    case Oid.ecdsaWithSHA512:
      // RFC 5758 §3.2: parameters absent.
      if (cert.signatureAlgorithmParams) throw badAlg(cert);
      hash = alg === Oid.ecdsaWithSHA256
        ? "sha256"
        : alg === Oid.ecdsaWithSHA384
        ? "sha384"
        : "sha512";
      keyOk = kt === "ecdsa-p256" || kt === "ecdsa-p384";
      break;
    case Oid.ed25519:
      if (cert.signatureAlgorithmParams) throw badAlg(cert);
      hash = null;
      keyOk = kt === "ed25519";
      break;
    case Oid.sha256WithRSAEncryption:
    case Oid.sha384WithRSAEncryption:
    case Oid.sha512WithRSAEncryption:
      hash = alg === Oid.sha256WithRSAEncryption
        ? "sha256"
        : alg === Oid.sha384WithRSAEncryption
        ? "sha384"
        : "sha512";
      keyOk = kt === "rsa";
      break;
    case Oid.rsassaPss: {
      const p = parsePssParams(cert.signatureAlgorithmParams);
      if (!p) throw badAlg(cert);
      hash = p.hash;
      pssSalt = p.salt;
      keyOk = kt === "rsa";
      break;
    }
    default:
      throw badAlg(cert);
  }
  if (!keyOk) {
    throw fail(
      AlertDescription.unsupported_certificate,
      `issuer ${describe(issuer)} has a ${kt} key, which cannot make signature ${alg} on ${
        describe(cert)
      }`,
    );
  }
  const key = publicKeyFromSpki(issuer.spki);
  if (!key) {
    throw fail(AlertDescription.bad_certificate, `issuer ${describe(issuer)} has an invalid key`);
  }
  if (kt === "rsa") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048 || bits > 8192) {
      throw fail(
        AlertDescription.unsupported_certificate,
        `issuer ${describe(issuer)} RSA key size ${bits} outside 2048..8192`,
      );
    }
  }
  if (!verifyWithKey(key, hash, cert.tbs, cert.signature, pssSalt)) {
    throw fail(
      AlertDescription.bad_certificate,
      `signature on ${describe(cert)} does not verify with the key of ${describe(issuer)}`,
    );
  }
}

function badAlg(cert: Certificate): TlsAlertError {
  return fail(
    AlertDescription.unsupported_certificate,
    `certificate ${describe(cert)} uses unsupported signature algorithm ${cert.signatureAlgorithm}`,
  );
}

/** Leaf checks independent of the path: key, critical extensions, EKU, keyUsage. */
function checkLeaf(leaf: Certificate, opts: CertificateVerifyOptions): void {
  if (leaf.publicKeyType === "unknown") {
    throw fail(
      AlertDescription.unsupported_certificate,
      `certificate ${describe(leaf)} has an unsupported public key algorithm`,
    );
  }
  if (leaf.hasUnknownCriticalExtension) {
    throw fail(
      AlertDescription.unsupported_certificate,
      `certificate ${describe(leaf)} has an unsupported critical extension`,
    );
  }
  // RFC 5280 §4.2.1.12 and RFC 8446 §4.4.2.2: EKU, when present, must allow the purpose.
  const ekuOid = opts.purpose === "serverAuth" ? Oid.serverAuth : Oid.clientAuth;
  if (
    leaf.extKeyUsage && !leaf.extKeyUsage.includes(ekuOid) &&
    !leaf.extKeyUsage.includes(Oid.anyExtendedKeyUsage)
  ) {
    throw fail(
      AlertDescription.bad_certificate,
      `certificate ${describe(leaf)} extendedKeyUsage does not allow ${opts.purpose}`,
    );
  }
  // RFC 8446 §4.4.2.2: the key signs CertificateVerify, so digitalSignature.
  if (leaf.keyUsage !== undefined && !(leaf.keyUsage & KeyUsage.digitalSignature)) {
    throw fail(
      AlertDescription.bad_certificate,
      `certificate ${describe(leaf)} keyUsage lacks digitalSignature`,
    );
  }
}

/** Checks a certificate may act as issuer at `depth` CAs above the leaf (RFC 5280 §6.1.4). */
function checkIssuer(ca: Certificate, caIndex: number, isAnchor: boolean): void {
  // v1/v2 anchors predate basicConstraints; configured anchors are trusted as CAs.
  if (!ca.isCA && !(isAnchor && ca.version < 3)) {
    throw fail(
      AlertDescription.bad_certificate,
      `${isAnchor ? "trust anchor" : "intermediate"} ${
        describe(ca)
      } is not a CA (basicConstraints cA missing)`,
    );
  }
  if (ca.keyUsage !== undefined && !(ca.keyUsage & KeyUsage.keyCertSign)) {
    throw fail(
      AlertDescription.bad_certificate,
      `${describe(ca)} keyUsage lacks keyCertSign`,
    );
  }
  if (ca.pathLen !== undefined && caIndex > ca.pathLen) {
    throw fail(
      AlertDescription.bad_certificate,
      `path length constraint ${ca.pathLen} of ${
        describe(ca)
      } exceeded (${caIndex} intermediates below it)`,
    );
  }
  if (ca.hasUnknownCriticalExtension && !isAnchor) {
    throw fail(
      AlertDescription.unsupported_certificate,
      `${describe(ca)} has an unsupported critical extension`,
    );
  }
}

/**
 * Validates a peer's certificate chain (leaf first, as received) and returns
 * the parsed leaf; throws {@link TlsAlertError} with a reason a user can act on.
 *
 * @example
 * ```ts
 * import { createCertificate, verifyCertificateChain } from "@gquic/core/crypto";
 * const ca = createCertificate({ subject: "Test CA", isCA: true });
 * const leaf = createCertificate({ subject: "srv", issuer: ca, sanDns: ["localhost"] });
 * const parsed = verifyCertificateChain([leaf.certDer], {
 *   trustAnchors: [ca.certDer], serverName: "localhost", now: Date.now(), purpose: "serverAuth",
 * });
 * console.log(parsed.subject.commonName); // "srv"
 * ```
 */
export function verifyCertificateChain(
  chain: Uint8Array[],
  opts: CertificateVerifyOptions,
): Certificate {
  if (chain.length === 0) {
    // RFC 8446 §4.4.2.4: empty server Certificate → decode_error; missing client
    // certificate when one is required → certificate_required.
    throw opts.purpose === "serverAuth"
      ? fail(AlertDescription.decode_error, "the server sent no certificate")
      : fail(AlertDescription.certificate_required, "the client sent no certificate");
  }
  if (chain.length > MAX_PRESENTED) {
    throw fail(
      AlertDescription.bad_certificate,
      `peer sent ${chain.length} certificates (limit ${MAX_PRESENTED})`,
    );
  }
  const leaf = parseCertificateCached(chain[0]);
  if (opts.dangerouslyDisableCertificateVerification) return leaf;

  if (opts.certificateHashes && opts.certificateHashes.length > 0) {
    return verifyPinned(leaf, opts.certificateHashes, opts.now);
  }

  checkValidity(leaf, opts.now);
  checkLeaf(leaf, opts);
  if (opts.serverName !== undefined && opts.purpose === "serverAuth") {
    const why = checkServerName(opts.serverName, leaf.sanDns, leaf.sanIps);
    if (why) throw fail(AlertDescription.bad_certificate, why);
  }

  const intermediates = chain.slice(1).map((d) => parseCertificateCached(d));
  const anchors: Certificate[] = [];
  for (const d of opts.trustAnchors) {
    const a = parseAnchor(d);
    if (a) anchors.push(a);
  }
  // The leaf itself is a configured anchor (e.g. a self-signed dev cert in caCerts).
  if (anchors.some((a) => bytesEqual(a.der, leaf.der))) return leaf;

  const maxLen = Math.max(1, Math.min(opts.maxChainLength ?? 8, 32));
  // When every path fails, report the most informative error: the one found
  // deepest in the path, and at equal depth a concrete defect (bad signature,
  // not a CA, expired) over a missing issuer (unknown_ca).
  let best: TlsAlertError | null = null;
  let bestScore = -1;
  const note = (e: unknown, depth: number) => {
    if (!(e instanceof TlsAlertError)) throw e;
    const score = depth * 2 + (e.alert === AlertDescription.unknown_ca ? 0 : 1);
    if (score > bestScore) {
      best = e;
      bestScore = score;
    }
  };
  // Each (certificate, issuer) signature is checked at most once, so a chain of
  // look-alike certificates cannot make the search repeat expensive crypto.
  const sigMemo = new Map<Certificate, Map<Certificate, TlsAlertError | null>>();
  const checkSignatureOnce = (cert: Certificate, issuer: Certificate): void => {
    let m = sigMemo.get(cert);
    if (!m) sigMemo.set(cert, m = new Map());
    let r = m.get(issuer);
    if (r === undefined) {
      try {
        checkSignature(cert, issuer);
        r = null;
      } catch (e) {
        if (!(e instanceof TlsAlertError)) throw e;
        r = e;
      }
      m.set(issuer, r);
    }
    if (r) throw r;
  };
  const path: Certificate[] = [leaf];
  let work = 0;

  // Depth-first search over candidate issuers (RFC 4158 style, bounded).
  const extend = (cur: Certificate): boolean => {
    if (++work > 256) throw fail(AlertDescription.bad_certificate, "chain building gave up");
    const depth = path.length;
    const caIndex = depth - 1; // CAs already between the leaf and cur's issuer
    if (depth + 1 > maxLen) {
      note(
        fail(AlertDescription.bad_certificate, `chain longer than ${maxLen} certificates`),
        depth,
      );
      return false;
    }
    for (const a of anchors) {
      if (!bytesEqual(a.subjectRaw, cur.issuerRaw)) continue;
      try {
        checkIssuer(a, caIndex, true);
        checkValidity(a, opts.now);
        checkSignatureOnce(cur, a);
        return true;
      } catch (e) {
        note(e, depth);
      }
    }
    // A self-signed certificate ends the path: it is a root, and not one we trust.
    if (bytesEqual(cur.subjectRaw, cur.issuerRaw)) {
      let selfSigned = false;
      try {
        checkSignatureOnce(cur, cur);
        selfSigned = true;
      } catch {
        // self-issued but not self-signed (key rollover): keep searching
      }
      if (selfSigned) {
        note(
          fail(
            AlertDescription.unknown_ca,
            `unknown CA: self-signed ${depth === 1 ? "certificate" : "root"} ${
              describe(cur)
            } is not among ${anchors.length} trust anchors`,
          ),
          depth,
        );
        return false;
      }
    }
    for (const c of intermediates) {
      if (!bytesEqual(c.subjectRaw, cur.issuerRaw) || path.includes(c)) continue;
      try {
        checkIssuer(c, caIndex, false);
        checkValidity(c, opts.now);
        checkSignatureOnce(cur, c);
      } catch (e) {
        note(e, depth);
        continue;
      }
      path.push(c);
      if (extend(c)) return true;
      path.pop();
    }
    note(
      fail(
        AlertDescription.unknown_ca,
        `unknown CA "${formatName(cur.issuer)}" (issuer of ${
          describe(cur)
        }): not among ${anchors.length} trust anchors`,
      ),
      depth,
    );
    return false;
  };
  if (extend(leaf)) return leaf;
  throw best ?? fail(AlertDescription.unknown_ca, "no path to a trust anchor");
}

function verifyPinned(leaf: Certificate, hashes: Uint8Array[], now: number): Certificate {
  const h = sha256(leaf.der);
  if (!hashes.some((x) => bytesEqual(x, h))) {
    throw fail(
      AlertDescription.bad_certificate,
      `certificate ${describe(leaf)} SHA-256 ${
        Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("")
      } matches none of ${hashes.length} pinned hashes`,
    );
  }
  // W3C WebTransport §4 "custom certificate requirements".
  checkValidity(leaf, now);
  if (leaf.version !== 3) {
    throw fail(AlertDescription.bad_certificate, `pinned certificate is not X.509 v3`);
  }
  if (leaf.notAfter - leaf.notBefore > MAX_PINNED_VALIDITY_MS) {
    const days = ((leaf.notAfter - leaf.notBefore) / 86_400_000).toFixed(1);
    throw fail(
      AlertDescription.bad_certificate,
      `pinned certificate ${describe(leaf)} is valid for ${days} days; at most 14 are allowed`,
    );
  }
  if (leaf.publicKeyType === "unknown") {
    throw fail(
      AlertDescription.unsupported_certificate,
      `pinned certificate ${describe(leaf)} has an unsupported public key`,
    );
  }
  return leaf;
}
