/** Feature rows for the CLI: from any event file (src/io) or from the generator. */
import { N_FEATURES } from "../events/features.js";
import { Adc2021File } from "../io/adc2021-reader.js";
import { ADC_MAX_EVENTS_IN_MEMORY } from "../io/adc2021-layout.js";
import { FileFormatError } from "../io/errors.js";
import { ADC_FIELDS, ADC_SLOTS } from "../io/adc2021-layout.js";
import { generatedFeatures, type FeatureSet } from "./data.js";
import { collectSample } from "./sample.js";
import { detectEventFormat, openEvents } from "../io/open-events.js";
import type { SignalName } from "../trigger/signals.js";

/** ADC2021 `Particles` rows (19 × (pT, η, φ, class)) → the 57 physical features (class dropped). */
export function particlesToFeatures(particles: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * N_FEATURES);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < ADC_SLOTS; s++) {
      const src = (i * ADC_SLOTS + s) * ADC_FIELDS;
      const dst = i * N_FEATURES + 3 * s;
      out[dst] = particles[src];
      out[dst + 1] = particles[src + 1];
      out[dst + 2] = particles[src + 2];
    }
  }
  return out;
}

/**
 * Read an ADC2021 HDF5 file's events as features (labels from the file when present). Only the
 * first `maxEvents` rows are read, so `--max-events` works on a file of any size.
 */
export async function featuresFromH5(path: string, maxEvents?: number): Promise<FeatureSet> {
  const file = await Adc2021File.open(path);
  try {
    const n = Math.min(file.nEvents, maxEvents ?? Infinity);
    if (n > ADC_MAX_EVENTS_IN_MEMORY) {
      throw new FileFormatError(path, `${file.nEvents} events is more than ${ADC_MAX_EVENTS_IN_MEMORY} to hold in memory; use --max-events`);
    }
    const labels = file.readLabels(0, n);
    return { features: particlesToFeatures(file.readParticles(0, n), n), n, labels: labels ?? new Uint8Array(n) };
  } finally {
    file.close();
  }
}

/**
 * Features of any event file. ADC2021 files are read as their floats (the public data's own
 * values); every other format (scoutloop HDF5, JSONL, captures, DarkMachines CSV) through its
 * OrbitBatches, i.e. from hardware units.
 */
export async function featuresFromFile(path: string, maxEvents?: number, onOrbit?: (done: number) => void): Promise<FeatureSet> {
  if ((await detectEventFormat(path)) === "adc2021-h5") return featuresFromH5(path, maxEvents);
  const src = await openEvents(path);
  try {
    const s = collectSample(src.orbits, maxEvents, onOrbit);
    if (s.n === 0) throw new FileFormatError(path, "holds no events");
    return { features: s.features, n: s.n, labels: s.label };
  } finally {
    src.close();
  }
}

export interface FeatureSource {
  in?: string;
  genOrbits?: number;
  seed?: number;
  signal?: SignalName;
  injectFraction?: number;
  maxEvents?: number;
}

/** One place that turns CLI source options into features. */
export async function loadFeatures(src: FeatureSource, onOrbit?: (done: number) => void): Promise<FeatureSet> {
  if (src.in && src.genOrbits !== undefined) throw new RangeError("give either an input file or --gen-orbits, not both");
  if (src.in) return featuresFromFile(src.in, src.maxEvents, onOrbit);
  if (src.genOrbits !== undefined) {
    return generatedFeatures({
      seed: src.seed ?? 1, orbits: src.genOrbits, signal: src.signal,
      injectFraction: src.signal ? (src.injectFraction ?? 1) : undefined, maxEvents: src.maxEvents,
    }, onOrbit);
  }
  throw new RangeError("no input: give --in FILE (.h5, .jsonl, .raw, .txt, .csv) or --gen-orbits N");
}
