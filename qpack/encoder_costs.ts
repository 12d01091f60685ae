/**
 * Octet costs of the representations the QPACK encoder chooses between, so
 * its admission test can compare an insert with the literal it replaces
 * (RFC 9204 §4.3.2, §4.3.3 on the encoder stream; §4.5.4, §4.5.6 in a
 * field section). Internal.
 * @module
 */
import type { EncoderTable } from "./encoder_table.ts";
import { prefixIntLength } from "./prefix_int.ts";
import { STATIC_NAME } from "./static_table.ts";
import { stringLength } from "./string_literal.ts";

/**
 * Octets of a literal field line for (name, value) with the cheapest name
 * form: static reference, dynamic reference (when `dynamicUsable` says the
 * newest entry with the name may be referenced) or literal name.
 */
export function literalCost(
  t: EncoderTable,
  name: string,
  value: string,
  dynamicUsable: (a: number) => boolean,
): number {
  let nameCost = stringLength(name, 3);
  const s = STATIC_NAME.get(name);
  if (s !== undefined) nameCost = Math.min(nameCost, prefixIntLength(4, s));
  const d = t.findName(name);
  if (d >= 0 && dynamicUsable(d)) {
    nameCost = Math.min(nameCost, prefixIntLength(4, t.insertCount - 1 - d));
  }
  return nameCost + stringLength(value, 7);
}

/** Octets of the cheapest insert instruction for (name, value). */
export function insertCost(t: EncoderTable, name: string, value: string): number {
  let nameCost = stringLength(name, 5);
  const s = STATIC_NAME.get(name);
  if (s !== undefined) nameCost = Math.min(nameCost, prefixIntLength(6, s));
  const d = t.findName(name);
  if (d >= 0) nameCost = Math.min(nameCost, prefixIntLength(6, t.insertCount - 1 - d));
  return nameCost + stringLength(value, 7);
}
