/**
 * The model a run scores with: a model JSON file, or the default — an isolation forest trained on
 * the fly on generated background (seeded, so every run without --model scores identically).
 */
import { N_FEATURES } from "../events/features.js";
import { collectSample } from "../scoring/sample.js";
import { generateOrbits } from "../trigger/index.js";
import { loadModel, trainIsolationForest, type ScoringModel } from "../scoring/index.js";

export interface LoadedModel {
  model: ScoringModel;
  describe: string;
}

/** Seed and size of the default model's training sample (one orbit ≈ 2500 background events). */
export const DEFAULT_MODEL_SEED = 20211;
export const DEFAULT_MODEL_ORBITS = 1;

export function defaultModel(): ScoringModel {
  const s = collectSample(generateOrbits({ seed: DEFAULT_MODEL_SEED, orbits: DEFAULT_MODEL_ORBITS }));
  return trainIsolationForest(s.features, s.n, N_FEATURES, { seed: DEFAULT_MODEL_SEED, nTrees: 100, sampleSize: 256 });
}

/** A model file, or the default model; with a line saying which (runs, studies and reports share it). */
export function resolveModel(path?: string): LoadedModel {
  if (path) {
    const model = loadModel(path);
    return { model, describe: `${path} (${model.kind}, id ${model.id})` };
  }
  const model = defaultModel();
  return { model, describe: `default isolation forest (100 trees, ψ 256, trained on generated background seed ${DEFAULT_MODEL_SEED}; id ${model.id})` };
}
