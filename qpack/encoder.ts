/**
 * The QPACK encoder (RFC 9204 §2.1): encodes field sections, writes encoder
 * stream instructions, and tracks the decoder's acknowledgements so that it
 * never blocks more streams than the peer allows (§2.1.2) and never evicts an
 * entry an unacknowledged section still references (§2.1.1). Sans-IO.
 *
 * Strategy: static matches first; exact dynamic matches; otherwise insert a
 * field when it is predicted to recur (seen before, see `minSightings`; the
 * recurrence model of encoder_model.ts prices the insert against the bytes
 * it saves), then reference it, or, when a reference would block too many
 * streams, insert it for later sections and send a literal now. A name that
 * recurs with churning values gets a name-only entry (empty value) so its
 * literals use a dynamic name reference. Entries about to be evicted that are
 * still in use are refreshed with Duplicate (§4.3.4). Inserts never evict an
 * entry a recent section used, except when the table has frozen (no insert
 * for `freezeWindow` sections): then an insert worth more than the hot
 * entries it pushes out is allowed. Literals use the cheapest name reference
 * and Huffman only when shorter. Sensitive fields use never-indexed literals
 * (§7.1.3).
 * @module
 */
import { decoderStreamError } from "./errors.ts";
import { EncoderTable, fieldKey } from "./encoder_table.ts";
import { type Prediction, RecurrenceModel } from "./encoder_model.ts";
import { insertCost, literalCost } from "./encoder_costs.ts";
import { ENTRY_OVERHEAD } from "./dynamic_table.ts";
import type { FieldLine } from "./field_line.ts";
import {
  Cursor,
  INCOMPLETE,
  OutBuf,
  prefixIntLength,
  readPrefixInt,
  writePrefixInt,
} from "./prefix_int.ts";
import { maxEntries } from "./required_insert_count.ts";
import { STATIC_EXACT, STATIC_NAME } from "./static_table.ts";
import { stringLength, writeString } from "./string_literal.ts";
import { QpackErrorCode } from "./errors.ts";
import {
  DYNAMIC_INDEXED,
  DYNAMIC_NAME_REF,
  LITERAL_NAME,
  type Rep,
  STATIC_INDEXED,
  STATIC_NAME_REF,
  writeFieldSection,
} from "./encoder_section.ts";

/**
 * Encoder settings. `maxTableCapacity` and `maxBlockedStreams` are the
 * peer's SETTINGS_QPACK_MAX_TABLE_CAPACITY and SETTINGS_QPACK_BLOCKED_STREAMS.
 *
 * @example
 * ```ts
 * import type { QpackEncoderOptions } from "@gquic/core/qpack";
 * const o: QpackEncoderOptions = { maxTableCapacity: 4096, maxBlockedStreams: 100 };
 * console.log(o.maxBlockedStreams);
 * ```
 */
export interface QpackEncoderOptions {
  /** Peer's SETTINGS_QPACK_MAX_TABLE_CAPACITY (RFC 9204 §3.2.3). */
  maxTableCapacity: number;
  /** Peer's SETTINGS_QPACK_BLOCKED_STREAMS (RFC 9204 §2.1.2). */
  maxBlockedStreams: number;
  /** Dynamic table capacity to use, at most `maxTableCapacity` (default: that maximum, capped at 64 KiB). */
  tableCapacity?: number;
  /**
   * Names whose fields are always sent as never-indexed literals
   * (RFC 9204 §7.1.3). Default: authorization, cookie, set-cookie.
   */
  sensitiveNames?: Iterable<string>;
  /**
   * Whether the peer's decoder acknowledges (RFC 9204 §4.4), default true.
   * Set false only when it is known never to (the offline interop runs with
   * ack 0): an entry is then only worth inserting if this very section or a
   * later blocking one can reference it, so with `maxBlockedStreams` 0 the
   * encoder never inserts (§2.1.2: it could never reference the entry).
   */
  peerAcknowledges?: boolean;
}

const DEFAULT_SENSITIVE = ["authorization", "cookie", "set-cookie"];

interface UnackedSection {
  ric: number;
  refs: number[];
}

// Tuning. Admission (RFC 9204 §2.1.1 leaves it to the encoder) is a
// cost/benefit test: the bytes an entry is expected to save on later
// references (RecurrenceModel) against what inserting it costs now (its
// encoder-stream bytes, less the literal it replaces when this section can
// reference it) plus `spaceCost` octets per octet of table it occupies.
// - minSightings / minSightingsSpeculative: earlier sightings that admit a
//   field regardless of the estimate (when this section can / cannot
//   reference the new entry); it may then only evict cold entries.
// - modelAdmits: also admit first sightings whose estimate is positive (off:
//   on the corpus it pushed out entries worth more than it saved).
// - hotWindow: an entry referenced by one of the last hotWindow sections is
//   hot; inserts and Duplicates do not evict hot entries, except that
// - evictByValue / freezeWindow: after freezeWindow sections without any
//   insert, an insert may evict hot entries worth less than its net benefit
//   (value of an entry: keepWeight x hitWeight x decayed hits x value octets).
// - hitHalfLife: sections after which a sighting counts half in an entry's
//   decayed hits; hitWeight: expected further uses per decayed hit. A
//   candidate's expected uses are the larger of its name's estimate and
//   hitWeight x (its decayed hits + 1).
// - nameOnly: name-only entries for recurring names with churning values.
// - maxEntryShare: larger entries are never inserted; drainShare: entries in
//   the oldest share are refreshed with Duplicate when used.
// - scarce*: when blocking slots are scarce (no acknowledgements).
/** Strategy knobs (internal; exported for the tuning experiments in bench/). */
export const encoderTuning = {
  maxEntryShare: 0.75,
  drainShare: 0.1,
  hotWindow: 40,
  spaceCost: 0.02,
  minSightings: 1,
  minSightingsSpeculative: 2,
  modelAdmits: false,
  evictByValue: true,
  keepWeight: 1,
  freezeWindow: 2,
  priorRepeat: 0.5,
  nameOnly: true,
  scarceShare: 0.1,
  minBlockingSavingsShare: 0.075,
  scarceRamp: true,
  rampExponent: 0.5,
  hitHalfLife: 64,
  hitWeight: 1.5,
};

/**
 * A QPACK encoder.
 *
 * @example
 * ```ts
 * import { QpackDecoder, QpackEncoder } from "@gquic/core/qpack";
 * const enc = new QpackEncoder({ maxTableCapacity: 4096, maxBlockedStreams: 16 });
 * const dec = new QpackDecoder({ maxTableCapacity: 4096, maxBlockedStreams: 16 });
 * const fields = [{ name: ":method", value: "GET" }, { name: "x-id", value: "42" }];
 * const section = enc.encodeFieldSection(4, fields);
 * dec.receiveEncoderStream(enc.readEncoderStream());
 * console.log(dec.decodeFieldSection(4, section));
 * enc.receiveDecoderStream(dec.readDecoderStream());
 * ```
 */
export class QpackEncoder {
  private readonly table = new EncoderTable();
  private readonly maxBlockedStreams: number;
  private readonly maxEntries: number;
  private readonly targetCapacity: number;
  private readonly sensitive: Set<string>;
  private readonly peerAcknowledges: boolean;
  private readonly encoderStream = new OutBuf(256);
  private readonly section = new OutBuf(256);
  private readonly unacked = new Map<number, UnackedSection[]>();
  private readonly model = new RecurrenceModel(
    encoderTuning.priorRepeat,
    encoderTuning.hitHalfLife,
  );
  private readonly valueOf = (a: number): number => this.#entryValue(a);
  private readonly usable = (a: number): boolean => this.#usable(a);
  private capacitySent = false;
  private decoderPending = new Uint8Array(0);
  // Per-section state.
  private reps: Rep[] = [];
  private refs: number[] = [];
  private mayBlock = false;
  private blocking = false;
  private speculate = false;
  private seq = 0;
  private lastInsertSeq = 0;

  /**
   * Creates an encoder.
   * @param options encoder settings
   */
  constructor(options: QpackEncoderOptions) {
    this.maxBlockedStreams = options.maxBlockedStreams;
    this.maxEntries = maxEntries(options.maxTableCapacity);
    const wanted = options.tableCapacity ?? Math.min(options.maxTableCapacity, 65536);
    this.targetCapacity = Math.max(0, Math.min(wanted, options.maxTableCapacity));
    this.sensitive = new Set(options.sensitiveNames ?? DEFAULT_SENSITIVE);
    this.peerAcknowledges = options.peerAcknowledges ?? true;
  }

  /** Number of streams whose unacknowledged sections could be blocked (RFC 9204 §2.1.2). */
  get blockingStreams(): number {
    let n = 0;
    const krc = this.table.knownReceivedCount;
    for (const list of this.unacked.values()) {
      if (list.some((s) => s.ric > krc)) n++;
    }
    return n;
  }

  /**
   * Encodes one field section for `streamId` (RFC 9204 §4.5) and returns it.
   * Encoder-stream instructions it needs are queued for
   * {@link readEncoderStream}; send those first (or at least concurrently).
   */
  encodeFieldSection(streamId: number, fields: readonly FieldLine[]): Uint8Array {
    const t = this.table;
    this.reps.length = 0;
    this.refs = [];
    this.seq++;
    const list = this.unacked.get(streamId);
    const krc = t.knownReceivedCount;
    const already = list !== undefined && list.some((s) => s.ric > krc);
    this.blocking = false;
    const blockingNow = this.blockingStreams;
    this.mayBlock = already || blockingNow < this.maxBlockedStreams;
    // Blocking slots that no acknowledgement frees are scarce: past the first
    // share, spend one only on a section that existing entries shrink by
    // enough. The bar rises with the square root of the share of the
    // remaining slots already spent, so a short exchange (few sections) still
    // uses the table and a long one keeps slots for its best sections.
    const scarceFrom = this.maxBlockedStreams * encoderTuning.scarceShare;
    if (this.mayBlock && !already && blockingNow >= scarceFrom) {
      const used = encoderTuning.scarceRamp
        ? ((blockingNow - scarceFrom + 1) / Math.max(1, this.maxBlockedStreams - scarceFrom)) **
          encoderTuning.rampExponent
        : 1;
      this.mayBlock = this.#blockingSavings(fields) >=
        this.table.capacity * encoderTuning.minBlockingSavingsShare * used;
    }
    // Inserts that can't be referenced now only pay off if acknowledgements
    // arrive; send them only while every earlier insert has been acknowledged.
    // Without acknowledgements and without blocking, no entry could ever be
    // referenced (RFC 9204 §2.1.2), so nothing is inserted at all.
    this.speculate = krc === t.insertCount && (this.peerAcknowledges || this.maxBlockedStreams > 0);
    for (const f of fields) this.#encodeField(f);
    const out = this.#writeSection();
    if (this.refs.length > 0) {
      let ric = 0;
      for (const a of this.refs) if (a + 1 > ric) ric = a + 1;
      const entry = { ric, refs: this.refs };
      if (list) list.push(entry);
      else this.unacked.set(streamId, [entry]);
    }
    return out;
  }

  // Bytes saved by indexing fields that already have unacknowledged entries.
  #blockingSavings(fields: readonly FieldLine[]): number {
    const t = this.table;
    let saved = 0;
    for (const f of fields) {
      const a = t.findExact(fieldKey(f.name, f.value));
      if (a >= t.knownReceivedCount) saved += stringLength(f.value, 7);
    }
    return saved;
  }

  #usable(a: number): boolean {
    return a < this.table.knownReceivedCount || this.mayBlock || this.blocking;
  }

  #ref(a: number, nameOnly = false): void {
    this.table.addRef(a, 1);
    // A name-only reference does not make the entry worth keeping.
    if (!nameOnly) this.table.touch(a, this.seq);
    this.refs.push(a);
    if (a >= this.table.knownReceivedCount) this.blocking = true;
  }

  #encodeField(f: FieldLine): void {
    const { name, value } = f;
    const t = this.table;
    const neverIndex = f.neverIndex === true || this.sensitive.has(name);
    const key = fieldKey(name, value);
    if (!neverIndex) {
      const s = STATIC_EXACT.get(key);
      if (s !== undefined) {
        this.reps.push({ kind: STATIC_INDEXED, index: s, name, value, neverIndex });
        return;
      }
    }
    const pred = neverIndex ? null : this.model.observe(name, key, this.seq);
    if (pred !== null && t.capacity + this.targetCapacity > 0) {
      let a = t.findExact(key);
      if (a >= 0 && this.#usable(a)) {
        if (this.#draining(a)) {
          // Refresh an entry that is about to be evicted (RFC 9204 §2.1.1.1).
          if (this.mayBlock || this.blocking) {
            if (this.#mayInsert(t.sizeOf(a), a, this.#entryValue(a))) a = this.#duplicate(a);
          } else {
            this.#ref(a); // pin first so the Duplicate cannot evict it
            if (this.speculate && this.#mayInsert(t.sizeOf(a), a, this.#entryValue(a))) {
              this.#duplicate(a);
            }
            this.reps.push({ kind: DYNAMIC_INDEXED, index: a, name, value, neverIndex });
            return;
          }
        }
        this.#ref(a);
        this.reps.push({ kind: DYNAMIC_INDEXED, index: a, name, value, neverIndex });
        return;
      }
      const canRef = this.mayBlock || this.blocking;
      const size = name.length + value.length + ENTRY_OVERHEAD;
      const benefit = a < 0 && (canRef || this.speculate) &&
          size <= this.targetCapacity * encoderTuning.maxEntryShare
        ? this.#insertBenefit(name, value, size, canRef, pred)
        : -Infinity;
      if (benefit >= 0 && this.#mayInsert(size, -1, benefit, encoderTuning.evictByValue)) {
        const n = this.#insert(name, value);
        if (canRef) {
          this.#ref(n);
          this.reps.push({ kind: DYNAMIC_INDEXED, index: n, name, value, neverIndex });
          return;
        }
      } else if (encoderTuning.nameOnly && (canRef || this.speculate)) {
        this.#maybeInsertName(name, pred);
      }
    }
    this.#literal(name, value, neverIndex);
  }

  // The admission test: expected savings on later references against the
  // insertion's encoder-stream bytes (net of the literal it replaces now
  // when this section may reference the new entry) and the table space.
  // Returns the net benefit in octets (what evictions may cost at most), or
  // -Infinity when the entry should not be inserted.
  #insertBenefit(
    name: string,
    value: string,
    size: number,
    canRef: boolean,
    pred: Prediction,
  ): number {
    const literal = literalCost(this.table, name, value, this.usable);
    const insert = insertCost(this.table, name, value);
    const indexed = 1; // an Indexed Field Line is one octet for recent entries
    const gain = literal - indexed;
    const extra = canRef ? insert + indexed - literal : insert;
    // The name's statistics or the key's own decayed hits (this sighting
    // included), whichever promises more: a field that keeps coming back is
    // worth what it has been hitting, whatever its name's other values do.
    const uses = Math.max(pred.expectedUses, encoderTuning.hitWeight * (pred.hits + 1));
    const net = uses * gain - extra - encoderTuning.spaceCost * size;
    const min = canRef ? encoderTuning.minSightings : encoderTuning.minSightingsSpeculative;
    // A field seen often enough is admitted even when the estimate is low,
    // but then may only push out entries worth nothing.
    if (pred.sightings >= min) return Math.max(net, 0);
    return encoderTuning.modelAdmits && net > 0 ? net : -Infinity;
  }

  // What keeping entry `a` is worth: its own decayed hit count (the sections
  // that sent this exact field lately, RecurrenceModel.hits) times the value
  // octets an index saves. Per-entry, not per-name: a `:path` seen three
  // times long ago is worth little even though `:path` values recur.
  #entryValue(a: number): number {
    const t = this.table;
    const name = t.name(a), value = t.value(a);
    const hits = this.model.hits(fieldKey(name, value), this.seq);
    return encoderTuning.keepWeight * encoderTuning.hitWeight * hits * stringLength(value, 7);
  }

  // Values of some names never repeat (digests, request ids) while the name
  // does: an entry with the name and an empty value lets every later literal
  // use a dynamic name reference (RFC 9204 §4.5.4) instead of the name.
  #maybeInsertName(name: string, pred: Prediction): void {
    const t = this.table;
    if (STATIC_NAME.has(name) || t.findName(name) >= 0) return;
    const size = name.length + ENTRY_OVERHEAD;
    if (size > this.targetCapacity * encoderTuning.maxEntryShare) return;
    const gain = stringLength(name, 3) - 2;
    const cost = stringLength(name, 5) + 1;
    const net = pred.expectedNameUses * gain - cost - encoderTuning.spaceCost * size;
    if (net > 0 && this.#mayInsert(size, -1, net)) this.#insert(name, "");
  }

  #draining(a: number): boolean {
    const t = this.table;
    const share = encoderTuning.drainShare;
    return t.bytesBefore(a) < t.capacity * share && t.size + t.sizeOf(a) > t.capacity * (1 - share);
  }

  // Whether `size` octets can be made free for an insert worth `benefit`.
  #mayInsert(size: number, except: number, benefit: number, byValue = false): boolean {
    const t = this.table;
    if (t.capacity === 0 && this.targetCapacity > 0) {
      // RFC 9204 §3.2.3: the table starts at 0; announce our capacity first.
      writePrefixInt(this.encoderStream, 0x20, 5, this.targetCapacity);
      t.setCapacity(this.targetCapacity);
      this.capacitySent = true;
    }
    const w = encoderTuning.hotWindow;
    if (t.canMakeRoom(size, w > 0 ? this.seq - w : Infinity, except)) return true;
    // A table whose entries are all hot refuses every insert and freezes
    // (small tables): after `freezeWindow` sections without an insert, an
    // entry worth more than the hot entries it evicts may push them out.
    return byValue && this.seq - this.lastInsertSeq > encoderTuning.freezeWindow &&
      t.evictionCost(size, this.valueOf, except) <= benefit;
  }

  #duplicate(a: number): number {
    const t = this.table;
    // Duplicate (RFC 9204 §4.3.4), relative index from the insert point.
    writePrefixInt(this.encoderStream, 0x00, 5, t.insertCount - 1 - a);
    const name = t.name(a), value = t.value(a);
    if (t.has(a)) t.retire(a);
    const d = t.insert(name, value);
    t.touch(d, this.seq);
    this.lastInsertSeq = this.seq;
    return d;
  }

  #insert(name: string, value: string): number {
    const t = this.table;
    const enc = this.encoderStream;
    const s = STATIC_NAME.get(name);
    const d = t.findName(name);
    const dynCost = d >= 0 ? prefixIntLength(6, t.insertCount - 1 - d) : Infinity;
    if (s !== undefined && prefixIntLength(6, s) <= dynCost) {
      writePrefixInt(enc, 0xc0, 6, s); // Insert With Name Reference, static (§4.3.2)
    } else if (d >= 0 && dynCost <= stringLength(name, 5)) {
      writePrefixInt(enc, 0x80, 6, t.insertCount - 1 - d); // dynamic name reference
    } else {
      writeString(enc, 0x40, 5, name); // Insert With Literal Name (§4.3.3)
    }
    writeString(enc, 0x00, 7, value);
    this.lastInsertSeq = this.seq;
    return t.insert(name, value);
  }

  #literal(name: string, value: string, neverIndex: boolean): void {
    const t = this.table;
    const s = STATIC_NAME.get(name);
    const staticCost = s !== undefined ? prefixIntLength(4, s) : Infinity;
    const d = t.findName(name);
    if (d >= 0 && this.#usable(d)) {
      const dynCost = prefixIntLength(4, t.insertCount - 1 - d);
      if (dynCost < staticCost && dynCost < stringLength(name, 3)) {
        this.#ref(d, true);
        this.reps.push({ kind: DYNAMIC_NAME_REF, index: d, name, value, neverIndex });
        return;
      }
    }
    if (s !== undefined && staticCost <= stringLength(name, 3)) {
      this.reps.push({ kind: STATIC_NAME_REF, index: s, name, value, neverIndex });
    } else {
      this.reps.push({ kind: LITERAL_NAME, index: 0, name, value, neverIndex });
    }
  }

  #writeSection(): Uint8Array {
    return writeFieldSection(
      this.section,
      this.reps,
      this.refs,
      this.table.insertCount,
      this.maxEntries,
    );
  }

  /** Returns (and clears) the bytes queued for the encoder stream (RFC 9204 §4.3). */
  readEncoderStream(): Uint8Array {
    return this.encoderStream.take();
  }

  /** Entries inserted so far (RFC 9204 §3.2.4). */
  get insertCount(): number {
    return this.table.insertCount;
  }

  /** Known Received Count (RFC 9204 §2.1.4). */
  get knownReceivedCount(): number {
    return this.table.knownReceivedCount;
  }

  /** Current dynamic table capacity and size in bytes. */
  get tableUsage(): { capacity: number; size: number } {
    return { capacity: this.table.capacity, size: this.table.size };
  }

  /** Whether Set Dynamic Table Capacity has been sent. */
  get capacityAnnounced(): boolean {
    return this.capacitySent;
  }

  /**
   * Feeds bytes from the peer's decoder stream (RFC 9204 §4.4). Throws
   * QPACK_DECODER_STREAM_ERROR on an invalid instruction.
   */
  receiveDecoderStream(data: Uint8Array): void {
    let buf = data;
    if (this.decoderPending.length > 0) {
      buf = new Uint8Array(this.decoderPending.length + data.length);
      buf.set(this.decoderPending);
      buf.set(data, this.decoderPending.length);
    }
    const c = new Cursor(buf, 0, buf.length, QpackErrorCode.QPACK_DECODER_STREAM_ERROR);
    let start = 0;
    while (start < buf.length) {
      c.pos = start;
      const first = buf[start];
      const prefix = first & 0x80 ? 7 : 6;
      const v = readPrefixInt(c, prefix);
      if (v === INCOMPLETE) break;
      if (first & 0x80) this.#sectionAcknowledged(v);
      else if (first & 0x40) this.#streamCancelled(v);
      else this.#insertCountIncrement(v);
      start = c.pos;
    }
    // A prefix integer is at most 10 bytes here, so this stays tiny.
    this.decoderPending = buf.slice(start);
  }

  #sectionAcknowledged(streamId: number): void {
    // RFC 9204 §4.4.1: acknowledges the oldest unacknowledged section.
    const list = this.unacked.get(streamId);
    if (list === undefined) {
      throw decoderStreamError(
        `Section Acknowledgment for stream ${streamId} with nothing pending`,
      );
    }
    const s = list.shift()!;
    if (list.length === 0) this.unacked.delete(streamId);
    for (const a of s.refs) this.table.addRef(a, -1);
    // §2.1.4: the Known Received Count rises to the section's RIC.
    if (s.ric > this.table.knownReceivedCount) this.table.knownReceivedCount = s.ric;
  }

  #streamCancelled(streamId: number): void {
    // RFC 9204 §4.4.2: references from this stream's sections are released.
    const list = this.unacked.get(streamId);
    if (list === undefined) return;
    for (const s of list) for (const a of s.refs) this.table.addRef(a, -1);
    this.unacked.delete(streamId);
  }

  #insertCountIncrement(increment: number): void {
    const t = this.table;
    // RFC 9204 §4.4.3: zero, or beyond what was sent, is an error.
    if (increment === 0 || t.knownReceivedCount + increment > t.insertCount) {
      throw decoderStreamError(`invalid Insert Count Increment ${increment}`);
    }
    t.knownReceivedCount += increment;
  }
}
