import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/trigger/rng.js";
import { kernelBasis, nplmT, nystromFeatures, weightedLogistic } from "../src/study/nplm-fit.js";
import { NPLM_DEFAULTS, nplmTest, sampleWithoutReplacement, type Table } from "../src/study/nplm.js";
import { fitChi2Dof, chi2Sf, pToZ, zToP } from "../src/stats/index.js";
import { PYTHON, peerIt } from "./helpers/peers.js";

/** A small weighted problem: data (label 1) and reference (label 0, weight N_D/N_R) in d dims. */
function problem(seed: number, nData: number, nRef: number, d: number, m: number, sigma: number, shift = 0.3) {
  const rng = new Rng(seed);
  const n = nData + nRef;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) x[i * d + c] = rng.normal() + (i < nData && c === 0 ? shift : 0);
  const y = new Uint8Array(n).fill(1, 0, nData);
  const w = new Float64Array(n).fill(1).fill(nData / nRef, nData);
  const pick = sampleWithoutReplacement(n, m, rng);
  const centres = new Float64Array(m * d);
  for (let j = 0; j < m; j++) centres.set(x.subarray(pick[j] * d, pick[j] * d + d), j * d);
  const basis = kernelBasis(centres, m, d, sigma);
  return { n, x, y, w, basis, wRef: nData / nRef };
}

describe("NPLM kernel fit", () => {
  it("native and TS paths agree (features, f and t) on random input", () => {
    const p = problem(11, 300, 900, 3, 40, 1.5);
    const phiTs = nystromFeatures(p.basis, p.x, p.n, "ts");
    const phiNative = nystromFeatures(p.basis, p.x, p.n, "native");
    let maxPhi = 0;
    for (let i = 0; i < phiTs.length; i++) maxPhi = Math.max(maxPhi, Math.abs(phiTs[i] - phiNative[i]));
    expect(maxPhi).toBeLessThan(1e-9);
    const a = weightedLogistic(phiTs, p.n, 40, p.y, p.w, 1e-6, 100, 1e-12, "ts");
    const b = weightedLogistic(phiTs, p.n, 40, p.y, p.w, 1e-6, 100, 1e-12, "native");
    expect(a.converged && b.converged).toBe(true);
    expect(b.iterations).toBe(a.iterations);
    let maxF = 0;
    for (let i = 0; i < p.n; i++) maxF = Math.max(maxF, Math.abs(a.f[i] - b.f[i]));
    expect(maxF).toBeLessThan(1e-8);
    expect(nplmT(b.f, p.y, p.wRef)).toBeCloseTo(nplmT(a.f, p.y, p.wRef), 7);
  });

  peerIt("sklearn")("fitted f and t equal scikit-learn's LogisticRegression with sample weights on the same Nyström features", () => {
    const m = 30, lambda = 1e-4;
    const p = problem(5, 200, 600, 2, m, 1.2, 0.6);
    const phi = nystromFeatures(p.basis, p.x, p.n, "native");
    const ours = weightedLogistic(phi, p.n, m, p.y, p.w, lambda, 100, 1e-14, "native");
    const out = execFileSync(PYTHON, [join(__dirname, "python", "nplm_sklearn.py")], {
      input: JSON.stringify({ phi: Array.from(phi), n: p.n, m, y: Array.from(p.y), w: Array.from(p.w), lambda }),
      encoding: "utf8", timeout: 60_000,
    });
    const sk = JSON.parse(out) as { f: number[] };
    let maxF = 0;
    for (let i = 0; i < p.n; i++) maxF = Math.max(maxF, Math.abs(ours.f[i] - sk.f[i]));
    expect(maxF).toBeLessThan(1e-5);
    const tOurs = nplmT(ours.f, p.y, p.wRef);
    const tSk = nplmT(Float64Array.from(sk.f), p.y, p.wRef);
    expect(tOurs).toBeGreaterThan(5); // a real signal, not a trivial zero
    expect(Math.abs(tOurs - tSk)).toBeLessThan(1e-4 * tOurs);
  });

  it("learns the log density ratio: data ∝ 2x on a uniform reference gives f ≈ log 2x", () => {
    const rng = new Rng(3);
    const nData = 4000, nRef = 8000, m = 40;
    const n = nData + nRef;
    const x = new Float64Array(n);
    for (let i = 0; i < nData; i++) x[i] = Math.sqrt(rng.uniform()); // density 2x on [0,1]
    for (let i = nData; i < n; i++) x[i] = rng.uniform();
    const y = new Uint8Array(n).fill(1, 0, nData);
    const w = new Float64Array(n).fill(1).fill(nData / nRef, nData);
    const centres = Float64Array.from({ length: m }, (_, j) => (j + 0.5) / m);
    const basis = kernelBasis(centres, m, 1, 0.3);
    const fit = weightedLogistic(nystromFeatures(basis, x, n, "native"), n, m, y, w, 1e-6, 100, 1e-12, "native");
    const probe = Float64Array.from([0.25, 0.5, 0.75]);
    const fp = new Float64Array(3);
    const phiP = nystromFeatures(basis, probe, 3, "native");
    for (let i = 0; i < 3; i++) for (let j = 0; j < m; j++) fp[i] += phiP[i * m + j] * fit.beta[j];
    for (let i = 0; i < 3; i++) expect(Math.abs(fp[i] - Math.log(2 * probe[i]))).toBeLessThan(0.12);
  });
});

describe("NPLM test statistic and null", () => {
  it("fits the dof of χ²_k toys (sums of k squared normals)", () => {
    const rng = new Rng(9);
    for (const k of [3, 8]) {
      const toys = Array.from({ length: 400 }, () => { let s = 0; for (let i = 0; i < k; i++) s += rng.normal() ** 2; return s; });
      const fit = fitChi2Dof(toys);
      expect(Math.abs(fit.dof - k)).toBeLessThan(0.8);
      expect(fit.ksP).toBeGreaterThan(0.01);
    }
  });

  it("χ² tail and Z conversions match known values", () => {
    // scipy.stats.chi2.sf(10, 3) = 0.018566135463043, norm.sf(5) = 2.866515718791939e-07
    expect(chi2Sf(10, 3)).toBeCloseTo(0.018566135463043, 12);
    expect(zToP(5) / 2.866515718791939e-7).toBeCloseTo(1, 9);
    expect(pToZ(2.866515718791939e-7)).toBeCloseTo(5, 6);
    expect(chi2Sf(400, 10)).toBeGreaterThan(0); // deep tail stays finite, not 1 − 1
  });

  const table = (values: Float64Array): Table => ({ n: values.length, d: 1, values, columns: ["x"] });
  it("sees a bump the reference does not have, and not an identical distribution", () => {
    const rng = new Rng(21);
    const exp = (n: number) => Float64Array.from({ length: n }, () => rng.exponential(1));
    const ref = exp(6000);
    const cfg = { ...NPLM_DEFAULTS, m: 40, toys: 20 };
    const same = nplmTest({ reference: table(ref), data: table(exp(1000)), describeReference: "r", describeData: "d", config: cfg });
    const bumpData = exp(1000);
    for (let i = 0; i < 80; i++) bumpData[i] = 2.5 + 0.4 * rng.normal();
    const bump = nplmTest({ reference: table(ref), data: table(bumpData), describeReference: "r", describeData: "bump", config: cfg });
    expect(same.null.t).toHaveLength(20);
    expect(same.null.fit.dof).toBeGreaterThan(0);
    expect(same.chi2.z).toBeLessThan(3);
    expect(bump.chi2.z).toBeGreaterThan(4);
    expect(bump.empirical.bound).toBe(true); // beyond every toy: p is the bound 1/N
    expect(bump.empirical.p).toBeCloseTo(1 / 20, 12);
    // The reweighted reference follows the data where the bump is.
    const r = bump.reconstruction!;
    const k = r.edges.findIndex((e, i) => e <= 2.5 && r.edges[i + 1] > 2.5);
    expect(r.reweighted[k]).toBeGreaterThan(1.3 * r.reference[k]);
  });
});
