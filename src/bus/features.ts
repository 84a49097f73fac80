/**
 * features: the 57 AXOL1TL features of each orbit's events, and their raw fixed-point inputs in
 * the model's input format (the bits a board receives).
 *
 * ```
 * source:   --a--b--|
 * features: --a'-b'-|    a' = a with `features` (n×57 float) and `inputs` (n×57 raw bits)
 * ```
 */
import { map, type OperatorFunction } from "rxjs";
import { N_FEATURES, extractFeatures } from "../events/features.js";
import type { PipelineModel } from "./scorer.js";
import type { OrbitWork } from "./work.js";

export function computeFeatures(work: OrbitWork, model: PipelineModel): OrbitWork {
  if (work.dropped) return work;
  // Without a link stage the scorers see the orbit as it entered; a lost orbit yields no events.
  const batch = work.wire === undefined && work.linkFaults === undefined ? work.input : work.decoded;
  if (!batch) {
    work.features = new Float32Array(0);
    work.inputs = new Int32Array(0);
    return work;
  }
  work.decoded = batch;
  if (model.nFeatures !== N_FEATURES) throw new Error(`model expects ${model.nFeatures} features, the pipeline provides ${N_FEATURES}`);
  if (model.featuresAndInputs) {
    const { features, inputs } = model.featuresAndInputs(batch);
    work.features = features;
    work.inputs = inputs;
    return work;
  }
  work.features = extractFeatures(batch);
  work.inputs = model.quantizeInputs(work.features, batch.nBx);
  return work;
}

export function features(model: PipelineModel): OperatorFunction<OrbitWork, OrbitWork> {
  return map((work) => computeFeatures(work, model));
}
