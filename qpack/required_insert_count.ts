/**
 * Required Insert Count encoding in the field section prefix
 * (RFC 9204 §4.5.1.1).
 * @module
 */

/** MaxEntries for a maximum table capacity (RFC 9204 §3.2.1, §4.5.1.1). */
export function maxEntries(maxTableCapacity: number): number {
  return Math.floor(maxTableCapacity / 32);
}

/** Encodes a Required Insert Count modulo 2 * MaxEntries (RFC 9204 §4.5.1.1). */
export function encodeRequiredInsertCount(ric: number, maxEntriesValue: number): number {
  return ric === 0 ? 0 : (ric % (2 * maxEntriesValue)) + 1;
}

/**
 * Decodes an encoded Required Insert Count (RFC 9204 §4.5.1.1). Returns -1
 * if no conformant encoder could have produced `encoded`.
 */
export function decodeRequiredInsertCount(
  encoded: number,
  maxEntriesValue: number,
  totalInserts: number,
): number {
  if (encoded === 0) return 0;
  const fullRange = 2 * maxEntriesValue;
  if (encoded > fullRange) return -1;
  const maxValue = totalInserts + maxEntriesValue;
  const maxWrapped = Math.floor(maxValue / fullRange) * fullRange;
  let ric = maxWrapped + encoded - 1;
  if (ric > maxValue) {
    if (ric <= fullRange) return -1;
    ric -= fullRange;
  }
  return ric === 0 ? -1 : ric;
}
