/**
 * A small autoencoder trainer (Adam on the summed squared reconstruction error, ReLU hidden
 * layers, linear output), so `scoutloop train --model ae` works without Python. Features are
 * standardised first; the standardisation is stored in the model as its normalisation.
 */
import { type FixedFormat } from "./fixed.js";
import { seededRandom } from "./iforest.js";
import { checkRows } from "./model.js";
import { DenseNetModel, DEFAULT_NN_OUTPUT, denseLayer } from "./nn.js";
import { normaliseRows, standardisation, type Normalisation } from "./normalise.js";
import { toFixedFormat } from "./fixed.js";

export interface AeTrainOptions {
  hidden?: number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  normalisation?: Normalisation;
  inputFormat?: string | FixedFormat;
  outputFormat?: string | FixedFormat;
  weightFormat?: string | FixedFormat;
  resultFormat?: string | FixedFormat;
  accumFormat?: string | FixedFormat;
  onEpoch?: (epoch: number, loss: number) => void;
}

export function trainAutoencoder(features: Float32Array, n: number, nFeatures: number, options: AeTrainOptions = {}): DenseNetModel {
  checkRows(features, n, nFeatures, "trainAutoencoder");
  if (n < 1) throw new RangeError("trainAutoencoder: no training rows");
  const sizes = [nFeatures, ...(options.hidden ?? [32, 8, 32]), nFeatures];
  const L = sizes.length - 1;
  const rand = seededRandom(options.seed ?? 1);
  const norm = options.normalisation ?? standardisation(features, n, nFeatures);
  const x = normaliseRows(norm, features, n);
  // Clip standardised inputs so a few extreme rows cannot blow up training.
  for (let i = 0; i < x.length; i++) x[i] = Math.max(-8, Math.min(8, x[i]));
  const W = sizes.slice(1).map((o, k) => Float64Array.from({ length: sizes[k] * o }, () => (rand() * 2 - 1) * Math.sqrt(6 / (sizes[k] + o))));
  const B = sizes.slice(1).map((o) => new Float64Array(o));
  const adam = (p: Float64Array) => ({ m: new Float64Array(p.length), v: new Float64Array(p.length) });
  const aw = W.map(adam), ab = B.map(adam);
  const lr = options.learningRate ?? 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const batch = options.batchSize ?? 64;
  const gw = W.map((w) => new Float64Array(w.length)), gb = B.map((b) => new Float64Array(b.length));
  const acts = sizes.map((s) => new Float64Array(s)), deltas = sizes.map((s) => new Float64Array(s));
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let step = 0;
  for (let epoch = 0; epoch < (options.epochs ?? 5); epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const r = Math.floor(rand() * (i + 1));
      [order[i], order[r]] = [order[r], order[i]];
    }
    let total = 0;
    for (let b0 = 0; b0 < n; b0 += batch) {
      for (const g of [...gw, ...gb]) g.fill(0);
      const m = Math.min(batch, n - b0);
      for (let e = 0; e < m; e++) {
        const row = order[b0 + e] * nFeatures;
        acts[0].set(x.subarray(row, row + nFeatures));
        for (let k = 0; k < L; k++) {
          const nIn = sizes[k], nOut = sizes[k + 1];
          for (let j = 0; j < nOut; j++) {
            let s = B[k][j];
            for (let i = 0; i < nIn; i++) s += acts[k][i] * W[k][i * nOut + j];
            acts[k + 1][j] = k < L - 1 ? Math.max(0, s) : s;
          }
        }
        for (let j = 0; j < nFeatures; j++) {
          const d = acts[L][j] - acts[0][j];
          total += d * d;
          deltas[L][j] = 2 * d;
        }
        for (let k = L - 1; k >= 0; k--) {
          const nIn = sizes[k], nOut = sizes[k + 1];
          for (let j = 0; j < nOut; j++) gb[k][j] += deltas[k + 1][j];
          for (let i = 0; i < nIn; i++) {
            let s = 0;
            for (let j = 0; j < nOut; j++) {
              gw[k][i * nOut + j] += acts[k][i] * deltas[k + 1][j];
              s += W[k][i * nOut + j] * deltas[k + 1][j];
            }
            deltas[k][i] = k > 0 && acts[k][i] <= 0 ? 0 : s;
          }
        }
      }
      step++;
      const update = (p: Float64Array, g: Float64Array, st: { m: Float64Array; v: Float64Array }) => {
        for (let i = 0; i < p.length; i++) {
          const gi = g[i] / m;
          st.m[i] = b1 * st.m[i] + (1 - b1) * gi;
          st.v[i] = b2 * st.v[i] + (1 - b2) * gi * gi;
          p[i] -= (lr * (st.m[i] / (1 - b1 ** step))) / (Math.sqrt(st.v[i] / (1 - b2 ** step)) + eps);
        }
      };
      for (let k = 0; k < L; k++) {
        update(W[k], gw[k], aw[k]);
        update(B[k], gb[k], ab[k]);
      }
    }
    options.onEpoch?.(epoch, total / n);
  }
  const fmt = { weight: options.weightFormat ?? "ap_fixed<16,6,AP_RND_CONV,AP_SAT>", accum: options.accumFormat ?? "ap_fixed<40,19>", result: options.resultFormat };
  return new DenseNetModel({
    kind: "ae", nFeatures, normalisation: norm,
    inputFormat: toFixedFormat(options.inputFormat ?? "ap_fixed<18,8,AP_RND_CONV,AP_SAT>", "inputFormat"),
    outputFormat: toFixedFormat(options.outputFormat ?? DEFAULT_NN_OUTPUT, "outputFormat"),
    layers: W.map((w, k) => denseLayer(sizes[k], sizes[k + 1], w, B[k], k < L - 1 ? "relu" : "linear", fmt)),
  });
}

