/**
 * What the emulated L1 trigger accepts and how it forms energy sums.
 *
 * Acceptance is `|η| < etaMax && pt > ptMin` (both strict). The "l1" preset is the hardware
 * coverage of the Run-3 trigger (uGMT muons to |η| 2.45, calo e/γ and τ to 2.5, jets to 4.7);
 * the "adc2021" preset adds the ADC2021 object selection (Govorkova et al., Sci Data 9 (2022):
 * e pT > 3 |η| < 3, μ pT > 3 |η| < 2.1, jets pT > 15 |η| < 4).
 */
import type { ObjectKind } from "../events/batch.js";

export interface Acceptance {
  /** Objects need |η| strictly below this. */
  etaMax: number;
  /** Objects need pT (GeV) strictly above this. */
  ptMin: number;
}

/** Definitions of the calo layer-2 energy sums, recomputed from the accepted objects. */
export interface SumDefinition {
  /** ET, ETmiss (and their e/γ part): jets and e/γ with |η| below this (HF excluded). */
  etEtaMax: number;
  /** HT, HTmiss: jets above this ET (GeV) ... */
  htJetEtMin: number;
  /** ... and with |η| below this. */
  htEtaMax: number;
  /** The "HF" variants of ETmiss / HTmiss use objects with |η| below this. */
  hfEtaMax: number;
}

export interface TriggerConfig {
  name: string;
  acceptance: Record<ObjectKind, Acceptance>;
  sums: SumDefinition;
}

export type TriggerPreset = "l1" | "adc2021";

/**
 * Sum definitions in the spirit of the CMS L1 menu: HTT over jets ET > 30 GeV, |η| < 2.4;
 * ETT/ETM over |η| < 3 (barrel + endcap); "HF" variants add the forward calorimeter. τ candidates
 * are not summed: calo layer 2 clusters every τ deposit into a jet too, and our generator emits
 * that jet, so summing τs would count their energy twice. Muons are not summed (calo-only sums).
 */
const CMS_SUMS: SumDefinition = { etEtaMax: 3.0, htJetEtMin: 30, htEtaMax: 2.4, hfEtaMax: 5.0 };

export const L1_PRESET: TriggerConfig = {
  name: "l1",
  acceptance: {
    muon: { etaMax: 2.45, ptMin: 0 },
    egamma: { etaMax: 2.5, ptMin: 0 },
    tau: { etaMax: 2.5, ptMin: 0 },
    jet: { etaMax: 4.7, ptMin: 0 },
  },
  sums: CMS_SUMS,
};

export const ADC2021_PRESET: TriggerConfig = {
  name: "adc2021",
  acceptance: {
    muon: { etaMax: 2.1, ptMin: 3 },
    egamma: { etaMax: 3.0, ptMin: 3 },
    tau: { etaMax: 2.5, ptMin: 0 }, // ADC2021 has no τ slot; keep the hardware coverage
    jet: { etaMax: 4.0, ptMin: 15 },
  },
  sums: CMS_SUMS,
};

export const TRIGGER_PRESETS: Record<TriggerPreset, TriggerConfig> = { l1: L1_PRESET, adc2021: ADC2021_PRESET };

export function triggerConfig(preset: TriggerPreset | TriggerConfig | undefined): TriggerConfig {
  if (preset === undefined) return L1_PRESET;
  if (typeof preset !== "string") return preset;
  const cfg = TRIGGER_PRESETS[preset];
  if (!cfg) throw new RangeError(`unknown trigger preset "${preset}" (expected one of: ${Object.keys(TRIGGER_PRESETS).join(", ")})`);
  return cfg;
}
