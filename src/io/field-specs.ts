/**
 * Hardware range of every OrbitBatch field, for the readers that check files against it (JSONL,
 * scoutloop HDF5). Widths from src/events/scales.ts (CMSSW masks.h); fields without a mask in the
 * scouting format only need to be 32-bit integers.
 */
import { CALO_FIELDS, type CaloBlock, MUON_FIELDS, type MuonBlock, SUM_FIELDS, type SumBlock } from "../events/batch.js";
import { CALO, type FieldSpec, MUON } from "../events/scales.js";

export const INT32_SPEC: FieldSpec = { bits: 32, signed: true };

export const MUON_FIELD_SPECS: Record<(typeof MUON_FIELDS)[number], FieldSpec> = {
  hwPt: MUON.fields.hwPt, hwEta: MUON.fields.hwEtaStation, hwEtaAtVtx: MUON.fields.hwEta, hwPhi: MUON.fields.hwPhi,
  hwPhiAtVtx: MUON.fields.hwPhi, hwQual: MUON.fields.hwQual, hwIso: MUON.fields.hwIso,
  hwPtUnconstrained: MUON.fields.hwPtUnconstrained, hwDXY: MUON.fields.hwDXY, tfMuonIndex: MUON.fields.tfMuonIndex,
  hwCharge: { bits: 2, signed: true },
};

/** Calo kinds as OrbitBatch names them, with the ET width of each. */
export const CALO_BLOCKS = [["jets", CALO.fields.jetEt], ["egammas", CALO.fields.egEt], ["taus", CALO.fields.tauEt]] as const;

export function caloFieldSpecs(etSpec: FieldSpec): Record<(typeof CALO_FIELDS)[number], FieldSpec> {
  return { hwEt: etSpec, hwEta: CALO.fields.hwEta, hwPhi: CALO.fields.hwPhi, hwIso: CALO.fields.hwIso };
}

export function sumFieldSpec(f: (typeof SUM_FIELDS)[number] | string): FieldSpec {
  return f === "hwTowerCount" ? INT32_SPEC : f.endsWith("Phi") ? CALO.fields.sumPhi : CALO.fields.sumEt;
}

export type { CaloBlock, MuonBlock, SumBlock };
