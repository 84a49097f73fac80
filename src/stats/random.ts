/**
 * Exact Poisson draws from a uniform source: inversion for small means, Hörmann's transformed
 * rejection PTRS for mean ≥ 10 (Insurance: Math. Econ. 12 (1993) 39; the algorithm numpy uses).
 * Pseudo-experiments need the exact tail, not a rounded normal.
 */
import { lnGamma } from "./pvalues.js";

export function poissonDraw(mean: number, uniform: () => number): number {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    let k = 0;
    let p = Math.exp(-mean);
    let cdf = p;
    const u = uniform();
    while (u > cdf && k < 1000) { k++; p *= mean / k; cdf += p; }
    return k;
  }
  const slam = Math.sqrt(mean), logLam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = uniform() - 0.5;
    const v = uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * logLam - lnGamma(k + 1)) return k;
  }
}
