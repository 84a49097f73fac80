/**
 * Inputs of the studies: an event sample from a file (.h5/.jsonl via src/bus sources) or from the
 * seeded generator, and a model from a file or trained on generated background (deterministic).
 */
import { openSource } from "../bus/sources.js";
import { N_FEATURES } from "../events/features.js";
import { generateOrbits, type SignalName } from "../trigger/index.js";
import { loadModel, trainIsolationForest, type ScoringModel } from "../scoring/index.js";
import { collectSample, type EventSample } from "./sample.js";

export interface SampleSpec {
  /** Input file; absent = generator. */
  in?: string;
  orbits: number;
  seed: number;
  signal?: SignalName;
  injectFraction?: number;
  /** Keep at most this many events. */
  maxEvents?: number;
  /** Keep only events with a non-zero truth label (a signal sample from a mixed file). */
  signalOnly?: boolean;
}

export async function loadSample(spec: SampleSpec): Promise<{ sample: EventSample; describe: string }> {
  const source = await openSource({ in: spec.in, orbits: spec.orbits, seed: spec.seed, signal: spec.signal, injectFraction: spec.injectFraction });
  try {
    const sample = collectSample(source.orbits, spec.maxEvents);
    if (sample.n === 0) throw new Error(`${source.describe}: no events`);
    return { sample, describe: source.describe };
  } finally {
    source.close();
  }
}

/** Seed of the default study model's training background (distinct from study seeds). */
export const STUDY_MODEL_SEED = 20211;

export function studyModel(path?: string): { model: ScoringModel; describe: string } {
  if (path) {
    const model = loadModel(path);
    return { model, describe: `${path} (${model.kind}, id ${model.id})` };
  }
  const s = collectSample(generateOrbits({ seed: STUDY_MODEL_SEED, orbits: 1 }));
  const model = trainIsolationForest(s.features, s.n, N_FEATURES, { seed: STUDY_MODEL_SEED, nTrees: 100, sampleSize: 256 });
  return { model, describe: `default isolation forest (100 trees, ψ 256, generated background seed ${STUDY_MODEL_SEED}; id ${model.id})` };
}
