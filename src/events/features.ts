/**
 * The 57-value AXOL1TL / ADC2021 input layout: 19 slots × (pT, η, φ) —
 * slot 0 MET (η ≡ 0), slots 1–4 e/γ, 5–8 muons, 9–18 jets; pT-ordered, zero-filled.
 *
 * Hardware units follow `L1Trigger/L1TGlobal/src/AXOL1TLCondition.cc`: pT inputs are `hwPt / 2`
 * (integer division, i.e. whole GeV), η/φ are the raw hardware counts, muons use η/φ at the
 * vertex. Objects inside a batch are already sorted by decreasing pT (the trigger emulation
 * guarantees it), so the first N of each kind are the leading N, as the CMSSW code assumes.
 */
import type { CaloBlock, MuonBlock, OrbitBatch } from "./batch.js";
import {
  caloEtFromHw, caloEtaFromHw, caloPhiFromHw, muonEtaFromHw, muonPhiFromHw, muonPtFromHw,
} from "./scales.js";

export const N_FEATURES = 57;
export const N_EGAMMA_SLOTS = 4;
export const N_MUON_SLOTS = 4;
export const N_JET_SLOTS = 10;
/** First feature index of each object kind. */
export const FEATURE_OFFSET = { met: 0, egamma: 3, muon: 15, jet: 27 } as const;
/** ADC2021 `Particles` class id of each slot (1 MET, 2 e/γ, 3 μ, 4 jet). */
export const SLOT_CLASS: readonly number[] = [1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4];

/** Human-readable names of the 57 features, e.g. `egamma2_eta`. */
export const FEATURE_NAMES: readonly string[] = (() => {
  const names: string[] = ["met_pt", "met_eta", "met_phi"];
  const add = (kind: string, n: number) => {
    for (let i = 0; i < n; i++) names.push(`${kind}${i}_pt`, `${kind}${i}_eta`, `${kind}${i}_phi`);
  };
  add("egamma", N_EGAMMA_SLOTS);
  add("muon", N_MUON_SLOTS);
  add("jet", N_JET_SLOTS);
  return names;
})();

type Units = "hw" | "phys";

function fillCalo(
  block: CaloBlock, i: number, nSlots: number, out: Float32Array | Int32Array, base: number, units: Units,
): void {
  const first = block.offset[i];
  const n = Math.min(block.offset[i + 1] - first, nSlots);
  for (let k = 0; k < n; k++) {
    const j = first + k;
    const o = base + 3 * k;
    if (units === "hw") {
      out[o] = block.hwEt[j] >> 1;
      out[o + 1] = block.hwEta[j];
      out[o + 2] = block.hwPhi[j];
    } else {
      out[o] = caloEtFromHw(block.hwEt[j]);
      out[o + 1] = caloEtaFromHw(block.hwEta[j]);
      out[o + 2] = caloPhiFromHw(block.hwPhi[j]);
    }
  }
}

function fillMuons(block: MuonBlock, i: number, out: Float32Array | Int32Array, base: number, units: Units): void {
  const first = block.offset[i];
  const n = Math.min(block.offset[i + 1] - first, N_MUON_SLOTS);
  for (let k = 0; k < n; k++) {
    const j = first + k;
    const o = base + 3 * k;
    if (units === "hw") {
      out[o] = block.hwPt[j] >> 1;
      out[o + 1] = block.hwEtaAtVtx[j];
      out[o + 2] = block.hwPhiAtVtx[j];
    } else {
      out[o] = muonPtFromHw(block.hwPt[j]);
      out[o + 1] = muonEtaFromHw(block.hwEtaAtVtx[j]);
      out[o + 2] = muonPhiFromHw(block.hwPhiAtVtx[j]);
    }
  }
}

function extract<T extends Float32Array | Int32Array>(batch: OrbitBatch, out: T, units: Units): T {
  if (out.length < batch.nBx * N_FEATURES) throw new RangeError(`feature buffer too small: ${out.length} < ${batch.nBx * N_FEATURES}`);
  out.fill(0, 0, batch.nBx * N_FEATURES);
  const { sums } = batch;
  for (let i = 0; i < batch.nBx; i++) {
    const base = i * N_FEATURES;
    if (units === "hw") {
      out[base] = sums.hwMissEt[i] >> 1;
      out[base + 2] = sums.hwMissEtPhi[i];
    } else {
      out[base] = caloEtFromHw(sums.hwMissEt[i]);
      out[base + 2] = caloPhiFromHw(sums.hwMissEtPhi[i]);
    }
    fillCalo(batch.egammas, i, N_EGAMMA_SLOTS, out, base + FEATURE_OFFSET.egamma, units);
    fillMuons(batch.muons, i, out, base + FEATURE_OFFSET.muon, units);
    fillCalo(batch.jets, i, N_JET_SLOTS, out, base + FEATURE_OFFSET.jet, units);
  }
  return out;
}

/** Features in physical units (GeV, η, rad), one row of 57 per stored BX. */
export function extractFeatures(batch: OrbitBatch, out = new Float32Array(batch.nBx * N_FEATURES)): Float32Array {
  return extract(batch, out, "phys");
}

/** Features in AXOL1TL hardware units (hwPt/2, hwEta, hwPhi), one row of 57 per stored BX. */
export function extractFeaturesHw(batch: OrbitBatch, out = new Int32Array(batch.nBx * N_FEATURES)): Int32Array {
  return extract(batch, out, "hw");
}
