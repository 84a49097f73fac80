/**
 * Gaussian-mixture anomaly model: K components fitted by EM on background (diagonal or full
 * covariance, `regCovar` added to every variance as sklearn's `GaussianMixture` does), score =
 * −log p(x). There is no firmware design for it: the fixed-point output is the float score
 * quantised to `outputFormat` (stated in docs/models.md), so board and software still compare bits.
 * An optional per-feature Tukey ladder-of-powers transform (tukey.ts) runs before the normalisation.
 */
import { MODEL_LIMITS, atPath, expectArray, expectInt, expectModelHeader, expectNumbers, expectObject, expectString, fail } from "./validate.js";
import { formatFixed, quantize, rawArrayToValues, toFixedFormat, type FixedFormat } from "./fixed.js";
import { seededRandom } from "./iforest.js";
import { checkRows, modelId, type ScoringModel } from "./model.js";
import { normalisationFromJSON, normalisationToJSON, normaliseRows, quantizeRows, standardisation, type Normalisation } from "./normalise.js";
import { applyTukey, fitTukey, tukeyFromJSON, tukeyNormaliseRows, tukeyToJSON, type TukeyOptions, type TukeyTransform } from "./tukey.js";

export const DEFAULT_GMM_INPUT = "ap_fixed<24,12,AP_RND_CONV,AP_SAT>";
export const DEFAULT_GMM_OUTPUT = "ap_fixed<32,26,AP_RND_CONV,AP_SAT>";

export interface GmmSpec {
  nFeatures: number;
  covariance: "diag" | "full";
  weights: Float64Array; // K
  means: Float64Array; // K × d
  /** diag: K × d variances; full: K × d × d lower Cholesky factors of the covariances. */
  cov: Float64Array;
  /** Optional per-feature Tukey ladder-of-powers transform, applied to physical features before `normalisation`. */
  tukey?: TukeyTransform;
  normalisation: Normalisation;
  inputFormat: FixedFormat;
  outputFormat: FixedFormat;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Cholesky factor of a symmetric positive-definite d×d matrix (row-major), or null. */
function cholesky(a: Float64Array, d: number): Float64Array | null {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j];
    }
  }
  return l;
}

export class GmmModel implements ScoringModel {
  readonly kind = "gmm" as const;
  readonly id: string;
  readonly inputFormat: FixedFormat;
  readonly outputFormat: FixedFormat;
  readonly nFeatures: number;
  readonly spec: GmmSpec;
  private readonly logNorm: Float64Array; // per component: log w − ½(d log 2π + log|Σ|)

  constructor(spec: GmmSpec) {
    const K = spec.weights.length, d = spec.nFeatures;
    if (spec.tukey && spec.tukey.lambda.length !== spec.nFeatures) throw new RangeError("gmm: the Tukey transform has the wrong number of features");
    if (K < 1 || spec.means.length !== K * d || spec.cov.length !== (spec.covariance === "diag" ? K * d : K * d * d)) {
      throw new RangeError("gmm: weights, means and covariances have inconsistent sizes");
    }
    this.spec = spec;
    this.nFeatures = d;
    this.inputFormat = spec.inputFormat;
    this.outputFormat = spec.outputFormat;
    this.logNorm = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      let logDet = 0;
      for (let j = 0; j < d; j++) {
        const v = spec.covariance === "diag" ? spec.cov[k * d + j] : spec.cov[k * d * d + j * d + j];
        if (!(v > 0) || !(spec.weights[k] > 0)) throw new RangeError(`gmm: component ${k} has a non-positive weight or variance`);
        logDet += spec.covariance === "diag" ? Math.log(v) : 2 * Math.log(v);
      }
      this.logNorm[k] = Math.log(spec.weights[k]) - 0.5 * (d * LOG_2PI + logDet);
    }
    this.id = modelId(this.toJSON());
  }

  /** Per-component log densities of normalised rows (n × K). */
  componentLogPdf(z: Float64Array, n: number, out = new Float64Array(n * this.spec.weights.length)): Float64Array {
    const { covariance, means, cov } = this.spec;
    const K = this.spec.weights.length, d = this.nFeatures;
    const y = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        let m2 = 0;
        if (covariance === "diag") {
          for (let j = 0; j < d; j++) {
            const t = z[i * d + j] - means[k * d + j];
            m2 += (t * t) / cov[k * d + j];
          }
        } else {
          // Solve L y = (x − μ); Mahalanobis² = |y|².
          const L = k * d * d;
          for (let j = 0; j < d; j++) {
            let s = z[i * d + j] - means[k * d + j];
            for (let q = 0; q < j; q++) s -= cov[L + j * d + q] * y[q];
            y[j] = s / cov[L + j * d + j];
            m2 += y[j] * y[j];
          }
        }
        out[i * K + k] = this.logNorm[k] - 0.5 * m2;
      }
    }
    return out;
  }

  private scoreNormalised(z: Float64Array, n: number): Float64Array {
    const K = this.spec.weights.length;
    const lp = this.componentLogPdf(z, n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, lp[i * K + k]);
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(lp[i * K + k] - mx);
      out[i] = -(mx + Math.log(s));
    }
    return out;
  }

  /** Model inputs in float64: Tukey transform (if any), then the normalisation. */
  private normalisedInputs(features: Float32Array, n: number): Float64Array {
    const { tukey, normalisation } = this.spec;
    return tukey ? tukeyNormaliseRows(tukey, normalisation, features, n) : normaliseRows(normalisation, features, n);
  }

  scoreFloat(features: Float32Array, n: number): Float64Array {
    checkRows(features, n, this.nFeatures, "scoreFloat");
    return this.scoreNormalised(this.normalisedInputs(features, n), n);
  }

  quantizeInputs(features: Float32Array, n: number): Int32Array {
    checkRows(features, n, this.nFeatures, "quantizeInputs");
    if (!this.spec.tukey) return quantizeRows(this.spec.normalisation, this.inputFormat, features, n);
    // The transform runs on the host before quantisation, like the normalisation it precedes.
    const z = this.normalisedInputs(features, n);
    return Int32Array.from(z, (v) => quantize(v, this.inputFormat));
  }

  /** −log p of the quantised inputs, quantised to the output format (no firmware design exists). */
  scoreFixedRaw(rawInputs: Int32Array, n: number): Int32Array {
    checkRows(rawInputs, n, this.nFeatures, "scoreFixedRaw");
    const s = this.scoreNormalised(rawArrayToValues(rawInputs.subarray(0, n * this.nFeatures), this.inputFormat), n);
    return Int32Array.from(s, (v) => quantize(v, this.outputFormat));
  }

  toJSON(): Record<string, unknown> {
    const s = this.spec;
    return {
      format: "scoutloop-model", version: 1, kind: "gmm", nFeatures: s.nFeatures, covariance: s.covariance,
      ...(s.tukey ? { tukey: tukeyToJSON(s.tukey) } : {}),
      normalisation: normalisationToJSON(s.normalisation), inputFormat: formatFixed(s.inputFormat), outputFormat: formatFixed(s.outputFormat),
      weights: Array.from(s.weights), means: Array.from(s.means), cov: Array.from(s.cov),
    };
  }
}

export interface GmmTrainOptions {
  components?: number;
  covariance?: "diag" | "full";
  iterations?: number;
  seed?: number;
  regCovar?: number;
  /** Fit a Tukey ladder-of-powers transform per feature first (true: the default ladder). */
  tukey?: boolean | TukeyOptions;
  /** Applied after the Tukey transform, when there is one. */
  normalisation?: Normalisation;
  inputFormat?: string | FixedFormat;
  outputFormat?: string | FixedFormat;
}

/**
 * Fit by EM on n rows; features are Tukey-transformed first when asked, then standardised unless
 * a normalisation is given.
 */
export function trainGmm(features: Float32Array, n: number, nFeatures: number, options: GmmTrainOptions = {}): GmmModel {
  checkRows(features, n, nFeatures, "trainGmm");
  const K = options.components ?? 4;
  const d = nFeatures;
  const full = (options.covariance ?? "diag") === "full";
  const reg = options.regCovar ?? 1e-3;
  if (!Number.isInteger(K) || K < 1 || K > 256 || n < K) throw new RangeError(`gmm: need 1 ≤ K ≤ 256 components and at least K rows (K = ${K}, n = ${n})`);
  const tukey = options.tukey ? fitTukey(features, n, d, options.tukey === true ? {} : options.tukey) : undefined;
  // Standardisation is fitted on the transformed values (float32 is plenty for a mean and a spread).
  const norm = options.normalisation ?? (tukey ? standardisation(Float32Array.from(applyTukey(tukey, features, n)), n, d) : standardisation(features, n, d));
  const z = tukey ? tukeyNormaliseRows(tukey, norm, features, n) : normaliseRows(norm, features, n);
  const rand = seededRandom(options.seed ?? 1);
  const weights = new Float64Array(K).fill(1 / K);
  const means = new Float64Array(K * d);
  for (let k = 0; k < K; k++) {
    const row = Math.floor(rand() * n); // start each component on a random training row
    means.set(z.subarray(row * d, row * d + d), k * d);
  }
  let cov = new Float64Array(full ? K * d * d : K * d);
  for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) cov[full ? k * d * d + j * d + j : k * d + j] = 1;
  const resp = new Float64Array(n * K);
  const iterations = options.iterations ?? 30;
  const formats = { inputFormat: toFixedFormat(options.inputFormat ?? DEFAULT_GMM_INPUT, "inputFormat"), outputFormat: toFixedFormat(options.outputFormat ?? DEFAULT_GMM_OUTPUT, "outputFormat") };
  let model = new GmmModel({ nFeatures: d, covariance: full ? "full" : "diag", weights, means, cov, tukey, normalisation: norm, ...formats });
  for (let it = 0; it < iterations; it++) {
    // E step: responsibilities.
    model.componentLogPdf(z, n, resp);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, resp[i * K + k]);
      let s = 0;
      for (let k = 0; k < K; k++) s += (resp[i * K + k] = Math.exp(resp[i * K + k] - mx));
      for (let k = 0; k < K; k++) resp[i * K + k] /= s;
    }
    // M step.
    const w = new Float64Array(K), mu = new Float64Array(K * d);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) {
      const r = resp[i * K + k];
      w[k] += r;
      for (let j = 0; j < d; j++) mu[k * d + j] += r * z[i * d + j];
    }
    cov = new Float64Array(full ? K * d * d : K * d);
    for (let k = 0; k < K; k++) {
      const nk = Math.max(w[k], 1e-10);
      for (let j = 0; j < d; j++) mu[k * d + j] /= nk;
      if (full) {
        const c = new Float64Array(d * d);
        for (let i = 0; i < n; i++) {
          const r = resp[i * K + k];
          if (r < 1e-12) continue;
          for (let a = 0; a < d; a++) {
            const ta = z[i * d + a] - mu[k * d + a];
            for (let b = 0; b <= a; b++) c[a * d + b] += r * ta * (z[i * d + b] - mu[k * d + b]);
          }
        }
        for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) c[b * d + a] = c[a * d + b] = c[a * d + b] / nk + (a === b ? reg : 0);
        const l = cholesky(c, d);
        if (!l) throw new Error(`gmm: covariance of component ${k} is not positive definite (raise regCovar)`);
        cov.set(l, k * d * d);
      } else {
        for (let i = 0; i < n; i++) {
          const r = resp[i * K + k];
          for (let j = 0; j < d; j++) cov[k * d + j] += r * (z[i * d + j] - mu[k * d + j]) ** 2;
        }
        for (let j = 0; j < d; j++) cov[k * d + j] = cov[k * d + j] / nk + reg;
      }
      w[k] = Math.max(w[k] / n, 1e-12);
    }
    model = new GmmModel({ nFeatures: d, covariance: full ? "full" : "diag", weights: w, means: mu, cov, tukey, normalisation: norm, ...formats });
  }
  return model;
}

/** Fields of our GMM JSON (anything else is refused, so a typo is not silently ignored). */
const GMM_FIELDS = ["format", "version", "kind", "nFeatures", "covariance", "tukey", "normalisation", "inputFormat", "outputFormat", "weights", "means", "cov"] as const;

/** Read our GMM JSON (docs/models.md): every field checked with its path, no coercion, sizes bounded before they are read. */
export function gmmFromJSON(json: Record<string, unknown>): GmmModel {
  const o = expectObject(json, "gmm", GMM_FIELDS);
  expectModelHeader(o, "gmm");
  const d = expectInt(o.nFeatures, "gmm.nFeatures", 1, MODEL_LIMITS.features);
  const covariance = expectString(o.covariance, "gmm.covariance", ["diag", "full"] as const);
  const K = expectArray(o.weights, "gmm.weights", 1, MODEL_LIMITS.components).length;
  // Every count is bounded before the arrays it sizes are read (K·d² covariances at most).
  const nCov = K * d * (covariance === "full" ? d : 1);
  if (nCov > MODEL_LIMITS.weights) fail("gmm.cov", `${K} components × ${d} features need ${nCov} covariance entries, more than ${MODEL_LIMITS.weights}`);
  const weights = expectNumbers(o.weights, "gmm.weights", K);
  weights.forEach((w, k) => { if (!(w > 0)) fail(`gmm.weights[${k}]`, `a component weight must be > 0, got ${w}`); });
  const cov = expectNumbers(o.cov, "gmm.cov", nCov);
  // The variances (diag) or the Cholesky factors' diagonals (full) are logged and divided by.
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < d; j++) {
      const at = covariance === "diag" ? k * d + j : k * d * d + j * d + j;
      if (!(cov[at] > 0)) fail(`gmm.cov[${at}]`, `${covariance === "diag" ? "a variance" : "a Cholesky diagonal entry"} must be > 0, got ${cov[at]}`);
    }
  }
  return atPath("gmm", () => new GmmModel({
    nFeatures: d, covariance, weights,
    means: expectNumbers(o.means, "gmm.means", K * d),
    cov,
    tukey: o.tukey === undefined ? undefined : tukeyFromJSON(o.tukey, d, "gmm.tukey"),
    normalisation: normalisationFromJSON(o.normalisation, d, "gmm.normalisation"),
    inputFormat: toFixedFormat(o.inputFormat ?? DEFAULT_GMM_INPUT, "gmm.inputFormat"),
    outputFormat: toFixedFormat(o.outputFormat ?? DEFAULT_GMM_OUTPUT, "gmm.outputFormat"),
  }));
}
