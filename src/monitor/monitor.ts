/**
 * TADA-like generic-channel monitoring: histograms of HT, MET, M_inv and M_eff per selection,
 * filled over a stream of orbit batches, then compared bin by bin with a reference run.
 *
 * Method (also written into every result as `method`):
 *  - the reference is scaled to the observed run by the ratio of *processed* events (not selected
 *    ones), so a change of a channel's rate shows up, not only a change of shape;
 *  - each bin's expectation b = s·r has σ_b² = (ε_sys·b)² + s²·r: the stated relative systematic
 *    ε_sys (default 5 %) combined in quadrature with the reference's own Poisson error (an empty
 *    reference bin is tested as expecting one scaled count ± one);
 *  - the bin's p-value is the Poisson–Gamma tail (src/stats/pvalues.ts, Linnemann 2003), one-sided for excess
 *    and for deficit; a bin is flagged when either side's Z ≥ the threshold (default 3σ) and the
 *    bin holds at least `minCount` observed or expected events.
 */
import type { OrbitBatch } from "../events/batch.js";
import { FileFormatError } from "../io/errors.js";
import { emptyHistogram, fill, linearEdges, type Histogram } from "../stats/histogram.js";
import { applySelection, type Selection } from "./selection.js";
import { binPValues, pToZ } from "../stats/pvalues.js";
import type { GeneralSearchResult } from "./general-search.js";
import { VARIABLES, VARIABLE_UNIT, allocateColumns, computeColumns, type EventColumns, type Variable } from "./variables.js";

/** Default binning per variable (GeV): wide enough for the generator's signals. */
export const DEFAULT_BINNING: Record<Variable, { lo: number; hi: number; bins: number }> = {
  HT: { lo: 0, hi: 500, bins: 50 },
  MET: { lo: 0, hi: 300, bins: 30 },
  M_inv: { lo: 0, hi: 1000, bins: 50 },
  M_eff: { lo: 0, hi: 1500, bins: 50 },
};

export interface ChannelHistograms {
  selection: Selection;
  selected: number;
  histograms: Record<Variable, Histogram>;
}

/** Fills one set of histograms per selection; reusable scratch columns, no per-event objects. */
export class MonitorFiller {
  readonly channels: ChannelHistograms[];
  events = 0;
  orbits = 0;
  private columns: EventColumns = allocateColumns(3564);
  private pass = new Uint8Array(3564);

  constructor(selections: Selection[], binning = DEFAULT_BINNING) {
    if (selections.length === 0) throw new RangeError("monitoring needs at least one selection");
    const names = new Set<string>();
    for (const s of selections) {
      if (names.has(s.name)) throw new RangeError(`selection name "${s.name}" used twice`);
      names.add(s.name);
    }
    this.channels = selections.map((selection) => ({
      selection,
      selected: 0,
      histograms: Object.fromEntries(VARIABLES.map((v) => [v, emptyHistogram(linearEdges(binning[v].lo, binning[v].hi, binning[v].bins))])) as Record<Variable, Histogram>,
    }));
  }

  add(batch: OrbitBatch): void {
    if (batch.nBx > this.columns.HT.length) {
      this.columns = allocateColumns(batch.nBx);
      this.pass = new Uint8Array(batch.nBx);
    }
    const c = computeColumns(batch, this.columns);
    this.events += c.n;
    this.orbits++;
    for (const ch of this.channels) {
      applySelection(ch.selection, c, this.pass);
      for (let i = 0; i < c.n; i++) {
        if (!this.pass[i]) continue;
        ch.selected++;
        for (const v of VARIABLES) fill(ch.histograms[v], c[v][i]);
      }
    }
  }

  addAll(batches: Iterable<OrbitBatch>): this {
    for (const b of batches) this.add(b);
    return this;
  }
}

export interface MonitorOptions {
  /** Relative systematic on the scaled reference (0.05 = 5 %). */
  systematic?: number;
  /** Flag a bin when its excess or deficit Z reaches this. */
  zThreshold?: number;
  /** Bins with fewer observed and expected events than this are never flagged. */
  minCount?: number;
}

export interface VariableComparison {
  variable: Variable;
  unit: string;
  edges: number[];
  observed: number[];
  reference: number[];
  /** Reference scaled to the observed run. */
  expected: number[];
  sigma: number[];
  pExcess: number[];
  pDeficit: number[];
  /** Signed Z: + for excess, − for deficit (the more significant side). */
  z: number[];
  flagged: number[];
}

export interface MonitorResult {
  format: "scoutloop-monitor/1";
  method: string;
  systematic: number;
  zThreshold: number;
  minCount: number;
  observed: { describe: string; events: number; orbits: number };
  reference: { describe: string; events: number; orbits: number };
  scale: number;
  channels: Array<{ name: string; spec: string; observedSelected: number; referenceSelected: number; variables: VariableComparison[] }>;
  flaggedBins: number;
  /** The general-search scan (general-search.ts), when run. */
  generalSearch?: GeneralSearchResult;
}

export function methodText(systematic: number, z: number, minCount: number): string {
  return `Reference scaled by processed events; per bin σ_b² = (${systematic}·b)² + s²·r (relative systematic ${(systematic * 100).toFixed(1)} % combined with the reference's Poisson error; an empty reference bin counts as one scaled count ± one); ` +
    `p-value from the Poisson–Gamma (negative-binomial) marginal (Linnemann 2003); bin flagged when its one-sided excess or deficit Z ≥ ${z} and it holds ≥ ${minCount} observed or expected events.`;
}

export function compareToReference(
  observed: MonitorFiller, reference: MonitorFiller, describe: { observed: string; reference: string }, opts: MonitorOptions = {},
): MonitorResult {
  const systematic = opts.systematic ?? 0.05;
  const zThreshold = opts.zThreshold ?? 3;
  const minCount = opts.minCount ?? 5;
  if (!(systematic >= 0) || !(zThreshold > 0) || !(minCount >= 0)) throw new RangeError("systematic ≥ 0, z threshold > 0 and min count ≥ 0 required");
  if (reference.events === 0) throw new FileFormatError(describe.reference, "the reference run has no events");
  const scale = observed.events / reference.events;
  let flaggedBins = 0;
  const channels = observed.channels.map((ch) => {
    const ref = reference.channels.find((r) => r.selection.name === ch.selection.name);
    if (!ref) throw new RangeError(`reference has no selection "${ch.selection.name}"`);
    const variables = VARIABLES.map((v): VariableComparison => {
      const ho = ch.histograms[v];
      const hr = ref.histograms[v];
      if (ho.edges.length !== hr.edges.length || ho.edges.some((e, i) => e !== hr.edges[i])) throw new RangeError(`${ch.selection.name}/${v}: observed and reference binnings differ`);
      const nb = ho.counts.length;
      const out: VariableComparison = {
        variable: v, unit: VARIABLE_UNIT[v], edges: Array.from(ho.edges), observed: Array.from(ho.counts), reference: Array.from(hr.counts),
        expected: [], sigma: [], pExcess: [], pDeficit: [], z: [], flagged: [],
      };
      for (let i = 0; i < nb; i++) {
        const n = ho.counts[i];
        const r = hr.counts[i];
        const b = scale * r;
        // An empty reference bin is tested as expecting one scaled count ± one: zero reference
        // counts bound the rate from above, they do not prove it is zero.
        const bTest = r > 0 ? b : scale;
        const sigma = Math.sqrt((systematic * bTest) ** 2 + scale * scale * Math.max(r, 1));
        const t = binPValues(n, bTest, sigma);
        const zEx = pToZ(t.pExcess);
        const zDe = pToZ(t.pDeficit);
        const z = zEx >= zDe ? zEx : -zDe;
        const big = n >= minCount || b >= minCount;
        const flag = big && Math.abs(z) >= zThreshold ? 1 : 0;
        flaggedBins += flag;
        out.expected.push(b);
        out.sigma.push(sigma);
        out.pExcess.push(t.pExcess);
        out.pDeficit.push(t.pDeficit);
        out.z.push(Number.isFinite(z) ? z : Math.sign(z) * 99);
        out.flagged.push(flag);
      }
      return out;
    });
    return { name: ch.selection.name, spec: ch.selection.spec, observedSelected: ch.selected, referenceSelected: ref.selected, variables };
  });
  return {
    format: "scoutloop-monitor/1",
    method: methodText(systematic, zThreshold, minCount),
    systematic, zThreshold, minCount,
    observed: { describe: describe.observed, events: observed.events, orbits: observed.orbits },
    reference: { describe: describe.reference, events: reference.events, orbits: reference.orbits },
    scale, channels, flaggedBins,
  };
}
