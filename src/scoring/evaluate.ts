/** Evaluation of a model on background and signal samples: the per-signal table `scoutloop eval` prints. */
import { rawArrayToValues } from "./fixed.js";
import type { FeatureSet } from "./data.js";
import { BX_RATE_HZ, prAuc, rocAuc, thresholdForRate, tprAtFpr } from "../stats/roc.js";
import type { ScoringModel } from "./model.js";

export interface SignalResult {
  name: string;
  events: number;
  auc: number;
  prAuc: number;
  /** Signal efficiency at background efficiency 1e-5 (the ADC2021 working point). */
  tprAt1e5: number;
  /** Signal efficiency at the rate threshold. */
  tprAtRate: number;
}

export interface Evaluation {
  model: string;
  kind: string;
  arithmetic: "float" | "fixed";
  backgroundEvents: number;
  rateHz: number;
  /** Score threshold that gives `rateHz` out of 40 MHz on this background. */
  threshold: number;
  /** Background events needed to resolve FPR 1e-5 (warn when fewer were given). */
  resolves1e5: boolean;
  signals: SignalResult[];
  /** Float vs fixed decisions at their own rate thresholds, over background + all signals (null for a float-only model). */
  agreement: { events: number; agree: number; fraction: number; floatThreshold: number; fixedThreshold: number } | null;
}

/** Float and fixed scores of a set; a float-only model has no fixed scores (`fixed` is the float array). */
export function scoresOf(model: ScoringModel, set: FeatureSet): { float: Float64Array; fixed: Float64Array } {
  const float = model.scoreFloat(set.features, set.n);
  if (model.floatOnly) return { float, fixed: float };
  return {
    float,
    fixed: rawArrayToValues(model.scoreFixedRaw(model.quantizeInputs(set.features, set.n), set.n), model.outputFormat),
  };
}

export function evaluate(
  model: ScoringModel, background: FeatureSet, signals: Array<{ name: string; set: FeatureSet }>,
  opts: { fixed?: boolean; rateHz?: number; onStep?: (done: number) => void } = {},
): Evaluation {
  if (opts.fixed && model.floatOnly) throw new Error(`model ${model.id} (${model.kind}) is float-only: no fixed-point evaluation`);
  const rateHz = opts.rateHz ?? 1000;
  const b = scoresOf(model, background);
  opts.onStep?.(1);
  const pick = (s: { float: Float64Array; fixed: Float64Array }) => (opts.fixed ? s.fixed : s.float);
  const bk = pick(b);
  const thr = thresholdForRate(bk, rateHz);
  const fThr = thresholdForRate(b.float, rateHz).threshold, qThr = thresholdForRate(b.fixed, rateHz).threshold;
  let agree = 0, total = 0;
  const count = (s: { float: Float64Array; fixed: Float64Array }) => {
    for (let i = 0; i < s.float.length; i++) {
      if ((s.float[i] >= fThr) === (s.fixed[i] >= qThr)) agree++;
      total++;
    }
  };
  count(b);
  const results = signals.map(({ name, set }, k) => {
    const s = scoresOf(model, set);
    count(s);
    opts.onStep?.(k + 2);
    const sk = pick(s);
    let kept = 0;
    for (const v of sk) if (v >= thr.threshold) kept++;
    return {
      name, events: set.n, auc: rocAuc(bk, sk), prAuc: prAuc(bk, sk), tprAt1e5: tprAtFpr(bk, sk, 1e-5).tpr, tprAtRate: set.n ? kept / set.n : 0,
    };
  });
  return {
    model: model.id, kind: model.kind, arithmetic: opts.fixed ? "fixed" : "float", backgroundEvents: background.n, rateHz,
    threshold: thr.threshold, resolves1e5: background.n >= 1e5, signals: results,
    agreement: model.floatOnly ? null : { events: total, agree, fraction: total ? agree / total : 1, floatThreshold: fThr, fixedThreshold: qThr },
  };
}

/** The human-readable table. */
export function formatEvaluation(e: Evaluation): string {
  const lines = [
    `model ${e.model} (${e.kind}, ${e.arithmetic}), ${e.backgroundEvents} background events`,
    `threshold for ${e.rateHz} Hz of ${BX_RATE_HZ / 1e6} MHz: ${e.threshold.toPrecision(6)}`,
    "",
    `${"signal".padEnd(14)} ${"events".padStart(7)} ${"AUC".padStart(7)} ${"PR AUC".padStart(7)} ${"TPR@1e-5".padStart(9)} ${`TPR@${e.rateHz}Hz`.padStart(11)}`,
  ];
  for (const s of e.signals) {
    lines.push(`${s.name.padEnd(14)} ${String(s.events).padStart(7)} ${s.auc.toFixed(4).padStart(7)} ${s.prAuc.toFixed(4).padStart(7)} ${s.tprAt1e5.toFixed(4).padStart(9)} ${s.tprAtRate.toFixed(4).padStart(11)}`);
  }
  if (!e.resolves1e5) lines.push("", `note: ${e.backgroundEvents} background events cannot resolve FPR 1e-5 (needs ≥ 1e5); TPR@1e-5 is at the highest background score`);
  if (e.agreement) lines.push("", `float vs fixed decisions at ${e.rateHz} Hz: ${e.agreement.agree}/${e.agreement.events} agree (${(100 * e.agreement.fraction).toFixed(3)} %)`);
  else lines.push("", "float-only model: no fixed-point scores to compare");
  return lines.join("\n");
}
