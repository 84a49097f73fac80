/**
 * Tukey ladder of powers per feature, for the GMM: y = T_λ(clamp(x + shift, floor)), with
 * T_λ(v) = v^λ (λ > 0), log v (λ = 0), −v^λ (λ < 0), so every rung is increasing in x.
 *
 * λ is chosen per feature from a ladder (default −2, −1, −½, 0, ½, 1, 2) by maximising the
 * Shapiro–Wilk W of the transformed training values, W from Royston's approximation (AS R94, the
 * algorithm behind scipy.stats.shapiro) — a real normality test rather than a proxy, and cheap.
 *
 * Zeros: a zero-filled slot means "object absent", not "a very soft object", so exact zeros are
 * left out when λ is chosen (a spike of absent objects would otherwise dominate W). `shift` makes
 * the non-zero training values positive (0 when they already are, as pT is), and `floor` is the
 * smallest shifted non-zero training value: clamping to it keeps every input, zeros and values
 * never seen in training included, away from log 0 and the poles of negative powers. A zero pT
 * therefore maps to the image of the softest object seen (absent stays at the bottom, the order is
 * kept); for a feature taking both signs (η) zero lies inside the range and is an ordinary value.
 */
import { expectArray, expectNumber, expectNumbers, expectObject, fail } from "./validate.js";
import { pToZ } from "../stats/pvalues.js";

export const DEFAULT_TUKEY_LADDER: readonly number[] = [-2, -1, -0.5, 0, 0.5, 1, 2];

/** Shapiro–Wilk is defined for 3 ≤ n ≤ 5000 (Royston 1995); larger samples are thinned to this many order statistics. */
export const SHAPIRO_MAX_N = 5000;
/** Features with fewer non-zero training values keep λ = 1 (no evidence to choose a power). */
export const TUKEY_MIN_VALUES = 20;

export interface TukeyTransform {
  lambda: Float64Array;
  shift: Float64Array;
  floor: Float64Array;
  /** Shapiro–Wilk W of the chosen λ on the training values (NaN where the feature was not fitted); diagnostic only. */
  w: Float64Array;
}

/** One rung of the ladder; v must be > 0. */
export function tukeyPower(v: number, lambda: number): number {
  if (lambda === 0) return Math.log(v);
  return lambda > 0 ? v ** lambda : -(v ** lambda);
}

/** y for feature j of a raw (physical) value x. */
export function tukeyValue(t: TukeyTransform, x: number, j: number): number {
  const lambda = t.lambda[j];
  if (lambda === 1) return x; // identity rung: no shift, no clamp
  const v = x + t.shift[j];
  return tukeyPower(v > t.floor[j] ? v : t.floor[j], lambda); // NaN stays NaN through the comparison
}

/** Transform then standardise n rows: z = (T(x) − offset) × scale, in float64. */
export function tukeyNormaliseRows(t: TukeyTransform, norm: { offset: Float64Array; scale: Float64Array }, features: ArrayLike<number>, n: number): Float64Array {
  const d = t.lambda.length;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (tukeyValue(t, features[i * d + j], j) - norm.offset[j]) * norm.scale[j];
  }
  return out;
}

// ---------------------------------------------------------------- Shapiro–Wilk

/** Φ⁻¹(q) (Acklam's approximation, relative error ~1e-9). */
function normalQuantile(q: number): number {
  return pToZ(1 - q);
}

const C1 = [0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
const C2 = [0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];
const poly = (c: number[], x: number) => c.reduceRight((acc, k) => acc * x + k, 0);

const coefCache = new Map<number, Float64Array>();
/** Royston's (1992, AS R94) approximation of the Shapiro–Wilk coefficients a_1..a_n (antisymmetric). */
export function shapiroCoefficients(n: number): Float64Array {
  const hit = coefCache.get(n);
  if (hit) return hit;
  const a = new Float64Array(n);
  if (n === 3) {
    a[0] = -Math.SQRT1_2;
    a[2] = Math.SQRT1_2;
  } else {
    const m = new Float64Array(n);
    let mm = 0;
    for (let i = 0; i < n; i++) {
      m[i] = normalQuantile((i + 1 - 0.375) / (n + 0.25));
      mm += m[i] * m[i];
    }
    const u = 1 / Math.sqrt(n);
    const an = m[n - 1] / Math.sqrt(mm) + poly(C1, u);
    let phi: number, first: number;
    if (n > 5) {
      const an1 = m[n - 2] / Math.sqrt(mm) + poly(C2, u);
      phi = (mm - 2 * m[n - 1] ** 2 - 2 * m[n - 2] ** 2) / (1 - 2 * an * an - 2 * an1 * an1);
      a[n - 2] = an1;
      a[1] = -an1;
      first = 2;
    } else {
      phi = (mm - 2 * m[n - 1] ** 2) / (1 - 2 * an * an);
      first = 1;
    }
    a[n - 1] = an;
    a[0] = -an;
    for (let i = first; i < n - first; i++) a[i] = m[i] / Math.sqrt(phi);
  }
  coefCache.set(n, a);
  return a;
}

/** Shapiro–Wilk W of a sample sorted ascending (3 ≤ n ≤ 5000); NaN for a constant sample. */
export function shapiroWilkSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n < 3 || n > SHAPIRO_MAX_N) throw new RangeError(`Shapiro–Wilk needs 3 ≤ n ≤ ${SHAPIRO_MAX_N} values, got ${n}`);
  const a = shapiroCoefficients(n);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += sorted[i];
  mean /= n;
  let ss = 0, num = 0;
  for (let i = 0; i < n; i++) {
    ss += (sorted[i] - mean) ** 2;
    num += a[i] * sorted[i];
  }
  if (!(ss > 0)) return NaN;
  return Math.min(1, (num * num) / ss);
}

/** Shapiro–Wilk W of any sample (sorted copy; thinned to 5000 evenly spaced order statistics if larger). */
export function shapiroWilk(values: ArrayLike<number>): number {
  return shapiroWilkSorted(thinSorted(Float64Array.from(values).sort()));
}

function thinSorted(sorted: Float64Array): Float64Array {
  const n = sorted.length;
  if (n <= SHAPIRO_MAX_N) return sorted;
  return Float64Array.from({ length: SHAPIRO_MAX_N }, (_, k) => sorted[Math.round((k * (n - 1)) / (SHAPIRO_MAX_N - 1))]);
}

// ---------------------------------------------------------------- fitting

export interface TukeyOptions {
  ladder?: readonly number[];
}

/** Check a ladder: finite, distinct powers in [−4, 4], at least one. */
export function checkLadder(ladder: readonly number[]): void {
  if (!Array.isArray(ladder) || ladder.length === 0) throw new RangeError("tukey: the ladder needs at least one power");
  for (const l of ladder) {
    if (typeof l !== "number" || !Number.isFinite(l) || Math.abs(l) > 4) throw new RangeError(`tukey: ladder powers must be finite numbers in [-4, 4], got ${l}`);
  }
  if (new Set(ladder).size !== ladder.length) throw new RangeError("tukey: ladder powers must be distinct");
}

/**
 * Choose λ per feature on n rows of physical features. Ties in W (within 1e-12) go to the power
 * nearest 1, so a feature no rung improves stays untransformed.
 */
export function fitTukey(features: ArrayLike<number>, n: number, nFeatures: number, options: TukeyOptions = {}): TukeyTransform {
  const ladder = [...(options.ladder ?? DEFAULT_TUKEY_LADDER)];
  checkLadder(ladder);
  ladder.sort((p, q) => Math.abs(p - 1) - Math.abs(q - 1) || q - p); // nearest 1 first: wins ties
  const t: TukeyTransform = {
    lambda: new Float64Array(nFeatures).fill(1), shift: new Float64Array(nFeatures), floor: new Float64Array(nFeatures), w: new Float64Array(nFeatures).fill(NaN),
  };
  for (let j = 0; j < nFeatures; j++) {
    const nz: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = features[i * nFeatures + j];
      if (x !== 0 && Number.isFinite(x)) nz.push(x);
    }
    if (nz.length < TUKEY_MIN_VALUES) continue;
    const sorted = thinSorted(Float64Array.from(nz).sort());
    const lo = sorted[0], hi = sorted[sorted.length - 1];
    if (!(hi > lo)) continue;
    // Non-positive values: shift so the smallest sits 1 % of the range above zero.
    const shift = lo > 0 ? 0 : -lo + 0.01 * (hi - lo);
    const y = new Float64Array(sorted.length);
    let best = -Infinity, bestLambda = 1;
    for (const lambda of ladder) {
      for (let k = 0; k < sorted.length; k++) y[k] = tukeyPower(sorted[k] + shift, lambda);
      // T_λ is increasing, so y is still sorted (up to ties from rounding, which W does not care about).
      const w = shapiroWilkSorted(y);
      if (w > best + 1e-12) {
        best = w;
        bestLambda = lambda;
      }
    }
    if (!Number.isFinite(best)) continue;
    t.lambda[j] = bestLambda;
    t.w[j] = best;
    if (bestLambda !== 1) {
      t.shift[j] = shift;
      t.floor[j] = lo + shift;
    }
  }
  return t;
}

/** Apply to n rows of physical features (float64 out). */
export function applyTukey(t: TukeyTransform, features: ArrayLike<number>, n: number): Float64Array {
  const d = t.lambda.length;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) out[i] = tukeyValue(t, features[i], i % d);
  return out;
}

export function tukeyToJSON(t: TukeyTransform): Record<string, unknown> {
  return { lambda: Array.from(t.lambda), shift: Array.from(t.shift), floor: Array.from(t.floor), w: Array.from(t.w, (v) => (Number.isFinite(v) ? v : null)) };
}

/** Read the `tukey` block of a model JSON strictly; every bad value is one ModelFieldError under `path`. */
export function tukeyFromJSON(json: unknown, nFeatures: number, path = "tukey"): TukeyTransform {
  const o = expectObject(json, path, ["lambda", "shift", "floor", "w"]);
  const lambda = expectNumbers(o.lambda, `${path}.lambda`, nFeatures);
  lambda.forEach((l, j) => expectNumber(l, `${path}.lambda[${j}]`, -4, 4));
  const shift = expectNumbers(o.shift, `${path}.shift`, nFeatures);
  const floor = expectNumbers(o.floor, `${path}.floor`, nFeatures);
  for (let j = 0; j < nFeatures; j++) {
    if (lambda[j] !== 1 && !(floor[j] > 0)) fail(`${path}.floor[${j}]`, `must be > 0 for a feature with λ ≠ 1, got ${floor[j]}`);
  }
  const w = new Float64Array(nFeatures).fill(NaN);
  if (o.w !== undefined) {
    // null: the fit found no power for that feature (tukeyToJSON writes NaN as null).
    const a = expectArray(o.w, `${path}.w`, nFeatures, nFeatures);
    a.forEach((v, j) => (w[j] = v === null ? NaN : expectNumber(v, `${path}.w[${j}]`)));
  }
  return { lambda, shift, floor, w };
}
