import { describe, expect, it } from "vitest";
import {
  allocateBatch, diffBatches, extractFeatures, extractFeaturesHw, FEATURE_NAMES, N_FEATURES, SLOT_CLASS,
  muonPtFromHw, caloPhiFromHw, caloEtaFromHw,
} from "../src/events/index.js";

/** One BX with 1 MET, 2 e/γ, 1 muon and 11 jets (one more than the feature slots), by hand. */
function handBatch() {
  const b = allocateBatch(42, { nBx: 1, muons: 1, jets: 11, egammas: 2, taus: 0 });
  b.bx[0] = 17;
  b.sums.hwMissEt[0] = 81; // 40.5 GeV -> feature hwPt/2 = 40
  b.sums.hwMissEtPhi[0] = 30;
  b.egammas.offset.set([0, 2]);
  b.egammas.hwEt.set([60, 21]);
  b.egammas.hwEta.set([-10, 5]);
  b.egammas.hwPhi.set([3, 140]);
  b.muons.offset.set([0, 1]);
  b.muons.hwPt[0] = 51; // 25 GeV
  b.muons.hwEtaAtVtx[0] = -100;
  b.muons.hwPhiAtVtx[0] = 500;
  b.muons.hwEta[0] = -99; // station values must NOT be used
  b.muons.hwPhi[0] = 499;
  b.jets.offset.set([0, 11]);
  for (let k = 0; k < 11; k++) {
    b.jets.hwEt[k] = 300 - 20 * k;
    b.jets.hwEta[k] = k - 5;
    b.jets.hwPhi[k] = 10 * k;
  }
  return b;
}

describe("57-feature AXOL1TL layout", () => {
  it("names 19 slots × (pt, eta, phi) in MET, e/γ, μ, jet order", () => {
    expect(FEATURE_NAMES).toHaveLength(N_FEATURES);
    expect(FEATURE_NAMES.slice(0, 6)).toEqual(["met_pt", "met_eta", "met_phi", "egamma0_pt", "egamma0_eta", "egamma0_phi"]);
    expect(FEATURE_NAMES[15]).toBe("muon0_pt");
    expect(FEATURE_NAMES[27]).toBe("jet0_pt");
    expect(FEATURE_NAMES[56]).toBe("jet9_phi");
    expect(SLOT_CLASS).toHaveLength(19);
  });

  it("fills hardware features as AXOL1TLCondition does (hwPt/2, raw η/φ, muons at vertex, zero fill)", () => {
    const f = extractFeaturesHw(handBatch());
    expect(Array.from(f.subarray(0, 3))).toEqual([40, 0, 30]);
    expect(Array.from(f.subarray(3, 9))).toEqual([30, -10, 3, 10, 5, 140]);
    expect(Array.from(f.subarray(9, 15))).toEqual([0, 0, 0, 0, 0, 0]); // e/γ slots 3-4 empty
    expect(Array.from(f.subarray(15, 18))).toEqual([25, -100, 500]);
    expect(Array.from(f.subarray(18, 27)).every((v) => v === 0)).toBe(true);
    // 10 jet slots: the 11th jet is dropped.
    expect(f[27]).toBe(150);
    expect(f[54]).toBe((300 - 20 * 9) >> 1);
    expect(f[56]).toBe(90);
  });

  it("fills physical features with CMSSW scales", () => {
    const f = extractFeatures(handBatch());
    expect(f[0]).toBeCloseTo(40.5, 5);
    expect(f[2]).toBeCloseTo(caloPhiFromHw(30), 5);
    expect(f[3]).toBeCloseTo(30, 5);
    expect(f[4]).toBeCloseTo(caloEtaFromHw(-10), 5);
    expect(f[15]).toBeCloseTo(muonPtFromHw(51), 5);
    expect(f[15]).toBeCloseTo(25, 5);
    expect(f[16]).toBeCloseTo(-100 * 0.010875, 5);
    expect(f[17]).toBeLessThan(0); // φ 500/576·2π wraps to (−π, 0)
  });

  it("refuses an output buffer that is too small", () => {
    expect(() => extractFeaturesHw(handBatch(), new Int32Array(10))).toThrow(/too small/);
  });
});

describe("diffBatches", () => {
  it("finds the first differing field and reports equality as null", () => {
    const a = handBatch();
    const b = handBatch();
    expect(diffBatches(a, b)).toBeNull();
    b.jets.hwPhi[7] = 1;
    expect(diffBatches(a, b)).toBe("jets.hwPhi[7]: 70 != 1");
    const c = handBatch();
    c.sums.hwTowerCount[0] = 3;
    expect(diffBatches(a, c)).toBe("sums.hwTowerCount[0]: 0 != 3");
  });
});
