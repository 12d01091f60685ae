/**
 * Fast ECDSA P-256 verification for public keys seen repeatedly (a client
 * reconnecting to the same server verifies CertificateVerify under the same
 * leaf key every handshake). After {@link P256_PRECOMPUTE_AFTER} sightings of
 * a key we build a width-8 multiplication table for its point (about 35 ms
 * once) and verify with @noble/curves point arithmetic: 0.30 ms vs 0.62 ms in
 * `node:crypto` on this machine. Verification uses public data only, so the
 * variable-time multiplication is fine. Never throws.
 * @module
 */
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";

type Point = typeof p256.Point.BASE;

/** Sightings of a key before its table is built (first ones go to `node:crypto`). */
export const P256_PRECOMPUTE_AFTER = 2;
// Each W=8 table holds ~4k points (~1 MB); keep only a few keys.
const MAX_KEYS = 4;
const MAX_SEEN = 64;
const WINDOW = 8;

const Fn = p256.Point.Fn;
const ORDER = Fn.ORDER;
const seen: Map<string, number> = new Map();
const points: Map<string, Point> = new Map();

function bytesToBigInt(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = 0; i < b.length; i++) x = (x << 8n) | BigInt(b[i]);
  return x;
}

/**
 * The precomputed point for the P-256 key `id` (SPKI hex), or undefined while
 * the key has been seen fewer than {@link P256_PRECOMPUTE_AFTER} times
 * (each call counts one sighting). `point` is the uncompressed SEC1 point.
 */
function tableFor(id: string, point: () => Uint8Array | undefined): Point | undefined {
  const hit = points.get(id);
  if (hit) {
    points.delete(id);
    points.set(id, hit); // LRU
    return hit;
  }
  const n = (seen.get(id) ?? 0) + 1;
  if (n < P256_PRECOMPUTE_AFTER) {
    if (seen.size >= MAX_SEEN) seen.delete(seen.keys().next().value!);
    seen.set(id, n);
    return undefined;
  }
  seen.delete(id);
  const raw = point();
  if (!raw) return undefined;
  let q: Point;
  try {
    q = p256.Point.fromBytes(raw); // checks the point is on the curve
    q.precompute(WINDOW, false);
  } catch {
    return undefined;
  }
  if (points.size >= MAX_KEYS) points.delete(points.keys().next().value!);
  points.set(id, q);
  return q;
}

/**
 * ECDSA P-256 with SHA-256 (scheme ecdsa_secp256r1_sha256, RFC 8446 §4.2.3;
 * the algorithm of FIPS 186-5 §6.4.2) against a DER signature, using a cached
 * table for the key. Returns undefined when the key has no table yet (the
 * caller verifies another way), else the verdict.
 *
 * @example
 * ```ts
 * import { p256VerifyCached } from "@gquic/core/crypto";
 * // A key seen for the first time has no table yet.
 * console.log(p256VerifyCached("00", () => undefined, new Uint8Array(1), new Uint8Array(8)));
 * ```
 */
export function p256VerifyCached(
  id: string,
  point: () => Uint8Array | undefined,
  data: Uint8Array,
  signatureDer: Uint8Array,
): boolean | undefined {
  const q = tableFor(id, point);
  if (!q) return undefined;
  try {
    const sig = p256.Signature.fromBytes(signatureDer, "der");
    const r = sig.r, s = sig.s;
    // FIPS 186-5 §6.4.2 step 2: r and s in [1, n-1].
    if (r <= 0n || r >= ORDER || s <= 0n || s >= ORDER) return false;
    // SHA-256 output is exactly the order's bit length: no truncation.
    const e = Fn.create(bytesToBigInt(sha256(data)));
    const w = Fn.inv(s);
    const u1 = Fn.mul(e, w);
    const u2 = Fn.mul(r, w);
    const R = p256.Point.BASE.multiplyUnsafe(u1).add(q.multiplyUnsafe(u2));
    if (R.is0()) return false;
    return Fn.create(R.toAffine().x) === r;
  } catch {
    return false;
  }
}
