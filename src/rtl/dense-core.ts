import type { DenseNetModel } from "../scoring/nn.js";
import type { WeightFault } from "./faults.js";

export function denseCore(_model: DenseNetModel, _header: string[], _fault?: WeightFault): { verilog: string; latency: number; multipliers: number } {
  throw new RangeError("dense network cores are not generated yet");
}
