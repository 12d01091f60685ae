/**
 * A small X.509 v3 certificate builder for tests and development: generates
 * a key with `node:crypto`, encodes the TBSCertificate with our DER writer
 * (RFC 5280 §4.1) and signs it with the issuer's key. Lives outside
 * `crypto/tls/` because key generation and default serials need randomness
 * and default validity needs the wall clock.
 * @module
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign as nodeSign } from "node:crypto";
import {
  derBitString,
  derBoolean,
  derContext,
  derIa5String,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derTime,
  derUtf8String,
} from "./tls/asn1.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { DerReader } from "./tls/asn1.ts";
import { parseIp } from "./tls/hostname.ts";
import { type KeyType, type TlsPrivateKey, tlsPrivateKeyFromKeyObject } from "./tls/keys.ts";
import { encodePem } from "./tls/pem.ts";
import { KeyUsage, Oid, parseCertificate } from "./tls/x509.ts";

/**
 * A certificate with its private key, ready to serve or to issue others.
 *
 * @example
 * ```ts
 * import { createCertificate, type IssuedCertificate } from "@gquic/core/crypto";
 * const ca: IssuedCertificate = createCertificate({ subject: "Test CA", isCA: true });
 * console.log(ca.certPem.startsWith("-----BEGIN CERTIFICATE-----")); // true
 * ```
 */
export interface IssuedCertificate {
  /** Certificate DER. */
  certDer: Uint8Array;
  /** Certificate PEM. */
  certPem: string;
  /** Private key as PKCS#8 PEM. */
  keyPem: string;
  /** The private key. */
  key: TlsPrivateKey;
}

/**
 * Options for {@link createCertificate}. Times are ms since the epoch.
 *
 * @example
 * ```ts
 * import type { CreateCertificateOptions } from "@gquic/core/crypto";
 * const o: CreateCertificateOptions = { subject: "localhost", sanDns: ["localhost"] };
 * console.log(o.subject);
 * ```
 */
export interface CreateCertificateOptions {
  /** Subject common name. */
  subject: string;
  /** Key algorithm (default ecdsa-p256). */
  keyType?: KeyType;
  /** RSA modulus bits (default 2048). */
  rsaBits?: number;
  /** Use this key instead of generating one (`keyType`/`rsaBits` are then ignored). */
  key?: TlsPrivateKey;
  /** Issuing certificate; omitted means self-signed. */
  issuer?: IssuedCertificate;
  /** dNSName SANs (none by default: the CN is not used for matching). */
  sanDns?: string[];
  /** iPAddress SANs as text. */
  sanIps?: string[];
  /** Start of validity (default: now − 1 minute). */
  notBefore?: number;
  /** End of validity (default: notBefore + 30 days). */
  notAfter?: number;
  /** basicConstraints cA (default false). */
  isCA?: boolean;
  /** basicConstraints pathLenConstraint (CA only). */
  pathLen?: number;
  /** keyUsage bit mask ({@link KeyUsage}); default keyCertSign|cRLSign|digitalSignature for CAs, digitalSignature otherwise; 0 omits the extension. */
  keyUsage?: number;
  /** extendedKeyUsage; default both for leaves and none for CAs; [] omits the extension. */
  extKeyUsage?: ("serverAuth" | "clientAuth")[];
  /** Serial number bytes (default 16 random bytes). */
  serialNumber?: Uint8Array;
  /** Omit the basicConstraints extension entirely (to build bad intermediates in tests). */
  omitBasicConstraints?: boolean;
}

const DAY = 86_400_000;

function generateKey(type: KeyType, rsaBits: number): KeyObject {
  switch (type) {
    case "ecdsa-p256":
      return generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
    case "ecdsa-p384":
      return generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey;
    case "ed25519":
      return generateKeyPairSync("ed25519").privateKey;
    case "rsa":
      return generateKeyPairSync("rsa", { modulusLength: rsaBits }).privateKey;
  }
}

/** AlgorithmIdentifier and node digest for certificates signed by `key`. */
function signatureAlgorithmFor(key: TlsPrivateKey): { alg: Uint8Array; hash: string | null } {
  switch (key.type) {
    case "ecdsa-p256":
      return { alg: derSequence(derOid(Oid.ecdsaWithSHA256)), hash: "sha256" }; // RFC 5758 §3.2
    case "ecdsa-p384":
      return { alg: derSequence(derOid(Oid.ecdsaWithSHA384)), hash: "sha384" };
    case "ed25519":
      return { alg: derSequence(derOid(Oid.ed25519)), hash: null }; // RFC 8410 §3
    case "rsa": // RFC 4055 §5: NULL parameters
      return { alg: derSequence(derOid(Oid.sha256WithRSAEncryption), derNull()), hash: "sha256" };
  }
}

function commonNameDer(cn: string): Uint8Array {
  return derSequence(derSet(derSequence(derOid(Oid.commonName), derUtf8String(cn))));
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? derSequence(derOid(oid), derBoolean(true), derOctetString(value))
    : derSequence(derOid(oid), derOctetString(value));
}

/**
 * Key identifier: the leftmost 160 bits of SHA-256 of the subjectPublicKey
 * bits (RFC 7093 §2 method 1).
 */
function keyIdentifier(spki: Uint8Array): Uint8Array {
  const r = new DerReader(spki).sequence();
  r.element(); // AlgorithmIdentifier
  return sha256(r.bitStringBytes()).subarray(0, 20);
}

/** keyUsage as a DER named-bit BIT STRING (trailing zero bits dropped, X.690 §11.2.2). */
function keyUsageBits(mask: number): Uint8Array {
  let high = -1;
  for (let i = 0; i < 9; i++) if (mask & (1 << i)) high = i;
  const bytes = new Uint8Array((high >> 3) + 1);
  for (let i = 0; i <= high; i++) if (mask & (1 << i)) bytes[i >> 3] |= 0x80 >> (i & 7);
  return derBitString(bytes, 7 - (high & 7));
}

/**
 * Creates a certificate (self-signed unless `issuer` is given).
 *
 * @example
 * ```ts
 * import { createCertificate } from "@gquic/core/crypto";
 * const ca = createCertificate({ subject: "Test CA", isCA: true });
 * const leaf = createCertificate({ subject: "localhost", issuer: ca, sanDns: ["localhost"] });
 * console.log(leaf.key.type); // "ecdsa-p256"
 * ```
 */
export function createCertificate(opts: CreateCertificateOptions): IssuedCertificate {
  const keyType = opts.keyType ?? "ecdsa-p256";
  const key = opts.key ?? tlsPrivateKeyFromKeyObject(generateKey(keyType, opts.rsaBits ?? 2048));
  const signer = opts.issuer ? opts.issuer.key : key;
  const issuerName = opts.issuer
    ? parseCertificate(opts.issuer.certDer).subjectRaw
    : commonNameDer(opts.subject);
  const notBefore = opts.notBefore ?? Date.now() - 60_000;
  const notAfter = opts.notAfter ?? notBefore + 30 * DAY;
  const isCA = opts.isCA ?? false;
  let serial = opts.serialNumber;
  if (!serial) {
    serial = new Uint8Array(randomBytes(16));
    serial[0] = (serial[0] & 0x7f) | 0x01; // positive and non-zero (RFC 5280 §4.1.2.2)
  }

  const exts: Uint8Array[] = [];
  if (!opts.omitBasicConstraints) {
    const bc = isCA
      ? derSequence(
        derBoolean(true),
        ...(opts.pathLen !== undefined ? [derInteger(opts.pathLen)] : []),
      )
      : derSequence();
    exts.push(extension(Oid.basicConstraints, true, bc)); // RFC 5280 §4.2.1.9
  }
  const ku = opts.keyUsage ??
    (isCA
      ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature
      : KeyUsage.digitalSignature);
  if (ku) exts.push(extension(Oid.keyUsage, true, keyUsageBits(ku)));
  const eku = opts.extKeyUsage ?? (isCA ? [] : ["serverAuth", "clientAuth"]);
  if (eku.length) {
    exts.push(extension(Oid.extKeyUsage, false, derSequence(...eku.map((p) => derOid(Oid[p])))));
  }
  // RFC 5280 §4.2.1.1–2: SKI on every certificate, AKI unless self-signed.
  exts.push(extension(Oid.subjectKeyIdentifier, false, derOctetString(keyIdentifier(key.spki))));
  if (opts.issuer) {
    const aki = derSequence(derContext(0, false, keyIdentifier(signer.spki)));
    exts.push(extension(Oid.authorityKeyIdentifier, false, aki));
  }
  const sans: Uint8Array[] = [];
  for (const d of opts.sanDns ?? []) sans.push(derIa5String(d, 0x82));
  for (const ip of opts.sanIps ?? []) {
    const b = parseIp(ip);
    if (!b) throw new RangeError(`createCertificate: bad IP ${ip}`);
    sans.push(derContext(7, false, b));
  }
  if (sans.length) exts.push(extension(Oid.subjectAltName, false, derSequence(...sans)));

  const { alg, hash } = signatureAlgorithmFor(signer);
  const tbs = derSequence(
    derContext(0, true, derInteger(2)), // v3
    derInteger(serial),
    alg,
    issuerName,
    derSequence(derTime(notBefore), derTime(notAfter)),
    commonNameDer(opts.subject),
    key.spki,
    ...(exts.length ? [derContext(3, true, derSequence(...exts))] : []),
  );
  const sig = new Uint8Array(
    nodeSign(hash, tbs, { key: signer.keyObject, dsaEncoding: "der" }),
  );
  const certDer = derSequence(tbs, alg, derBitString(sig));
  return {
    certDer,
    certPem: encodePem("CERTIFICATE", certDer),
    keyPem: key.keyObject.export({ type: "pkcs8", format: "pem" }) as string,
    key,
  };
}
