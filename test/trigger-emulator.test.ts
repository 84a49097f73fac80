// L1 trigger emulation: acceptance, quantisation, sorting, caps, sums, muon fields, bad input.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CAPS, countAt, type OrbitBatch } from "../src/events/batch.js";
import {
  CALO, CALO_TOWER_PHI_STEP, caloEtToHw, caloEtaFromHw, caloEtaToHw, caloTowerPhiToHw, muonPhiFromHw, wrapPhi,
} from "../src/events/scales.js";
import {
  ADC2021_PRESET, GOOD_MUON_QUALITY, L1_PRESET, emulateTrigger, tfMuonIndex, type PhysicsObject,
} from "../src/trigger/index.js";

const obj = (kind: PhysicsObject["kind"], pt: number, eta = 0, phi = 0, charge = 0): PhysicsObject => ({ kind, pt, eta, phi, charge });
const one = (objects: PhysicsObject[], preset: "l1" | "adc2021" = "l1"): OrbitBatch => emulateTrigger(1, [{ bx: 100, objects }], preset);

const jetArb = fc.record({
  kind: fc.constant("jet" as const),
  pt: fc.double({ min: 0, max: 1500, noNaN: true }),
  eta: fc.double({ min: -5, max: 5, noNaN: true }),
  phi: fc.double({ min: -4, max: 4, noNaN: true }),
  charge: fc.constant(0),
});

describe("acceptance and thresholds", () => {
  it("l1 preset: hardware η coverage per kind (strict <)", () => {
    const b = one([
      obj("muon", 10, 2.44), obj("muon", 10, -2.46),
      obj("egamma", 10, 2.49), obj("egamma", 10, 2.51),
      obj("tau", 10, -2.49), obj("tau", 10, 2.6),
      obj("jet", 10, 4.69), obj("jet", 10, -4.71),
    ]);
    expect(b.nBx).toBe(1);
    expect([countAt(b.muons, 0), countAt(b.egammas, 0), countAt(b.taus, 0), countAt(b.jets, 0)]).toEqual([1, 1, 1, 1]);
    expect(L1_PRESET.acceptance.muon.etaMax).toBe(2.45);
  });
  it("adc2021 preset: e pT>3 |η|<3, μ pT>3 |η|<2.1, jets pT>15 |η|<4", () => {
    const b = one([
      obj("muon", 3.0, 0), obj("muon", 3.5, 2.09), obj("muon", 50, 2.11),
      obj("egamma", 3.0, 0), obj("egamma", 3.5, 2.9), obj("egamma", 50, 3.01),
      obj("jet", 15, 0), obj("jet", 15.5, 3.99), obj("jet", 50, -4.01),
    ], "adc2021");
    expect([countAt(b.muons, 0), countAt(b.egammas, 0), countAt(b.jets, 0)]).toEqual([1, 1, 1]);
    expect(ADC2021_PRESET.acceptance.jet.ptMin).toBe(15);
  });
  it("drops calo objects whose ET quantises to zero and stores no BX without objects", () => {
    const b = emulateTrigger(7, [
      { bx: 10, objects: [obj("jet", 0.2), obj("egamma", 0.1)] },
      { bx: 11, objects: [obj("jet", 40, 5.5)], label: 3 },
      { bx: 12, objects: [obj("jet", 0.3)], label: 2 },
    ]);
    expect(b.orbit).toBe(7);
    expect(b.nBx).toBe(1);
    expect(b.bx[0]).toBe(12);
    expect(b.label?.[0]).toBe(2);
    expect(b.jets.hwEt[0]).toBe(1); // 0.3 GeV rounds to one 0.5-GeV count
  });
});

describe("quantisation and saturation", () => {
  it("saturates ET/pT at the field maximum instead of wrapping", () => {
    const b = one([obj("jet", 5000), obj("egamma", 400), obj("tau", 300), obj("muon", 300, 0, 0, 1)]);
    expect(b.jets.hwEt[0]).toBe(2047);
    expect(b.egammas.hwEt[0]).toBe(511);
    expect(b.taus.hwEt[0]).toBe(511);
    expect(b.muons.hwPt[0]).toBe(511);
  });
  it("wraps φ (periodic) for calo and muons", () => {
    const b = one([obj("jet", 20, 0, 2 * Math.PI + 0.01), obj("muon", 20, 0, -0.01, 1)]);
    expect(b.jets.hwPhi[0]).toBe(caloTowerPhiToHw(0.01));
    expect(b.muons.hwPhiAtVtx[0]).toBe(575);
  });
  it("saturates the 12-bit energy sums", () => {
    const jets = Array.from({ length: 12 }, (_, k) => obj("jet", 1000, 0.1 * k, 0));
    const b = one(jets);
    expect(b.sums.hwTotalEt[0]).toBe(4095);
    expect(b.sums.hwTotalHt[0]).toBe(4095);
    expect(b.sums.hwMissEt[0]).toBe(4095);
  });
});

describe("sorting and caps", () => {
  it("sorts by decreasing hw pT and keeps the leading CAPS objects (property)", () => {
    fc.assert(fc.property(fc.array(jetArb, { maxLength: 30 }), (jets) => {
      const b = one(jets);
      // Reference: quantise + accept independently, then order by the documented key.
      const ref = jets
        .filter((j) => Math.abs(j.eta) < 4.7)
        .map((j) => ({ et: caloEtToHw(j.pt, CALO.fields.jetEt), eta: caloEtaToHw(j.eta) | 0, phi: caloTowerPhiToHw(j.phi) | 0 }))
        .filter((j) => j.et > 0)
        .sort((a, c) => c.et - a.et || a.eta - c.eta || a.phi - c.phi)
        .slice(0, CAPS.jet);
      if (ref.length === 0) {
        expect(b.nBx).toBe(0);
        return;
      }
      expect(countAt(b.jets, 0)).toBe(ref.length);
      expect(Array.from(b.jets.hwEt)).toEqual(ref.map((r) => r.et));
      expect(Array.from(b.jets.hwEta)).toEqual(ref.map((r) => r.eta));
      expect(Array.from(b.jets.hwPhi)).toEqual(ref.map((r) => r.phi));
    }), { numRuns: 200 });
  });
  it("breaks pT ties by smaller hwEta, then smaller hwPhi, whatever the input order", () => {
    const objs = [obj("egamma", 20, 0.5, 1), obj("egamma", 20, -0.5, 2), obj("egamma", 20, -0.5, 1), obj("egamma", 30, 1, 0)];
    for (const order of [objs, [...objs].reverse()]) {
      const b = one(order);
      expect(Array.from(b.egammas.hwEt)).toEqual([60, 40, 40, 40]);
      expect(Array.from(b.egammas.hwEta)).toEqual([caloEtaToHw(1), caloEtaToHw(-0.5), caloEtaToHw(-0.5), caloEtaToHw(0.5)]);
      expect(Array.from(b.egammas.hwPhi)).toEqual([0, caloTowerPhiToHw(1), caloTowerPhiToHw(2), caloTowerPhiToHw(1)]);
    }
  });
  it("caps muons at 8 and calo kinds at 12 per BX", () => {
    const many = (kind: PhysicsObject["kind"], n: number) => Array.from({ length: n }, (_, k) => obj(kind, 5 + k, 0, 0.1 * k, 1));
    const b = one([...many("muon", 11), ...many("jet", 20), ...many("egamma", 13), ...many("tau", 15)]);
    expect([countAt(b.muons, 0), countAt(b.jets, 0), countAt(b.egammas, 0), countAt(b.taus, 0)]).toEqual([8, 12, 12, 12]);
    expect(b.jets.hwEt[0]).toBe(caloEtToHw(24, CALO.fields.jetEt)); // the hardest survive
    expect(b.jets.hwEt[11]).toBe(caloEtToHw(13, CALO.fields.jetEt));
  });
});

describe("energy sums", () => {
  /** Independent recomputation from the emitted (uncapped) objects of BX i, in GeV arithmetic. */
  function expectedSums(b: OrbitBatch, i = 0) {
    let et = 0, etEm = 0, ht = 0, mx = 0, my = 0, hx = 0, hy = 0;
    const add = (block: typeof b.jets, isJet: boolean) => {
      for (let j = block.offset[i]; j < block.offset[i + 1]; j++) {
        const e = block.hwEt[j] * 0.5;
        const phi = block.hwPhi[j] * ((2 * Math.PI) / 144);
        const aeta = Math.abs(caloEtaFromHw(block.hwEta[j]));
        if (aeta < 3) { et += e; if (!isJet) etEm += e; mx += e * Math.cos(phi); my += e * Math.sin(phi); }
        if (isJet && e > 30 && aeta < 2.4) { ht += e; hx += e * Math.cos(phi); hy += e * Math.sin(phi); }
      }
    };
    add(b.jets, true);
    add(b.egammas, false);
    return { et, etEm, ht, met: Math.hypot(mx, my), metPhi: Math.atan2(-my, -mx), mht: Math.hypot(hx, hy) };
  }
  it("recomputes ET, ET(em), HT, MET, MHT from the objects (property, below the caps)", () => {
    const calo = fc.record({
      kind: fc.constantFrom("jet" as const, "egamma" as const),
      pt: fc.double({ min: 1, max: 120, noNaN: true }),
      eta: fc.double({ min: -4.5, max: 4.5, noNaN: true }),
      phi: fc.double({ min: -3.2, max: 3.2, noNaN: true }),
      charge: fc.constant(0),
    });
    fc.assert(fc.property(fc.array(calo, { minLength: 1, maxLength: 12 }), (objs) => {
      const b = one(objs);
      if (b.nBx === 0) {
        // Nothing accepted: every object lies outside its kind's η coverage.
        for (const o of objs) expect(Math.abs(o.eta)).toBeGreaterThanOrEqual(o.kind === "jet" ? 4.7 : 2.5);
        return;
      }
      const want = expectedSums(b);
      const s = b.sums;
      expect(s.hwTotalEt[0]).toBe(Math.round(want.et / 0.5));
      expect(s.hwTotalEtEm[0]).toBe(Math.round(want.etEm / 0.5));
      expect(s.hwTotalHt[0]).toBe(Math.round(want.ht / 0.5));
      expect(Math.abs(s.hwMissEt[0] - want.met / 0.5)).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(Math.abs(s.hwMissHt[0] - want.mht / 0.5)).toBeLessThanOrEqual(0.5 + 1e-6);
      // The emulator bins φ as the calo trigger does: 144 towers over 2π (not the CMSSW unpacking step).
      if (s.hwMissEt[0] > 2) expect(Math.abs(wrapPhi(s.hwMissEtPhi[0] * CALO_TOWER_PHI_STEP - want.metPhi))).toBeLessThanOrEqual(CALO_TOWER_PHI_STEP / 2 + 1e-6);
    }), { numRuns: 200 });
  });
  it("points MET opposite to a single jet and leaves muons and τ out of the calo sums", () => {
    const b = one([obj("jet", 50, 0, 0), obj("muon", 80, 0, 1, 1), obj("tau", 40, 0, 2)]);
    expect(b.sums.hwMissEt[0]).toBe(100);
    expect(b.sums.hwMissEtPhi[0]).toBe(72); // φ = π
    expect(b.sums.hwTotalEt[0]).toBe(100);
    expect(b.sums.hwTotalHt[0]).toBe(100);
    expect(b.sums.hwMissHt[0]).toBe(100);
  });
  it("uses HF objects only in the HF variants and counts jets beyond the readout cap", () => {
    const central = Array.from({ length: 15 }, (_, k) => obj("jet", 40, 0, (2 * Math.PI * k) / 15));
    const b = one([...central, obj("jet", 60, 4.2, 0)]);
    expect(countAt(b.jets, 0)).toBe(12);
    expect(b.sums.hwTotalHt[0]).toBe(15 * 80); // all 15 central jets, not only the 12 stored
    expect(b.sums.hwTotalEt[0]).toBe(15 * 80); // the HF jet is outside |η| < 3
    expect(b.sums.hwMissEt[0]).toBeLessThanOrEqual(1); // the central ring balances
    expect(Math.abs(b.sums.hwMissEtHF[0] - 120)).toBeLessThanOrEqual(1); // the HF jet is all the imbalance
    expect(b.sums.hwMissEtHFPhi[0]).toBe(72);
  });
});

describe("muon extra fields", () => {
  it("fills quality, charge, station φ bent against the charge, η at station, iso 0, tfMuonIndex", () => {
    const b = one([obj("muon", 10, 0.3, 1.0, +1), obj("muon", 5, -1.8, -2.0, -1)]);
    const m = b.muons;
    expect(Array.from(m.hwQual)).toEqual([GOOD_MUON_QUALITY, GOOD_MUON_QUALITY]);
    expect(Array.from(m.hwCharge)).toEqual([1, -1]);
    expect(Array.from(m.hwIso)).toEqual([0, 0]);
    expect(Array.from(m.hwEta)).toEqual(Array.from(m.hwEtaAtVtx));
    const bend0 = wrapPhi(muonPhiFromHw(m.hwPhi[0]) - muonPhiFromHw(m.hwPhiAtVtx[0]));
    const bend1 = wrapPhi(muonPhiFromHw(m.hwPhi[1]) - muonPhiFromHw(m.hwPhiAtVtx[1]));
    expect(bend0).toBeLessThan(-0.03); // positive muon: φ decreases
    expect(bend1).toBeGreaterThan(0.03);
    expect(Math.abs(bend1)).toBeGreaterThan(Math.abs(bend0)); // softer muon bends more
    expect(m.tfMuonIndex[0]).toBeGreaterThanOrEqual(36); // barrel
    expect(m.tfMuonIndex[0]).toBeLessThanOrEqual(71);
    expect(m.tfMuonIndex[1]).toBeLessThanOrEqual(17); // negative endcap
    expect(m.hwPtUnconstrained[0]).toBe(11);
  });
  it("tfMuonIndex stays inside the 108 uGMT inputs for any direction", () => {
    fc.assert(fc.property(fc.double({ min: -2.45, max: 2.45, noNaN: true }), fc.double({ min: -10, max: 10, noNaN: true }), (eta, phi) => {
      const k = tfMuonIndex(eta, phi);
      expect(Number.isInteger(k) && k >= 0 && k < 108).toBe(true);
    }));
  });
});

describe("bad input", () => {
  it("rejects non-finite kinematics, unknown kinds, BX outside 1..3564, duplicate BX", () => {
    expect(() => one([obj("jet", NaN)])).toThrow(/finite/);
    expect(() => one([{ kind: "photon" as never, pt: 1, eta: 0, phi: 0, charge: 0 }])).toThrow(/unknown object kind/);
    expect(() => emulateTrigger(1, [{ bx: 0, objects: [obj("jet", 5)] }])).toThrow(/BX 0/);
    expect(() => emulateTrigger(1, [{ bx: 3565, objects: [obj("jet", 5)] }])).toThrow(/BX 3565/);
    expect(() => emulateTrigger(1, [{ bx: 5, objects: [] }, { bx: 5, objects: [] }])).toThrow(/two events in BX 5/);
    expect(() => emulateTrigger(1, [{ bx: 5, objects: [obj("jet", 5)], label: 300 }])).toThrow(/label/);
  });
  it("handles an empty orbit", () => {
    const b = emulateTrigger(3, []);
    expect(b.nBx).toBe(0);
    expect(b.jets.offset.length).toBe(1);
  });
});
