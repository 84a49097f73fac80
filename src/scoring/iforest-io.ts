/**
 * Isolation-forest interchange: import isotree `to_json()` output, export conifer JSON (conifer
 * JSON is read by conifer-read.ts, re-exported here).
 *
 * conifer: the ensemble output is (Σ values + init_predict) × norm.
 *
 * isotree `to_json()` (`src/formatted_exporters.cpp`, `traverse_isoforest_json` and
 * `traverse_ext_json`): one object per tree keyed by node number ("0", "1", …); terminal nodes
 * `{terminal: "yes", score, leaf}` (score = isolation depth), split nodes `{terminal: "no",
 * node_when_condition_is_met, node_when_condition_is_not_met, …, condition: "<=", value}` with
 * `column`/`column_type` (ndim = 1) or `combination: [{column, column_type, coefficient,
 * centering, imputation_value?}]` (ndim > 1); met → left. Every number is printed with
 * `std::to_string`, i.e. six decimals. The score is 2^(−E[depth]/c(ψ)), so ψ must be given.
 */
import { FEATURE_NAMES } from "../events/features.js";
import { formatFixed, fracBits, quantize, rawMax, rawToValue, toFixedFormat } from "./fixed.js";
import {
  DEFAULT_IF_INPUT, DEFAULT_IF_SCORE, IsolationForestModel, averagePathLength, forestToTrees, treesToForest, type TreeJson,
} from "./iforest.js";
import { ExtendedIsolationForestModel } from "./eiforest.js";
import { identityNormalisation } from "./normalise.js";
import type { ImportOptions } from "./conifer-read.js";

export { importConifer, isConiferJson, type ImportOptions } from "./conifer-read.js";

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

/**
 * Export in conifer's JSON layout so that conifer's firmware gives scoutloop's bits: leaves and
 * init_predict are written as the already quantised score values (norm folded in, exactly
 * representable, so score_t(value) is exact), `norm` = 1 (score_t(1) exact; refused when the
 * score type cannot hold 1), thresholds on the input grid with "<=" (so threshold_t = input_t
 * compares as scoutloop's integer bound does), precisions in `config` (C++ backend: its sum
 * order is scoutloop's). conifer's HLS backend adds the trees as a balanced tree: the same bits
 * whenever the sum is order-free (AP_WRAP, or saturation with one-signed leaves, as scoutloop's
 * own forests have), which the export checks and states in `conifer_hls_equal`.
 */
export function exportConifer(model: IsolationForestModel): Record<string, unknown> {
  const s = model.spec;
  if ((s.arithmetic ?? "scoutloop") !== "scoutloop") return exportConiferAsIs(model);
  const fmt = s.scoreFormat, inF = s.inputFormat;
  if (quantize(1, fmt) !== 2 ** fracBits(fmt)) throw new RangeError(`exportConifer: score type ${formatFixed(fmt)} cannot hold norm = 1`);
  const trees = forestToTrees(s.forest);
  const inLo = inF.signed ? -(2 ** (inF.width - 1)) : 0;
  let node = 0;
  let pos = model.initRaw > 0, neg = model.initRaw < 0;
  const out = trees.map((t, ti) => {
    const start = s.forest.root[ti];
    const threshold = t.threshold.map((v, i) => {
      if (t.feature[i] < 0) return -2;
      const cut = model.cut[start + i];
      if (cut <= inLo) throw new RangeError(`exportConifer: tree ${ti} node ${i} sends every input right (threshold below the input range)`);
      return rawToValue(Math.min(cut - 1, rawMax(inF)), inF); // left iff raw ≤ cut − 1
    });
    const value = t.value.map((_, i) => {
      if (t.feature[i] >= 0) return 0;
      const raw = model.leafRaw[start + i];
      pos ||= raw > 0; neg ||= raw < 0;
      return rawToValue(raw, fmt);
    });
    const weight = t.feature.map((j) => Array.from({ length: s.nFeatures }, (_, k) => (k === j ? 1 : 0)));
    node += t.feature.length;
    return [{ feature: t.feature, weight, threshold, value, children_left: t.children_left, children_right: t.children_right }];
  });
  void node;
  const orderFree = fmt.overflow === "WRAP" || ((fmt.overflow === "SAT" || fmt.overflow === "SAT_SYM") && !(pos && neg));
  return {
    ...coniferHeader(model, trees), init_predict: [rawToValue(model.initRaw, fmt)], norm: 1, splitting_convention: "<=",
    conifer_hls_equal: orderFree,
    config: { backend: "cpp", input_precision: formatFixed(inF), threshold_precision: formatFixed(inF), weight_precision: formatFixed(inF), score_precision: formatFixed(fmt) },
    trees: out,
  };
}

function coniferHeader(model: IsolationForestModel, trees: TreeJson[]): Record<string, unknown> {
  const s = model.spec;
  let maxDepth = 0;
  for (const t of trees) {
    const depth = (node: number): number => (t.children_left[node] < 0 ? 0 : 1 + Math.max(depth(t.children_left[node]), depth(t.children_right[node])));
    maxDepth = Math.max(maxDepth, depth(0));
  }
  return {
    max_depth: maxDepth, n_trees: trees.length, n_classes: 1, n_features: s.nFeatures, library: "scoutloop",
    feature_map: Object.fromEntries(Array.from({ length: s.nFeatures }, (_, i) => [`feat_${i}`, i])),
  };
}

/** A conifer-arithmetic model goes back out as it came in (float values, its norm, its config). */
function exportConiferAsIs(model: IsolationForestModel): Record<string, unknown> {
  const s = model.spec;
  const trees = forestToTrees(s.forest);
  const backend = s.arithmetic === "conifer-hls" ? "xilinxhls" : "cpp";
  return {
    ...coniferHeader(model, trees), init_predict: [s.initPredict], norm: s.norm, splitting_convention: s.splitting,
    config: { backend, input_precision: formatFixed(s.inputFormat), threshold_precision: formatFixed(s.thresholdFormat), score_precision: formatFixed(s.scoreFormat) },
    trees: trees.map((t) => [{ ...t, weight: t.feature.map((j) => Array.from({ length: s.nFeatures }, (_, k) => (k === j ? 1 : 0))) }]),
  };
}

export interface IsotreeImportOptions extends ImportOptions {
  /** Per-tree sample size ψ used at fit time (isotree `sample_size`). */
  sampleSize: number;
  nFeatures?: number;
  /** Column names as isotree saw them; default `column_N` / our FEATURE_NAMES / numeric strings. */
  columnNames?: readonly string[];
  /**
   * isotree's `missing_action_` of an ndim = 1 model, which its JSON does not record: only "fail"
   * (the default here) can be scored faithfully — "divide" and "impute" are refused. ndim > 1
   * models carry it themselves (`imputation_value` present ⇔ not "fail").
   */
  missingAction?: string;
}

type IsotreeNode = Record<string, unknown>;

/** The split point: isotree writes `value`; `threshold` (scoutloop's older fixtures) is an alias. */
function splitValue(node: IsotreeNode, where: string): number {
  const v = node.value ?? node.threshold;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`isotree: ${where}.value: expected a finite number`);
  if (node.value !== undefined && node.threshold !== undefined && node.threshold !== node.value) {
    throw new RangeError(`isotree: ${where}: value and threshold disagree`);
  }
  return v;
}

function childIndex(v: unknown, n: number, where: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v >= n) throw new RangeError(`isotree: ${where}: expected a node number in [1, ${n})`);
  return v;
}

/**
 * isotree `to_json()` output (see the file comment): ndim = 1 trees become an isolation forest
 * ("<=" splits), ndim > 1 trees (`combination` lists) an extended forest in isotree's own form —
 * Σ (x − centering)·coefficient ≤ value goes left, float only. Refused with one line: categorical
 * columns, range penalties (`range_low`/`range_high`), ndim = 1 missing handling other than "fail".
 */
export function importIsotree(json: unknown, options: IsotreeImportOptions): IsolationForestModel | ExtendedIsolationForestModel {
  const trees = (Array.isArray(json) ? json : (json as Record<string, unknown>)?.trees) as IsotreeNode[];
  if (!Array.isArray(trees) || trees.length === 0) throw new TypeError("isotree: expected the list of trees from to_json()");
  if (trees.length > 100_000) throw new RangeError(`isotree: ${trees.length} trees is more than the 100000 accepted`);
  const psi = options.sampleSize;
  if (!Number.isInteger(psi) || psi < 2) throw new RangeError("isotree: the per-tree sample size ψ is needed (sampleSize ≥ 2)");
  const names = options.columnNames ?? [];
  const column = (c: unknown, where: string): number => {
    if (typeof c === "number" && Number.isInteger(c) && c >= 0) return c;
    const s = String(c);
    const byName = names.indexOf(s);
    if (byName >= 0) return byName;
    const m = /^column_(\d+)$/.exec(s) ?? /^(\d+)$/.exec(s);
    if (m) return Number(m[1]);
    const ours = FEATURE_NAMES.indexOf(s);
    if (ours >= 0) return ours;
    throw new RangeError(`isotree: ${where}.column: unknown column "${s}"`);
  };
  let maxColumn = -1;
  let extended: boolean | undefined;
  let imputes: boolean | undefined;
  const termStart: number[] = [0], termFeature: number[] = [], termCoef: number[] = [], termCenter: number[] = [], termImpute: number[] = [];
  let ndim = 1;
  const converted: TreeJson[] = trees.map((tree, t) => {
    if (!tree || typeof tree !== "object" || Array.isArray(tree)) throw new TypeError(`isotree: [${t}]: expected an object of nodes`);
    const n = Object.keys(tree).length;
    if (n > 10_000_000) throw new RangeError(`isotree: tree ${t} too large`);
    const out: TreeJson = { feature: [], threshold: [], children_left: [], children_right: [], value: [] };
    for (let i = 0; i < n; i++) {
      const where = `[${t}]["${i}"]`;
      const node = tree[String(i)] as IsotreeNode | undefined;
      if (!node || typeof node !== "object") throw new RangeError(`isotree: tree ${t} has no node ${i} (nodes are numbered 0…${n - 1})`);
      const terminal = node.terminal === true || node.terminal === "yes";
      if (!terminal && node.terminal !== false && node.terminal !== "no" && node.terminal !== undefined) {
        throw new RangeError(`isotree: ${where}.terminal: expected "yes" or "no"`);
      }
      if (terminal) {
        const score = node.score;
        if (typeof score !== "number" || !Number.isFinite(score)) throw new RangeError(`isotree: ${where}.score: terminal node without a numeric score`);
        out.feature.push(-2); out.threshold.push(-2); out.children_left.push(-1); out.children_right.push(-1); out.value.push(score);
        termStart.push(termFeature.length);
        continue;
      }
      if (node.range_low !== undefined || node.range_high !== undefined) {
        throw new RangeError(`isotree: ${where}: range penalties (penalize_range=True) are not supported`);
      }
      if (node.condition !== undefined && node.condition !== "<=") throw new RangeError(`isotree: ${where}.condition: expected "<=", got ${JSON.stringify(node.condition)}`);
      const isExt = Array.isArray(node.combination);
      if (extended === undefined) extended = isExt;
      else if (extended !== isExt) throw new RangeError(`isotree: ${where}: single-variable and hyperplane splits mixed in one model`);
      let first: number;
      if (isExt) {
        const terms = node.combination as IsotreeNode[];
        if (terms.length === 0) throw new RangeError(`isotree: ${where}.combination: empty`);
        ndim = Math.max(ndim, terms.length);
        terms.forEach((term, k) => {
          const tw = `${where}.combination[${k}]`;
          if (!term || typeof term !== "object") throw new TypeError(`isotree: ${tw}: expected an object`);
          if (term.column_type !== undefined && term.column_type !== "numeric") throw new RangeError(`isotree: ${tw}.column_type: only numeric columns are supported`);
          const j = column(term.column, tw);
          maxColumn = Math.max(maxColumn, j);
          for (const key of ["coefficient", "centering"] as const) {
            if (typeof term[key] !== "number" || !Number.isFinite(term[key])) throw new RangeError(`isotree: ${tw}.${key}: expected a finite number`);
          }
          const hasImpute = term.imputation_value !== undefined;
          if (imputes === undefined) imputes = hasImpute;
          else if (imputes !== hasImpute) throw new RangeError(`isotree: ${tw}.imputation_value: present on some terms only`);
          if (hasImpute && (typeof term.imputation_value !== "number" || !Number.isFinite(term.imputation_value))) {
            throw new RangeError(`isotree: ${tw}.imputation_value: expected a finite number`);
          }
          termFeature.push(j); termCoef.push(term.coefficient as number); termCenter.push(term.centering as number);
          if (hasImpute) termImpute.push(term.imputation_value as number);
        });
        first = termFeature[termStart[termStart.length - 1]];
      } else {
        if (node.column_type !== undefined && node.column_type !== "numeric") throw new RangeError(`isotree: ${where}.column_type: only numeric splits are supported`);
        first = column(node.column, where);
        maxColumn = Math.max(maxColumn, first);
      }
      termStart.push(termFeature.length);
      out.feature.push(first);
      out.threshold.push(splitValue(node, where));
      out.children_left.push(childIndex(node.node_when_condition_is_met, n, `${where}.node_when_condition_is_met`));
      out.children_right.push(childIndex(node.node_when_condition_is_not_met, n, `${where}.node_when_condition_is_not_met`));
      out.value.push(0);
    }
    return out;
  });
  const nFeatures = options.nFeatures ?? maxColumn + 1;
  if (!Number.isInteger(nFeatures) || nFeatures < 1 || nFeatures > 4096) throw new RangeError(`isotree: bad nFeatures ${nFeatures}`);
  if (maxColumn >= nFeatures) throw new RangeError(`isotree: column ${maxColumn} is outside nFeatures = ${nFeatures}`);
  const forest = treesToForest(converted, "isotree");
  const norm = -1 / (trees.length * averagePathLength(psi));
  const normalisation = options.normalisation ?? identityNormalisation(nFeatures);
  if (extended) {
    return new ExtendedIsolationForestModel({
      forest, nFeatures, ndim: Math.min(ndim, nFeatures), sampleSize: psi, norm, normalisation, splitting: "<=", missingAction: imputes ? "impute" : "fail",
      terms: {
        termStart: Int32Array.from(termStart), termFeature: Int32Array.from(termFeature), termCoef: Float64Array.from(termCoef),
        termCenter: Float64Array.from(termCenter), ...(imputes ? { termImpute: Float64Array.from(termImpute) } : {}),
      },
    });
  }
  const missing = options.missingAction ?? "fail";
  if (missing !== "fail") {
    throw new RangeError(`isotree: missing_action "${missing}" of an ndim = 1 model is not supported (its to_json() does not carry the imputation; only "fail" is scored faithfully)`);
  }
  return new IsolationForestModel({
    forest, nFeatures, splitting: "<=", norm, initPredict: 0, sampleSize: psi, normalisation, ...formats(options),
  });
}
