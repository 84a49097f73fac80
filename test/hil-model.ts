/**
 * A small fixed-point model for the HIL tests: the board protocol does not care what a model
 * computes, only that host and emulator agree bit for bit. score = sat(Σ w_k·x_k >> 10) in
 * ap_fixed<18,4,AP_RND_CONV,AP_SAT> raw bits (the emulator profiles' formats), with fixed small integer weights.
 */
import { parseFixed, rawMax, rawMin } from "../src/scoring/fixed.js";
import type { EmulatorModel } from "../src/hil/emulator.js";

/** Weight of feature k in linearTestModel. */
export const testWeight = (k: number) => ((k * 7) % 11) - 5;

export function linearTestModel(nFeatures = 57, id = "test-linear-v1"): EmulatorModel {
  const inputFormat = parseFixed("ap_fixed<18,13,AP_RND_CONV,AP_SAT>");
  const outputFormat = parseFixed("ap_fixed<18,4,AP_RND_CONV,AP_SAT>");
  const weights = Int32Array.from({ length: nFeatures }, (_, k) => testWeight(k));
  const lo = rawMin(outputFormat);
  const hi = rawMax(outputFormat);
  return {
    id,
    nFeatures,
    inputFormat,
    outputFormat,
    scoreFixedRaw(raw: Int32Array, n: number): Int32Array {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let k = 0; k < nFeatures; k++) acc += weights[k]! * raw[i * nFeatures + k]!;
        const s = Math.floor(acc / 64);
        out[i] = s < lo ? lo : s > hi ? hi : s;
      }
      return out;
    },
  };
}

/** Deterministic pseudo-random raw inputs (n × nFeatures) within the input format's range. */
export function testInputs(n: number, nFeatures = 57, seed = 1): Int32Array {
  const out = new Int32Array(n * nFeatures);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 14) - (1 << 17); // 18-bit signed range
  }
  return out;
}
