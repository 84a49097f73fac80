import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { poissonGaussianPValue } from "../src/stats/pvalues.js";
import { generalSearch, scanRegions } from "../src/monitor/general-search.js";
import type { MonitorResult } from "../src/monitor/monitor.js";
import { PYTHON, peerIt } from "./helpers/peers.js";

const CASES: Array<[number, number, number]> = [[10, 3, 0], [10, 3, 1], [25, 10, 3], [3, 10, 2], [0, 4, 1], [150, 100, 20], [40, 5, 6], [2, 0.5, 0.4], [1200, 1000, 30]];

describe("general search", () => {
  peerIt("scipy")("the Poisson ⊗ truncated-Gaussian p-value equals scipy's quad of the same integral", () => {
    const sp = JSON.parse(execFileSync(PYTHON, [join(__dirname, "python", "gs_scipy.py")], { input: JSON.stringify(CASES), encoding: "utf8", timeout: 60_000 })) as number[];
    CASES.forEach(([n, b, s], i) => {
      const ours = poissonGaussianPValue(n, b, s).p;
      expect(Math.abs(ours - sp[i]) / sp[i], `n=${n} b=${b} σ=${s}: ${ours} vs ${sp[i]}`).toBeLessThan(1e-6);
    });
  });

  it("σ = 0 is the Poisson tail; a larger σ makes an excess less significant", () => {
    // P(N ≥ 10 | 3) = 1 − Σ_{k<10} e^{−3} 3^k/k! = 0.0011024881301155
    expect(poissonGaussianPValue(10, 3, 0).p).toBeCloseTo(0.0011024881301155, 12);
    expect(poissonGaussianPValue(10, 3, 1).p).toBeGreaterThan(poissonGaussianPValue(10, 3, 0).p);
    expect(poissonGaussianPValue(3, 10, 0).excess).toBe(false);
  });

  const flat = (n: number, b: number) => ({ observed: new Array(20).fill(n), expected: new Array(20).fill(b), reference: new Array(20).fill(b * 2), scale: 0.5, systematic: 0.05 });
  it("finds the connected region of an injected excess, and the look-elsewhere p̃ is larger than the local p", () => {
    const s = flat(50, 50);
    for (let i = 8; i <= 10; i++) s.observed[i] = 80;
    const r = scanRegions(s)!;
    expect([r.first, r.last]).toEqual([8, 10]);
    expect(r.excess).toBe(true);
    const variable = (obs: number[]) => ({ variable: "HT", unit: "GeV", edges: Array.from({ length: 21 }, (_, i) => i * 10), observed: obs, reference: s.reference, expected: s.expected, sigma: [], pExcess: [], pDeficit: [], z: [], flagged: [] });
    const m = { scale: 0.5, systematic: 0.05, channels: [{ name: "c", spec: "", observedSelected: 0, referenceSelected: 0, variables: [variable(s.observed)] }, { name: "null", spec: "", observedSelected: 0, referenceSelected: 0, variables: [variable(new Array(20).fill(50))] }] } as unknown as MonitorResult;
    const gs = generalSearch(m, { pseudoExperiments: 40, seed: 1 });
    const [sig, nul] = gs.channels;
    expect(sig.region).toMatchObject({ lo: 80, hi: 110, observed: 240, excess: true });
    expect(sig.pGlobal).toBeGreaterThan(sig.pLocal);
    expect(sig.globalBound).toBe(true); // no background-only pseudo-experiment gets that far
    expect(nul.pGlobal).toBeGreaterThan(0.1); // the observed expectation itself is not significant after the trials factor
  });
});
