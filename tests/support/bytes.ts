/**
 * Byte helpers shared by the tests and their peer processes: a deterministic
 * payload generator (both ends of an interop test regenerate the same bytes
 * from a seed) and reading a stream to its end.
 * @module
 */

/** Deterministic payload of `n` bytes (xorshift32 from `seed`), for byte-exact comparisons. */
export function pattern(n: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Reads a stream to the end into one array. */
export async function readAll(r: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of r) {
    parts.push(c);
    n += c.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
