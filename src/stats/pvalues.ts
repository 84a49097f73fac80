/**
 * Bin-by-bin significance with a background systematic: the Poisson–Gamma (negative binomial)
 * p-value of Linnemann, "Measures of significance in HEP and astrophysics" (PHYSTAT 2003,
 * arXiv:physics/0312059) — the expectation b gets a Gamma prior with mean b and variance
 * σ_b², and the observed count is tested against the resulting marginal:
 *   N ~ NegBin(α = b²/σ_b², q = β/(1+β)), β = b/σ_b²,  P(N ≤ n) = I_q(α, n + 1).
 * With σ_b → 0 this tends to the plain Poisson p-value.
 */

/** ln Γ(x), Lanczos approximation (g = 7, n = 9; ~1e-15 relative). */
export function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for the incomplete beta (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Regularised lower incomplete gamma P(a, x) (series / continued fraction). */
export function lowerGammaP(a: number, x: number): number {
  return incompleteGamma(a, x).p;
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the far tail. */
export function upperGammaQ(a: number, x: number): number {
  return incompleteGamma(a, x).q;
}

function incompleteGamma(a: number, x: number): { p: number; q: number } {
  if (x <= 0) return { p: 0, q: 1 };
  const lnFront = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let k = 1; k < 10_000; k++) {
      term *= x / (a + k);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    const p = Math.exp(lnFront) * sum;
    return { p, q: 1 - p };
  }
  // Q(a,x) by Lentz continued fraction
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b; if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  const q = Math.exp(lnFront) * h;
  return { p: 1 - q, q };
}

/** Poisson CDF P(N ≤ n | μ) = Q(n + 1, μ). */
export function poissonCdf(n: number, mu: number): number {
  if (n < 0) return 0;
  if (mu <= 0) return 1;
  return 1 - lowerGammaP(n + 1, mu);
}

export interface BinTest {
  /** P(N ≥ n): small = significant excess. */
  pExcess: number;
  /** P(N ≤ n): small = significant deficit. */
  pDeficit: number;
}

/**
 * p-values of observing n given expectation b ± sigma (absolute, combined statistical + systematic).
 * sigma = 0 gives the plain Poisson p-values.
 */
export function binPValues(n: number, b: number, sigma: number): BinTest {
  if (!(b >= 0) || !(sigma >= 0) || !(n >= 0)) throw new RangeError(`bad bin test n=${n}, b=${b}, sigma=${sigma}`);
  if (b === 0) return { pExcess: n > 0 ? 0 : 1, pDeficit: 1 };
  let cdf: (k: number) => number;
  if (sigma === 0 || sigma / b < 1e-9) cdf = (k) => poissonCdf(k, b);
  else {
    const alpha = (b * b) / (sigma * sigma);
    const beta = b / (sigma * sigma);
    const q = beta / (1 + beta);
    cdf = (k) => (k < 0 ? 0 : incompleteBeta(q, alpha, k + 1));
  }
  return { pExcess: Math.min(1, Math.max(0, 1 - cdf(n - 1))), pDeficit: Math.min(1, Math.max(0, cdf(n))) };
}

/** One-sided Gaussian significance Z of a p-value (Acklam's inverse-normal approximation). */
export function pToZ(p: number): number {
  if (p <= 0) return Infinity;
  if (p >= 1) return -Infinity;
  const q = 1 - p; // Z = Φ⁻¹(1 − p)
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (q < lo) {
    const t = Math.sqrt(-2 * Math.log(q));
    return (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
  }
  if (q > 1 - lo) {
    const t = Math.sqrt(-2 * Math.log(p));
    return -(((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) / ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
  }
  const t = q - 0.5;
  const r = t * t;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * t) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Survival function of χ² with `dof` degrees of freedom: P(X ≥ t). */
export function chi2Sf(t: number, dof: number): number {
  if (!(dof > 0)) throw new RangeError(`χ² dof must be > 0, got ${dof}`);
  return t <= 0 ? 1 : upperGammaQ(dof / 2, t / 2);
}

export function chi2Cdf(t: number, dof: number): number {
  return t <= 0 ? 0 : lowerGammaP(dof / 2, t / 2);
}

/** Standard normal upper tail P(Z ≥ z) (erfc by a continued fraction / series via Q(½, z²/2)). */
export function zToP(z: number): number {
  if (z === Infinity) return 0;
  if (z === -Infinity) return 1;
  const q = 0.5 * upperGammaQ(0.5, (z * z) / 2);
  return z >= 0 ? q : 1 - q;
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return zToP(-z); // P(Z ≥ −z): no 1 − tiny cancellation in the lower tail
}

/** n-point Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_n; Numerical Recipes §4.6). */
export function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n), w = new Float64Array(n);
  for (let i = 0; i < (n + 1) >> 1; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1, p2 = 0;
      for (let j = 1; j <= n; j++) { const p3 = p2; p2 = p1; p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j; }
      pp = (n * (z * p1 - p2)) / (z * z - 1);
      const dz = p1 / pp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    x[i] = -z; x[n - 1 - i] = z;
    w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * pp * pp);
  }
  return { x, w };
}

const GL64 = gaussLegendre(64);

/**
 * The H1 / ATLAS general-search p-value of a region: n observed against an expectation b ± σ
 * with a Gaussian prior on the expectation, truncated at 0 and renormalised,
 *   p = ∫ G(β; b, σ) P(N ≥ n | β) dβ / ∫ G(β; b, σ) dβ   (excess, n ≥ b),
 *   p = ∫ G(β; b, σ) P(N ≤ n | β) dβ / ∫ G(β; b, σ) dβ   (deficit, n < b),
 * integrated by 64-point Gauss–Legendre over [max(0, b − 8σ), b + 8σ]; σ = 0 is the plain Poisson tail.
 */
export function poissonGaussianPValue(n: number, b: number, sigma: number): { p: number; excess: boolean } {
  if (!(n >= 0) || !(b > 0) || !(sigma >= 0)) throw new RangeError(`bad region n=${n}, b=${b}, σ=${sigma}`);
  const excess = n >= b;
  const tail = (beta: number) => (excess ? (n === 0 ? 1 : lowerGammaP(n, beta)) : upperGammaQ(n + 1, beta));
  if (sigma === 0 || sigma < 1e-9 * b) return { p: tail(b), excess };
  const lo = Math.max(0, b - 8 * sigma), hi = b + 8 * sigma;
  const half = (hi - lo) / 2, mid = (hi + lo) / 2;
  let num = 0, den = 0;
  for (let i = 0; i < GL64.x.length; i++) {
    const beta = mid + half * GL64.x[i];
    const g = GL64.w[i] * Math.exp(-0.5 * ((beta - b) / sigma) ** 2);
    if (beta <= 0) continue;
    num += g * tail(beta);
    den += g;
  }
  return { p: den > 0 ? Math.min(1, num / den) : 1, excess };
}
