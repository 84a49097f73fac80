/**
 * NPLM goodness-of-fit test of data against a reference sample (D'Agnolo & Wulzer, PRD 99 (2019)
 * 015014; kernel version: Letizia et al., EPJC 82 (2022) 879, code GaiaGrosso/NPLM-FLK).
 *
 *  1. Standardise every input with the reference mean and std (columns constant on the
 *     reference are centred but not scaled, and reported); σ = the `sigmaPercentile`-th percentile of pairwise distances of ≤ 2000
 *     reference rows, rounded to 0.1 (NPLM-FLK `candidate_sigma`).
 *  2. Fit f on M Nyström centres drawn from data ∪ reference (nplm-fit.ts), t from in-sample f.
 *  3. Null: toys drawn from the reference alone — a disjoint pseudo-data slice of N_D and reference
 *     slice of N_ref rows per toy, fresh centres per toy; χ² dof fitted to the toys by KS; p and Z
 *     of the observed t both empirically (bounded by 1/N_toys) and from χ²_dof.
 * The reference given on the command line is also the toys' pool, so the observed test uses
 * N_ref = N_R − N_D reference rows (the same N_ref and w_R = N_D/N_ref as every toy).
 */
import { Rng } from "../trigger/rng.js";
import { chi2Significance, empiricalSignificance, fitChi2Dof, median, percentile, type Chi2DofFit, type Significance } from "../stats/toys.js";
import { kernelBasis, nplmT, nystromFeatures, weightedLogistic, type NplmBackend } from "./nplm-fit.js";

export interface NplmConfig {
  /** Nyström centres. */
  m: number;
  /** L2 penalty λ. */
  lambda: number;
  /** σ from this percentile of pairwise reference distances (ignored when `sigma` is set). */
  sigmaPercentile: number;
  sigma?: number;
  /** Null toys. */
  toys: number;
  seed: number;
  backend: NplmBackend;
}

export const NPLM_DEFAULTS: NplmConfig = { m: 100, lambda: 1e-6, sigmaPercentile: 90, toys: 100, seed: 1, backend: "native" };

/** Rows × columns, row-major, with the column names. */
export interface Table {
  n: number;
  d: number;
  values: Float64Array;
  columns: string[];
}

export interface Standardiser {
  /** Input columns used (all of them; kept as an index list for the row gather). */
  kept: number[];
  mean: Float64Array;
  std: Float64Array;
  /** Columns constant on the reference: centred but not scaled (std 1), so data that moves them still counts. */
  constant: number[];
}

export function fitStandardiser(ref: Table): Standardiser {
  const kept: number[] = [], mean: number[] = [], std: number[] = [], constant: number[] = [];
  for (let c = 0; c < ref.d; c++) {
    let s = 0, s2 = 0;
    for (let i = 0; i < ref.n; i++) { const v = ref.values[i * ref.d + c]; s += v; s2 += v * v; }
    const mu = s / ref.n;
    const sd = Math.sqrt(Math.max(0, s2 / ref.n - mu * mu));
    const isConstant = !(sd > 1e-12 * Math.max(1, Math.abs(mu)));
    if (isConstant) constant.push(c);
    kept.push(c); mean.push(mu); std.push(isConstant ? 1 : sd);
  }
  return { kept, mean: Float64Array.from(mean), std: Float64Array.from(std), constant };
}

export function standardise(t: Table, s: Standardiser, rows?: ArrayLike<number>): Float64Array {
  const d = s.kept.length;
  const n = rows ? rows.length : t.n;
  const out = new Float64Array(n * d);
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k] : k;
    for (let j = 0; j < d; j++) out[k * d + j] = (t.values[i * t.d + s.kept[j]] - s.mean[j]) / s.std[j];
  }
  return out;
}

/** Percentile of the pairwise Euclidean distances of the first ≤ `maxRows` rows, rounded to 0.1. */
export function candidateSigma(x: Float64Array, n: number, d: number, perc: number, maxRows = 2000): number {
  const k = Math.min(n, maxRows);
  const dist = new Float64Array((k * (k - 1)) / 2);
  let at = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) { const u = x[i * d + c] - x[j * d + c]; s += u * u; }
      dist[at++] = Math.sqrt(s);
    }
  }
  const p = percentile(dist, perc);
  return Math.max(0.1, Math.round(p * 10) / 10);
}

export interface NplmFitSummary {
  t: number;
  iterations: number;
  converged: boolean;
}

/** One NPLM fit of standardised data against standardised reference rows; centres from `rng`. */
export function nplmFit(data: Float64Array, nData: number, ref: Float64Array, nRef: number, d: number, sigma: number, cfg: Pick<NplmConfig, "m" | "lambda" | "backend">, rng: Rng): NplmFitSummary & { f: Float64Array; y: Uint8Array; wRef: number } {
  const n = nData + nRef;
  const x = new Float64Array(n * d);
  x.set(data.subarray(0, nData * d));
  x.set(ref.subarray(0, nRef * d), nData * d);
  const y = new Uint8Array(n);
  y.fill(1, 0, nData);
  const wRef = nData / nRef;
  const w = new Float64Array(n).fill(1);
  w.fill(wRef, nData);
  const m = Math.min(cfg.m, n);
  const pick = sampleWithoutReplacement(n, m, rng);
  const centres = new Float64Array(m * d);
  for (let j = 0; j < m; j++) centres.set(x.subarray(pick[j] * d, pick[j] * d + d), j * d);
  const basis = kernelBasis(centres, m, d, sigma);
  const phi = nystromFeatures(basis, x, n, cfg.backend);
  const fit = weightedLogistic(phi, n, m, y, w, cfg.lambda, 100, 1e-12, cfg.backend);
  return { t: nplmT(fit.f, y, wRef), iterations: fit.iterations, converged: fit.converged, f: fit.f, y, wRef };
}

/** k distinct indices of 0..n−1 (partial Fisher–Yates). */
export function sampleWithoutReplacement(n: number, k: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.uniform() * (n - i));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p.subarray(0, k);
}

export interface NullDistribution {
  t: number[];
  fit: Chi2DofFit;
  nData: number;
  nRef: number;
  /** Toys whose Newton fit stopped before converging (their t is kept). */
  unconverged: number;
}

/** Null toys from one pool: per toy, disjoint pseudo-data (nData) and reference (nRef) slices. */
export function nullToys(pool: Float64Array, nPool: number, d: number, nData: number, nRef: number, sigma: number, cfg: NplmConfig, onToy?: (done: number) => void): NullDistribution {
  if (nData + nRef > nPool) throw new RangeError(`NPLM toys need ${nData} + ${nRef} disjoint rows, the pool has ${nPool}`);
  const t: number[] = [];
  let unconverged = 0;
  for (let k = 0; k < cfg.toys; k++) {
    const rng = new Rng(cfg.seed, 1000 + k);
    const idx = sampleWithoutReplacement(nPool, nData + nRef, rng);
    const data = gather(pool, d, idx.subarray(0, nData));
    const ref = gather(pool, d, idx.subarray(nData));
    const r = nplmFit(data, nData, ref, nRef, d, sigma, cfg, rng);
    t.push(r.t);
    if (!r.converged) unconverged++;
    onToy?.(k + 1);
  }
  return { t, fit: fitChi2Dof(t), nData, nRef, unconverged };
}

export function gather(x: Float64Array, d: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * d);
  for (let k = 0; k < rows.length; k++) out.set(x.subarray(rows[k] * d, rows[k] * d + d), k * d);
  return out;
}

export const NPLM_METHOD =
  "NPLM (D'Agnolo & Wulzer, PRD 99 (2019) 015014; kernel version Letizia et al., EPJC 82 (2022) 879): f(x) on M Gaussian-kernel Nyström centres, " +
  "weighted logistic loss (reference weight w_R = N_D/N_ref) with L2 penalty λ‖f‖², t = 2[Σ_D f − w_R Σ_R (e^f − 1)] from the in-sample f; " +
  "null from reference-only toys (disjoint slices, fresh centres), χ² dof fitted to the toys by KS; Z = Φ⁻¹(1 − p).";

export interface NplmResult {
  format: "scoutloop-nplm/1";
  method: string;
  reference: { describe: string; events: number; used: number };
  data: { describe: string; events: number };
  columns: string[];
  /** Columns constant on the reference (centred, not scaled). */
  constant: string[];
  config: NplmConfig & { sigma: number };
  wRef: number;
  t: number;
  converged: boolean;
  null: NullDistribution;
  chi2: Significance;
  empirical: Significance;
  /** 1-D inputs: data vs w_R e^f-reweighted reference (where the discrepancy is). */
  reconstruction: { column: string; edges: number[]; data: number[]; reference: number[]; reweighted: number[] } | null;
  /** Injection scan, when run. */
  injection: NplmInjection | null;
}

export interface NplmTestOptions {
  reference: Table;
  data: Table;
  describeReference: string;
  describeData: string;
  config: NplmConfig;
  onToy?: (done: number, total: number) => void;
}

/** The observed test and its null: `scoutloop nplm --ref R --data D`. */
export function nplmTest(o: NplmTestOptions): NplmResult {
  const { reference: R, data: D, config: cfg } = o;
  if (D.d !== R.d) throw new Error(`NPLM: data has ${D.d} columns, reference ${R.d}`);
  const nData = D.n;
  const nRef = R.n - nData;
  if (nRef < nData) throw new Error(`NPLM: the reference (${R.n} rows) must be at least twice the data (${nData} rows): toys take disjoint data and reference slices from it`);
  const s = fitStandardiser(R);
  const d = s.kept.length;
  const ref = standardise(R, s);
  const data = standardise(D, s);
  const sigma = cfg.sigma ?? candidateSigma(ref, R.n, d, cfg.sigmaPercentile);
  const rng = new Rng(cfg.seed, 0);
  const refRows = sampleWithoutReplacement(R.n, nRef, rng);
  const refUsed = gather(ref, d, refRows);
  const obs = nplmFit(data, nData, refUsed, nRef, d, sigma, cfg, rng);
  const nul = nullToys(ref, R.n, d, nData, nRef, sigma, cfg, (k) => o.onToy?.(k, cfg.toys));
  const columns = s.kept.map((c) => R.columns[c]);
  const constant = s.constant.map((c) => R.columns[c]);
  return {
    format: "scoutloop-nplm/1",
    method: NPLM_METHOD,
    reference: { describe: o.describeReference, events: R.n, used: nRef },
    data: { describe: o.describeData, events: nData },
    columns, constant,
    config: { ...cfg, sigma },
    wRef: obs.wRef,
    t: obs.t,
    converged: obs.converged,
    null: nul,
    chi2: chi2Significance(obs.t, nul.fit.dof),
    empirical: empiricalSignificance(nul.t, obs.t),
    reconstruction: d === 1 ? reconstruction(columns[0], data, nData, refUsed, nRef, obs.f, obs.wRef, s) : null,
    injection: null,
  };
}

/** Data, reference × w_R and reference × w_R e^f histograms of a 1-D input (original units). */
function reconstruction(column: string, data: Float64Array, nData: number, ref: Float64Array, nRef: number, f: Float64Array, wRef: number, s: Standardiser, bins = 30): NplmResult["reconstruction"] {
  const back = (v: number) => v * s.std[0] + s.mean[0];
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < nData; i++) { lo = Math.min(lo, data[i]); hi = Math.max(hi, data[i]); }
  for (let i = 0; i < nRef; i++) { lo = Math.min(lo, ref[i]); hi = Math.max(hi, ref[i]); }
  const width = (hi - lo) / bins || 1;
  const bin = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
  const hd = new Array<number>(bins).fill(0), hr = new Array<number>(bins).fill(0), hw = new Array<number>(bins).fill(0);
  for (let i = 0; i < nData; i++) hd[bin(data[i])]++;
  for (let i = 0; i < nRef; i++) { const b = bin(ref[i]); hr[b] += wRef; hw[b] += wRef * Math.exp(f[nData + i]); }
  const edges = Array.from({ length: bins + 1 }, (_, i) => back(lo + i * width));
  return { column, edges, data: hd, reference: hr, reweighted: hw };
}

export interface NplmInjectionRow {
  fraction: number;
  signalEvents: number;
  t: number[];
  tMedian: number;
  chi2: Significance;
  empirical: Significance;
}

export interface NplmInjection {
  signal: string;
  nData: number;
  nRef: number;
  toysPerFraction: number;
  rows: NplmInjectionRow[];
}

export interface NplmInjectionOptions {
  /** Background pool (≥ nData + nRef rows) and signal rows, same columns. */
  background: Table;
  signal: Table;
  signalName: string;
  nData: number;
  nRef: number;
  fractions: number[];
  toysPerFraction: number;
  config: NplmConfig;
  describeBackground: string;
  onStep?: (done: number, total: number) => void;
}

/**
 * "Would we detect it?": per injected fraction f, toys with data = (1 − f)·N_D background + f·N_D
 * signal rows against a disjoint background reference; Z of the median t against the null toys
 * (which are the f = 0 case of the same procedure).
 */
export function nplmInjectionScan(o: NplmInjectionOptions): NplmResult {
  const { background: B, signal: S, config: cfg, nData, nRef } = o;
  if (B.d !== S.d) throw new Error(`NPLM injection: signal has ${S.d} columns, background ${B.d}`);
  if (nData + nRef > B.n) throw new Error(`NPLM injection: ${nData} data + ${nRef} reference rows need a background pool of that size, it has ${B.n}`);
  const s = fitStandardiser(B);
  const d = s.kept.length;
  const bkg = standardise(B, s);
  const sig = standardise(S, s);
  const sigma = cfg.sigma ?? candidateSigma(bkg, B.n, d, cfg.sigmaPercentile);
  const total = cfg.toys + o.fractions.length * o.toysPerFraction;
  let done = 0;
  const nul = nullToys(bkg, B.n, d, nData, nRef, sigma, cfg, () => o.onStep?.(++done, total));
  const rows: NplmInjectionRow[] = [];
  o.fractions.forEach((fraction, fi) => {
    const nSig = Math.round(fraction * nData);
    if (nSig > S.n) throw new Error(`NPLM injection: fraction ${fraction} needs ${nSig} signal rows, there are ${S.n}`);
    const ts: number[] = [];
    for (let k = 0; k < o.toysPerFraction; k++) {
      const rng = new Rng(cfg.seed + 7919 * (fi + 1), 5000 + k);
      const idx = sampleWithoutReplacement(B.n, nData - nSig + nRef, rng);
      const sIdx = sampleWithoutReplacement(S.n, nSig, rng);
      const data = new Float64Array(nData * d);
      data.set(gather(bkg, d, idx.subarray(0, nData - nSig)));
      data.set(gather(sig, d, sIdx), (nData - nSig) * d);
      const ref = gather(bkg, d, idx.subarray(nData - nSig));
      ts.push(nplmFit(data, nData, ref, nRef, d, sigma, cfg, rng).t);
      o.onStep?.(++done, total);
    }
    const tMedian = median(ts);
    rows.push({ fraction, signalEvents: nSig, t: ts, tMedian, chi2: chi2Significance(tMedian, nul.fit.dof), empirical: empiricalSignificance(nul.t, tMedian) });
  });
  const columns = s.kept.map((c) => B.columns[c]);
  const last = rows[rows.length - 1];
  return {
    format: "scoutloop-nplm/1",
    method: NPLM_METHOD,
    reference: { describe: o.describeBackground, events: B.n, used: nRef },
    data: { describe: `injection scan of ${o.signalName}`, events: nData },
    columns,
    constant: s.constant.map((c) => B.columns[c]),
    config: { ...cfg, sigma },
    wRef: nData / nRef,
    t: last ? last.tMedian : NaN,
    converged: true,
    null: nul,
    chi2: last ? last.chi2 : { p: NaN, z: NaN, bound: false },
    empirical: last ? last.empirical : { p: NaN, z: NaN, bound: false },
    reconstruction: null,
    injection: { signal: o.signalName, nData, nRef, toysPerFraction: o.toysPerFraction, rows },
  };
}
