/**
 * A faster ecdsa_secp256r1_sha256 verification for keys seen more than once
 * (the client meets the same server leaf key on every connection). Deno's
 * `node:crypto` ECDSA verify costs ≈ 0.6 ms here; with the peer's point
 * cached and its multiples precomputed, the same check with @noble/curves
 * costs ≈ 0.3 ms. Everything else falls back to {@link verifySignature}.
 * @module
 */
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { Buffer } from "node:buffer";
import { verifySignature } from "./signature.ts";

const ECDSA_SECP256R1_SHA256 = 0x0403;
// SubjectPublicKeyInfo of an uncompressed P-256 point (RFC 5480 §2): this
// 26-byte prefix (id-ecPublicKey, prime256v1, BIT STRING) then 0x04 || X || Y.
const P256_SPKI_PREFIX = Uint8Array.from(
  Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex"),
);
const P256_SPKI_LEN = P256_SPKI_PREFIX.length + 65;

type Point = ReturnType<typeof p256.Point.fromBytes>;
// Keys by SPKI hex: `null` = seen once (use node:crypto, no table built yet).
const CACHE_MAX = 16;
const points: Map<string, Point | null> = new Map();

function isP256Spki(spki: Uint8Array): boolean {
  if (spki.length !== P256_SPKI_LEN) return false;
  for (let i = 0; i < P256_SPKI_PREFIX.length; i++) {
    if (spki[i] !== P256_SPKI_PREFIX[i]) return false;
  }
  return true;
}

/** The cached point for `spki`, building it (with tables) on its second use. */
function cachedPoint(spki: Uint8Array): Point | null {
  const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString("hex");
  const hit = points.get(id);
  if (hit) return hit;
  let p: Point | null = null;
  if (hit === null) {
    try {
      p = p256.Point.fromBytes(spki.subarray(P256_SPKI_PREFIX.length)); // checks on-curve
      p.precompute(8);
    } catch {
      p = null;
    }
    points.delete(id);
  }
  if (points.size >= CACHE_MAX) points.delete(points.keys().next().value!);
  points.set(id, p);
  return p;
}

/** ECDSA verification (SEC 1 §4.1.4) of DER `signature` over SHA-256(`data`) with `q`. */
function verifyWithPoint(q: Point, data: Uint8Array, signature: Uint8Array): boolean {
  const Fn = p256.Point.Fn;
  let sig;
  try {
    sig = p256.Signature.fromBytes(signature, "der");
  } catch {
    return false;
  }
  const { r, s } = sig;
  // SEC 1 §4.1.4 step 1: r and s in [1, n-1].
  if (r <= 0n || r >= Fn.ORDER || s <= 0n || s >= Fn.ORDER) return false;
  const h = sha256(data);
  let e = 0n;
  for (let i = 0; i < h.length; i++) e = (e << 8n) | BigInt(h[i]);
  e = Fn.create(e);
  const w = Fn.inv(s);
  const u1 = Fn.mul(e, w);
  const u2 = Fn.mul(r, w);
  const R = p256.Point.BASE.multiplyUnsafe(u1).add(q.multiplyUnsafe(u2));
  if (R.is0()) return false;
  return Fn.create(R.toAffine().x) === r;
}

/**
 * {@link verifySignature} with a cached-key fast path for
 * ecdsa_secp256r1_sha256 (the CertificateVerify check of RFC 8446 §4.4.3;
 * the scheme binds the key to P-256, §4.2.3): same arguments, same answers
 * (false for any mismatch or garbage; never throws).
 *
 * @example
 * ```ts ignore
 * import { createCertificate, sign, SignatureScheme, verifySignatureCached } from "@gquic/core/crypto";
 * const { key } = createCertificate({ subject: "a" });
 * const data = new Uint8Array(10);
 * const sig = sign(key, SignatureScheme.ecdsa_secp256r1_sha256, data);
 * console.log(verifySignatureCached(key.spki, SignatureScheme.ecdsa_secp256r1_sha256, data, sig)); // true
 * ```
 */
export function verifySignatureCached(
  spki: Uint8Array,
  scheme: number,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (
    scheme !== ECDSA_SECP256R1_SHA256 || !(spki instanceof Uint8Array) || !isP256Spki(spki) ||
    !(data instanceof Uint8Array) || !(signature instanceof Uint8Array) ||
    signature.length === 0 || signature.length > 1024
  ) {
    return verifySignature(spki, scheme, data, signature);
  }
  try {
    const q = cachedPoint(spki);
    return q ? verifyWithPoint(q, data, signature) : verifySignature(spki, scheme, data, signature);
  } catch {
    return false;
  }
}
