/**
 * Read conifer JSON strictly (issue 11): every field that conifer's `ModelBase.save()` writes
 * (thesps/conifer `conifer/model.py`, v1.9) is known and checked with its JSON path; any other
 * top-level or per-tree key is refused (a typo is not silently ignored).
 *
 * Top level — read: `n_features`, `n_trees`, `n_classes` (1 or 2: one output), `init_predict`
 * (a number or a one-entry list), `norm`, `splitting_convention` ("<=" when absent, as conifer.h),
 * `trees[iter][class]` (or a bare tree per iteration), `config`. Checked, then ignored because
 * they do not change a score: `max_depth` (an integer ≤ MODEL_LIMITS.depth; the trees' own depth
 * is what is checked), `library` (a string), `feature_map` (name → column in [0, n_features)),
 * `metadata` (a list of {version, host, user, time}), `conifer_hls_equal` (scoutloop's export).
 *
 * Trees — `feature` (−2 on a leaf, as conifer's own walk stops only at −2), `threshold`, `value`,
 * `children_left`, `children_right` (−1 on a leaf), optional `weight` (n_features numbers per
 * node; split nodes must be one-hot on `feature`: oblique splits are not modelled).
 *
 * `config` is backend-specific (each backend adds its build settings: part, clock, output_dir,
 * …), so only what sets the arithmetic is read — `backend`, `precision`, `input_precision`,
 * `threshold_precision`, `weight_precision`, `score_precision`, each also under conifer's
 * CamelCase alternate (`Backend`, `InputPrecision`, …; both present must agree) — and the
 * precisions fall back as conifer's MultiPrecisionConfig does (threshold → input → precision).
 */
import { parseFixed, fracBits, quantize, toFixedFormat, type FixedFormat } from "./fixed.js";
import { IsolationForestModel, DEFAULT_IF_INPUT, DEFAULT_IF_SCORE, treesToForest, type ForestArithmetic, type SplitConvention, type TreeJson } from "./iforest.js";
import { identityNormalisation, type Normalisation } from "./normalise.js";
import { expectTreeShape } from "./tree-shape.js";
import { MODEL_LIMITS, atPath, expectArray, expectBool, expectInt, expectNumber, expectNumbers, expectObject, expectString, fail } from "./validate.js";

export interface ImportOptions {
  inputFormat?: string | FixedFormat;
  thresholdFormat?: string | FixedFormat;
  scoreFormat?: string | FixedFormat;
  normalisation?: Normalisation;
  /** conifer import: the sum the firmware does (default from the file's `config.backend`, else conifer's C++ backend). */
  arithmetic?: ForestArithmetic;
}

const CONIFER_FIELDS = [
  "n_classes", "n_features", "n_trees", "max_depth", "init_predict", "norm", "library", "splitting_convention", "feature_map",
  "trees", "config", "metadata", "conifer_hls_equal",
] as const;
const CONIFER_TREE_FIELDS = ["feature", "weight", "threshold", "value", "children_left", "children_right"] as const;

/** conifer backend names (`config.backend`) and the sum order of their firmware. */
const CONIFER_BACKENDS: Record<string, ForestArithmetic> = { cpp: "conifer-cpp", xilinxhls: "conifer-hls", vivadohls: "conifer-hls", vitishls: "conifer-hls" };

/** True if `json` looks like a conifer model. */
export function isConiferJson(json: unknown): boolean {
  return !!json && typeof json === "object" && !Array.isArray(json) && "n_trees" in json && "trees" in json && "n_features" in json;
}

/** `config[key]`, or its CamelCase alternate (conifer accepts both; given both, they must agree). */
function configValue(cfg: Record<string, unknown>, key: string, alternate: string): { value: unknown; path: string } {
  const a = cfg[key], b = cfg[alternate];
  if (a !== undefined && b !== undefined && JSON.stringify(a) !== JSON.stringify(b)) fail(`conifer.config.${alternate}`, `disagrees with config.${key}`);
  return a !== undefined ? { value: a, path: `conifer.config.${key}` } : { value: b, path: `conifer.config.${alternate}` };
}

/** A precision from conifer's config, or undefined for absent / float firmware (no fixed-point type to emulate). */
function precision(cfg: Record<string, unknown>, key: string, alternate: string): string | undefined {
  const { value, path } = configValue(cfg, key, alternate);
  if (value === undefined || value === null) return undefined;
  const s = expectString(value, path);
  if (s === "float" || s === "double") return undefined;
  try {
    parseFixed(s);
  } catch (err) {
    fail(path, (err as Error).message);
  }
  return s;
}

/** One tree (conifer layout), every entry checked before it is copied. */
function readTree(v: unknown, at: string, nFeatures: number, budget: { nodes: number }): TreeJson {
  const t = expectObject(v, at, CONIFER_TREE_FIELDS);
  const feature = expectArray(t.feature, `${at}.feature`, 1, MODEL_LIMITS.nodes);
  const n = feature.length;
  if ((budget.nodes += n) > MODEL_LIMITS.nodes) fail(`${at}.feature`, `more than ${MODEL_LIMITS.nodes} nodes over all trees`);
  const same = (key: (typeof CONIFER_TREE_FIELDS)[number]) => {
    const a = expectArray(t[key], `${at}.${key}`, 0, MODEL_LIMITS.nodes);
    if (a.length !== n) fail(`${at}.${key}`, `expected ${n} entries (one per node, as feature), got ${a.length}`);
    return a;
  };
  const left = same("children_left"), right = same("children_right"), threshold = same("threshold"), value = same("value");
  const weight = t.weight === undefined ? undefined : same("weight");
  const out: TreeJson = { feature: [], threshold: [], children_left: [], children_right: [], value: [] };
  for (let i = 0; i < n; i++) {
    const f = feature[i];
    if (f !== -2 && (typeof f !== "number" || !Number.isInteger(f) || f < 0 || f >= nFeatures)) {
      fail(`${at}.feature[${i}]`, `expected -2 (a leaf) or a feature index in [0, ${nFeatures - 1}], got ${JSON.stringify(f) ?? "missing"}`);
    }
    const split = f !== -2;
    const child = (a: unknown[], side: string): number => {
      const path = `${at}.children_${side}[${i}]`;
      return split ? expectInt(a[i], path, 1, n - 1) : expectInt(a[i], path, -1, -1);
    };
    out.feature.push(f as number);
    out.children_left.push(child(left, "left"));
    out.children_right.push(child(right, "right"));
    out.threshold.push(expectNumber(threshold[i], `${at}.threshold[${i}]`));
    out.value.push(expectNumber(value[i], `${at}.value[${i}]`));
    if (weight) {
      const w = expectNumbers(weight[i], `${at}.weight[${i}]`, nFeatures);
      // Oblique splits (conifer PR #92) are only accepted when they are one-hot on `feature`.
      if (split && w.some((x, j) => x !== (j === f ? 1 : 0))) fail(`${at}.weight[${i}]`, `an oblique split (not one-hot on feature ${f as number}): not supported`);
    }
  }
  expectTreeShape(out.children_left, out.children_right, (side, i) => `${at}.children_${side}[${i}]`);
  return out;
}

export function importConifer(json: Record<string, unknown>, options: ImportOptions = {}): IsolationForestModel {
  const o = expectObject(json, "conifer", CONIFER_FIELDS);
  const nFeatures = expectInt(o.n_features, "conifer.n_features", 1, MODEL_LIMITS.features);
  const nClasses = o.n_classes === undefined ? 1 : expectInt(o.n_classes, "conifer.n_classes", 1, MODEL_LIMITS.trees);
  if (nClasses > 2) fail("conifer.n_classes", `multi-class models (${nClasses} classes) are not anomaly scorers`);
  const splitting: SplitConvention = o.splitting_convention === undefined ? "<=" : expectString(o.splitting_convention, "conifer.splitting_convention", ["<", "<="] as const);
  const nTrees = expectInt(o.n_trees, "conifer.n_trees", 1, MODEL_LIMITS.trees);
  const list = expectArray(o.trees, "conifer.trees", 1, MODEL_LIMITS.trees);
  if (list.length !== nTrees) fail("conifer.trees", `${list.length} trees, but n_trees = ${nTrees}`);
  if (o.max_depth !== undefined) expectInt(o.max_depth, "conifer.max_depth", 0, MODEL_LIMITS.depth);
  if (o.library !== undefined) expectString(o.library, "conifer.library");
  if (o.conifer_hls_equal !== undefined) expectBool(o.conifer_hls_equal, "conifer.conifer_hls_equal");
  if (o.metadata !== undefined) expectArray(o.metadata, "conifer.metadata", 0, MODEL_LIMITS.trees);
  if (o.feature_map !== undefined) {
    const map = expectObject(o.feature_map, "conifer.feature_map");
    for (const [name, j] of Object.entries(map)) expectInt(j, `conifer.feature_map.${name}`, 0, nFeatures - 1);
  }
  const budget = { nodes: 0 };
  const trees = list.map((entry, i) => {
    if (!Array.isArray(entry)) return readTree(entry, `conifer.trees[${i}]`, nFeatures, budget);
    expectArray(entry, `conifer.trees[${i}]`, 1, 1); // one tree per iteration: one output class
    return readTree(entry[0], `conifer.trees[${i}][0]`, nFeatures, budget);
  });
  const forest = treesToForest(trees, "conifer.trees");
  const norm = o.norm === undefined ? 1 : expectNumber(o.norm, "conifer.norm");
  const init = o.init_predict === undefined ? 0
    : Array.isArray(o.init_predict) ? expectNumbers(o.init_predict, "conifer.init_predict", 1)[0]
      : expectNumber(o.init_predict, "conifer.init_predict");
  // The firmware's precisions and sum order, from the saved config (conifer `model.save()`).
  const cfg = o.config === undefined ? {} : expectObject(o.config, "conifer.config");
  const backendField = configValue(cfg, "backend", "Backend");
  const backend = backendField.value === undefined ? undefined : expectString(backendField.value, backendField.path);
  let arithmetic = options.arithmetic;
  if (arithmetic === undefined) {
    if (backend !== undefined && !(backend in CONIFER_BACKENDS)) {
      fail(backendField.path, `"${backend}": its firmware's sum order is not modelled (cpp, xilinxhls are); choose one explicitly`);
    }
    arithmetic = backend === undefined ? "conifer-cpp" : CONIFER_BACKENDS[backend];
  }
  const all = precision(cfg, "precision", "Precision");
  const inputP = precision(cfg, "input_precision", "InputPrecision") ?? all;
  const thresholdP = precision(cfg, "threshold_precision", "ThresholdPrecision");
  const weightP = precision(cfg, "weight_precision", "WeightPrecision") ?? thresholdP ?? inputP;
  const scoreP = precision(cfg, "score_precision", "ScorePrecision") ?? all;
  if (arithmetic !== "scoutloop" && weightP !== undefined && quantize(1, parseFixed(weightP)) !== 2 ** fracBits(parseFixed(weightP))) {
    fail("conifer.config.weight_precision", `${weightP} cannot hold the one-hot weight 1, so its firmware compares a scaled input`);
  }
  const inputFormat = toFixedFormat(options.inputFormat ?? inputP ?? DEFAULT_IF_INPUT, "inputFormat");
  const threshold = options.thresholdFormat ?? thresholdP ?? options.inputFormat ?? inputP;
  return atPath("conifer", () => new IsolationForestModel({
    forest, nFeatures, splitting, norm, initPredict: init, sampleSize: 0, arithmetic,
    normalisation: options.normalisation ?? identityNormalisation(nFeatures),
    inputFormat,
    thresholdFormat: threshold ? toFixedFormat(threshold, "thresholdFormat") : inputFormat,
    scoreFormat: toFixedFormat(options.scoreFormat ?? scoreP ?? DEFAULT_IF_SCORE, "scoreFormat"),
  }));
}
