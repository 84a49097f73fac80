// Seeded generator: determinism, filling scheme, injection, signal masses, options, features TS vs native.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BX_PER_ORBIT, diffBatches, type OrbitBatch } from "../src/events/batch.js";
import { FEATURE_NAMES, N_FEATURES, SLOT_CLASS, extractFeaturesHw } from "../src/events/features.js";
import {
  caloEtFromHw, caloEtaFromHw, caloPhiFromHw, muonEtaFromHw, muonPhiFromHw, muonPtFromHw,
} from "../src/events/scales.js";
import { native } from "../src/native.js";
import {
  FourVectors, PhysicsScratch, Rng, SIGNALS, SIGNAL_MASS_GEV, emulateTrigger, fillingScheme, filledBunches,
  generateOrbits, generateSignal, invariantMassPtEtaPhi, type GeneratorOptions, type PhysicsObject,
} from "../src/trigger/index.js";
import { Detector } from "../src/trigger/detector.js";

const all = (opts: GeneratorOptions): OrbitBatch[] => [...generateOrbits(opts)];
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

/** (pT, η, φ) of the e/γ and muons of stored BX i, hardest first, from the quantised batch. */
function leptons(b: OrbitBatch, i: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  const m = b.muons;
  for (let j = m.offset[i]; j < m.offset[i + 1]; j++)
    out.push([muonPtFromHw(m.hwPt[j]), muonEtaFromHw(m.hwEtaAtVtx[j]), muonPhiFromHw(m.hwPhiAtVtx[j])]);
  const e = b.egammas;
  for (let j = e.offset[i]; j < e.offset[i + 1]; j++)
    out.push([caloEtFromHw(e.hwEt[j]), caloEtaFromHw(e.hwEta[j]), caloPhiFromHw(e.hwPhi[j])]);
  return out.sort((a, c) => c[0] - a[0]);
}
const mass = (objs: [number, number, number][]) =>
  invariantMassPtEtaPhi(objs.map((o) => o[0]), objs.map((o) => o[1]), objs.map((o) => o[2]));

describe("PRNG", () => {
  it("repeats a stream for the same (seed, stream) and differs otherwise", () => {
    const draw = (seed: number, stream: number) => { const r = new Rng(seed, stream); return Array.from({ length: 8 }, () => r.nextU32()); };
    expect(draw(42, 1)).toEqual(draw(42, 1));
    expect(draw(42, 1)).not.toEqual(draw(42, 2));
    expect(draw(42, 1)).not.toEqual(draw(43, 1));
    expect(draw(2 ** 40 + 5, 0)).not.toEqual(draw(5, 0)); // the high half of the seed matters
  });
  it("has sane moments (uniform mean, Poisson mean, normal variance)", () => {
    const r = new Rng(9);
    let u = 0, p = 0, n2 = 0;
    const N = 40000;
    for (let k = 0; k < N; k++) { u += r.uniform(); p += r.poisson(6); n2 += r.normal() ** 2; }
    expect(u / N).toBeCloseTo(0.5, 2);
    expect(Math.abs(p / N - 6)).toBeLessThan(0.06);
    expect(Math.abs(n2 / N - 1)).toBeLessThan(0.03);
  });
});

describe("filling scheme", () => {
  const mask = fillingScheme();
  const filled = filledBunches(mask);
  it("fills ~2500 of 3564 bunch slots in 48-bunch trains and keeps the abort gap empty", () => {
    expect(filled.length).toBeGreaterThanOrEqual(2400);
    expect(filled.length).toBeLessThanOrEqual(2600);
    for (let bx = 3444; bx <= BX_PER_ORBIT; bx++) expect(mask[bx]).toBe(0);
    // Train lengths: runs of consecutive filled slots.
    const runs: number[] = [];
    let run = 0;
    for (let bx = 1; bx <= BX_PER_ORBIT + 1; bx++) {
      if (mask[bx]) run++;
      else if (run) { runs.push(run); run = 0; }
    }
    expect(new Set(runs)).toEqual(new Set([48]));
  });
  it("accepts 72-bunch trains and rejects nonsense", () => {
    expect(filledBunches(fillingScheme({ trainLength: 72, trainsPerInjection: 4 })).length).toBeGreaterThan(2000);
    expect(() => fillingScheme({ trainLength: 0 })).toThrow(/trainLength/);
    expect(() => fillingScheme({ injectionGap: -1 })).toThrow(/injectionGap/);
  });
  it("generated orbits store only filled BX; empty BX exist", () => {
    const [b] = all({ seed: 3, orbits: 1 });
    expect(b.nBx).toBeGreaterThan(0.9 * filled.length);
    expect(b.nBx).toBeLessThanOrEqual(filled.length);
    for (let i = 0; i < b.nBx; i++) expect(mask[b.bx[i]]).toBe(1);
    for (let i = 1; i < b.nBx; i++) expect(b.bx[i]).toBeGreaterThan(b.bx[i - 1]);
    expect(BX_PER_ORBIT - b.nBx).toBeGreaterThan(900);
  });
});

describe("determinism", () => {
  const opts: GeneratorOptions = { seed: 12345, orbits: 3, firstOrbit: 40, signal: "h0_tautau", injectFraction: 0.05 };
  it("same seed -> identical bytes in every array, labels included", () => {
    const a = all(opts);
    const b = all(opts);
    expect(a.length).toBe(3);
    for (let k = 0; k < a.length; k++) {
      expect(diffBatches(a[k], b[k])).toBeNull();
      expect(Buffer.from(a[k].label!.buffer).equals(Buffer.from(b[k].label!.buffer))).toBe(true);
      expect(a[k].orbit).toBe(40 + k);
    }
  });
  it("different seed -> different orbits", () => {
    const a = all(opts)[0];
    const c = all({ ...opts, seed: 12346 })[0];
    expect(diffBatches(a, c)).not.toBeNull();
  });
  it("an orbit does not depend on the orbits generated before it", () => {
    const long = all(opts);
    const alone = all({ ...opts, firstOrbit: 42, orbits: 1 })[0];
    expect(diffBatches(long[2], alone)).toBeNull();
    expect(diffBatches(long[1], alone)).not.toBeNull();
  });
});

describe("signal injection", () => {
  it("labels injected BX with SIGNALS index + 1 at the requested fraction", () => {
    const f = 0.2;
    let labelled = 0, stored = 0;
    for (const b of generateOrbits({ seed: 5, orbits: 2, signal: "LQ_btau", injectFraction: f })) {
      stored += b.nBx;
      for (let i = 0; i < b.nBx; i++) {
        expect([0, 2]).toContain(b.label![i]);
        if (b.label![i]) labelled++;
      }
    }
    const sigma = Math.sqrt((f * (1 - f)) / stored);
    expect(Math.abs(labelled / stored - f)).toBeLessThan(5 * sigma);
  });
  it("background only has no labels; injectFraction 1 labels every stored BX", () => {
    const [bg] = all({ seed: 1, orbits: 1 });
    expect(bg.label!.every((x) => x === 0)).toBe(true);
    const [sig] = all({ seed: 1, orbits: 1, signal: "hplus_taunu", injectFraction: 1, pileup: 0 });
    expect(sig.nBx).toBeGreaterThan(100);
    expect(sig.label!.every((x) => x === SIGNALS.indexOf("hplus_taunu") + 1)).toBe(true);
  });
  it("every signal generates events", () => {
    for (const signal of SIGNALS) {
      const [b] = all({ seed: 2, orbits: 1, signal, injectFraction: 0.02, pileup: 20 });
      expect(b.label!.filter((x) => x > 0).length).toBeGreaterThan(20);
    }
  });
});

describe("signal kinematics", () => {
  it("two-body decays conserve four-momentum and give the requested masses (property)", () => {
    fc.assert(fc.property(
      fc.double({ min: 5, max: 500, noNaN: true }), fc.double({ min: 0, max: 0.45, noNaN: true }), fc.double({ min: 0, max: 0.45, noNaN: true }),
      fc.double({ min: 0, max: 300, noNaN: true }), fc.double({ min: -4, max: 4, noNaN: true }), fc.integer(),
      (M, f1, f2, pt, y, seed) => {
        const fv = new FourVectors();
        const p = fv.alloc();
        fv.setPtRapidityPhiM(p, pt, y, 0.7, M);
        const [a, b] = fv.decay(new Rng(seed), p, f1 * M, f2 * M);
        const scale = fv.e(p);
        for (const get of [fv.e, fv.px, fv.py, fv.pz].map((g) => g.bind(fv)))
          expect(Math.abs(get(a) + get(b) - get(p))).toBeLessThan(1e-9 * scale);
        expect(Math.abs(fv.mass(a) - f1 * M)).toBeLessThan(1e-6 * scale);
        expect(Math.abs(fv.mass(b) - f2 * M)).toBeLessThan(1e-6 * scale);
      }));
  });
  it("A->4l leptons reconstruct the parent mass exactly before detector effects", () => {
    const rng = new Rng(77);
    const ctx = { rng, fv: new FourVectors(), ev: new PhysicsScratch(), detector: new Detector(false) };
    for (let k = 0; k < 200; k++) {
      ctx.ev.clear();
      ctx.fv.reset();
      generateSignal(ctx, "Ato4l", 50);
      expect(ctx.ev.n).toBe(4);
      expect(invariantMassPtEtaPhi(ctx.ev.pt.subarray(0, 4), ctx.ev.eta.subarray(0, 4), ctx.ev.phi.subarray(0, 4))).toBeCloseTo(50, 6);
    }
  });
  for (const M of [SIGNAL_MASS_GEV.Ato4l, 120]) {
    it(`A->4l four-lepton mass from the emulated, quantised objects peaks at ${M} GeV`, () => {
      const masses: number[] = [];
      for (const b of generateOrbits({ seed: 7, orbits: 1, signal: "Ato4l", injectFraction: 1, pileup: 0, signalMass: M })) {
        for (let i = 0; i < b.nBx; i++) {
          const l = leptons(b, i);
          if (l.length >= 4) masses.push(mass(l.slice(0, 4)));
        }
      }
      expect(masses.length).toBeGreaterThan(1000);
      // Resolution: 2-3 % lepton pT, 0.0435 calo η/φ cells -> about ±2 % on the mass.
      expect(Math.abs(quantile(masses, 0.5) - M)).toBeLessThan(0.01 * M);
      expect(quantile(masses, 0.84) - quantile(masses, 0.16)).toBeLessThan(0.08 * M);
      expect(masses.filter((m) => Math.abs(m - M) < 0.05 * M).length / masses.length).toBeGreaterThan(0.95);
    });
  }
  it("A->4l peak survives pile-up 60", () => {
    const masses: number[] = [];
    for (const b of generateOrbits({ seed: 8, orbits: 1, signal: "Ato4l", injectFraction: 0.5 })) {
      for (let i = 0; i < b.nBx; i++) {
        const l = leptons(b, i);
        if (b.label![i] && l.length >= 4) masses.push(mass(l.slice(0, 4)));
      }
    }
    expect(Math.abs(quantile(masses, 0.5) - 50)).toBeLessThan(1);
  });
  it("LQ->b tau: visible b-jet + tau-jet mass lies below the LQ mass with its endpoint at M", () => {
    const M = SIGNAL_MASS_GEV.LQ_btau;
    const masses: number[] = [];
    for (const b of generateOrbits({ seed: 9, orbits: 1, signal: "LQ_btau", injectFraction: 1, pileup: 0 })) {
      for (let i = 0; i < b.nBx; i++) {
        const t = b.taus.offset[i];
        if (b.taus.offset[i + 1] === t) continue;
        const tau: [number, number, number] = [caloEtFromHw(b.taus.hwEt[t]), caloEtaFromHw(b.taus.hwEta[t]), caloPhiFromHw(b.taus.hwPhi[t])];
        for (let j = b.jets.offset[i]; j < b.jets.offset[i + 1]; j++) {
          const jet: [number, number, number] = [caloEtFromHw(b.jets.hwEt[j]), caloEtaFromHw(b.jets.hwEta[j]), caloPhiFromHw(b.jets.hwPhi[j])];
          const dr = Math.hypot(jet[1] - tau[1], Math.abs(Math.abs(jet[2] - tau[2]) - Math.PI) - Math.PI);
          if (dr > 0.4) { masses.push(mass([tau, jet])); break; } // the first jet away from the τ is the b
        }
      }
    }
    expect(masses.length).toBeGreaterThan(800);
    expect(masses.filter((m) => m > 1.1 * M).length / masses.length).toBeLessThan(0.02);
    expect(quantile(masses, 0.95)).toBeGreaterThan(0.9 * M);
    expect(quantile(masses, 0.5)).toBeGreaterThan(0.6 * M);
    expect(quantile(masses, 0.5)).toBeLessThan(0.9 * M);
  });
});

describe("features of generated batches", () => {
  const nativeFeatures = (b: OrbitBatch): Int32Array => {
    const out = new Int32Array(b.nBx * N_FEATURES).fill(-1);
    native.extractFeaturesHw(
      b.nBx, b.sums.hwMissEt, b.sums.hwMissEtPhi,
      b.egammas.offset, b.egammas.hwEt, b.egammas.hwEta, b.egammas.hwPhi,
      b.muons.offset, b.muons.hwPt, b.muons.hwEtaAtVtx, b.muons.hwPhiAtVtx,
      b.jets.offset, b.jets.hwEt, b.jets.hwEta, b.jets.hwPhi, out);
    return out;
  };
  it("TS extractFeaturesHw and native.extractFeaturesHw agree bit for bit (random seeds)", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom(...SIGNALS), (seed, signal) => {
      const [b] = all({ seed, orbits: 1, signal, injectFraction: 0.1, pileup: 80 });
      const ts = extractFeaturesHw(b);
      const nat = nativeFeatures(b);
      expect(Buffer.from(nat.buffer).equals(Buffer.from(ts.buffer))).toBe(true);
    }), { numRuns: 4 });
  });
  it("follow the AXOL1TL layout: MET, 4 e/γ, 4 μ, 10 jets; pT-ordered; zero-filled", () => {
    expect(FEATURE_NAMES.slice(0, 6)).toEqual(["met_pt", "met_eta", "met_phi", "egamma0_pt", "egamma0_eta", "egamma0_phi"]);
    expect(FEATURE_NAMES[15]).toBe("muon0_pt");
    expect(FEATURE_NAMES[27]).toBe("jet0_pt");
    expect(SLOT_CLASS.length * 3).toBe(N_FEATURES);
    const objs: PhysicsObject[] = [
      ...[10, 50, 30, 20, 40].map((pt, k) => ({ kind: "egamma" as const, pt, eta: 0.1 * k, phi: 0.2 * k, charge: 0 })),
      ...[7, 25].map((pt, k) => ({ kind: "muon" as const, pt, eta: -0.5 * k, phi: 1 + k, charge: 1 })),
      ...Array.from({ length: 12 }, (_, k) => ({ kind: "jet" as const, pt: 20 + 5 * k, eta: 0, phi: 0.5 * k, charge: 0 })),
    ];
    const b = emulateTrigger(1, [{ bx: 9, objects: objs }]);
    const f = extractFeaturesHw(b);
    expect(f[0]).toBe(b.sums.hwMissEt[0] >> 1);
    expect(f[1]).toBe(0);
    expect(f[2]).toBe(b.sums.hwMissEtPhi[0]);
    expect([3, 6, 9, 12].map((k) => f[k])).toEqual([50, 40, 30, 20]); // leading 4 of 5 e/γ, GeV = hwEt/2
    // hwPt = 2·pT + 1 (pT = 0.5·(hwPt − 1)), so hwPt/2 is the whole GeV: 25 and 7, then zero fill
    expect([15, 18, 21, 24].map((k) => f[k])).toEqual([25, 7, 0, 0]);
    expect(Array.from(f.subarray(21, 27))).toEqual([0, 0, 0, 0, 0, 0]);
    const jetPts = Array.from({ length: 10 }, (_, k) => f[27 + 3 * k]);
    expect(jetPts).toEqual([75, 70, 65, 60, 55, 50, 45, 40, 35, 30]);
  });
  it("generated features are pT-ordered within every kind", () => {
    const [b] = all({ seed: 11, orbits: 1, signal: "Ato4l", injectFraction: 0.2 });
    const f = extractFeaturesHw(b);
    const groups = [[1, 4], [5, 4], [9, 10]];
    for (let i = 0; i < b.nBx; i++) {
      for (const [slot, n] of groups) {
        for (let k = 1; k < n; k++) expect(f[i * N_FEATURES + 3 * (slot + k)]).toBeLessThanOrEqual(f[i * N_FEATURES + 3 * (slot + k - 1)]);
      }
    }
  });
});

describe("options", () => {
  it("rejects bad options with one clear message", () => {
    const bad: [GeneratorOptions, RegExp][] = [
      [{ seed: 1.5, orbits: 1 }, /seed/],
      [{ seed: 1, orbits: -1 }, /orbits/],
      [{ seed: 1, orbits: 1, firstOrbit: 2 ** 31 }, /orbit numbers/],
      [{ seed: 1, orbits: 1, signal: "Zprime" as never }, /unknown signal/],
      [{ seed: 1, orbits: 1, signal: "Ato4l", injectFraction: 1.5 }, /injectFraction/],
      [{ seed: 1, orbits: 1, injectFraction: 0.1 }, /needs a signal/],
      [{ seed: 1, orbits: 1, pileup: -3 }, /pileup/],
      [{ seed: 1, orbits: 1, signal: "h0_tautau", signalMass: 2 }, /signalMass/],
      [{ seed: 1, orbits: 1, preset: "hlt" as never }, /preset/],
    ];
    for (const [opts, re] of bad) expect(() => generateOrbits(opts)).toThrow(re);
  });
  it("the adc2021 preset applies the ADC2021 object selection", () => {
    const [b] = all({ seed: 4, orbits: 1, preset: "adc2021" });
    for (let j = 0; j < b.jets.hwEt.length; j++) {
      expect(b.jets.hwEt[j]).toBeGreaterThanOrEqual(30); // pT > 15 GeV before quantisation
      expect(Math.abs(caloEtaFromHw(b.jets.hwEta[j]))).toBeLessThan(4 + 0.0435);
    }
    for (let j = 0; j < b.muons.hwPt.length; j++) expect(muonPtFromHw(b.muons.hwPt[j])).toBeGreaterThanOrEqual(3);
  });
  it("zero orbits yields nothing", () => {
    expect(all({ seed: 1, orbits: 0 })).toEqual([]);
  });
});
