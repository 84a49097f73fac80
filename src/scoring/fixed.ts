/**
 * `ap_fixed<W,I,Q,O>` / `ap_ufixed<W,I,Q,O>` arithmetic, bit for bit as Vivado HLS does it.
 *
 * Semantics from the Xilinx headers shipped in hls4ml (`templates/vivado/ap_types/ap_decl.h`,
 * `ap_fixed_base.h`): W total bits, I integer bits (incl. sign), LSB = 2^-(W−I). A conversion
 * first quantises (`quantization_adjust`: start from the floor, then add one LSB depending on
 * qb = first dropped bit, r = any lower dropped bit set, s = source sign), then handles overflow
 * on the rounded value (`overflow_adjust`). AP_SAT_SYM also maps the exact most negative value of
 * a signed result to −max (the `underflow |= ...` line of `operator=`).
 *
 * Raw bits are plain integers held in JS numbers (exact to 2^53), so every width up to 48 bits is
 * exact; formats stored in an Int32Array must fit 32 bits (checked by `assertFitsInt32`).
 */
import { ModelFieldError, expectBool, expectInt, expectObject, expectString, fail } from "./validate.js";

export type QuantMode = "TRN" | "TRN_ZERO" | "RND" | "RND_ZERO" | "RND_MIN_INF" | "RND_INF" | "RND_CONV";
export type OverflowMode = "WRAP" | "SAT" | "SAT_ZERO" | "SAT_SYM" | "WRAP_SM";

export const QUANT_MODES: readonly QuantMode[] = ["TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_MIN_INF", "RND_INF", "RND_CONV"];
export const OVERFLOW_MODES: readonly OverflowMode[] = ["WRAP", "SAT", "SAT_ZERO", "SAT_SYM", "WRAP_SM"];

export interface FixedFormat {
  /** Total bits W. */
  width: number;
  /** Integer bits I, including the sign bit for signed formats. */
  int: number;
  signed: boolean;
  quant: QuantMode;
  overflow: OverflowMode;
}

/** Widest format we emulate exactly (products of two such raws still fit the 2^53 of a double). */
export const MAX_FIXED_WIDTH = 48;

/** Number of fractional bits F = W − I (may be negative or exceed W, as in HLS). */
export function fracBits(f: FixedFormat): number {
  return f.width - f.int;
}

/** Build a format, checking its fields. */
export function fixedFormat(width: number, int: number, signed = true, quant: QuantMode = "TRN", overflow: OverflowMode = "WRAP"): FixedFormat {
  const f = { width, int, signed, quant, overflow };
  validateFixed(f);
  return f;
}

export function validateFixed(f: FixedFormat): void {
  if (!Number.isInteger(f.width) || f.width < 1 || f.width > MAX_FIXED_WIDTH) {
    throw new RangeError(`fixed-point width must be an integer in [1, ${MAX_FIXED_WIDTH}], got ${f.width}`);
  }
  if (!Number.isInteger(f.int) || Math.abs(f.int) > 64 + f.width) throw new RangeError(`fixed-point integer bits out of range: ${f.int}`);
  if (!QUANT_MODES.includes(f.quant)) throw new RangeError(`unknown quantisation mode "${f.quant}"`);
  if (!OVERFLOW_MODES.includes(f.overflow)) throw new RangeError(`unknown overflow mode "${f.overflow}"`);
  if (typeof f.signed !== "boolean") throw new RangeError("fixed-point format needs a boolean `signed`");
  // The header refuses it too (`report()`: "ap_ufixed<...> cannot support AP_WRAP_SM").
  if (f.overflow === "WRAP_SM" && !f.signed) throw new RangeError("AP_WRAP_SM needs a signed format (ap_ufixed cannot use it)");
}

/** Parse `ap_fixed<18,13,AP_RND_CONV,AP_SAT>`, `ap_ufixed<10,7>`, `ap_int<8>`, `ap_uint<4>` or hls4ml's `fixed<16,6>`. */
export function parseFixed(spec: string): FixedFormat {
  const m = /^\s*(ap_fixed|ap_ufixed|fixed|ufixed|ap_int|ap_uint)\s*<([^>]*)>\s*$/.exec(spec);
  if (!m) throw new SyntaxError(`not a fixed-point type: "${spec}" (expected e.g. ap_fixed<18,13,AP_RND_CONV,AP_SAT>)`);
  const kind = m[1];
  const args = m[2].split(",").map((s) => s.trim());
  const signed = !kind.includes("u");
  const isInt = kind === "ap_int" || kind === "ap_uint";
  const num = (s: string | undefined, what: string): number => {
    if (s === undefined || !/^-?\d+$/.test(s)) throw new SyntaxError(`bad ${what} in "${spec}"`);
    return Number(s);
  };
  const width = num(args[0], "width");
  if (isInt) {
    if (args.length !== 1) throw new SyntaxError(`"${spec}": ${kind} takes one argument`);
    const f = { width, int: width, signed, quant: "TRN" as QuantMode, overflow: "WRAP" as OverflowMode };
    validateFixed(f);
    return f;
  }
  if (args.length < 2 || args.length > 5) throw new SyntaxError(`"${spec}": expected 2 to 5 template arguments`);
  const int = num(args[1], "integer bits");
  const mode = <T extends string>(s: string | undefined, allowed: readonly T[], dflt: T, what: string): T => {
    if (s === undefined) return dflt;
    const name = s.replace(/^AP_/, "");
    if (!(allowed as readonly string[]).includes(name)) throw new SyntaxError(`"${spec}": unsupported ${what} mode ${s}`);
    return name as T;
  };
  const quant = mode(args[2], QUANT_MODES, "TRN", "quantisation");
  const overflow = mode(args[3], OVERFLOW_MODES, "WRAP", "overflow");
  if (args[4] !== undefined && num(args[4], "saturation bits") !== 0) throw new SyntaxError(`"${spec}": saturation bits N > 0 are not supported`);
  const f = { width, int, signed, quant, overflow };
  validateFixed(f);
  return f;
}

/** Canonical spelling, e.g. `ap_fixed<18,13,AP_RND_CONV,AP_SAT>` (modes always written out). */
export function formatFixed(f: FixedFormat): string {
  return `${f.signed ? "ap_fixed" : "ap_ufixed"}<${f.width},${f.int},AP_${f.quant},AP_${f.overflow}>`;
}

/**
 * Smallest raw value. AP_SAT_SYM makes it −max for signed formats — except a 1-bit one, where the
 * header's underflow value `1 << (W−1) | 1` is the single bit, i.e. −1 (as AP_SAT).
 */
export function rawMin(f: FixedFormat): number {
  if (!f.signed) return 0;
  return f.overflow === "SAT_SYM" && f.width > 1 ? -(2 ** (f.width - 1)) + 1 : -(2 ** (f.width - 1));
}

/** Largest raw value. */
export function rawMax(f: FixedFormat): number {
  return f.signed ? 2 ** (f.width - 1) - 1 : 2 ** f.width - 1;
}

/** Throw unless raw values of `f` can be stored in an Int32Array. */
export function assertFitsInt32(f: FixedFormat, what: string): void {
  if ((f.signed && f.width > 32) || (!f.signed && f.width > 31)) {
    throw new RangeError(`${what}: ${formatFixed(f)} does not fit 32-bit raw storage`);
  }
}

/**
 * The rounding increment of `quantization_adjust`: `floor` is the truncated value, `qb` the first
 * dropped bit, `r` whether any lower dropped bit is set, `neg` the source sign.
 */
function roundUp(mode: QuantMode, floor: number, qb: boolean, r: boolean, neg: boolean): number {
  switch (mode) {
    case "TRN": return 0;
    case "RND": return qb ? 1 : 0;
    case "RND_ZERO": return qb && (neg || r) ? 1 : 0;
    case "RND_MIN_INF": return qb && r ? 1 : 0;
    case "RND_INF": return qb && (!neg || r) ? 1 : 0;
    case "RND_CONV": return qb && ((floor % 2 !== 0) || r) ? 1 : 0;
    case "TRN_ZERO": return neg && (qb || r) ? 1 : 0;
  }
}

/** The low `bits` bits of an exact integer, as an unsigned value (exact for any double integer). */
function lowBits(q: number, bits: number): number {
  const m = 2 ** bits;
  const r = q % m;
  return r < 0 ? r + m : r + 0;
}

/**
 * Overflow handling of an exact (already quantised) integer `q` into `f`. `truncated` is the value
 * before the rounding increment: AP_WRAP_SM reads its bit W (the header's `lD`, taken from the
 * source before quantisation).
 */
export function overflowRaw(q: number, f: FixedFormat, truncated = q): number {
  q += 0; // −0 → +0: raw bits have no negative zero
  const lo = f.signed ? -(2 ** (f.width - 1)) : 0;
  const hi = rawMax(f);
  const symmetric = f.overflow === "SAT_SYM" && f.signed && f.width > 1;
  if (q >= lo && q <= hi && !(symmetric && q === lo)) return q;
  switch (f.overflow) {
    case "WRAP": {
      const r = lowBits(q, f.width);
      return f.signed && r > hi ? r - 2 ** f.width : r;
    }
    case "WRAP_SM": {
      // Sign-magnitude wrap (overflow_adjust, N = 0): when bit W of the source differs from the
      // kept MSB, invert the kept bits and put that bit in the MSB.
      const half = 2 ** (f.width - 1);
      let r = lowBits(q, f.width);
      const lD = lowBits(truncated, f.width + 1) >= 2 ** f.width;
      if (lD !== r >= half) r = ((2 ** f.width - 1 - r) % half) + (lD ? half : 0);
      return r > hi ? r - 2 ** f.width : r;
    }
    case "SAT_ZERO": return 0;
    case "SAT": return q > hi ? hi : lo;
    case "SAT_SYM": return q > hi ? hi : symmetric ? lo + 1 : lo;
  }
}

/** What the header makes of ±∞ and of NaN (read as (1.m)·2^1024 with its sign bit): a huge ±value. */
function hugeRaw(negative: boolean, f: FixedFormat): number {
  // The mantissa is shifted out entirely (WRAP, WRAP_SM: 0); SAT_ZERO gives 0 too.
  if (f.overflow === "SAT" || f.overflow === "SAT_SYM") return negative ? rawMin(f) : rawMax(f);
  return 0;
}

const signView = new Float64Array(1);
const signWords = new Uint32Array(signView.buffer);
/** The IEEE sign bit of a double, NaN included (little-endian word order, as on every Node target). */
function signBit(v: number): boolean {
  signView[0] = v;
  return signWords[1] >>> 31 === 1;
}

/**
 * The floor of y and the dropped fraction's first bit `qb` and sticky bit `r`, exactly. y − floor(y)
 * is not always exact (−0.5 + 2^−54 would give 0.5: a tie where there is none), y − trunc(y) is.
 */
export function splitFraction(y: number): { floor: number; qb: boolean; r: boolean } {
  const t = Math.trunc(y);
  const d = y - t; // exact, same sign as y, |d| < 1
  if (d >= 0) return { floor: t + 0, qb: d >= 0.5, r: d !== 0 && d !== 0.5 };
  return { floor: t - 1, qb: d >= -0.5, r: d !== -0.5 }; // two's complement fraction 1 + d
}

/**
 * Raw bits of a real number converted to `f`, as the header's `ap_fixed_base(double)` does: exact
 * quantisation of the double (a value whose scaled copy underflows keeps its sign: a tiny negative
 * floors to −1), NaN as ±huge by its sign bit (saturates under SAT/SAT_SYM, 0 otherwise), ±∞ alike.
 */
export function quantize(value: number, f: FixedFormat): number {
  if (Number.isNaN(value)) return hugeRaw(signBit(value), f);
  if (!Number.isFinite(value)) return hugeRaw(value < 0, f);
  if (value === 0) return 0;
  const y = value * 2 ** fracBits(f); // exact unless it over- or underflows
  if (!Number.isFinite(y)) return hugeRaw(y < 0, f);
  let fl: number, qb: boolean, r: boolean;
  if (y === 0) {
    // Scaled below the smallest subnormal: |value| is far below half an LSB.
    fl = value < 0 ? -1 : 0; qb = value < 0; r = true;
  } else {
    ({ floor: fl, qb, r } = splitFraction(y));
  }
  return overflowRaw(fl + roundUp(f.quant, fl, qb, r, value < 0), f, fl);
}

/** Value of raw bits: raw × 2^−F. */
export function rawToValue(raw: number, f: FixedFormat): number {
  return raw * 2 ** -fracBits(f);
}

/**
 * Convert raw bits `v` that carry `fromFrac` fractional bits into format `f`
 * (HLS `operator=` between fixed types). `v` must be an exact integer (|v| < 2^53).
 */
export function castRaw(v: number, fromFrac: number, f: FixedFormat): number {
  const to = fracBits(f);
  if (fromFrac > to) {
    if (fromFrac - to > 53) {
      // Every bit is dropped and |v| < half an output LSB (kept identical to native/fixed.h).
      if (v === 0) return overflowRaw(0, f);
      return v > 0 ? overflowRaw(roundUp(f.quant, 0, false, true, false), f) : overflowRaw(-1 + roundUp(f.quant, -1, true, true, true), f);
    }
    const p = 2 ** (fromFrac - to);
    const fl = Math.floor(v / p);
    const rem = v - fl * p;
    const half = p / 2;
    return overflowRaw(fl + roundUp(f.quant, fl, rem >= half, rem !== 0 && rem !== half, v < 0), f, fl);
  }
  const s = to - fromFrac;
  if (s === 0) return overflowRaw(v, f);
  const wraps = f.overflow === "WRAP" || f.overflow === "WRAP_SM";
  // Wrapping reads the low W bits (WRAP_SM also bit W): every source bit shifted past them is 0.
  const kept = f.overflow === "WRAP_SM" ? f.width + 1 : f.width;
  if (s >= kept && wraps) return 0;
  const shifted = v * 2 ** s;
  if (Math.abs(shifted) < 2 ** 53 || !wraps) return overflowRaw(shifted, f);
  // Wrap of a huge value: reduce before shifting so the product stays exact.
  const r = lowBits(v, kept - s);
  return overflowRaw(r * 2 ** s, f);
}

/** Quantise a whole array (e.g. n × 57 features) into raw bits. */
export function quantizeArray(values: ArrayLike<number>, f: FixedFormat, out = new Int32Array(values.length)): Int32Array {
  assertFitsInt32(f, "quantizeArray");
  for (let i = 0; i < values.length; i++) out[i] = quantize(values[i], f);
  return out;
}

/** Values of an array of raw bits. */
export function rawArrayToValues(raw: ArrayLike<number>, f: FixedFormat, out = new Float64Array(raw.length)): Float64Array {
  const scale = 2 ** -fracBits(f);
  for (let i = 0; i < raw.length; i++) out[i] = raw[i] * scale;
  return out;
}

/**
 * Accept a format given as a string or an object (model JSON allows both), strictly: no coercion
 * ("16" is not a width, "yes" is not `signed`); every problem is a ModelFieldError at `what`.
 */
export function toFixedFormat(spec: unknown, what: string): FixedFormat {
  try {
    if (typeof spec === "string") return parseFixed(spec);
    if (spec && typeof spec === "object" && !Array.isArray(spec)) {
      const o = expectObject(spec, what, ["width", "int", "signed", "quant", "overflow"]);
      const f = {
        width: expectInt(o.width, `${what}.width`, 1, MAX_FIXED_WIDTH),
        int: expectInt(o.int, `${what}.int`, -(64 + MAX_FIXED_WIDTH), 64 + MAX_FIXED_WIDTH),
        signed: o.signed === undefined ? true : expectBool(o.signed, `${what}.signed`),
        quant: o.quant === undefined ? "TRN" : expectString(o.quant, `${what}.quant`, QUANT_MODES),
        overflow: o.overflow === undefined ? "WRAP" : expectString(o.overflow, `${what}.overflow`, OVERFLOW_MODES),
      };
      validateFixed(f);
      return f;
    }
  } catch (err) {
    if (err instanceof ModelFieldError) throw err;
    fail(what, (err as Error).message);
  }
  fail(what, `expected a fixed-point type string such as "ap_fixed<16,6>", got ${JSON.stringify(spec) ?? "missing"}`);
}
