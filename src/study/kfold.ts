/**
 * k-fold model comparison: AUC per signal, mean ± std over k folds of the background, several
 * models side by side (as in the ADC2021 studies). For a model with a *trainer*, fold i trains on
 * the other k − 1 folds and evaluates on fold i; a ready-made *model* (a file) is evaluated on
 * each fold as is, so its spread is the evaluation-sample fluctuation alone. Signals are scored
 * whole in every fold.
 */
import { N_FEATURES } from "../events/features.js";
import { trainExtendedIsolationForest } from "../scoring/eiforest.js";
import { trainGmm } from "../scoring/gmm.js";
import { trainIsolationForest } from "../scoring/iforest.js";
import { trainAutoencoder } from "../scoring/nn-train.js";
import type { ScoringModel } from "../scoring/model.js";
import { standardisation } from "../scoring/normalise.js";
import { auc, rocCurve } from "../stats/roc.js";
import { scoreSample, selectRows, type EventSample } from "../scoring/sample.js";
import { permutation } from "./shuffle.js";

export type Trainer = (features: Float32Array, n: number, nFeatures: number, seed: number) => ScoringModel;

/** Trainers by model name (the VAE has inference only: compare it with a ready-made model file). */
const TRAINERS = new Map<string, Trainer>([
  ["IF", (f, n, nf, seed) => trainIsolationForest(f, n, nf, { seed, nTrees: 100, sampleSize: 256 })],
  ["AE", (f, n, nf, seed) => trainAutoencoder(f, n, nf, { seed })],
  ["GMM", (f, n, nf, seed) => trainGmm(f, n, nf, { seed })],
  // Hyperplanes mix features, so the extended forest sees standardised ones (as `train --model eif`).
  ["EIF", (f, n, nf, seed) => trainExtendedIsolationForest(f, n, nf, { seed, nTrees: 100, sampleSize: 256, ndim: 2, normalisation: standardisation(f, n, nf) })],
]);

export function registerTrainer(name: string, trainer: Trainer): void {
  TRAINERS.set(name, trainer);
}

export function trainerNames(): string[] {
  return [...TRAINERS.keys()];
}

/** `train --model` spells the kinds iforest, ae, gmm, eif; the k-fold tables keep their short names. */
const TRAINER_ALIASES: Record<string, string> = { iforest: "IF", if: "IF", ae: "AE", gmm: "GMM", eif: "EIF" };

export function trainerFor(name: string): Trainer {
  const t = TRAINERS.get(name) ?? TRAINERS.get(TRAINER_ALIASES[name.toLowerCase()] ?? "");
  if (!t) throw new RangeError(`no trainer for model "${name}" (trainable: ${trainerNames().join(", ")}, or as train spells them: ${Object.keys(TRAINER_ALIASES).filter((k) => k !== "if").join(", ")}; pass a model file to compare other kinds)`);
  return t;
}

export interface KFoldCandidate {
  name: string;
  trainer?: Trainer;
  model?: ScoringModel;
}

export interface KFoldOptions {
  background: EventSample;
  signals: Array<{ name: string; sample: EventSample }>;
  candidates: KFoldCandidate[];
  k: number;
  precision?: "fixed" | "float";
  seed?: number;
  /** Called after each (fold, model) with the count done and the total k × models. */
  onStep?: (done: number, total: number) => void;
}

export interface KFoldRow {
  model: string;
  signal: string;
  aucs: number[];
  mean: number;
  std: number;
}

export interface KFoldResult {
  format: "scoutloop-kfold/1";
  k: number;
  precision: "fixed" | "float";
  backgroundEvents: number;
  rows: KFoldRow[];
}

export function meanStd(x: readonly number[]): { mean: number; std: number } {
  const n = x.length;
  const mean = x.reduce((a, b) => a + b, 0) / n;
  // Sample standard deviation (n − 1): the spread one would quote between folds.
  const std = n > 1 ? Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

export function kfoldCompare(o: KFoldOptions): KFoldResult {
  const k = o.k;
  const precision = o.precision ?? "fixed";
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer ≥ 2, got ${k}`);
  if (o.background.n < 2 * k) throw new RangeError(`${o.background.n} background events cannot make ${k} folds`);
  if (o.candidates.length === 0 || o.signals.length === 0) throw new RangeError("k-fold needs at least one model and one signal");
  for (const c of o.candidates) if (!c.trainer === !c.model) throw new RangeError(`model "${c.name}": give a trainer or a model, not both/neither`);
  const seed = o.seed ?? 1;
  const perm = permutation(o.background.n, seed);
  const foldOf = (i: number) => Math.floor((i * k) / o.background.n);
  const aucs = new Map<string, number[]>();
  for (let f = 0; f < k; f++) {
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < o.background.n; i++) (foldOf(i) === f ? test : train).push(perm[i]);
    const testSample = selectRows(o.background, test);
    const trainSample = o.candidates.some((c) => c.trainer) ? selectRows(o.background, train) : null;
    for (const c of o.candidates) {
      const model = c.model ?? c.trainer!(trainSample!.features, trainSample!.n, N_FEATURES, seed + f);
      // A float-only model (the extended forest) is compared on its float score in either precision.
      const pick = (s: EventSample) => {
        if (model.floatOnly) return model.scoreFloat(s.features, s.n);
        const r = scoreSample(model, s);
        return precision === "fixed" ? r.fixed : r.float;
      };
      const b = pick(testSample);
      for (const s of o.signals) {
        const key = `${c.name}\u0000${s.name}`;
        if (!aucs.has(key)) aucs.set(key, []);
        aucs.get(key)!.push(auc(rocCurve(b, pick(s.sample))));
      }
      o.onStep?.(f * o.candidates.length + o.candidates.indexOf(c) + 1, k * o.candidates.length);
    }
  }
  const rows: KFoldRow[] = [];
  for (const s of o.signals) {
    for (const c of o.candidates) {
      const a = aucs.get(`${c.name}\u0000${s.name}`)!;
      rows.push({ model: c.name, signal: s.name, aucs: a, ...meanStd(a) });
    }
  }
  return { format: "scoutloop-kfold/1", k, precision, backgroundEvents: o.background.n, rows };
}
