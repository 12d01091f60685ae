/**
 * A hardened DER (ITU-T X.690 §10) reader and a small DER writer, enough for
 * X.509 certificates (RFC 5280) and private keys. The reader checks every
 * length against the bytes that remain, rejects indefinite and non-minimal
 * lengths, high tag numbers and nesting deeper than {@link MAX_DER_DEPTH}, and
 * throws only {@link TlsAlertError} (decode_error unless the caller asks for
 * another alert). Sans-IO and allocation-free: elements are subarray views.
 * @module
 */
import { AlertDescription, TlsAlertError } from "./alert.ts";

/**
 * Maximum constructed nesting the reader follows (certificates need ~6).
 *
 * @example
 * ```ts
 * import { MAX_DER_DEPTH } from "@gquic/core/crypto";
 * console.log(MAX_DER_DEPTH); // 32
 * ```
 */
export const MAX_DER_DEPTH = 32;

/**
 * Universal and context tags (full identifier octet) used by X.509.
 *
 * @example
 * ```ts
 * import { DerTag } from "@gquic/core/crypto";
 * console.log(DerTag.SEQUENCE.toString(16)); // "30"
 * ```
 */
export const DerTag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/**
 * One decoded TLV: `tag` is the identifier octet, `value` the contents and
 * `raw` the whole encoding (both views into the input).
 *
 * @example
 * ```ts
 * import { DerReader, type DerElement } from "@gquic/core/crypto";
 * const e: DerElement = new DerReader(Uint8Array.of(0x05, 0x00)).element();
 * console.log(e.tag, e.value.length); // 5 0
 * ```
 */
export interface DerElement {
  /** Identifier octet (class, constructed bit, tag number < 31). */
  tag: number;
  /** Contents octets. */
  value: Uint8Array;
  /** Identifier, length and contents. */
  raw: Uint8Array;
}

/**
 * A bounds-checked cursor over DER elements.
 *
 * @example
 * ```ts
 * import { DerReader, DerTag } from "@gquic/core/crypto";
 * const r = new DerReader(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x07));
 * const seq = r.sequence();
 * console.log(seq.smallInteger(), seq.atEnd, r.atEnd); // 7 true true
 * ```
 */
export class DerReader {
  /** The bytes being read. */
  readonly buf: Uint8Array;
  /** Current position. */
  offset: number;
  /** End of the readable region (exclusive). */
  readonly end: number;
  /** Alert carried by errors (decode_error by default). */
  readonly alert: number;
  /** Nesting depth of this reader. */
  readonly depth: number;

  /**
   * Creates a reader over all of `buf`.
   * @param buf DER bytes
   * @param alert alert for malformed input
   * @param depth nesting depth (internal)
   */
  constructor(buf: Uint8Array, alert: number = AlertDescription.decode_error, depth = 0) {
    if (depth > MAX_DER_DEPTH) {
      throw new TlsAlertError(alert, `DER nesting deeper than ${MAX_DER_DEPTH}`);
    }
    this.buf = buf;
    this.offset = 0;
    this.end = buf.length;
    this.alert = alert;
    this.depth = depth;
  }

  /** True when every byte was consumed. */
  get atEnd(): boolean {
    return this.offset >= this.end;
  }

  /** A typed error for malformed DER. */
  fail(message: string): TlsAlertError {
    return new TlsAlertError(this.alert, `malformed DER: ${message}`);
  }

  /** The next identifier octet without consuming it, or -1 at the end. */
  peekTag(): number {
    return this.offset < this.end ? this.buf[this.offset] : -1;
  }

  /** Reads the next element (X.690 §8.1, DER length rules §10.1). */
  element(): DerElement {
    const b = this.buf, start = this.offset;
    let o = start;
    if (this.end - o < 2) throw this.fail("truncated element header");
    const tag = b[o++];
    // High tag numbers (X.690 §8.1.2.4) never occur in X.509 or PKCS#8.
    if ((tag & 0x1f) === 0x1f) throw this.fail("high tag number form");
    let len = b[o++];
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0) throw this.fail("indefinite length"); // X.690 §10.1
      if (n > 4) throw this.fail("length field too long");
      if (this.end - o < n) throw this.fail("truncated length");
      if (b[o] === 0) throw this.fail("non-minimal length");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[o++];
      if (len < 0x80) throw this.fail("non-minimal length");
    }
    if (len > this.end - o) throw this.fail(`length ${len} exceeds remaining ${this.end - o}`);
    this.offset = o + len;
    return { tag, value: b.subarray(o, o + len), raw: b.subarray(start, o + len) };
  }

  /** Reads an element and checks its tag. */
  expect(tag: number, what = "element"): DerElement {
    const t = this.peekTag();
    if (t < 0) throw this.fail(`truncated: expected ${what}`);
    if (t !== tag) {
      throw this.fail(`expected ${what} tag 0x${tag.toString(16)}, got 0x${t.toString(16)}`);
    }
    return this.element();
  }

  /** Reads a constructed element with `tag` and returns a reader over its contents. */
  constructed(tag: number, what = "constructed"): DerReader {
    return new DerReader(this.expect(tag, what).value, this.alert, this.depth + 1);
  }

  /** Reads a SEQUENCE and returns a reader over its contents. */
  sequence(what = "SEQUENCE"): DerReader {
    return this.constructed(DerTag.SEQUENCE, what);
  }

  /** Opens a reader over an element already read (must be constructed). */
  child(e: DerElement): DerReader {
    if (!(e.tag & 0x20)) throw this.fail("expected a constructed element");
    return new DerReader(e.value, this.alert, this.depth + 1);
  }

  /** Throws unless every byte was consumed. */
  finish(what = "element"): void {
    if (this.offset !== this.end) throw this.fail(`trailing bytes after ${what}`);
  }

  /** Reads an INTEGER's two's-complement contents, checked minimal (X.690 §8.3.2). */
  integerBytes(): Uint8Array {
    const v = this.expect(DerTag.INTEGER, "INTEGER").value;
    if (v.length === 0) throw this.fail("empty INTEGER");
    if (
      v.length > 1 && ((v[0] === 0 && !(v[1] & 0x80)) || (v[0] === 0xff && v[1] & 0x80))
    ) throw this.fail("non-minimal INTEGER");
    return v;
  }

  /** Reads a non-negative INTEGER that fits in 31 bits. */
  smallInteger(): number {
    const v = this.integerBytes();
    if (v[0] & 0x80) throw this.fail("negative INTEGER");
    if (v.length > 4 || (v.length === 4 && v[0] & 0x80)) throw this.fail("INTEGER too large");
    let n = 0;
    for (const x of v) n = n * 256 + x;
    return n;
  }

  /** Reads a BOOLEAN (DER: 0x00 or 0xff, X.690 §11.1). */
  boolean(): boolean {
    const v = this.expect(DerTag.BOOLEAN, "BOOLEAN").value;
    if (v.length !== 1 || (v[0] !== 0 && v[0] !== 0xff)) throw this.fail("bad BOOLEAN");
    return v[0] === 0xff;
  }

  /** Reads NULL. */
  null(): void {
    if (this.expect(DerTag.NULL, "NULL").value.length !== 0) throw this.fail("bad NULL");
  }

  /** Reads an OBJECT IDENTIFIER in dotted form (X.690 §8.19). */
  oid(): string {
    return decodeOid(this.expect(DerTag.OID, "OID").value, this);
  }

  /** Reads an OCTET STRING's contents. */
  octetString(): Uint8Array {
    return this.expect(DerTag.OCTET_STRING, "OCTET STRING").value;
  }

  /** Reads a BIT STRING: the unused-bit count and the bit bytes (X.690 §8.6). */
  bitString(): { unusedBits: number; bytes: Uint8Array } {
    const v = this.expect(DerTag.BIT_STRING, "BIT STRING").value;
    if (v.length === 0) throw this.fail("empty BIT STRING");
    const unusedBits = v[0];
    if (unusedBits > 7 || (v.length === 1 && unusedBits !== 0)) throw this.fail("bad BIT STRING");
    // DER §11.2.1: unused bits are zero.
    if (unusedBits && v[v.length - 1] & ((1 << unusedBits) - 1)) {
      throw this.fail("non-zero unused bits");
    }
    return { unusedBits, bytes: v.subarray(1) };
  }

  /** Reads a BIT STRING that must be a whole number of bytes (keys, signatures). */
  bitStringBytes(): Uint8Array {
    const b = this.bitString();
    if (b.unusedBits !== 0) throw this.fail("BIT STRING with unused bits");
    return b.bytes;
  }
}

/**
 * Decodes OID contents octets to dotted text; every arc is bounded to 2^53.
 *
 * @example
 * ```ts
 * import { decodeOid } from "@gquic/core/crypto";
 * console.log(decodeOid(Uint8Array.of(0x2b, 0x65, 0x70))); // "1.3.101.112"
 * ```
 */
export function decodeOid(v: Uint8Array, r?: DerReader): string {
  const fail = (m: string) =>
    r ? r.fail(m) : new TlsAlertError(AlertDescription.decode_error, `malformed DER: ${m}`);
  if (v.length === 0 || v.length > 64) throw fail("bad OID length");
  const arcs: number[] = [];
  let n = 0, started = false;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!started && x === 0x80) throw fail("non-minimal OID arc"); // X.690 §8.19.2
    started = true;
    n = n * 128 + (x & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 128) throw fail("OID arc too large");
    if (!(x & 0x80)) {
      arcs.push(n);
      n = 0;
      started = false;
    }
  }
  if (started) throw fail("truncated OID");
  const first = arcs[0];
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join(".");
}

// ---------------------------------------------------------------- writer

function lengthBytes(len: number): number[] {
  if (len < 0x80) return [len];
  const out: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

/**
 * Encodes one TLV with the given identifier octet and contents.
 *
 * @example
 * ```ts
 * import { derTlv } from "@gquic/core/crypto";
 * console.log(derTlv(0x04, Uint8Array.of(1, 2))); // Uint8Array(4) [4, 2, 1, 2]
 * ```
 */
export function derTlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const c of contents) len += c.length;
  const head = lengthBytes(len);
  const out = new Uint8Array(1 + head.length + len);
  out[0] = tag;
  out.set(head, 1);
  let o = 1 + head.length;
  for (const c of contents) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Encodes a SEQUENCE of already-encoded elements.
 *
 * @example
 * ```ts
 * import { derNull, derSequence } from "@gquic/core/crypto";
 * console.log(derSequence(derNull()).length); // 4
 * ```
 */
export function derSequence(...elements: Uint8Array[]): Uint8Array {
  return derTlv(DerTag.SEQUENCE, ...elements);
}

/**
 * Encodes a SET of already-encoded elements (caller orders them for DER).
 *
 * @example
 * ```ts
 * import { derSet } from "@gquic/core/crypto";
 * console.log(derSet().length); // 2
 * ```
 */
export function derSet(...elements: Uint8Array[]): Uint8Array {
  return derTlv(DerTag.SET, ...elements);
}

/**
 * Encodes a non-negative INTEGER from a number or big-endian unsigned bytes.
 *
 * @example
 * ```ts
 * import { derInteger } from "@gquic/core/crypto";
 * console.log(derInteger(128)); // Uint8Array(4) [2, 2, 0, 128]
 * ```
 */
export function derInteger(v: number | Uint8Array): Uint8Array {
  let bytes: number[];
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError("derInteger: bad number");
    bytes = [];
    for (let n = v; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
    if (bytes.length === 0) bytes = [0];
  } else {
    let i = 0;
    while (i < v.length - 1 && v[i] === 0) i++;
    bytes = Array.from(v.subarray(i));
    if (bytes.length === 0) bytes = [0];
  }
  if (bytes[0] & 0x80) bytes.unshift(0);
  return derTlv(DerTag.INTEGER, Uint8Array.from(bytes));
}

/**
 * Encodes an OBJECT IDENTIFIER from dotted text.
 *
 * @example
 * ```ts
 * import { derOid } from "@gquic/core/crypto";
 * console.log(derOid("1.3.101.112")); // Uint8Array(5) [6, 3, 43, 101, 112]
 * ```
 */
export function derOid(oid: string): Uint8Array {
  const arcs = oid.split(".").map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) {
    throw new RangeError(`derOid: bad OID ${oid}`);
  }
  const out: number[] = [];
  const push = (n: number) => {
    const tmp = [n & 0x7f];
    for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) tmp.unshift(0x80 | (n & 0x7f));
    out.push(...tmp);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (const a of arcs.slice(2)) push(a);
  return derTlv(DerTag.OID, Uint8Array.from(out));
}

/**
 * Encodes NULL.
 *
 * @example
 * ```ts
 * import { derNull } from "@gquic/core/crypto";
 * console.log(derNull()); // Uint8Array(2) [5, 0]
 * ```
 */
export function derNull(): Uint8Array {
  return Uint8Array.of(DerTag.NULL, 0);
}

/**
 * Encodes a BOOLEAN.
 *
 * @example
 * ```ts
 * import { derBoolean } from "@gquic/core/crypto";
 * console.log(derBoolean(true)); // Uint8Array(3) [1, 1, 255]
 * ```
 */
export function derBoolean(v: boolean): Uint8Array {
  return Uint8Array.of(DerTag.BOOLEAN, 1, v ? 0xff : 0);
}

/**
 * Encodes an OCTET STRING.
 *
 * @example
 * ```ts
 * import { derOctetString } from "@gquic/core/crypto";
 * console.log(derOctetString(Uint8Array.of(9)).length); // 3
 * ```
 */
export function derOctetString(v: Uint8Array): Uint8Array {
  return derTlv(DerTag.OCTET_STRING, v);
}

/**
 * Encodes a BIT STRING with `unusedBits` trailing unused bits.
 *
 * @example
 * ```ts
 * import { derBitString } from "@gquic/core/crypto";
 * console.log(derBitString(Uint8Array.of(0x80), 7)); // Uint8Array(4) [3, 2, 7, 128]
 * ```
 */
export function derBitString(v: Uint8Array, unusedBits = 0): Uint8Array {
  return derTlv(DerTag.BIT_STRING, Uint8Array.of(unusedBits), v);
}

/**
 * Encodes a UTF8String.
 *
 * @example
 * ```ts
 * import { derUtf8String } from "@gquic/core/crypto";
 * console.log(derUtf8String("é").length); // 4
 * ```
 */
export function derUtf8String(s: string): Uint8Array {
  return derTlv(DerTag.UTF8_STRING, new TextEncoder().encode(s));
}

/**
 * Encodes an IA5String (ASCII).
 *
 * @example
 * ```ts
 * import { derIa5String } from "@gquic/core/crypto";
 * console.log(derIa5String("a").length); // 3
 * ```
 */
export function derIa5String(s: string, tag: number = DerTag.IA5_STRING): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new RangeError("derIa5String: non-ASCII");
    b[i] = c;
  }
  return derTlv(tag, b);
}

/**
 * Encodes a time as UTCTime for years 1950–2049 and GeneralizedTime otherwise
 * (RFC 5280 §4.1.2.5), to whole seconds.
 *
 * @example
 * ```ts
 * import { derTime } from "@gquic/core/crypto";
 * console.log(derTime(0).length); // 15
 * ```
 */
export function derTime(ms: number): Uint8Array {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const y = d.getUTCFullYear();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const rest = p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + p(d.getUTCHours()) +
    p(d.getUTCMinutes()) + p(d.getUTCSeconds()) + "Z";
  if (y >= 1950 && y < 2050) return derIa5String(p(y % 100) + rest, DerTag.UTC_TIME);
  if (y < 0 || y > 9999) throw new RangeError("derTime: year out of range");
  return derIa5String(p(y, 4) + rest, DerTag.GENERALIZED_TIME);
}

/**
 * Encodes a context-specific tag `[n]`, constructed (EXPLICIT) or primitive.
 *
 * @example
 * ```ts
 * import { derContext, derInteger } from "@gquic/core/crypto";
 * console.log(derContext(0, true, derInteger(2))[0].toString(16)); // "a0"
 * ```
 */
export function derContext(n: number, constructed: boolean, ...contents: Uint8Array[]): Uint8Array {
  return derTlv(0x80 | (constructed ? 0x20 : 0) | n, ...contents);
}
