/**
 * Content statistics of event files (for `inspect` and the `gen` summary): events, orbits, truth
 * label counts, and per object kind the count and the pT/η/φ ranges in physical units.
 */
import type { OrbitBatch } from "../events/batch.js";
import {
  caloEtaFromHw, caloEtFromHw, caloPhiFromHw, muonEtaFromHw, muonPhiFromHw, muonPtFromHw,
} from "../events/scales.js";
import { SIGNALS } from "../trigger/signals.js";
import { ADC_FIELDS, ADC_ROW, ADC_SLOTS, CLASS_OF_SLOT } from "./adc2021-layout.js";

export type StatKind = "met" | "egamma" | "muon" | "jet" | "tau";
export const STAT_KINDS: readonly StatKind[] = ["met", "egamma", "muon", "jet", "tau"];

export interface KindStats {
  count: number;
  /** [min, max] over the objects, null when there are none. */
  pt: [number, number] | null;
  eta: [number, number] | null;
  phi: [number, number] | null;
}

export interface EventStats {
  events: number;
  orbits: number;
  /** Events per truth label name ("background", "Ato4l", …); null when the data carry no labels. */
  labels: Record<string, number> | null;
  kinds: Record<StatKind, KindStats>;
}

/** Name of a truth label: 0 background, k the k-th signal, else "label<k>". */
export function labelName(label: number): string {
  return label === 0 ? "background" : (SIGNALS[label - 1] ?? `label${label}`);
}

/** Accumulates statistics over batches or ADC2021 rows without keeping the data. */
export class StatsAccumulator {
  private events = 0;
  private orbits = 0;
  private lastOrbit = NaN;
  private labels: Map<number, number> | null = null;
  private readonly count = new Float64Array(STAT_KINDS.length);
  /** Per kind: min/max of pT, η, φ (6 values). */
  private readonly range = new Float64Array(STAT_KINDS.length * 6);

  constructor() {
    for (let k = 0; k < STAT_KINDS.length; k++) {
      for (let v = 0; v < 3; v++) {
        this.range[k * 6 + 2 * v] = Infinity;
        this.range[k * 6 + 2 * v + 1] = -Infinity;
      }
    }
  }

  private add(kind: number, pt: number, eta: number, phi: number): void {
    this.count[kind]++;
    const r = this.range;
    const o = kind * 6;
    if (pt < r[o]) r[o] = pt;
    if (pt > r[o + 1]) r[o + 1] = pt;
    if (eta < r[o + 2]) r[o + 2] = eta;
    if (eta > r[o + 3]) r[o + 3] = eta;
    if (phi < r[o + 4]) r[o + 4] = phi;
    if (phi > r[o + 5]) r[o + 5] = phi;
  }

  private addOrbit(orbit: number): void {
    if (orbit !== this.lastOrbit) this.orbits++;
    this.lastOrbit = orbit;
  }

  private addLabels(labels: ArrayLike<number> | null, n: number): void {
    if (!labels) return;
    this.labels ??= new Map();
    for (let i = 0; i < n; i++) this.labels.set(labels[i], (this.labels.get(labels[i]) ?? 0) + 1);
  }

  /** Count a batch, converting hardware units to physical ones (muons: η/φ at the vertex). */
  addBatch(b: OrbitBatch): void {
    this.events += b.nBx;
    if (b.nBx > 0) this.addOrbit(b.orbit);
    this.addLabels(b.label ?? null, b.nBx);
    for (let i = 0; i < b.nBx; i++) this.add(0, caloEtFromHw(b.sums.hwMissEt[i]), 0, caloPhiFromHw(b.sums.hwMissEtPhi[i]));
    const calo = [[1, b.egammas], [3, b.jets], [4, b.taus]] as const;
    for (const [k, blk] of calo) {
      for (let j = 0; j < blk.offset[b.nBx]; j++) this.add(k, caloEtFromHw(blk.hwEt[j]), caloEtaFromHw(blk.hwEta[j]), caloPhiFromHw(blk.hwPhi[j]));
    }
    const mu = b.muons;
    for (let j = 0; j < mu.offset[b.nBx]; j++) this.add(2, muonPtFromHw(mu.hwPt[j]), muonEtaFromHw(mu.hwEtaAtVtx[j]), muonPhiFromHw(mu.hwPhiAtVtx[j]));
  }

  /**
   * Count ADC2021 rows as stored (physical values, no quantisation). A slot counts as an object
   * when its class id is non-zero or its pT positive; MET counts once per event.
   */
  addRows(rows: Float32Array, n: number, labels: ArrayLike<number> | null, orbits: ArrayLike<number> | null): void {
    this.events += n;
    this.addLabels(labels, n);
    if (orbits) for (let i = 0; i < n; i++) this.addOrbit(orbits[i]);
    for (let e = 0; e < n; e++) {
      for (let s = 0; s < ADC_SLOTS; s++) {
        const o = e * ADC_ROW + s * ADC_FIELDS;
        if (s > 0 && rows[o + 3] === 0 && !(rows[o] > 0)) continue;
        this.add(CLASS_OF_SLOT[s] - 1, rows[o], rows[o + 1], rows[o + 2]);
      }
    }
  }

  /** For data without orbit numbers: orbits as packed by the reader. */
  setOrbits(n: number): void {
    this.orbits = n;
  }

  result(): EventStats {
    const kinds = {} as Record<StatKind, KindStats>;
    STAT_KINDS.forEach((kind, k) => {
      const r = this.range;
      const o = k * 6;
      const has = this.count[k] > 0;
      kinds[kind] = {
        count: this.count[k],
        pt: has ? [r[o], r[o + 1]] : null,
        eta: has ? [r[o + 2], r[o + 3]] : null,
        phi: has ? [r[o + 4], r[o + 5]] : null,
      };
    });
    let labels: Record<string, number> | null = null;
    if (this.labels) {
      labels = {};
      for (const [l, n] of [...this.labels].sort((a, b) => a[0] - b[0])) labels[labelName(l)] = n;
    }
    return { events: this.events, orbits: this.orbits, labels, kinds };
  }
}
