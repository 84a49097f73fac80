/**
 * Extended isolation forest (Hariri, Carrasco Kind & Brunner 2018, arXiv:1811.02141): each split
 * is a random hyperplane over `ndim` randomly chosen features, Σ coef·z < threshold → left, with
 * coefficients drawn from N(0, 1) and the threshold uniform within the node's range along the
 * projection (isotree's `ndim > 1` splits draw the split point the same way). Score as for the
 * plain forest: log2 of 2^(−E[h]/c(ψ)) = norm × Σ_trees (depth + c(n_leaf)), norm = −1/(nTrees·c(ψ)).
 *
 * Float only: there is no firmware design, fixed-point model or native scorer for hyperplane
 * splits, so `quantizeInputs` / `scoreFixedRaw` throw one clear error (`floatOnly` tells callers
 * before they try).
 *
 * With ndim = 1 the trainer draws exactly as `trainIsolationForest` does (same row sampling, same
 * feature and threshold draws, coefficient 1), so the same seed gives the same trees and scores.
 */
import { expectTreesShape } from "./tree-shape.js";
import { MODEL_LIMITS, atPath, expectArray, expectInt, expectModelHeader, expectNumber, expectNumbers, expectObject, expectString, fail } from "./validate.js";
import { toFixedFormat, type FixedFormat } from "./fixed.js";
import {
  DEFAULT_IF_INPUT, DEFAULT_IF_SCORE, averagePathLength, drawSample, forestToTrees, seededRandom, splitFeatureList, treesToForest, validateForest, varyingFeatures,
  type ForestArrays, type TreeJson,
} from "./iforest.js";
import { modelJsonHeader } from "./model-json.js";
import { ScorerUnavailableError, checkRows, modelId, type ScoringModel } from "./model.js";
import { identityNormalisation, normalisationFromJSON, type Normalisation } from "./normalise.js";

export const EIF_FLOAT_ONLY =
  "the extended isolation forest (eif) is float-only: it has no fixed-point or native scorer; score it without --fixed/--native";

/** Hyperplane terms per split node: node i uses termFeature/termCoef[termStart[i] .. termStart[i + 1]). */
export interface HyperplaneTerms {
  termStart: Int32Array;
  termFeature: Int32Array;
  termCoef: Float64Array;
  /**
   * isotree's form (imported models only): term k adds (z − termCenter[k]) × termCoef[k], and a
   * missing (NaN/±∞) z adds termImpute[k] instead (`missingAction: "impute"`) or makes the score
   * NaN (`"fail"`), as isotree's `predict.hpp` does. Absent: coef × z, scoutloop's own form.
   */
  termCenter?: Float64Array;
  termImpute?: Float64Array;
}

export interface ExtendedForestSpec {
  /** Tree structure; `feature` holds each split node's first term (the structure checks read it), −1 on leaves. */
  forest: ForestArrays;
  terms: HyperplaneTerms;
  nFeatures: number;
  /** Features per hyperplane asked for at training (a node with fewer non-constant features uses all of them). */
  ndim: number;
  sampleSize: number;
  /** −1/(nTrees·c(ψ)). */
  norm: number;
  normalisation: Normalisation;
  /** "<": Σ < threshold goes left (scoutloop's trainer); "<=": Σ ≤ threshold (isotree). Default "<". */
  splitting?: "<" | "<=";
  /** How isotree-form terms treat missing values (see HyperplaneTerms); only with termCenter. */
  missingAction?: "impute" | "fail";
}

export class ExtendedIsolationForestModel implements ScoringModel {
  readonly kind = "eif" as const;
  readonly floatOnly = true;
  readonly id: string;
  /** Nominal (the plain forest's defaults): the model has no fixed-point inference. */
  readonly inputFormat: FixedFormat = toFixedFormat(DEFAULT_IF_INPUT, "inputFormat");
  readonly outputFormat: FixedFormat = toFixedFormat(DEFAULT_IF_SCORE, "outputFormat");
  readonly nFeatures: number;
  readonly spec: ExtendedForestSpec;

  constructor(spec: ExtendedForestSpec) {
    validateForest(spec.forest, spec.nFeatures);
    validateTerms(spec.forest, spec.terms, spec.nFeatures);
    if (!Number.isFinite(spec.norm)) throw new RangeError("eif: norm must be a finite number");
    this.spec = spec;
    this.nFeatures = spec.nFeatures;
    this.id = modelId(this.toJSON());
  }

  /**
   * log2 of the isolation score, float64 on normalised features. Our own form: Σ coef·z < t goes
   * left. isotree's form (`predict.hpp`, imported models): Σ (z − centering)·coef in term order,
   * ≤ goes left; a missing z adds its imputation value, or makes the score NaN without them.
   */
  scoreFloat(features: Float32Array, n: number): Float64Array {
    checkRows(features, n, this.nFeatures, "scoreFloat");
    const { forest: f, terms, normalisation: nz } = this.spec;
    const { termStart, termFeature, termCoef, termCenter: center, termImpute: impute } = terms;
    const lessOrEqual = this.spec.splitting === "<=";
    const d = this.nFeatures;
    const z = new Float64Array(d);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) z[j] = (features[i * d + j] - nz.offset[j]) * nz.scale[j];
      let sum = 0;
      trees: for (let t = 0; t < f.nTrees; t++) {
        let node = f.root[t];
        while (f.feature[node] >= 0) {
          let p = 0;
          for (let k = termStart[node]; k < termStart[node + 1]; k++) {
            const x = z[termFeature[k]];
            if (!center) p += termCoef[k] * x;
            else if (Number.isFinite(x)) p += (x - center[k]) * termCoef[k];
            else if (impute) p += impute[k];
            else { sum = NaN; break trees; } // missing_action "fail": isotree returns NaN
          }
          const left = lessOrEqual ? p <= f.threshold[node] : p < f.threshold[node];
          node = left ? f.left[node] : f.right[node];
        }
        sum += f.value[node];
      }
      out[i] = sum * this.spec.norm;
    }
    return out;
  }

  quantizeInputs(): Int32Array {
    throw new ScorerUnavailableError(EIF_FLOAT_ONLY);
  }

  scoreFixedRaw(): Int32Array {
    throw new ScorerUnavailableError(EIF_FLOAT_ONLY);
  }

  toJSON(): Record<string, unknown> {
    const s = this.spec;
    const { inputFormat: _nominal, ...header } = modelJsonHeader("eif", s.nFeatures, s.normalisation, this.inputFormat);
    const { termStart, termFeature, termCoef, termCenter, termImpute } = s.terms;
    const trees = forestToTrees(s.forest).map((tree, t) => {
      const start = s.forest.root[t];
      const { feature: _first, ...rest } = tree;
      const features: number[][] = [], coefs: number[][] = [], centers: number[][] = [], imputation: number[][] = [];
      for (let i = 0; i < tree.feature.length; i++) {
        const a = termStart[start + i], b = termStart[start + i + 1];
        features.push(Array.from(termFeature.subarray(a, b)));
        coefs.push(Array.from(termCoef.subarray(a, b)));
        if (termCenter) centers.push(Array.from(termCenter.subarray(a, b)));
        if (termImpute) imputation.push(Array.from(termImpute.subarray(a, b)));
      }
      return { ...rest, features, coefs, ...(termCenter ? { centers } : {}), ...(termImpute ? { imputation } : {}) };
    });
    const isotreeForm = termCenter ? { missingAction: s.missingAction ?? "fail" } : {};
    return { ...header, arithmetic: "float", splitting: s.splitting ?? "<", ...isotreeForm, ndim: s.ndim, sampleSize: s.sampleSize, norm: s.norm, trees };
  }
}

/** Split nodes carry 1..nFeatures distinct features with finite coefficients, leaves none. */
function validateTerms(f: ForestArrays, terms: HyperplaneTerms, nFeatures: number): void {
  const { termStart, termFeature, termCoef } = terms;
  const nNodes = f.feature.length;
  const sameLength = (a?: Float64Array) => a === undefined || a.length === termFeature.length;
  if (termStart.length !== nNodes + 1 || termStart[0] !== 0 || termStart[nNodes] !== termFeature.length || termCoef.length !== termFeature.length ||
      !sameLength(terms.termCenter) || !sameLength(terms.termImpute) || (terms.termImpute && !terms.termCenter)) {
    throw new RangeError("eif: hyperplane term arrays do not match the nodes");
  }
  const seen = new Int32Array(nFeatures).fill(-1);
  for (let i = 0; i < nNodes; i++) {
    const a = termStart[i], b = termStart[i + 1];
    if (b < a) throw new RangeError(`eif: node ${i} has a negative term count`);
    const split = f.feature[i] >= 0;
    if (split !== b > a) throw new RangeError(`eif: node ${i}: ${split ? "a split node needs at least one term" : "a leaf has hyperplane terms"}`);
    for (let k = a; k < b; k++) {
      const j = termFeature[k];
      if (!Number.isInteger(j) || j < 0 || j >= nFeatures) throw new RangeError(`eif: node ${i} uses feature ${j} outside [0, ${nFeatures})`);
      if (seen[j] === i) throw new RangeError(`eif: node ${i} uses feature ${j} twice`);
      seen[j] = i;
      if (!Number.isFinite(termCoef[k])) throw new RangeError(`eif: node ${i} has a non-finite coefficient`);
      if (terms.termCenter && !Number.isFinite(terms.termCenter[k])) throw new RangeError(`eif: node ${i} has a non-finite centering`);
      if (terms.termImpute && !Number.isFinite(terms.termImpute[k])) throw new RangeError(`eif: node ${i} has a non-finite imputation value`);
    }
  }
}

// ---------------------------------------------------------------- training

export interface EifTrainOptions {
  seed?: number;
  nTrees?: number;
  sampleSize?: number;
  /** Features per hyperplane (default 2, isotree's EIF preset; 1 = the plain forest's splits). */
  ndim?: number;
  /** Depth limit, default ceil(log2 ψ). */
  maxDepth?: number;
  normalisation?: Normalisation;
  /** Features a split may use (default all). */
  splitFeatures?: readonly number[];
}

/** Train on n rows of physical features (n × nFeatures). */
export function trainExtendedIsolationForest(features: Float32Array, n: number, nFeatures: number, options: EifTrainOptions = {}): ExtendedIsolationForestModel {
  checkRows(features, n, nFeatures, "trainExtendedIsolationForest");
  if (n < 2) throw new RangeError("trainExtendedIsolationForest: need at least 2 training rows");
  const nTrees = options.nTrees ?? 100;
  const psi = Math.min(options.sampleSize ?? 256, n);
  const ndim = options.ndim ?? 2;
  const maxDepth = options.maxDepth ?? Math.ceil(Math.log2(Math.max(psi, 2)));
  if (!Number.isInteger(nTrees) || nTrees < 1 || nTrees > 10_000) throw new RangeError(`nTrees must be in [1, 10000], got ${nTrees}`);
  if (!Number.isInteger(psi) || psi < 2) throw new RangeError(`sampleSize must be an integer ≥ 2, got ${psi}`);
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > nFeatures) throw new RangeError(`ndim must be an integer in [1, ${nFeatures}], got ${ndim}`);
  const norm = options.normalisation ?? identityNormalisation(nFeatures);
  const allowed = splitFeatureList(options.splitFeatures, nFeatures);
  const rand = seededRandom(options.seed ?? 1);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()); // Box–Muller

  const x = new Float64Array(psi * nFeatures);
  const idx = new Int32Array(psi), pick = new Int32Array(n), proj = new Float64Array(psi);
  for (let i = 0; i < n; i++) pick[i] = i;
  const candidates = new Int32Array(nFeatures);
  const lo = new Float64Array(nFeatures), hi = new Float64Array(nFeatures);
  const feature: number[] = [], threshold: number[] = [], left: number[] = [], right: number[] = [], value: number[] = [];
  const termStart: number[] = [], termFeature: number[] = [], termCoef: number[] = [];
  const nodeTerms: Array<{ f: number[]; c: number[] }> = [];

  // Build one node over idx[a..b) at `depth`; returns its index.
  const build = (a: number, b: number, depth: number): number => {
    const node = feature.length;
    feature.push(-1); threshold.push(0); left.push(-1); right.push(-1); value.push(0); nodeTerms.push({ f: [], c: [] });
    const size = b - a;
    let nc = 0;
    if (depth < maxDepth && size > 1) nc = varyingFeatures(x, nFeatures, idx, a, b, allowed, lo, hi, candidates);
    const leaf = () => {
      value[node] = depth + averagePathLength(size);
      return node;
    };
    if (nc === 0) return leaf();
    const fs: number[] = [], cs: number[] = [];
    if (ndim === 1) {
      // Exactly the plain forest's draws: one feature, a threshold uniform in (lo, hi].
      fs.push(candidates[Math.floor(rand() * nc)]);
      cs.push(1);
    } else {
      // ndim distinct features (partial Fisher–Yates), N(0, 1) coefficients.
      const k = Math.min(ndim, nc);
      for (let q = 0; q < k; q++) {
        const r = q + Math.floor(rand() * (nc - q));
        const tmp = candidates[q]; candidates[q] = candidates[r]; candidates[r] = tmp;
        fs.push(candidates[q]);
        cs.push(gauss());
      }
    }
    let pmin = Infinity, pmax = -Infinity;
    for (let k = a; k < b; k++) {
      const row = idx[k] * nFeatures;
      let p = 0;
      for (let q = 0; q < fs.length; q++) p += cs[q] * x[row + fs[q]];
      proj[k] = p;
      if (p < pmin) pmin = p;
      if (p > pmax) pmax = p;
    }
    if (!(pmax > pmin)) return leaf(); // all points on one hyperplane: nothing to separate along it
    let t = pmin + rand() * (pmax - pmin);
    if (!(t > pmin)) t = pmax; // keep both sides non-empty with "<"
    let m = a;
    for (let k = a; k < b; k++) {
      if (proj[k] < t) {
        const tmp = idx[m]; idx[m] = idx[k]; idx[k] = tmp;
        const tp = proj[m]; proj[m] = proj[k]; proj[k] = tp;
        m++;
      }
    }
    feature[node] = fs[0];
    threshold[node] = t;
    nodeTerms[node] = { f: fs, c: cs };
    left[node] = build(a, m, depth + 1);
    right[node] = build(m, b, depth + 1);
    return node;
  };

  const root = new Int32Array(nTrees);
  for (let t = 0; t < nTrees; t++) {
    drawSample(features, nFeatures, norm, rand, pick, psi, x, idx); // the same draws as trainIsolationForest
    root[t] = build(0, psi, 0);
  }
  for (const { f, c } of nodeTerms) {
    termStart.push(termFeature.length);
    termFeature.push(...f);
    termCoef.push(...c);
  }
  termStart.push(termFeature.length);
  return new ExtendedIsolationForestModel({
    forest: {
      nTrees, root, feature: Int32Array.from(feature), threshold: Float64Array.from(threshold),
      left: Int32Array.from(left), right: Int32Array.from(right), value: Float64Array.from(value),
    },
    terms: { termStart: Int32Array.from(termStart), termFeature: Int32Array.from(termFeature), termCoef: Float64Array.from(termCoef) },
    nFeatures, ndim, sampleSize: psi, norm: -1 / (nTrees * averagePathLength(psi)), normalisation: norm,
  });
}

// ---------------------------------------------------------------- JSON

interface EifTreeJson {
  threshold: number[];
  children_left: number[];
  children_right: number[];
  value: number[];
  features: number[][];
  coefs: number[][];
  centers?: number[][];
  imputation?: number[][];
}

/** Top-level fields of our eif JSON (toJSON writes these). */
const EIF_KEYS = ["format", "version", "kind", "nFeatures", "normalisation", "inputFormat", "arithmetic", "splitting", "missingAction", "ndim", "sampleSize", "norm", "trees"] as const;
const EIF_TREE_KEYS = ["threshold", "children_left", "children_right", "value", "features", "coefs", "centers", "imputation"] as const;

/**
 * Read our own eif JSON (see docs/models.md) strictly: unknown fields refused, every hyperplane
 * term's feature an integer in [0, nFeatures) and its coefficient finite, each with its path;
 * term counts bounded before anything is gathered.
 */
export function eifFromJSON(json: Record<string, unknown>): ExtendedIsolationForestModel {
  expectObject(json, "eif", EIF_KEYS);
  expectModelHeader(json, "eif");
  const nFeatures = expectInt(json.nFeatures, "eif.nFeatures", 1, MODEL_LIMITS.features);
  if (json.arithmetic !== undefined) expectString(json.arithmetic, "eif.arithmetic", ["float"]);
  if (json.splitting !== undefined) expectString(json.splitting, "eif.splitting", ["<", "<="]);
  if (json.missingAction !== undefined) expectString(json.missingAction, "eif.missingAction", ["impute", "fail"]);
  const ndim = json.ndim === undefined ? 2 : expectInt(json.ndim, "eif.ndim", 1, nFeatures);
  const trees = expectArray(json.trees, "eif.trees", 1, MODEL_LIMITS.trees).map((tree, t) => expectObject(tree, `eif.trees[${t}]`, EIF_TREE_KEYS)) as unknown as EifTreeJson[];
  const termStart: number[] = [0], termFeature: number[] = [], termCoef: number[] = [], termCenter: number[] = [], termImpute: number[] = [];
  const withCenters = Array.isArray(trees[0]?.centers);
  const withImpute = Array.isArray(trees[0]?.imputation);
  let nodes = 0;
  const asConifer: TreeJson[] = trees.map((tree, t) => {
    const at = `eif.trees[${t}]`;
    const left = expectArray(tree.children_left, `${at}.children_left`, 1, MODEL_LIMITS.nodes);
    const n = left.length;
    if ((nodes += n) > MODEL_LIMITS.nodes) fail(`${at}`, `more than ${MODEL_LIMITS.nodes} nodes over all trees`);
    const features = expectArray(tree.features, `${at}.features`, n, n);
    const coefs = expectArray(tree.coefs, `${at}.coefs`, n, n);
    const feature: number[] = [];
    for (let i = 0; i < n; i++) {
      const isLeaf = typeof left[i] === "number" && (left[i] as number) < 0;
      // A split has 1..ndim terms (isotree may use fewer where columns were constant), a leaf none.
      const fs = expectArray(features[i], `${at}.features[${i}]`, 0, ndim);
      if (isLeaf && fs.length > 0) fail(`${at}.features[${i}]`, `node ${i} is a leaf and has ${fs.length} hyperplane terms, a leaf has none`);
      if (!isLeaf && fs.length === 0) fail(`${at}.features[${i}]`, `split node ${i} has no hyperplane terms (1..${ndim} needed)`);
      const cs = expectArray(coefs[i], `${at}.coefs[${i}]`, fs.length, fs.length);
      feature.push(isLeaf ? -2 : expectInt(fs[0], `${at}.features[${i}][0]`, 0, nFeatures - 1));
      for (let k = 0; k < fs.length; k++) {
        termFeature.push(expectInt(fs[k], `${at}.features[${i}][${k}]`, 0, nFeatures - 1));
        termCoef.push(expectNumber(cs[k], `${at}.coefs[${i}][${k}]`));
      }
      if (!isLeaf && withCenters) termCenter.push(...expectNumbers(tree.centers?.[i], `${at}.centers[${i}]`, fs.length));
      if (!isLeaf && withImpute) termImpute.push(...expectNumbers(tree.imputation?.[i], `${at}.imputation[${i}]`, fs.length));
      termStart.push(termFeature.length);
    }
    return { feature, threshold: tree.threshold, children_left: tree.children_left, children_right: tree.children_right, value: tree.value };
  });
  const forest = treesToForest(asConifer, "eif.trees");
  expectTreesShape(asConifer, "eif.trees");
  const sampleSize = json.sampleSize === undefined ? 256 : expectInt(json.sampleSize, "eif.sampleSize", 2, 1 << 30);
  const norm = json.norm === undefined ? -1 / (forest.nTrees * averagePathLength(sampleSize)) : expectNumber(json.norm, "eif.norm");
  return atPath("eif", () => new ExtendedIsolationForestModel({
    forest, nFeatures, ndim, sampleSize, norm, normalisation: normalisationFromJSON(json.normalisation, nFeatures, "eif.normalisation"),
    splitting: (json.splitting ?? "<") as "<" | "<=", ...(withCenters ? { missingAction: (json.missingAction ?? "fail") as "impute" | "fail" } : {}),
    terms: {
      termStart: Int32Array.from(termStart), termFeature: Int32Array.from(termFeature), termCoef: Float64Array.from(termCoef),
      ...(withCenters ? { termCenter: Float64Array.from(termCenter) } : {}), ...(withImpute ? { termImpute: Float64Array.from(termImpute) } : {}),
    },
  }));
}
