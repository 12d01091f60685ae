/**
 * The QPACK decoder (RFC 9204 §2.2): consumes the encoder stream, decodes
 * field sections, holds blocked sections until the inserts they need arrive,
 * and produces decoder-stream instructions. Sans-IO: bytes in, bytes and
 * field lines out.
 * @module
 */
import { DynamicTable, ENTRY_OVERHEAD } from "./dynamic_table.ts";
import { decompressionFailed, QpackError, QpackErrorCode } from "./errors.ts";
import type { FieldLine } from "./field_line.ts";
import { Cursor, INCOMPLETE, OutBuf, readPrefixInt, writePrefixInt } from "./prefix_int.ts";
import { decodeRequiredInsertCount, maxEntries } from "./required_insert_count.ts";
import { STATIC_TABLE } from "./static_table.ts";
import { readString } from "./string_literal.ts";

/**
 * Decoder settings. `maxTableCapacity` and `maxBlockedStreams` are the
 * values this endpoint sends as SETTINGS_QPACK_MAX_TABLE_CAPACITY and
 * SETTINGS_QPACK_BLOCKED_STREAMS (RFC 9204 §5).
 *
 * @example
 * ```ts
 * import type { QpackDecoderOptions } from "@gquic/core/qpack";
 * const o: QpackDecoderOptions = { maxTableCapacity: 4096, maxBlockedStreams: 100 };
 * console.log(o.maxTableCapacity);
 * ```
 */
export interface QpackDecoderOptions {
  /** SETTINGS_QPACK_MAX_TABLE_CAPACITY (RFC 9204 §3.2.3). */
  maxTableCapacity: number;
  /** SETTINGS_QPACK_BLOCKED_STREAMS (RFC 9204 §2.1.2). */
  maxBlockedStreams: number;
  /**
   * Largest decoded field section accepted, as defined by RFC 9114 §4.2.2
   * (sum of name + value + 32 per line). Default 1 MiB.
   */
  maxFieldSectionSize?: number;
  /** Largest total of encoded bytes held for blocked sections. Default 1 MiB. */
  maxBlockedBytes?: number;
  /**
   * Dynamic table capacity before any Set Dynamic Table Capacity. RFC 9204
   * §3.2.3 says 0 (the default); pre-RFC drafts started at the maximum, which
   * some interop files assume. Test-only.
   */
  initialTableCapacity?: number;
}

/**
 * A field section released from the blocked state by encoder-stream data:
 * either its decoded `fields`, or the `error` that decoding it raised (the
 * other member is then undefined). One failed section does not stop the
 * others released by the same call, and the decoder stays usable.
 *
 * `error.fieldSectionTooLarge` marks a section that only exceeded
 * `maxFieldSectionSize` (RFC 9114 §4.2.2): HTTP/3 may reset that one stream.
 * Any other error is QPACK_DECOMPRESSION_FAILED, a connection error
 * (RFC 9204 §2.2.3, §6). Either way the section was not acknowledged; a
 * caller that resets the stream calls {@link QpackDecoder.cancelStream}.
 *
 * @example
 * ```ts
 * import type { UnblockedSection } from "@gquic/core/qpack";
 * const u: UnblockedSection = { streamId: 4, fields: [] };
 * if (u.error !== undefined) console.log("failed", u.error.code);
 * else console.log(u.streamId, u.fields);
 * ```
 */
export type UnblockedSection =
  | {
    /** Stream the section arrived on. */
    streamId: number;
    /** Its decoded field lines. */
    fields: FieldLine[];
    /** Absent on success. */
    error?: undefined;
  }
  | {
    /** Stream the section arrived on. */
    streamId: number;
    /** Absent on failure. */
    fields?: undefined;
    /** Why it failed; `error.streamId` equals `streamId`. */
    error: QpackError;
  };

interface BlockedSection {
  streamId: number;
  ric: number;
  data: Uint8Array;
  // Offset just after the Required Insert Count, which was decoded on
  // arrival: decoding it again later could wrap differently.
  pos: number;
}

const DECOMPRESSION = QpackErrorCode.QPACK_DECOMPRESSION_FAILED;
const ENCODER_STREAM = QpackErrorCode.QPACK_ENCODER_STREAM_ERROR;

/**
 * A QPACK decoder. Errors are thrown as {@link QpackError} with the RFC 9204
 * §6 code; they are connection errors.
 *
 * @example
 * ```ts
 * import { QpackDecoder } from "@gquic/core/qpack";
 * const d = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 16 });
 * // Required Insert Count 0, Base 0, then indexed static entry 17 (:method GET).
 * console.log(d.decodeFieldSection(4, Uint8Array.of(0x00, 0x00, 0xd1)));
 * // [ { name: ":method", value: "GET" } ]
 * ```
 */
export class QpackDecoder {
  /** The dynamic table as the decoder sees it. */
  readonly table: DynamicTable = new DynamicTable();
  private readonly maxTableCapacity: number;
  private readonly maxBlockedStreams: number;
  private readonly maxFieldSectionSize: number;
  private readonly maxBlockedBytes: number;
  private readonly maxEntries: number;
  private readonly blocked: BlockedSection[] = [];
  private blockedBytes = 0;
  private readonly out = new OutBuf(64);
  /** Insert count the encoder knows we have received (RFC 9204 §2.1.4). */
  private ackedInsertCount = 0;
  // Unparsed tail of the encoder stream (an instruction split across reads).
  private pending = new Uint8Array(0);

  /**
   * Creates a decoder.
   * @param options decoder settings
   */
  constructor(options: QpackDecoderOptions) {
    this.maxTableCapacity = options.maxTableCapacity;
    this.maxBlockedStreams = options.maxBlockedStreams;
    this.maxFieldSectionSize = options.maxFieldSectionSize ?? 1 << 20;
    this.maxBlockedBytes = options.maxBlockedBytes ?? 1 << 20;
    this.maxEntries = maxEntries(options.maxTableCapacity);
    const initial = options.initialTableCapacity ?? 0;
    if (initial > this.maxTableCapacity) {
      throw new RangeError("initialTableCapacity exceeds maxTableCapacity");
    }
    this.table.setCapacity(initial);
  }

  /** Number of streams currently blocked (RFC 9204 §2.1.2). */
  get blockedStreams(): number {
    const ids = new Set<number>();
    for (const b of this.blocked) ids.add(b.streamId);
    return ids.size;
  }

  /** Bytes held: a split encoder instruction plus blocked field sections. */
  get bufferedBytes(): number {
    return this.pending.length + this.blockedBytes;
  }

  /** True if part of an encoder instruction is still waiting for more bytes. */
  get hasPartialInstruction(): boolean {
    return this.pending.length > 0;
  }

  /**
   * Feeds bytes received on the peer's encoder stream (RFC 9204 §4.3) and
   * returns the blocked field sections that can now be decoded, in the order
   * they arrived, each with its field lines or its own error (see
   * {@link UnblockedSection}). Throws QPACK_ENCODER_STREAM_ERROR on a bad
   * instruction; a released section that fails to decode does not throw.
   */
  receiveEncoderStream(data: Uint8Array): UnblockedSection[] {
    let buf = data;
    if (this.pending.length > 0) {
      buf = new Uint8Array(this.pending.length + data.length);
      buf.set(this.pending);
      buf.set(data, this.pending.length);
    }
    const c = new Cursor(buf, 0, buf.length, ENCODER_STREAM);
    const before = this.table.insertCount;
    let start = 0;
    while (start < buf.length) {
      c.pos = start;
      if (!this.#parseEncoderInstruction(c)) break;
      start = c.pos;
    }
    this.pending = start < buf.length ? buf.slice(start) : new Uint8Array(0);
    if (this.table.insertCount === before || this.blocked.length === 0) return [];
    return this.#releaseBlocked();
  }

  // Parses and applies one instruction at c.pos; false if incomplete.
  #parseEncoderInstruction(c: Cursor): boolean {
    const t = this.table;
    const first = c.buf[c.pos];
    // An entry must fit in the table, so no string can be longer than the
    // capacity: this bounds what we buffer for a split instruction.
    const maxLen = Math.max(0, t.capacity - ENTRY_OVERHEAD);
    if (first & 0x80) {
      // Insert With Name Reference (RFC 9204 §4.3.2).
      const isStatic = (first & 0x40) !== 0;
      const idx = readPrefixInt(c, 6);
      if (idx === INCOMPLETE) return false;
      let name: string;
      if (isStatic) {
        if (idx >= STATIC_TABLE.length) throw c.error(`invalid static index ${idx}`);
        name = STATIC_TABLE[idx][0];
      } else {
        const a = t.insertCount - 1 - idx; // relative index (RFC 9204 §3.2.5)
        if (!t.has(a)) throw c.error(`invalid dynamic relative index ${idx}`);
        name = t.name(a);
      }
      const value = readString(c, 7, maxLen);
      if (value === null) return false;
      this.#insert(c, name, value);
    } else if (first & 0x40) {
      // Insert With Literal Name (RFC 9204 §4.3.3).
      const name = readString(c, 5, maxLen);
      if (name === null) return false;
      const value = readString(c, 7, maxLen);
      if (value === null) return false;
      this.#insert(c, name, value);
    } else if (first & 0x20) {
      // Set Dynamic Table Capacity (RFC 9204 §4.3.1).
      const cap = readPrefixInt(c, 5);
      if (cap === INCOMPLETE) return false;
      if (cap > this.maxTableCapacity) throw c.error(`capacity ${cap} exceeds maximum`);
      t.setCapacity(cap);
    } else {
      // Duplicate (RFC 9204 §4.3.4).
      const idx = readPrefixInt(c, 5);
      if (idx === INCOMPLETE) return false;
      const a = t.insertCount - 1 - idx;
      if (!t.has(a)) throw c.error(`invalid duplicate index ${idx}`);
      this.#insert(c, t.name(a), t.value(a));
    }
    return true;
  }

  #insert(c: Cursor, name: string, value: string): void {
    // RFC 9204 §3.2.2: an entry larger than the capacity is an error.
    if (!this.table.insert(name, value)) throw c.error("entry does not fit in the dynamic table");
  }

  #releaseBlocked(): UnblockedSection[] {
    // First take every ready section out of the blocked list (keeping the
    // rest in arrival order), then decode: a failing section can no longer
    // leave the list or blockedBytes half-updated.
    const ready: BlockedSection[] = [];
    const ic = this.table.insertCount;
    let w = 0;
    for (let i = 0; i < this.blocked.length; i++) {
      const b = this.blocked[i];
      if (b.ric <= ic) {
        this.blockedBytes -= b.data.length;
        ready.push(b);
      } else {
        this.blocked[w++] = b;
      }
    }
    this.blocked.length = w;
    const released: UnblockedSection[] = [];
    for (const b of ready) {
      const c = new Cursor(b.data, b.pos, b.data.length, DECOMPRESSION);
      try {
        released.push({ streamId: b.streamId, fields: this.#decodeNow(b.streamId, c, b.ric) });
      } catch (e) {
        if (!(e instanceof QpackError)) throw e; // a bug, not peer input
        released.push({ streamId: b.streamId, error: withStream(e, b.streamId) });
      }
    }
    return released;
  }

  /**
   * Decodes one complete encoded field section (RFC 9204 §4.5). Returns the
   * field lines, or `null` when the section is blocked (RFC 9204 §2.1.2): it
   * is then kept and returned later by {@link receiveEncoderStream}. Errors
   * are QPACK_DECOMPRESSION_FAILED with `streamId` set; a section over
   * `maxFieldSectionSize` also has `fieldSectionTooLarge`.
   */
  decodeFieldSection(streamId: number, data: Uint8Array): FieldLine[] | null {
    try {
      return this.#decodeOrBlock(streamId, data);
    } catch (e) {
      throw e instanceof QpackError ? withStream(e, streamId) : e;
    }
  }

  #decodeOrBlock(streamId: number, data: Uint8Array): FieldLine[] | null {
    const c = new Cursor(data, 0, data.length, DECOMPRESSION);
    const ric = this.#readRequiredInsertCount(c);
    if (ric <= this.table.insertCount) return this.#decodeNow(streamId, c, ric);
    // RFC 9204 §2.2.1: more blocked streams than promised is an error.
    let streamBlocked = false;
    for (const b of this.blocked) if (b.streamId === streamId) streamBlocked = true;
    if (!streamBlocked && this.blockedStreams >= this.maxBlockedStreams) {
      throw decompressionFailed("too many blocked streams");
    }
    if (this.blockedBytes + data.length > this.maxBlockedBytes) {
      throw decompressionFailed("too many bytes held for blocked streams");
    }
    this.blocked.push({ streamId, ric, data: data.slice(), pos: c.pos });
    this.blockedBytes += data.length;
    return null;
  }

  #readRequiredInsertCount(c: Cursor): number {
    const encoded = readPrefixInt(c, 8);
    if (encoded === INCOMPLETE) throw c.error("truncated field section prefix");
    const ric = decodeRequiredInsertCount(encoded, this.maxEntries, this.table.insertCount);
    if (ric < 0) throw c.error(`invalid encoded Required Insert Count ${encoded}`);
    return ric;
  }

  #decodeNow(streamId: number, c: Cursor, ric: number): FieldLine[] {
    const t = this.table;
    if (c.pos >= c.end) throw c.error("truncated field section prefix");
    const sign = c.buf[c.pos] & 0x80;
    const deltaBase = readPrefixInt(c, 7);
    if (deltaBase === INCOMPLETE) throw c.error("truncated field section prefix");
    // RFC 9204 §4.5.1.2: Base must not be negative.
    if (sign && ric <= deltaBase) throw c.error("negative Base");
    const base = sign ? ric - deltaBase - 1 : ric + deltaBase;
    const fields: FieldLine[] = [];
    let budget = this.maxFieldSectionSize;
    // RFC 9114 §4.2.2: exceeding the size limit, also by one long string, is
    // flagged so HTTP/3 can refuse just this message.
    const tooLarge = (): QpackError =>
      new QpackError(DECOMPRESSION, "field section too large", true, streamId);
    let maxRef = -1;
    while (c.pos < c.end) {
      const b = c.buf[c.pos];
      let name: string, value: string | null, neverIndex = false;
      if (b & 0x80) {
        // Indexed Field Line (RFC 9204 §4.5.2).
        const idx = readPrefixInt(c, 6);
        if (idx === INCOMPLETE) throw c.error("truncated field line");
        if (b & 0x40) {
          if (idx >= STATIC_TABLE.length) throw c.error(`invalid static index ${idx}`);
          [name, value] = STATIC_TABLE[idx];
        } else {
          const a = base - 1 - idx;
          this.#checkRef(c, a, ric);
          if (a > maxRef) maxRef = a;
          name = t.name(a);
          value = t.value(a);
        }
      } else if (b & 0x40) {
        // Literal Field Line With Name Reference (RFC 9204 §4.5.4).
        neverIndex = (b & 0x20) !== 0;
        const idx = readPrefixInt(c, 4);
        if (idx === INCOMPLETE) throw c.error("truncated field line");
        if (b & 0x10) {
          if (idx >= STATIC_TABLE.length) throw c.error(`invalid static index ${idx}`);
          name = STATIC_TABLE[idx][0];
        } else {
          const a = base - 1 - idx;
          this.#checkRef(c, a, ric);
          if (a > maxRef) maxRef = a;
          name = t.name(a);
        }
        value = readString(c, 7, budget, tooLarge);
      } else if (b & 0x20) {
        // Literal Field Line With Literal Name (RFC 9204 §4.5.6).
        neverIndex = (b & 0x10) !== 0;
        const n = readString(c, 3, budget, tooLarge);
        if (n === null) throw c.error("truncated field line");
        name = n;
        value = readString(c, 7, budget, tooLarge);
      } else if (b & 0x10) {
        // Indexed Field Line With Post-Base Index (RFC 9204 §4.5.3).
        const idx = readPrefixInt(c, 4);
        if (idx === INCOMPLETE) throw c.error("truncated field line");
        const a = base + idx;
        this.#checkRef(c, a, ric);
        if (a > maxRef) maxRef = a;
        name = t.name(a);
        value = t.value(a);
      } else {
        // Literal Field Line With Post-Base Name Reference (RFC 9204 §4.5.5).
        neverIndex = (b & 0x08) !== 0;
        const idx = readPrefixInt(c, 3);
        if (idx === INCOMPLETE) throw c.error("truncated field line");
        const a = base + idx;
        this.#checkRef(c, a, ric);
        if (a > maxRef) maxRef = a;
        name = t.name(a);
        value = readString(c, 7, budget, tooLarge);
      }
      if (value === null) throw c.error("truncated field line");
      budget -= name.length + value.length + 32;
      if (budget < 0) throw tooLarge();
      fields.push(neverIndex ? { name, value, neverIndex } : { name, value });
    }
    // RFC 9204 §2.2.2 / §4.5.1.1: the Required Insert Count must be exactly
    // one more than the largest dynamic reference (we enforce the MAY).
    if (ric !== maxRef + 1) throw c.error("Required Insert Count larger than needed");
    if (ric > 0) {
      // Section Acknowledgment (RFC 9204 §4.4.1).
      writePrefixInt(this.out, 0x80, 7, streamId);
      if (ric > this.ackedInsertCount) this.ackedInsertCount = ric;
    }
    return fields;
  }

  #checkRef(c: Cursor, a: number, ric: number): void {
    // RFC 9204 §2.2.3: references at or above RIC, or to evicted entries.
    if (a < 0 || a >= ric || !this.table.has(a)) throw c.error("invalid dynamic table reference");
  }

  /**
   * Abandons the field sections of a reset stream (RFC 9204 §2.2.2.2): drops
   * any blocked section and emits Stream Cancellation (§4.4.2).
   */
  cancelStream(streamId: number): void {
    let w = 0;
    for (const b of this.blocked) {
      if (b.streamId === streamId) this.blockedBytes -= b.data.length;
      else this.blocked[w++] = b;
    }
    this.blocked.length = w;
    // A decoder with a zero maximum capacity may omit it (RFC 9204 §4.4.2).
    if (this.maxTableCapacity > 0) writePrefixInt(this.out, 0x40, 6, streamId);
  }

  /**
   * Returns the bytes to send on the decoder stream (RFC 9204 §4.4): section
   * acknowledgments and cancellations so far, then an Insert Count Increment
   * for inserts not yet acknowledged (§4.4.3). Empty when nothing is due.
   */
  readDecoderStream(): Uint8Array {
    const ic = this.table.insertCount;
    if (ic > this.ackedInsertCount) {
      writePrefixInt(this.out, 0x00, 6, ic - this.ackedInsertCount);
      this.ackedInsertCount = ic;
    }
    return this.out.take();
  }
}

// The same error, naming the stream whose field section failed.
function withStream(e: QpackError, streamId: number): QpackError {
  if (e.streamId === streamId) return e;
  return new QpackError(e.code, e.message, e.fieldSectionTooLarge, streamId);
}
