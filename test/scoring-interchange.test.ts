// Models made by other tools, scored as those tools (and their firmware) score them: real isotree
// to_json() exports (ndim 1 and 2, see fixtures/models/README.md) and conifer's C++ / HLS sums.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ExtendedIsolationForestModel } from "../src/scoring/eiforest.js";
import { fracBits, parseFixed } from "../src/scoring/fixed.js";
import { balancedReduce, IsolationForestModel, seededRandom, trainIsolationForest } from "../src/scoring/iforest.js";
import { exportConifer, importConifer, importIsotree } from "../src/scoring/iforest-io.js";
import { loadModel } from "../src/scoring/load.js";
import { nativeScorer } from "../src/scoring/native.js";

function gaussianRows(n: number, d: number, seed: number, spread = 3): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n * d }, () => (r() + r() + r() - 1.5) * spread);
}

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/models/${name}`, import.meta.url), "utf8"));

describe("isotree to_json() exports from isotree itself", () => {
  for (const [file, kind] of [["isotree-real-ndim1", "iforest"], ["isotree-real-ndim2", "eif"]] as const) {
    it(`${file}: loads as ${kind} and scores as isotree's predict() did`, () => {
      const model = loadModel(fixture(`${file}.json`));
      expect(model.kind).toBe(kind);
      const { rows, score } = fixture(`${file}.expected.json`) as { rows: (number | null)[][]; score: number[] };
      const x = Float32Array.from(rows.flat(), (v) => (v === null ? NaN : v));
      // isotree scored float64 rows, we score float32 features, and to_json() prints every number
      // with six decimals (std::to_string): the leaf depths differ by < 5e-7, so the scores agree to
      // ~1e-8 (measured: 7.5e-9 and 5.4e-9) unless a row sat within that rounding of a split.
      const ours = model.scoreFloat(x, rows.length);
      let worst = 0;
      for (let i = 0; i < rows.length; i++) worst = Math.max(worst, Math.abs(2 ** ours[i] - score[i]));
      expect(worst).toBeLessThan(1e-7);
      // The scores spread (outliers above inliers), so agreement is not trivial.
      expect(Math.max(...score) - Math.min(...score)).toBeGreaterThan(0.2);
    });
  }

  it("ndim 2 imputes missing values as the model says (imputation_value present), or fails the row without it", () => {
    const json = fixture("isotree-real-ndim2.json");
    const model = loadModel(json) as ExtendedIsolationForestModel;
    expect(model.spec.missingAction).toBe("impute");
    const { rows, score } = fixture("isotree-real-ndim2.expected.json") as { rows: (number | null)[][]; score: number[] };
    const missing = rows.map((r, i) => [r, i] as const).filter(([r]) => r.some((v) => v === null));
    expect(missing.length).toBe(3);
    const x = Float32Array.from(missing.flatMap(([r]) => r), (v) => (v === null ? NaN : v));
    const ours = model.scoreFloat(x, missing.length);
    missing.forEach(([, i], k) => expect(Math.abs(2 ** ours[k] - score[i])).toBeLessThan(1e-3));
    // Without imputation values the model is missing_action "fail": isotree returns NaN for such rows.
    for (const tree of json.isotree) for (const node of Object.values(tree) as Record<string, unknown>[]) {
      for (const term of (node.combination as Record<string, unknown>[] | undefined) ?? []) delete term.imputation_value;
    }
    const failing = loadModel(json) as ExtendedIsolationForestModel;
    expect(failing.spec.missingAction).toBe("fail");
    expect(Array.from(failing.scoreFloat(x, missing.length)).every(Number.isNaN)).toBe(true);
    // Round trip through scoutloop's own eif JSON keeps the isotree form.
    const again = loadModel(model.toJSON()) as ExtendedIsolationForestModel;
    expect(Array.from(again.scoreFloat(x, missing.length))).toEqual(Array.from(ours));
  });

  it("ndim 1: the real key `value`, the old key `threshold` as an alias; refusals in one line", () => {
    const real = fixture("isotree-real-ndim1.json");
    const tree0 = real.isotree[0] as Record<string, Record<string, unknown>>;
    expect(typeof tree0["0"].value).toBe("number");
    const m = loadModel(real) as IsolationForestModel;
    expect(m.spec.splitting).toBe("<=");
    const aliased = structuredClone(real);
    for (const tree of aliased.isotree) for (const node of Object.values(tree) as Record<string, unknown>[]) {
      if (node.value !== undefined) { node.threshold = node.value; delete node.value; }
    }
    const x = Float32Array.from(gaussianRows(50, 3, 4));
    expect(Array.from((loadModel(aliased) as IsolationForestModel).scoreFloat(x, 50))).toEqual(Array.from(m.scoreFloat(x, 50)));
    expect(() => loadModel({ ...real, missingAction: "divide" })).toThrow(/missing_action "divide".*not supported/);
    const ranged = structuredClone(real);
    ranged.isotree[0]["0"].range_low = -1;
    expect(() => loadModel(ranged)).toThrow(/\[0\]\["0"\].*range penalties/);
    const bad = structuredClone(real);
    bad.isotree[0]["0"].value = "0.5";
    expect(() => loadModel(bad)).toThrow(/\[0\]\["0"\]\.value: expected a finite number/);
    expect(() => importIsotree([{ "0": { terminal: "no", combination: [], condition: "<=", value: 0, node_when_condition_is_met: 1, node_when_condition_is_not_met: 2 }, "1": { terminal: "yes", score: 1 }, "2": { terminal: "yes", score: 1 } }], { sampleSize: 4 })).toThrow(/^\$\[0\]\["0"\]\.combination: 0 entries, at least 1 needed$/);
  });
});

// conifer's arithmetic, worked by hand. score_t = ap_fixed<6,3,AP_TRN,AP_SAT>: LSB 1/8, range
// [−4, 3.875]. Four stumps on x0 (x ≤ 0 → left), left leaves 3, 2, −3, −3, right leaves all 1;
// init_predict 0.5, norm −0.3 → score_t(−0.3) = floor(−2.4)/8 = −0.375.
//   x = −1, C++ (std::accumulate from init): 0.5, 3.5, 5.5→3.875, 0.875, −2.125; × −0.375 =
//     0.796875 → floor(6.375) = raw 6.
//   x = −1, HLS (init + reduce): (3 + 2 → 3.875) + (−3 − 3 → −4) = −0.125; 0.5 − 0.125 = 0.375;
//     × −0.375 = −0.140625 → floor(−1.125) = raw −2.
//   x = 1, both: the sum saturates at 3.875; × −0.375 = −1.453125 → floor(−11.625) = raw −12.
// scoutloop's own arithmetic folds the norm into each leaf instead: leaves score_t(−0.9) = −1,
// score_t(−0.6) = −0.625, score_t(0.9) = 0.875 (×2), score_t(−0.3) = −0.375, init −0.25:
//   x = −1: −0.25 − 1 − 0.625 + 0.875 + 0.875 = −0.125 → raw −1; x = 1: −0.25 − 4 × 0.375 = raw −14.
const stump = (left: number, right: number) => [{
  feature: [0, -2, -2], weight: [[1], [0], [0]], threshold: [0, -2, -2], value: [0, left, right], children_left: [1, -1, -1], children_right: [2, -1, -1],
}];
const coniferJson = (backend?: string) => ({
  n_trees: 4, n_features: 1, n_classes: 1, max_depth: 1, init_predict: [0.5], norm: -0.3, splitting_convention: "<=",
  trees: [stump(3, 1), stump(2, 1), stump(-3, 1), stump(-3, 1)],
  config: { ...(backend ? { backend } : {}), input_precision: "ap_fixed<8,4>", threshold_precision: "ap_fixed<8,4>", score_precision: "ap_fixed<6,3,AP_TRN,AP_SAT>" },
});

describe("conifer semantics", () => {
  const x = Float32Array.of(-1, 1);
  it.each([
    ["cpp", "conifer-cpp", [6, -12]],
    ["xilinxhls", "conifer-hls", [-2, -12]],
  ] as const)("backend %s: the firmware's precisions, sum order and one final norm (hand-computed)", (backend, arithmetic, expected) => {
    const m = loadModel(coniferJson(backend)) as IsolationForestModel;
    expect(m.spec.arithmetic).toBe(arithmetic);
    expect(m.outputFormat).toEqual(parseFixed("ap_fixed<6,3,AP_TRN,AP_SAT>"));
    expect(m.inputFormat).toEqual(parseFixed("ap_fixed<8,4>"));
    expect(Array.from(m.scoreFixedRaw(m.quantizeInputs(x, 2), 2))).toEqual(expected);
  });
  it("no backend in the file: conifer's C++ emulation; `arithmetic` chooses; scoutloop's own sum stays selectable", () => {
    const q = (m: IsolationForestModel) => Array.from(m.scoreFixedRaw(m.quantizeInputs(x, 2), 2));
    expect(q(loadModel(coniferJson()) as IsolationForestModel)).toEqual([6, -12]);
    expect(q(importConifer(coniferJson("cpp"), { arithmetic: "conifer-hls" }))).toEqual([-2, -12]);
    expect(q(importConifer(coniferJson("cpp"), { arithmetic: "scoutloop" }))).toEqual([-1, -14]);
    expect(() => loadModel(coniferJson("vhdl"))).toThrow(/conifer\.config\.backend: "vhdl".*not modelled/);
    expect(() => loadModel({ ...coniferJson("cpp"), config: { weight_precision: "ap_fixed<8,1>" } })).toThrow(/cannot hold the one-hot weight 1/);
  });
  it("native: the C++ backend's order bit for bit; the HLS tree refused where order matters (mixed signs, saturation)", () => {
    const m = loadModel(coniferJson("cpp")) as IsolationForestModel;
    expect(Array.from(nativeScorer(m).scoreFixedRaw(m.quantizeInputs(x, 2), 2))).toEqual([6, -12]);
    expect(() => nativeScorer(loadModel(coniferJson("xilinxhls")))).toThrow(/adder tree's order matters/);
  });
  it("balancedReduce splits as conifer's reduce: left takes the largest power of two below N", () => {
    const order: string[] = [];
    const op = (a: number, b: number) => { order.push(`${a}+${b}`); return a + b; };
    expect(balancedReduce([1, 2, 4, 8, 16], 0, 5, op)).toBe(31);
    expect(order).toEqual(["1+2", "4+8", "3+12", "15+16"]);
    order.length = 0;
    balancedReduce([1, 2, 4], 0, 3, op);
    expect(order).toEqual(["1+2", "3+4"]);
  });
  it("exportConifer: conifer's firmware (C++ and HLS sums) gives scoutloop's own bits", () => {
    const rows = gaussianRows(600, 4, 9);
    const m = trainIsolationForest(rows, 600, 4, { seed: 3, nTrees: 37 });
    const json = exportConifer(m);
    expect(json.conifer_hls_equal).toBe(true);
    expect(json.norm).toBe(1);
    const q = m.quantizeInputs(rows, 600);
    const want = Array.from(m.scoreFixedRaw(q, 600));
    for (const arithmetic of ["conifer-cpp", "conifer-hls"] as const) {
      const conifer = importConifer(json, { arithmetic });
      expect(conifer.outputFormat).toEqual(m.outputFormat);
      expect(Array.from(conifer.scoreFixedRaw(conifer.quantizeInputs(rows, 600), 600))).toEqual(want);
    }
    expect(new Set(want).size).toBeGreaterThan(50); // the scores really vary
    expect(fracBits(m.outputFormat)).toBe(14);
  });
});
