import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/trigger/rng.js";
import { fitDiagGmm, fitFixedBackground, groupLassoMeans, mixtureLogPdf, type DiagGmm } from "../src/study/pad.js";
import { PYTHON, peerIt } from "./helpers/peers.js";

/** n rows from a diagonal mixture, with the component of each row. */
function draw(g: DiagGmm, n: number, rng: Rng): Float64Array {
  const x = new Float64Array(n * g.d);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform(), c = 0;
    while (c < g.k - 1 && u > g.weights[c]) { u -= g.weights[c]; c++; }
    for (let j = 0; j < g.d; j++) x[i * g.d + j] = g.means[c * g.d + j] + Math.sqrt(g.vars[c * g.d + j]) * rng.normal();
  }
  return x;
}

const BKG: DiagGmm = { k: 2, d: 3, weights: Float64Array.from([0.6, 0.4]), means: Float64Array.from([0, 0, 0, 1.5, -1, 0]), vars: Float64Array.from([1, 1, 1, 0.5, 0.8, 1]) };

describe("PAD / FBM", () => {
  peerIt("sklearn")("the background EM equals scikit-learn's GaussianMixture (diag) from the same start", () => {
    const rng = new Rng(12);
    const x = draw(BKG, 1500, rng);
    const init: DiagGmm = { k: 2, d: 3, weights: Float64Array.from([0.5, 0.5]), means: Float64Array.from([-0.5, 0.2, 0.1, 1, -0.5, 0.3]), vars: new Float64Array(6).fill(1) };
    const ours = fitDiagGmm(x, 1500, 3, { k: 2, init, iterations: 500, tol: 1e-13, regVar: 1e-6 });
    const out = execFileSync(PYTHON, [join(__dirname, "python", "gmm_sklearn.py")], {
      input: JSON.stringify({ x: Array.from(x), n: 1500, d: 3, weights: Array.from(init.weights), means: Array.from(init.means), vars: Array.from(init.vars), reg: 1e-6, iters: 500 }),
      encoding: "utf8", timeout: 60_000,
    });
    const sk = JSON.parse(out) as { weights: number[]; means: number[]; vars: number[]; mean_ll: number };
    for (let c = 0; c < 2; c++) expect(ours.weights[c]).toBeCloseTo(sk.weights[c], 4); // both stop on a tolerance: agree to ~1e-5
    for (let i = 0; i < 6; i++) expect(ours.means[i]).toBeCloseTo(sk.means[i], 3);
    for (let i = 0; i < 6; i++) expect(ours.vars[i]).toBeCloseTo(sk.vars[i], 3);
    expect(ours.logLikelihood / 1500).toBeCloseTo(sk.mean_ll, 6);
  });

  it("FBM recovers λ of a known mixture within its stated σ; no signal gives a small likelihood ratio; PAD flags the variable that carries nothing", () => {
    const sig: DiagGmm = { k: 1, d: 3, weights: Float64Array.from([1]), means: Float64Array.from([3, 3, 0]), vars: Float64Array.from([0.3, 0.3, 1]) };
    const rng = new Rng(5);
    const n = 4000, nSig = 200; // λ = 0.05
    const x = new Float64Array(n * 3);
    x.set(draw(BKG, n - nSig, rng));
    x.set(draw(sig, nSig, rng), (n - nSig) * 3);
    const fit = fitFixedBackground(x, n, 3, BKG, { k: 1, gamma1: 0, gamma2: 0 });
    expect(Math.abs(fit.lambda - 0.05)).toBeLessThan(3 * fit.lambdaError);
    expect(fit.lambdaError).toBeGreaterThan(0.001);
    expect(fit.lambdaError).toBeLessThan(0.01);
    expect(fit.signal.means[0]).toBeCloseTo(3, 0);
    expect(fit.likelihoodRatio).toBeGreaterThan(100);
    const none = fitFixedBackground(draw(BKG, n, rng), n, 3, BKG, { k: 1, gamma1: 30, gamma2: 10 });
    // Without signal a component may sit on the background (λ not identifiable there): the test statistic stays small.
    expect(none.likelihoodRatio).toBeLessThan(15);
    // PAD on the signal sample: x3 carries nothing (same mean and variance as the background) and is reported as such.
    const pad = fitFixedBackground(x, n, 3, BKG, { k: 1, gamma1: 30, gamma2: 10 });
    expect(pad.variables.map((v) => v.informative)).toEqual([true, true, false]);
    expect(Math.abs(pad.lambda - 0.05)).toBeLessThan(3 * pad.lambdaError);
  });

  it("group-lasso means: zero below the threshold, the stationarity condition above it", () => {
    const w = [100, 50], alpha = [0.6, 0.4];
    expect(groupLassoMeans([0.01, -0.02], w, alpha, 30)).toEqual([0, 0]);
    const xbar = [1, 0.5], gamma = 20;
    const mu = groupLassoMeans(xbar, w, alpha, gamma);
    const rho = Math.sqrt(alpha[0] * mu[0] ** 2 + alpha[1] * mu[1] ** 2);
    // ∂/∂μ_c: w_c(μ_c − x̄_c) + γ α_c μ_c / ρ = 0
    for (let c = 0; c < 2; c++) expect(w[c] * (mu[c] - xbar[c]) + (gamma * alpha[c] * mu[c]) / rho).toBeCloseTo(0, 6);
    expect(groupLassoMeans(xbar, w, alpha, 0)).toEqual(xbar);
  });

  it("mixture density integrates to one (1-D grid)", () => {
    const g: DiagGmm = { k: 2, d: 1, weights: Float64Array.from([0.3, 0.7]), means: Float64Array.from([-1, 2]), vars: Float64Array.from([0.5, 2]) };
    const grid = Float64Array.from({ length: 4001 }, (_, i) => -20 + i * 0.01);
    const lp = mixtureLogPdf(g, grid, grid.length);
    let s = 0;
    for (const v of lp) s += Math.exp(v) * 0.01;
    expect(s).toBeCloseTo(1, 6);
  });
});
