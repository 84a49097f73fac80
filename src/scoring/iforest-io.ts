/**
 * Isolation-forest interchange: export conifer JSON; the readers of conifer JSON
 * (conifer-read.ts) and isotree `to_json()` output (isotree-read.ts) are re-exported here.
 *
 * conifer: the ensemble output is (Σ values + init_predict) × norm.
 */
import { formatFixed, fracBits, quantize, rawMax, rawToValue } from "./fixed.js";
import { IsolationForestModel, forestToTrees, type TreeJson } from "./iforest.js";

export { importConifer, isConiferJson, type ImportOptions } from "./conifer-read.js";
export { importIsotree, isIsotreeJson, type IsotreeImportOptions } from "./isotree-read.js";

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
