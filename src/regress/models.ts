/**
 * Built-in golden models: deterministic constructions (seeded), so a golden set needs no model
 * file. The model id is part of every golden: a change to how a model is built shows up as a diff.
 */
import { N_FEATURES } from "../events/features.js";
import { generateOrbits } from "../trigger/index.js";
import { axol1tlNormalisation, normalisationToJSON, trainIsolationForest, denseNetFromJSON, loadModel, type ScoringModel } from "../scoring/index.js";
import { collectSample } from "../scoring/sample.js";
import { mulberry32 } from "../study/shuffle.js";

export const BUILTIN_MODELS = ["if-small", "ae-small", "vae-small"] as const;
export type BuiltinModel = (typeof BUILTIN_MODELS)[number];

function randomLayer(nIn: number, nOut: number, activation: string, rnd: () => number, scale: number) {
  return {
    nIn, nOut, activation,
    weights: Array.from({ length: nIn * nOut }, () => Math.round((rnd() * 2 - 1) * scale * 64) / 64),
    bias: Array.from({ length: nOut }, () => Math.round((rnd() * 2 - 1) * 0.25 * 64) / 64),
  };
}

export function builtinModel(name: BuiltinModel): ScoringModel {
  switch (name) {
    case "if-small": {
      const s = collectSample(generateOrbits({ seed: 777, orbits: 1 }), 2000);
      return trainIsolationForest(s.features, s.n, N_FEATURES, { seed: 777, nTrees: 16, sampleSize: 64 });
    }
    case "ae-small":
    case "vae-small": {
      const rnd = mulberry32(name === "ae-small" ? 101 : 202);
      const layers = name === "ae-small"
        ? [randomLayer(N_FEATURES, 8, "relu", rnd, 0.3), randomLayer(8, N_FEATURES, "linear", rnd, 0.3)]
        : [randomLayer(N_FEATURES, 16, "relu", rnd, 0.3), randomLayer(16, 4, "linear", rnd, 0.3)];
      return denseNetFromJSON({ kind: name === "ae-small" ? "ae" : "vae", nFeatures: N_FEATURES, normalisation: normalisationToJSON(axol1tlNormalisation()), layers });
    }
  }
}

/** A model named in a golden spec: a built-in name or a file relative to the golden directory. */
export function goldenModel(spec: { builtin?: string; file?: string }, resolve: (f: string) => string): ScoringModel {
  if (spec.builtin) {
    if (!(BUILTIN_MODELS as readonly string[]).includes(spec.builtin)) throw new RangeError(`unknown built-in model "${spec.builtin}" (known: ${BUILTIN_MODELS.join(", ")})`);
    return builtinModel(spec.builtin as BuiltinModel);
  }
  if (spec.file) return loadModel(resolve(spec.file));
  throw new RangeError("a golden model needs `builtin` or `file`");
}
