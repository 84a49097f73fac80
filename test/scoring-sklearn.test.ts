// Independent cross-check of the isolation forest against scikit-learn (Debian python3-sklearn):
// sklearn fits the forest and writes it as conifer JSON (test/python/sklearn_iforest_to_conifer.py);
// scoutloop imports it and must reproduce sklearn's own score_samples on the same rows.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { averagePathLength, exportConifer, importConifer } from "../src/scoring/index.js";
import { nativeScorer } from "../src/scoring/native.js";
import { peerDescribe } from "./helpers/peers.js";

const SCRIPT = join(import.meta.dirname, "python", "sklearn_iforest_to_conifer.py");

interface SklearnRun {
  conifer: Record<string, unknown>;
  X: number[][];
  sklearn_scores: number[];
  psi: number;
  c: { n: number[]; c: number[] };
}

function sklearnForest(seed: number, rows: number, features: number, trees: number, maxSamples: number): SklearnRun {
  const out = execFileSync("/usr/bin/python3", [SCRIPT, String(seed), String(rows), String(features), String(trees), String(maxSamples)], {
    encoding: "utf8", maxBuffer: 64 << 20, timeout: 60_000,
  });
  return JSON.parse(out) as SklearnRun;
}

peerDescribe(["sklearn", "numpy"], "isolation forest vs scikit-learn", () => {
  for (const [seed, rows, features, trees, psi] of [[1, 1500, 6, 25, 128], [7, 800, 57, 40, 256]] as const) {
    it(`scores sklearn's own forest (${trees} trees, ψ ${psi}, ${features} features) exactly as sklearn does`, () => {
      const run = sklearnForest(seed, rows, features, trees, psi);
      const model = importConifer(run.conifer);
      const x = Float32Array.from(run.X.flat());
      const ours = model.scoreFloat(x, rows);
      // sklearn: score_samples = −2^(−E[h]/c(ψ)); ours: log2 of 2^(−E[h]/c(ψ)).
      let worst = 0;
      for (let i = 0; i < rows; i++) worst = Math.max(worst, Math.abs(-(2 ** ours[i]) - run.sklearn_scores[i]));
      expect(worst).toBeLessThan(1e-12);
      // The scores really spread (the planted outliers score higher), so agreement is not trivial.
      const sorted = [...run.sklearn_scores].sort((a, b) => a - b);
      expect(sorted[rows - 1] - sorted[0]).toBeGreaterThan(0.1);
      // Export → import keeps every score; the fixed-point TS and native paths agree bit for bit.
      const again = importConifer(exportConifer(model));
      expect(Array.from(again.scoreFloat(x, rows))).toEqual(Array.from(ours));
      const q = model.quantizeInputs(x, rows);
      expect(Array.from(nativeScorer(model).scoreFixedRaw(q, rows))).toEqual(Array.from(model.scoreFixedRaw(q, rows)));
    });
  }

  it("c(n) is the exact harmonic form (isotree); sklearn's ln(n−1)+γ approximation meets it for large n", () => {
    const { n, c } = sklearnForest(1, 10, 2, 1, 8).c;
    n.forEach((k, i) => {
      if (k <= 2) expect(averagePathLength(k)).toBe(c[i]); // both special-case n ≤ 2
      else if (k >= 64) expect(Math.abs(averagePathLength(k) - c[i])).toBeLessThan(1 / (k - 1));
    });
    // Small n shows the difference: H(2) = 1.5 exactly vs ln 2 + γ ≈ 1.27.
    expect(averagePathLength(3) - c[n.indexOf(3)]).toBeGreaterThan(0.4);
  });
});
