// Tukey ladder of powers for the GMM: Shapiro–Wilk W against scipy, λ picked on known
// distributions, zero handling, model JSON round trip and clear errors on bad parameters.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gmmFromJSON, trainGmm } from "../src/scoring/gmm.js";
import { loadModel } from "../src/scoring/load.js";
import {
  fitTukey, shapiroCoefficients, shapiroWilk, tukeyFromJSON, tukeyToJSON, tukeyValue,
} from "../src/scoring/tukey.js";
import { Rng } from "../src/trigger/rng.js";
import { cliSync } from "./helpers/cli.js";
import { peerIt } from "./helpers/peers.js";

const rng = (seed: number) => new Rng(seed);
const normals = (n: number, seed: number, mean = 0, sd = 1) => {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => mean + sd * r.normal());
};
/** d independent columns into row-major n × d float32 features. */
const columns = (...cols: ArrayLike<number>[]) => {
  const n = cols[0].length, d = cols.length;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = cols[j][i];
  return out;
};

describe("Shapiro–Wilk W (Royston AS R94)", () => {
  it("coefficients are antisymmetric with unit norm; n = 3 is exact (±1/√2)", () => {
    expect(Array.from(shapiroCoefficients(3))).toEqual([-Math.SQRT1_2, 0, Math.SQRT1_2]);
    for (const n of [4, 5, 6, 20, 500]) {
      const a = shapiroCoefficients(n);
      expect(a.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 6);
      for (let i = 0; i < n; i++) expect(a[i]).toBeCloseTo(-a[n - 1 - i], 12);
    }
  });

  peerIt("scipy")("agrees with scipy.stats.shapiro on normal, skewed and small samples", () => {
    const r = rng(7);
    const samples: number[][] = [
      [1, 2, 4],
      [2.1, 3.5, 3.6, 9.0],
      [1, 1.5, 2, 8, 20],
      Array.from(normals(6, 1)),
      Array.from(normals(11, 2)),
      Array.from(normals(50, 3)),
      Array.from({ length: 200 }, () => Math.exp(r.normal())),
      Array.from(normals(1000, 4)),
      Array.from({ length: 5000 }, () => r.exponential(2)),
    ];
    const py = execFileSync("/usr/bin/python3", ["-c", "import sys, json\nfrom scipy.stats import shapiro\nprint(json.dumps([float(shapiro(s)[0]) for s in json.load(sys.stdin)]))"], {
      input: JSON.stringify(samples), encoding: "utf8",
    });
    const expected = JSON.parse(py) as number[];
    // scipy's swilk works in single precision, hence 1e-5.
    samples.forEach((s, k) => expect(Math.abs(shapiroWilk(s) - expected[k])).toBeLessThan(1e-5));
    expect(expected[5]).toBeGreaterThan(0.9); // normal is near 1, exponential well below
    expect(expected[8]).toBeLessThan(0.95);
  });

  it("rejects samples it cannot measure", () => {
    expect(() => shapiroWilk([1, 2])).toThrow(/3 ≤ n/);
    expect(shapiroWilk([5, 5, 5])).toBeNaN();
  });
});

describe("Tukey ladder of powers", () => {
  const n = 3000;
  const normal = normals(n, 11, 0, 1);
  const logNormal = normals(n, 12, 1, 0.6).map(Math.exp);
  const sqrtNormal = normals(n, 13, 6, 1).map((z) => z * z); // √x is normal → λ = ½
  const invNormal = normals(n, 14, 10, 1).map((z) => 1 / z); // 1/x is normal → λ = −1

  it("picks λ = 1 for a normal, 0 for a log-normal, ½ for a squared normal, −1 for a reciprocal", () => {
    const t = fitTukey(columns(normal, logNormal, sqrtNormal, invNormal), n, 4);
    expect(Array.from(t.lambda)).toEqual([1, 0, 0.5, -1]);
    for (const w of t.w) expect(w).toBeGreaterThan(0.99);
    expect(t.shift[0]).toBe(0); // identity rung: no shift
    expect(t.shift[1]).toBe(0); // already positive
  });

  it("leaves zero-filled slots out of the choice and maps 0 to the image of the softest value", () => {
    const r = rng(21);
    const withZeros = logNormal.map((v) => (r.uniform() < 0.6 ? 0 : v)); // 60 % absent objects
    const t = fitTukey(columns(withZeros), n, 1);
    expect(t.lambda[0]).toBe(0);
    let minNonZero = Infinity;
    for (const v of withZeros) if (v !== 0) minNonZero = Math.min(minNonZero, Math.fround(v));
    expect(t.floor[0]).toBe(minNonZero);
    expect(tukeyValue(t, 0, 0)).toBe(Math.log(minNonZero));
    expect(tukeyValue(t, -5, 0)).toBe(Math.log(minNonZero)); // never seen: clamped, no NaN
    expect(tukeyValue(t, Math.E ** 2, 0)).toBeCloseTo(2, 12);
  });

  it("shifts a feature with non-positive values and keeps the transform increasing", () => {
    const skewed = logNormal.map((v) => v - 3); // log-normal moved to take both signs
    const t = fitTukey(columns(skewed), n, 1);
    expect(t.shift[0]).toBeGreaterThan(0);
    expect(t.lambda[0]).toBeLessThan(1); // right skew is pulled in by a power below 1
    const xs = [-10, -3, -2.5, 0, 1, 10, 100];
    const ys = xs.map((x) => tukeyValue(t, x, 0));
    for (let k = 1; k < ys.length; k++) expect(ys[k]).toBeGreaterThanOrEqual(ys[k - 1]);
    expect(ys.every(Number.isFinite)).toBe(true);
  });

  it("keeps λ = 1 for constant, all-zero and too sparse features", () => {
    const zeros = new Float64Array(n), constant = new Float64Array(n).fill(4), sparse = new Float64Array(n);
    for (let i = 0; i < 10; i++) sparse[i * 100] = 1 + i;
    const t = fitTukey(columns(zeros, constant, sparse), n, 3);
    expect(Array.from(t.lambda)).toEqual([1, 1, 1]);
    expect(tukeyValue(t, 0, 0)).toBe(0);
  });

  it("rejects bad ladders and bad JSON with one clear error", () => {
    const x = columns(logNormal);
    expect(() => fitTukey(x, n, 1, { ladder: [] })).toThrow(/at least one power/);
    expect(() => fitTukey(x, n, 1, { ladder: [0, NaN] })).toThrow(/finite numbers/);
    expect(() => fitTukey(x, n, 1, { ladder: [0, 9] })).toThrow(/\[-4, 4\]/);
    expect(() => fitTukey(x, n, 1, { ladder: [0, 0] })).toThrow(/distinct/);
    const good = tukeyToJSON(fitTukey(x, n, 1));
    expect(() => tukeyFromJSON({ ...good, lambda: [0, 1] }, 1)).toThrow(/tukey.lambda: expected 1 entries/);
    expect(() => tukeyFromJSON({ ...good, floor: [0] }, 1)).toThrow(/tukey.floor\[0\]: must be > 0/);
    expect(() => tukeyFromJSON({ ...good, lambda: [7] }, 1)).toThrow(/\[-4, 4\]/);
    expect(() => tukeyFromJSON("log", 1)).toThrow(/expected an object/);
  });
});

describe("GMM with the Tukey transform", () => {
  const n = 2000;
  const r = rng(31);
  const pt = normals(n, 32, 2.5, 0.8).map((z) => (r.uniform() < 0.3 ? 0 : Math.exp(z)));
  const eta = normals(n, 33, 0, 1.5);
  const x = columns(pt, eta);

  it("stores the transform in the model JSON, round-trips bit for bit and applies it at scoring", () => {
    const model = trainGmm(x, n, 2, { components: 3, tukey: true, seed: 5 });
    const json = model.toJSON() as Record<string, unknown>;
    const tk = json.tukey as { lambda: number[] };
    expect(tk.lambda).toEqual([0, 1]);
    const back = loadModel(JSON.parse(JSON.stringify(json)));
    expect(back.id).toBe(model.id);
    expect(back.toJSON()).toEqual(json);
    const probe = Float32Array.from([30, 0.5, 0, 0, 2000, 0]);
    expect(Array.from(back.scoreFloat(probe, 3))).toEqual(Array.from(model.scoreFloat(probe, 3)));
    expect(Array.from(back.scoreFixedRaw(back.quantizeInputs(probe, 3), 3))).toEqual(Array.from(model.scoreFixedRaw(model.quantizeInputs(probe, 3), 3)));
    // The transform is really applied: dropping it from the JSON changes the scores.
    const { tukey: _t, ...plain } = json;
    const without = gmmFromJSON(plain);
    expect(Array.from(without.scoreFloat(probe, 3))).not.toEqual(Array.from(model.scoreFloat(probe, 3)));
    // A far outlier in log pT scores above the bulk.
    const s = model.scoreFloat(probe, 3);
    expect(s[2]).toBeGreaterThan(s[0]);
  });

  it("is off unless asked for, and a model without it has no tukey field", () => {
    const json = trainGmm(x, n, 2, { components: 2, seed: 5 }).toJSON() as Record<string, unknown>;
    expect("tukey" in json).toBe(false);
  });

  it("a bad tukey block fails loadModel with one clear line", () => {
    const json = trainGmm(x, n, 2, { components: 2, tukey: true, seed: 5 }).toJSON() as Record<string, unknown>;
    const bad = { ...json, tukey: { ...(json.tukey as object), shift: [0] } };
    expect(() => loadModel(bad)).toThrow(/^invalid model model: gmm\.tukey\.shift: expected 2 entries, got 1$/);
  });
});

describe("scoutloop train --model gmm --tukey", () => {
  const dir = mkdtempSync(join(tmpdir(), "scoutloop-tukey-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a GMM with a per-feature λ that score reads back", () => {
    const out = join(dir, "gmm.json");
    const res = cliSync(["train", "--model", "gmm", "--tukey", "--gen-orbits", "1", "--components", "2", "--out", out, "--json"]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const model = JSON.parse(readFileSync(out, "utf8"));
    expect(model.tukey.lambda).toHaveLength(57);
    expect(model.tukey.lambda.some((l: number) => l !== 1)).toBe(true);
    const score = cliSync(["score", "--model", out, "--gen-orbits", "1", "--fixed", "--json"]);
    expect(score.code).toBe(0);
    expect(JSON.parse(score.stdout).events).toBeGreaterThan(0);
  });

  it("rejects a bad ladder or --tukey on another model as a usage error (exit 2, one line)", () => {
    for (const args of [
      ["--model", "gmm", "--tukey-ladder", "0,x"],
      ["--model", "gmm", "--tukey-ladder", "0,0"],
      ["--model", "iforest", "--tukey"],
    ]) {
      const res = cliSync(["train", ...args, "--gen-orbits", "1", "--out", join(dir, "bad.json")]);
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
