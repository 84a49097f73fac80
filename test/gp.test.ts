import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gpFit, gpPosteriorMean } from "../src/stats/gp.js";
import { minimiseFrom } from "../src/stats/optimize.js";
import { poissonDraw } from "../src/stats/random.js";
import { Rng } from "../src/trigger/rng.js";
import { dijetExpectation, fitBackground, fitSignal, gaussianExpectation, gpInjectionStudy, poissonToy, signalKernel } from "../src/study/gp-search.js";
import { PYTHON, peerIt } from "./helpers/peers.js";

const rbf = (A: number, l: number) => (x: number, z: number) => A * Math.exp(-((x - z) ** 2) / (2 * l * l));

describe("GP regression core", () => {
  peerIt("sklearn")("stationary case: log marginal likelihood, posterior mean and the optimum equal sklearn's GaussianProcessRegressor", () => {
    const rng = new Rng(4);
    const x = Array.from({ length: 30 }, (_, i) => i / 10);
    const y = x.map((v) => 50 * Math.sin(v) + 100 + 5 * rng.normal());
    const noise = y.map(() => 25);
    const ours = gpFit(rbf(2000, 0.7), x, y, noise)!;
    const mean = gpPosteriorMean(ours, rbf(2000, 0.7), x, x);
    // Our own optimum of the same two hyperparameters (log space).
    const nll = (t: Float64Array) => { const f = gpFit(rbf(Math.exp(t[0]), Math.exp(t[1])), x, y, noise); return f ? -f.logMarginalLikelihood : Infinity; };
    const best = minimiseFrom(nll, [[Math.log(2000), Math.log(0.7)], [Math.log(1e4), Math.log(2)]], [1, 0.5]);
    const out = execFileSync(PYTHON, [join(__dirname, "python", "gp_sklearn.py")], { input: JSON.stringify({ x, y, noise, amplitude: 2000, length: 0.7 }), encoding: "utf8", timeout: 60_000 });
    const sk = JSON.parse(out) as { lml: number; mean: number[]; opt_amplitude: number; opt_length: number; opt_lml: number };
    expect(ours.logMarginalLikelihood).toBeCloseTo(sk.lml, 8);
    for (let i = 0; i < x.length; i++) expect(mean[i]).toBeCloseTo(sk.mean[i], 7);
    expect(-best.value).toBeCloseTo(sk.opt_lml, 4);
    expect(Math.exp(best.x[1]) / sk.opt_length).toBeCloseTo(1, 2);
  });

  it("PTRS Poisson draws have the right mean and variance (large and small means)", () => {
    const rng = new Rng(8);
    for (const mu of [3.5, 40, 2500]) {
      const n = 20000;
      let s = 0, s2 = 0;
      for (let i = 0; i < n; i++) { const k = poissonDraw(mu, () => rng.uniform()); s += k; s2 += k * k; }
      const mean = s / n, v = s2 / n - mean * mean;
      expect(Math.abs(mean - mu)).toBeLessThan(5 * Math.sqrt(mu / n));
      expect(Math.abs(v / mu - 1)).toBeLessThan(0.05);
    }
  });
});

describe("GP resonance search", () => {
  const edges = Array.from({ length: 31 }, (_, i) => 1 + (2.5 * i) / 30);
  it("the signal kernel finds an injected resonance's mass and most of its yield; the background-only fit describes the template", () => {
    const bkgExp = dijetExpectation(edges, 5e4);
    const bkg = fitBackground({ edges, counts: poissonToy(bkgExp, new Rng(1)), unit: "TeV" });
    // Background-only fit is within Poisson noise of the truth (χ²/bin of order 1).
    let chi2 = 0;
    bkg.mean.forEach((m, i) => (chi2 += (m - bkgExp[i]) ** 2 / bkgExp[i]));
    expect(chi2 / bkgExp.length).toBeLessThan(1.5);
    const sig = gaussianExpectation(edges, 800, 2.0, 0.08);
    const counts = poissonToy(bkgExp.map((b, i) => b + sig[i]), new Rng(2));
    const fit = fitSignal({ edges, counts, unit: "TeV" }, bkg.params);
    expect(Math.abs(fit.params.mass - 2.0)).toBeLessThan(0.05);
    expect(fit.yield).toBeGreaterThan(500);
    expect(fit.yield).toBeLessThan(1100);
    expect(fit.deltaLogL2).toBeGreaterThan(25);
    // The extracted signal sits under the peak.
    const peak = fit.signal.indexOf(Math.max(...fit.signal));
    expect(Math.abs((edges[peak] + edges[peak + 1]) / 2 - 2.0)).toBeLessThan(0.1);
    expect(signalKernel(fit.params)(2.0, 2.0)).toBeCloseTo(fit.params.amplitude * Math.exp(-2 * (2.0 - fit.params.mass) ** 2 / (2 * fit.params.width ** 2)), 9);
  }, 60_000);

  it("injection table: R̂ grows with R, the spurious signal at R = 0 stays small", () => {
    const r = gpInjectionStudy({ edges, backgroundEvents: 5e4, mass: 2.0, width: 0.08, injected: [0, 1000], toys: 2, seed: 3 });
    expect(r.rows.map((x) => x.injected)).toEqual([0, 1000]);
    expect(r.rows[1].yield.median).toBeGreaterThan(600);
    expect(Math.abs(r.rows[1].mass.median - 2.0)).toBeLessThan(0.05);
    expect(Math.abs(r.rows[0].yield.median)).toBeLessThan(300);
    expect(r.example.injected).toBe(1000);
  }, 60_000);
});
