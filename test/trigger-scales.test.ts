// Hardware-unit round trips (physical -> hw -> physical) as property tests, incl. saturation.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CALO, MUON, caloEtFromHw, caloEtToHw, caloEtaFromHw, caloEtaToHw, caloPhiFromHw, caloPhiToHw, fieldRange,
  muonEtaFromHw, muonEtaToHw, muonPhiFromHw, muonPhiToHw, muonPtFromHw, muonPtToHw, muonPtUnconstrainedToHw, wrapPhi,
} from "../src/events/scales.js";

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
/** Smallest angle between two azimuths. */
const dPhi = (a: number, b: number) => Math.abs(wrapPhi(a - b));
const EPS = 1e-9;

describe("muon scales (uGMT, CMSSW scales.h / conversion.h)", () => {
  const [, ptMax] = fieldRange(MUON.fields.hwPt);
  const maxPt = muonPtFromHw(ptMax); // 255 GeV
  it("pT: in range within half a count; above range saturates at 511; never wraps", () => {
    fc.assert(fc.property(finite(0, maxPt), (pt) => {
      expect(Math.abs(muonPtFromHw(muonPtToHw(pt)) - pt)).toBeLessThanOrEqual(MUON.ptScale / 2 + EPS);
    }));
    fc.assert(fc.property(finite(maxPt + MUON.ptScale / 2 + EPS, 1e6), (pt) => {
      expect(muonPtToHw(pt)).toBe(ptMax);
    }));
    expect(maxPt).toBe(255);
    expect(muonPtToHw(-3)).toBe(1); // pT ≤ 0 is the smallest valid count, not "no muon"
  });
  it("pT: every count survives hw -> phys -> hw", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: ptMax }), (hw) => {
      expect(muonPtToHw(muonPtFromHw(hw))).toBe(hw);
    }));
  });
  it("η: in range within half a count; outside saturates at the 9-bit signed limits", () => {
    const [lo, hi] = fieldRange(MUON.fields.hwEta);
    fc.assert(fc.property(finite(lo * MUON.etaScale, hi * MUON.etaScale), (eta) => {
      expect(Math.abs(muonEtaFromHw(muonEtaToHw(eta)) - eta)).toBeLessThanOrEqual(MUON.etaScale / 2 + EPS);
    }));
    fc.assert(fc.property(finite(hi * MUON.etaScale + MUON.etaScale, 100), (eta) => {
      expect(muonEtaToHw(eta)).toBe(hi);
      expect(muonEtaToHw(-eta)).toBe(lo);
    }));
    fc.assert(fc.property(fc.integer({ min: lo, max: hi }), (hw) => {
      expect(muonEtaToHw(muonEtaFromHw(hw))).toBe(hw);
    }));
  });
  it("φ: any angle wraps into 0..575 and comes back within half a count (periodic, no saturation)", () => {
    fc.assert(fc.property(finite(-100, 100), (phi) => {
      const hw = muonPhiToHw(phi);
      expect(hw).toBeGreaterThanOrEqual(0);
      expect(hw).toBeLessThan(MUON.phiSteps);
      expect(dPhi(muonPhiFromHw(hw), phi)).toBeLessThanOrEqual(MUON.phiScale / 2 + EPS);
    }));
    fc.assert(fc.property(fc.integer({ min: 0, max: MUON.phiSteps - 1 }), (hw) => {
      expect(muonPhiToHw(muonPhiFromHw(hw))).toBe(hw);
    }));
  });
});

describe("calo scales (demux, CMSSW scales.h / masks.h)", () => {
  const specs = [["jet", CALO.fields.jetEt], ["e/γ", CALO.fields.egEt], ["τ", CALO.fields.tauEt]] as const;
  for (const [name, spec] of specs) {
    const [, hi] = fieldRange(spec);
    const maxEt = caloEtFromHw(hi);
    it(`${name} ET (${spec.bits} bits): within half a count, saturates at ${maxEt} GeV`, () => {
      fc.assert(fc.property(finite(0, maxEt), (et) => {
        expect(Math.abs(caloEtFromHw(caloEtToHw(et, spec)) - et)).toBeLessThanOrEqual(CALO.etScale / 2 + EPS);
      }));
      fc.assert(fc.property(finite(maxEt + CALO.etScale, 1e7), (et) => {
      expect(caloEtToHw(et, spec)).toBe(hi);
    }));
      fc.assert(fc.property(fc.integer({ min: 0, max: hi }), (hw) => {
      expect(caloEtToHw(caloEtFromHw(hw), spec)).toBe(hw);
    }));
      expect(caloEtToHw(-5, spec)).toBe(0);
    });
  }
  it("η (8-bit signed): within half a count in range, saturating outside", () => {
    const [lo, hi] = fieldRange(CALO.fields.hwEta);
    fc.assert(fc.property(finite(lo * CALO.etaScale, hi * CALO.etaScale), (eta) => {
      expect(Math.abs(caloEtaFromHw(caloEtaToHw(eta)) - eta)).toBeLessThanOrEqual(CALO.etaScale / 2 + EPS);
    }));
    fc.assert(fc.property(finite(hi * CALO.etaScale + CALO.etaScale, 1e3), (eta) => {
      expect(caloEtaToHw(eta)).toBe(hi);
      expect(caloEtaToHw(-eta)).toBe(lo);
    }));
  });
  it("φ: wraps into 0..143 and comes back to the nearest count (half a step, or half the gap CMSSW's 0.0435 step leaves below 2π)", () => {
    // 144 × 0.0435 < 2π: between count 143 and count 0 lies a wider gap; the nearest count is within half of it.
    const gap = 2 * Math.PI - (CALO.phiSteps - 1) * CALO.phiScale;
    const tolerance = Math.max(CALO.phiScale, gap) / 2 + EPS;
    fc.assert(fc.property(finite(-50, 50), (phi) => {
      const hw = caloPhiToHw(phi);
      expect(hw).toBeGreaterThanOrEqual(0);
      expect(hw).toBeLessThan(CALO.phiSteps);
      expect(dPhi(caloPhiFromHw(hw), phi)).toBeLessThanOrEqual(tolerance);
      // No other count is nearer (the old rounding picked 143 just below −step/2 though 0 was nearer).
      const d = dPhi(caloPhiFromHw(hw), phi);
      for (const other of [(hw + 1) % CALO.phiSteps, (hw + CALO.phiSteps - 1) % CALO.phiSteps]) {
        expect(d).toBeLessThanOrEqual(dPhi(caloPhiFromHw(other), phi) + EPS);
      }
    }));
    expect(caloPhiToHw(-0.021750000000000002)).toBe(0);
  });
});

describe("field bounds computed once", () => {
  it("every field's min/max are its bit width's range (CMSSW masks.h)", () => {
    for (const f of [...Object.values(MUON.fields), ...Object.values(CALO.fields)]) {
      expect([f.min, f.max]).toEqual(fieldRange(f));
    }
    expect(CALO.fields.sumEt.max).toBe(4095); // demux::masks sum ET 0xFFF
    expect(caloEtToHw(1e9, CALO.fields.sumEt)).toBe(4095);
    expect(CALO.fields.hwEta.min).toBe(-128);
  });
  it("unconstrained muon pT: 1-GeV counts + 1, saturating at 255, smallest count 1", () => {
    fc.assert(fc.property(finite(0, 254), (pt) => {
      const hw = muonPtUnconstrainedToHw(pt);
      expect(Math.abs(hw - 1 - pt)).toBeLessThanOrEqual(MUON.ptUnconstrainedScale / 2 + EPS);
    }));
    expect(muonPtUnconstrainedToHw(1e6)).toBe(255);
    expect(muonPtUnconstrainedToHw(-5)).toBe(1);
  });
});
