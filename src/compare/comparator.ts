/**
 * Pairs two scorers' results by (orbit, bx) and compares them field by field.
 *
 * Modelled on the CMS L1T data–emulator comparison (DQM/L1TMonitor L1TStage2MuonComp.cc):
 * per-field mismatch counters, each with its own denominator (errorSummaryNum/Den), an ignore
 * list for fields known to disagree (ignoreBin), and — beyond DQM, which only keeps histograms —
 * the first K mismatching events in full so a mismatch can be chased to the bit.
 */
import { SCORED, type ScoreBatch } from "./results.js";

/**
 * Reply flag the scoutloop emulator sets on scores it corrupted on purpose (protocol ReplyFlag
 * FAULT_INJECTED). Mismatches carrying it are counted apart, so a run with injected faults can
 * check that exactly the injected events disagreed; firmware must never set it.
 */
export const FAULT_INJECTED_FLAG = 0x80;

/** Fields the comparator knows. `raw` and `flags` are compared only when both sides have them. */
export const COMPARE_FIELDS = ["raw", "value", "flags"] as const;
export type CompareField = (typeof COMPARE_FIELDS)[number];

export interface CompareOptions {
  /** "exact": every field bit for bit. "tolerance": `value` within abs/rel, other fields exact. */
  mode?: "exact" | "tolerance";
  /** Absolute tolerance on `value` (tolerance mode). */
  abs?: number;
  /** Relative tolerance on `value`, relative to max(|a|, |b|) (tolerance mode). */
  rel?: number;
  /** Fields not compared at all. */
  ignore?: readonly CompareField[];
  /** How many mismatching events to keep in full. */
  keepFirst?: number;
  /** Width W of the compared raw words (the model's output format): mismatch records show them as W-bit words. */
  rawWidth?: number;
}

export interface FieldCounter {
  /** Events where both sides had this field (the denominator). */
  compared: number;
  mismatched: number;
}

export interface ScoreSide {
  scorer: string;
  raw: number | null;
  value: number;
  flags: number | null;
}

/** One mismatching event in full: inputs and both scores in bits and value. */
export interface MismatchRecord {
  orbit: number;
  bx: number;
  fields: CompareField[];
  a: ScoreSide;
  b: ScoreSide;
  /** Raw fixed-point inputs as sent to the scorers, when known. */
  inputs: number[] | null;
  /** `raw` of each side as a hex bit pattern (W bits when the width is known, else 32), for eyeballing bit flips. */
  rawBits: { a: string | null; b: string | null };
  /** a XOR b of those W-bit words: the bits that differ. */
  rawXor: string | null;
}

export interface ComparisonSummary {
  mode: "exact" | "tolerance";
  abs: number;
  rel: number;
  ignore: CompareField[];
  /** Events where both sides scored (denominator of `mismatches`). */
  paired: number;
  /** Events where at least one side failed: not compared. */
  unpaired: number;
  /** Events present on one side only (should be 0: both scorers get the same events). */
  orphans: number;
  matched: number;
  mismatches: number;
  /** Mismatches on events one side flagged FAULT_INJECTED (part of `mismatches`). */
  injectedMismatches: number;
  fields: Record<CompareField, FieldCounter>;
  firstMismatches: MismatchRecord[];
}

/** Inputs of one orbit, row-major n × nFeatures, for mismatch records. */
export interface OrbitInputs {
  data: Int32Array;
  nFeatures: number;
}

/** The low `width` bits of a raw word, in hex with ceil(width/4) digits (two's complement). */
export const hexWord = (v: number, width = 32) => {
  const w = Math.max(1, Math.min(32, width));
  const masked = w === 32 ? v >>> 0 : (v >>> 0) & (2 ** w - 1);
  return "0x" + masked.toString(16).padStart(Math.ceil(w / 4), "0");
};

export class Comparator {
  readonly mode: "exact" | "tolerance";
  readonly abs: number;
  readonly rel: number;
  readonly keepFirst: number;
  readonly rawWidth: number;
  private readonly ignored: Set<CompareField>;
  private readonly fields: Record<CompareField, FieldCounter> = {
    raw: { compared: 0, mismatched: 0 },
    value: { compared: 0, mismatched: 0 },
    flags: { compared: 0, mismatched: 0 },
  };
  private paired = 0;
  private unpaired = 0;
  private orphans = 0;
  private mismatches = 0;
  private injectedMismatches = 0;
  private readonly first: MismatchRecord[] = [];
  /** bx -> index in the B batch, reused; -1 = absent. */
  private readonly bxIndex = new Int32Array(1 << 16).fill(-1);

  constructor(opts: CompareOptions = {}) {
    this.mode = opts.mode ?? "exact";
    this.rawWidth = opts.rawWidth ?? 32;
    this.abs = opts.abs ?? 0;
    this.rel = opts.rel ?? 0;
    if (!(this.abs >= 0) || !(this.rel >= 0)) throw new RangeError("tolerances must be >= 0");
    this.keepFirst = opts.keepFirst ?? 10;
    this.ignored = new Set(opts.ignore ?? []);
    for (const f of this.ignored) {
      if (!COMPARE_FIELDS.includes(f)) throw new RangeError(`unknown compare field "${f}" (known: ${COMPARE_FIELDS.join(", ")})`);
    }
  }

  private valuesAgree(a: number, b: number): boolean {
    if (this.mode === "exact") return Object.is(a, b) || a === b;
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    return Math.abs(a - b) <= this.abs + this.rel * Math.max(Math.abs(a), Math.abs(b));
  }

  /**
   * Compare the two scorers' results for one orbit. Events are paired by BX (the same orbit on
   * both sides); an event failed on either side is counted as unpaired, not compared.
   */
  add(a: ScoreBatch, b: ScoreBatch, inputs?: OrbitInputs): void {
    if (a.orbit !== b.orbit) throw new Error(`comparator: orbit ${a.orbit} paired with orbit ${b.orbit}`);
    const sameOrder = a.n === b.n && a.bx.every((v, i) => v === b.bx[i]);
    if (!sameOrder) for (let j = 0; j < b.n; j++) this.bxIndex[b.bx[j]] = j;
    const useRaw = !this.ignored.has("raw") && a.raw !== undefined && b.raw !== undefined;
    const useValue = !this.ignored.has("value");
    const useFlags = !this.ignored.has("flags") && a.flags !== undefined && b.flags !== undefined;
    let seenInB = 0;
    for (let i = 0; i < a.n; i++) {
      const j = sameOrder ? i : this.bxIndex[a.bx[i]];
      if (j < 0) {
        this.orphans++;
        continue;
      }
      seenInB++;
      if (a.status[i] !== SCORED || b.status[j] !== SCORED) {
        this.unpaired++;
        continue;
      }
      this.paired++;
      let bad = 0; // bit mask over COMPARE_FIELDS
      if (useRaw) {
        this.fields.raw.compared++;
        if (a.raw![i] !== b.raw![j]) (this.fields.raw.mismatched++, (bad |= 1));
      }
      if (useValue) {
        this.fields.value.compared++;
        if (!this.valuesAgree(a.value[i], b.value[j])) (this.fields.value.mismatched++, (bad |= 2));
      }
      if (useFlags) {
        this.fields.flags.compared++;
        if (a.flags![i] !== b.flags![j]) (this.fields.flags.mismatched++, (bad |= 4));
      }
      if (bad === 0) continue;
      this.mismatches++;
      if (((a.flags ? a.flags[i] : 0) | (b.flags ? b.flags[j] : 0)) & FAULT_INJECTED_FLAG) this.injectedMismatches++;
      if (this.first.length < this.keepFirst) this.first.push(this.record(a, i, b, j, bad, inputs));
    }
    this.orphans += b.n - seenInB;
    if (!sameOrder) for (let j = 0; j < b.n; j++) this.bxIndex[b.bx[j]] = -1;
  }

  private record(a: ScoreBatch, i: number, b: ScoreBatch, j: number, bad: number, inputs?: OrbitInputs): MismatchRecord {
    const side = (s: ScoreBatch, k: number): ScoreSide => ({
      scorer: s.scorer,
      raw: s.raw ? s.raw[k] : null,
      value: s.value[k],
      flags: s.flags ? s.flags[k] : null,
    });
    const nf = inputs?.nFeatures ?? 0;
    return {
      orbit: a.orbit,
      bx: a.bx[i],
      fields: COMPARE_FIELDS.filter((_, k) => bad & (1 << k)),
      a: side(a, i),
      b: side(b, j),
      inputs: inputs ? Array.from(inputs.data.subarray(i * nf, (i + 1) * nf)) : null,
      rawBits: { a: a.raw ? hexWord(a.raw[i], this.rawWidth) : null, b: b.raw ? hexWord(b.raw[j], this.rawWidth) : null },
      rawXor: a.raw && b.raw ? hexWord(a.raw[i] ^ b.raw[j], this.rawWidth) : null,
    };
  }

  /** Mismatches on FAULT_INJECTED events so far (cheap). */
  get injectedMismatchCount(): number {
    return this.injectedMismatches;
  }

  /** Mismatching events so far (cheap; `summary()` copies everything). */
  get mismatchCount(): number {
    return this.mismatches;
  }

  /** Events compared so far (cheap, for live views). */
  get pairedCount(): number {
    return this.paired;
  }

  summary(): ComparisonSummary {
    return {
      mode: this.mode,
      abs: this.abs,
      rel: this.rel,
      ignore: [...this.ignored],
      paired: this.paired,
      unpaired: this.unpaired,
      orphans: this.orphans,
      matched: this.paired - this.mismatches,
      mismatches: this.mismatches,
      injectedMismatches: this.injectedMismatches,
      fields: {
        raw: { ...this.fields.raw },
        value: { ...this.fields.value },
        flags: { ...this.fields.flags },
      },
      firstMismatches: this.first.slice(),
    };
  }
}
