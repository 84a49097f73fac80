/**
 * Per-event monitoring variables in physical units, computed straight from an OrbitBatch's
 * columns (no per-event objects):
 *   HT    — the L1 calo layer-2 HT sum (hwTotalHt × 0.5 GeV, scales.ts / CMSSW CaloParams)
 *   MET   — the L1 missing ET (hwMissEt × 0.5 GeV)
 *   M_inv — invariant mass of the two leading objects among jets, e/γ and muons, taken massless:
 *           m² = 2 pT₁ pT₂ (cosh Δη − cos Δφ); 0 when the event has fewer than two objects
 *   M_eff — scalar sum of jet, e/γ and muon pT plus MET (the usual "effective mass")
 * τ candidates are left out of M_inv/M_eff: at L1 they are built from the same towers as jets.
 */
import type { CaloBlock, OrbitBatch } from "../events/batch.js";
import { caloEtFromHw, caloEtaFromHw, caloPhiFromHw, muonEtaFromHw, muonPhiFromHw, muonPtFromHw } from "../events/scales.js";

export const VARIABLES = ["HT", "MET", "M_inv", "M_eff"] as const;
export type Variable = (typeof VARIABLES)[number];
export const VARIABLE_UNIT: Record<Variable, string> = { HT: "GeV", MET: "GeV", M_inv: "GeV", M_eff: "GeV" };

/** Columns of the per-event quantities a selection or histogram needs, one entry per stored BX. */
export interface EventColumns {
  n: number;
  HT: Float64Array;
  MET: Float64Array;
  M_inv: Float64Array;
  M_eff: Float64Array;
  nJets: Uint8Array;
  nEgammas: Uint8Array;
  nMuons: Uint8Array;
  nTaus: Uint8Array;
}

export function allocateColumns(n: number): EventColumns {
  return {
    n, HT: new Float64Array(n), MET: new Float64Array(n), M_inv: new Float64Array(n), M_eff: new Float64Array(n),
    nJets: new Uint8Array(n), nEgammas: new Uint8Array(n), nMuons: new Uint8Array(n), nTaus: new Uint8Array(n),
  };
}

/** Leading-two tracker: keeps the two largest-pT (pt, eta, phi) seen; `mass()` is their massless pair mass. */
export class LeadingPair {
  pt1 = 0; eta1 = 0; phi1 = 0;
  pt2 = 0; eta2 = 0; phi2 = 0;
  reset(): void {
    this.pt1 = this.pt2 = 0;
  }
  offer(pt: number, eta: number, phi: number): void {
    if (pt > this.pt1) {
      this.pt2 = this.pt1; this.eta2 = this.eta1; this.phi2 = this.phi1;
      this.pt1 = pt; this.eta1 = eta; this.phi1 = phi;
    } else if (pt > this.pt2) {
      this.pt2 = pt; this.eta2 = eta; this.phi2 = phi;
    }
  }
  mass(): number {
    if (this.pt2 <= 0) return 0;
    const m2 = 2 * this.pt1 * this.pt2 * (Math.cosh(this.eta1 - this.eta2) - Math.cos(this.phi1 - this.phi2));
    return m2 > 0 ? Math.sqrt(m2) : 0;
  }
}

const pair = new LeadingPair();

function offerCalo(block: CaloBlock, i: number): number {
  let sum = 0;
  for (let j = block.offset[i]; j < block.offset[i + 1]; j++) {
    const pt = caloEtFromHw(block.hwEt[j]);
    sum += pt;
    pair.offer(pt, caloEtaFromHw(block.hwEta[j]), caloPhiFromHw(block.hwPhi[j]));
  }
  return sum;
}

/** Fill `out` (allocated for ≥ batch.nBx) with the batch's per-event variables. */
export function computeColumns(batch: OrbitBatch, out: EventColumns = allocateColumns(batch.nBx)): EventColumns {
  if (out.HT.length < batch.nBx) throw new RangeError(`columns hold ${out.HT.length} events, batch has ${batch.nBx}`);
  out.n = batch.nBx;
  const { sums, muons, jets, egammas, taus } = batch;
  for (let i = 0; i < batch.nBx; i++) {
    pair.reset();
    const met = caloEtFromHw(sums.hwMissEt[i]);
    let sumPt = offerCalo(jets, i) + offerCalo(egammas, i);
    for (let j = muons.offset[i]; j < muons.offset[i + 1]; j++) {
      const pt = muonPtFromHw(muons.hwPt[j]);
      sumPt += pt;
      pair.offer(pt, muonEtaFromHw(muons.hwEtaAtVtx[j]), muonPhiFromHw(muons.hwPhiAtVtx[j]));
    }
    out.HT[i] = caloEtFromHw(sums.hwTotalHt[i]);
    out.MET[i] = met;
    out.M_inv[i] = pair.mass();
    out.M_eff[i] = sumPt + met;
    out.nJets[i] = jets.offset[i + 1] - jets.offset[i];
    out.nEgammas[i] = egammas.offset[i + 1] - egammas.offset[i];
    out.nMuons[i] = muons.offset[i + 1] - muons.offset[i];
    out.nTaus[i] = taus.offset[i + 1] - taus.offset[i];
  }
  return out;
}
