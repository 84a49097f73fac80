// ROC/PR metrics against a textbook case and against Debian's python3-sklearn on the same arrays.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { histogram, kFold, prAuc, rocAuc, rocCurve, thresholdForRate, tprAtFpr } from "../src/stats/index.js";
import { seededRandom } from "../src/scoring/iforest.js";
import { peerDescribe } from "./helpers/peers.js";

describe("ROC AUC", () => {
  it("textbook case: AUC = fraction of (signal, background) pairs ordered correctly, ties ½", () => {
    // Pairs: s=0.35 beats b=0.1 only (1 of 2); s=0.8 beats both (2); tie counted ½ below.
    expect(rocAuc([0.1, 0.4], [0.35, 0.8])).toBeCloseTo(0.75, 15); // sklearn docs example
    expect(rocAuc([1, 2, 3], [4, 5])).toBe(1);
    expect(rocAuc([4, 5], [1, 2, 3])).toBe(0);
    expect(rocAuc([1, 2], [2, 3])).toBeCloseTo((1 + 0.5 + 1 + 1) / 4, 15);
    expect(rocAuc([7, 7, 7], [7, 7])).toBeCloseTo(0.5, 15);
  });
  it("curve starts at (0,0), ends at (1,1), thresholds decrease", () => {
    const c = rocCurve([0.1, 0.4, 0.4], [0.35, 0.8]);
    expect([c.fpr[0], c.tpr[0]]).toEqual([0, 0]);
    expect([c.fpr.at(-1), c.tpr.at(-1)]).toEqual([1, 1]);
    for (let k = 1; k < c.thresholds.length; k++) expect(c.thresholds[k]).toBeLessThan(c.thresholds[k - 1]);
  });
  it("rejects empty or NaN input with a clear error", () => {
    expect(() => rocAuc([], [1])).toThrow(/at least one/);
    expect(() => rocAuc([NaN], [1])).toThrow(/NaN/);
  });
});

describe("working points", () => {
  it("TPR at FPR keeps at most the allowed background", () => {
    const bkg = Array.from({ length: 1000 }, (_, i) => i); // 0..999
    const sig = [995, 998, 999, 500];
    const r = tprAtFpr(bkg, sig, 0.003); // 3 background events allowed: 997, 998, 999
    expect(r.fpr).toBeCloseTo(0.003, 12);
    expect(r.tpr).toBeCloseTo(0.5, 12);
    expect(r.threshold).toBeGreaterThan(996);
    expect(r.threshold).toBeLessThanOrEqual(997);
  });
  it("threshold for 1 kHz out of 40 MHz keeps 2.5e-5 of the background", () => {
    const rand = seededRandom(9);
    const bkg = Array.from({ length: 400_000 }, () => rand());
    const r = thresholdForRate(bkg, 1000);
    expect(r.rateHz).toBeLessThanOrEqual(1000);
    expect(r.rateHz).toBeGreaterThan(900);
    expect(bkg.filter((v) => v >= r.threshold).length).toBe(10);
  });
  it("k-fold spread and histogram", () => {
    const rand = seededRandom(4);
    const bkg = Array.from({ length: 2000 }, () => rand());
    const sig = Array.from({ length: 2000 }, () => rand() + 0.5);
    const cv = kFold(bkg, sig, 5);
    expect(cv.folds).toHaveLength(5);
    expect(cv.mean).toBeCloseTo(rocAuc(bkg, sig), 1);
    expect(cv.std).toBeGreaterThan(0);
    expect(cv.std).toBeLessThan(0.05);
    const h = histogram([0, 0.5, 0.99, 1, 2, -1], 2, 0, 1);
    expect(Array.from(h.counts)).toEqual([1, 2]);
    expect([h.underflow, h.overflow]).toEqual([1, 2]);
  });
});

peerDescribe("sklearn", "agreement with sklearn (python3-sklearn)", () => {
  it("roc_auc_score and average_precision_score on the same arrays", () => {
    const rand = seededRandom(11);
    // Rounded scores so that ties occur, the case where implementations differ most.
    const bkg = Array.from({ length: 3000 }, () => Math.round(rand() * 200) / 10);
    const sig = Array.from({ length: 1000 }, () => Math.round((rand() * 200 + 30) * (0.5 + rand())) / 10);
    const script = [
      "import json, sys",
      "from sklearn.metrics import roc_auc_score, average_precision_score",
      "d = json.load(sys.stdin)",
      "y = [0] * len(d['b']) + [1] * len(d['s'])",
      "x = d['b'] + d['s']",
      "print(json.dumps([roc_auc_score(y, x), average_precision_score(y, x)]))",
    ].join("\n");
    const out = execFileSync("/usr/bin/python3", ["-c", script], { input: JSON.stringify({ b: bkg, s: sig }), encoding: "utf8" });
    const [auc, ap] = JSON.parse(out) as number[];
    expect(rocAuc(bkg, sig)).toBeCloseTo(auc, 12);
    expect(prAuc(bkg, sig)).toBeCloseTo(ap, 12);
    expect(auc).toBeGreaterThan(0.55);
    expect(auc).toBeLessThan(0.99);
  });
});
