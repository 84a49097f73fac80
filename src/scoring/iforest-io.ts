/**
 * Isolation-forest interchange: import isotree `to_json()` output (ndim = 1) and conifer JSON,
 * export conifer JSON.
 *
 * conifer (`conifer/model.py` `save()`, `backends/cpp/include/conifer.h`): top level `n_trees`,
 * `n_features`, `n_classes`, `init_predict`, `norm`, `splitting_convention` ("<=" when absent),
 * `trees[iter][class]` = {feature, threshold, value, children_left, children_right}; leaves have
 * feature −2. The ensemble output is (Σ values + init_predict) × norm.
 *
 * isotree `to_json()`: one object per tree keyed by node number; terminal nodes carry the
 * isolation depth `score`, split nodes a numeric `column`/`threshold` and the two child numbers;
 * the condition is `x <= threshold` (isotree `formatted_exporters.cpp`), met → left. The score is
 * 2^(−E[depth]/c(ψ)), so ψ (the per-tree sample size) must be given.
 */
import { FEATURE_NAMES } from "../events/features.js";
import { toFixedFormat, type FixedFormat } from "./fixed.js";
import {
  DEFAULT_IF_INPUT, DEFAULT_IF_SCORE, IsolationForestModel, averagePathLength, forestToTrees, treesToForest, type SplitConvention, type TreeJson,
} from "./iforest.js";
import { identityNormalisation, type Normalisation } from "./normalise.js";

export interface ImportOptions {
  inputFormat?: string | FixedFormat;
  thresholdFormat?: string | FixedFormat;
  scoreFormat?: string | FixedFormat;
  normalisation?: Normalisation;
}

/** True if `json` looks like a conifer model. */
export function isConiferJson(json: unknown): boolean {
  return !!json && typeof json === "object" && !Array.isArray(json) && "n_trees" in json && "trees" in json && "n_features" in json;
}

/** True if `json` looks like isotree `to_json()` output (array of node maps, or {trees: [...]}). */
export function isIsotreeJson(json: unknown): boolean {
  const trees = Array.isArray(json) ? json : (json as Record<string, unknown> | null)?.trees;
  if (!Array.isArray(trees) || trees.length === 0) return false;
  const t0 = trees[0];
  return !!t0 && typeof t0 === "object" && !Array.isArray(t0) && "0" in t0;
}

function formats(options: ImportOptions) {
  const inputFormat = toFixedFormat(options.inputFormat ?? DEFAULT_IF_INPUT, "inputFormat");
  return {
    inputFormat,
    thresholdFormat: options.thresholdFormat ? toFixedFormat(options.thresholdFormat, "thresholdFormat") : inputFormat,
    scoreFormat: toFixedFormat(options.scoreFormat ?? DEFAULT_IF_SCORE, "scoreFormat"),
  };
}

export function importConifer(json: Record<string, unknown>, options: ImportOptions = {}): IsolationForestModel {
  const nFeatures = Number(json.n_features);
  if (!Number.isInteger(nFeatures) || nFeatures < 1 || nFeatures > 4096) throw new RangeError(`conifer: bad n_features ${json.n_features}`);
  const nClasses = Number(json.n_classes ?? 1);
  if (nClasses > 2) throw new RangeError(`conifer: multi-class models (n_classes = ${nClasses}) are not anomaly scorers`);
  const splitting = (json.splitting_convention ?? "<=") as SplitConvention;
  if (splitting !== "<" && splitting !== "<=") throw new RangeError(`conifer: unknown splitting_convention ${String(splitting)}`);
  if (!Array.isArray(json.trees)) throw new TypeError("conifer: `trees` must be an array");
  const trees = (json.trees as unknown[]).map((perClass, i) => {
    const t = Array.isArray(perClass) ? perClass[0] : perClass;
    const tree = t as TreeJson & { weight?: number[][] };
    if (Array.isArray(tree?.weight)) {
      // Oblique splits (conifer PR #92) are only accepted when they are one-hot on `feature`.
      for (const [k, w] of tree.weight.entries()) {
        if (tree.feature[k] < 0) continue;
        if (w.some((v, j) => v !== (j === tree.feature[k] ? 1 : 0))) throw new RangeError(`conifer: tree ${i} node ${k} is an oblique split (not supported)`);
      }
    }
    return tree;
  });
  if (Number(json.n_trees) !== trees.length) throw new RangeError(`conifer: n_trees = ${json.n_trees} but ${trees.length} trees present`);
  const forest = treesToForest(trees, "conifer.trees");
  const norm = Number(json.norm ?? 1);
  const init = Array.isArray(json.init_predict) ? Number(json.init_predict[0] ?? 0) : Number(json.init_predict ?? 0);
  if (!Number.isFinite(norm) || !Number.isFinite(init)) throw new RangeError("conifer: norm and init_predict must be finite");
  return new IsolationForestModel({
    forest, nFeatures, splitting, norm, initPredict: init, sampleSize: 0,
    normalisation: options.normalisation ?? identityNormalisation(nFeatures), ...formats(options),
  });
}

/** Export in conifer's JSON layout (norm and init_predict kept separate, as conifer does). */
export function exportConifer(model: IsolationForestModel): Record<string, unknown> {
  const s = model.spec;
  const trees = forestToTrees(s.forest);
  let maxDepth = 0;
  for (const t of trees) {
    const depth = (node: number): number => (t.children_left[node] < 0 ? 0 : 1 + Math.max(depth(t.children_left[node]), depth(t.children_right[node])));
    maxDepth = Math.max(maxDepth, depth(0));
  }
  return {
    max_depth: maxDepth, n_trees: trees.length, n_classes: 1, n_features: s.nFeatures, init_predict: [s.initPredict], norm: s.norm,
    library: "scoutloop", splitting_convention: s.splitting, feature_map: Object.fromEntries(Array.from({ length: s.nFeatures }, (_, i) => [`feat_${i}`, i])),
    trees: trees.map((t) => [t]),
  };
}

export interface IsotreeImportOptions extends ImportOptions {
  /** Per-tree sample size ψ used at fit time (isotree `sample_size`). */
  sampleSize: number;
  nFeatures?: number;
  /** Column names as isotree saw them; default `column_N` / our FEATURE_NAMES / numeric strings. */
  columnNames?: readonly string[];
}

export function importIsotree(json: unknown, options: IsotreeImportOptions): IsolationForestModel {
  const trees = (Array.isArray(json) ? json : (json as Record<string, unknown>)?.trees) as Record<string, Record<string, unknown>>[];
  if (!Array.isArray(trees) || trees.length === 0) throw new TypeError("isotree: expected the list of trees from to_json()");
  const psi = options.sampleSize;
  if (!Number.isInteger(psi) || psi < 2) throw new RangeError("isotree: the per-tree sample size ψ is needed (sampleSize ≥ 2)");
  const names = options.columnNames ?? [];
  const column = (c: unknown, where: string): number => {
    if (typeof c === "number" && Number.isInteger(c)) return c;
    const s = String(c);
    const byName = names.indexOf(s);
    if (byName >= 0) return byName;
    const m = /^column_(\d+)$/.exec(s) ?? /^(\d+)$/.exec(s);
    if (m) return Number(m[1]);
    const ours = FEATURE_NAMES.indexOf(s);
    if (ours >= 0) return ours;
    throw new RangeError(`isotree: ${where}: unknown column "${s}"`);
  };
  let maxColumn = -1;
  const converted: TreeJson[] = trees.map((tree, t) => {
    if (!tree || typeof tree !== "object") throw new TypeError(`isotree: tree ${t} is not an object`);
    const n = Object.keys(tree).length;
    if (n > 10_000_000) throw new RangeError(`isotree: tree ${t} too large`);
    const out: TreeJson = { feature: [], threshold: [], children_left: [], children_right: [], value: [] };
    for (let i = 0; i < n; i++) {
      const node = tree[String(i)];
      if (!node || typeof node !== "object") throw new RangeError(`isotree: tree ${t} has no node ${i}`);
      const terminal = node.terminal === true || node.terminal === "yes";
      if (terminal) {
        const score = Number(node.score);
        if (!Number.isFinite(score)) throw new RangeError(`isotree: tree ${t} node ${i}: terminal node without a numeric score`);
        out.feature.push(-2); out.threshold.push(-2); out.children_left.push(-1); out.children_right.push(-1); out.value.push(score);
        continue;
      }
      if ("condition" in node && Array.isArray(node.condition)) throw new RangeError(`isotree: tree ${t} node ${i}: ndim > 1 (extended) models are not supported`);
      if (node.column_type !== undefined && node.column_type !== "numeric") throw new RangeError(`isotree: tree ${t} node ${i}: only numeric splits are supported`);
      const j = column(node.column, `tree ${t} node ${i}`);
      maxColumn = Math.max(maxColumn, j);
      out.feature.push(j);
      out.threshold.push(Number(node.threshold));
      out.children_left.push(Number(node.node_when_condition_is_met));
      out.children_right.push(Number(node.node_when_condition_is_not_met));
      out.value.push(0);
    }
    return out;
  });
  const nFeatures = options.nFeatures ?? maxColumn + 1;
  const forest = treesToForest(converted, "isotree");
  return new IsolationForestModel({
    forest, nFeatures, splitting: "<=", norm: -1 / (trees.length * averagePathLength(psi)), initPredict: 0, sampleSize: psi,
    normalisation: options.normalisation ?? identityNormalisation(nFeatures), ...formats(options),
  });
}
