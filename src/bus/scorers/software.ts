/**
 * The in-process software scorer: the bit-exact fixed-point model (what firmware must match), or
 * the float reference (`fixed: false`, compare it in tolerance mode).
 */
import type { ScoreBatch } from "../../compare/results.js";
import { replyFlags } from "../../hil/flags.js";
import type { FixedFormat } from "../../scoring/fixed.js";
import { scoreValues, type PipelineModel, type OrbitScoreRequest, type Scorer } from "../scorer.js";

/** The model's formats when they are complete ap_fixed specs (a toy model may give width/int only). */
function fullFormats(model: PipelineModel): { input: FixedFormat; output: FixedFormat } | null {
  const full = (f: object): f is FixedFormat => "signed" in f && "overflow" in f && "quant" in f;
  return full(model.inputFormat) && full(model.outputFormat) ? { input: model.inputFormat, output: model.outputFormat } : null;
}

/** The reply flags a correct board sets for these events (null when the formats are not known in full). */
export function expectedFlags(model: PipelineModel, raw: Int32Array, req: OrbitScoreRequest): Uint8Array | undefined {
  const f = fullFormats(model);
  return f ? replyFlags(raw, req.inputs, req.n, model.nFeatures, f.input, f.output) : undefined;
}

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
        const flags = expectedFlags(model, raw, req);
        return { scorer: name, orbit: req.orbit, n: req.n, bx: req.bx, status, raw, value: scoreValues(raw, model.outputFormat), flags };
      }
      const value = model.scoreFloat(req.features, req.n);
      return { scorer: name, orbit: req.orbit, n: req.n, bx: req.bx, status, value };
    },
  };
}
