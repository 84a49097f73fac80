/** The fields every scoutloop model JSON starts with (what `loadModel` checks before the kind's own). */
import { formatFixed, type FixedFormat } from "./fixed.js";
import type { ModelKind } from "./model.js";
import { normalisationToJSON, type Normalisation } from "./normalise.js";

export function modelJsonHeader(kind: ModelKind, nFeatures: number, normalisation: Normalisation, inputFormat: FixedFormat): Record<string, unknown> {
  return {
    format: "scoutloop-model",
    version: 1,
    kind,
    nFeatures,
    normalisation: normalisationToJSON(normalisation),
    inputFormat: formatFixed(inputFormat),
  };
}
