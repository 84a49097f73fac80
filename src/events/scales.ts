/**
 * Hardware scales and bit widths of the Run-3 L1 trigger objects as scouting delivers them.
 *
 * Sources (CMSSW):
 * - muons: `L1TriggerScouting/Utilities/interface/scales.h` (namespace `ugmt`: pt_scale 0.5,
 *   ptunconstrained_scale 1.0, eta_scale 0.0870/8, phi_scale 2π/576) and `conversion.h`
 *   (`ugmt::fPt(hw) = pt_scale * (hw - 1)`), bit widths from
 *   `EventFilter/L1ScoutingRawToDigi/interface/masks.h` (`ugmt::masks`: pt 0x1FF, eta 0x1FF,
 *   phi 0x3FF, qual 0xF, iso 0x3, ptuncon 0xFF, dxy 0x3, index 0x7F).
 * - calo: `scales.h` (namespace `demux`: et_scale 0.5, eta_scale 0.0435, phi_scale 0.0435 — current
 *   CMSSW; the exact tower geometry 2π/144 = 0.04363 stays available, see CALO_PHI_GEOMETRY) and
 *   `masks.h` (`demux::masks`: jet ET 0x7FF (11 b), e/γ/τ ET 0x1FF (9 b), eta 0xFF, phi 0xFF,
 *   sum ET 0xFFF (12 b), sum phi 0xFF).
 */

/** A signed or unsigned integer field of a hardware word. */
export interface FieldSpec {
  readonly bits: number;
  readonly signed: boolean;
}

/** Smallest and largest value a field can hold. */
export function fieldRange(spec: FieldSpec): [number, number] {
  // A field whose decoder reads it off the two's-complement range says so (muon station η).
  const own = spec as Partial<Field>;
  if (own.min !== undefined && own.max !== undefined) return [own.min, own.max];
  if (spec.signed) return [-(2 ** (spec.bits - 1)), 2 ** (spec.bits - 1) - 1];
  return [0, 2 ** spec.bits - 1];
}

/**
 * A field of the object tables below, with its bounds computed once: the converters saturate
 * per object in the generator's and the file reader's hot loops.
 */
export interface Field extends FieldSpec {
  readonly min: number;
  readonly max: number;
}

function field(bits: number, signed: boolean): Field {
  const [min, max] = fieldRange({ bits, signed });
  return { bits, signed, min, max };
}

/** Clamp an integer to a field: hardware saturates at the field maximum, it does not wrap. */
export function saturate(value: number, f: Field): number {
  return value < f.min ? f.min : value > f.max ? f.max : value;
}

const TWO_PI = 2 * Math.PI;

/** Wrap an angle to [-π, π). */
export function wrapPhi(phi: number): number {
  let p = phi % TWO_PI;
  if (p >= Math.PI) p -= TWO_PI;
  if (p < -Math.PI) p += TWO_PI;
  return p;
}

export const MUON = {
  ptScale: 0.5, // GeV per count, with an offset of one count: pt = 0.5 (hwPt - 1)
  ptUnconstrainedScale: 1.0, // GeV per count, offset one count as for pt
  etaScale: 0.0870 / 8, // 0.010875 per count
  phiScale: TWO_PI / 576,
  phiSteps: 576,
  fields: {
    hwPt: field(9, false),
    hwEta: field(9, true),
    /**
     * η at the muon station: 9 bits, but CMSSW ScGMTRawToDigi reads raw 0x100 as +256
     * (`ieta_u > 256 ? ieta_u - 512 : ieta_u`), so the values the link can carry are −255..256.
     */
    hwEtaStation: { bits: 9, signed: true, min: -255, max: 256 } as Field,
    hwPhi: field(10, false),
    hwQual: field(4, false),
    hwIso: field(2, false),
    hwPtUnconstrained: field(8, false),
    hwDXY: field(2, false),
    tfMuonIndex: field(7, false),
  },
} as const;

/**
 * The calo φ step. "cmssw" (default): 0.0435 per count, as current CMSSW
 * `L1TriggerScouting/Utilities/interface/scales.h` (`demux::scales::phi_scale`) converts it, so
 * physical values agree with CMSSW-unpacked data. "exact": 2π/144 (the 144 φ steps of the calo
 * trigger towers cover the circle exactly). Chosen once per process with the environment variable
 * SCOUTLOOP_CALO_PHI=exact; hardware values (and the link bytes) are the same either way.
 */
export const CALO_PHI_GEOMETRY: "cmssw" | "exact" = process.env.SCOUTLOOP_CALO_PHI === "exact" ? "exact" : "cmssw";

export const CALO = {
  etScale: 0.5, // GeV per count
  etaScale: 0.0435, // per count (half a trigger tower, 0.087/2)
  phiScale: CALO_PHI_GEOMETRY === "exact" ? TWO_PI / 144 : 0.0435,
  phiSteps: 144,
  fields: {
    jetEt: field(11, false),
    egEt: field(9, false),
    tauEt: field(9, false),
    hwEta: field(8, true),
    hwPhi: field(8, false),
    hwIso: field(2, false),
    sumEt: field(12, false),
    sumPhi: field(8, false),
  },
} as const;

// ---- muons: physical <-> hardware ----

/** pT in GeV of a muon with hardware pT `hw`; hwPt = 0 means "no muon" and maps to 0. */
export function muonPtFromHw(hw: number): number {
  return hw <= 0 ? 0 : MUON.ptScale * (hw - 1);
}
/** Hardware pT of a muon (nearest count, saturating). pt <= 0 gives the smallest valid count, 1. */
export function muonPtToHw(ptGeV: number): number {
  const hw = Math.round(ptGeV / MUON.ptScale) + 1;
  return saturate(Math.max(1, hw), MUON.fields.hwPt);
}
/** Hardware unconstrained (displaced) pT: 1 GeV counts with the same one-count offset as pT. */
export function muonPtUnconstrainedToHw(ptGeV: number): number {
  const hw = Math.round(ptGeV / MUON.ptUnconstrainedScale) + 1;
  return saturate(Math.max(1, hw), MUON.fields.hwPtUnconstrained);
}
export function muonEtaFromHw(hw: number): number {
  return hw * MUON.etaScale;
}
export function muonEtaToHw(eta: number): number {
  return saturate(Math.round(eta / MUON.etaScale), MUON.fields.hwEta);
}
/**
 * Hardware η at the muon station for inputs that only know one η (files, generators): the vertex
 * value, kept inside what the link carries at the station (CMSSW decodes −255..256), so station
 * and vertex η stay equal and a physical → hardware → physical round trip is idempotent.
 */
export function muonStationEtaToHw(eta: number): number {
  return Math.max(MUON.fields.hwEtaStation.min, muonEtaToHw(eta));
}
/** φ of a muon, wrapped to [-π, π) as the CMSSW unpacker does. */
export function muonPhiFromHw(hw: number): number {
  return wrapPhi(hw * MUON.phiScale);
}
/** Hardware φ of a muon in 0..575 (φ is periodic: it wraps, it does not saturate). */
export function muonPhiToHw(phi: number): number {
  const n = MUON.phiSteps;
  return ((Math.round(phi / MUON.phiScale) % n) + n) % n;
}

// ---- calo objects: physical <-> hardware ----

export function caloEtFromHw(hw: number): number {
  return hw * CALO.etScale;
}
/** Hardware ET of a calo object or sum in field `f` (e.g. `CALO.fields.jetEt`), saturating. */
export function caloEtToHw(etGeV: number, f: Field): number {
  return saturate(Math.max(0, Math.round(etGeV / CALO.etScale)), f);
}
export function caloEtaFromHw(hw: number): number {
  return hw * CALO.etaScale;
}
export function caloEtaToHw(eta: number): number {
  return saturate(Math.round(eta / CALO.etaScale), CALO.fields.hwEta);
}
export function caloPhiFromHw(hw: number): number {
  return wrapPhi(hw * CALO.phiScale);
}
/**
 * The calo trigger's own φ binning: 144 towers over the full circle. The L1 emulation bins
 * generated objects and computes its energy sums with it (what the hardware does), whatever
 * CALO_PHI_GEOMETRY says about converting counts back to radians.
 */
export const CALO_TOWER_PHI_STEP = TWO_PI / 144;
/** Tower φ index 0..143 of a physical φ (the trigger's binning, periodic). */
export function caloTowerPhiToHw(phi: number): number {
  const n = CALO.phiSteps;
  return ((Math.round(phi / CALO_TOWER_PHI_STEP) % n) + n) % n;
}

/** Hardware φ of a calo object in 0..143 (periodic), the inverse of caloPhiFromHw. */
export function caloPhiToHw(phi: number): number {
  const n = CALO.phiSteps;
  const x = ((phi % TWO_PI) + TWO_PI) % TWO_PI; // [0, 2π]
  const k = Math.min(n - 1, Math.round(x / CALO.phiScale));
  // With the CMSSW step (0.0435) the 144 counts leave a gap below 2π: there count 0 (at 2π) can be
  // nearer than count 143, so pick the nearer of the two.
  return TWO_PI - x < Math.abs(x - k * CALO.phiScale) ? 0 : k;
}
