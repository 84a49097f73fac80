/** NPLM inputs from event samples: the 57 features as columns, or one column of anomaly scores. */
import { FEATURE_NAMES, N_FEATURES } from "../events/features.js";
import type { ScoringModel } from "../scoring/model.js";
import { scoreSample, type EventSample } from "../scoring/sample.js";
import type { Table } from "./nplm.js";

export function sampleTable(s: EventSample, model: ScoringModel | null, precision: "fixed" | "float" = "float"): Table {
  if (model) {
    const sc = scoreSample(model, s);
    return { n: s.n, d: 1, values: Float64Array.from(precision === "fixed" ? sc.fixed : sc.float), columns: [`${model.kind} score`] };
  }
  return { n: s.n, d: N_FEATURES, values: Float64Array.from(s.features.subarray(0, s.n * N_FEATURES)), columns: [...FEATURE_NAMES] };
}
