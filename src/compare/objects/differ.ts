/**
 * Object-by-object comparison of two event sources, one orbit pair at a time.
 *
 * BX are paired by number inside an orbit; per kind, objects are paired in the trigger's order
 * (the i-th object of A with the i-th of B; both are pT-sorted by the trigger) or, for outputs that
 * reorder, by best match in (η, φ) (greedy on ΔR, smallest first). Every field both sides carry is
 * compared: exactly in hardware bits, or within a tolerance (rules.ts). Counters carry their
 * denominators; the first K differences are kept in full (both objects, link words, XOR). A BX that
 * one side stores and the other does not is a difference unless it holds nothing both sides carry
 * (the link zero-suppresses empty BX, so "stored empty" and "absent" mean the same).
 *
 * Memory: counters and histograms only (bounded by the field widths) plus the first K records.
 */
import type { OrbitBatch } from "../../events/batch.js";
import { commonCoverage, DIFF_FIELDS, DIFF_KINDS, hwDelta, physicalDelta, POSITION_FIELDS, type Coverage, type DiffField, type DiffKind } from "./fields.js";
import { makeRules, type DiffRules, type FieldRule } from "./rules.js";
import { hex32, objectWords } from "./words.js";

export type MatchMode = "order" | "eta-phi";

export interface DiffOptions {
  coverageA: Coverage;
  coverageB: Coverage;
  rules?: DiffRules;
  match?: MatchMode;
  /** eta-phi matching: pairs further apart than this ΔR stay unpaired (default: no limit). */
  maxDeltaR?: number;
  /** Differences kept in full (default 20). */
  firstK?: number;
}

export interface FieldDiffStats {
  /** Object pairs in which this field was compared (the denominator). */
  compared: number;
  /** Pairs outside the tolerance (exact mode: bits differ). */
  mismatches: number;
  /** Pairs that differ but within the tolerance. */
  withinTolerance: number;
  maxAbsDelta: number;
  /** b − a in hardware counts (φ wrapped) of every pair that differs: [delta, pairs], ascending. */
  histogram: Array<[number, number]>;
  /** "exact" or the tolerance applied, e.g. "0.5 (pt, physical)". */
  rule: string;
}

export interface KindDiffStats {
  /** BX in which this kind was compared (both sides stored the BX). */
  bx: number;
  /** BX whose object counts differ (objects beyond what both sides carry are not counted). */
  countMismatchBx: number;
  /** nB − nA of the BX whose counts differ: [delta, bx]. */
  countHistogram: Array<[number, number]>;
  objectsA: number;
  objectsB: number;
  pairs: number;
  unpairedA: number;
  unpairedB: number;
  /** Objects past the common cap (e.g. jets 11–12 against an ADC2021 file): not compared. */
  beyondCapA: number;
  beyondCapB: number;
  maxObjects: number;
  fields: Record<string, FieldDiffStats>;
}

export interface ObjectRecord {
  index: number;
  /** Hardware fields this side holds. */
  fields: Record<string, number>;
  /** pT [GeV], η, φ [rad] through the CMS scales (objects; sums: none). */
  physical?: { pt: number; eta: number; phi: number };
  /** Link words, hex. */
  words: Record<string, string>;
}

export interface DifferenceRecord {
  orbit: number;
  bx: number;
  kind: DiffKind | null;
  /** "fields": a pair differs; "count": object counts differ; "onlyA"/"onlyB": BX stored by one side only. */
  type: "fields" | "count" | "onlyA" | "onlyB";
  /** fields: the differing fields with b − a in counts and in physical units where it has one. */
  fields?: Array<{ field: string; a: number; b: number; delta: number; physicalDelta: number | null }>;
  a?: ObjectRecord | null;
  b?: ObjectRecord | null;
  /** XOR of the words over the compared fields, hex. */
  xor?: Record<string, string>;
  counts?: { a: number; b: number };
  /** count: the objects left unpaired on each side. */
  unpairedA?: ObjectRecord[];
  unpairedB?: ObjectRecord[];
  /** onlyA/onlyB: objects per kind in that BX. */
  objects?: Partial<Record<DiffKind, number>>;
}

export interface ObjectDiffResult {
  format: "scoutloop-object-diff/1";
  identical: boolean;
  settings: { match: MatchMode; maxDeltaR: number | null; tolerance: Record<string, number>; ignore: string[]; firstK: number };
  orbits: { paired: number; onlyA: number; onlyB: number };
  bx: { paired: number; onlyA: number; onlyB: number; emptyOnlyA: number; emptyOnlyB: number };
  kinds: Partial<Record<DiffKind, KindDiffStats>>;
  /** Fields or kinds one side carries and the other does not, or that were ignored. */
  notCompared: Array<{ what: string; reason: string }>;
  /** Differences by class: every difference is counted in exactly one of these. */
  differences: { bx: number; counts: number; fields: number; total: number };
  first: DifferenceRecord[];
}

interface FieldPlan {
  d: DiffField;
  rule: FieldRule;
  compared: number;
  mismatches: number;
  withinTolerance: number;
  maxAbsDelta: number;
  histogram: Map<number, number>;
}

interface KindPlan {
  kind: DiffKind;
  maxObjects: number;
  countsCompared: boolean;
  fields: FieldPlan[];
  stats: Omit<KindDiffStats, "fields" | "countHistogram" | "maxObjects">;
  countHistogram: Map<number, number>;
}

/** Objects of one kind in one batch: an index range per stored BX and the field columns. */
interface KindColumns {
  offset: Uint32Array | null;
  cols: Record<string, Int32Array>;
}

function columns(batch: OrbitBatch, kind: DiffKind): KindColumns {
  switch (kind) {
    case "muon": return { offset: batch.muons.offset, cols: batch.muons as unknown as Record<string, Int32Array> };
    case "jet": return { offset: batch.jets.offset, cols: batch.jets as unknown as Record<string, Int32Array> };
    case "egamma": return { offset: batch.egammas.offset, cols: batch.egammas as unknown as Record<string, Int32Array> };
    case "tau": return { offset: batch.taus.offset, cols: batch.taus as unknown as Record<string, Int32Array> };
    case "sums": return { offset: null, cols: batch.sums as unknown as Record<string, Int32Array> };
  }
}

const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
const sortedBins = (m: Map<number, number>): Array<[number, number]> => [...m.entries()].sort((x, y) => x[0] - y[0]);
/** Physical tolerances are compared with a little slack: 0.0435 × n is not exact in binary. */
const EPS = 1e-9;

export class ObjectDiffer {
  private readonly plans: KindPlan[] = [];
  private readonly rules: DiffRules;
  private readonly match: MatchMode;
  private readonly maxDeltaR: number;
  private readonly firstK: number;
  private readonly notCompared: ObjectDiffResult["notCompared"] = [];
  private readonly first: DifferenceRecord[] = [];
  private readonly orbits = { paired: 0, onlyA: 0, onlyB: 0 };
  private readonly bx = { paired: 0, onlyA: 0, onlyB: 0, emptyOnlyA: 0, emptyOnlyB: 0 };
  private readonly diffs = { bx: 0, counts: 0, fields: 0 };

  constructor(private readonly options: DiffOptions) {
    this.rules = options.rules ?? makeRules();
    this.match = options.match ?? "order";
    this.maxDeltaR = options.maxDeltaR ?? Infinity;
    this.firstK = options.firstK ?? 20;
    const common = commonCoverage(options.coverageA, options.coverageB);
    for (const kind of DIFF_KINDS) {
      const inA = options.coverageA[kind];
      const inB = options.coverageB[kind];
      if (!inA || !inB) {
        if (inA || inB) this.notCompared.push({ what: kind, reason: `only ${inA ? "A" : "B"} carries ${kind}` });
        continue;
      }
      if (this.rules.ignoredKinds.has(kind)) {
        this.notCompared.push({ what: kind, reason: "ignored" });
        continue;
      }
      const cov = common[kind]!;
      const fields: FieldPlan[] = [];
      for (const d of DIFF_FIELDS[kind]) {
        const rule = this.rules.fields[kind][d.name];
        const a = inA.fields.includes(d.name);
        const b = inB.fields.includes(d.name);
        if (!a || !b) {
          if (a || b) this.notCompared.push({ what: `${kind}.${d.name}`, reason: `only ${a ? "A" : "B"} carries it` });
          continue;
        }
        if (rule.ignored) {
          this.notCompared.push({ what: `${kind}.${d.name}`, reason: "ignored" });
          continue;
        }
        fields.push({ d, rule, compared: 0, mismatches: 0, withinTolerance: 0, maxAbsDelta: 0, histogram: new Map() });
      }
      const countsCompared = kind !== "sums" && !this.rules.ignoredCounts.has(kind);
      if (kind !== "sums" && !countsCompared) this.notCompared.push({ what: `${kind}.count`, reason: "ignored" });
      this.plans.push({
        kind, maxObjects: cov.maxObjects, countsCompared, fields, countHistogram: new Map(),
        stats: { bx: 0, countMismatchBx: 0, objectsA: 0, objectsB: 0, pairs: 0, unpairedA: 0, unpairedB: 0, beyondCapA: 0, beyondCapB: 0 },
      });
    }
  }

  /** Kinds and fields compared at all (an empty plan means A and B share nothing). */
  get comparedFields(): number {
    return this.plans.reduce((s, p) => s + p.fields.length + (p.countsCompared ? 1 : 0), 0);
  }

  /** Compare one orbit present on both sides. */
  compareOrbit(a: OrbitBatch, b: OrbitBatch): void {
    this.orbits.paired++;
    let i = 0;
    let j = 0;
    while (i < a.nBx || j < b.nBx) {
      const bxA = i < a.nBx ? a.bx[i] : Infinity;
      const bxB = j < b.nBx ? b.bx[j] : Infinity;
      if (bxA === bxB) {
        this.compareBx(a, i++, b, j++);
      } else if (bxA < bxB) {
        this.oneSidedBx("A", a, i++);
      } else {
        this.oneSidedBx("B", b, j++);
      }
    }
  }

  /** An orbit only one side has. */
  oneSidedOrbit(side: "A" | "B", batch: OrbitBatch): void {
    this.orbits[side === "A" ? "onlyA" : "onlyB"]++;
    for (let i = 0; i < batch.nBx; i++) this.oneSidedBx(side, batch, i);
  }

  private oneSidedBx(side: "A" | "B", batch: OrbitBatch, i: number): void {
    const objects: Partial<Record<DiffKind, number>> = {};
    let empty = true;
    for (const p of this.plans) {
      const c = columns(batch, p.kind);
      if (c.offset) {
        const n = Math.min(c.offset[i + 1] - c.offset[i], p.maxObjects);
        objects[p.kind] = n;
        if (n > 0) empty = false;
      } else if (p.fields.some((f) => c.cols[f.d.name][i] !== 0)) {
        empty = false;
      }
    }
    if (empty) {
      this.bx[side === "A" ? "emptyOnlyA" : "emptyOnlyB"]++;
      return;
    }
    this.bx[side === "A" ? "onlyA" : "onlyB"]++;
    this.diffs.bx++;
    if (this.first.length < this.firstK) this.first.push({ orbit: batch.orbit, bx: batch.bx[i], kind: null, type: side === "A" ? "onlyA" : "onlyB", objects });
  }

  private compareBx(a: OrbitBatch, ia: number, b: OrbitBatch, ib: number): void {
    this.bx.paired++;
    for (const p of this.plans) {
      const ca = columns(a, p.kind);
      const cb = columns(b, p.kind);
      const st = p.stats;
      st.bx++;
      let sa = ia, na = 1, sb = ib, nb = 1;
      if (ca.offset && cb.offset) {
        sa = ca.offset[ia];
        sb = cb.offset[ib];
        const fullA = ca.offset[ia + 1] - sa;
        const fullB = cb.offset[ib + 1] - sb;
        na = Math.min(fullA, p.maxObjects);
        nb = Math.min(fullB, p.maxObjects);
        st.beyondCapA += fullA - na;
        st.beyondCapB += fullB - nb;
      }
      st.objectsA += na;
      st.objectsB += nb;
      const pairs = this.pairObjects(p, ca, sa, na, cb, sb, nb);
      st.pairs += pairs.length / 2;
      st.unpairedA += na - pairs.length / 2;
      st.unpairedB += nb - pairs.length / 2;
      if (p.countsCompared && na !== nb) {
        st.countMismatchBx++;
        bump(p.countHistogram, nb - na);
        this.diffs.counts++;
        if (this.first.length < this.firstK) {
          const pairedA = new Set<number>(), pairedB = new Set<number>();
          for (let k = 0; k < pairs.length; k += 2) (pairedA.add(pairs[k]), pairedB.add(pairs[k + 1]));
          const rest = (c: KindColumns, s: number, n: number, used: Set<number>, side: "A" | "B") =>
            Array.from({ length: n }, (_, k) => s + k).filter((x) => !used.has(x)).map((x) => this.record(p.kind, c, x, x - s, side));
          this.first.push({
            orbit: a.orbit, bx: a.bx[ia], kind: p.kind, type: "count", counts: { a: na, b: nb },
            unpairedA: rest(ca, sa, na, pairedA, "A"), unpairedB: rest(cb, sb, nb, pairedB, "B"),
          });
        }
      }
      for (let k = 0; k < pairs.length; k += 2) this.comparePair(p, a, ia, ca, pairs[k], sa, cb, pairs[k + 1], sb);
    }
  }

  /** Pairs as a flat list [a0, b0, a1, b1, …] of object indices. */
  private pairObjects(p: KindPlan, ca: KindColumns, sa: number, na: number, cb: KindColumns, sb: number, nb: number): number[] {
    const out: number[] = [];
    if (this.match === "order" || p.kind === "sums") {
      for (let k = 0; k < Math.min(na, nb); k++) out.push(sa + k, sb + k);
      return out;
    }
    const pos = POSITION_FIELDS[p.kind];
    const etaField = DIFF_FIELDS[p.kind].find((d) => d.name === pos.eta)!;
    const phiField = DIFF_FIELDS[p.kind].find((d) => d.name === pos.phi)!;
    const candidates: Array<[number, number, number]> = [];
    for (let x = 0; x < na; x++) {
      for (let y = 0; y < nb; y++) {
        const dEta = physicalDelta(etaField, ca.cols[pos.eta][sa + x], cb.cols[pos.eta][sb + y]);
        const dPhi = physicalDelta(phiField, ca.cols[pos.phi][sa + x], cb.cols[pos.phi][sb + y]);
        const dr = Math.hypot(dEta, dPhi);
        if (dr <= this.maxDeltaR) candidates.push([dr, x, y]);
      }
    }
    // Smallest ΔR first; ties keep the trigger's order (stable on x, then y).
    candidates.sort((u, v) => u[0] - v[0] || u[1] - v[1] || u[2] - v[2]);
    const usedA = new Uint8Array(na), usedB = new Uint8Array(nb);
    for (const [, x, y] of candidates) {
      if (usedA[x] || usedB[y]) continue;
      usedA[x] = usedB[y] = 1;
      out.push(sa + x, sb + y);
    }
    return out;
  }

  private comparePair(p: KindPlan, a: OrbitBatch, ia: number, ca: KindColumns, ja: number, sa: number, cb: KindColumns, jb: number, sb: number): void {
    let differing: DifferenceRecord["fields"] | null = null;
    for (const f of p.fields) {
      f.compared++;
      const va = ca.cols[f.d.name][ja];
      const vb = cb.cols[f.d.name][jb];
      if (va === vb) continue;
      const delta = hwDelta(f.d, va, vb);
      bump(f.histogram, delta);
      const abs = Math.abs(delta);
      if (abs > f.maxAbsDelta) f.maxAbsDelta = abs;
      const phys = f.d.physical ? physicalDelta(f.d, va, vb) : null;
      const tol = f.rule.tolerance;
      const within = f.rule.physical ? (phys ?? abs) <= tol + EPS : abs <= tol;
      if (within && (tol > 0)) {
        f.withinTolerance++;
        continue;
      }
      f.mismatches++;
      (differing ??= []).push({ field: f.d.name, a: va, b: vb, delta, physicalDelta: phys });
    }
    if (!differing) return;
    this.diffs.fields++;
    if (this.first.length >= this.firstK) return;
    const recA = this.record(p.kind, ca, ja, ja - sa, "A");
    const recB = this.record(p.kind, cb, jb, jb - sb, "B");
    // XOR over the compared fields only: a field one side does not carry is not a difference.
    const masked = (c: KindColumns, j: number) => (name: string) => (p.fields.some((f) => f.d.name === name) ? c.cols[name][j] : 0);
    const wa = objectWords(p.kind, masked(ca, ja));
    const wb = objectWords(p.kind, masked(cb, jb));
    const xor = Object.fromEntries(Object.keys(wa).map((k) => [k, hex32(wa[k] ^ wb[k])]));
    this.first.push({ orbit: a.orbit, bx: a.bx[ia], kind: p.kind, type: "fields", fields: differing, a: recA, b: recB, xor });
  }

  /** One object (or a BX's sums) as the side holds it. */
  private record(kind: DiffKind, c: KindColumns, j: number, index: number, side: "A" | "B"): ObjectRecord {
    const cov = (side === "A" ? this.options.coverageA : this.options.coverageB)[kind];
    const carried = new Set(cov?.fields ?? []);
    const fields: Record<string, number> = {};
    for (const d of DIFF_FIELDS[kind]) if (carried.has(d.name)) fields[d.name] = c.cols[d.name][j];
    const words = objectWords(kind, (name) => (carried.has(name) ? c.cols[name][j] : 0));
    const out: ObjectRecord = { index, fields, words: Object.fromEntries(Object.entries(words).map(([k, v]) => [k, hex32(v)])) };
    if (kind !== "sums") {
      const defs = DIFF_FIELDS[kind];
      const pos = POSITION_FIELDS[kind];
      const ptField = defs[0]; // hwPt / hwEt
      const get = (name: string) => defs.find((d) => d.name === name)!.physical!(c.cols[name][j]);
      out.physical = { pt: ptField.physical!(c.cols[ptField.name][j]), eta: +get(pos.eta).toFixed(6), phi: +get(pos.phi).toFixed(6) };
    }
    return out;
  }

  result(): ObjectDiffResult {
    const kinds: ObjectDiffResult["kinds"] = {};
    for (const p of this.plans) {
      kinds[p.kind] = {
        ...p.stats,
        maxObjects: p.maxObjects,
        countHistogram: sortedBins(p.countHistogram),
        fields: Object.fromEntries(p.fields.map((f) => [f.d.name, {
          compared: f.compared, mismatches: f.mismatches, withinTolerance: f.withinTolerance, maxAbsDelta: f.maxAbsDelta,
          histogram: sortedBins(f.histogram),
          rule: f.rule.tolerance > 0 ? `|Δ| ≤ ${f.rule.tolerance}${f.rule.physical ? ` (${f.d.quantity}, physical units)` : " (hardware counts)"} from ${f.rule.source}` : "exact bits",
        }])),
      };
    }
    const total = this.diffs.bx + this.diffs.counts + this.diffs.fields;
    return {
      format: "scoutloop-object-diff/1",
      identical: total === 0,
      settings: { match: this.match, maxDeltaR: Number.isFinite(this.maxDeltaR) ? this.maxDeltaR : null, tolerance: this.rules.tolerance, ignore: this.rules.ignore, firstK: this.firstK },
      orbits: { ...this.orbits },
      bx: { ...this.bx },
      kinds,
      notCompared: [...this.notCompared],
      differences: { ...this.diffs, total },
      first: [...this.first],
    };
  }
}
