/**
 * ROC curve, AUC and the ADC2021 working point (TPR at FPR = 1e-5; Govorkova et al.,
 * Sci. Data 9 (2022) 118, the ADC2021 data-challenge paper). Bigger score = more anomalous;
 * an event passes a threshold t when score >= t.
 */

export interface RocCurve {
  /** Points from the strictest threshold (0,0) to the loosest (1,1). */
  fpr: Float64Array;
  tpr: Float64Array;
  threshold: Float64Array;
}

/** 40 MHz × FPR = trigger rate; the LHC bunch-crossing clock (DESIGN §8). */
export const BX_RATE_HZ = 40e6;
export const ADC_WORKING_FPR = 1e-5;

function finiteSorted(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[k++] = values[i];
  return out.sort();
}

/** Exact ROC: one point per distinct score (ties move FPR and TPR together). */
export function rocCurve(background: ArrayLike<number>, signal: ArrayLike<number>): RocCurve {
  const b = finiteSorted(background);
  const s = finiteSorted(signal);
  if (b.length === 0 || s.length === 0) throw new RangeError("ROC needs at least one scored background and one scored signal event");
  const fpr = [0];
  const tpr = [0];
  const thr = [Infinity];
  let ib = b.length - 1;
  let is = s.length - 1;
  while (ib >= 0 || is >= 0) {
    const t = Math.max(ib >= 0 ? b[ib] : -Infinity, is >= 0 ? s[is] : -Infinity);
    while (ib >= 0 && b[ib] === t) ib--;
    while (is >= 0 && s[is] === t) is--;
    fpr.push((b.length - 1 - ib) / b.length);
    tpr.push((s.length - 1 - is) / s.length);
    thr.push(t);
  }
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), threshold: Float64Array.from(thr) };
}

/** Area under the ROC curve (trapezoids; ties count one half, i.e. the Mann–Whitney U / (nb·ns)). */
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
