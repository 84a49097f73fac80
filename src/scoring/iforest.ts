/**
 * Isolation forest (Liu, Ting & Zhou 2008): float reference and a bit-exact fixed-point model of
 * a conifer-style firmware.
 *
 * - Score: 2^(−E[h]/c(ψ)); we report its log2, −E[h]/c(ψ) = norm × Σ_trees leafValue, with
 *   leafValue = depth + c(n_leaf) and norm = −1/(nTrees·c(ψ)) — the quantity conifer's isolation
 *   forest support computes (conifer `converters/ydf.py`: leaf value, `norm`). Bigger = more anomalous.
 * - c(n) = 2(H(n) − 1), isotree's `expected_avg_depth` (identical to Liu's 2H(n−1) − 2(n−1)/n).
 * - Split convention is explicit: "<" sends x < t left (conifer/xgboost/ydf), "<=" sends x ≤ t left
 *   (sklearn, isotree: `formatted_exporters.cpp` prints numeric splits as `col<=num_split`).
 * - Fixed point: inputs in `inputFormat`, thresholds quantised to `thresholdFormat` and compared
 *   exactly, each leaf stores norm × leafValue quantised to `scoreFormat`, and the per-tree values
 *   are summed in tree order with the score format's overflow mode after every addition
 *   (conifer `conifer.h` accumulates tree outputs in `score_t`). Folding `norm` into the leaves
 *   makes the firmware output log2(score) directly, so a bigger raw value is more anomalous.
 */
import {
  assertFitsInt32, castRaw, formatFixed, fracBits, overflowRaw, quantize, rawMax, rawToValue, toFixedFormat, type FixedFormat,
} from "./fixed.js";
import { modelJsonHeader } from "./model-json.js";
import { expectTreesShape } from "./tree-shape.js";
import { MODEL_LIMITS, atPath, expectArray, expectInt, expectModelHeader, expectNumber, expectObject, expectString } from "./validate.js";
import { checkRows, modelId, numberArray, type ScoringModel } from "./model.js";
import {
  identityNormalisation, normalisationFromJSON, quantizeRows, type Normalisation,
} from "./normalise.js";

export type SplitConvention = "<" | "<=";

/**
 * How the fixed-point sum is formed. "scoutloop" (default; the RTL generator and the goldens use
 * it): norm folded into every leaf, leaves added in tree order with the score format's overflow.
 * "conifer-cpp" / "conifer-hls": as conifer's firmware (`backends/cpp/include/conifer.h`,
 * `backends/xilinxhls/firmware/BDT_unrolled.h`): leaves and init_predict in score_t unscaled;
 * C++ backend `std::accumulate` from init_predict in tree order, HLS backend init_predict +
 * a balanced adder tree (`reduce`: the left half takes the largest power of two below N), each
 * addition cast to score_t; then one `score *= score_t(norm)` (exact product, cast to score_t).
 */
export type ForestArithmetic = "scoutloop" | "conifer-cpp" | "conifer-hls";
export const FOREST_ARITHMETICS: readonly ForestArithmetic[] = ["scoutloop", "conifer-cpp", "conifer-hls"];

export const DEFAULT_IF_INPUT = "ap_fixed<18,13,AP_RND_CONV,AP_SAT>";
export const DEFAULT_IF_SCORE = "ap_fixed<18,4,AP_RND_CONV,AP_SAT>";

const harmonicCache: number[] = [0];
/** Harmonic number H(n) (exact sum up to 4096, asymptotic series beyond). */
export function harmonic(n: number): number {
  if (n <= 4096) {
    for (let k = harmonicCache.length; k <= n; k++) harmonicCache[k] = harmonicCache[k - 1] + 1 / k;
    return harmonicCache[n];
  }
  return Math.log(n) + 0.5772156649015329 + 1 / (2 * n) - 1 / (12 * n * n);
}

/** Average path length of an unsuccessful BST search among n points: c(n) = 2(H(n) − 1). */
export function averagePathLength(n: number): number {
  return n <= 1 ? 0 : 2 * (harmonic(n) - 1);
}

/** Flat, typed layout of a forest: node arrays concatenated over trees, leaves have feature −1. */
export interface ForestArrays {
  nTrees: number;
  root: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf path length depth + c(n_leaf) (0 on split nodes). */
  value: Float64Array;
}

export interface IsolationForestSpec {
  forest: ForestArrays;
  nFeatures: number;
  splitting: SplitConvention;
  /** −1/(nTrees·c(ψ)). */
  norm: number;
  /** Added to the path-length sum before scaling (conifer `init_predict`; 0 for our own forests). */
  initPredict: number;
  sampleSize: number;
  normalisation: Normalisation;
  inputFormat: FixedFormat;
  thresholdFormat: FixedFormat;
  scoreFormat: FixedFormat;
  /** Default "scoutloop". */
  arithmetic?: ForestArithmetic;
}

/** Compare bound in raw input units: go right iff raw ≥ cut (exact for either convention). */
export function thresholdCut(t: number, splitting: SplitConvention, thresholdFormat: FixedFormat, inputFormat: FixedFormat): number {
  const tq = rawToValue(quantize(t, thresholdFormat), thresholdFormat);
  const y = tq * 2 ** fracBits(inputFormat);
  const cut = splitting === "<" ? Math.ceil(y) : Math.floor(y) + 1;
  return Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, cut));
}

export class IsolationForestModel implements ScoringModel {
  readonly kind = "iforest" as const;
  readonly id: string;
  readonly inputFormat: FixedFormat;
  readonly outputFormat: FixedFormat;
  readonly nFeatures: number;
  readonly spec: IsolationForestSpec;
  /** Fixed-point tables: compare bound per split node, norm × leaf value in score bits per leaf. */
  readonly cut: Int32Array;
  readonly leafRaw: Int32Array;
  readonly initRaw: number;
  /** conifer arithmetic only: score_t(norm). */
  readonly normRaw: number;

  constructor(spec: IsolationForestSpec) {
    validateForest(spec.forest, spec.nFeatures);
    assertFitsInt32(spec.scoreFormat, "iforest score format");
    if (spec.inputFormat.width > 31) throw new RangeError(`iforest input format must be at most 31 bits wide, got ${formatFixed(spec.inputFormat)}`);
    this.spec = spec;
    this.nFeatures = spec.nFeatures;
    this.inputFormat = spec.inputFormat;
    this.outputFormat = spec.scoreFormat;
    const f = spec.forest;
    this.cut = new Int32Array(f.feature.length);
    this.leafRaw = new Int32Array(f.feature.length);
    const arithmetic = spec.arithmetic ?? "scoutloop";
    if (!FOREST_ARITHMETICS.includes(arithmetic)) throw new RangeError(`iforest: arithmetic must be one of ${FOREST_ARITHMETICS.join(", ")}`);
    const conifer = arithmetic !== "scoutloop";
    for (let i = 0; i < f.feature.length; i++) {
      if (f.feature[i] >= 0) {
        this.cut[i] = conifer ? coniferCut(f.threshold[i], spec.splitting, spec.thresholdFormat, spec.inputFormat) : thresholdCut(f.threshold[i], spec.splitting, spec.thresholdFormat, spec.inputFormat);
      } else this.leafRaw[i] = quantize(conifer ? f.value[i] : spec.norm * f.value[i], spec.scoreFormat);
    }
    this.initRaw = quantize(conifer ? spec.initPredict : spec.norm * spec.initPredict, spec.scoreFormat);
    this.normRaw = conifer ? quantize(spec.norm, spec.scoreFormat) : 0;
    this.id = modelId(this.toJSON() as Record<string, unknown>);
  }

  quantizeInputs(features: Float32Array, n: number): Int32Array {
    checkRows(features, n, this.nFeatures, "quantizeInputs");
    return quantizeRows(this.spec.normalisation, this.inputFormat, features, n);
  }

  /** log2 of the isolation score, in float64 on normalised (unquantised) features. */
  scoreFloat(features: Float32Array, n: number): Float64Array {
    checkRows(features, n, this.nFeatures, "scoreFloat");
    const { forest: f, splitting, normalisation: nz } = this.spec;
    const d = this.nFeatures;
    const out = new Float64Array(n);
    const strict = splitting === "<";
    for (let i = 0; i < n; i++) {
      const base = i * d;
      let sum = 0;
      for (let t = 0; t < f.nTrees; t++) {
        let node = f.root[t];
        for (;;) {
          const j = f.feature[node];
          if (j < 0) break;
          const x = (features[base + j] - nz.offset[j]) * nz.scale[j];
          const goLeft = strict ? x < f.threshold[node] : x <= f.threshold[node];
          node = goLeft ? f.left[node] : f.right[node];
        }
        sum += f.value[node];
      }
      out[i] = (sum + this.spec.initPredict) * this.spec.norm;
    }
    return out;
  }

  scoreFixedRaw(rawInputs: Int32Array, n: number): Int32Array {
    checkRows(rawInputs, n, this.nFeatures, "scoreFixedRaw");
    if ((this.spec.arithmetic ?? "scoutloop") !== "scoutloop") return this.scoreConiferRaw(rawInputs, n);
    const f = this.spec.forest;
    const fmt = this.spec.scoreFormat;
    const d = this.nFeatures;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const base = i * d;
      let acc = this.initRaw;
      for (let t = 0; t < f.nTrees; t++) {
        let node = f.root[t];
        while (f.feature[node] >= 0) node = rawInputs[base + f.feature[node]] >= this.cut[node] ? f.right[node] : f.left[node];
        acc = overflowRaw(acc + this.leafRaw[node], fmt);
      }
      out[i] = acc;
    }
    return out;
  }

  /** conifer's firmware arithmetic (see ForestArithmetic). */
  private scoreConiferRaw(rawInputs: Int32Array, n: number): Int32Array {
    const f = this.spec.forest;
    const fmt = this.spec.scoreFormat;
    const hls = this.spec.arithmetic === "conifer-hls";
    const d = this.nFeatures;
    const out = new Int32Array(n);
    const leaves = new Float64Array(f.nTrees);
    const add = (a: number, b: number) => overflowRaw(a + b, fmt);
    for (let i = 0; i < n; i++) {
      const base = i * d;
      for (let t = 0; t < f.nTrees; t++) {
        let node = f.root[t];
        while (f.feature[node] >= 0) node = rawInputs[base + f.feature[node]] >= this.cut[node] ? f.right[node] : f.left[node];
        leaves[t] = this.leafRaw[node];
      }
      let acc: number;
      if (hls) acc = add(this.initRaw, balancedReduce(leaves, 0, f.nTrees, add));
      else {
        acc = this.initRaw;
        for (let t = 0; t < f.nTrees; t++) acc = add(acc, leaves[t]);
      }
      out[i] = castProduct(acc, this.normRaw, 2 * fracBits(fmt), fmt);
    }
    return out;
  }

  toJSON(): Record<string, unknown> {
    const s = this.spec;
    return {
      ...modelJsonHeader("iforest", s.nFeatures, s.normalisation, s.inputFormat),
      ...(s.arithmetic && s.arithmetic !== "scoutloop" ? { arithmetic: s.arithmetic } : {}),
      thresholdFormat: formatFixed(s.thresholdFormat),
      outputFormat: formatFixed(s.scoreFormat),
      splitting: s.splitting,
      sampleSize: s.sampleSize,
      norm: s.norm,
      initPredict: s.initPredict,
      trees: forestToTrees(s.forest),
    };
  }
}

/**
 * conifer's `reduce` (conifer.h / BDT_unrolled.h): N = 1 → x[0]; N = 2 → op(x0, x1); else the left
 * part takes leftN = 2^floor(log2(N − 1)) elements, the right the rest.
 */
export function balancedReduce(x: ArrayLike<number>, start: number, n: number, op: (a: number, b: number) => number): number {
  if (n === 1) return x[start];
  if (n === 2) return op(x[start], x[start + 1]);
  const leftN = 2 ** Math.floor(Math.log2(n - 1));
  return op(balancedReduce(x, start, leftN, op), balancedReduce(x, start + leftN, n - leftN, op));
}

/** `a × b` of two raws (exact even beyond 2^53, through BigInt), cast from `fromFrac` fractional bits to `f`. */
export function castProduct(a: number, b: number, fromFrac: number, f: FixedFormat): number {
  const p = a * b;
  if (Math.abs(p) < 2 ** 53) return castRaw(p, fromFrac, f);
  const big = BigInt(a) * BigInt(b);
  const shift = BigInt(fromFrac - fracBits(f));
  if (shift <= 0n) return castRaw(Number(big), fromFrac, f); // huge and shifted up: overflow decides
  const fl = big >> shift; // floor
  const rem = big - (fl << shift);
  const half = 1n << (shift - 1n);
  const up = roundUpBig(f, fl, rem >= half, rem !== 0n && rem !== half, big < 0n);
  const q = fl + up;
  // Wrapping reads only the low W + 1 bits (exact after asIntN); larger magnitudes only saturate.
  if (f.overflow === "WRAP" || f.overflow === "WRAP_SM") return overflowRaw(Number(BigInt.asIntN(f.width + 2, q)), f, Number(BigInt.asIntN(f.width + 2, fl)));
  const lim = 2n ** BigInt(f.width + 1);
  return overflowRaw(Number(q > lim ? lim : q < -lim ? -lim : q), f);
}

function roundUpBig(f: FixedFormat, fl: bigint, qb: boolean, r: boolean, neg: boolean): bigint {
  const odd = (fl & 1n) === 1n;
  switch (f.quant) {
    case "TRN": return 0n;
    case "RND": return qb ? 1n : 0n;
    case "RND_ZERO": return qb && (neg || r) ? 1n : 0n;
    case "RND_MIN_INF": return qb && r ? 1n : 0n;
    case "RND_INF": return qb && (!neg || r) ? 1n : 0n;
    case "RND_CONV": return qb && (odd || r) ? 1n : 0n;
    case "TRN_ZERO": return neg && (qb || r) ? 1n : 0n;
  }
}

/**
 * conifer compares threshold_t(x·1) with threshold_t(t): the one-hot weight product cast to the
 * threshold type. Same as thresholdCut when the input format fits the threshold format exactly;
 * otherwise the smallest raw input that goes right, found by bisection (the cast is monotone for
 * saturating threshold types, or when every input fits the threshold range — checked).
 */
export function coniferCut(t: number, splitting: SplitConvention, thresholdFormat: FixedFormat, inputFormat: FixedFormat): number {
  const fIn = fracBits(inputFormat), fT = fracBits(thresholdFormat);
  const inLo = inputFormat.signed ? -(2 ** (inputFormat.width - 1)) : 0, inHi = rawMax(inputFormat);
  const tRaw = quantize(t, thresholdFormat);
  const toT = (x: number) => castRaw(x, fIn, thresholdFormat);
  const exact = fT >= fIn && toT(inLo) * 2 ** (fIn - fT) === inLo && toT(inHi) * 2 ** (fIn - fT) === inHi;
  if (exact) return thresholdCut(t, splitting, thresholdFormat, inputFormat);
  const saturating = thresholdFormat.overflow === "SAT" || thresholdFormat.overflow === "SAT_SYM";
  if (!saturating && (castRaw(inLo, fIn, { ...thresholdFormat, overflow: "SAT" }) !== toT(inLo) || castRaw(inHi, fIn, { ...thresholdFormat, overflow: "SAT" }) !== toT(inHi))) {
    throw new RangeError(`conifer arithmetic: input ${formatFixed(inputFormat)} wraps in threshold type ${formatFixed(thresholdFormat)} (not a monotone comparison)`);
  }
  const right = (x: number) => (splitting === "<" ? !(toT(x) < tRaw) : !(toT(x) <= tRaw));
  if (!right(inHi)) return Math.min(2 ** 31 - 1, inHi + 1);
  let lo = inLo, hi = inHi; // invariant: right(hi)
  if (right(lo)) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (right(mid)) hi = mid; else lo = mid;
  }
  return hi;
}

/** One tree in conifer's layout (leaves: feature −2, children −1, threshold −2). */
export interface TreeJson {
  feature: number[];
  threshold: number[];
  children_left: number[];
  children_right: number[];
  value: number[];
}

export function forestToTrees(f: ForestArrays): TreeJson[] {
  const trees: TreeJson[] = [];
  for (let t = 0; t < f.nTrees; t++) {
    const start = f.root[t];
    const end = t + 1 < f.nTrees ? f.root[t + 1] : f.feature.length;
    const tree: TreeJson = { feature: [], threshold: [], children_left: [], children_right: [], value: [] };
    for (let i = start; i < end; i++) {
      const leaf = f.feature[i] < 0;
      tree.feature.push(leaf ? -2 : f.feature[i]);
      tree.threshold.push(leaf ? -2 : f.threshold[i]);
      tree.children_left.push(leaf ? -1 : f.left[i] - start);
      tree.children_right.push(leaf ? -1 : f.right[i] - start);
      tree.value.push(leaf ? f.value[i] : 0);
    }
    trees.push(tree);
  }
  return trees;
}

/** Concatenate per-tree node lists (conifer layout, root = node 0 of each tree) into flat arrays. */
export function treesToForest(trees: TreeJson[], what = "trees"): ForestArrays {
  if (!Array.isArray(trees) || trees.length === 0) throw new RangeError(`${what}: expected a non-empty array of trees`);
  if (trees.length > 100_000) throw new RangeError(`${what}: too many trees (${trees.length})`);
  let total = 0;
  for (const [t, tree] of trees.entries()) {
    if (!tree || typeof tree !== "object") throw new TypeError(`${what}[${t}]: expected an object`);
    const n = numberArray(tree.feature, `${what}[${t}].feature`).length;
    for (const key of ["threshold", "children_left", "children_right", "value"] as const) numberArray(tree[key], `${what}[${t}].${key}`, n);
    if (n === 0) throw new RangeError(`${what}[${t}]: empty tree`);
    // Indices go into Int32Arrays: an integer out of range would wrap (2^40 → 0), so refuse it here.
    for (let i = 0; i < n; i++) {
      const f = tree.feature[i], l = tree.children_left[i], r = tree.children_right[i];
      if (!Number.isInteger(f) || f < -2 || f > MODEL_LIMITS.features) throw new RangeError(`${what}[${t}].feature[${i}]: expected an integer feature index (or -2 for a leaf), got ${f}`);
      if (!Number.isInteger(l) || l < -1 || l >= n) throw new RangeError(`${what}[${t}].children_left[${i}]: expected a node index in [-1, ${n}), got ${l}`);
      if (!Number.isInteger(r) || r < -1 || r >= n) throw new RangeError(`${what}[${t}].children_right[${i}]: expected a node index in [-1, ${n}), got ${r}`);
    }
    total += n;
    if (total > MODEL_LIMITS.nodes) throw new RangeError(`${what}: more than ${MODEL_LIMITS.nodes} nodes`);
  }
  const f: ForestArrays = {
    nTrees: trees.length, root: new Int32Array(trees.length), feature: new Int32Array(total), threshold: new Float64Array(total),
    left: new Int32Array(total), right: new Int32Array(total), value: new Float64Array(total),
  };
  let o = 0;
  for (const [t, tree] of trees.entries()) {
    f.root[t] = o;
    const n = tree.feature.length;
    for (let i = 0; i < n; i++) {
      const leaf = tree.feature[i] < 0 || tree.children_left[i] < 0;
      f.feature[o + i] = leaf ? -1 : tree.feature[i];
      f.threshold[o + i] = leaf ? 0 : tree.threshold[i];
      f.left[o + i] = leaf ? -1 : o + tree.children_left[i];
      f.right[o + i] = leaf ? -1 : o + tree.children_right[i];
      f.value[o + i] = leaf ? tree.value[i] : 0;
      if (!leaf && (tree.children_left[i] >= n || tree.children_right[i] >= n || tree.children_right[i] < 0)) {
        throw new RangeError(`${what}[${t}]: node ${i} has a child outside the tree`);
      }
    }
    o += n;
  }
  return f;
}

/** Every tree must be a proper tree: children in range, every node reached once, features valid. */
export function validateForest(f: ForestArrays, nFeatures: number): void {
  const seen = new Uint8Array(f.feature.length);
  for (let t = 0; t < f.nTrees; t++) {
    const stack = [f.root[t]];
    const depth = [0];
    while (stack.length) {
      const node = stack.pop()!;
      const d = depth.pop()!;
      // The native walker's bound (native/scoring_iforest.cc checkTrees): both accept the same trees.
      if (d > MODEL_LIMITS.depth) throw new RangeError(`tree ${t}: deeper than ${MODEL_LIMITS.depth} levels`);
      if (node < 0 || node >= f.feature.length) throw new RangeError(`tree ${t}: node index ${node} out of range`);
      if (seen[node]) throw new RangeError(`tree ${t}: node ${node} is reached twice (not a tree)`);
      seen[node] = 1;
      const j = f.feature[node];
      if (j >= 0) {
        if (j >= nFeatures) throw new RangeError(`tree ${t}: node ${node} splits on feature ${j} ≥ ${nFeatures}`);
        if (!Number.isFinite(f.threshold[node])) throw new RangeError(`tree ${t}: node ${node} has a non-finite threshold`);
        stack.push(f.left[node], f.right[node]);
        depth.push(d + 1, d + 1);
      } else if (!Number.isFinite(f.value[node])) {
        throw new RangeError(`tree ${t}: leaf ${node} has a non-finite value`);
      }
    }
  }
}

// ---------------------------------------------------------------- training

/** Small seeded PRNG (SplitMix32-style mixing); training must be reproducible from `seed`. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
}

export interface IForestTrainOptions {
  seed?: number;
  nTrees?: number;
  /** Sub-sample size ψ per tree. */
  sampleSize?: number;
  /** Depth limit, default ceil(log2 ψ). */
  maxDepth?: number;
  normalisation?: Normalisation;
  inputFormat?: string | FixedFormat;
  thresholdFormat?: string | FixedFormat;
  scoreFormat?: string | FixedFormat;
  /** Features a split may use (default all). E.g. leave out φ, which carries no information in a φ-symmetric detector. */
  splitFeatures?: readonly number[];
}

/** The AXOL1TL features without the φ columns (every third value from index 2). */
export function featuresWithoutPhi(nFeatures = 57): number[] {
  return Array.from({ length: nFeatures }, (_, j) => j).filter((j) => j % 3 !== 2);
}

/** The features a split may use: the given list (checked) or all of them. */
export function splitFeatureList(splitFeatures: readonly number[] | undefined, nFeatures: number): readonly number[] {
  const allowed = splitFeatures ?? Array.from({ length: nFeatures }, (_, j) => j);
  for (const j of allowed) if (!Number.isInteger(j) || j < 0 || j >= nFeatures) throw new RangeError(`splitFeatures: bad feature index ${j}`);
  return allowed;
}

/**
 * Per-feature range of the sample rows idx[a..b) of x (n × nFeatures) into lo/hi; the allowed
 * features that vary there go into `candidates`. Returns their count (0: the node is a leaf).
 */
export function varyingFeatures(
  x: Float64Array, nFeatures: number, idx: Int32Array, a: number, b: number, allowed: readonly number[],
  lo: Float64Array, hi: Float64Array, candidates: Int32Array,
): number {
  lo.fill(Infinity); hi.fill(-Infinity);
  for (let k = a; k < b; k++) {
    const row = idx[k] * nFeatures;
    for (let j = 0; j < nFeatures; j++) {
      const v = x[row + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  let nc = 0;
  for (const j of allowed) if (hi[j] > lo[j]) candidates[nc++] = j;
  return nc;
}

/**
 * Draws ψ of the n training rows without replacement (partial Fisher–Yates over `pick`, which
 * keeps its state between trees), normalised into x; idx becomes 0..ψ−1.
 */
export function drawSample(
  features: Float32Array, nFeatures: number, norm: Normalisation, rand: () => number, pick: Int32Array, psi: number, x: Float64Array, idx: Int32Array,
): void {
  const n = pick.length;
  for (let k = 0; k < psi; k++) {
    const r = k + Math.floor(rand() * (n - k));
    const tmp = pick[k]; pick[k] = pick[r]; pick[r] = tmp;
    const src = pick[k] * nFeatures;
    for (let j = 0; j < nFeatures; j++) x[k * nFeatures + j] = (features[src + j] - norm.offset[j]) * norm.scale[j];
    idx[k] = k;
  }
}

/** Train on n rows of physical features (already extracted, n × nFeatures). */
export function trainIsolationForest(features: Float32Array, n: number, nFeatures: number, options: IForestTrainOptions = {}): IsolationForestModel {
  checkRows(features, n, nFeatures, "trainIsolationForest");
  if (n < 2) throw new RangeError("trainIsolationForest: need at least 2 training rows");
  const nTrees = options.nTrees ?? 100;
  const psi = Math.min(options.sampleSize ?? 256, n);
  const maxDepth = options.maxDepth ?? Math.ceil(Math.log2(Math.max(psi, 2)));
  if (!Number.isInteger(nTrees) || nTrees < 1 || nTrees > 10_000) throw new RangeError(`nTrees must be in [1, 10000], got ${nTrees}`);
  if (!Number.isInteger(psi) || psi < 2) throw new RangeError(`sampleSize must be an integer ≥ 2, got ${psi}`);
  const norm = options.normalisation ?? identityNormalisation(nFeatures);
  const rand = seededRandom(options.seed ?? 1);
  const x = new Float64Array(psi * nFeatures);
  const idx = new Int32Array(psi);
  const pick = new Int32Array(n);
  for (let i = 0; i < n; i++) pick[i] = i;

  const feature: number[] = [], threshold: number[] = [], left: number[] = [], right: number[] = [], value: number[] = [];
  const root = new Int32Array(nTrees);
  const candidates = new Int32Array(nFeatures);
  const allowed = splitFeatureList(options.splitFeatures, nFeatures);
  const lo = new Float64Array(nFeatures), hi = new Float64Array(nFeatures);

  // Build one node over idx[a..b) at `depth`; returns its index.
  const build = (a: number, b: number, depth: number): number => {
    const node = feature.length;
    feature.push(-1); threshold.push(0); left.push(-1); right.push(-1); value.push(0);
    const size = b - a;
    let nc = 0;
    if (depth < maxDepth && size > 1) nc = varyingFeatures(x, nFeatures, idx, a, b, allowed, lo, hi, candidates);
    if (nc === 0) {
      value[node] = depth + averagePathLength(size);
      return node;
    }
    // Random feature among the non-constant ones (as sklearn's ExtraTree does), split uniform in (lo, hi].
    const j = candidates[Math.floor(rand() * nc)];
    let t = lo[j] + rand() * (hi[j] - lo[j]);
    if (!(t > lo[j])) t = hi[j]; // keep both sides non-empty with the "<" convention
    let m = a;
    for (let k = a; k < b; k++) {
      if (x[idx[k] * nFeatures + j] < t) {
        const tmp = idx[m]; idx[m] = idx[k]; idx[k] = tmp; m++;
      }
    }
    feature[node] = j;
    threshold[node] = t;
    left[node] = build(a, m, depth + 1);
    right[node] = build(m, b, depth + 1);
    return node;
  };

  for (let t = 0; t < nTrees; t++) {
    drawSample(features, nFeatures, norm, rand, pick, psi, x, idx);
    root[t] = build(0, psi, 0);
  }
  const forest: ForestArrays = {
    nTrees, root, feature: Int32Array.from(feature), threshold: Float64Array.from(threshold),
    left: Int32Array.from(left), right: Int32Array.from(right), value: Float64Array.from(value),
  };
  const inputFormat = toFixedFormat(options.inputFormat ?? DEFAULT_IF_INPUT, "inputFormat");
  return new IsolationForestModel({
    forest, nFeatures, splitting: "<", norm: -1 / (nTrees * averagePathLength(psi)), initPredict: 0, sampleSize: psi,
    normalisation: norm, inputFormat,
    thresholdFormat: options.thresholdFormat ? toFixedFormat(options.thresholdFormat, "thresholdFormat") : inputFormat,
    scoreFormat: toFixedFormat(options.scoreFormat ?? DEFAULT_IF_SCORE, "scoreFormat"),
  });
}

/** Fields of our iforest JSON (anything else is refused, so a typo is not silently ignored). */
const IFOREST_FIELDS = [
  "format", "version", "kind", "id", "nFeatures", "splitting", "inputFormat", "thresholdFormat", "outputFormat", "trees",
  "sampleSize", "norm", "initPredict", "normalisation", "training", "description", "name", "arithmetic",
] as const;

/** Read our own iforest JSON (see docs/models.md): every field checked with its path, no coercion. */
export function iforestFromJSON(json: Record<string, unknown>): IsolationForestModel {
  const o = expectObject(json, "iforest", IFOREST_FIELDS);
  expectModelHeader(o, "iforest");
  const nFeatures = expectInt(o.nFeatures, "iforest.nFeatures", 1, MODEL_LIMITS.features);
  const splitting = o.splitting === undefined ? "<" : expectString(o.splitting, "iforest.splitting", ["<", "<="] as const);
  const inputFormat = toFixedFormat(o.inputFormat ?? DEFAULT_IF_INPUT, "iforest.inputFormat");
  const trees = expectArray(o.trees, "iforest.trees", 1, MODEL_LIMITS.trees) as TreeJson[];
  const forest = treesToForest(trees, "iforest.trees");
  expectTreesShape(trees, "iforest.trees");
  // ψ only sets the default norm: with norm given, 0 (unknown: a conifer import) is accepted.
  const sampleSize = o.sampleSize === undefined ? 256 : expectInt(o.sampleSize, "iforest.sampleSize", o.norm === undefined ? 2 : 0, 1 << 30);
  const norm = o.norm === undefined ? -1 / (forest.nTrees * averagePathLength(sampleSize)) : expectNumber(o.norm, "iforest.norm");
  const initPredict = o.initPredict === undefined ? 0 : expectNumber(o.initPredict, "iforest.initPredict");
  if (o.normalisation !== undefined && o.normalisation !== null) expectObject(o.normalisation, "iforest.normalisation", ["scale", "offset"]);
  return atPath("iforest", () => new IsolationForestModel({
    forest, nFeatures, splitting, norm, initPredict, sampleSize,
    normalisation: normalisationFromJSON(json.normalisation, nFeatures, "iforest.normalisation"),
    inputFormat,
    thresholdFormat: json.thresholdFormat ? toFixedFormat(json.thresholdFormat, "iforest.thresholdFormat") : inputFormat,
    scoreFormat: toFixedFormat(json.outputFormat ?? DEFAULT_IF_SCORE, "iforest.outputFormat"),
    ...(o.arithmetic !== undefined ? { arithmetic: expectString(o.arithmetic, "iforest.arithmetic", FOREST_ARITHMETICS) } : {}),
  }));
}

