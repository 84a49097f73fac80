/**
 * Normalise-and-quantise of feature rows, the per-orbit hot path in front of every fixed-point
 * model: z = (x − offset) × scale, then `ap_fixed(double)` of z in the model's input format.
 *
 * `quantizeRows` gives exactly the bits of `quantize` in fixed.ts (the general reference, which
 * `quantizeRowsReference` keeps) but hoists everything that depends only on the format out of the
 * loop: 2^F, the saturation bounds and the rounding mode as a small integer. Values whose scaled
 * magnitude reaches 2^52 (or NaN/±∞) take the general path, so the fast path only ever sees
 * |y| < 2^52 where Math.floor and y − floor(y) are exact — except y in (−0.5, 0) (1 + y rounds:
 * −0.5 + 2^−54 would look like a tie) and a y that underflowed to 0, which take the general path too.
 */
import { assertFitsInt32, fracBits, overflowRaw, QUANT_MODES, quantize, rawMax, rawMin, type FixedFormat } from "./fixed.js";
import type { Normalisation } from "./normalise.js";

const EXACT_LIMIT = 2 ** 52;

/** Per-format constants of the fast path (everything the inner loop would otherwise recompute). */
interface RowQuantizer {
  pow: number;
  quant: number;
  wrap: boolean;
  /** In-range raws are [inLo, hi]; below → belowRaw, above → aboveRaw (saturating modes). */
  inLo: number;
  hi: number;
  belowRaw: number;
  aboveRaw: number;
}

function rowQuantizer(f: FixedFormat): RowQuantizer {
  const lo = f.signed ? -(2 ** (f.width - 1)) : 0;
  const hi = rawMax(f);
  // overflowRaw: AP_SAT_SYM on a signed format maps everything ≤ lo (lo included) to lo + 1.
  const inLo = rawMin(f);
  const zero = f.overflow === "SAT_ZERO";
  return {
    pow: 2 ** fracBits(f), quant: QUANT_MODES.indexOf(f.quant), wrap: f.overflow === "WRAP" || f.overflow === "WRAP_SM",
    inLo, hi, belowRaw: zero ? 0 : inLo, aboveRaw: zero ? 0 : hi,
  };
}

/** quantization_adjust increment, modes indexed as QUANT_MODES (same table as roundUp in fixed.ts). */
function roundUpCode(quant: number, fl: number, rem: number, neg: boolean): number {
  const qb = rem >= 0.5;
  const r = rem !== 0 && rem !== 0.5;
  switch (quant) {
    case 0: return 0; // TRN
    case 1: return neg && (qb || r) ? 1 : 0; // TRN_ZERO
    case 2: return qb ? 1 : 0; // RND
    case 3: return qb && (neg || r) ? 1 : 0; // RND_ZERO
    case 4: return qb && r ? 1 : 0; // RND_MIN_INF
    case 5: return qb && (!neg || r) ? 1 : 0; // RND_INF
    default: return qb && (fl % 2 !== 0 || r) ? 1 : 0; // RND_CONV
  }
}

/** Normalise and quantise n rows into raw input bits (bit-identical to `quantizeRowsReference`). */
export function quantizeRows(norm: Normalisation, format: FixedFormat, features: Float32Array, n: number, out = new Int32Array(n * norm.scale.length)): Int32Array {
  assertFitsInt32(format, "quantizeRows");
  const d = norm.scale.length;
  const { scale, offset } = norm;
  const { pow, quant, wrap, inLo, hi, belowRaw, aboveRaw } = rowQuantizer(format);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    for (let j = 0; j < d; j++) {
      const v = (features[base + j] - offset[j]) * scale[j];
      const y = v * pow;
      if (!(y > -EXACT_LIMIT && y < EXACT_LIMIT) || (y < 0 && y > -0.5) || (y === 0 && v !== 0)) {
        out[base + j] = quantize(v, format); // NaN, ±∞, huge, inexact remainders: the general path
        continue;
      }
      const fl = Math.floor(y);
      const q = fl + roundUpCode(quant, fl, y - fl, v < 0);
      if (q >= inLo && q <= hi) out[base + j] = q;
      else if (wrap) out[base + j] = overflowRaw(q, format, fl);
      else out[base + j] = q < inLo ? belowRaw : aboveRaw;
    }
  }
  return out;
}

/** The general per-value path (fixed.ts `quantize` on each normalised value): the reference for tests and benches. */
export function quantizeRowsReference(norm: Normalisation, format: FixedFormat, features: Float32Array, n: number): Int32Array {
  const d = norm.scale.length;
  const out = new Int32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = quantize((features[i * d + j] - norm.offset[j]) * norm.scale[j], format);
  }
  return out;
}
