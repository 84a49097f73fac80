/**
 * The ADC2021 HDF5 layout ("LHC physics dataset for unsupervised New Physics detection at 40 MHz",
 * Govorkova et al., Sci Data 9 (2022); keys and slot order from mpp-hep/ADC2021-examplecode
 * `create_datasets.py` and the Zenodo preparation script):
 *
 * - `Particles`: float (N, 19, 4); last axis = [pT (GeV), η, φ (rad), class id].
 * - slots: 0 MET (class 1, η ≡ 0), 1–4 e/γ (class 2), 5–8 μ (class 3), 9–18 jets (class 4);
 *   pT-ordered within a kind; missing objects are zero rows with class 0.
 * - `Particles_Names` = [Pt, Eta, Phi, Class]; `Particles_Classes` = the four class names.
 *
 * scoutloop extensions (optional on read, always written by us): `orbit` (uint32, N) and `bx`
 * (uint16, N) say where each event sits in the LHC orbit structure; `labels` (uint8, N) is generator
 * truth (0 background, k = SIGNALS[k-1]); root attributes carry provenance (tool, seed, signal, …).
 * This is the same slot layout as the 57-feature AXOL1TL input (src/events/features.ts).
 */
import { SLOT_CLASS } from "../events/features.js";

export const ADC_SLOTS = 19;
export const ADC_FIELDS = 4;
/** Floats per event row: 19 slots × (pT, η, φ, class). */
export const ADC_ROW = ADC_SLOTS * ADC_FIELDS;
export const ADC_PARTICLES = "Particles";
export const ADC_PARTICLES_NAMES = ["Pt", "Eta", "Phi", "Class"] as const;
export const ADC_PARTICLES_CLASSES = ["MET_class_1", "Four_Ele_class_2", "Four_Mu_class_3", "Ten_Jet_class_4"] as const;
export const ADC_LABELS = "labels";
export const ADC_ORBIT = "orbit";
export const ADC_BX = "bx";

/** First slot of each kind and the number of slots (the 57-feature layout without the 3-value stride). */
export const ADC_SLOT_RANGES = {
  met: { first: 0, n: 1 },
  egamma: { first: 1, n: 4 },
  muon: { first: 5, n: 4 },
  jet: { first: 9, n: 10 },
} as const;

/** Class id that a filled slot must carry (1 MET, 2 e/γ, 3 μ, 4 jet). */
export const CLASS_OF_SLOT: readonly number[] = SLOT_CLASS;

/**
 * Largest event count we accept in one file. The biggest public ADC2021 file holds ~13.5 M rows
 * (Govorkova et al., Sci Data 9 (2022)); 100 M leaves room while rejecting corrupt dimension fields early.
 */
export const ADC_MAX_EVENTS = 100_000_000;
/** Largest file read whole into memory by readAdc2021 (4 M rows ≈ 1.2 GB of float32). */
export const ADC_MAX_EVENTS_IN_MEMORY = 4_000_000;
