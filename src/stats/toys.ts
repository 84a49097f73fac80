/**
 * Null distributions from toys: the χ² dof that best describes a set of toy test statistics (the
 * smallest one-sample Kolmogorov–Smirnov distance over a dof scan, NPLM-FLK `return_best_chi2dof`)
 * and p-values / Z from toys or from that χ².
 */
import { chi2Cdf, chi2Sf, pToZ } from "./pvalues.js";
import { kolmogorovQ } from "./twosample.js";

/** One-sample KS distance of `sorted` (ascending) against a CDF. */
export function ksOneSample(sorted: ArrayLike<number>, cdf: (x: number) => number): number {
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const F = cdf(sorted[i]);
    d = Math.max(d, Math.abs(F - i / n), Math.abs((i + 1) / n - F));
  }
  return d;
}

export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** q-th percentile (0..100), linear interpolation between order statistics (numpy's default). */
export function percentile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const pos = (q / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (pos - lo) * (s[hi] - s[lo]);
}

export interface Chi2DofFit {
  dof: number;
  /** KS distance of the toys to χ²_dof, and its asymptotic p-value. */
  ks: number;
  ksP: number;
  toys: number;
}

/** The χ² dof in [median − 10, median + 10) (step 0.1, dof > 0) closest to the toys in KS distance. */
export function fitChi2Dof(toys: ArrayLike<number>, step = 0.1, halfWidth = 10): Chi2DofFit {
  const sorted = Float64Array.from(toys).sort();
  if (sorted.length < 2) throw new RangeError("χ² dof fit needs at least two toys");
  const med = median(sorted);
  let best = { dof: NaN, ks: Infinity };
  const k0 = Math.ceil((med - halfWidth) / step);
  const k1 = Math.ceil((med + halfWidth) / step);
  for (let k = Math.max(1, k0); k < k1; k++) {
    const dof = +(k * step).toFixed(10);
    const ks = ksOneSample(sorted, (x) => chi2Cdf(x, dof));
    if (ks < best.ks) best = { dof, ks };
  }
  if (!Number.isFinite(best.dof)) best = { dof: step, ks: ksOneSample(sorted, (x) => chi2Cdf(x, step)) };
  const n = sorted.length;
  return { ...best, ksP: kolmogorovQ((Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * best.ks), toys: n };
}

export interface Significance {
  p: number;
  z: number;
  /** True when the observed value is beyond every toy: p is then the bound 1/N_toys. */
  bound: boolean;
}

/** p = #{toys ≥ t}/N (the bound 1/N when no toy reaches t), Z = Φ⁻¹(1 − p). */
export function empiricalSignificance(toys: ArrayLike<number>, t: number): Significance {
  let k = 0;
  for (let i = 0; i < toys.length; i++) if (toys[i] >= t) k++;
  const bound = k === 0;
  const p = (bound ? 1 : k) / toys.length;
  return { p, z: pToZ(p), bound };
}

export function chi2Significance(t: number, dof: number): Significance {
  const p = chi2Sf(t, dof);
  return { p, z: pToZ(p), bound: false };
}
