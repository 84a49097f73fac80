/**
 * Hot-path twins of the physical -> hardware conversions in src/events/scales.ts, with the field
 * limits computed once instead of per call (`fieldRange` builds a tuple on every call, which was a
 * third of the generator's time). Same arithmetic, same results: test/trigger-scales.test.ts
 * checks them against the scales.ts originals over random values.
 */
import { CALO, MUON, fieldRange } from "../events/scales.js";

const [, MU_PT_HI] = fieldRange(MUON.fields.hwPt);
const [MU_ETA_LO, MU_ETA_HI] = fieldRange(MUON.fields.hwEta);
const [, MU_PTU_HI] = fieldRange(MUON.fields.hwPtUnconstrained);
const [CALO_ETA_LO, CALO_ETA_HI] = fieldRange(CALO.fields.hwEta);
export const JET_ET_MAX = fieldRange(CALO.fields.jetEt)[1];
export const EG_ET_MAX = fieldRange(CALO.fields.egEt)[1];
export const TAU_ET_MAX = fieldRange(CALO.fields.tauEt)[1];
export const SUM_ET_MAX = fieldRange(CALO.fields.sumEt)[1];

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** = muonPtToHw. */
export function muonPtHw(pt: number): number {
  return clamp(Math.round(pt / MUON.ptScale) + 1, 1, MU_PT_HI);
}
/** Unconstrained pT in 1-GeV counts with the same +1 offset, saturating at 8 bits. */
export function muonPtUnconstrainedHw(pt: number): number {
  return clamp(Math.round(pt / MUON.ptUnconstrainedScale) + 1, 1, MU_PTU_HI);
}
/** = muonEtaToHw. */
export function muonEtaHw(eta: number): number {
  return clamp(Math.round(eta / MUON.etaScale), MU_ETA_LO, MU_ETA_HI);
}
/** = muonPhiToHw. */
export function muonPhiHw(phi: number): number {
  const n = MUON.phiSteps;
  return ((Math.round(phi / MUON.phiScale) % n) + n) % n;
}
/** = caloEtToHw(et, spec) for a field whose maximum is `max`. */
export function caloEtHw(et: number, max: number): number {
  return clamp(Math.round(et / CALO.etScale), 0, max);
}
/** = caloEtaToHw. */
export function caloEtaHw(eta: number): number {
  return clamp(Math.round(eta / CALO.etaScale), CALO_ETA_LO, CALO_ETA_HI);
}
/** = caloPhiToHw. */
export function caloPhiHw(phi: number): number {
  const n = CALO.phiSteps;
  return ((Math.round(phi / CALO.phiScale) % n) + n) % n;
}
/** A 12-bit sum field: round and saturate. */
export function sumHw(counts: number): number {
  return clamp(Math.round(counts), 0, SUM_ET_MAX);
}
