/**
 * Recurrence statistics for the QPACK encoder's admission decisions
 * (RFC 9204 §2.1.1 leaves the choice of what to insert to the encoder).
 *
 * For every field line the encoder asks: how many more times will this exact
 * (name, value) be sent while an entry for it could still be in the table?
 * The model answers from two kinds of evidence: how often this key was seen
 * already (a bounded, recency-ordered history), and how the values of the
 * same name behave (per name: of the values seen once, how many came back; of
 * the values seen again, how often they kept coming back). Names such as
 * `cookie` crumbs or `date` have values that recur; `x-fb-debug` or
 * `content-md5` never repeat a value, but the name itself recurs, which is
 * what a name-only entry (a dynamic name reference, §4.5.4) captures.
 *
 * Counters are halved once they pass {@link MODEL_HALF_LIFE} observations,
 * so a name that changes behaviour is re-learnt (exponential decay).
 * @module
 */

/** Per-name counters (decayed). */
interface NameStats {
  /** Sightings of a value never seen before (in the history window). */
  first: number;
  /** Sightings of a value seen exactly once before. */
  second: number;
  /** Sightings of a value seen twice or more before. */
  later: number;
  /** All sightings of the name. */
  seen: number;
}

/** Per-key record: sightings and decayed hits (see {@link RecurrenceModel.hits}). */
interface KeyStats {
  /** Sightings in the history window. */
  n: number;
  /** Decayed sightings as of section `last`. */
  hits: number;
  /** Section of the latest sighting. */
  last: number;
}

/** Counters are halved past this many sightings of one name. */
export const MODEL_HALF_LIFE = 64;
// Caps on remembered keys and names: bounded memory whatever the peer sends.
const KEY_LIMIT = 2048;
const NAME_LIMIT = 1024;
// Continuation probability cap: expected further uses are at most 1/(1-q).
const MAX_CONTINUATION = 0.9;

/** What the model predicts for one field line. */
export interface Prediction {
  /** Earlier sightings of this exact (name, value). */
  sightings: number;
  /** Decayed earlier sightings (see {@link RecurrenceModel.hits}). */
  hits: number;
  /** Expected further sightings of this exact (name, value). */
  expectedUses: number;
  /** Expected further sightings of the name (any value). */
  expectedNameUses: number;
}

/** Learns recurrence of (name, value) pairs and names. Internal. */
export class RecurrenceModel {
  private readonly keys = new Map<string, KeyStats>();
  // Per-section decay factor of KeyStats.hits.
  private readonly decay: number;
  private readonly names = new Map<string, NameStats>();
  private readonly out: Prediction = {
    sightings: 0,
    hits: 0,
    expectedUses: 0,
    expectedNameUses: 0,
  };

  /**
   * @param priorRepeat prior weight (in sightings) that a new value of an
   *   unknown name comes back: the first estimate is priorRepeat / 1.
   * @param hitHalfLife sections after which a sighting counts half in
   *   {@link hits}
   */
  constructor(private readonly priorRepeat = 0.5, hitHalfLife = 32) {
    this.decay = 2 ** (-1 / hitHalfLife);
  }

  /**
   * Decayed sightings of `key` as of section `seq`: each sighting counts
   * 2^(-age / hitHalfLife), so a field seen in every section approaches
   * hitHalfLife / ln 2 and one seen once long ago approaches 0. This is the
   * entry's own recent hit rate, unlike the per-name estimates.
   */
  hits(key: string, seq: number): number {
    const k = this.keys.get(key);
    return k === undefined ? 0 : k.hits * this.decay ** (seq - k.last);
  }

  /**
   * Expected further sightings of a key already seen (the continuation
   * estimate of its name), without recording anything.
   */
  expectedRepeats(name: string, key: string): number {
    const st = this.names.get(name);
    if (st === undefined || !this.keys.has(key)) return 0;
    const q = Math.min(MAX_CONTINUATION, (st.later + 0.5) / (st.second + st.later + 1));
    return q / (1 - q);
  }

  /**
   * Records one sighting of (name, key) and returns the prediction made
   * *before* it (the returned object is reused by the next call).
   */
  observe(name: string, key: string, seq = 0): Prediction {
    let k = this.keys.get(key);
    const sightings = k?.n ?? 0;
    if (k !== undefined) this.keys.delete(key); // move to the recent end
    else {
      if (this.keys.size >= KEY_LIMIT) this.keys.delete(this.keys.keys().next().value!);
      k = { n: 0, hits: 0, last: seq };
    }
    this.keys.set(key, k);
    this.out.hits = k.hits * this.decay ** (seq - k.last);
    k.n++;
    k.hits = this.out.hits + 1;
    k.last = seq;
    let st = this.names.get(name);
    if (st === undefined) {
      if (this.names.size >= NAME_LIMIT) this.names.clear();
      st = { first: 0, second: 0, later: 0, seen: 0 };
      this.names.set(name, st);
    }
    // P(a value seen once comes back) and P(a value seen again keeps coming
    // back), each with a weak prior so a fresh name starts near priorRepeat.
    const p1 = (st.second + this.priorRepeat) / (st.first + 1);
    const q = Math.min(MAX_CONTINUATION, (st.later + 0.5) / (st.second + st.later + 1));
    const p = sightings === 0 ? Math.min(1, p1) : q;
    this.out.sightings = sightings;
    this.out.expectedUses = p / (1 - q);
    // A name seen n times (decayed) is expected about n more times, up to
    // the continuation cap (a Laplace-style estimate of a recurring name).
    this.out.expectedNameUses = Math.min(st.seen, 1 / (1 - MAX_CONTINUATION));
    if (sightings === 0) st.first++;
    else if (sightings === 1) st.second++;
    else st.later++;
    if (++st.seen > MODEL_HALF_LIFE) {
      st.first /= 2;
      st.second /= 2;
      st.later /= 2;
      st.seen /= 2;
    }
    return this.out;
  }
}
