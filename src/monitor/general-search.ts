/**
 * The general-search scan over monitoring histograms (H1, PLB 602 (2004) 14; ATLAS, EPJC 79 (2019)
 * 120): every region of connected bins of every variable of a channel is tested with the
 * Poisson ⊗ Gaussian p-value (src/stats/pvalues.ts poissonGaussianPValue); the region with the
 * smallest p is the channel's most significant region. The look-elsewhere effect is measured with
 * pseudo-experiments drawn from the expectation — one correlated systematic shift per
 * pseudo-experiment (the stated relative systematic), the reference's own Poisson error per bin,
 * then Poisson counts — each scanned like the data: p̃ = fraction of pseudo-experiments whose
 * smallest p is at most the observed one.
 * Regions whose expectation is below `minExpected` (default 0.01 events) are not tested.
 */
import { pToZ, poissonGaussianPValue } from "../stats/pvalues.js";
import { poissonDraw } from "../stats/random.js";
import { Rng } from "../trigger/rng.js";
import type { MonitorResult } from "./monitor.js";

export interface ScanInput {
  observed: ArrayLike<number>;
  /** Scaled reference expectation per bin and the reference counts behind it (for its Poisson error). */
  expected: ArrayLike<number>;
  reference: ArrayLike<number>;
  scale: number;
  systematic: number;
}

export interface Region { first: number; last: number; n: number; b: number; sigma: number; p: number; excess: boolean }

/** Expectation and σ of bins first..last: the systematic is fully correlated, the reference statistics not. */
function regionOf(s: ScanInput, counts: ArrayLike<number>, first: number, last: number): { n: number; b: number; sigma: number } {
  let n = 0, b = 0, r = 0;
  for (let i = first; i <= last; i++) { n += counts[i]; b += s.expected[i]; r += s.reference[i]; }
  const sigma = Math.sqrt((s.systematic * b) ** 2 + s.scale * s.scale * Math.max(r, 1));
  return { n, b, sigma };
}

/** The most significant connected region of one histogram (null when no region is testable). */
export function scanRegions(s: ScanInput, counts: ArrayLike<number> = s.observed, minExpected = 0.01, maxWidth = Infinity): Region | null {
  let best: Region | null = null;
  const nb = s.expected.length;
  for (let first = 0; first < nb; first++) {
    for (let last = first; last < nb && last - first < maxWidth; last++) {
      const { n, b, sigma } = regionOf(s, counts, first, last);
      if (b < minExpected) continue;
      const { p, excess } = poissonGaussianPValue(n, b, sigma);
      if (!best || p < best.p) best = { first, last, n, b, sigma, p, excess };
    }
  }
  return best;
}

export interface ChannelScan {
  channel: string;
  variable: string;
  unit: string;
  region: { lo: number; hi: number; observed: number; expected: number; sigma: number; excess: boolean } | null;
  pLocal: number;
  zLocal: number;
  /** Look-elsewhere corrected, from pseudo-experiments scanning every variable of the channel. */
  pGlobal: number;
  zGlobal: number;
  pseudoExperiments: number;
  /** p̃ is a bound: no pseudo-experiment reached the observed p. */
  globalBound: boolean;
}

export interface GeneralSearchResult {
  method: string;
  minExpected: number;
  pseudoExperiments: number;
  channels: ChannelScan[];
}

export const GS_METHOD =
  "General search (H1 PLB 602 (2004) 14; ATLAS EPJC 79 (2019) 120): every connected-bin region of every variable, p = ∫ Gauss(β; b, σ_b) P(N ≥ n | β) dβ (or ≤ n for a deficit), " +
  "the Gaussian truncated at 0; σ_b² = (ε_sys Σb)² + s² Σr over the region; smallest p per channel; p̃ from pseudo-experiments (one correlated systematic shift, reference statistics, Poisson counts) scanned the same way.";

/** Scan every channel of a monitoring result and correct each channel's smallest p with pseudo-experiments. */
export function generalSearch(m: MonitorResult, o: { pseudoExperiments: number; seed: number; minExpected?: number; onPseudo?: (done: number, total: number) => void }): GeneralSearchResult {
  const minExpected = o.minExpected ?? 0.01;
  const channels: ChannelScan[] = [];
  const total = m.channels.length * o.pseudoExperiments;
  let done = 0;
  m.channels.forEach((ch, ci) => {
    const inputs: ScanInput[] = ch.variables.map((v) => ({ observed: v.observed, expected: v.expected, reference: v.reference, scale: m.scale, systematic: m.systematic }));
    const scans = inputs.map((s) => scanRegions(s, s.observed, minExpected));
    let k = -1;
    scans.forEach((r, i) => { if (r && (k < 0 || r.p < scans[k]!.p)) k = i; });
    const best = k >= 0 ? scans[k]! : null;
    const rng = new Rng(o.seed, 7000 + ci);
    let atLeast = 0;
    for (let t = 0; t < o.pseudoExperiments; t++) {
      const shift = rng.normal();
      let pMin = 1;
      for (const s of inputs) {
        const counts = Array.from(s.expected, (b, i) => {
          const stat = s.scale * Math.sqrt(Math.max(s.reference[i], 0)) * rng.normal();
          return poissonDraw(Math.max(0, b * (1 + s.systematic * shift) + stat), () => rng.uniform());
        });
        const r = scanRegions(s, counts, minExpected);
        if (r && r.p < pMin) pMin = r.p;
      }
      if (best && pMin <= best.p) atLeast++;
      o.onPseudo?.(++done, total);
    }
    const v = k >= 0 ? ch.variables[k] : ch.variables[0];
    const globalBound = atLeast === 0;
    const pGlobal = best ? (globalBound ? 1 : atLeast) / Math.max(1, o.pseudoExperiments) : 1;
    channels.push({
      channel: ch.name, variable: v.variable, unit: v.unit,
      region: best ? { lo: v.edges[best.first], hi: v.edges[best.last + 1], observed: best.n, expected: best.b, sigma: best.sigma, excess: best.excess } : null,
      pLocal: best ? best.p : 1, zLocal: best ? pToZ(best.p) : -Infinity,
      pGlobal, zGlobal: pToZ(pGlobal), pseudoExperiments: o.pseudoExperiments, globalBound,
    });
  });
  return { method: GS_METHOD, minExpected, pseudoExperiments: o.pseudoExperiments, channels };
}
