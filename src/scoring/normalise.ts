/**
 * Physical features → model inputs: z = (x − offset) × scale per feature, then quantised to the
 * model's input format. The default maps the 57 AXOL1TL features to hardware counts (pT in GeV,
 * η and φ in hardware steps), which is what the AXOL1TL firmware receives
 * (`L1Trigger/L1TGlobal/src/AXOL1TLCondition.cc` feeds hwPt/2, hwEta, hwPhi as ap_fixed<18,13>).
 */
import { CALO, MUON } from "../events/scales.js";
import { FEATURE_OFFSET, N_FEATURES, N_MUON_SLOTS } from "../events/features.js";
import { expectNumbers, expectObject } from "./validate.js";

export interface Normalisation {
  scale: Float64Array;
  offset: Float64Array;
}

export function identityNormalisation(nFeatures: number): Normalisation {
  return { scale: new Float64Array(nFeatures).fill(1), offset: new Float64Array(nFeatures) };
}

/** Hardware-count normalisation of the AXOL1TL 57-feature layout (η/φ step per object kind). */
export function axol1tlNormalisation(): Normalisation {
  const norm = identityNormalisation(N_FEATURES);
  for (let slot = 0; slot < 19; slot++) {
    const base = 3 * slot;
    const isMuon = base >= FEATURE_OFFSET.muon && base < FEATURE_OFFSET.muon + 3 * N_MUON_SLOTS;
    norm.scale[base + 1] = 1 / (isMuon ? MUON.etaScale : CALO.etaScale);
    norm.scale[base + 2] = 1 / (isMuon ? MUON.phiScale : CALO.phiScale);
  }
  return norm;
}

/** Per-feature standardisation (mean 0, unit variance) fitted on rows; constant features keep scale 1. */
export function standardisation(features: Float32Array, n: number, nFeatures: number): Normalisation {
  const norm = identityNormalisation(nFeatures);
  if (n === 0) return norm;
  for (let j = 0; j < nFeatures; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += features[i * nFeatures + j];
    const mean = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (features[i * nFeatures + j] - mean) ** 2;
    const sd = Math.sqrt(v / n);
    norm.offset[j] = mean;
    norm.scale[j] = sd > 1e-12 ? 1 / sd : 1;
  }
  return norm;
}

/** Normalised value of feature j of a row, in float64 (the native code computes exactly this). */
export function normalised(norm: Normalisation, x: number, j: number): number {
  return (x - norm.offset[j]) * norm.scale[j];
}

/** Normalise n rows into float64. */
export function normaliseRows(norm: Normalisation, features: Float32Array, n: number, out = new Float64Array(n * norm.scale.length)): Float64Array {
  const d = norm.scale.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (features[i * d + j] - norm.offset[j]) * norm.scale[j];
  }
  return out;
}

/** Normalise and quantise n rows into raw input bits (fast path, bit-identical to the general one). */
export { quantizeRows } from "./quantize-rows.js";

export function normalisationToJSON(norm: Normalisation): { scale: number[]; offset: number[] } {
  return { scale: Array.from(norm.scale), offset: Array.from(norm.offset) };
}

/** `{scale, offset}` of a model JSON (each nFeatures finite numbers; absent: identity); errors name `path`. */
export function normalisationFromJSON(json: unknown, nFeatures: number, path = "normalisation"): Normalisation {
  if (json === undefined || json === null) return identityNormalisation(nFeatures);
  const o = expectObject(json, path, ["scale", "offset"]);
  const scale = o.scale === undefined ? new Float64Array(nFeatures).fill(1) : expectNumbers(o.scale, `${path}.scale`, nFeatures);
  const offset = o.offset === undefined ? new Float64Array(nFeatures) : expectNumbers(o.offset, `${path}.offset`, nFeatures);
  return { scale, offset };
}
