/** Models the benchmarks share: the default-size VAE encoder 57→32→16→8 (AXOL1TL-like precisions). */
import { N_FEATURES } from "../src/events/features.js";
import { parseFixed } from "../src/scoring/fixed.js";
import { seededRandom } from "../src/scoring/iforest.js";
import { DenseNetModel, denseLayer } from "../src/scoring/nn.js";
import { axol1tlNormalisation } from "../src/scoring/normalise.js";

/** VAE encoder 57→32→16→8 with random (seeded) weights, ReLU hidden layers and a ‖μ‖² score. */
export function defaultSizeEncoder(): DenseNetModel {
  const r = seededRandom(3);
  const sizes = [N_FEATURES, 32, 16, 8];
  // Accumulators keep every product bit (input F + weight F fractional bits), as hls4ml's 'auto'
  // precision inference does and its docs advise (no rounding or saturation on accumulators).
  const accum = ["ap_fixed<32,20>", "ap_fixed<32,19>", "ap_fixed<32,19>"];
  const layers = sizes.slice(1).map((o, k) => denseLayer(sizes[k], o,
    Array.from({ length: sizes[k] * o }, () => (r() - 0.5) / 4), Array.from({ length: o }, () => (r() - 0.5) / 4), k < 2 ? "relu" : "linear",
    { weight: "ap_fixed<8,1,AP_RND_CONV,AP_SAT>", accum: accum[k], result: "ap_fixed<16,10,AP_RND_CONV,AP_SAT>" }));
  return new DenseNetModel({
    kind: "vae", nFeatures: N_FEATURES, normalisation: axol1tlNormalisation(), layers,
    inputFormat: parseFixed("ap_fixed<18,13,AP_RND_CONV,AP_SAT>"), outputFormat: parseFixed("ap_ufixed<18,14,AP_RND_CONV,AP_SAT>"),
  });
}
