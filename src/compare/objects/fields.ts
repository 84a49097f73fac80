/**
 * What `scoutloop diff` compares: per object kind, every hardware field with its bit width, the
 * physical quantity it measures (for `--tolerance pt=0.5,eta=0.01`) and how to convert it, and
 * which fields and how many objects each kind of source carries (an ADC2021 HDF5 file keeps only
 * pT, η, φ of the leading 4 e/γ, 4 μ and 10 jets, and MET; a link capture or JSONL keeps all).
 *
 * Scales: src/events/scales.ts (CMSSW L1TriggerScouting/Utilities scales.h). φ fields are periodic:
 * differences wrap at the field's number of steps (576 for muons, 144 for calo objects and sums).
 */
import { CAPS, CALO_FIELDS, MUON_FIELDS, SUM_FIELDS, type ObjectKind } from "../../events/batch.js";
import { CALO, MUON, caloEtaFromHw, caloEtFromHw, caloPhiFromHw, muonEtaFromHw, muonPhiFromHw, muonPtFromHw } from "../../events/scales.js";

/** The four object kinds plus the per-BX energy sums (one record per BX). */
export type DiffKind = ObjectKind | "sums";
export const DIFF_KINDS: readonly DiffKind[] = ["muon", "jet", "egamma", "tau", "sums"];

/** A physical quantity a tolerance may be given in: GeV for pt, plain for eta, rad for phi. */
export type Quantity = "pt" | "eta" | "phi";
export const QUANTITIES: readonly Quantity[] = ["pt", "eta", "phi"];

export interface DiffField {
  name: string;
  bits: number;
  signed: boolean;
  quantity: Quantity | null;
  /** Hardware count → physical value (GeV, η, rad); absent for flags and indices. */
  physical?: (hw: number) => number;
  /** φ fields: steps per turn; differences wrap to [-steps/2, steps/2). */
  phiSteps?: number;
}

const f = (name: string, bits: number, signed: boolean, quantity: Quantity | null = null, physical?: (hw: number) => number, phiSteps?: number): DiffField =>
  ({ name, bits, signed, quantity, physical, phiSteps });

const muonPtUnconstrainedFromHw = (hw: number) => (hw <= 0 ? 0 : MUON.ptUnconstrainedScale * (hw - 1));

const MUON_DIFF_FIELDS: DiffField[] = [
  f("hwPt", 9, false, "pt", muonPtFromHw),
  f("hwEtaAtVtx", 9, true, "eta", muonEtaFromHw),
  f("hwPhiAtVtx", 10, false, "phi", muonPhiFromHw, MUON.phiSteps),
  f("hwEta", 9, true, "eta", muonEtaFromHw),
  f("hwPhi", 10, false, "phi", muonPhiFromHw, MUON.phiSteps),
  f("hwQual", 4, false),
  f("hwCharge", 2, true),
  f("hwIso", 2, false),
  f("hwPtUnconstrained", 8, false, "pt", muonPtUnconstrainedFromHw),
  f("hwDXY", 2, false),
  f("tfMuonIndex", 7, false),
];

const caloFields = (etBits: number): DiffField[] => [
  f("hwEt", etBits, false, "pt", caloEtFromHw),
  f("hwEta", 8, true, "eta", caloEtaFromHw),
  f("hwPhi", 8, false, "phi", caloPhiFromHw, CALO.phiSteps),
  f("hwIso", 2, false),
];

const sumEt = (name: string) => f(name, 12, false, "pt", caloEtFromHw);
const sumPhi = (name: string) => f(name, 8, false, "phi", caloPhiFromHw, CALO.phiSteps);
const SUM_DIFF_FIELDS: DiffField[] = [
  sumEt("hwTotalEt"), sumEt("hwTotalEtEm"), sumEt("hwTotalHt"), sumEt("hwMissEt"), sumPhi("hwMissEtPhi"), sumEt("hwMissHt"),
  sumPhi("hwMissHtPhi"), sumEt("hwMissEtHF"), sumPhi("hwMissEtHFPhi"), sumEt("hwMissHtHF"), sumPhi("hwMissHtHFPhi"),
  f("hwTowerCount", 13, false),
];

export const DIFF_FIELDS: Record<DiffKind, readonly DiffField[]> = {
  muon: MUON_DIFF_FIELDS,
  jet: caloFields(CALO.fields.jetEt.bits),
  egamma: caloFields(CALO.fields.egEt.bits),
  tau: caloFields(CALO.fields.tauEt.bits),
  sums: SUM_DIFF_FIELDS,
};

// The tables above must name every field of the batch layout, in its order.
const layoutNames: Record<DiffKind, readonly string[]> = { muon: MUON_FIELDS, jet: CALO_FIELDS, egamma: CALO_FIELDS, tau: CALO_FIELDS, sums: SUM_FIELDS };
for (const k of DIFF_KINDS) {
  if (DIFF_FIELDS[k].map((x) => x.name).join() !== layoutNames[k].join()) throw new Error(`diff field table for ${k} is out of step with src/events/batch.ts`);
}

/** Fields (η, φ) that locate an object for best-match pairing. */
export const POSITION_FIELDS: Record<ObjectKind, { eta: string; phi: string }> = {
  muon: { eta: "hwEtaAtVtx", phi: "hwPhiAtVtx" },
  jet: { eta: "hwEta", phi: "hwPhi" },
  egamma: { eta: "hwEta", phi: "hwPhi" },
  tau: { eta: "hwEta", phi: "hwPhi" },
};

/** What one source holds of one kind: which fields, and at most how many objects per BX. */
export interface KindCoverage {
  fields: readonly string[];
  maxObjects: number;
}

/** What a source carries: kinds it does not carry are absent. */
export type Coverage = Partial<Record<DiffKind, KindCoverage>>;

/** Everything (link captures, pattern files, JSONL, lossless HDF5). */
export const FULL_COVERAGE: Coverage = Object.fromEntries(
  DIFF_KINDS.map((k) => [k, { fields: DIFF_FIELDS[k].map((x) => x.name), maxObjects: k === "sums" ? 1 : CAPS[k as ObjectKind] }]),
) as Coverage;

/**
 * The ADC2021 HDF5 layout (src/io/README.md): pT, η, φ of 4 e/γ, 4 μ (at the vertex) and 10 jets,
 * and MET; no τ, no isolation, quality, charge or station coordinates, no other sums.
 */
export const ADC2021_COVERAGE: Coverage = {
  muon: { fields: ["hwPt", "hwEtaAtVtx", "hwPhiAtVtx"], maxObjects: 4 },
  egamma: { fields: ["hwEt", "hwEta", "hwPhi"], maxObjects: 4 },
  jet: { fields: ["hwEt", "hwEta", "hwPhi"], maxObjects: 10 },
  sums: { fields: ["hwMissEt", "hwMissEtPhi"], maxObjects: 1 },
};

/**
 * The DarkMachines challenge CSV: 4-vectors of jets, e/γ and muons (with their charge) and MET,
 * at most the L1 caps per BX; no τ, no isolation or quality, no other sums.
 */
export const DARKMACHINES_COVERAGE: Coverage = {
  muon: { fields: ["hwPt", "hwEtaAtVtx", "hwPhiAtVtx", "hwCharge"], maxObjects: CAPS.muon },
  egamma: { fields: ["hwEt", "hwEta", "hwPhi"], maxObjects: CAPS.egamma },
  jet: { fields: ["hwEt", "hwEta", "hwPhi"], maxObjects: CAPS.jet },
  sums: { fields: ["hwMissEt", "hwMissEtPhi"], maxObjects: 1 },
};

/** A link capture with only one of the two scouting streams. */
export function streamCoverage(streams: ReadonlySet<"muon" | "calo">): Coverage {
  const out: Coverage = {};
  if (streams.has("muon")) out.muon = FULL_COVERAGE.muon;
  if (streams.has("calo")) for (const k of ["jet", "egamma", "tau", "sums"] as const) out[k] = FULL_COVERAGE[k];
  return out;
}

/** What both sides carry: per kind, the common fields and the smaller object count. */
export function commonCoverage(a: Coverage, b: Coverage): Coverage {
  const out: Coverage = {};
  for (const k of DIFF_KINDS) {
    const x = a[k];
    const y = b[k];
    if (!x || !y) continue;
    const fields = DIFF_FIELDS[k].map((d) => d.name).filter((n) => x.fields.includes(n) && y.fields.includes(n));
    out[k] = { fields, maxObjects: Math.min(x.maxObjects, y.maxObjects) };
  }
  return out;
}

/** b − a in hardware counts; φ wraps to the shorter way round. */
export function hwDelta(d: DiffField, a: number, b: number): number {
  let delta = b - a;
  if (d.phiSteps) {
    const n = d.phiSteps;
    delta = ((((delta + n / 2) % n) + n) % n) - n / 2;
  }
  return delta;
}

/** |b − a| in physical units (GeV, η, rad; φ wrapped), for tolerance checks. */
export function physicalDelta(d: DiffField, a: number, b: number): number {
  if (!d.physical) return Math.abs(b - a);
  let delta = d.physical(b) - d.physical(a);
  if (d.quantity === "phi") {
    delta = Math.abs(delta) % (2 * Math.PI);
    if (delta > Math.PI) delta = 2 * Math.PI - delta;
  }
  return Math.abs(delta);
}
