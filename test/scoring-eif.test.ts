// Extended isolation forest: seeded determinism, outliers score high, ndim = 1 is the plain forest
// on the same seed, JSON round trip and clear errors, float-only refusals, and the CLI with AUC.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EIF_FLOAT_ONLY, eifFromJSON, trainExtendedIsolationForest } from "../src/scoring/eiforest.js";
import { featuresWithoutPhi, seededRandom, trainIsolationForest } from "../src/scoring/iforest.js";
import { loadModel } from "../src/scoring/load.js";
import { rocAuc } from "../src/stats/index.js";
import { evaluate } from "../src/scoring/evaluate.js";
import { standardisation } from "../src/scoring/normalise.js";
import { cliSync } from "./helpers/cli.js";

/** n rows of d correlated features: x_j = s + noise, so the bulk lies along the diagonal. */
function diagonalRows(n: number, d: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const s = (r() - 0.5) * 20;
    for (let j = 0; j < d; j++) x[i * d + j] = s + (r() - 0.5);
  }
  return x;
}

describe("extended isolation forest", () => {
  const n = 2000, d = 4;
  const x = diagonalRows(n, d, 1);

  it("is deterministic for a seed and differs between seeds", () => {
    const a = trainExtendedIsolationForest(x, n, d, { seed: 9, nTrees: 20, ndim: 3 });
    const b = trainExtendedIsolationForest(x, n, d, { seed: 9, nTrees: 20, ndim: 3 });
    const c = trainExtendedIsolationForest(x, n, d, { seed: 10, nTrees: 20, ndim: 3 });
    expect(b.id).toBe(a.id);
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
    expect(c.id).not.toBe(a.id);
    expect(Array.from(b.scoreFloat(x, 50))).toEqual(Array.from(a.scoreFloat(x, 50)));
  });

  it("splits on ndim distinct features with N(0,1) coefficients", () => {
    const m = trainExtendedIsolationForest(x, n, d, { seed: 2, nTrees: 5, ndim: 3 });
    const { termStart, termFeature, termCoef } = m.spec.terms;
    let splits = 0;
    for (let i = 0; i < m.spec.forest.feature.length; i++) {
      const k = termStart[i + 1] - termStart[i];
      if (m.spec.forest.feature[i] < 0) {
        expect(k).toBe(0);
        continue;
      }
      splits++;
      expect(k).toBe(3);
      expect(new Set(termFeature.subarray(termStart[i], termStart[i + 1])).size).toBe(3);
    }
    expect(splits).toBeGreaterThan(100);
    const mean = termCoef.reduce((s, v) => s + v, 0) / termCoef.length;
    const sd = Math.sqrt(termCoef.reduce((s, v) => s + (v - mean) ** 2, 0) / termCoef.length);
    expect(Math.abs(mean)).toBeLessThan(0.15);
    expect(sd).toBeGreaterThan(0.85);
    expect(sd).toBeLessThan(1.15);
  });

  it("scores an off-diagonal outlier above every inlier; the hyperplanes see what axis cuts miss", () => {
    // Inside every feature's range but off the diagonal: only oblique cuts isolate it quickly.
    const probe = Float32Array.from([8, -8, 8, -8, ...x.subarray(0, 200 * d)]);
    const eif = trainExtendedIsolationForest(x, n, d, { seed: 3, nTrees: 100, ndim: d }).scoreFloat(probe, 201);
    const plain = trainExtendedIsolationForest(x, n, d, { seed: 3, nTrees: 100, ndim: 1 }).scoreFloat(probe, 201);
    const rank = (s: Float64Array) => s.subarray(1).filter((v) => v >= s[0]).length;
    expect(rank(eif)).toBe(0);
    expect(eif[0]).toBeGreaterThan(plain[0]);
    expect(eif[0]).toBeLessThanOrEqual(0); // log2 of a score in (0, 1]
  });

  it("with ndim = 1 is the plain isolation forest on the same seed (same trees, same scores)", () => {
    const norm = standardisation(x, n, d);
    const opts = { seed: 4, nTrees: 30, sampleSize: 128, normalisation: norm, splitFeatures: [0, 1, 3] };
    const eif = trainExtendedIsolationForest(x, n, d, { ...opts, ndim: 1 });
    const iforest = trainIsolationForest(x, n, d, opts);
    expect(Array.from(eif.spec.forest.threshold)).toEqual(Array.from(iforest.spec.forest.threshold));
    expect(Array.from(eif.spec.forest.feature)).toEqual(Array.from(iforest.spec.forest.feature));
    expect(Array.from(eif.scoreFloat(x, 500))).toEqual(Array.from(iforest.scoreFloat(x, 500)));
  });

  it("round-trips through its JSON and loadModel", () => {
    const m = trainExtendedIsolationForest(x, n, d, { seed: 5, nTrees: 10, ndim: 2, normalisation: standardisation(x, n, d) });
    const json = JSON.parse(JSON.stringify(m.toJSON()));
    expect(json.kind).toBe("eif");
    expect(json.arithmetic).toBe("float");
    expect("inputFormat" in json).toBe(false);
    const back = loadModel(json);
    expect(back.id).toBe(m.id);
    expect(back.toJSON()).toEqual(json);
    expect(Array.from(back.scoreFloat(x, 300))).toEqual(Array.from(m.scoreFloat(x, 300)));
  });

  it("rejects malformed models with one clear error", () => {
    const good = JSON.parse(JSON.stringify(trainExtendedIsolationForest(x, n, d, { seed: 6, nTrees: 2 }).toJSON()));
    const tree = good.trees[0];
    const withTree = (patch: object) => ({ ...good, trees: [{ ...tree, ...patch }, good.trees[1]] });
    const split = tree.children_left.findIndex((c: number) => c >= 0);
    const leafIdx = tree.children_left.findIndex((c: number) => c < 0);
    const at = "eif.trees[0]";
    // Each mutation → the exact one-line error (path: problem), never a coerced model.
    const cases: Array<[unknown, string]> = [
      [withTree({ features: tree.features.map((f: number[], i: number) => (i === split ? [f[0], 99] : f)), coefs: tree.coefs.map((c: number[], i: number) => (i === split ? [c[0], 1] : c)) }), `${at}.features[${split}][1]: expected an integer in [0, ${d - 1}], got 99`],
      [withTree({ features: tree.features.map((f: number[], i: number) => (i === split ? [2 ** 40, f[1]] : f)) }), `${at}.features[${split}][0]: expected an integer in [0, ${d - 1}], got 1099511627776`],
      [withTree({ features: tree.features.map((f: number[], i: number) => (i === split ? [f[0] + 0.5, f[1]] : f)) }), `${at}.features[${split}][0]: expected an integer in [0, ${d - 1}], got ${tree.features[split][0] + 0.5}`],
      [withTree({ coefs: tree.coefs.map((c: number[], i: number) => (i === split ? [c[0], "1"] : c)) }), `${at}.coefs[${split}][1]: expected a finite number, got "1"`],
      [withTree({ coefs: tree.coefs.map((c: number[], i: number) => (i === split ? [c[0]] : c)) }), `${at}.coefs[${split}]: 1 entries, at least 2 needed`],
      [withTree({ features: tree.features.map((f: number[], i: number) => (i === split ? [] : f)), coefs: tree.coefs.map((c: number[], i: number) => (i === split ? [] : c)) }), `${at}.features[${split}]: split node ${split} has no hyperplane terms (1..2 needed)`],
      [withTree({ features: tree.features.map((f: number[], i: number) => (i === leafIdx ? [0] : f)), coefs: tree.coefs.map((c: number[], i: number) => (i === leafIdx ? [1] : c)) }), `${at}.features[${leafIdx}]: node ${leafIdx} is a leaf and has 1 hyperplane terms, a leaf has none`],
      [withTree({ features: tree.features.slice(1) }), `${at}.features: ${tree.features.length - 1} entries, at least ${tree.features.length} needed`],
      [withTree({ bogus: 1 }), `${at}.bogus: unknown field`],
      [{ ...good, extra: true }, "eif.extra: unknown field"],
      [{ ...good, ndim: 0 }, `eif.ndim: expected an integer in [1, ${d}], got 0`],
      [{ ...good, splitting: "≤" }, 'eif.splitting: expected one of "<", "<=", got "≤"'],
      [{ ...good, missingAction: "divide" }, 'eif.missingAction: expected one of "impute", "fail", got "divide"'],
      [{ ...good, arithmetic: "fixed" }, 'eif.arithmetic: expected one of "float", got "fixed"'],
      [{ ...good, version: 2 }, "eif.version: expected an integer in [1, 1], got 2"],
      [{ ...good, trees: "x" }, 'eif.trees: expected an array, got "x"'],
      [{ ...good, trees: [] }, "eif.trees: 0 entries, at least 1 needed"],
      [{ ...good, trees: [null] }, "eif.trees[0]: expected an object, got null"],
    ];
    for (const [json, msg] of cases) expect(() => loadModel(json)).toThrow(new RegExp(`^invalid model model: ${msg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
    // Kept from before (checked after the strict read): duplicate terms, broken tree links, centers.
    for (const [json, msg] of [
      [withTree({ features: tree.features.map((f: number[], i: number) => (i === split ? [f[0], f[0]] : f)) }), /twice/],
      [withTree({ children_left: tree.children_left.map((c: number, i: number) => (i === split ? 0 : c)) }), /reached twice|not a tree/],
      [withTree({ centers: tree.features.map((f: number[]) => f.map(() => 0)).slice(1) }), /centers\[\d+\]/],
    ] as Array<[unknown, RegExp]>) expect(() => loadModel(json)).toThrow(msg);
    expect(() => eifFromJSON(good)).not.toThrow();
  });

  it("is float-only: fixed-point calls and a fixed evaluation say so instead of crashing", () => {
    const m = trainExtendedIsolationForest(x, n, d, { seed: 7, nTrees: 5 });
    expect(m.floatOnly).toBe(true);
    expect(() => m.quantizeInputs()).toThrow(EIF_FLOAT_ONLY);
    expect(() => m.scoreFixedRaw()).toThrow(EIF_FLOAT_ONLY);
    const set = { n: 100, features: x.subarray(0, 100 * d) } as Parameters<typeof evaluate>[1];
    const signal = { name: "shifted", set: { n: 100, features: Float32Array.from(x.subarray(0, 100 * d), (v, i) => v + (i % 2 ? 6 : -6)) } as Parameters<typeof evaluate>[1] };
    const ev = evaluate(m, set, [signal]);
    expect(ev.agreement).toBeNull();
    expect(ev.signals[0].auc).toBeGreaterThan(0.9);
    expect(() => evaluate(m, set, [signal], { fixed: true })).toThrow(/float-only/);
  });

  it("rejects bad training parameters", () => {
    expect(() => trainExtendedIsolationForest(x, n, d, { ndim: 5 })).toThrow(/ndim must be an integer in \[1, 4\]/);
    expect(() => trainExtendedIsolationForest(x, n, d, { ndim: 1.5 })).toThrow(/ndim/);
    expect(() => trainExtendedIsolationForest(x, n, d, { nTrees: 0 })).toThrow(/nTrees/);
    expect(() => trainExtendedIsolationForest(x, 1, d)).toThrow(/at least 2/);
  });

  it("separates a shifted cluster on held-out rows (AUC)", () => {
    const m = trainExtendedIsolationForest(x, n, d, { seed: 8, ndim: 2 });
    const bkg = diagonalRows(1000, d, 99);
    const sig = Float32Array.from(diagonalRows(1000, d, 100), (v, i) => v + (i % d < 2 ? 3 : -3));
    expect(rocAuc(m.scoreFloat(bkg, 1000), m.scoreFloat(sig, 1000))).toBeGreaterThan(0.95);
  });
});

describe("scoutloop train --model eif", () => {
  const dir = mkdtempSync(join(tmpdir(), "scoutloop-eif-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, "eif.json");

  it("trains, scores in float, refuses --fixed/--native in one line, and eval prints per-signal AUC", () => {
    const train = cliSync(["train", "--model", "eif", "--ndim", "3", "--trees", "30", "--gen-orbits", "1", "--seed", "2", "--out", out, "--json"]);
    expect(train.stderr).toBe("");
    expect(train.code).toBe(0);
    const json = JSON.parse(readFileSync(out, "utf8"));
    expect(json.kind).toBe("eif");
    expect(json.ndim).toBe(3);
    expect(loadModel(out).id).toBe(JSON.parse(train.stdout).id);

    const score = cliSync(["score", "--model", out, "--gen-orbits", "1", "--max-events", "300", "--json"]);
    expect(score.code).toBe(0);
    expect(JSON.parse(score.stdout)).toMatchObject({ kind: "eif", events: 300, arithmetic: "float" });
    for (const flag of ["--fixed", "--native"]) {
      const r = cliSync(["score", "--model", out, "--gen-orbits", "1", flag]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/float-only/);
    }
    const fixedEval = cliSync(["eval", "--model", out, "--gen", "--orbits", "1", "--signal-events", "100", "--fixed"]);
    expect(fixedEval.code).toBe(2);
    expect(fixedEval.stderr).toMatch(/float-only/);

    const ev = cliSync(["eval", "--model", out, "--gen", "--orbits", "1", "--signal-events", "500"]);
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/float-only model: no fixed-point scores to compare/);
    const aucs = [...ev.stdout.matchAll(/^(Ato4l|LQ_btau|h0_tautau|hplus_taunu)\s+\d+\s+([0-9.]+)/gm)].map((m) => Number(m[2]));
    expect(aucs).toHaveLength(4);
    for (const auc of aucs) expect(auc).toBeGreaterThan(0.5);
    process.stdout.write(`eif (ndim 3, 30 trees, 1 orbit) eval AUC: ${aucs.map((a) => a.toFixed(3)).join(", ")}\n`);
  }, 120_000);

  it("rejects formats and bad --ndim as usage errors", () => {
    for (const args of [["--ndim", "0"], ["--ndim", "58"], ["--output-format", "ap_fixed<16,6>"]]) {
      const r = cliSync(["train", "--model", "eif", ...args, "--gen-orbits", "1", "--out", join(dir, "bad.json")]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    writeFileSync(join(dir, "broken.json"), JSON.stringify({ format: "scoutloop-model", version: 1, kind: "eif", nFeatures: 57, trees: [] }));
    const r = cliSync(["score", "--model", join(dir, "broken.json"), "--gen-orbits", "1"]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toMatch(/^scoutloop: invalid model .*broken.json: eif.trees: 0 entries, at least 1 needed$/);
  });
});
