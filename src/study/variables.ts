/**
 * Event variables computed from 57-feature rows (AXOL1TL layout, src/events/features.ts):
 * MET = slot 0 pT; HT = Σ jet-slot pT; M_inv = mass of the two leading objects (e/γ, μ, jet
 * slots), taken massless; M_eff = Σ object pT + MET. Rows carry only the leading 4 e/γ, 4 μ and
 * 10 jets, so these are the "scoring view" of each quantity (src/monitor uses every object).
 */
import { FEATURE_OFFSET, N_FEATURES, N_JET_SLOTS } from "../events/features.js";

export const STUDY_VARIABLES = ["M_inv", "HT", "MET", "M_eff"] as const;
export type StudyVariable = (typeof STUDY_VARIABLES)[number];

export function featureVariable(features: Float32Array, n: number, v: StudyVariable, out = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    const row = i * N_FEATURES;
    const met = features[row];
    if (v === "MET") {
      out[i] = met;
      continue;
    }
    if (v === "HT") {
      let ht = 0;
      for (let k = 0; k < N_JET_SLOTS; k++) ht += features[row + FEATURE_OFFSET.jet + 3 * k];
      out[i] = ht;
      continue;
    }
    let p1 = 0, e1 = 0, f1 = 0, p2 = 0, e2 = 0, f2 = 0, sum = 0;
    for (let o = row + 3; o < row + N_FEATURES; o += 3) {
      const pt = features[o];
      if (pt <= 0) continue;
      sum += pt;
      if (pt > p1) {
        p2 = p1; e2 = e1; f2 = f1;
        p1 = pt; e1 = features[o + 1]; f1 = features[o + 2];
      } else if (pt > p2) {
        p2 = pt; e2 = features[o + 1]; f2 = features[o + 2];
      }
    }
    if (v === "M_eff") out[i] = sum + met;
    else {
      const m2 = p2 > 0 ? 2 * p1 * p2 * (Math.cosh(e1 - e2) - Math.cos(f1 - f2)) : 0;
      out[i] = m2 > 0 ? Math.sqrt(m2) : 0;
    }
  }
  return out;
}
