/**
 * ROC helpers for plots and studies, over one computed curve (src/scoring/metrics.ts builds it:
 * the single ROC implementation, checked against sklearn). Bigger score = more anomalous; an
 * event passes a threshold t when score >= t. The ADC2021 working point is TPR at FPR = 1e-5
 * (Govorkova et al., Sci. Data 9 (2022) 118).
 */
import type { RocCurve } from "../scoring/metrics.js";

export { BX_RATE_HZ, rocCurve, type RocCurve } from "../scoring/metrics.js";
export const ADC_WORKING_FPR = 1e-5;

/** Area under a computed ROC curve (trapezoids; ties count one half, the Mann–Whitney U / (nb·ns)). */
export function auc(roc: RocCurve): number {
  let a = 0;
  for (let i = 1; i < roc.fpr.length; i++) a += (roc.fpr[i] - roc.fpr[i - 1]) * (roc.tpr[i] + roc.tpr[i - 1]) * 0.5;
  return a;
}

/** TPR at the largest threshold step whose FPR does not exceed `fpr` (0 if none does). */
export function tprAtFpr(roc: RocCurve, fpr: number): number {
  let best = 0;
  for (let i = 0; i < roc.fpr.length; i++) if (roc.fpr[i] <= fpr && roc.tpr[i] > best) best = roc.tpr[i];
  return best;
}
