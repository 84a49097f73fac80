/**
 * The in-process software scorer: the bit-exact fixed-point model (what firmware must match), or
 * the float reference (`fixed: false`, compare it in tolerance mode).
 */
import type { ScoreBatch } from "../../compare/results.js";
import { scoreValues, type PipelineModel, type OrbitScoreRequest, type Scorer } from "../scorer.js";

export interface SoftwareScorerOptions {
  name?: string;
  /** Fixed-point (default, bit-exact) or float reference. */
  fixed?: boolean;
}

export function softwareScorer(model: PipelineModel, opts: SoftwareScorerOptions = {}): Scorer {
  const fixed = opts.fixed ?? true;
  const name = opts.name ?? (fixed ? "software" : "float");
  return {
    name,
    score(req: OrbitScoreRequest): ScoreBatch {
      const status = new Uint8Array(req.n);
      if (fixed) {
        const raw = model.scoreFixedRaw(req.inputs, req.n);
        return { scorer: name, orbit: req.orbit, n: req.n, bx: req.bx, status, raw, value: scoreValues(raw, model.outputFormat) };
      }
      const value = model.scoreFloat(req.features, req.n);
      return { scorer: name, orbit: req.orbit, n: req.n, bx: req.bx, status, value };
    },
  };
}
