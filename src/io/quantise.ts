/**
 * Physical -> hardware quantisation for bulk file reading: the same formulas as the
 * src/events/scales.ts converters (test/io-quantise.property.test.ts checks they agree), with the
 * field limits looked up once instead of per value, because reading millions of ADC2021 rows
 * calls them ~20 times per event.
 */
import { CALO, fieldRange, MUON } from "../events/scales.js";

// `| 0` turns −0 (from rounding small negatives) into 0, as the Int32Array fields would anyway.
const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v) | 0;

const [, EG_ET_MAX] = fieldRange(CALO.fields.egEt);
const [, JET_ET_MAX] = fieldRange(CALO.fields.jetEt);
const [, SUM_ET_MAX] = fieldRange(CALO.fields.sumEt);
const [CALO_ETA_MIN, CALO_ETA_MAX] = fieldRange(CALO.fields.hwEta);
const [, MU_PT_MAX] = fieldRange(MUON.fields.hwPt);
const [MU_ETA_MIN, MU_ETA_MAX] = fieldRange(MUON.fields.hwEta);

/** Calo ET counts (0.5 GeV), saturating at the field maximum of e/γ, jets or sums. */
export const egEtHw = (et: number) => clamp(Math.round(et / CALO.etScale), 0, EG_ET_MAX);
export const jetEtHw = (et: number) => clamp(Math.round(et / CALO.etScale), 0, JET_ET_MAX);
export const sumEtHw = (et: number) => clamp(Math.round(et / CALO.etScale), 0, SUM_ET_MAX);
export const caloEtaHw = (eta: number) => clamp(Math.round(eta / CALO.etaScale), CALO_ETA_MIN, CALO_ETA_MAX);
/** φ is periodic: it wraps into 0..steps−1. */
export const caloPhiHw = (phi: number) => ((Math.round(phi / CALO.phiScale) % CALO.phiSteps) + CALO.phiSteps) % CALO.phiSteps;
/** Muon pT counts: pT = 0.5 (hw − 1) GeV, smallest valid count 1. */
export const muonPtHw = (pt: number) => clamp(Math.round(pt / MUON.ptScale) + 1, 1, MU_PT_MAX);
export const muonEtaHw = (eta: number) => clamp(Math.round(eta / MUON.etaScale), MU_ETA_MIN, MU_ETA_MAX);
export const muonPhiHw = (phi: number) => ((Math.round(phi / MUON.phiScale) % MUON.phiSteps) + MUON.phiSteps) % MUON.phiSteps;
