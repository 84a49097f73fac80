/**
 * The kernel NPLM model (Letizia et al., EPJC 82 (2022) 879, the Falkon version of D'Agnolo &
 * Wulzer, PRD 99 (2019) 015014) without Falkon: f(x) = Σ_j β_j φ_j(x) on the Nyström feature map
 * of M Gaussian-kernel centres, φ(x) = L⁻¹ k_M(x) with L Lᵀ = K_MM + εI, so ‖f‖²_H = ‖β‖². It
 * minimises the weighted logistic loss (label 1 = data, 0 = reference with weight w_R = N_D/N_R)
 *
 *   J(β) = (1/n) [ Σ_D log(1 + e^{−f}) + w_R Σ_R log(1 + e^{f}) ] + (λ/2) ‖β‖²,
 *
 * whose pointwise minimiser is f = log[n_D(x) / (w_R n_R(x))], by damped Newton (the Hessian is
 * M×M), and gives the extended-likelihood test statistic from the in-sample f,
 *
 *   t = 2 [ Σ_D f − w_R Σ_R (e^{f} − 1) ]   (NPLM-FLK compute_t).
 *
 * Rows are row-major Float64Array, n × d.
 */
import { native } from "../native.js";
import { cholesky, choleskySolve } from "../stats/linalg.js";

/** "native" runs the two O(n·M²) passes in native/nplm.cc; "ts" is the reference. */
export type NplmBackend = "native" | "ts";

/** False when the addon was built before native/nplm.cc existed (rebuild: npm run build:native). */
export const HAVE_NATIVE_NPLM = typeof (native as { nplmNewton?: unknown }).nplmNewton === "function";

function requireNative(): void {
  if (!HAVE_NATIVE_NPLM) throw new Error("the native addon has no NPLM fit (built before native/nplm.cc): run `npm run build:native`, or use --backend ts");
}

export interface KernelBasis {
  /** M × d centres. */
  centres: Float64Array;
  m: number;
  d: number;
  sigma: number;
  /** Cholesky factor of K_MM + εI (M × M). */
  chol: Float64Array;
}

/** Gaussian kernel Gram of the centres, its jittered Cholesky factor: the Nyström basis. */
export function kernelBasis(centres: Float64Array, m: number, d: number, sigma: number): KernelBasis {
  if (!(sigma > 0)) throw new RangeError(`kernel width σ must be > 0, got ${sigma}`);
  const k = new Float64Array(m * m);
  const g = -1 / (2 * sigma * sigma);
  for (let i = 0; i < m; i++) {
    k[i * m + i] = 1;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) { const u = centres[i * d + c] - centres[j * d + c]; s += u * u; }
      k[i * m + j] = k[j * m + i] = Math.exp(g * s);
    }
  }
  // Jitter: a Gaussian Gram of nearby centres is numerically singular; εI keeps the factor finite
  // and only adds ε‖α‖² to the norm (Falkon's preconditioner does the same).
  for (let eps = 1e-10 * m; ; eps *= 10) {
    const a = Float64Array.from(k);
    for (let i = 0; i < m; i++) a[i * m + i] += eps;
    if (cholesky(a, m)) return { centres, m, d, sigma, chol: a };
    if (eps > 1) throw new Error("kernel Gram matrix is not positive definite even with jitter 1");
  }
}

/** Nyström features φ = L⁻¹ k_M(x) of n rows (n × M). */
export function nystromFeatures(basis: KernelBasis, x: Float64Array, n: number, backend: NplmBackend = "ts"): Float64Array {
  const { centres, m, d, sigma, chol } = basis;
  if (backend === "native") {
    requireNative();
    const out = new Float64Array(n * m);
    native.nplmFeatures(x, n, d, centres, m, sigma, chol, out);
    return out;
  }
  const g = -1 / (2 * sigma * sigma);
  const out = new Float64Array(n * m);
  for (let r = 0; r < n; r++) {
    const o = r * m;
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) { const u = x[r * d + c] - centres[j * d + c]; s += u * u; }
      out[o + j] = Math.exp(g * s);
    }
    for (let i = 0; i < m; i++) { // forward substitution L z = k
      let s = out[o + i];
      for (let k = 0; k < i; k++) s -= chol[i * m + k] * out[o + k];
      out[o + i] = s / chol[i * m + i];
    }
  }
  return out;
}

export interface LogisticFit {
  beta: Float64Array;
  /** f at every training row. */
  f: Float64Array;
  objective: number;
  iterations: number;
  converged: boolean;
}

const softplus = (z: number) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Weighted L2 logistic regression without intercept on features phi (n × m): labels y, weights w,
 * objective (1/n) Σ w_i ℓ(y_i, φ_iᵀβ) + (λ/2)‖β‖², damped Newton to a Newton decrement of `tol`.
 */
export function weightedLogistic(phi: Float64Array, n: number, m: number, y: Uint8Array, w: Float64Array, lambda: number, maxIter = 100, tol = 1e-12, backend: NplmBackend = "ts"): LogisticFit {
  if (backend === "native") {
    requireNative();
    const beta = new Float64Array(m), f = new Float64Array(n), info = new Float64Array(4);
    native.nplmNewton(phi, n, m, y, w, lambda, maxIter, tol, beta, f, info);
    if (info[3]) throw new Error("NPLM Newton step: Hessian not positive definite (λ too small?)");
    return { beta, f, objective: info[0], iterations: info[1], converged: info[2] === 1 };
  }
  const beta = new Float64Array(m);
  const f = new Float64Array(n);
  const objective = (b: Float64Array, fOut: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let z = 0;
      const o = i * m;
      for (let j = 0; j < m; j++) z += phi[o + j] * b[j];
      fOut[i] = z;
      s += w[i] * softplus(y[i] ? -z : z);
    }
    let r = 0;
    for (let j = 0; j < m; j++) r += b[j] * b[j];
    return s / n + 0.5 * lambda * r;
  };
  let j0 = objective(beta, f);
  const grad = new Float64Array(m);
  const h = new Float64Array(m * m);
  const trial = new Float64Array(m);
  const fTrial = new Float64Array(n);
  let converged = false;
  let it = 0;
  for (; it < maxIter; it++) {
    grad.fill(0);
    h.fill(0);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(f[i]);
      const gi = (w[i] * (p - y[i])) / n;
      const hi = (w[i] * p * (1 - p)) / n;
      const o = i * m;
      for (let a = 0; a < m; a++) {
        const pa = phi[o + a];
        grad[a] += gi * pa;
        const hpa = hi * pa;
        const ra = a * m;
        for (let b = 0; b <= a; b++) h[ra + b] += hpa * phi[o + b];
      }
    }
    for (let a = 0; a < m; a++) {
      grad[a] += lambda * beta[a];
      h[a * m + a] += lambda;
      for (let b = 0; b < a; b++) h[b * m + a] = h[a * m + b];
    }
    if (!cholesky(h, m)) throw new Error("NPLM Newton step: Hessian not positive definite (λ too small?)");
    const step = choleskySolve(h, m, grad);
    let decrement = 0;
    for (let a = 0; a < m; a++) decrement += grad[a] * step[a];
    if (decrement / 2 < tol) { converged = true; break; }
    let t = 1;
    let j1 = Infinity;
    for (let ls = 0; ls < 40; ls++, t /= 2) {
      for (let a = 0; a < m; a++) trial[a] = beta[a] - t * step[a];
      j1 = objective(trial, fTrial);
      if (j1 <= j0 - 0.25 * t * decrement) break;
    }
    if (!(j1 < j0)) { converged = decrement / 2 < 1e-8; break; } // no descent left: at the float floor
    beta.set(trial);
    f.set(fTrial);
    j0 = j1;
  }
  return { beta, f, objective: j0, iterations: it, converged };
}

/** t = 2 [Σ_D f − w_R Σ_R (e^f − 1)] from in-sample f (data rows flagged by y = 1). */
export function nplmT(f: Float64Array, y: Uint8Array, wRef: number): number {
  let sd = 0, sr = 0;
  for (let i = 0; i < f.length; i++) {
    if (y[i]) sd += f[i];
    else sr += Math.expm1(f[i]);
  }
  return 2 * (sd - wRef * sr);
}
