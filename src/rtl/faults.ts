/**
 * Stuck-bit faults at the RTL: one bit of one threshold (isolation forest: the compare bound of a
 * split node, an input-format-wide constant) or weight register (dense network: one quantised
 * weight) forced to 0 or 1. The same fault applied to a copy of the software model gives the
 * reference the faulted RTL must match, so a run can name exactly the events the fault changes.
 */
import { IsolationForestModel } from "../scoring/iforest.js";
import { DenseNetModel } from "../scoring/nn.js";
import type { ScoringModel } from "../scoring/model.js";

export interface ThresholdFault {
  kind: "threshold";
  /** Tree index and node index inside the tree (conifer layout, root = node 0). */
  tree: number;
  node: number;
  /** Bit of the input-format-wide compare bound (0 = LSB). */
  bit: number;
  value: 0 | 1;
}

export interface WeightFault {
  kind: "weight";
  /** Dense layer index and the weight [input][output] of that layer. */
  layer: number;
  input: number;
  output: number;
  /** Bit of the weight-format-wide raw weight (0 = LSB). */
  bit: number;
  value: 0 | 1;
}

export type StuckBitFault = ThresholdFault | WeightFault;

const FAULT_SYNTAX = "threshold:TREE:NODE:BIT=0|1 or weight:LAYER:IN:OUT:BIT=0|1";

/** Parse `threshold:3:5:2=1` (tree 3, node 5, bit 2 stuck at 1) or `weight:0:12:4:7=0`. */
export function parseStuckBit(spec: string): StuckBitFault {
  const m = /^(threshold|weight):([\d:]+)=([01])$/.exec(spec.trim());
  const nums = m ? m[2].split(":").map(Number) : [];
  if (m && m[1] === "threshold" && nums.length === 3) return { kind: "threshold", tree: nums[0], node: nums[1], bit: nums[2], value: Number(m[3]) as 0 | 1 };
  if (m && m[1] === "weight" && nums.length === 4) return { kind: "weight", layer: nums[0], input: nums[1], output: nums[2], bit: nums[3], value: Number(m[3]) as 0 | 1 };
  throw new RangeError(`bad stuck-bit fault "${spec}" (expected ${FAULT_SYNTAX})`);
}

export function formatStuckBit(f: StuckBitFault): string {
  return f.kind === "threshold" ? `threshold:${f.tree}:${f.node}:${f.bit}=${f.value}` : `weight:${f.layer}:${f.input}:${f.output}:${f.bit}=${f.value}`;
}

/** `raw` (a `width`-bit register value) with `bit` forced to `value`, read back signed or unsigned. */
export function stuckValue(raw: number, width: number, signed: boolean, bit: number, value: 0 | 1): number {
  const lo = signed ? -(2 ** (width - 1)) : 0, hi = signed ? 2 ** (width - 1) - 1 : 2 ** width - 1;
  if (!Number.isInteger(raw) || raw < lo || raw > hi) throw new RangeError(`stuck bit: value ${raw} is not held in a ${width}-bit register (a constant branch has no register)`);
  if (!Number.isInteger(bit) || bit < 0 || bit >= width) throw new RangeError(`stuck bit: bit ${bit} is outside the ${width}-bit register`);
  const m = 2 ** width;
  let u = ((raw % m) + m) % m;
  const b = 2 ** bit;
  const set = Math.floor(u / b) % 2 === 1;
  if (value === 1 && !set) u += b;
  if (value === 0 && set) u -= b;
  return signed && u > hi ? u - m : u;
}

/** Where a threshold fault sits in the flat forest arrays (checked). */
export function thresholdFaultNode(model: IsolationForestModel, fault: ThresholdFault): number {
  const f = model.spec.forest;
  if (!Number.isInteger(fault.tree) || fault.tree < 0 || fault.tree >= f.nTrees) throw new RangeError(`stuck bit: tree ${fault.tree} does not exist (the forest has ${f.nTrees})`);
  const start = f.root[fault.tree], end = fault.tree + 1 < f.nTrees ? f.root[fault.tree + 1] : f.feature.length;
  const node = start + fault.node;
  if (!Number.isInteger(fault.node) || fault.node < 0 || node >= end || f.feature[node] < 0) throw new RangeError(`stuck bit: node ${fault.node} of tree ${fault.tree} is not a split node`);
  return node;
}

/** Check a weight fault's indices against the network. */
export function checkWeightFault(model: DenseNetModel, fault: WeightFault): void {
  const l = model.spec.layers[fault.layer];
  if (!l) throw new RangeError(`stuck bit: layer ${fault.layer} does not exist (the network has ${model.spec.layers.length})`);
  if (!Number.isInteger(fault.input) || fault.input < 0 || fault.input >= l.nIn || !Number.isInteger(fault.output) || fault.output < 0 || fault.output >= l.nOut) {
    throw new RangeError(`stuck bit: weight [${fault.input}][${fault.output}] is outside layer ${fault.layer} (${l.nIn}→${l.nOut})`);
  }
}

/**
 * A copy of the software model with the fault applied to its fixed-point tables: its
 * scoreFixedRaw is what the faulted RTL computes. The original model is left untouched.
 */
export function modelWithStuckBit(model: ScoringModel, fault: StuckBitFault): ScoringModel {
  if (fault.kind === "threshold") {
    if (!(model instanceof IsolationForestModel)) throw new RangeError(`stuck bit: a threshold fault needs an isolation forest, not a ${model.kind} model`);
    const node = thresholdFaultNode(model, fault);
    const copy = new IsolationForestModel(model.spec);
    copy.cut[node] = stuckValue(model.cut[node], model.inputFormat.width, model.inputFormat.signed, fault.bit, fault.value);
    return copy;
  }
  if (!(model instanceof DenseNetModel)) throw new RangeError(`stuck bit: a weight fault needs a dense network, not a ${model.kind} model`);
  checkWeightFault(model, fault);
  const layers = model.spec.layers.map((l, k) => {
    if (k !== fault.layer) return l;
    const wRaw = Float64Array.from(l.wRaw);
    const i = fault.input * l.nOut + fault.output;
    wRaw[i] = stuckValue(wRaw[i], l.weightFormat.width, l.weightFormat.signed, fault.bit, fault.value);
    return { ...l, wRaw };
  });
  return new DenseNetModel({ ...model.spec, layers });
}
