/**
 * Detection metrics for anomaly scores (bigger = more anomalous): ROC curve and AUC (ties count
 * one half, as the Mann–Whitney statistic and sklearn's `roc_auc_score` do), PR AUC (average
 * precision, sklearn's step definition), TPR at a fixed FPR, the threshold for a target trigger
 * rate out of the 40 MHz bunch-crossing rate and the k-fold spread. An event passes a threshold
 * t when score >= t. The ADC2021 working point is TPR at FPR = 1e-5 (Govorkova et al., Sci. Data
 * 9 (2022) 118).
 */
import { nextUp } from "./histogram.js";

/** LHC bunch-crossing rate, the L1 input rate the trigger budget is counted against. */
export const BX_RATE_HZ = 40e6;
export const ADC_WORKING_FPR = 1e-5;

export interface RocCurve {
  /** Distinct thresholds in decreasing order; point k counts scores ≥ thresholds[k]. */
  thresholds: Float64Array;
  fpr: Float64Array;
  tpr: Float64Array;
}

function sortedDesc(values: ArrayLike<number>): Float64Array {
  const a = Float64Array.from(values);
  for (const v of a) if (Number.isNaN(v)) throw new RangeError("scores contain NaN");
  return a.sort().reverse();
}

/** ROC curve from background and signal scores (all thresholds, starting at (0, 0)). */
export function rocCurve(background: ArrayLike<number>, signal: ArrayLike<number>): RocCurve {
  if (background.length === 0 || signal.length === 0) throw new RangeError("ROC needs at least one background and one signal score");
  const b = sortedDesc(background), s = sortedDesc(signal);
  const thr: number[] = [Infinity], fpr: number[] = [0], tpr: number[] = [0];
  let i = 0, j = 0;
  while (i < b.length || j < s.length) {
    const t = Math.max(i < b.length ? b[i] : -Infinity, j < s.length ? s[j] : -Infinity);
    while (i < b.length && b[i] >= t) i++;
    while (j < s.length && s[j] >= t) j++;
    thr.push(t);
    fpr.push(i / b.length);
    tpr.push(j / s.length);
  }
  return { thresholds: Float64Array.from(thr), fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr) };
}

/** Area under the ROC curve (trapezoids over the tie-aware curve = P(s > b) + ½P(s = b)). */
export function rocAuc(background: ArrayLike<number>, signal: ArrayLike<number>): number {
  return auc(rocCurve(background, signal));
}

/** Average precision (area under the precision–recall step curve, sklearn's definition). */
export function prAuc(background: ArrayLike<number>, signal: ArrayLike<number>): number {
  const { fpr, tpr } = rocCurve(background, signal);
  const nb = background.length, ns = signal.length;
  let ap = 0;
  for (let k = 1; k < tpr.length; k++) {
    const tp = tpr[k] * ns, fp = fpr[k] * nb;
    if (tp + fp === 0) continue;
    ap += (tpr[k] - tpr[k - 1]) * (tp / (tp + fp));
  }
  return ap;
}

/**
 * Smallest threshold t whose background efficiency P(b ≥ t) does not exceed `fpr`; returns the
 * threshold and the signal efficiency there. With too little background to resolve `fpr`, the
 * threshold is just above the largest background score (efficiency 0 on background).
 */
export function tprAtFpr(background: ArrayLike<number>, signal: ArrayLike<number>, fpr: number): { threshold: number; tpr: number; fpr: number } {
  const b = sortedDesc(background);
  const allowed = Math.floor(fpr * b.length); // background events we may keep
  // Thresholds are background scores; keeping events ≥ t must not exceed `allowed`.
  // Keeping b[allowed] would exceed the budget, so the lowest valid threshold is just above it.
  const threshold = allowed >= b.length ? b[b.length - 1] : nextUp(b[allowed]);
  let kept = 0, bk = 0;
  for (let k = 0; k < signal.length; k++) if (signal[k] >= threshold) kept++;
  for (let k = 0; k < b.length; k++) if (b[k] >= threshold) bk++;
  return { threshold, tpr: signal.length ? kept / signal.length : 0, fpr: bk / b.length };
}

/** Threshold giving `rateHz` accepted events out of `inputRateHz` (default the 40 MHz BX rate). */
export function thresholdForRate(background: ArrayLike<number>, rateHz: number, inputRateHz = BX_RATE_HZ): { threshold: number; rateHz: number; fpr: number } {
  if (!(rateHz > 0) || !(inputRateHz > 0)) throw new RangeError("rates must be positive");
  const r = tprAtFpr(background, [], rateHz / inputRateHz);
  return { threshold: r.threshold, fpr: r.fpr, rateHz: r.fpr * inputRateHz };
}

export interface CrossValidation {
  mean: number;
  std: number;
  folds: number[];
}

/** k-fold spread of a metric: the events are split into k interleaved folds (event i → fold i mod k). */
export function kFold(background: ArrayLike<number>, signal: ArrayLike<number>, k: number, metric = rocAuc): CrossValidation {
  if (!Number.isInteger(k) || k < 2) throw new RangeError("k-fold needs k ≥ 2");
  const folds: number[] = [];
  for (let f = 0; f < k; f++) {
    const b: number[] = [], s: number[] = [];
    for (let i = f; i < background.length; i += k) b.push(background[i]);
    for (let i = f; i < signal.length; i += k) s.push(signal[i]);
    if (b.length && s.length) folds.push(metric(b, s));
  }
  const mean = folds.reduce((a, v) => a + v, 0) / folds.length;
  const std = Math.sqrt(folds.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, folds.length - 1));
  return { mean, std, folds };
}

/** Area under a computed ROC curve (trapezoids; ties count one half, the Mann–Whitney U / (nb·ns)). */
export function auc(roc: RocCurve): number {
  let a = 0;
  for (let i = 1; i < roc.fpr.length; i++) a += (roc.fpr[i] - roc.fpr[i - 1]) * (roc.tpr[i] + roc.tpr[i - 1]) * 0.5;
  return a;
}

/** TPR of a computed curve at the largest threshold step whose FPR does not exceed `fpr` (0 if none does). */
export function tprAtFprOnCurve(roc: RocCurve, fpr: number): number {
  let best = 0;
  for (let i = 0; i < roc.fpr.length; i++) if (roc.fpr[i] <= fpr && roc.tpr[i] > best) best = roc.tpr[i];
  return best;
}
