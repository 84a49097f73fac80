/**
 * FBM and PAD: semi-supervised anomaly detection with Gaussian mixtures.
 *  - FBM, the fixed-background model (Vatanen, Kuusela et al., IJCNN 2012; arXiv:1112.3329): a
 *    background mixture f_B fitted by EM on a background sample and frozen; the data are fitted as
 *    (1 − λ) f_B + λ f_S, EM over λ and the signal mixture f_S only.
 *  - PAD, the penalised version (AMVA4NewPhysics D4.2; the penalty here is ours, the seed slides'
 *    form adapted to diagonal covariances so every M-step is closed form):
 *      ℓ_pen = Σ_i log f(x_i) − γ₁ Σ_j √(Σ_k α_k μ_kj²) − (γ₂/2) Σ_k Σ_j (log v_kj + 1/v_kj)
 *    in inputs standardised on the background. γ₁ is a group lasso per variable j across the
 *    signal components: it sets a variable's signal means to the background mean (0) jointly; γ₂
 *    shrinks each variance (the eigenvalues of a diagonal covariance) toward the background's (1),
 *    v = (S + γ₂)/(R + γ₂), an inverse-gamma prior worth γ₂ events. A variable whose means are all
 *    zeroed and whose variances stay within `varianceTolerance` of 1 is reported uninformative.
 * λ's uncertainty is 1/√I(λ̂) with the observed information I = Σ_i ((f_S − f_B)/f)²; the
 * likelihood ratio 2[ℓ(λ̂) − ℓ(0)] (unpenalised) is reported beside it.
 */
import { Rng } from "../trigger/rng.js";
import { auc, rocCurve } from "../stats/roc.js";

/** Diagonal-covariance Gaussian mixture, row-major K × d means and variances. */
export interface DiagGmm {
  k: number;
  d: number;
  weights: Float64Array;
  means: Float64Array;
  vars: Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * log f(x_i) of the two-part mixture f = (1−λ) f_B + λ f_S, from the background log density logBi
 * and the signal mixture; leaves the component log densities in lp and log f_S(x_i) in logS[i].
 */
function mixtureLogDensity(sig: DiagGmm, x: Float64Array, i: number, logBi: number, lambda: number, lp: Float64Array, logS: Float64Array): number {
  componentLogPdf(sig, x, i, lp);
  logS[i] = logSumExp(lp, sig.weights);
  const a = Math.log1p(-lambda) + logBi, b = Math.log(lambda) + logS[i];
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** log N(x; μ_k, diag v_k) for every component, into `out` (length K). */
function componentLogPdf(g: DiagGmm, x: Float64Array, row: number, out: Float64Array): void {
  for (let c = 0; c < g.k; c++) {
    let s = 0;
    for (let j = 0; j < g.d; j++) {
      const v = g.vars[c * g.d + j];
      const u = x[row * g.d + j] - g.means[c * g.d + j];
      s += Math.log(v) + (u * u) / v;
    }
    out[c] = -0.5 * (s + g.d * LOG_2PI);
  }
}

function logSumExp(a: Float64Array, w: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (w[i] > 0) m = Math.max(m, a[i] + Math.log(w[i]));
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < a.length; i++) if (w[i] > 0) s += Math.exp(a[i] + Math.log(w[i]) - m);
  return m + Math.log(s);
}

/** log f(x_i) of a mixture for every row. */
export function mixtureLogPdf(g: DiagGmm, x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  const lp = new Float64Array(g.k);
  for (let i = 0; i < n; i++) { componentLogPdf(g, x, i, lp); out[i] = logSumExp(lp, g.weights); }
  return out;
}

export interface GmmFitOptions {
  k: number;
  iterations?: number;
  tol?: number;
  /** Added to every variance (sklearn's reg_covar). */
  regVar?: number;
  seed?: number;
  /** Start from these parameters instead of random rows (for cross-checks). */
  init?: DiagGmm;
}

/** Plain EM for a diagonal mixture (sklearn GaussianMixture(covariance_type="diag") semantics). */
export function fitDiagGmm(x: Float64Array, n: number, d: number, o: GmmFitOptions): DiagGmm & { logLikelihood: number; iterations: number } {
  const k = o.k, regVar = o.regVar ?? 1e-6, iters = o.iterations ?? 200, tol = o.tol ?? 1e-8;
  let g: DiagGmm;
  if (o.init) g = { k, d, weights: Float64Array.from(o.init.weights), means: Float64Array.from(o.init.means), vars: Float64Array.from(o.init.vars) };
  else {
    const rng = new Rng(o.seed ?? 1, 77);
    const means = new Float64Array(k * d);
    for (let c = 0; c < k; c++) { const r = Math.floor(rng.uniform() * n); means.set(x.subarray(r * d, r * d + d), c * d); }
    g = { k, d, weights: new Float64Array(k).fill(1 / k), means, vars: new Float64Array(k * d).fill(1) };
  }
  const resp = new Float64Array(n * k);
  const lp = new Float64Array(k);
  let prev = -Infinity, ll = -Infinity, it = 0;
  for (; it < iters; it++) {
    ll = 0;
    for (let i = 0; i < n; i++) {
      componentLogPdf(g, x, i, lp);
      const tot = logSumExp(lp, g.weights);
      ll += tot;
      for (let c = 0; c < k; c++) resp[i * k + c] = g.weights[c] > 0 ? Math.exp(lp[c] + Math.log(g.weights[c]) - tot) : 0;
    }
    ll /= n;
    if (Math.abs(ll - prev) < tol) break;
    prev = ll;
    mStep(g, x, n, resp, 0, k, regVar, 0, 0);
    let tw = 0;
    for (let c = 0; c < k; c++) tw += g.weights[c];
    for (let c = 0; c < k; c++) g.weights[c] /= tw;
  }
  return { ...g, logLikelihood: ll * n, iterations: it };
}

/**
 * M-step over components [c0, c0 + k) of `g`, with responsibilities in columns of `resp` (stride
 * `stride`, offset c0 within a row). γ₁ group lasso on the means, γ₂ variance shrinkage toward 1.
 * Sets unnormalised weights R_k.
 */
function mStep(g: DiagGmm, x: Float64Array, n: number, resp: Float64Array, c0: number, stride: number, regVar: number, gamma1: number, gamma2: number): void {
  const { k, d } = g;
  const R = new Float64Array(k), sx = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i * stride + c0 + c];
      R[c] += r;
      for (let j = 0; j < d; j++) sx[c * d + j] += r * x[i * d + j];
    }
  }
  const totR = R.reduce((a, v) => a + v, 0) || 1;
  for (let c = 0; c < k; c++) g.weights[c] = R[c];
  const xbar = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) xbar[c * d + j] = R[c] > 0 ? sx[c * d + j] / R[c] : 0;
  // Means: the group-lasso step per variable (exact; see groupLassoMeans), then variances at the new means.
  for (let j = 0; j < d; j++) {
    const alpha = Array.from(R, (r) => r / totR);
    const w = Array.from({ length: k }, (_, c) => R[c] / g.vars[c * d + j]);
    const xb = Array.from({ length: k }, (_, c) => xbar[c * d + j]);
    const mu = gamma1 > 0 ? groupLassoMeans(xb, w, alpha, gamma1) : xb;
    for (let c = 0; c < k; c++) g.means[c * d + j] = mu[c];
  }
  const ss = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i * stride + c0 + c];
      if (r === 0) continue;
      for (let j = 0; j < d; j++) { const u = x[i * d + j] - g.means[c * d + j]; ss[c * d + j] += r * u * u; }
    }
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) {
    g.vars[c * d + j] = R[c] + gamma2 > 0 ? (ss[c * d + j] + gamma2) / (R[c] + gamma2) + regVar : 1;
  }
}

/**
 * argmin_μ Σ_c (w_c/2)(μ_c − x̄_c)² + γ √(Σ_c α_c μ_c²): zero when √(Σ_c (w_c x̄_c)²/α_c) ≤ γ,
 * otherwise μ_c = x̄_c / (1 + γ α_c /(w_c ρ)) with ρ = √(Σ α_c μ_c²) found by bisection.
 */
export function groupLassoMeans(xbar: number[], w: number[], alpha: number[], gamma: number): number[] {
  const k = xbar.length;
  let z = 0;
  for (let c = 0; c < k; c++) if (alpha[c] > 0) z += (w[c] * xbar[c]) ** 2 / alpha[c];
  if (Math.sqrt(z) <= gamma) return new Array<number>(k).fill(0);
  const muOf = (rho: number) => xbar.map((x, c) => (w[c] > 0 ? x / (1 + (gamma * alpha[c]) / (w[c] * rho)) : 0));
  const norm = (mu: number[]) => Math.sqrt(mu.reduce((a, m, c) => a + alpha[c] * m * m, 0));
  let lo = 0, hi = norm(xbar);
  for (let it = 0; it < 100; it++) {
    const mid = (lo + hi) / 2;
    if (norm(muOf(mid)) > mid) lo = mid; else hi = mid;
  }
  return muOf((lo + hi) / 2);
}

export interface FbmOptions {
  /** Signal components. */
  k: number;
  gamma1: number;
  gamma2: number;
  iterations?: number;
  tol?: number;
  seed?: number;
  /** A variable is uninformative when its signal means are all 0 and every |v − 1| is below this. */
  varianceTolerance?: number;
}

export interface FbmFit {
  lambda: number;
  lambdaError: number;
  /** 2[ℓ(λ̂) − ℓ(0)], unpenalised. */
  likelihoodRatio: number;
  penalisedLogLikelihood: number;
  iterations: number;
  signal: DiagGmm;
  /** Per variable: √(Σ_k α_k μ_kj²), max_k |log v_kj|, and the verdict. */
  variables: Array<{ groupNorm: number; maxLogVarRatio: number; informative: boolean }>;
  /** Posterior signal probability of each data row. */
  signalProbability: Float64Array;
}

/** The fixed-background fit (PAD with γ₁, γ₂ > 0; FBM with both 0) of standardised data. */
export function fitFixedBackground(x: Float64Array, n: number, d: number, background: DiagGmm, o: FbmOptions): FbmFit {
  const k = o.k, iters = o.iterations ?? 300, tol = o.tol ?? 1e-9;
  const logB = mixtureLogPdf(background, x, n);
  // Start the signal components on the rows the background explains worst.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logB[a] - logB[b]);
  const rng = new Rng(o.seed ?? 1, 91);
  const means = new Float64Array(k * d);
  const tail = Math.max(k, Math.floor(0.02 * n));
  for (let c = 0; c < k; c++) { const r = order[Math.floor(rng.uniform() * tail)]; means.set(x.subarray(r * d, r * d + d), c * d); }
  const sig: DiagGmm = { k, d, weights: new Float64Array(k).fill(1 / k), means, vars: new Float64Array(k * d).fill(1) };
  let lambda = 0.05;
  const resp = new Float64Array(n * k);
  const lp = new Float64Array(k);
  const logS = new Float64Array(n);
  let prev = -Infinity, pll = -Infinity, it = 0;
  const penalty = () => {
    let p1 = 0, p2 = 0;
    for (let j = 0; j < d; j++) { let s = 0; for (let c = 0; c < k; c++) s += sig.weights[c] * sig.means[c * d + j] ** 2; p1 += Math.sqrt(s); }
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) { const v = sig.vars[c * d + j]; p2 += Math.log(v) + 1 / v; }
    return o.gamma1 * p1 + 0.5 * o.gamma2 * p2;
  };
  for (; it < iters; it++) {
    let ll = 0, lamSum = 0;
    for (let i = 0; i < n; i++) {
      const tot = mixtureLogDensity(sig, x, i, logB[i], lambda, lp, logS);
      const b = Math.log(lambda) + logS[i];
      ll += tot;
      const ps = Math.exp(b - tot);
      lamSum += ps;
      for (let c = 0; c < k; c++) resp[i * k + c] = sig.weights[c] > 0 ? ps * Math.exp(lp[c] + Math.log(sig.weights[c]) - logS[i]) : 0;
    }
    pll = ll - penalty();
    if (Math.abs(pll - prev) < tol * Math.abs(pll)) break;
    prev = pll;
    lambda = Math.min(1 - 1e-9, Math.max(1e-9, lamSum / n));
    mStep(sig, x, n, resp, 0, k, 1e-6, o.gamma1, o.gamma2);
    let tw = 0;
    for (let c = 0; c < k; c++) tw += sig.weights[c];
    for (let c = 0; c < k; c++) sig.weights[c] = tw > 0 ? sig.weights[c] / tw : 1 / k;
  }
  // Final quantities at the fitted parameters.
  let ll1 = 0, ll0 = 0, info = 0;
  const prob = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const tot = mixtureLogDensity(sig, x, i, logB[i], lambda, lp, logS);
    const b = Math.log(lambda) + logS[i];
    ll1 += tot;
    ll0 += logB[i];
    prob[i] = Math.exp(b - tot);
    // (f_S − f_B)/f with f = (1−λ) f_B + λ f_S, computed relative to f to stay finite.
    const dlog = Math.exp(logS[i] - tot) - Math.exp(logB[i] - tot);
    info += Number.isFinite(dlog) ? dlog * dlog : 0;
  }
  const tolVar = o.varianceTolerance ?? 0.2;
  const variables = Array.from({ length: d }, (_, j) => {
    let s = 0, mv = 0;
    for (let c = 0; c < k; c++) { s += sig.weights[c] * sig.means[c * d + j] ** 2; mv = Math.max(mv, Math.abs(Math.log(sig.vars[c * d + j]))); }
    const groupNorm = Math.sqrt(s);
    return { groupNorm, maxLogVarRatio: mv, informative: !(groupNorm === 0 && mv < tolVar) };
  });
  return { lambda, lambdaError: info > 0 ? 1 / Math.sqrt(info) : NaN, likelihoodRatio: 2 * (ll1 - ll0), penalisedLogLikelihood: pll, iterations: it, signal: sig, variables, signalProbability: prob };
}

/** Probability-weighted AUC of the per-row signal probability against truth labels. */
export function signalAuc(prob: Float64Array, truth: Uint8Array): number {
  const b: number[] = [], s: number[] = [];
  for (let i = 0; i < prob.length; i++) (truth[i] ? s : b).push(prob[i]);
  return s.length && b.length ? auc(rocCurve(b, s)) : NaN;
}
