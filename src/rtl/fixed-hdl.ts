/**
 * ap_fixed overflow and quantisation as Verilog functions, mirroring `overflowRaw` / `castRaw` in
 * src/scoring/fixed.ts bit for bit. Every value inside a core is a two's-complement signed
 * vector (unsigned formats get a zero sign bit), so one set of rules covers ap_fixed and ap_ufixed.
 */
import { formatFixed, fracBits, rawMax, type FixedFormat } from "../scoring/fixed.js";
import { sext, sLit } from "./verilog.js";

/** Lowest raw value before any SAT_SYM adjustment (what `overflowRaw` calls `lo`). */
export function rawLow(f: FixedFormat): number {
  return f.signed ? -(2 ** (f.width - 1)) : 0;
}

/** Width of a signed vector holding every raw value of `f` (unsigned formats need one more bit). */
export function signedRawWidth(f: FixedFormat): number {
  return f.signed ? f.width : f.width + 1;
}

/**
 * A Verilog function `name(x)` taking a signed `inWidth`-bit integer (already on the format's
 * binary point) and returning the `f.width` raw bits of `overflowRaw(x, f)`.
 */
export function overflowFunction(name: string, inWidth: number, f: FixedFormat): string[] {
  const W = f.width;
  const lo = rawLow(f), hi = rawMax(f);
  const lines = [`// overflow of a ${inWidth}-bit signed integer into ${formatFixed(f)} (AP_${f.overflow})`];
  lines.push("/* verilator lint_off UNUSED */  // a wrapping cast drops the high bits");
  lines.push(`function [${W - 1}:0] ${name};`);
  lines.push(`  input signed [${inWidth - 1}:0] x;`);
  lines.push("  begin");
  const minX = -(2 ** (inWidth - 1)), maxX = 2 ** (inWidth - 1) - 1;
  const low = inWidth >= W ? `x[${W - 1}:0]` : sext("x", inWidth, W);
  const sat = (v: number) => (f.overflow === "SAT_ZERO" ? `${W}'d0` : `${W}'d${twos(v, W)}`);
  const tests: string[] = [];
  if (f.overflow !== "WRAP") {
    // Only the tests the input width can reach (the literals of the others would not fit).
    if (f.overflow === "SAT_SYM" && f.signed && minX <= lo) tests.push(`if (x <= ${sLit(lo, inWidth)}) ${name} = ${W}'d${twos(lo + 1, W)};`);
    else if (minX < lo) tests.push(`if (x < ${sLit(lo, inWidth)}) ${name} = ${sat(lo)};`);
    if (maxX > hi) tests.push(`if (x > ${sLit(hi, inWidth)}) ${name} = ${sat(hi)};`);
  }
  tests.forEach((t, i) => lines.push(`    ${i ? "else " : ""}${t}`));
  lines.push(`    ${tests.length ? "else " : ""}${name} = ${low};`);
  lines.push("  end");
  lines.push("endfunction");
  lines.push("/* verilator lint_on UNUSED */");
  return lines;
}

/** The `width`-bit two's-complement pattern of v as an unsigned number. */
export function twos(v: number, width: number): number {
  const m = 2 ** width;
  return ((v % m) + m) % m;
}

/** The saturation flag of the output: the score equals the format's min or max (never for WRAP). */
export function saturatedExpr(score: string, f: FixedFormat): string {
  if (f.overflow === "WRAP") return "1'b0";
  const lo = f.signed && f.overflow === "SAT_SYM" ? rawLow(f) + 1 : rawLow(f);
  return `(${score} == ${f.width}'d${twos(rawMax(f), f.width)}) || (${score} == ${f.width}'d${twos(lo, f.width)})`;
}

/** The rounding increment of `quantization_adjust` (src/scoring/fixed.ts roundUp) over bit names. */
function roundUpExpr(mode: FixedFormat["quant"], qb: string, r: string, neg: string, lsb: string): string {
  switch (mode) {
    case "TRN": return "1'b0";
    case "RND": return qb;
    case "RND_ZERO": return `${qb} & (${neg} | ${r})`;
    case "RND_MIN_INF": return `${qb} & ${r}`;
    case "RND_INF": return `${qb} & (~${neg} | ${r})`;
    case "RND_CONV": return `${qb} & (${lsb} | ${r})`;
    case "TRN_ZERO": return `${neg} & (${qb} | ${r})`;
  }
}

/** Width of the exact quantised value of a signed `inWidth`-bit x moved from `fromFrac` to `toFrac` fractional bits. */
export function quantizedWidth(inWidth: number, fromFrac: number, toFrac: number): number {
  const d = fromFrac - toFrac;
  return d > 0 ? Math.max(inWidth, d + 2) - d + 1 : inWidth - d;
}

/**
 * A Verilog function `name(x)`: x (signed, `inWidth` bits, `fromFrac` fractional bits) moved to
 * `toFrac` fractional bits with quantisation `mode` (exact, no overflow), returned as the low
 * `outWidth` bits of the result (sign-extended when the result is narrower).
 */
export function quantizeFunction(name: string, inWidth: number, fromFrac: number, toFrac: number, mode: FixedFormat["quant"], outWidth: number): string[] {
  const d = fromFrac - toFrac;
  const QW = quantizedWidth(inWidth, fromFrac, toFrac);
  const lines = ["/* verilator lint_off UNUSED */"];
  lines.push(`// ${inWidth}-bit value with ${fromFrac} fractional bits -> ${toFrac} fractional bits (AP_${mode}), low ${outWidth} bits`);
  lines.push(`function [${outWidth - 1}:0] ${name};`);
  lines.push(`  input signed [${inWidth - 1}:0] x;`);
  if (d > 0) {
    const N = Math.max(inWidth, d + 2);
    lines.push(`  reg [${N - 1}:0] xe;`);
    lines.push(`  reg [${QW - 1}:0] q;`);
    lines.push("  begin");
    lines.push(`    xe = ${sext("x", inWidth, N)};`);
    const inc = roundUpExpr(mode, `xe[${d - 1}]`, d >= 2 ? `(|xe[${d - 2}:0])` : "1'b0", `xe[${N - 1}]`, `xe[${d}]`);
    lines.push(`    q = {xe[${N - 1}], xe[${N - 1}:${d}]} + {${QW - 1}'d0, ${inc}};  // floor, then the rounding increment`);
  } else {
    lines.push(`  reg [${QW - 1}:0] q;`);
    lines.push("  begin");
    lines.push(d === 0 ? "    q = x;" : `    q = {x, ${-d}'d0};`);
  }
  lines.push(`    ${name} = ${QW >= outWidth ? `q[${outWidth - 1}:0]` : sext("q", QW, outWidth)};`);
  lines.push("  end");
  lines.push("endfunction");
  lines.push("/* verilator lint_on UNUSED */");
  return lines;
}

/**
 * `castRaw` as Verilog: a function `name(x)` converting a signed `inWidth`-bit x with `fromFrac`
 * fractional bits into the raw bits of `f` (quantisation, then overflow), plus its helpers.
 */
export function castFunction(name: string, inWidth: number, fromFrac: number, f: FixedFormat): string[] {
  const QW = quantizedWidth(inWidth, fromFrac, fracBits(f));
  const ovIn = Math.max(QW, signedRawWidth(f) + 1);
  return [
    ...quantizeFunction(`${name}_q`, inWidth, fromFrac, fracBits(f), f.quant, ovIn),
    ...overflowFunction(`${name}_ov`, ovIn, f),
    `// castRaw into ${formatFixed(f)}`,
    `function [${f.width - 1}:0] ${name};`,
    `  input signed [${inWidth - 1}:0] x;`,
    `  ${name} = ${name}_ov(${name}_q(x));`,
    "endfunction",
  ];
}
