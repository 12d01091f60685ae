/**
 * Serialising an encoded field section (RFC 9204 §4.5): the encoder decides
 * each field line's representation, this picks the Base that makes the
 * section smallest and writes the prefix and the representations. Internal
 * to `QpackEncoder`.
 * @module
 */
import { type OutBuf, prefixIntLength, writePrefixInt } from "./prefix_int.ts";
import { encodeRequiredInsertCount } from "./required_insert_count.ts";
import { writeString } from "./string_literal.ts";

// Representation kinds of one field line within the section being built.
/** Indexed field line, static table (§4.5.2). */
export const STATIC_INDEXED = 0;
/** Indexed field line, dynamic table (§4.5.2, post-base §4.5.3). */
export const DYNAMIC_INDEXED = 1;
/** Literal with static name reference (§4.5.4). */
export const STATIC_NAME_REF = 2;
/** Literal with dynamic name reference (§4.5.4, post-base §4.5.5). */
export const DYNAMIC_NAME_REF = 3;
/** Literal with literal name (§4.5.6). */
export const LITERAL_NAME = 4;

/** One field line's chosen representation. */
export interface Rep {
  /** One of the kinds above. */
  kind: number;
  /** Static index or absolute dynamic index. */
  index: number;
  /** Field name. */
  name: string;
  /** Field value. */
  value: string;
  /** The N bit: intermediaries must not index it (§4.5.4). */
  neverIndex: boolean;
}

/**
 * Writes the section for `reps` into `out` (reset first) and returns a copy.
 * @param refs absolute dynamic indices the section references
 * @param insertCount entries inserted so far (a Base candidate)
 * @param maxEntries MaxEntries for the Required Insert Count encoding (§4.5.1.1)
 */
export function writeFieldSection(
  out: OutBuf,
  reps: readonly Rep[],
  refs: readonly number[],
  insertCount: number,
  maxEntries: number,
): Uint8Array {
  out.length = 0;
  let ric = 0;
  for (const a of refs) if (a + 1 > ric) ric = a + 1;
  let base = 0;
  if (ric > 0) {
    let best = Infinity;
    const candidates = new Set<number>([ric, insertCount]);
    for (const a of refs) candidates.add(a + 1);
    for (const b of candidates) {
      const cost = indexCost(reps, b, ric);
      if (cost < best) {
        best = cost;
        base = b;
      }
    }
  }
  // Field section prefix (RFC 9204 §4.5.1).
  writePrefixInt(out, 0, 8, encodeRequiredInsertCount(ric, maxEntries));
  if (base >= ric) writePrefixInt(out, 0x00, 7, base - ric);
  else writePrefixInt(out, 0x80, 7, ric - base - 1);
  for (const r of reps) {
    const n = r.neverIndex ? 1 : 0;
    switch (r.kind) {
      case STATIC_INDEXED: // §4.5.2, T=1
        writePrefixInt(out, 0xc0, 6, r.index);
        break;
      case DYNAMIC_INDEXED:
        if (r.index < base) writePrefixInt(out, 0x80, 6, base - 1 - r.index); // §4.5.2
        else writePrefixInt(out, 0x10, 4, r.index - base); // post-base §4.5.3
        break;
      case STATIC_NAME_REF: // §4.5.4, T=1
        writePrefixInt(out, 0x50 | n << 5, 4, r.index);
        writeString(out, 0, 7, r.value);
        break;
      case DYNAMIC_NAME_REF:
        if (r.index < base) writePrefixInt(out, 0x40 | n << 5, 4, base - 1 - r.index); // §4.5.4
        else writePrefixInt(out, n << 3, 3, r.index - base); // post-base §4.5.5
        writeString(out, 0, 7, r.value);
        break;
      default: // §4.5.6
        writeString(out, 0x20 | n << 4, 3, r.name);
        writeString(out, 0, 7, r.value);
    }
  }
  return out.bytes.slice(0, out.length);
}

/** Octets of the Delta Base and dynamic references for a given Base. */
function indexCost(reps: readonly Rep[], base: number, ric: number): number {
  let cost = base >= ric ? prefixIntLength(7, base - ric) : prefixIntLength(7, ric - base - 1);
  for (const r of reps) {
    if (r.kind === DYNAMIC_INDEXED) {
      cost += r.index < base
        ? prefixIntLength(6, base - 1 - r.index)
        : prefixIntLength(4, r.index - base);
    } else if (r.kind === DYNAMIC_NAME_REF) {
      cost += r.index < base
        ? prefixIntLength(4, base - 1 - r.index)
        : prefixIntLength(3, r.index - base);
    }
  }
  return cost;
}
