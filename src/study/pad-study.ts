/**
 * The PAD/FBM injection study: event variables from the 57-feature rows, a background mixture
 * fitted on one background sample, data = (1 − λ) background + λ signal from disjoint events, and
 * per injected λ the fitted λ̂ ± σ, the likelihood ratio, the AUC of the per-event signal
 * probability against the truth, and (PAD) the variables found uninformative.
 */
import { FEATURE_OFFSET, N_FEATURES } from "../events/features.js";
import type { EventSample } from "../scoring/sample.js";
import { Rng } from "../trigger/rng.js";
import { fitDiagGmm, fitFixedBackground, signalAuc, type DiagGmm } from "./pad.js";
import { featureVariable } from "./variables.js";

export const PAD_VARIABLES = ["log(1+M_inv)", "log(1+HT)", "log(1+MET)", "log(1+M_eff)", "log(1+μ1 pT)", "log(1+e/γ1 pT)", "jet1 φ"] as const;

/** n × 7 event variables (GeV inside the logs; φ in rad, kept as a variable that should carry nothing). */
export function padVariables(s: EventSample): Float64Array {
  const d = PAD_VARIABLES.length;
  const out = new Float64Array(s.n * d);
  const cols = [featureVariable(s.features, s.n, "M_inv"), featureVariable(s.features, s.n, "HT"), featureVariable(s.features, s.n, "MET"), featureVariable(s.features, s.n, "M_eff")];
  for (let i = 0; i < s.n; i++) {
    const row = i * N_FEATURES;
    for (let c = 0; c < 4; c++) out[i * d + c] = Math.log1p(cols[c][i]);
    out[i * d + 4] = Math.log1p(s.features[row + FEATURE_OFFSET.muon]);
    out[i * d + 5] = Math.log1p(s.features[row + FEATURE_OFFSET.egamma]);
    out[i * d + 6] = s.features[row + FEATURE_OFFSET.jet + 2];
  }
  return out;
}

export interface PadRow {
  method: "FBM" | "PAD";
  injected: number;
  signalEvents: number;
  lambda: number;
  lambdaError: number;
  likelihoodRatio: number;
  auc: number;
  uninformative: string[];
}

export interface PadResult {
  format: "scoutloop-pad/1";
  method: string;
  variables: string[];
  signal: string;
  dataEvents: number;
  backgroundEvents: number;
  config: { kBackground: number; kSignal: number; gamma1: number; gamma2: number; seed: number };
  background: { logLikelihood: number; iterations: number };
  rows: PadRow[];
  /** Per variable of the PAD fit at the largest λ: group norm and max |log v|. */
  variableDetail: Array<{ variable: string; groupNorm: number; maxLogVarRatio: number; informative: boolean }>;
}

export const PAD_METHOD =
  "FBM (Vatanen, Kuusela et al., arXiv:1112.3329): background mixture fitted on a background sample and frozen, data = (1−λ)f_B + λf_S by EM over λ and f_S; " +
  "PAD adds a group-lasso penalty γ₁ on the signal means per variable and a variance shrinkage γ₂ toward the background (diagonal covariances, inputs standardised on the background); " +
  "σ(λ̂) from the observed information; AUC of the per-event signal probability against the generator truth.";

export interface PadStudyOptions {
  background: EventSample;
  signal: EventSample;
  signalName: string;
  lambdas: number[];
  dataEvents: number;
  kBackground: number;
  kSignal: number;
  gamma1: number;
  gamma2: number;
  seed: number;
  onStep?: (done: number, total: number) => void;
}

export function padStudy(o: PadStudyOptions): PadResult {
  const d = PAD_VARIABLES.length;
  const bAll = padVariables(o.background);
  const sAll = padVariables(o.signal);
  const nFit = o.background.n - o.dataEvents;
  if (nFit < o.dataEvents) throw new Error(`PAD: ${o.background.n} background events cannot give ${o.dataEvents} data events and at least as many for the background fit`);
  // Standardise on the background-fit half (rows dataEvents..n), the data half is rows 0..dataEvents.
  const mean = new Float64Array(d), std = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0, s2 = 0;
    for (let i = o.dataEvents; i < o.background.n; i++) { const v = bAll[i * d + j]; s += v; s2 += v * v; }
    mean[j] = s / nFit;
    std[j] = Math.sqrt(Math.max(1e-12, s2 / nFit - mean[j] ** 2));
  }
  const z = (src: Float64Array, i: number, out: Float64Array, k: number) => { for (let j = 0; j < d; j++) out[k * d + j] = (src[i * d + j] - mean[j]) / std[j]; };
  const fitRows = new Float64Array(nFit * d);
  for (let i = 0; i < nFit; i++) z(bAll, o.dataEvents + i, fitRows, i);
  const bkg = fitDiagGmm(fitRows, nFit, d, { k: o.kBackground, seed: o.seed, iterations: 300, regVar: 1e-4 });
  const background: DiagGmm = bkg;
  const rows: PadRow[] = [];
  let detail: PadResult["variableDetail"] = [];
  const total = o.lambdas.length * 2;
  let done = 0;
  o.lambdas.forEach((lam, li) => {
    const nSig = Math.round(lam * o.dataEvents);
    if (nSig > o.signal.n) throw new Error(`PAD: λ = ${lam} needs ${nSig} signal events, there are ${o.signal.n}`);
    const rng = new Rng(o.seed + 31 * li, 3);
    const data = new Float64Array(o.dataEvents * d);
    const truth = new Uint8Array(o.dataEvents);
    // Background rows 0..dataEvents−nSig (disjoint from the fit rows), then nSig random signal rows.
    for (let i = 0; i < o.dataEvents - nSig; i++) z(bAll, i, data, i);
    for (let k = 0; k < nSig; k++) { z(sAll, Math.floor(rng.uniform() * o.signal.n), data, o.dataEvents - nSig + k); truth[o.dataEvents - nSig + k] = 1; }
    for (const method of ["FBM", "PAD"] as const) {
      const g1 = method === "PAD" ? o.gamma1 : 0, g2 = method === "PAD" ? o.gamma2 : 0;
      const fit = fitFixedBackground(data, o.dataEvents, d, background, { k: o.kSignal, gamma1: g1, gamma2: g2, seed: o.seed + li });
      const uninformative = method === "PAD" ? PAD_VARIABLES.filter((_, j) => !fit.variables[j].informative) : [];
      rows.push({ method, injected: lam, signalEvents: nSig, lambda: fit.lambda, lambdaError: fit.lambdaError, likelihoodRatio: fit.likelihoodRatio, auc: signalAuc(fit.signalProbability, truth), uninformative: [...uninformative] });
      if (method === "PAD" && li === o.lambdas.length - 1) detail = fit.variables.map((v, j) => ({ variable: PAD_VARIABLES[j], ...v }));
      o.onStep?.(++done, total);
    }
  });
  return {
    format: "scoutloop-pad/1", method: PAD_METHOD, variables: [...PAD_VARIABLES], signal: o.signalName, dataEvents: o.dataEvents, backgroundEvents: nFit,
    config: { kBackground: o.kBackground, kSignal: o.kSignal, gamma1: o.gamma1, gamma2: o.gamma2, seed: o.seed },
    background: { logLikelihood: bkg.logLikelihood, iterations: bkg.iterations }, rows, variableDetail: detail,
  };
}
