/**
 * Read isotree `to_json()` output strictly (issue 11). The layout is isotree's writer
 * (david-cortes/isotree `src/formatted_exporters.cpp`, `traverse_isoforest_json` and
 * `traverse_ext_json`): one object per tree keyed by node number "0" … "n−1" (every node, from
 * 0 — R's `index1` numbering from 1 is not read); met → left. Every key that writer puts in a
 * node is known; any other is refused:
 * - terminal `{terminal: "yes", score, leaf}` — `score` is the isolation depth (depth + c(n_leaf)
 *   for isotree's default `scoring_metric = "depth"`; the density metrics write −log density,
 *   which the file does not tell apart), `leaf` the terminal index (checked, not used);
 * - ndim = 1 split `{terminal: "no", node_when_condition_is_met, node_when_condition_is_not_met,
 *   fraction_yes, column, column_type, condition, value}` — `fraction_yes` (a number in [0, 1],
 *   used by isotree only for missing_action "divide") is checked and ignored;
 * - ndim > 1 split `{terminal: "no", node_when_condition_is_met, node_when_condition_is_not_met,
 *   combination: [{column, column_type, coefficient, centering, imputation_value?}], condition,
 *   value}`;
 * - refused with their reason: categorical columns (`column_type` "categorical", the
 *   `category`/`coefficients` term keys), range penalties (`range_low`/`range_high`),
 *   a `condition` other than "<=".
 * `threshold` (scoutloop's older fixtures) is read as an alias of `value`.
 */
import { FEATURE_NAMES } from "../events/features.js";
import { toFixedFormat } from "./fixed.js";
import { DEFAULT_IF_INPUT, DEFAULT_IF_SCORE, IsolationForestModel, averagePathLength, treesToForest, type TreeJson } from "./iforest.js";
import { ExtendedIsolationForestModel } from "./eiforest.js";
import { identityNormalisation } from "./normalise.js";
import type { ImportOptions } from "./conifer-read.js";
import { expectTreeShape } from "./tree-shape.js";
import { MODEL_LIMITS, atPath, expectArray, expectInt, expectNumber, expectObject, expectString, fail } from "./validate.js";

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
  /** JSON path of the `to_json()` output in error messages (default "$"; loadModel's wrapper: "$.isotree"). */
  path?: string;
}

const TERMINAL_KEYS = ["terminal", "score", "leaf"] as const;
const SPLIT_KEYS = ["terminal", "node_when_condition_is_met", "node_when_condition_is_not_met", "condition", "value", "threshold", "range_low", "range_high"] as const;
const SPLIT1_KEYS = [...SPLIT_KEYS, "fraction_yes", "column", "column_type"] as const;
const SPLITN_KEYS = [...SPLIT_KEYS, "combination"] as const;
const TERM_KEYS = ["column", "column_type", "coefficient", "centering", "imputation_value", "category", "coefficient_category", "coefficient_other_categories", "coefficients"] as const;

/** True if `json` looks like isotree `to_json()` output (array of node maps, or {trees: [...]}). */
export function isIsotreeJson(json: unknown): boolean {
  const trees = Array.isArray(json) ? json : (json as Record<string, unknown> | null)?.trees;
  if (!Array.isArray(trees) || trees.length === 0) return false;
  const t0 = trees[0];
  return !!t0 && typeof t0 === "object" && !Array.isArray(t0) && "0" in t0;
}

function numericColumn(o: Record<string, unknown>, at: string): void {
  if (o.column_type === undefined) return;
  const t = expectString(o.column_type, `${at}.column_type`);
  if (t !== "numeric") fail(`${at}.column_type`, `${JSON.stringify(t)} columns are not supported (only numeric)`);
}

/**
 * isotree `to_json()` output (see the file comment): ndim = 1 trees become an isolation forest
 * ("<=" splits), ndim > 1 trees (`combination` lists) an extended forest in isotree's own form —
 * Σ (x − centering)·coefficient ≤ value goes left, float only. Refused with one line: categorical
 * columns, range penalties, ndim = 1 missing handling other than "fail".
 */
export function importIsotree(json: unknown, options: IsotreeImportOptions): IsolationForestModel | ExtendedIsolationForestModel {
  const root = options.path ?? "$";
  const listPath = Array.isArray(json) ? root : `${root}.trees`;
  if (!Array.isArray(json)) expectObject(json, root, ["trees"]);
  const trees = expectArray(Array.isArray(json) ? json : (json as Record<string, unknown>).trees, listPath, 1, MODEL_LIMITS.trees);
  const psi = options.sampleSize;
  if (!Number.isInteger(psi) || psi < 2 || psi > 1 << 30) fail("sampleSize", `the per-tree sample size ψ is needed: an integer in [2, ${1 << 30}], got ${psi}`);
  const maxFeatures = options.nFeatures ?? MODEL_LIMITS.features;
  const names = options.columnNames ?? [];
  const column = (c: unknown, at: string): number => {
    let j = -1;
    if (typeof c === "number") j = expectInt(c, at, 0, maxFeatures - 1);
    else {
      const s = expectString(c, at);
      const m = /^column_(\d+)$/.exec(s) ?? /^(\d+)$/.exec(s);
      j = names.indexOf(s);
      if (j < 0 && m) j = Number(m[1]);
      if (j < 0) j = FEATURE_NAMES.indexOf(s);
      if (j < 0) fail(at, `unknown column ${JSON.stringify(s)}`);
    }
    if (j >= maxFeatures) fail(at, `column ${j} is outside the ${maxFeatures} features`);
    return j;
  };
  let maxColumn = -1;
  let extended: boolean | undefined;
  let imputes: boolean | undefined;
  const termStart: number[] = [0], termFeature: number[] = [], termCoef: number[] = [], termCenter: number[] = [], termImpute: number[] = [];
  let ndim = 1;
  let nodes = 0;
  const converted: TreeJson[] = trees.map((tv, t) => {
    const tree = expectObject(tv, `${listPath}[${t}]`);
    const n = Object.keys(tree).length;
    if ((nodes += n) > MODEL_LIMITS.nodes) fail(`${listPath}[${t}]`, `more than ${MODEL_LIMITS.nodes} nodes over all trees`);
    const out: TreeJson = { feature: [], threshold: [], children_left: [], children_right: [], value: [] };
    for (let i = 0; i < n; i++) {
      const at = `${listPath}[${t}]["${i}"]`;
      // n keys and every one of "0" … "n−1" present: no other key can exist.
      if (!Object.hasOwn(tree, String(i))) fail(at, `missing (a tree's ${n} nodes are numbered "0" … "${n - 1}")`);
      const raw = expectObject(tree[String(i)], at);
      const terminal = expectString(raw.terminal, `${at}.terminal`, ["yes", "no"]) === "yes";
      if (terminal) {
        const node = expectObject(raw, at, TERMINAL_KEYS);
        const score = expectNumber(node.score, `${at}.score`);
        if (node.leaf !== undefined) expectInt(node.leaf, `${at}.leaf`, 0, n - 1);
        out.feature.push(-2); out.threshold.push(-2); out.children_left.push(-1); out.children_right.push(-1); out.value.push(score);
        termStart.push(termFeature.length);
        continue;
      }
      const isExt = raw.combination !== undefined;
      const node = expectObject(raw, at, isExt ? SPLITN_KEYS : SPLIT1_KEYS);
      if (node.range_low !== undefined || node.range_high !== undefined) {
        fail(`${at}.${node.range_low !== undefined ? "range_low" : "range_high"}`, "range penalties (penalize_range=True) are not supported");
      }
      if (node.condition !== undefined) {
        const c = expectString(node.condition, `${at}.condition`);
        if (c !== "<=") fail(`${at}.condition`, `expected "<=" (a numeric split), got ${JSON.stringify(c)}`);
      }
      if (extended === undefined) extended = isExt;
      else if (extended !== isExt) fail(at, "single-variable and hyperplane splits mixed in one model");
      let first: number;
      if (isExt) {
        const terms = expectArray(node.combination, `${at}.combination`, 1, maxFeatures);
        if (termFeature.length + terms.length > MODEL_LIMITS.weights) fail(`${at}.combination`, `more than ${MODEL_LIMITS.weights} hyperplane terms over all trees`);
        ndim = Math.max(ndim, terms.length);
        terms.forEach((tm, k) => {
          const tw = `${at}.combination[${k}]`;
          const term = expectObject(tm, tw, TERM_KEYS);
          numericColumn(term, tw);
          for (const key of ["category", "coefficient_category", "coefficient_other_categories", "coefficients"] as const) {
            if (term[key] !== undefined) fail(`${tw}.${key}`, "categorical columns are not supported (only numeric)");
          }
          const j = column(term.column, `${tw}.column`);
          maxColumn = Math.max(maxColumn, j);
          const coef = expectNumber(term.coefficient, `${tw}.coefficient`);
          const center = expectNumber(term.centering, `${tw}.centering`);
          const hasImpute = term.imputation_value !== undefined;
          if (imputes === undefined) imputes = hasImpute;
          else if (imputes !== hasImpute) fail(`${tw}.imputation_value`, `${hasImpute ? "present" : "missing"} here but not on the model's other terms`);
          termFeature.push(j); termCoef.push(coef); termCenter.push(center);
          if (hasImpute) termImpute.push(expectNumber(term.imputation_value, `${tw}.imputation_value`));
        });
        first = termFeature[termStart[termStart.length - 1]];
      } else {
        numericColumn(node, at);
        if (node.fraction_yes !== undefined) expectNumber(node.fraction_yes, `${at}.fraction_yes`, 0, 1);
        first = column(node.column, `${at}.column`);
        maxColumn = Math.max(maxColumn, first);
      }
      termStart.push(termFeature.length);
      const value = node.value !== undefined ? node.value : node.threshold; // null is a value (and refused), not absent
      const valuePath = `${at}.${node.value !== undefined ? "value" : "threshold"}`;
      if (node.value !== undefined && node.threshold !== undefined && node.threshold !== node.value) fail(`${at}.threshold`, "disagrees with value (an alias of it)");
      out.feature.push(first);
      out.threshold.push(expectNumber(value, valuePath));
      out.children_left.push(expectInt(node.node_when_condition_is_met, `${at}.node_when_condition_is_met`, 1, n - 1));
      out.children_right.push(expectInt(node.node_when_condition_is_not_met, `${at}.node_when_condition_is_not_met`, 1, n - 1));
      out.value.push(0);
    }
    expectTreeShape(out.children_left, out.children_right, (side, i) => `${listPath}[${t}]["${i}"].node_when_condition_is_${side === "left" ? "met" : "not_met"}`);
    return out;
  });
  const nFeatures = options.nFeatures ?? maxColumn + 1;
  if (nFeatures < 1) fail(listPath, "no tree splits, so the number of features is unknown: give nFeatures");
  const forest = treesToForest(converted, listPath);
  const norm = -1 / (trees.length * averagePathLength(psi));
  const normalisation = options.normalisation ?? identityNormalisation(nFeatures);
  if (extended) {
    const action = imputes ? "impute" : "fail";
    if (options.missingAction !== undefined && options.missingAction !== action) {
      fail("missingAction", `${JSON.stringify(options.missingAction)}, but the hyperplanes ${imputes ? "carry" : "carry no"} imputation values (missing_action ${JSON.stringify(action)})`);
    }
    return atPath(root, () => new ExtendedIsolationForestModel({
      forest, nFeatures, ndim: Math.min(ndim, nFeatures), sampleSize: psi, norm, normalisation, splitting: "<=", missingAction: action,
      terms: {
        termStart: Int32Array.from(termStart), termFeature: Int32Array.from(termFeature), termCoef: Float64Array.from(termCoef),
        termCenter: Float64Array.from(termCenter), ...(imputes ? { termImpute: Float64Array.from(termImpute) } : {}),
      },
    }));
  }
  const missing = options.missingAction ?? "fail";
  if (missing !== "fail") {
    fail("missingAction", `missing_action "${missing}" of an ndim = 1 model is not supported (its to_json() does not carry the imputation; only "fail" is scored faithfully)`);
  }
  const inputFormat = toFixedFormat(options.inputFormat ?? DEFAULT_IF_INPUT, "inputFormat");
  return atPath(root, () => new IsolationForestModel({
    forest, nFeatures, splitting: "<=", norm, initPredict: 0, sampleSize: psi, normalisation,
    inputFormat,
    thresholdFormat: options.thresholdFormat ? toFixedFormat(options.thresholdFormat, "thresholdFormat") : inputFormat,
    scoreFormat: toFixedFormat(options.scoreFormat ?? DEFAULT_IF_SCORE, "scoreFormat"),
  }));
}
