// Scoring models: native = TS bit for bit on random models and inputs; IF separation on generated
// events; JSON round trips and clear errors on malformed models.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { N_FEATURES } from "../src/events/features.js";
import { SIGNALS } from "../src/trigger/signals.js";
import { generatedFeatures } from "../src/scoring/data.js";
import { OVERFLOW_MODES, QUANT_MODES, fixedFormat, formatFixed, type FixedFormat } from "../src/scoring/fixed.js";
import {
  IsolationForestModel, averagePathLength, featuresWithoutPhi, seededRandom, trainIsolationForest, treesToForest,
} from "../src/scoring/iforest.js";
import { exportConifer, importConifer } from "../src/scoring/iforest-io.js";
import { loadModel } from "../src/scoring/load.js";
import { rocAuc } from "../src/stats/index.js";
import { compileForest, compileNet, nativeScorer } from "../src/scoring/native.js";
import { native } from "../src/native.js";
import { DenseNetModel, denseLayer, type Activation } from "../src/scoring/nn.js";
import { axol1tlNormalisation, identityNormalisation } from "../src/scoring/normalise.js";

function gaussianRows(n: number, d: number, seed: number, spread = 10): Float32Array {
  const r = seededRandom(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = (r() + r() + r() - 1.5) * spread;
  return x;
}

const arbFormat = (minW: number, maxW: number) =>
  fc.record({
    width: fc.integer({ min: minW, max: maxW }), intFrac: fc.double({ min: 0.2, max: 0.9, noNaN: true }), signed: fc.boolean(),
    quant: fc.constantFrom(...QUANT_MODES), overflow: fc.constantFrom(...OVERFLOW_MODES),
  }).map(({ width, intFrac, signed, quant, overflow }) => fixedFormat(width, Math.max(1, Math.round(width * intFrac)), signed, quant, !signed && overflow === "WRAP_SM" ? "WRAP" : overflow));

describe("isolation forest", () => {
  it("c(n) matches isotree/Liu: c(2) = 1, c(256) = 2(H(256) − 1)", () => {
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    let h = 0;
    for (let k = 1; k <= 256; k++) h += 1 / k;
    expect(averagePathLength(256)).toBeCloseTo(2 * (h - 1), 12);
    expect(averagePathLength(256)).toBeCloseTo(2 * (Math.log(255) + 0.5772156649) - (2 * 255) / 256, 2); // Liu's approximation
  });

  it("training is seeded: same seed, same model id; different seed, different id", () => {
    const x = gaussianRows(500, 6, 1);
    const a = trainIsolationForest(x, 500, 6, { seed: 3, nTrees: 20 });
    const b = trainIsolationForest(x, 500, 6, { seed: 3, nTrees: 20 });
    const c = trainIsolationForest(x, 500, 6, { seed: 4, nTrees: 20 });
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(c.id);
    expect(loadModel(JSON.parse(JSON.stringify(a.toJSON()))).id).toBe(a.id);
  });

  it("outliers score higher; fixed output tracks log2(score)", () => {
    const d = 5, n = 2000;
    const x = gaussianRows(n, d, 7);
    const m = trainIsolationForest(x, n, d, { seed: 1 });
    const probe = new Float32Array([0, 0, 0, 0, 0, 60, -60, 60, -60, 60]);
    const s = m.scoreFloat(probe, 2);
    expect(s[1]).toBeGreaterThan(s[0]);
    expect(2 ** s[0]).toBeLessThan(0.5); // inliers: isolation score below ½
    expect(2 ** s[1]).toBeGreaterThan(0.6);
    const raw = m.scoreFixedRaw(m.quantizeInputs(probe, 2), 2);
    const lsb = 2 ** -(m.outputFormat.width - m.outputFormat.int);
    expect(Math.abs(raw[0] * lsb - s[0])).toBeLessThan(0.02);
    expect(Math.abs(raw[1] * lsb - s[1])).toBeLessThan(0.02);
  });

  it("conifer export → import (conifer's C++ firmware arithmetic) keeps every score bit", () => {
    const x = gaussianRows(800, 4, 2);
    const m = trainIsolationForest(x, 800, 4, { seed: 5, nTrees: 30 });
    const back = importConifer(exportConifer(m));
    const q = m.quantizeInputs(x, 800);
    expect(Array.from(back.scoreFixedRaw(q, 800))).toEqual(Array.from(m.scoreFixedRaw(q, 800)));
    // The export puts thresholds on the input grid (LSB 1/32) and quantised leaves, so the float
    // model moves a little: a row between a float threshold and its grid value takes the other
    // branch in float only. On average the scores stay close.
    const a = m.scoreFloat(x, 800), b = back.scoreFloat(x, 800);
    const meanDiff = Array.from(a).reduce((acc, v, i) => acc + Math.abs(v - b[i]), 0) / 800;
    expect(meanDiff).toBeLessThan(0.01);
  });

  it("malformed forests fail with one clear error", () => {
    const good = { feature: [0, -2, -2], threshold: [0.5, -2, -2], children_left: [1, -1, -1], children_right: [2, -1, -1], value: [0, 1, 1] };
    expect(() => treesToForest([{ ...good, children_left: [5, -1, -1] }])).toThrow(/children_left\[0\]: expected a node index in \[-1, 3\), got 5/);
    expect(() => loadModel({ kind: "iforest", nFeatures: 1, trees: [{ ...good, children_left: [0, -1, -1] }] })).toThrow(/reached a second time/);
    expect(() => loadModel({ kind: "iforest", nFeatures: 1, trees: [{ ...good, feature: [3, -2, -2] }] })).toThrow(/feature 3/);
    expect(() => loadModel({ kind: "iforest", nFeatures: 1, trees: [{ ...good, value: [0, 1] }] })).toThrow(/expected 3 entries/);
    expect(() => loadModel({ kind: "nope" })).toThrow(/unknown model kind/);
    expect(() => loadModel("/nonexistent/model.json")).toThrow(/cannot read model/);
  });

  it("trained on generated background, separates the easiest generated signal with AUC > 0.9", () => {
    const bkg = generatedFeatures({ seed: 1, orbits: 2 });
    const model = nativeScorer(trainIsolationForest(bkg.features, bkg.n, N_FEATURES, {
      seed: 2, normalisation: axol1tlNormalisation(), splitFeatures: featuresWithoutPhi(),
    }));
    const test = generatedFeatures({ seed: 5, orbits: 1 });
    const sb = model.scoreFixedRaw(model.quantizeInputs(test.features, test.n), test.n);
    const aucs = SIGNALS.map((signal) => {
      const sig = generatedFeatures({ seed: 7, orbits: 1, signal, injectFraction: 1, maxEvents: 600 });
      return rocAuc(sb, model.scoreFixedRaw(model.quantizeInputs(sig.features, sig.n), sig.n));
    });
    expect(Math.max(...aucs)).toBeGreaterThan(0.9);
    expect(Math.min(...aucs)).toBeGreaterThan(0.55); // every signal is at least somewhat separated
  }, 60_000);
});

function randomForest(seed: number, nFeatures: number, scoreFormat: FixedFormat, inputFormat: FixedFormat, strict: boolean, deep: boolean): IsolationForestModel {
  const r = seededRandom(seed);
  const trees = Array.from({ length: 1 + Math.floor(r() * 12) }, () => {
    const t = { feature: [] as number[], threshold: [] as number[], children_left: [] as number[], children_right: [] as number[], value: [] as number[] };
    const grow = (depth: number): number => {
      const id = t.feature.length;
      t.feature.push(-2); t.threshold.push(-2); t.children_left.push(-1); t.children_right.push(-1); t.value.push(0);
      const maxDepth = deep ? 14 : 6;
      if (depth < maxDepth && r() < 0.8) {
        t.feature[id] = Math.floor(r() * nFeatures);
        t.threshold[id] = (r() - 0.5) * 40;
        t.children_left[id] = grow(depth + 1);
        t.children_right[id] = grow(depth + 1);
      } else {
        t.value[id] = depth + averagePathLength(1 + Math.floor(r() * 20));
      }
      return id;
    };
    grow(0);
    return t;
  });
  const forest = treesToForest(trees);
  return new IsolationForestModel({
    forest, nFeatures, splitting: strict ? "<" : "<=", norm: (r() < 0.8 ? -1 : 1) / (trees.length * averagePathLength(256)), initPredict: r() < 0.5 ? 0 : r() * 3,
    sampleSize: 256, normalisation: { scale: Float64Array.from({ length: nFeatures }, () => 0.5 + r() * 2), offset: Float64Array.from({ length: nFeatures }, () => r() - 0.5) },
    inputFormat, thresholdFormat: inputFormat, scoreFormat,
  });
}

describe("native scorers are bit-identical to the TS reference", () => {
  it("isolation forest, float and fixed, random forests/formats/inputs", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 9 }), arbFormat(4, 24), arbFormat(6, 24).filter((f) => f.width <= 31),
      fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 140 }),
      (seed, nFeatures, scoreFormat, inputFormat, strict, deep, n) => {
        const m = randomForest(seed, nFeatures, scoreFormat, inputFormat, strict, deep);
        const x = gaussianRows(n, nFeatures, seed + 1, 15);
        const nat = nativeScorer(m);
        const q = m.quantizeInputs(x, n);
        const ref = Array.from(m.scoreFixedRaw(q, n));
        expect(Array.from(nat.scoreFixedRaw(q, n))).toEqual(ref);
        // Every native walk: grouped (default, above), blocked, AVX2 gathers (opt-in, where it applies), plain scalar.
        const h = compileForest(m);
        for (const walk of [(o: Int32Array) => native.ifScoreFixed(h, q, n, o, "blocked"), (o: Int32Array) => native.ifScoreFixed(h, q, n, o, true), (o: Int32Array) => native.ifScoreFixedScalar(h, q, n, o)]) {
          const o = new Int32Array(n);
          walk(o);
          expect(Array.from(o)).toEqual(ref);
        }
        const floatRef = Array.from(m.scoreFloat(x, n));
        expect(Array.from(nat.scoreFloat(x, n))).toEqual(floatRef);
        const scalarFloat = new Float64Array(n);
        native.ifScoreFloat(h, x, n, scalarFloat, "scalar");
        expect(Array.from(scalarFloat)).toEqual(floatRef);
        // NaN / ±∞ features go the same way in both (NaN: right, as `x < t` is false in TS).
        const odd = Float32Array.from(x, (v, i) => (i % 7 === 3 ? NaN : i % 11 === 5 ? (v < 0 ? -Infinity : Infinity) : v));
        expect(Array.from(nat.scoreFloat(odd, n))).toEqual(Array.from(m.scoreFloat(odd, n)));
        // Garbage raw inputs (any int32) are scored the same way too.
        const junk = Int32Array.from({ length: n * nFeatures }, (_, i) => (Math.imul(i + seed, 2654435761) | 0));
        expect(Array.from(nat.scoreFixedRaw(junk, n))).toEqual(Array.from(m.scoreFixedRaw(junk, n)));
      },
    ), { numRuns: 60 });
  });

  it("dense AE/VAE, random layers/formats/inputs", () => {
    const acts: Activation[] = ["linear", "relu", "leaky_relu"];
    const pathsSeen = new Set<string>();
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1e9 }), fc.boolean(), arbFormat(6, 20), arbFormat(4, 10), arbFormat(12, 40), arbFormat(6, 18), arbFormat(8, 24),
      fc.integer({ min: 0, max: 20 }),
      (seed, vae, inputFormat, weightFormat, accumFormat, resultFormat, outputFormat, n) => {
        const r = seededRandom(seed);
        const d = 1 + Math.floor(r() * 12);
        // Up to 24 outputs so the 8-wide SIMD blocks and their scalar tails both run.
        const sizes = [d, 1 + Math.floor(r() * 24), 1 + Math.floor(r() * 17)];
        if (!vae) sizes.push(d);
        const layers = sizes.slice(1).map((nOut, k) => denseLayer(
          sizes[k], nOut, Array.from({ length: sizes[k] * nOut }, () => (r() - 0.5) * 4), Array.from({ length: nOut }, () => r() - 0.5),
          acts[Math.floor(r() * 3)], { weight: weightFormat, accum: r() < 0.5 ? accumFormat : { ...accumFormat, quant: "TRN", overflow: "WRAP" }, result: resultFormat }, r(),
        ));
        let m: DenseNetModel;
        try {
          m = new DenseNetModel({ kind: vae ? "vae" : "ae", nFeatures: d, normalisation: identityNormalisation(d), inputFormat, outputFormat: { ...outputFormat, signed: false, width: Math.min(outputFormat.width, 31), overflow: outputFormat.overflow === "WRAP_SM" ? "WRAP" : outputFormat.overflow }, layers });
        } catch (err) {
          expect(String(err)).toMatch(/bits|wider/); // only width limits may reject a random network
          return;
        }
        const x = gaussianRows(n, d, seed + 3, 8);
        const q = m.quantizeInputs(x, n);
        expect(Array.from(nativeScorer(m).scoreFixedRaw(q, n))).toEqual(Array.from(m.scoreFixedRaw(q, n)));
        // Every native path (default: the fastest per layer; forced int32 lanes, exact doubles, generic
        // scalar), on these rows and on raw inputs across the whole input format, extremes included
        // (sums far beyond the typical ones: int32 wrap-around, saturation of the results).
        const h = compileNet(m);
        const lo = inputFormat.signed ? -(2 ** (inputFormat.width - 1)) : 0, hi = lo + 2 ** inputFormat.width - 1;
        const edge = Int32Array.from({ length: n * d }, () => { const u = r(); return u < 0.2 ? lo : u < 0.4 ? hi : lo + Math.floor(r() * (hi - lo + 1)); });
        for (const rows of [q, edge]) {
          const ref = Array.from(m.scoreFixedRaw(rows, n));
          for (const path of [undefined, "int32", "double", "scalar"] as const) {
            const o = new Int32Array(n);
            native.nnScoreFixed(h, rows, n, o, path);
            for (const p of native.nnPaths(h, path)) pathsSeen.add(p);
            expect(Array.from(o)).toEqual(ref);
          }
        }
      },
    ), { numRuns: 200 });
    // The random formats reach every layer path (so the checks above cover each of them).
    console.log([...pathsSeen]);
    expect([...pathsSeen].sort()).toEqual(["double", "int32", "int32+vector", "scalar"]);
  });

  it("dense, wide accumulator: int32 lanes only where the weights bound every sum below 2^31", () => {
    // accum_t of 40 bits does not wrap at 2^32, so the int32 path needs |Σ x·w| < 2^31 proven from
    // the weights: 12 inputs of up to 2^19 times weights of ±506 reach 3.2e9 (double path), while
    // weights of 6 stay below 2^26 (int32 lanes, scalar post-MAC loop).
    const fmt = { weight: "ap_fixed<10,4,AP_RND_CONV,AP_SAT>", accum: "ap_fixed<40,24>", result: "ap_fixed<24,16,AP_RND_CONV,AP_SAT>" };
    const d = 12, hi = 2 ** 19 - 1, lo = -(2 ** 19);
    const r = seededRandom(9);
    const rows = Int32Array.from({ length: 6 * d }, (_, i) => {
      const row = Math.floor(i / d);
      return row === 0 ? hi : row === 1 ? lo : row === 2 ? (i % 2 ? hi : lo) : lo + Math.floor(r() * (hi - lo + 1));
    });
    for (const [w, expected] of [[7.9, "double"], [0.1, "int32"]] as const) {
      const layer = denseLayer(d, 3, Array.from({ length: d * 3 }, (_, i) => (i % 3 === 1 ? -w : w)), [0.5, -0.5, 0], "linear", fmt);
      const m = new DenseNetModel({ kind: "vae", nFeatures: d, normalisation: identityNormalisation(d), inputFormat: fixedFormat(20, 10), outputFormat: fixedFormat(31, 32, false), layers: [layer] });
      const h = compileNet(m);
      expect(native.nnPaths(h)).toEqual([expected]);
      const ref = Array.from(m.scoreFixedRaw(rows, 6));
      expect(new Set(ref).size).toBeGreaterThan(2); // the scores carry the sums (not all saturated or zero)
      for (const path of [undefined, "int32", "double", "scalar"] as const) {
        const o = new Int32Array(6);
        native.nnScoreFixed(h, rows, 6, o, path);
        expect(Array.from(o)).toEqual(ref);
      }
    }
  });

  it("rejects raw inputs outside the input format in both implementations", () => {
    const layer = denseLayer(2, 1, [1, 1], [0], "linear");
    const m = new DenseNetModel({ kind: "vae", nFeatures: 2, normalisation: identityNormalisation(2), inputFormat: fixedFormat(8, 4), outputFormat: fixedFormat(16, 8, false), layers: [layer] });
    const bad = Int32Array.of(1, 1000);
    expect(() => m.scoreFixedRaw(bad, 1)).toThrow(/outside/);
    expect(() => nativeScorer(m).scoreFixedRaw(bad, 1)).toThrow(/outside/);
    // Native checks 64-row blocks 8 values at a time: a bad value in a later block or in the last
    // block's scalar tail (197 rows × 2 = 394 values) is caught too.
    for (const at of [2 * 150 + 1, 2 * 197 - 1]) {
      const many = new Int32Array(2 * 197);
      many[at] = -1000;
      expect(() => nativeScorer(m).scoreFixedRaw(many, 197)).toThrow(/outside/);
    }
    expect(Array.from(nativeScorer(m).scoreFixedRaw(new Int32Array(2 * 197).fill(127), 197))).toEqual(Array.from(m.scoreFixedRaw(new Int32Array(2 * 197).fill(127), 197)));
    expect(formatFixed(m.outputFormat)).toBe("ap_ufixed<16,8,AP_TRN,AP_WRAP>");
  });
});

describe("GMM and autoencoder training", () => {
  it("GMM (diag and full) scores an outlier above the bulk and round-trips through JSON", async () => {
    const { trainGmm } = await import("../src/scoring/gmm.js");
    const x = gaussianRows(600, 3, 21, 2);
    for (const covariance of ["diag", "full"] as const) {
      const m = trainGmm(x, 600, 3, { components: 2, covariance, iterations: 15, seed: 1 });
      const s = m.scoreFloat(new Float32Array([0, 0, 0, 12, -12, 12]), 2);
      expect(s[1]).toBeGreaterThan(s[0] + 10);
      const back = loadModel(JSON.parse(JSON.stringify(m.toJSON())));
      expect(back.id).toBe(m.id);
      expect(Array.from(back.scoreFloat(x, 50))).toEqual(Array.from(m.scoreFloat(x, 50)));
      const raw = m.scoreFixedRaw(m.quantizeInputs(x, 50), 50);
      expect(raw.length).toBe(50);
    }
  });

  it("autoencoder training lowers the reconstruction loss; native matches TS on the trained net", async () => {
    const { trainAutoencoder } = await import("../src/scoring/nn-train.js");
    const r = seededRandom(5);
    const n = 400, d = 6;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) { const a = r() * 4 - 2, b = r() * 4 - 2; x.set([a, b, a + b, a - b, 2 * a, -b], i * d); }
    const losses: number[] = [];
    const m = trainAutoencoder(x, n, d, { hidden: [8, 4, 8], epochs: 20, batchSize: 16, seed: 2, learningRate: 1e-2, onEpoch: (_e, loss) => losses.push(loss) });
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.3);
    const q = m.quantizeInputs(x, n);
    expect(Array.from(nativeScorer(m).scoreFixedRaw(q, n))).toEqual(Array.from(m.scoreFixedRaw(q, n)));
    expect(m.toJSON()).toMatchObject({ kind: "ae", nFeatures: d });
  });
});

describe("fixed-point budget", () => {
  it("counts inputs outside the input format per feature and the fixed-vs-float difference", async () => {
    const { fixedBudget } = await import("../src/scoring/budget.js");
    const x = gaussianRows(400, 3, 7, 2); // |x| ≤ 3: inside the input format
    const m = trainIsolationForest(x, 400, 3, { seed: 1, nTrees: 10, inputFormat: "ap_fixed<8,4,AP_RND_CONV,AP_SAT>" });
    // ap_fixed<8,4>: [−8, 7.9375]; put 3 values of feature 1 above and 2 of feature 2 below.
    const y = Float32Array.from(x);
    for (const i of [0, 5, 9]) y[i * 3 + 1] = 50;
    for (const i of [1, 5]) y[i * 3 + 2] = -50;
    const b = fixedBudget(m, m.spec.normalisation, y, 400);
    const base = fixedBudget(m, m.spec.normalisation, x, 400);
    const count = (s: typeof b, j: number) => s.saturation.find((f) => f.feature === j) ?? { below: 0, above: 0 };
    expect(base.saturation).toEqual([]);
    expect(base.eventsSaturated).toBe(0);
    expect(count(b, 1).above).toBe(3);
    expect(count(b, 2).below).toBe(2);
    expect(b.eventsSaturated).toBe(4); // rows 0, 1, 5, 9
    expect(b.inputFormatRange).toEqual([-8, 7.9375]);
    expect(b.scoreDiff.lsb).toBe(2 ** -fracBitsOf(m.outputFormat));
  });
});

function fracBitsOf(f: FixedFormat): number {
  return f.width - f.int;
}
