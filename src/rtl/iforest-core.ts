/**
 * Isolation-forest scorer core: the fixed-point model of src/scoring/iforest.ts in Verilog.
 *
 *   stage 1      every distinct (feature, cut) comparison `x >= cut` at once (go right), registered
 *   stage 2      per tree, the reached leaf's value (norm × path length, already in score bits)
 *   stages 3..   the tree values summed, one register level per adder level (or, when a
 *                saturating sum could depend on order, a chain of saturating adds in tree order)
 *   last stage   the score format's overflow rule; out_saturated flags min/max
 *
 * Bit-exactness: the software walks each tree, so exactly one leaf per tree has all its path
 * comparisons true — the leaf the parallel comparisons select. The software sums the trees in
 * order from init with the score format's overflow after every addition. A wide adder tree with
 * one overflow at the end gives the same bits when (a) the format wraps (modular sums commute),
 * (b) it saturates (AP_SAT / AP_SAT_SYM) and every term has the same sign (partial sums are
 * monotone, so a clamp, once reached, stays), or (c) no partial sum in any order can leave the
 * range. Otherwise the core uses the in-order chain, which is the software loop itself.
 */
import { formatFixed, rawMax, type FixedFormat } from "../scoring/fixed.js";
import type { IsolationForestModel } from "../scoring/iforest.js";
import { overflowFunction, rawLow, saturatedExpr, signedRawWidth, twos } from "./fixed-hdl.js";
import { coreModule, sext, signedWidth, sLit, unusedSink, type StageRegs } from "./verilog.js";
import { stuckValue, thresholdFaultNode, type ThresholdFault } from "./faults.js";

/** Trees folded into one stage of the in-order saturating chain. */
const CHAIN_TREES_PER_STAGE = 4;

export interface IForestCoreResult {
  verilog: string;
  latency: number;
  /** "tree" (wide adder tree, one overflow) or "chain" (in-order saturating adds). */
  sum: "tree" | "chain";
  comparators: number;
}

/** Per tree: first node index and the node count (conifer layout: nodes of tree t are root[t]..). */
function treeRanges(model: IsolationForestModel): Array<[number, number]> {
  const f = model.spec.forest;
  return Array.from({ length: f.nTrees }, (_, t) => [f.root[t], t + 1 < f.nTrees ? f.root[t + 1] : f.feature.length] as [number, number]);
}

/** Which way the exact tree sum may be computed (see the file comment). */
export function iforestSumPlan(model: IsolationForestModel): "tree" | "chain" {
  const fmt = model.outputFormat;
  if (fmt.overflow === "WRAP") return "tree";
  const f = model.spec.forest;
  let pos = Math.max(0, model.initRaw), neg = Math.min(0, model.initRaw);
  let anyPos = model.initRaw > 0, anyNeg = model.initRaw < 0;
  for (const [a, b] of treeRanges(model)) {
    let mx = -Infinity, mn = Infinity;
    for (let i = a; i < b; i++) {
      if (f.feature[i] >= 0) continue;
      mx = Math.max(mx, model.leafRaw[i]);
      mn = Math.min(mn, model.leafRaw[i]);
    }
    pos += Math.max(0, mx);
    neg += Math.min(0, mn);
    anyPos ||= mx > 0;
    anyNeg ||= mn < 0;
  }
  const lo = rawLow(fmt), hi = rawMax(fmt);
  const symLo = fmt.overflow === "SAT_SYM" && fmt.signed;
  if (pos <= hi && (symLo ? neg > lo : neg >= lo)) return "tree"; // no partial sum can overflow
  if ((fmt.overflow === "SAT" || fmt.overflow === "SAT_SYM") && !(anyPos && anyNeg)) return "tree";
  return "chain";
}

export function iforestCore(model: IsolationForestModel, header: string[], fault?: ThresholdFault): IForestCoreResult {
  const spec = model.spec;
  const f = spec.forest;
  const inFmt = model.inputFormat;
  const outFmt: FixedFormat = model.outputFormat;
  const IW = inFmt.width, OW = outFmt.width;
  const NF = model.nFeatures;
  const inLo = rawLow(inFmt), inHi = rawMax(inFmt);
  const ranges = treeRanges(model);

  // The compare bound of each split node, with the injected stuck bit if any.
  const cutOf = (node: number): number => model.cut[node];
  let faultNode = -1, faultCut = 0;
  if (fault) {
    faultNode = thresholdFaultNode(model, fault);
    faultCut = stuckValue(cutOf(faultNode), IW, inFmt.signed, fault.bit, fault.value);
  }

  // Distinct comparators; a bound outside the input range is a constant branch (no hardware).
  const body: string[] = [];
  const used = new Set<number>();
  const cmpIndex = new Map<string, number>();
  const cmpLines: string[] = [];
  const comparator = (node: number): number => {
    const cut = node === faultNode ? faultCut : cutOf(node);
    const j = f.feature[node];
    const key = node === faultNode ? `fault:${node}` : `${j}:${cut}`;
    let k = cmpIndex.get(key);
    if (k === undefined) {
      k = cmpIndex.size;
      cmpIndex.set(key, k);
      used.add(j);
      const lit = inFmt.signed ? sLit(cut, IW) : `${IW}'d${cut}`;
      const note = node === faultNode ? `  // STUCK BIT: bound ${cutOf(node)} with bit ${fault!.bit} stuck at ${fault!.value}` : "";
      cmpLines.push(`c${k} <= (f${j} >= ${lit});${note}`);
    }
    return k;
  };

  // Leaf values as signed vectors of one width (init included).
  let vmin = model.initRaw, vmax = model.initRaw;
  for (let i = 0; i < f.feature.length; i++) if (f.feature[i] < 0) { vmin = Math.min(vmin, model.leafRaw[i]); vmax = Math.max(vmax, model.leafRaw[i]); }
  const TW = signedWidth(vmin, vmax);

  // Each tree as a mux tree over its comparisons; constant branches are followed and a split
  // whose two sides give the same value (common in shallow isolation trees) needs no mux.
  interface Mux { key: string; leaf?: number; node?: number; right?: Mux; left?: Mux }
  const boundOf = (node: number): number => (node === faultNode ? faultCut : cutOf(node));
  const simplify = (node: number): Mux => {
    if (f.feature[node] < 0) return { key: `${model.leafRaw[node]}`, leaf: model.leafRaw[node] };
    const cut = boundOf(node);
    if (cut <= inLo) return simplify(f.right[node]);
    if (cut > inHi) return simplify(f.left[node]);
    const right = simplify(f.right[node]), left = simplify(f.left[node]);
    if (right.key === left.key) return right;
    const which = node === faultNode ? `fault${node}` : `${f.feature[node]}>=${cut}`;
    return { key: `(${which}?${right.key}:${left.key})`, node, right, left };
  };
  const treeExpr = (m: Mux, indent: string): string => {
    if (m.leaf !== undefined) return sLit(m.leaf, TW);
    const k = comparator(m.node!);
    const inner = `${indent}  `;
    return `c${k}\n${inner}? ${treeExpr(m.right!, inner)}\n${inner}: ${treeExpr(m.left!, inner)}`;
  };
  const treeLines: string[] = [];
  for (let t = 0; t < f.nTrees; t++) treeLines.push(`tree_${t} <= ${treeExpr(simplify(f.root[t]), "      ")};`);

  // Feature wires and the comparators (combinational, from the input port).
  for (const j of [...used].sort((a, b) => a - b)) {
    body.push(`wire ${inFmt.signed ? "signed " : ""}[${IW - 1}:0] f${j} = in_features[${j * IW} +: ${IW}];`);
  }
  const unused = Array.from({ length: NF }, (_, j) => j).filter((j) => !used.has(j)).map((j) => `in_features[${j * IW} +: ${IW}]`);
  body.push(...unusedSink("unused_features", unused));
  // Stage 1: one register per comparison (separate 1-bit registers simulate far faster in
  // Verilator than one wide vector assigned bit by bit).
  const stages: StageRegs[] = [];
  stages.push({
    decls: [`// ${cmpIndex.size} distinct comparisons x >= cut (1 = go right), cut in raw ${formatFixed(inFmt)} units`,
      ...Array.from({ length: cmpIndex.size }, (_, k) => `reg c${k};`)],
    assigns: cmpLines,
  });
  stages.push({
    decls: [`// value of the leaf each tree reaches: norm x (depth + c(n_leaf)) in ${formatFixed(outFmt)} raw bits`,
      ...Array.from({ length: f.nTrees }, (_, t) => `reg signed [${TW - 1}:0] tree_${t};`)],
    assigns: treeLines,
  });

  const plan = iforestSumPlan(model);
  let score: string;
  if (plan === "tree") {
    // Balanced adder tree, one register level per addition level; width grows one bit per level.
    let items = Array.from({ length: f.nTrees }, (_, t) => `tree_${t}`);
    let w = TW;
    let level = 0;
    while (items.length > 1) {
      level++;
      const next: string[] = [];
      const decls: string[] = [], assigns: string[] = [];
      for (let i = 0; i < items.length; i += 2) {
        const name = `sum${level}_${i / 2}`;
        decls.push(`reg signed [${w}:0] ${name};`);
        assigns.push(i + 1 < items.length
          ? `${name} <= ${sext(items[i], w, w + 1)} + ${sext(items[i + 1], w, w + 1)};`
          : `${name} <= ${sext(items[i], w, w + 1)};`);
        next.push(name);
      }
      stages.push({ decls, assigns });
      items = next;
      w++;
    }
    // Final stage: add init, then the score format's overflow rule once.
    const SW = Math.max(w, signedRawWidth(outFmt)) + 1;
    body.push(...overflowFunction("score_overflow", SW, outFmt));
    const total = model.initRaw === 0 ? sext(items[0], w, SW) : `${sext(items[0], w, SW)} + ${sLit(model.initRaw, SW)}`;
    stages.push({ decls: [`reg [${OW - 1}:0] score_q;`], assigns: [`score_q <= score_overflow(${total});`] });
    score = "score_q";
  } else {
    // In-order saturating chain from init, CHAIN_TREES_PER_STAGE adds per stage; tree values wait
    // in delay registers until their stage.
    const XW = Math.max(signedRawWidth(outFmt), TW) + 1;
    body.push(...overflowFunction("score_overflow", XW, outFmt));
    const widen = (v: string) => (outFmt.signed ? sext(v, OW, XW) : `{${XW - OW}'d0, ${v}}`);
    body.push(`wire [${OW - 1}:0] chain_init = ${OW}'d${twos(model.initRaw, OW)};  // init in score bits`);
    const nStages = Math.ceil(f.nTrees / CHAIN_TREES_PER_STAGE);
    let acc = "chain_init";
    for (let s = 0; s < nStages; s++) {
      const decls: string[] = [], assigns: string[] = [];
      let prev = acc;
      for (let t = s * CHAIN_TREES_PER_STAGE; t < Math.min(f.nTrees, (s + 1) * CHAIN_TREES_PER_STAGE); t++) {
        const v = s === 0 ? `tree_${t}` : `tree_${t}_d${s}`;
        decls.push(`wire [${OW - 1}:0] chain_${t} = score_overflow(${widen(prev)} + ${sext(v, TW, XW)});`);
        prev = `chain_${t}`;
      }
      const name = `acc_${s}`;
      decls.push(`reg [${OW - 1}:0] ${name};`);
      assigns.push(`${name} <= ${prev};`);
      // The trees still to come wait one more stage.
      for (let t = (s + 1) * CHAIN_TREES_PER_STAGE; t < f.nTrees; t++) {
        const from = s === 0 ? `tree_${t}` : `tree_${t}_d${s}`;
        decls.push(`reg signed [${TW - 1}:0] tree_${t}_d${s + 1};`);
        assigns.push(`tree_${t}_d${s + 1} <= ${from};`);
      }
      stages.push({ decls, assigns });
      acc = name;
    }
    score = acc;
  }
  const verilog = coreModule({
    header, nFeatures: NF, inWidth: IW, outWidth: OW, body, stages, score, saturated: saturatedExpr(score, outFmt),
  });
  return { verilog, latency: stages.length, sum: plan, comparators: cmpIndex.size };
}
