/**
 * Event variables computed from 57-feature rows (AXOL1TL layout, src/events/features.ts):
 * MET = slot 0 pT; HT = Σ jet-slot pT; M_inv = mass of the two leading objects (e/γ, μ, jet
 * slots), taken massless; M_eff = Σ object pT + MET. Rows carry only the leading 4 e/γ, 4 μ and
 * 10 jets, so these are the "scoring view" of each quantity (src/monitor uses every object).
 */
import { FEATURE_OFFSET, N_FEATURES, N_JET_SLOTS } from "../events/features.js";
import { LeadingPair } from "../monitor/variables.js";

/** The same leading-pair mass as monitoring (one tracker, reset per row). */
const pair = new LeadingPair();

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
    let sum = 0;
    pair.reset();
    for (let o = row + 3; o < row + N_FEATURES; o += 3) {
      const pt = features[o];
      if (pt <= 0) continue;
      sum += pt;
      pair.offer(pt, features[o + 1], features[o + 2]);
    }
    out[i] = v === "M_eff" ? sum + met : pair.mass();
  }
  return out;
}
