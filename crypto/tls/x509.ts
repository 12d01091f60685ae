/**
 * X.509 certificate parsing (RFC 5280 §4) on the hardened DER reader:
 * names, validity, SubjectPublicKeyInfo, and the extensions TLS path
 * validation needs (subjectAltName, basicConstraints, keyUsage,
 * extendedKeyUsage). Malformed input throws {@link TlsAlertError}
 * bad_certificate and nothing else.
 * @module
 */
import { AlertDescription, TlsAlertError } from "./alert.ts";
import { type DerElement, DerReader, DerTag } from "./asn1.ts";
import type { KeyType } from "./keys.ts";
import { formatIp } from "./hostname.ts";

/**
 * A distinguished name: its attributes in encoded order and the first CN.
 *
 * @example
 * ```ts
 * import type { DistinguishedName } from "@gquic/core/crypto";
 * const dn: DistinguishedName = { commonName: "a", attributes: [{ oid: "2.5.4.3", value: "a" }] };
 * console.log(dn.commonName);
 * ```
 */
export interface DistinguishedName {
  /** The first commonName (2.5.4.3), if any. */
  commonName?: string;
  /** Every AttributeTypeAndValue, flattened in encoded order. */
  attributes: { oid: string; value: string }[];
}

/**
 * A parsed certificate. Byte fields are views into `der`.
 *
 * @example
 * ```ts
 * import { type Certificate, createCertificate, parseCertificate } from "@gquic/core/crypto";
 * const c: Certificate = parseCertificate(createCertificate({ subject: "a" }).certDer);
 * console.log(c.subject.commonName, c.publicKeyType); // "a" "ecdsa-p256"
 * ```
 */
export interface Certificate {
  /** The whole certificate DER. */
  der: Uint8Array;
  /** The signed TBSCertificate DER. */
  tbs: Uint8Array;
  /** Serial number contents (two's complement big-endian). */
  serialNumber: Uint8Array;
  /** Subject name. */
  subject: DistinguishedName;
  /** Issuer name. */
  issuer: DistinguishedName;
  /** Subject Name DER (compared byte-wise when building chains). */
  subjectRaw: Uint8Array;
  /** Issuer Name DER. */
  issuerRaw: Uint8Array;
  /** Start of validity, ms since epoch. */
  notBefore: number;
  /** End of validity (inclusive), ms since epoch. */
  notAfter: number;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** The subject key's algorithm, or "unknown". */
  publicKeyType: KeyType | "unknown";
  /** Signature algorithm OID (outer, checked equal to the TBS one). */
  signatureAlgorithm: string;
  /** Signature algorithm parameters DER (e.g. RSASSA-PSS params), if any. */
  signatureAlgorithmParams?: Uint8Array;
  /** Signature value bytes. */
  signature: Uint8Array;
  /** dNSName subjectAltNames (as encoded). */
  sanDns: string[];
  /** iPAddress subjectAltNames in canonical text form (RFC 5952 for IPv6). */
  sanIps: string[];
  /** basicConstraints cA. */
  isCA: boolean;
  /** basicConstraints pathLenConstraint. */
  pathLen?: number;
  /** keyUsage bits: bit i of the BIT STRING is `1 << i` (see {@link KeyUsage}). */
  keyUsage?: number;
  /** extendedKeyUsage OIDs. */
  extKeyUsage?: string[];
  /** A critical extension we do not process is present (RFC 5280 §4.2). */
  hasUnknownCriticalExtension: boolean;
  /** Certificate version as a number: 1, 2 or 3. */
  version: number;
}

/**
 * keyUsage bits (RFC 5280 §4.2.1.3) as they appear in {@link Certificate.keyUsage}.
 *
 * @example
 * ```ts
 * import { KeyUsage } from "@gquic/core/crypto";
 * console.log(KeyUsage.keyCertSign); // 32
 * ```
 */
export const KeyUsage = {
  digitalSignature: 1 << 0,
  nonRepudiation: 1 << 1,
  keyEncipherment: 1 << 2,
  dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4,
  keyCertSign: 1 << 5,
  cRLSign: 1 << 6,
  encipherOnly: 1 << 7,
  decipherOnly: 1 << 8,
} as const;

/**
 * Object identifiers used by certificates.
 *
 * @example
 * ```ts
 * import { Oid } from "@gquic/core/crypto";
 * console.log(Oid.serverAuth); // "1.3.6.1.5.5.7.3.1"
 * ```
 */
export const Oid = {
  commonName: "2.5.4.3",
  ecPublicKey: "1.2.840.10045.2.1",
  secp256r1: "1.2.840.10045.3.1.7",
  secp384r1: "1.3.132.0.34",
  ed25519: "1.3.101.112",
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  sha384WithRSAEncryption: "1.2.840.113549.1.1.12",
  sha512WithRSAEncryption: "1.2.840.113549.1.1.13",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ecdsaWithSHA384: "1.2.840.10045.4.3.3",
  ecdsaWithSHA512: "1.2.840.10045.4.3.4",
  mgf1: "1.2.840.113549.1.1.8",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  anyExtendedKeyUsage: "2.5.29.37.0",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

const ATTR_SHORT: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.5": "serialNumber",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};

/**
 * Renders a name for messages, e.g. `CN=leaf, O=Example` (encoded order).
 *
 * @example
 * ```ts
 * import { formatName } from "@gquic/core/crypto";
 * console.log(formatName({ attributes: [{ oid: "2.5.4.3", value: "x" }] })); // "CN=x"
 * ```
 */
export function formatName(dn: DistinguishedName): string {
  if (dn.attributes.length === 0) return "(empty name)";
  return dn.attributes.map((a) => `${ATTR_SHORT[a.oid] ?? a.oid}=${a.value}`).join(", ");
}

const MAX_NAME_ATTRIBUTES = 64;
const MAX_EXTENSIONS = 64;
const MAX_SAN_ENTRIES = 1024;

/** Decodes a directory string value (RFC 5280 §4.1.2.4). */
function decodeString(e: DerElement, r: DerReader): string {
  const v = e.value;
  switch (e.tag) {
    case DerTag.UTF8_STRING:
      try {
        return new TextDecoder("utf-8", { fatal: true }).decode(v);
      } catch {
        throw r.fail("invalid UTF8String");
      }
    case DerTag.PRINTABLE_STRING:
    case DerTag.IA5_STRING:
    case DerTag.TELETEX_STRING: // treated as Latin-1, as most implementations do
    case 0x1a: // VisibleString
    case 0x12: // NumericString
    {
      let s = "";
      for (const b of v) s += String.fromCharCode(b);
      return s;
    }
    case DerTag.BMP_STRING: {
      if (v.length % 2) throw r.fail("odd BMPString");
      let s = "";
      for (let i = 0; i < v.length; i += 2) s += String.fromCharCode((v[i] << 8) | v[i + 1]);
      return s;
    }
    case DerTag.UNIVERSAL_STRING: {
      if (v.length % 4) throw r.fail("bad UniversalString");
      let s = "";
      for (let i = 0; i < v.length; i += 4) {
        const cp = ((v[i] << 24) | (v[i + 1] << 16) | (v[i + 2] << 8) | v[i + 3]) >>> 0;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw r.fail("bad UniversalString");
        s += String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      // Other types: keep a hex rendering so the name is still comparable/printable.
      return "#" + Array.from(e.raw, (b) => b.toString(16).padStart(2, "0")).join("");
  }
}

/** Name ::= SEQUENCE OF SET OF AttributeTypeAndValue (RFC 5280 §4.1.2.4). */
function parseName(r: DerReader): { dn: DistinguishedName; raw: Uint8Array } {
  const e = r.expect(DerTag.SEQUENCE, "Name");
  const seq = r.child(e);
  const attributes: { oid: string; value: string }[] = [];
  let commonName: string | undefined;
  while (!seq.atEnd) {
    const set = seq.constructed(DerTag.SET, "RelativeDistinguishedName");
    if (set.atEnd) throw r.fail("empty RDN");
    while (!set.atEnd) {
      if (attributes.length >= MAX_NAME_ATTRIBUTES) throw r.fail("too many name attributes");
      const atv = set.sequence("AttributeTypeAndValue");
      const oid = atv.oid();
      const value = decodeString(atv.element(), atv);
      atv.finish("AttributeTypeAndValue");
      attributes.push({ oid, value });
      if (oid === Oid.commonName && commonName === undefined) commonName = value;
    }
  }
  const dn: DistinguishedName = commonName === undefined
    ? { attributes }
    : { commonName, attributes };
  return { dn, raw: e.raw };
}

function digits(v: Uint8Array, from: number, n: number, r: DerReader): number {
  let x = 0;
  for (let i = from; i < from + n; i++) {
    const c = v[i] - 0x30;
    if (c < 0 || c > 9) throw r.fail("bad time digit");
    x = x * 10 + c;
  }
  return x;
}

/** Time ::= UTCTime | GeneralizedTime, DER forms only (RFC 5280 §4.1.2.5.1–2). */
function parseTime(r: DerReader): number {
  const e = r.element();
  const v = e.value;
  let year: number, o: number;
  if (e.tag === DerTag.UTC_TIME) {
    if (v.length !== 13) throw r.fail("UTCTime must be YYMMDDHHMMSSZ");
    const yy = digits(v, 0, 2, r);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 §4.1.2.5.1
    o = 2;
  } else if (e.tag === DerTag.GENERALIZED_TIME) {
    if (v.length !== 15) throw r.fail("GeneralizedTime must be YYYYMMDDHHMMSSZ");
    year = digits(v, 0, 4, r);
    o = 4;
  } else {
    throw r.fail("expected a Time");
  }
  if (v[v.length - 1] !== 0x5a) throw r.fail("Time must end in Z");
  const month = digits(v, o, 2, r), day = digits(v, o + 2, 2, r);
  const hour = digits(v, o + 4, 2, r), min = digits(v, o + 6, 2, r);
  const sec = digits(v, o + 8, 2, r);
  if (
    month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59
  ) throw r.fail("Time field out of range");
  const ms = Date.UTC(year, month - 1, day, hour, min, sec);
  if (new Date(ms).getUTCDate() !== day) throw r.fail("Time day out of range");
  return ms;
}

/** Classifies a SubjectPublicKeyInfo (RFC 5480, RFC 8410, RFC 3279). */
function publicKeyTypeOf(spki: DerReader): KeyType | "unknown" {
  const alg = spki.sequence("AlgorithmIdentifier");
  const oid = alg.oid();
  let type: KeyType | "unknown" = "unknown";
  if (oid === Oid.ecPublicKey) {
    // RFC 5480 §2.1.1: namedCurve only.
    if (alg.peekTag() === DerTag.OID) {
      const curve = alg.oid();
      type = curve === Oid.secp256r1 ? "ecdsa-p256" : curve === Oid.secp384r1 ? "ecdsa-p384" : type;
    } else alg.element();
  } else if (oid === Oid.ed25519) {
    type = "ed25519"; // RFC 8410 §3: parameters absent
  } else if (oid === Oid.rsaEncryption) {
    type = "rsa";
    if (!alg.atEnd) alg.null();
  } else if (!alg.atEnd) alg.element();
  alg.finish("AlgorithmIdentifier");
  const key = spki.bitStringBytes();
  spki.finish("SubjectPublicKeyInfo");
  if (type === "ecdsa-p256" && (key.length !== 65 || key[0] !== 4)) type = "unknown";
  if (type === "ecdsa-p384" && (key.length !== 97 || key[0] !== 4)) type = "unknown";
  if (type === "ed25519" && key.length !== 32) type = "unknown";
  return type;
}

/** Parses the IP octets of an iPAddress GeneralName. */
function ipText(v: Uint8Array, r: DerReader): string {
  if (v.length !== 4 && v.length !== 16) throw r.fail("iPAddress must be 4 or 16 bytes");
  return formatIp(v);
}

interface Extensions {
  sanDns: string[];
  sanIps: string[];
  isCA: boolean;
  pathLen?: number;
  keyUsage?: number;
  extKeyUsage?: string[];
  hasUnknownCriticalExtension: boolean;
}

function parseExtensions(r: DerReader): Extensions {
  const out: Extensions = {
    sanDns: [],
    sanIps: [],
    isCA: false,
    hasUnknownCriticalExtension: false,
  };
  const seen = new Set<string>();
  const exts = r.sequence("Extensions");
  if (exts.atEnd) throw r.fail("empty Extensions"); // SEQUENCE SIZE (1..MAX)
  while (!exts.atEnd) {
    if (seen.size >= MAX_EXTENSIONS) throw r.fail("too many extensions");
    const ext = exts.sequence("Extension");
    const oid = ext.oid();
    // RFC 5280 §4.2: a certificate MUST NOT include more than one instance.
    if (seen.has(oid)) throw r.fail(`duplicate extension ${oid}`);
    seen.add(oid);
    let critical = false;
    if (ext.peekTag() === DerTag.BOOLEAN) {
      critical = ext.boolean();
      if (!critical) throw r.fail("DEFAULT FALSE encoded explicitly");
    }
    const value = new DerReader(ext.octetString(), r.alert, r.depth + 2);
    ext.finish("Extension");
    switch (oid) {
      case Oid.subjectAltName: {
        // RFC 5280 §4.2.1.6
        const names = value.sequence("GeneralNames");
        let n = 0;
        while (!names.atEnd) {
          if (++n > MAX_SAN_ENTRIES) throw r.fail("too many subjectAltNames");
          const gn = names.element();
          if (gn.tag === 0x82) {
            let s = "";
            for (const b of gn.value) {
              if (b > 0x7e || b < 0x20) throw r.fail("dNSName is not printable IA5");
              s += String.fromCharCode(b);
            }
            out.sanDns.push(s);
          } else if (gn.tag === 0x87) {
            out.sanIps.push(ipText(gn.value, r));
          }
        }
        break;
      }
      case Oid.basicConstraints: {
        // RFC 5280 §4.2.1.9
        const bc = value.sequence("BasicConstraints");
        if (bc.peekTag() === DerTag.BOOLEAN) {
          out.isCA = bc.boolean();
          if (!out.isCA) throw r.fail("cA DEFAULT FALSE encoded explicitly");
        }
        if (bc.peekTag() === DerTag.INTEGER) out.pathLen = bc.smallInteger();
        bc.finish("BasicConstraints");
        break;
      }
      case Oid.keyUsage: {
        // RFC 5280 §4.2.1.3: bit 0 is the most significant bit of the first byte.
        const { bytes } = value.bitString();
        if (bytes.length > 2) throw r.fail("keyUsage too long");
        let mask = 0;
        for (let i = 0; i < bytes.length * 8; i++) {
          if (bytes[i >> 3] & (0x80 >> (i & 7))) mask |= 1 << i;
        }
        out.keyUsage = mask;
        break;
      }
      case Oid.extKeyUsage: {
        // RFC 5280 §4.2.1.12
        const seq = value.sequence("ExtKeyUsageSyntax");
        const list: string[] = [];
        while (!seq.atEnd) {
          if (list.length >= 64) throw r.fail("too many extKeyUsage OIDs");
          list.push(seq.oid());
        }
        if (list.length === 0) throw r.fail("empty extKeyUsage");
        out.extKeyUsage = list;
        break;
      }
      case Oid.subjectKeyIdentifier:
      case Oid.authorityKeyIdentifier:
        continue; // not needed for path building by name; contents not inspected
      default:
        if (critical) out.hasUnknownCriticalExtension = true;
        continue;
    }
    value.finish(`extension ${oid}`);
  }
  return out;
}

/**
 * Parses a DER certificate (RFC 5280 §4.1). Throws {@link TlsAlertError}
 * bad_certificate on any malformed input.
 *
 * @example
 * ```ts
 * import { createCertificate, parseCertificate } from "@gquic/core/crypto";
 * const issued = createCertificate({ subject: "example", sanDns: ["example.com"] });
 * console.log(parseCertificate(issued.certDer).sanDns); // [ "example.com" ]
 * ```
 */
export function parseCertificate(der: Uint8Array): Certificate {
  if (!(der instanceof Uint8Array)) {
    throw new TlsAlertError(AlertDescription.bad_certificate, "certificate must be bytes");
  }
  const top = new DerReader(der, AlertDescription.bad_certificate);
  const certEl = top.expect(DerTag.SEQUENCE, "Certificate");
  top.finish("Certificate");
  const cert = top.child(certEl);
  const tbsEl = cert.expect(DerTag.SEQUENCE, "TBSCertificate");
  const outerAlgEl = cert.expect(DerTag.SEQUENCE, "signatureAlgorithm");
  const outerAlg = cert.child(outerAlgEl);
  const signatureAlgorithm = outerAlg.oid();
  const signatureAlgorithmParams = outerAlg.atEnd ? undefined : outerAlg.element().raw;
  outerAlg.finish("AlgorithmIdentifier");
  const signature = cert.bitStringBytes();
  cert.finish("Certificate");

  const tbs = cert.child(tbsEl);
  let version = 1;
  if (tbs.peekTag() === 0xa0) {
    const v = tbs.constructed(0xa0, "version");
    const n = v.smallInteger();
    v.finish("version");
    if (n > 2) throw tbs.fail(`unknown version ${n}`);
    if (n === 0) throw tbs.fail("v1 encoded explicitly"); // DER: DEFAULT omitted
    version = n + 1;
  }
  const serialNumber = tbs.integerBytes();
  if (serialNumber.length > 21) throw tbs.fail("serialNumber longer than 20 octets"); // §4.1.2.2
  const innerAlg = tbs.expect(DerTag.SEQUENCE, "signature").raw;
  // RFC 5280 §4.1.1.2: signatureAlgorithm MUST equal tbsCertificate.signature.
  if (!bytesEqual(innerAlg, outerAlgEl.raw)) {
    throw tbs.fail("signature algorithm mismatch between TBS and certificate");
  }
  const issuer = parseName(tbs);
  const validity = tbs.sequence("Validity");
  const notBefore = parseTime(validity);
  const notAfter = parseTime(validity);
  validity.finish("Validity");
  const subject = parseName(tbs);
  const spkiEl = tbs.expect(DerTag.SEQUENCE, "SubjectPublicKeyInfo");
  const publicKeyType = publicKeyTypeOf(tbs.child(spkiEl));
  // RFC 5280 §4.1.2.8: unique identifiers only in v2/v3.
  if (tbs.peekTag() === 0x81) {
    if (version < 2) throw tbs.fail("issuerUniqueID in v1");
    tbs.element();
  }
  if (tbs.peekTag() === 0x82) {
    if (version < 2) throw tbs.fail("subjectUniqueID in v1");
    tbs.element();
  }
  let ext: Extensions = { sanDns: [], sanIps: [], isCA: false, hasUnknownCriticalExtension: false };
  if (tbs.peekTag() === 0xa3) {
    if (version !== 3) throw tbs.fail("extensions in a pre-v3 certificate");
    const e = tbs.constructed(0xa3, "extensions");
    ext = parseExtensions(e);
    e.finish("extensions");
  }
  tbs.finish("TBSCertificate");

  const c: Certificate = {
    der,
    tbs: tbsEl.raw,
    serialNumber,
    subject: subject.dn,
    issuer: issuer.dn,
    subjectRaw: subject.raw,
    issuerRaw: issuer.raw,
    notBefore,
    notAfter,
    spki: spkiEl.raw,
    publicKeyType,
    signatureAlgorithm,
    signature,
    sanDns: ext.sanDns,
    sanIps: ext.sanIps,
    isCA: ext.isCA,
    hasUnknownCriticalExtension: ext.hasUnknownCriticalExtension,
    version,
  };
  if (signatureAlgorithmParams) c.signatureAlgorithmParams = signatureAlgorithmParams;
  if (ext.pathLen !== undefined) c.pathLen = ext.pathLen;
  if (ext.keyUsage !== undefined) c.keyUsage = ext.keyUsage;
  if (ext.extKeyUsage !== undefined) c.extKeyUsage = ext.extKeyUsage;
  return c;
}

/**
 * Constant-shape byte comparison.
 *
 * @example
 * ```ts
 * import { bytesEqual } from "@gquic/core/crypto";
 * console.log(bytesEqual(Uint8Array.of(1), Uint8Array.of(1))); // true
 * ```
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
