/**
 * Dense networks: an autoencoder scored by reconstruction error, or a VAE encoder scored by ‖μ‖²
 * (AXOL1TL v4 style). Float inference and a bit-exact fixed-point model of hls4ml's
 * `nnet_dense_latency.h` arithmetic:
 *
 *   acc_j  = accum_t(bias_j)
 *   acc_j += accum_t(x_i · w_ij)      for i = 0..nIn−1 in order (every product cast to accum_t,
 *                                     every sum cast back to accum_t with its overflow mode)
 *   res_j  = result_t(acc_j)          then the activation, in result_t
 *
 * ReLU keeps positive values; LeakyReLU multiplies negatives by alpha (quantised to `alphaFormat`)
 * and casts the product to result_t. BatchNorm is expected folded into the preceding dense layer.
 * The score is Σ_k loss_t(d_k²) accumulated in the loss/output format with its overflow mode
 * after each term, where d is μ (VAE) or input − reconstruction (AE; the sum, not the mean, so
 * firmware needs no divider). With an `ap_ufixed<18,14>`-like output the raw bits are score × 16,
 * the AXOL1TL integer-threshold convention.
 */
import { MODEL_LIMITS, atPath, expectArray, expectInt, expectModelHeader, expectNumber, expectNumbers, expectObject, expectString, fail } from "./validate.js";
import {
  assertFitsInt32, castRaw, formatFixed, fracBits, overflowRaw, quantize, rawMax, toFixedFormat, type FixedFormat,
} from "./fixed.js";
import { modelJsonHeader } from "./model-json.js";
import { checkRows, modelId, numberArray, type ScoringModel } from "./model.js";
import { normalisationFromJSON, quantizeRows, type Normalisation } from "./normalise.js";

export type Activation = "linear" | "relu" | "leaky_relu" | "sigmoid" | "tanh";
export const ACTIVATIONS: readonly Activation[] = ["linear", "relu", "leaky_relu", "sigmoid", "tanh"];

/**
 * hls4ml's table activations (`nnet_activation.h`): a table of `tableSize` entries over [−8, 8)
 * (sigmoid) or [−4, 4) (tanh), entry ii at x = 2·R·(ii − N/2)/N (float), value f(x) computed in
 * float (`1.0 / (1 + std::exp(-x))`, `tanh(x)`) and stored in table_t; an input x picks entry
 * trunc(x·N/(2R)) + N/2, clamped to the table, cast to the output type.
 */
export const TABLE_RANGE: Record<"sigmoid" | "tanh", number> = { sigmoid: 8, tanh: 4 };
export const DEFAULT_TABLE_FORMAT = "ap_fixed<18,8>";

/** The table_t raw entries of an hls4ml sigmoid/tanh table (float arithmetic as the C++ does it). */
export function activationTable(kind: "sigmoid" | "tanh", size: number, tableFormat: FixedFormat): Float64Array {
  const fr = Math.fround, range = TABLE_RANGE[kind];
  return Float64Array.from({ length: size }, (_, ii) => {
    const x = fr((2 * range * (ii - size / 2)) / size);
    const v = kind === "sigmoid" ? fr(1.0 / fr(1 + fr(Math.exp(fr(-x))))) : fr(Math.tanh(x));
    return quantize(v, tableFormat);
  });
}

export interface DenseLayer {
  nIn: number;
  nOut: number;
  /** Float weights, row-major [in][out] (Keras kernel order). */
  weights: Float64Array;
  bias: Float64Array;
  activation: Activation;
  alpha: number;
  weightFormat: FixedFormat;
  biasFormat: FixedFormat;
  accumFormat: FixedFormat;
  resultFormat: FixedFormat;
  alphaFormat: FixedFormat;
  /** Raw quantised weights / bias / alpha (derived). */
  wRaw: Float64Array;
  bRaw: Float64Array;
  alphaRaw: number;
  /**
   * How the float weights become raw bits: "float" (default) quantises the float; "hls4ml" first
   * prints it as hls4ml's writer does (a decimal literal with max(0, F) fractional digits) and
   * quantises that literal, as weight_t does in the firmware.
   */
  weightRounding?: "float" | "hls4ml";
  /** The activation's own output type (hls4ml: a separate activation layer); default: the result type. */
  activationFormat?: FixedFormat;
  /**
   * hls4ml's resource strategy: products are added in the order of its ReuseLoop/MultLoop (term
   * w = j·nIn + i of the transposed kernel in order of (w mod RF, ⌊w / RF⌋)); only matters when
   * the accumulator rounds or saturates. Default: latency order (i ascending).
   */
  reuseFactor?: number;
  /** sigmoid/tanh: hls4ml's table (size, table_t, raw entries). */
  table?: { size: number; format: FixedFormat; raw: Float64Array };
}

export interface DenseNetSpec {
  kind: "ae" | "vae";
  nFeatures: number;
  normalisation: Normalisation;
  inputFormat: FixedFormat;
  outputFormat: FixedFormat;
  layers: DenseLayer[];
}

export const DEFAULT_NN_INPUT = "ap_fixed<18,13,AP_RND_CONV,AP_SAT>";
export const DEFAULT_NN_WEIGHT = "ap_fixed<8,3,AP_RND_CONV,AP_SAT>";
export const DEFAULT_NN_ACCUM = "ap_fixed<32,16>";
export const DEFAULT_NN_RESULT = "ap_fixed<16,8,AP_RND_CONV,AP_SAT>";
export const DEFAULT_NN_OUTPUT = "ap_ufixed<18,14,AP_RND_CONV,AP_SAT>";
export const DEFAULT_NN_ALPHA = "ap_fixed<16,6,AP_RND_CONV,AP_SAT>";

const MAX_LAYER_SIZE = 4096;

export class DenseNetModel implements ScoringModel {
  readonly kind: "ae" | "vae";
  readonly id: string;
  readonly inputFormat: FixedFormat;
  readonly outputFormat: FixedFormat;
  readonly nFeatures: number;
  readonly spec: DenseNetSpec;

  constructor(spec: DenseNetSpec) {
    checkNetwork(spec);
    this.spec = spec;
    this.kind = spec.kind;
    this.nFeatures = spec.nFeatures;
    this.inputFormat = spec.inputFormat;
    this.outputFormat = spec.outputFormat;
    this.id = modelId(this.toJSON());
  }

  quantizeInputs(features: Float32Array, n: number): Int32Array {
    checkRows(features, n, this.nFeatures, "quantizeInputs");
    return quantizeRows(this.spec.normalisation, this.inputFormat, features, n);
  }

  scoreFloat(features: Float32Array, n: number): Float64Array {
    checkRows(features, n, this.nFeatures, "scoreFloat");
    const { layers, normalisation: nz } = this.spec;
    const d = this.nFeatures;
    const widest = Math.max(d, ...layers.map((l) => l.nOut));
    let a = new Float64Array(widest), b = new Float64Array(widest);
    const x0 = new Float64Array(d);
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) x0[j] = (features[r * d + j] - nz.offset[j]) * nz.scale[j];
      a.set(x0);
      for (const l of layers) {
        for (let j = 0; j < l.nOut; j++) {
          let acc = l.bias[j];
          for (let i = 0; i < l.nIn; i++) acc += a[i] * l.weights[i * l.nOut + j];
          b[j] = l.activation === "sigmoid" ? 1 / (1 + Math.exp(-acc)) : l.activation === "tanh" ? Math.tanh(acc)
            : l.activation === "linear" || acc > 0 ? acc : l.activation === "relu" ? 0 : l.alpha * acc;
        }
        [a, b] = [b, a];
      }
      let s = 0;
      const last = layers[layers.length - 1].nOut;
      for (let k = 0; k < last; k++) {
        const diff = this.kind === "vae" ? a[k] : x0[k] - a[k];
        s += diff * diff;
      }
      out[r] = s;
    }
    return out;
  }

  scoreFixedRaw(rawInputs: Int32Array, n: number): Int32Array {
    checkRows(rawInputs, n, this.nFeatures, "scoreFixedRaw");
    const { layers, inputFormat, outputFormat } = this.spec;
    const d = this.nFeatures;
    const widest = Math.max(d, ...layers.map((l) => l.nOut));
    let a = new Float64Array(widest), b = new Float64Array(widest);
    const out = new Int32Array(n);
    const lo = inputFormat.signed ? -(2 ** (inputFormat.width - 1)) : 0, hi = rawMax(inputFormat);
    for (let i = 0; i < n * d; i++) {
      if (rawInputs[i] < lo || rawInputs[i] > hi) throw new RangeError(`scoreFixedRaw: raw input ${rawInputs[i]} at ${i} is outside ${formatFixed(inputFormat)}`);
    }
    const fIn = fracBits(inputFormat);
    const last = layers[layers.length - 1];
    const fLast = fracBits(last.activationFormat ?? last.resultFormat);
    const fDiff = Math.max(fIn, fLast);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) a[j] = rawInputs[r * d + j];
      let fA = fIn;
      let inWidth = inputFormat.width;
      for (const l of layers) {
        const fW = fracBits(l.weightFormat), fAcc = fracBits(l.accumFormat), fB = fracBits(l.biasFormat), fR = fracBits(l.resultFormat);
        const useFast = fastAccum(l, fA + fW - fAcc, inWidth);
        const shift = fA + fW - fAcc;
        for (let j = 0; j < l.nOut; j++) {
          let acc = castRaw(l.bRaw[j], fB, l.accumFormat);
          if (useFast) {
            // AP_TRN + AP_WRAP accumulator and no dropped product bits: every cast is exact up to
            // wrapping, and wrapping is modular, so sum first and wrap once (same bits).
            let s = 0;
            if (shift <= 0) {
              for (let i = 0; i < l.nIn; i++) s += a[i] * l.wRaw[i * l.nOut + j];
              s *= 2 ** -shift;
            } else {
              // AP_TRN drops the low product bits one product at a time: floor each term.
              const down = 2 ** -shift;
              for (let i = 0; i < l.nIn; i++) s += Math.floor(a[i] * l.wRaw[i * l.nOut + j] * down);
            }
            acc = overflowRaw(acc + s, l.accumFormat);
          } else {
            const order = resourceOrder(l);
            for (let k = 0; k < l.nIn; k++) {
              const i = order ? order[j * l.nIn + k] : k;
              acc = overflowRaw(acc + castRaw(a[i] * l.wRaw[i * l.nOut + j], fA + fW, l.accumFormat), l.accumFormat);
            }
          }
          let res = castRaw(acc, fAcc, l.resultFormat);
          const act = l.activationFormat;
          if (l.table) {
            const { size, format, raw } = l.table;
            const range = TABLE_RANGE[l.activation as "sigmoid" | "tanh"];
            const index = Math.max(0, Math.min(size - 1, Math.trunc((res * size) / (2 * range * 2 ** fR)) + Math.floor(size / 2)));
            res = castRaw(raw[index], fracBits(format), act ?? l.resultFormat);
          } else if (act) {
            // A separate activation layer: res_T(x) for x > 0, else 0 (relu) or res_T(alpha·x).
            if (res > 0 || l.activation === "linear") res = castRaw(res, fR, act);
            else if (l.activation === "relu") res = 0;
            else res = castRaw(l.alphaRaw * res, fracBits(l.alphaFormat) + fR, act);
          } else if (res < 0 && l.activation === "relu") res = 0;
          else if (res < 0 && l.activation === "leaky_relu") res = castRaw(l.alphaRaw * res, fracBits(l.alphaFormat) + fR, l.resultFormat);
          b[j] = res;
        }
        [a, b] = [b, a];
        const outF = l.activationFormat ?? l.resultFormat;
        fA = fracBits(outF);
        inWidth = outF.width;
      }
      let loss = 0;
      for (let k = 0; k < last.nOut; k++) {
        // Align input and output to a common binary point, then square exactly.
        const diff = this.kind === "vae" ? a[k] : rawInputs[r * d + k] * 2 ** (fDiff - fIn) - a[k] * 2 ** (fDiff - fLast);
        const sq = this.kind === "vae" ? a[k] * a[k] : diff * diff;
        loss = overflowRaw(loss + castRaw(sq, this.kind === "vae" ? 2 * fLast : 2 * fDiff, outputFormat), outputFormat);
      }
      out[r] = loss;
    }
    return out;
  }

  toJSON(): Record<string, unknown> {
    const s = this.spec;
    return {
      ...modelJsonHeader(s.kind, s.nFeatures, s.normalisation, s.inputFormat),
      outputFormat: formatFixed(s.outputFormat),
      layers: s.layers.map((l) => ({
        nIn: l.nIn, nOut: l.nOut, activation: l.activation, ...(l.activation === "leaky_relu" ? { alpha: l.alpha, alphaFormat: formatFixed(l.alphaFormat) } : {}),
        weightFormat: formatFixed(l.weightFormat), biasFormat: formatFixed(l.biasFormat),
        accumFormat: formatFixed(l.accumFormat), resultFormat: formatFixed(l.resultFormat),
        weights: Array.from(l.weights), bias: Array.from(l.bias),
        ...(l.weightRounding === "hls4ml" ? { weightRounding: "hls4ml" } : {}),
        ...(l.activationFormat ? { activationFormat: formatFixed(l.activationFormat) } : {}),
        ...(l.reuseFactor !== undefined ? { reuseFactor: l.reuseFactor } : {}),
        ...(l.table ? { tableSize: l.table.size, tableFormat: formatFixed(l.table.format) } : {}),
      })),
    };
  }
}

const orderCache = new WeakMap<DenseLayer, Int32Array | null>();
/** Input index per (output, step) in the resource strategy's order, or null for i ascending. */
export function resourceOrder(l: DenseLayer): Int32Array | null {
  const cached = orderCache.get(l);
  if (cached !== undefined) return cached;
  const rf = l.reuseFactor;
  let order: Int32Array | null = null;
  if (rf !== undefined && rf > 1 && rf < l.nIn) {
    order = new Int32Array(l.nIn * l.nOut);
    for (let j = 0; j < l.nOut; j++) {
      const terms = Array.from({ length: l.nIn }, (_, i) => i);
      const key = (i: number) => { const w = j * l.nIn + i; return (w % rf) * (l.nIn * l.nOut) + Math.floor(w / rf); };
      terms.sort((p, q) => key(p) - key(q));
      order.set(terms, j * l.nIn);
    }
  }
  orderCache.set(l, order);
  return order;
}

/**
 * hls4ml's weight literal (`WeightVariable.precision_fmt` = '{:.Ff}', F = max(0, W − I)): the
 * double printed with F decimals, rounded half to even on its exact binary value (Python's
 * formatting), read back as a double (C++ and the csim loader both use strtod-style parsing).
 */
export function hls4mlLiteral(v: number, f: FixedFormat): number {
  return Number(formatDecimal(v, Math.max(0, fracBits(f))));
}

/** `v` with exactly `digits` decimals, correctly rounded (ties to even) from its exact binary value. */
export function formatDecimal(v: number, digits: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`cannot print ${v} as a decimal literal`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (expBits === 0) exp = -1074; else { mant |= 1n << 52n; exp = expBits - 1075; }
  // |v| = mant · 2^exp; scaled = |v| · 10^digits, rounded half to even.
  let n = mant * 10n ** BigInt(digits);
  if (exp >= 0) n <<= BigInt(exp);
  else {
    const sh = BigInt(-exp);
    const q = n >> sh, rem = n - (q << sh), half = 1n << (sh - 1n);
    n = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
  }
  let str = n.toString().padStart(digits + 1, "0");
  if (digits > 0) str = `${str.slice(0, str.length - digits)}.${str.slice(str.length - digits)}`;
  return (negative ? "-" : "") + str;
}

/** True when a layer's accumulation may be summed exactly in doubles and wrapped once. */
function fastAccum(l: DenseLayer, shift: number, inWidth: number): boolean {
  if (l.accumFormat.quant !== "TRN" || l.accumFormat.overflow !== "WRAP" || shift > 53 || shift < -40) return false;
  // |x| < 2^inWidth (inputs are range-checked, results fit their format), |w| < 2^(W−1).
  return inWidth + l.weightFormat.width + Math.max(0, -shift) + Math.ceil(Math.log2(l.nIn)) <= 53;
}

/** Widths that keep the TS reference exact in doubles (and the C++ one in int64). */
function checkNetwork(spec: DenseNetSpec): void {
  if (spec.layers.length === 0) throw new RangeError("network: needs at least one layer");
  assertFitsInt32(spec.inputFormat, "network input format");
  assertFitsInt32(spec.outputFormat, "network output format");
  let nIn = spec.nFeatures;
  let prev = spec.inputFormat;
  for (const [k, l] of spec.layers.entries()) {
    if (l.nIn !== nIn) throw new RangeError(`layer ${k}: expects ${l.nIn} inputs but receives ${nIn}`);
    if (l.weightFormat.width + prev.width > 52) throw new RangeError(`layer ${k}: weight width + input width must be ≤ 52 bits`);
    for (const f of [l.weightFormat, l.biasFormat, l.resultFormat, l.alphaFormat]) assertFitsInt32(f, `layer ${k}`);
    if (l.accumFormat.width > 48) throw new RangeError(`layer ${k}: accumulator wider than 48 bits`);
    if (l.activationFormat) assertFitsInt32(l.activationFormat, `layer ${k} activation`);
    nIn = l.nOut;
    prev = l.activationFormat ?? l.resultFormat;
  }
  if (spec.kind === "ae" && nIn !== spec.nFeatures) throw new RangeError(`autoencoder: last layer has ${nIn} outputs, expected ${spec.nFeatures}`);
  const lastLayer = spec.layers[spec.layers.length - 1];
  const last = lastLayer.activationFormat ?? lastLayer.resultFormat;
  const w = spec.kind === "vae" ? last.width : Math.max(spec.inputFormat.width + Math.max(0, fracBits(last) - fracBits(spec.inputFormat)), last.width + Math.max(0, fracBits(spec.inputFormat) - fracBits(last))) + 1;
  if (2 * w > 52) throw new RangeError("network: loss terms would be wider than 52 bits; narrow the input or last-layer format");
}

/** Build a layer from floats and formats, quantising weights, bias and alpha. */
export function denseLayer(
  nIn: number, nOut: number, weights: ArrayLike<number>, bias: ArrayLike<number>, activation: Activation,
  formats: { weight?: string | FixedFormat; bias?: string | FixedFormat; accum?: string | FixedFormat; result?: string | FixedFormat; alpha?: string | FixedFormat } = {},
  alpha = 0.3,
  extra: { weightRounding?: "float" | "hls4ml"; activationFormat?: string | FixedFormat; reuseFactor?: number; tableSize?: number; tableFormat?: string | FixedFormat } = {},
): DenseLayer {
  if (!Number.isInteger(nIn) || !Number.isInteger(nOut) || nIn < 1 || nOut < 1 || nIn > MAX_LAYER_SIZE || nOut > MAX_LAYER_SIZE) {
    throw new RangeError(`layer size ${nIn}→${nOut} out of range`);
  }
  if (weights.length !== nIn * nOut) throw new RangeError(`layer ${nIn}→${nOut}: expected ${nIn * nOut} weights, got ${weights.length}`);
  if (bias.length !== nOut) throw new RangeError(`layer ${nIn}→${nOut}: expected ${nOut} biases, got ${bias.length}`);
  if (!ACTIVATIONS.includes(activation)) throw new RangeError(`unknown activation "${activation}" (expected ${ACTIVATIONS.join(", ")})`);
  let table: DenseLayer["table"];
  if (activation === "sigmoid" || activation === "tanh") {
    const size = extra.tableSize ?? 1024;
    if (!Number.isInteger(size) || size < 2 || size > 1 << 20) throw new RangeError(`tableSize must be an integer in [2, 2^20], got ${size}`);
    const format = toFixedFormat(extra.tableFormat ?? DEFAULT_TABLE_FORMAT, "tableFormat");
    table = { size, format, raw: activationTable(activation, size, format) };
  } else if (extra.tableSize !== undefined || extra.tableFormat !== undefined) throw new RangeError(`tableSize/tableFormat apply to sigmoid and tanh only`);
  const weightFormat = toFixedFormat(formats.weight ?? DEFAULT_NN_WEIGHT, "weightFormat");
  const biasFormat = toFixedFormat(formats.bias ?? formats.weight ?? DEFAULT_NN_WEIGHT, "biasFormat");
  const alphaFormat = toFixedFormat(formats.alpha ?? DEFAULT_NN_ALPHA, "alphaFormat");
  const w = Float64Array.from(weights), b = Float64Array.from(bias);
  for (const v of [...w, ...b, alpha]) if (!Number.isFinite(v)) throw new RangeError("layer weights, biases and alpha must be finite");
  const rounding = extra.weightRounding ?? "float";
  if (rounding !== "float" && rounding !== "hls4ml") throw new RangeError(`weightRounding must be "float" or "hls4ml", got ${String(rounding)}`);
  const rf = extra.reuseFactor;
  if (rf !== undefined && (!Number.isInteger(rf) || rf < 1 || rf > nIn * nOut)) throw new RangeError(`reuseFactor must be an integer in [1, ${nIn * nOut}]`);
  const literal = (v: number, f: FixedFormat) => (rounding === "hls4ml" ? hls4mlLiteral(v, f) : v);
  return {
    nIn, nOut, weights: w, bias: b, activation, alpha,
    weightFormat, biasFormat, alphaFormat,
    accumFormat: toFixedFormat(formats.accum ?? DEFAULT_NN_ACCUM, "accumFormat"),
    resultFormat: toFixedFormat(formats.result ?? DEFAULT_NN_RESULT, "resultFormat"),
    wRaw: Float64Array.from(w, (v) => quantize(literal(v, weightFormat), weightFormat)),
    bRaw: Float64Array.from(b, (v) => quantize(literal(v, biasFormat), biasFormat)),
    alphaRaw: quantize(alpha, alphaFormat),
    ...(rounding === "hls4ml" ? { weightRounding: rounding } : {}),
    ...(extra.activationFormat !== undefined ? { activationFormat: toFixedFormat(extra.activationFormat, "activationFormat") } : {}),
    ...(rf !== undefined ? { reuseFactor: rf } : {}),
    ...(table ? { table } : {}),
  };
}

const NET_KEYS = ["format", "version", "kind", "nFeatures", "normalisation", "inputFormat", "outputFormat", "layers", "weightRounding"] as const;
const LAYER_KEYS = [
  "nIn", "nOut", "activation", "alpha", "alphaFormat", "weightFormat", "biasFormat", "accumFormat", "resultFormat", "weights", "bias",
  "weightRounding", "activationFormat", "reuseFactor", "tableSize", "tableFormat",
] as const;

/**
 * Read a network from our JSON format (docs/models.md) strictly: unknown fields refused, every
 * field of its type with its path (no coercion), weight counts checked against nIn × nOut and
 * bounded over all layers before they are copied. Weights may be flat or nested [in][out].
 */
export function denseNetFromJSON(json: Record<string, unknown>): DenseNetModel {
  expectObject(json, "network", NET_KEYS);
  const kind = expectString(json.kind, "network.kind", ["ae", "vae"] as const);
  expectModelHeader(json, "network");
  const nFeatures = expectInt(json.nFeatures, "network.nFeatures", 1, MAX_LAYER_SIZE);
  const rounding = ["float", "hls4ml"] as const;
  const topRounding = json.weightRounding === undefined ? undefined : expectString(json.weightRounding, "network.weightRounding", rounding);
  /** A format string, parsed here so a bad one is named by its path. */
  const optFormat = (v: unknown, path: string) => (v === undefined ? undefined : toFixedFormat(expectString(v, path), path));
  let weights = 0;
  const layers = expectArray(json.layers, "network.layers", 1, MODEL_LIMITS.layers).map((raw: unknown, k: number) => {
    const at = `network.layers[${k}]`;
    const l = expectObject(raw, at, LAYER_KEYS);
    const nIn = expectInt(l.nIn, `${at}.nIn`, 1, MAX_LAYER_SIZE), nOut = expectInt(l.nOut, `${at}.nOut`, 1, MAX_LAYER_SIZE);
    if ((weights += nIn * nOut) > MODEL_LIMITS.weights) fail(`${at}`, `more than ${MODEL_LIMITS.weights} weights over all layers`);
    const nested = Array.isArray(l.weights) && Array.isArray(l.weights[0]);
    const w = nested
      ? expectArray(l.weights, `${at}.weights`, nIn, nIn).flatMap((row, i) => Array.from(expectNumbers(row, `${at}.weights[${i}]`, nOut)))
      : Array.from(expectNumbers(l.weights, `${at}.weights`, nIn * nOut));
    return atPath(at, () => denseLayer(
      nIn, nOut, w, Array.from(expectNumbers(l.bias, `${at}.bias`, nOut)),
      l.activation === undefined ? "linear" : expectString(l.activation, `${at}.activation`, ACTIVATIONS),
      {
        weight: optFormat(l.weightFormat, `${at}.weightFormat`), bias: optFormat(l.biasFormat, `${at}.biasFormat`), accum: optFormat(l.accumFormat, `${at}.accumFormat`),
        result: optFormat(l.resultFormat, `${at}.resultFormat`), alpha: optFormat(l.alphaFormat, `${at}.alphaFormat`),
      },
      l.alpha === undefined ? 0.3 : expectNumber(l.alpha, `${at}.alpha`),
      {
        weightRounding: l.weightRounding === undefined ? topRounding : expectString(l.weightRounding, `${at}.weightRounding`, rounding),
        activationFormat: optFormat(l.activationFormat, `${at}.activationFormat`),
        reuseFactor: l.reuseFactor === undefined ? undefined : expectInt(l.reuseFactor, `${at}.reuseFactor`, 1, nIn * nOut),
        tableSize: l.tableSize === undefined ? undefined : expectInt(l.tableSize, `${at}.tableSize`, 2, 1 << 20),
        tableFormat: optFormat(l.tableFormat, `${at}.tableFormat`),
      },
    ));
  });
  return atPath("network", () => new DenseNetModel({
    kind, nFeatures, layers,
    normalisation: normalisationFromJSON(json.normalisation, nFeatures, "network.normalisation"),
    inputFormat: toFixedFormat(json.inputFormat ?? DEFAULT_NN_INPUT, "network.inputFormat"),
    outputFormat: toFixedFormat(json.outputFormat ?? DEFAULT_NN_OUTPUT, "network.outputFormat"),
  }));
}
