/**
 * Gaussian-process regression with a known per-point noise variance (Rasmussen & Williams,
 * "Gaussian Processes for Machine Learning", 2006, Algorithm 2.1): Cholesky of K + Σ, the log
 * marginal likelihood
 *   log p(y|θ) = −½ yᵀ(K+Σ)⁻¹y − Σ log L_ii − (n/2) log 2π,
 * and the posterior mean K_* (K+Σ)⁻¹ y of any component kernel K_* (the full kernel for the
 * prediction, or one additive part of it, e.g. the signal part of background + signal).
 */
import { cholesky, choleskySolve } from "./linalg.js";

export type Kernel = (a: number, b: number) => number;

export function gram(kernel: Kernel, x: ArrayLike<number>, z: ArrayLike<number> = x): Float64Array {
  const k = new Float64Array(x.length * z.length);
  for (let i = 0; i < x.length; i++) for (let j = 0; j < z.length; j++) k[i * z.length + j] = kernel(x[i], z[j]);
  return k;
}

export interface GpFit {
  /** (K+Σ)⁻¹ (y − mean). */
  alpha: Float64Array;
  logMarginalLikelihood: number;
  n: number;
}

/** Fit: null when K + Σ is not positive definite (a hyperparameter point to reject). */
export function gpFit(kernel: Kernel, x: ArrayLike<number>, y: ArrayLike<number>, noiseVariance: ArrayLike<number>, mean: ArrayLike<number> | null = null): GpFit | null {
  const n = x.length;
  const k = gram(kernel, x);
  for (let i = 0; i < n; i++) k[i * n + i] += noiseVariance[i];
  return gpFitCovariance(k, n, y, mean);
}

/** The same from a ready covariance K + Σ (n × n, overwritten by its Cholesky factor). */
export function gpFitCovariance(k: Float64Array, n: number, y: ArrayLike<number>, mean: ArrayLike<number> | null = null): GpFit | null {
  if (!cholesky(k, n)) return null;
  const r = Float64Array.from(y, (v, i) => v - (mean ? mean[i] : 0));
  const alpha = choleskySolve(k, n, r);
  let quad = 0, logDet = 0;
  for (let i = 0; i < n; i++) { quad += r[i] * alpha[i]; logDet += Math.log(k[i * n + i]); }
  return { alpha, logMarginalLikelihood: -0.5 * quad - logDet - 0.5 * n * Math.log(2 * Math.PI), n };
}

/** Posterior mean at `at` of the component `kernel` (plus `mean` there when given). */
export function gpPosteriorMean(fit: GpFit, kernel: Kernel, x: ArrayLike<number>, at: ArrayLike<number>, meanAt: ArrayLike<number> | null = null): Float64Array {
  const out = new Float64Array(at.length);
  for (let i = 0; i < at.length; i++) {
    let s = meanAt ? meanAt[i] : 0;
    for (let j = 0; j < x.length; j++) s += kernel(at[i], x[j]) * fit.alpha[j];
    out[i] = s;
  }
  return out;
}
