/** Monitoring: p-values against direct sums, flags on an injected excess, none on a null. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { binPValues, lnGamma, pToZ } from "../src/stats/pvalues.js";
import { MonitorFiller, compareToReference } from "../src/monitor/monitor.js";
import { parseSelection } from "../src/monitor/selection.js";
import { generateOrbits } from "../src/trigger/index.js";

const poissonTail = (n: number, mu: number) => {
  let cdf = 0;
  for (let k = 0; k < n; k++) cdf += Math.exp(-mu + k * Math.log(mu) - lnGamma(k + 1));
  return 1 - cdf;
};
const negBinTail = (n: number, b: number, s: number) => {
  const a = (b * b) / (s * s), beta = b / (s * s), q = beta / (1 + beta);
  let cdf = 0;
  for (let k = 0; k < n; k++) cdf += Math.exp(lnGamma(k + a) - lnGamma(k + 1) - lnGamma(a) + a * Math.log(q) + k * Math.log(1 - q));
  return 1 - cdf;
};

describe("bin p-values", () => {
  it("σ = 0 is the Poisson tail; σ > 0 is the negative-binomial tail (direct sums)", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0.5, max: 40, noNaN: true }), fc.double({ min: 0.05, max: 0.5, noNaN: true }), (n, b, rel) => {
      expect(binPValues(n, b, 0).pExcess).toBeCloseTo(poissonTail(n, b), 8);
      expect(binPValues(n, b, rel * b).pExcess).toBeCloseTo(negBinTail(n, b, rel * b), 7);
    }), { numRuns: 150 });
  });
  it("a systematic weakens the significance; Z of known p-values", () => {
    expect(binPValues(30, 10, 2).pExcess).toBeGreaterThan(binPValues(30, 10, 0).pExcess);
    expect(pToZ(0.0013499)).toBeCloseTo(3, 3);
    expect(pToZ(2.8665e-7)).toBeCloseTo(5, 2);
    expect(pToZ(0.5)).toBeCloseTo(0, 6);
  });
  it("rejects nonsense", () => {
    expect(() => binPValues(-1, 1, 0)).toThrow(RangeError);
    expect(() => parseSelection("nocolon")).toThrow(/name:cut/);
    expect(() => parseSelection("x:bogus>=1")).toThrow(/unknown quantity/);
    expect(() => parseSelection("x:jets>=abc")).toThrow(/not a number/);
  });
});

describe("monitoring over generated orbits", () => {
  const sels = ["all:", "lepton:egammas>=1", "dijet:jets>=2"].map(parseSelection);
  const ref = new MonitorFiller(sels).addAll(generateOrbits({ seed: 1, orbits: 2 }));
  it("flags an injected A→4ℓ excess, and not an independent background run", () => {
    const sig = new MonitorFiller(sels).addAll(generateOrbits({ seed: 2, orbits: 2, signal: "Ato4l", injectFraction: 0.05 }));
    const withSignal = compareToReference(sig, ref, { observed: "sig", reference: "ref" });
    expect(withSignal.flaggedBins).toBeGreaterThan(0);
    const flaggedZ = withSignal.channels.flatMap((c) => c.variables.flatMap((v) => v.z.filter((_, i) => v.flagged[i])));
    expect(Math.max(...flaggedZ)).toBeGreaterThanOrEqual(3);
    const nul = new MonitorFiller(sels).addAll(generateOrbits({ seed: 3, orbits: 2 }));
    const nullRes = compareToReference(nul, ref, { observed: "bkg", reference: "ref" });
    expect(nullRes.flaggedBins).toBeLessThanOrEqual(1);
    expect(nullRes.method).toMatch(/5\.0 %/);
    // Bookkeeping: every selected event lands in each variable's histogram (bins + under/overflow).
    const all = sig.channels[0];
    const h = all.histograms.HT;
    expect(h.counts.reduce((a, b) => a + b, 0) + h.underflow + h.overflow).toBe(all.selected);
    expect(all.selected).toBe(sig.events);
  });
});
