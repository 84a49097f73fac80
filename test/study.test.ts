/** Studies: ROC/AUC against a brute-force Mann–Whitney, KS/LR basics, injection and k-fold. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { auc, rocCurve, tprAtFprOnCurve } from "../src/stats/roc.js";
import { ksStatistic, poissonLikelihoodRatio } from "../src/stats/twosample.js";
import { kfoldCompare, meanStd, trainerFor, trainerNames } from "../src/study/kfold.js";
import { collectSample } from "../src/scoring/sample.js";
import { generateOrbits } from "../src/trigger/index.js";
import { fixtureInject, fixtureKfold } from "./report-fixture.js";

describe("metrics", () => {
  it("AUC equals the Mann–Whitney U / (nb·ns) with ties as ½", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 40 }), (b, s) => {
      let u = 0;
      for (const x of s) for (const y of b) u += x > y ? 1 : x === y ? 0.5 : 0;
      expect(auc(rocCurve(b, s))).toBeCloseTo(u / (b.length * s.length), 12);
    }), { numRuns: 200 });
  });
  it("TPR at FPR and KS/LR limits", () => {
    const roc = rocCurve([1, 2, 3, 4], [5, 6, 3.5, 0]);
    expect(tprAtFprOnCurve(roc, 0)).toBe(0.5);
    expect(ksStatistic([1, 2, 3], [1, 2, 3]).d).toBe(0);
    expect(ksStatistic([1, 2, 3], [7, 8, 9]).d).toBe(1);
    expect(poissonLikelihoodRatio([3, 4, 5], [3, 4, 5])).toBe(0);
    expect(poissonLikelihoodRatio([10, 4], [3, 4])).toBeGreaterThan(0);
    expect(meanStd([1, 2, 3])).toEqual({ mean: 2, std: 1 });
  });
});

describe("signal injection", () => {
  const r = fixtureInject();
  it("injects nothing at f = 0 and more signal passes the cut as f grows", () => {
    expect(r.rows.map((x) => x.fraction)).toEqual([0, 0.01, 0.1]);
    expect(r.rows[0].injected).toBe(0);
    expect(r.rows[0].selectedSignal).toBe(0);
    expect(r.rows[2].selectedSignal).toBeGreaterThan(r.rows[1].selectedSignal);
    expect(r.rows[2].scoreLr).toBeGreaterThan(r.rows[0].scoreLr);
    expect(r.rows[2].scoreKs).toBeGreaterThan(r.rows[0].scoreKs);
    expect(r.rows[2].scoreMeanShift).toBeGreaterThan(r.rows[0].scoreMeanShift);
    for (const x of r.rows) expect(x.variableCounts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(x.selected);
  });
});

describe("k-fold", () => {
  it("gives mean ± std of the per-fold AUCs for each model and signal", () => {
    const r = fixtureKfold();
    expect(r.rows.map((x) => x.model)).toEqual(["IF-10", "IF-30"]);
    for (const row of r.rows) {
      expect(row.aucs).toHaveLength(3);
      expect(row.mean).toBeCloseTo(meanStd(row.aucs).mean, 12);
      expect(row.mean).toBeGreaterThan(0.5);
      expect(row.std).toBeGreaterThanOrEqual(0);
    }
  });
  it("retrains the float-only extended forest per fold, compared on its float score even in fixed precision", () => {
    expect(trainerNames()).toEqual(expect.arrayContaining(["IF", "AE", "GMM", "EIF"]));
    const bkg = collectSample(generateOrbits({ seed: 8, orbits: 1 }), 900);
    const sig = collectSample(generateOrbits({ seed: 9, orbits: 1, signal: "Ato4l", injectFraction: 1 }), 200);
    const r = kfoldCompare({ background: bkg, signals: [{ name: "Ato4l", sample: sig }], candidates: [{ name: "EIF", trainer: trainerFor("EIF") }], k: 2, seed: 3, precision: "fixed" });
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0].aucs).toHaveLength(2);
    expect(r.rows[0].mean).toBeGreaterThan(0.7);
  });
});
