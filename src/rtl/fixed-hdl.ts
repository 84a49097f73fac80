/**
 * ap_fixed overflow and quantisation as Verilog functions, mirroring `overflowRaw` / `castRaw` in
 * src/scoring/fixed.ts bit for bit. Every value inside a core is a two's-complement signed
 * vector (unsigned formats get a zero sign bit), so one set of rules covers ap_fixed and ap_ufixed.
 */
import { formatFixed, rawMax, type FixedFormat } from "../scoring/fixed.js";
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
