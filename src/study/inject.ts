/**
 * Signal-injection study (in the spirit of NPLM, D'Agnolo & Wulzer, PRD 99 (2019) 015014):
 * inject a signal at fractions f of the background into a "data" sample and ask, per fraction,
 *  1. how the anomaly-score distribution moves (mean shift, KS and binned Poisson LR against an
 *     independent background-only reference), and
 *  2. how a chosen variable (e.g. M_inv) is sculpted by a score cut: the shape of the events that
 *     pass against the shape of those the cut removes (two independent samples: KS and shape-only
 *     LR; at f = 0 this is the background sculpting the cut alone causes), and the selected
 *     events against the reference's selected events (KS and LR: how visible the injected signal
 *     is after the cut).
 * The background is split (seeded) into two halves: reference and data. The score cut is set on
 * the reference so that `cutFpr` of it passes. f = 0 therefore measures the null fluctuation.
 */
import { edgesFor, histogramOf, linearEdges, total } from "../stats/histogram.js";
import type { ScoringModel } from "../scoring/model.js";
import { scoreSample, selectRows, type EventSample } from "../scoring/sample.js";
import { permutation } from "./shuffle.js";
import { ksStatistic, poissonLikelihoodRatio } from "../stats/twosample.js";
import { featureVariable, type StudyVariable } from "./variables.js";

export interface InjectOptions {
  model: ScoringModel;
  background: EventSample;
  signal: EventSample;
  signalName: string;
  fractions: readonly number[];
  variable?: StudyVariable;
  /** Fraction of the reference passing the score cut (default 0.01). */
  cutFpr?: number;
  /** Score with the fixed-point (firmware) model or the float reference. */
  precision?: "fixed" | "float";
  bins?: number;
  /** Range of the variable's histogram (GeV); default 0..1000. */
  variableRange?: [number, number];
  seed?: number;
}

export interface InjectRow {
  fraction: number;
  injected: number;
  dataEvents: number;
  scoreMean: number;
  scoreMeanShift: number;
  scoreKs: number;
  scoreKsP: number;
  scoreLr: number;
  /** Events passing the cut (data). */
  selected: number;
  selectedSignal: number;
  /** Variable of the events passing vs failing the cut (shape only): the cut's sculpting. */
  sculptKs: number;
  sculptKsP: number;
  sculptLr: number;
  variableKs: number;
  variableKsP: number;
  variableLr: number;
  /** Variable histogram of the selected data events. */
  variableCounts: number[];
  scoreCounts: number[];
}

export interface InjectResult {
  format: "scoutloop-inject/1";
  method: string;
  model: { kind: string; id: string };
  signal: string;
  variable: StudyVariable;
  precision: "fixed" | "float";
  cutFpr: number;
  threshold: number;
  reference: {
    events: number; selected: number; variableCounts: number[]; scoreCounts: number[];
    /** The reference's variable before the cut, and its sculpting by the cut (passing vs failing). */
    variableCountsBeforeCut: number[]; sculptKs: number; sculptKsP: number; sculptLr: number;
  };
  scoreEdges: number[];
  variableEdges: number[];
  rows: InjectRow[];
}

export const INJECT_METHOD =
  "Background split in two seeded halves: reference and data. Signal events injected into the data at each fraction f of the data background. " +
  "Score cut set on the reference at the requested pass fraction (score ≥ threshold passes). " +
  "Sculpting: the variable's shape for events passing the cut against events failing it (KS; LR with the failing shape scaled to the passing count). " +
  "Statistics against the reference: two-sample KS (asymptotic p-value) and binned Poisson likelihood ratio −2 ln λ (Baker–Cousins) with the reference scaled to the data's background count.";

export function injectStudy(o: InjectOptions): InjectResult {
  const variable = o.variable ?? "M_inv";
  const cutFpr = o.cutFpr ?? 0.01;
  const precision = o.precision ?? "fixed";
  const bins = o.bins ?? 40;
  if (!(cutFpr > 0 && cutFpr <= 1)) throw new RangeError(`cut pass fraction must be in (0, 1], got ${cutFpr}`);
  for (const f of o.fractions) if (!(f >= 0 && f <= 1)) throw new RangeError(`injected fractions must be in [0, 1], got ${f}`);
  if (o.background.n < 4) throw new RangeError(`background sample too small (${o.background.n} events)`);

  const perm = permutation(o.background.n, o.seed ?? 1);
  const half = o.background.n >> 1;
  const ref = selectRows(o.background, perm.subarray(0, half));
  const data = selectRows(o.background, perm.subarray(half));
  const pick = (s: ReturnType<typeof scoreSample>) => (precision === "fixed" ? s.fixed : s.float);
  const refScore = pick(scoreSample(o.model, ref));
  const dataScore = pick(scoreSample(o.model, data));
  const sigScore = pick(scoreSample(o.model, o.signal));
  const refVar = featureVariable(ref.features, ref.n, variable);
  const dataVar = featureVariable(data.features, data.n, variable);
  const sigVar = featureVariable(o.signal.features, o.signal.n, variable);

  const sortedRef = Float64Array.from(refScore).sort();
  const cutIndex = Math.min(sortedRef.length - 1, Math.max(0, Math.floor(sortedRef.length * (1 - cutFpr))));
  const threshold = sortedRef[cutIndex];
  const scoreEdges = edgesFor([refScore, dataScore, sigScore], bins);
  const [lo, hi] = o.variableRange ?? [0, 1000];
  const varEdges = linearEdges(lo, hi, bins);
  const refSelVar = refVar.filter((_, i) => refScore[i] >= threshold);
  const refVarH = histogramOf(refSelVar, varEdges);
  const refAllVarH = histogramOf(refVar, varEdges);
  const refSculpt = sculpting(refVar, refScore, threshold, varEdges);
  const refScoreH = histogramOf(refScore, scoreEdges);
  const scale = data.n / ref.n;
  const refMean = mean(refScore);
  const sigOrder = permutation(o.signal.n, (o.seed ?? 1) + 7);

  const rows = o.fractions.map((fraction): InjectRow => {
    const injected = Math.round(fraction * data.n);
    if (injected > o.signal.n) throw new RangeError(`fraction ${fraction} needs ${injected} signal events, the signal sample has ${o.signal.n}`);
    const n = data.n + injected;
    const score = new Float64Array(n);
    const v = new Float64Array(n);
    score.set(dataScore);
    v.set(dataVar);
    for (let k = 0; k < injected; k++) {
      score[data.n + k] = sigScore[sigOrder[k]];
      v[data.n + k] = sigVar[sigOrder[k]];
    }
    let selected = 0;
    let selectedSignal = 0;
    const selVar: number[] = [];
    for (let i = 0; i < n; i++) {
      if (score[i] >= threshold) {
        selected++;
        if (i >= data.n) selectedSignal++;
        selVar.push(v[i]);
      }
    }
    const scoreH = histogramOf(score, scoreEdges);
    const varH = histogramOf(selVar, varEdges);
    const ksScore = ksStatistic(score, refScore);
    const ksVar = ksStatistic(selVar, refSelVar);
    const sculpt = sculpting(v, score, threshold, varEdges);
    return {
      fraction, injected, dataEvents: n,
      scoreMean: mean(score), scoreMeanShift: mean(score) - refMean,
      scoreKs: ksScore.d, scoreKsP: ksScore.p,
      scoreLr: poissonLikelihoodRatio(scoreH.counts, refScoreH.counts.map((c) => c * scale)),
      selected, selectedSignal,
      sculptKs: sculpt.ks, sculptKsP: sculpt.ksP, sculptLr: sculpt.lr,
      variableKs: ksVar.d, variableKsP: ksVar.p,
      variableLr: poissonLikelihoodRatio(varH.counts, refVarH.counts.map((c) => c * scale)),
      variableCounts: Array.from(varH.counts), scoreCounts: Array.from(scoreH.counts),
    };
  });
  return {
    format: "scoutloop-inject/1", method: INJECT_METHOD,
    model: { kind: o.model.kind, id: o.model.id }, signal: o.signalName, variable, precision, cutFpr, threshold,
    reference: {
      events: ref.n, selected: refSelVar.length, variableCounts: Array.from(refVarH.counts), scoreCounts: Array.from(refScoreH.counts),
      variableCountsBeforeCut: Array.from(refAllVarH.counts), sculptKs: refSculpt.ks, sculptKsP: refSculpt.ksP, sculptLr: refSculpt.lr,
    },
    scoreEdges: Array.from(scoreEdges), variableEdges: Array.from(varEdges), rows,
  };
}

/** How a cut reshapes a variable: events passing (score ≥ threshold) against events failing, shape only. */
function sculpting(v: ArrayLike<number>, score: ArrayLike<number>, threshold: number, edges: Float64Array): { ks: number; ksP: number; lr: number } {
  const pass: number[] = [];
  const fail: number[] = [];
  for (let i = 0; i < v.length; i++) (score[i] >= threshold ? pass : fail).push(v[i]);
  const ks = ksStatistic(pass, fail);
  const hp = histogramOf(pass, edges);
  const hf = histogramOf(fail, edges);
  const k = total(hf) > 0 ? total(hp) / total(hf) : 0;
  return { ks: ks.d, ksP: ks.p, lr: poissonLikelihoodRatio(hp.counts, Array.from(hf.counts, (c) => c * k)) };
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) (s += x[i]), n++;
  return n ? s / n : NaN;
}
