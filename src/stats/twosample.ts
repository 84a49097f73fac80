/**
 * Two-sample statistics for the studies: Kolmogorov–Smirnov (statistic and asymptotic p-value,
 * Stephens' small-sample correction as in Numerical Recipes §14.3) and the binned Poisson
 * likelihood-ratio −2 ln λ of Baker & Cousins (NIM 221 (1984) 437).
 */

/** KS statistic D = sup |F_a − F_b| over two samples (NaN entries ignored). */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): { d: number; p: number; na: number; nb: number } {
  const sa = Float64Array.from(a).filter((v) => !Number.isNaN(v)).sort();
  const sb = Float64Array.from(b).filter((v) => !Number.isNaN(v)).sort();
  const na = sa.length;
  const nb = sb.length;
  if (na === 0 || nb === 0) return { d: NaN, p: NaN, na, nb };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < na && j < nb) {
    const x = Math.min(sa[i], sb[j]);
    while (i < na && sa[i] === x) i++;
    while (j < nb && sb[j] === x) j++;
    d = Math.max(d, Math.abs(i / na - j / nb));
  }
  const ne = Math.sqrt((na * nb) / (na + nb));
  return { d, p: kolmogorovQ((ne + 0.12 + 0.11 / ne) * d), na, nb };
}

/** Q_KS(λ) = 2 Σ (−1)^{k−1} e^{−2k²λ²}. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  for (let k = 1; k <= 200; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/**
 * Baker–Cousins −2 ln λ = 2 Σ [ν − n + n ln(n/ν)] of observed counts n against expected ν.
 * Expected bins of 0 are floored at `floor` (a tiny count) so an event where nothing was
 * expected counts as strong evidence instead of infinity.
 */
export function poissonLikelihoodRatio(observed: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-3): number {
  if (observed.length !== expected.length) throw new RangeError(`LR: ${observed.length} observed bins vs ${expected.length} expected`);
  let s = 0;
  for (let i = 0; i < observed.length; i++) {
    const n = observed[i];
    const nu = Math.max(expected[i], floor);
    s += nu - n + (n > 0 ? n * Math.log(n / nu) : 0);
  }
  return 2 * s;
}
