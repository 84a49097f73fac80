/**
 * The GMM JSON and the blocks every kind shares (normalisation, fixed-point formats given as
 * objects, the Tukey transform) read strictly (issue 11): each mutation → one exact line with its
 * JSON path, no coercion ("16" is not a width, "yes" is not `signed`), counts bounded before use.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trainExtendedIsolationForest } from "../src/scoring/eiforest.js";
import { trainGmm } from "../src/scoring/gmm.js";
import { seededRandom, trainIsolationForest } from "../src/scoring/iforest.js";
import { loadModel } from "../src/scoring/load.js";
import { trainAutoencoder } from "../src/scoring/nn-train.js";
import { cliSync } from "./helpers/cli.js";
import { expectModelRows } from "./helpers/modelTable.js";

const rows = (n: number, d: number) => { const r = seededRandom(5); return Float32Array.from({ length: n * d }, () => r() * 2 - 1); };


describe("GMM JSON read strictly", () => {
  const d = 2;
  const good = trainGmm(rows(200, d), 200, d, { components: 2, seed: 1 }).toJSON() as Record<string, any>;
  const tukeyGood = trainGmm(rows(200, d), 200, d, { components: 2, seed: 1, tukey: {} }).toJSON() as Record<string, any>;

  it("each mutation → the exact one-line error with its JSON path", () => {
    expect(loadModel(good).kind).toBe("gmm");
    expect(loadModel(tukeyGood).kind).toBe("gmm");
    const ones = (n: number) => Array.from({ length: n }, () => 1);
    expectModelRows([
      [{ ...good, extra: 1 }, "gmm.extra: unknown field"],
      [{ ...good, version: 2 }, "gmm.version: expected an integer in [1, 1], got 2"],
      [{ ...good, nFeatures: "2" }, 'gmm.nFeatures: expected an integer in [1, 4096], got "2"'],
      [{ ...good, covariance: "spherical" }, 'gmm.covariance: expected one of "diag", "full", got "spherical"'],
      [{ ...good, covariance: undefined }, "gmm.covariance: expected a string, got missing"],
      [{ ...good, weights: [] }, "gmm.weights: 0 entries, at least 1 needed"],
      [{ ...good, weights: ones(5000) }, "gmm.weights: 5000 entries, at most 4096 allowed"],
      [{ ...good, weights: ["0.5", 0.5] }, 'gmm.weights[0]: expected a finite number, got "0.5"'],
      [{ ...good, weights: [0, 1] }, "gmm.weights[0]: a component weight must be > 0, got 0"],
      [{ ...good, means: good.means.slice(1) }, "gmm.means: expected 4 entries, got 3"],
      [{ ...good, means: [null, ...good.means.slice(1)] }, "gmm.means[0]: expected a finite number, got null"],
      [{ ...good, cov: [-1, ...good.cov.slice(1)] }, "gmm.cov[0]: a variance must be > 0, got -1"],
      [{ ...good, covariance: "full", cov: [1, 0, 0, 1, 1, 0, 0, 0] }, "gmm.cov[7]: a Cholesky diagonal entry must be > 0, got 0"],
      // K·d² covariances bounded before means or cov are looked at (neither is given here).
      [{ ...good, nFeatures: 4096, covariance: "full", weights: ones(4096), means: undefined, cov: undefined }, "gmm.cov: 4096 components × 4096 features need 68719476736 covariance entries, more than 10000000"],
      [{ ...tukeyGood, tukey: { ...tukeyGood.tukey, lambda: [7, 1] } }, "gmm.tukey.lambda[0]: expected a number in [-4, 4], got 7"],
      [{ ...tukeyGood, tukey: { ...tukeyGood.tukey, extra: 1 } }, "gmm.tukey.extra: unknown field"],
      [{ ...tukeyGood, tukey: { ...tukeyGood.tukey, shift: ["0", 0] } }, 'gmm.tukey.shift[0]: expected a finite number, got "0"'],
      [{ ...tukeyGood, tukey: { ...tukeyGood.tukey, w: [1] } }, "gmm.tukey.w: 1 entries, at least 2 needed"],
      [{ ...good, normalisation: "z" }, 'gmm.normalisation: expected an object, got "z"'],
      [{ ...good, normalisation: { scale: [1] } }, "gmm.normalisation.scale: expected 2 entries, got 1"],
      [{ ...good, normalisation: { ...good.normalisation, mean: [0, 0] } }, "gmm.normalisation.mean: unknown field"],
      [{ ...good, inputFormat: 16 }, 'gmm.inputFormat: expected a fixed-point type string such as "ap_fixed<16,6>", got 16'],
      [{ ...good, inputFormat: "ap_fixed<16>" }, 'gmm.inputFormat: "ap_fixed<16>": expected 2 to 5 template arguments'],
      [{ ...good, inputFormat: { width: "16", int: 6 } }, 'gmm.inputFormat.width: expected an integer in [1, 48], got "16"'],
      [{ ...good, inputFormat: { width: 16, int: 6, signed: "yes" } }, 'gmm.inputFormat.signed: expected true or false, got "yes"'],
      [{ ...good, inputFormat: { width: 16, int: 6, quant: "ROUND" } }, 'gmm.inputFormat.quant: expected one of "TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_MIN_INF", "RND_INF", "RND_CONV", got "ROUND"'],
      [{ ...good, inputFormat: { width: 16, int: 6, sat: true } }, "gmm.inputFormat.sat: unknown field"],
    ]);
  });

  it("a bad GMM file exits 3 in one line (score and run)", () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-gmm-"));
    const file = join(dir, "gmm.json");
    writeFileSync(file, JSON.stringify({ ...good, covariance: "spherical" }));
    for (const args of [["score", "--model", file, "--gen-orbits", "1"], ["run", "--model", file, "--orbits", "1"]]) {
      const r = cliSync(args);
      expect(r.code).toBe(3);
      expect(r.stderr.trim()).toBe(`scoutloop: invalid model ${file}: gmm.covariance: expected one of "diag", "full", got "spherical"`);
    }
  }, 60_000);
});

describe("checks on a whole layer or model are reported at its path too", () => {
  it("a table size on a linear layer, a weight type too wide for its products, an input too wide, a conifer threshold type the input wraps in", () => {
    const net = JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "models", "vae-tiny.json"), "utf8"));
    const conifer = JSON.parse(readFileSync(join(import.meta.dirname, "..", "fixtures", "models", "conifer-tiny.json"), "utf8"));
    const iforest = trainIsolationForest(rows(100, 3), 100, 3, { nTrees: 2, sampleSize: 16, seed: 1 }).toJSON() as Record<string, any>;
    expectModelRows([
      [{ ...net, layers: [{ ...net.layers[0], tableSize: 1024 }] }, "network.layers[0]: tableSize/tableFormat apply to sigmoid and tanh only"],
      [{ ...net, inputFormat: "ap_fixed<24,12>", layers: [{ ...net.layers[0], weightFormat: "ap_fixed<30,12>" }] }, "network: layer 0: weight width + input width must be ≤ 52 bits"],
      [{ ...iforest, inputFormat: "ap_fixed<32,16>" }, "iforest: iforest input format must be at most 31 bits wide, got ap_fixed<32,16,AP_TRN,AP_WRAP>"],
      [{ ...conifer, config: { input_precision: "ap_fixed<18,8>", threshold_precision: "ap_fixed<8,2>" } }, "conifer: conifer arithmetic: input ap_fixed<18,8,AP_TRN,AP_WRAP> wraps in threshold type ap_fixed<8,2,AP_TRN,AP_WRAP> (not a monotone comparison)"],
    ]);
  });
});

describe("the blocks every kind shares, read with the kind's path", () => {
  it("normalisation, format objects and strings, and tree structure of iforest, eif and network JSON", () => {
    const d = 3;
    const x = rows(128, d);
    const iforest = trainIsolationForest(x, 128, d, { nTrees: 2, sampleSize: 16, seed: 1 }).toJSON() as Record<string, any>;
    const eif = trainExtendedIsolationForest(x, 128, d, { nTrees: 2, sampleSize: 16, seed: 1 }).toJSON() as Record<string, any>;
    const net = trainAutoencoder(x, 128, d, { hidden: [2], epochs: 1, batchSize: 32, seed: 1 }).toJSON() as Record<string, any>;
    expectModelRows([
      [{ ...iforest, normalisation: { scale: "x" } }, 'iforest.normalisation.scale: expected an array, got "x"'],
      [{ ...iforest, inputFormat: { width: 16, int: 6.5 } }, "iforest.inputFormat.int: expected an integer in [-112, 112], got 6.5"],
      [{ ...eif, normalisation: { ...eif.normalisation, offset: [null, 0, 0] } }, "eif.normalisation.offset[0]: expected a finite number, got null"],
      [{ ...net, normalisation: { ...net.normalisation, scale: [1, 1] } }, "network.normalisation.scale: expected 3 entries, got 2"],
      [{ ...net, outputFormat: { width: 18, int: 14, overflow: "SATURATE" } }, 'network.outputFormat.overflow: expected one of "WRAP", "SAT", "SAT_ZERO", "SAT_SYM", "WRAP_SM", got "SATURATE"'],
      [{ ...net, layers: [{ ...net.layers[0], weightFormat: "ap_fixed<8>" }, ...net.layers.slice(1)] }, 'network.layers[0].weightFormat: "ap_fixed<8>": expected 2 to 5 template arguments'],
      // Tree structure at the child that breaks it (a shared node, a cycle back to the root).
      [{ ...iforest, trees: [{ ...iforest.trees[0], children_right: [iforest.trees[0].children_left[0], ...iforest.trees[0].children_right.slice(1)] }] }, `iforest.trees[0].children_right[0]: node ${iforest.trees[0].children_left[0]} is reached a second time (not a tree)`],
      [{ ...eif, trees: [{ ...eif.trees[0], children_left: [0, ...eif.trees[0].children_left.slice(1)] }] }, "eif.trees[0].children_left[0]: node 0 is reached a second time (not a tree)"],
    ]);
  });
});
