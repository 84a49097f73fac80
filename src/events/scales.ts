/**
 * Hardware scales and bit widths of the Run-3 L1 trigger objects as scouting delivers them.
 *
 * Sources (CMSSW):
 * - muons: `L1TriggerScouting/Utilities/interface/scales.h` (namespace `ugmt`: pt_scale 0.5,
 *   ptunconstrained_scale 1.0, eta_scale 0.0870/8, phi_scale 2π/576) and `conversion.h`
 *   (`ugmt::fPt(hw) = pt_scale * (hw - 1)`), bit widths from
 *   `EventFilter/L1ScoutingRawToDigi/interface/masks.h` (`ugmt::masks`: pt 0x1FF, eta 0x1FF,
 *   phi 0x3FF, qual 0xF, iso 0x3, ptuncon 0xFF, dxy 0x3, index 0x7F).
 * - calo: `scales.h` (namespace `demux`: et_scale 0.5, eta_scale 0.0435, phi_scale 2π/144) and
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
  if (spec.signed) return [-(2 ** (spec.bits - 1)), 2 ** (spec.bits - 1) - 1];
  return [0, 2 ** spec.bits - 1];
}

/** Clamp an integer to a field: hardware saturates at the field maximum, it does not wrap. */
export function saturate(value: number, spec: FieldSpec): number {
  // Bounds computed inline (no tuple): this runs per object in the generator's hot loop.
  const hi = spec.signed ? 2 ** (spec.bits - 1) - 1 : 2 ** spec.bits - 1;
  const lo = spec.signed ? -hi - 1 : 0;
  return value < lo ? lo : value > hi ? hi : value;
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
    hwPt: { bits: 9, signed: false },
    hwEta: { bits: 9, signed: true },
    hwPhi: { bits: 10, signed: false },
    hwQual: { bits: 4, signed: false },
    hwIso: { bits: 2, signed: false },
    hwPtUnconstrained: { bits: 8, signed: false },
    hwDXY: { bits: 2, signed: false },
    tfMuonIndex: { bits: 7, signed: false },
  },
} as const;

export const CALO = {
  etScale: 0.5, // GeV per count
  etaScale: 0.0435, // per count (half a trigger tower, 0.087/2)
  phiScale: TWO_PI / 144,
  phiSteps: 144,
  fields: {
    jetEt: { bits: 11, signed: false },
    egEt: { bits: 9, signed: false },
    tauEt: { bits: 9, signed: false },
    hwEta: { bits: 8, signed: true },
    hwPhi: { bits: 8, signed: false },
    hwIso: { bits: 2, signed: false },
    sumEt: { bits: 12, signed: false },
    sumPhi: { bits: 8, signed: false },
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
export function muonEtaFromHw(hw: number): number {
  return hw * MUON.etaScale;
}
export function muonEtaToHw(eta: number): number {
  return saturate(Math.round(eta / MUON.etaScale), MUON.fields.hwEta);
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
export function caloEtToHw(etGeV: number, spec: FieldSpec): number {
  return saturate(Math.max(0, Math.round(etGeV / CALO.etScale)), spec);
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
/** Hardware φ of a calo object in 0..143 (periodic). */
export function caloPhiToHw(phi: number): number {
  const n = CALO.phiSteps;
  return ((Math.round(phi / CALO.phiScale) % n) + n) % n;
}
