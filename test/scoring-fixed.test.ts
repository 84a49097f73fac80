// ap_fixed edge cases, TS and C++ against the same hand-derived table, plus random TS-vs-C++ checks.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { native } from "../src/native.js";
import {
  castRaw, fixedFormat, formatFixed, OVERFLOW_MODES, parseFixed, QUANT_MODES, quantize, rawToValue,
  type FixedFormat, type OverflowMode, type QuantMode,
} from "../src/scoring/fixed.js";
import { formatInts } from "../src/scoring/native.js";

const nativeQuantize = (v: number, f: FixedFormat): number => {
  const out = new Float64Array(1);
  native.fxQuantize(Float64Array.of(v), Int32Array.from(formatInts(f)), out);
  return out[0];
};
const nativeCast = (v: number, fromFrac: number, f: FixedFormat): number => {
  const out = new Float64Array(1);
  native.fxCast(Float64Array.of(v), fromFrac, Int32Array.from(formatInts(f)), out);
  return out[0];
};

// ap_fixed<4,2>: LSB 0.25, range [-2, 1.75]. Expected raw values derived by hand from
// quantization_adjust (floor, then +1 by qb / r / sign rule of each mode).
const Q: QuantMode[] = ["TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_MIN_INF", "RND_INF", "RND_CONV"];
const QUANT_TABLE: Array<[number, number[]]> = [
  //  value    TRN TRN_Z RND RND_Z MIN_INF INF CONV
  [0.125, [0, 0, 1, 0, 0, 1, 0]], // +0.5 LSB tie, floor even
  [0.375, [1, 1, 2, 1, 1, 2, 2]], // +1.5 LSB tie, floor odd
  [-0.125, [-1, 0, 0, 0, -1, -1, 0]], // −0.5 LSB tie
  [-0.375, [-2, -1, -1, -1, -2, -2, -2]], // −1.5 LSB tie, floor even
  [-0.3, [-2, -1, -1, -1, -1, -1, -1]], // −1.2 LSB, not a tie
  [0.3, [1, 1, 1, 1, 1, 1, 1]], // +1.2 LSB
  [0.5, [2, 2, 2, 2, 2, 2, 2]], // exact
];

// The UG902-style examples for ap_fixed<3,2,Q,AP_SAT> (LSB 0.5): value → result per mode.
const UG902: Array<[QuantMode, number, number]> = [
  ["RND", 1.25, 1.5], ["RND", -1.25, -1.0], ["RND_ZERO", 1.25, 1.0], ["RND_ZERO", -1.25, -1.0],
  ["RND_MIN_INF", 1.25, 1.0], ["RND_MIN_INF", -1.25, -1.5], ["RND_INF", 1.25, 1.5], ["RND_INF", -1.25, -1.5],
  ["RND_CONV", 0.75, 1.0], ["RND_CONV", -1.25, -1.0], ["TRN", 1.25, 1.0], ["TRN", -1.25, -1.5],
  ["TRN_ZERO", 1.25, 1.0], ["TRN_ZERO", -1.25, -1.0],
];

// Overflow edges: [spec, value, expected raw].
const OVERFLOW_TABLE: Array<[string, number, number]> = [
  ["ap_fixed<4,2,AP_TRN,AP_SAT>", 1.9, 7],
  ["ap_fixed<4,2,AP_RND,AP_SAT>", 1.9, 7], // 7.6 rounds to 8, then saturates
  ["ap_fixed<4,2,AP_RND,AP_WRAP>", 1.9, -8], // 8 wraps to the most negative value
  ["ap_fixed<4,2,AP_RND,AP_SAT>", 1.875, 7], // tie rounding up into overflow
  ["ap_fixed<4,2,AP_RND_CONV,AP_SAT>", 1.875, 7],
  ["ap_fixed<4,2,AP_TRN,AP_SAT>", -2.1, -8],
  ["ap_fixed<4,2,AP_TRN,AP_WRAP>", -2.1, 7], // floor −9 wraps to 7
  ["ap_fixed<4,2,AP_TRN,AP_SAT_SYM>", -2.0, -7], // exact minimum becomes −max
  ["ap_fixed<4,2,AP_TRN,AP_SAT_SYM>", -5, -7],
  ["ap_fixed<4,2,AP_TRN,AP_SAT_SYM>", 5, 7],
  ["ap_fixed<4,2,AP_TRN,AP_SAT_ZERO>", 2.5, 0],
  ["ap_fixed<4,2,AP_TRN,AP_SAT_ZERO>", -2.5, 0],
  ["ap_fixed<4,2,AP_TRN,AP_SAT_ZERO>", 1.75, 7],
  ["ap_ufixed<4,2,AP_TRN,AP_SAT>", -0.1, 0],
  ["ap_ufixed<4,2,AP_TRN,AP_WRAP>", -0.1, 15],
  ["ap_ufixed<4,2,AP_TRN,AP_SAT>", 4.0, 15],
  ["ap_ufixed<4,2,AP_TRN,AP_WRAP>", 4.0, 0],
  ["ap_ufixed<4,2,AP_RND,AP_SAT>", 3.8, 15],
  ["ap_ufixed<18,14,AP_RND_CONV,AP_SAT>", 1e9, 262143],
  ["ap_fixed<18,13,AP_RND_CONV,AP_SAT>", -4096, -131072],
  ["ap_fixed<18,13,AP_RND_CONV,AP_SAT>", 4095.99, 131071],
  ["ap_fixed<10,7,AP_RND_CONV,AP_SAT>", 2.0625, 16], // 16.5 LSB ties to even
  ["ap_fixed<10,7,AP_RND_CONV,AP_SAT>", 2.1875, 18], // 17.5 ties to even
  ["ap_fixed<8,8,AP_TRN,AP_WRAP>", 300, 44],
  ["ap_fixed<4,2,AP_TRN,AP_SAT>", Infinity, 7],
  ["ap_fixed<4,2,AP_TRN,AP_SAT>", -Infinity, -8],
];

// The real header's answers where a naive reading goes wrong: Xilinx HLS_arbitrary_Precision_Types
// (github.com/Xilinx/HLS_arbitrary_Precision_Types, include/ap_fixed_base.h, commit 200a9ae),
// `T x(double)` compiled with g++ beside the project and the raw bits printed. [spec, value, raw].
const negativeNaN = new Float64Array(new BigUint64Array([0xfff8000000000000n]).buffer)[0];
const positiveNaN = new Float64Array(new BigUint64Array([0x7ff8000000000000n]).buffer)[0];
const HEADER_TABLE: Array<[string, number, number]> = [
  // 1. Just above −LSB/2 (−0.5 + 2^−54 LSB): not a tie, rounds to 0 (y − floor(y) would say tie).
  ["ap_fixed<8,3,AP_RND_INF,AP_SAT>", -0.015624999999999998, 0],
  ["ap_fixed<8,3,AP_RND_MIN_INF,AP_SAT>", -0.015624999999999998, 0],
  ["ap_fixed<8,3,AP_RND_INF,AP_SAT>", -0.015625, -1], // the exact tie
  ["ap_fixed<8,3,AP_RND_MIN_INF,AP_SAT>", 0.015624999999999998, 0],
  // 2. Negative subnormals with I > W: value × 2^F underflows, the header still floors to −1.
  ["ap_fixed<4,10,AP_TRN,AP_SAT>", -5e-324, -1],
  ["ap_fixed<4,10,AP_TRN,AP_SAT>", -1e-310, -1],
  ["ap_fixed<4,10,AP_TRN,AP_SAT>", 5e-324, 0],
  ["ap_ufixed<4,10,AP_TRN,AP_WRAP>", -5e-324, 15],
  // 3. NaN is (1.m)·2^1024 with its sign bit: ±huge under AP_SAT / AP_SAT_SYM, 0 when wrapping.
  ["ap_fixed<4,2,AP_TRN,AP_SAT>", positiveNaN, 7],
  ["ap_fixed<4,2,AP_TRN,AP_SAT>", negativeNaN, -8],
  ["ap_fixed<4,2,AP_TRN,AP_SAT_SYM>", positiveNaN, 7],
  ["ap_fixed<4,2,AP_TRN,AP_SAT_SYM>", negativeNaN, -7],
  ["ap_fixed<4,2,AP_TRN,AP_WRAP>", negativeNaN, 0],
  ["ap_fixed<4,10,AP_TRN,AP_SAT>", negativeNaN, -8],
  // 4. 1-bit signed AP_SAT_SYM: the underflow word 1<<(W−1) | 1 is −1, so the range is {−1, 0}.
  ["ap_fixed<1,1,AP_TRN,AP_SAT_SYM>", -2, -1],
  ["ap_fixed<1,1,AP_TRN,AP_SAT_SYM>", -0.5, -1],
  ["ap_fixed<1,1,AP_TRN,AP_SAT_SYM>", 5, 0],
  ["ap_fixed<1,1,AP_TRN,AP_SAT_SYM>", negativeNaN, -1],
  // AP_WRAP_SM (N = 0): sign-magnitude wrap.
  ["ap_fixed<4,2,AP_TRN,AP_WRAP_SM>", 2.3, 6],
  ["ap_fixed<4,2,AP_TRN,AP_WRAP_SM>", -2.3, -7],
  ["ap_fixed<4,2,AP_TRN,AP_WRAP_SM>", 5, -5],
  ["ap_fixed<4,2,AP_TRN,AP_WRAP_SM>", -5, 3],
  ["ap_fixed<4,2,AP_TRN,AP_WRAP_SM>", 1.8, 7],
  ["ap_fixed<4,2,AP_TRN,AP_WRAP_SM>", positiveNaN, 0],
];

// castRaw cases: [raw, fromFrac, spec, expected].
const CAST_TABLE: Array<[number, number, string, number]> = [
  [5, 1, "ap_int<4>", 2], // 2.5 TRN
  [5, 1, "ap_fixed<4,4,AP_RND_CONV>", 2],
  [7, 1, "ap_fixed<4,4,AP_RND_CONV>", 4],
  [-5, 1, "ap_fixed<4,4,AP_RND_CONV>", -2],
  [-5, 1, "ap_fixed<4,4,AP_RND>", -2],
  [-5, 1, "ap_fixed<4,4,AP_RND_INF>", -3],
  [-5, 1, "ap_fixed<4,4,AP_RND_ZERO>", -2],
  [-5, 1, "ap_fixed<4,4,AP_TRN>", -3],
  [-5, 1, "ap_fixed<4,4,AP_TRN_ZERO>", -2],
  [3, 0, "ap_fixed<4,2>", -4], // 3 → raw 12 wraps
  [3, 0, "ap_fixed<4,2,AP_TRN,AP_SAT>", 7],
  [2 ** 40 + 1, 0, "ap_fixed<8,8>", 1],
  [2 ** 40 + 1, 0, "ap_fixed<8,6>", 4],
  [-1, 60, "ap_fixed<8,4,AP_RND>", 0], // tiny negative, every bit dropped
  [-1, 60, "ap_fixed<8,4,AP_TRN>", -1],
  [1, 60, "ap_fixed<8,4,AP_RND_INF>", 0],
  [12345, 0, "ap_fixed<8,8,AP_TRN,AP_WRAP>", 57],
  [0, -53, "ap_fixed<12,3,AP_TRN,AP_SAT_SYM>", 0], // zero shifted up by 62 bits stays zero (found by the random test)
  [0, -60, "ap_fixed<12,3,AP_TRN,AP_SAT>", 0],
];

describe("parseFixed / formatFixed", () => {
  it("parses the AXOL1TL precisions and defaults", () => {
    expect(parseFixed("ap_fixed<18,13,AP_RND_CONV,AP_SAT>")).toEqual({ width: 18, int: 13, signed: true, quant: "RND_CONV", overflow: "SAT" });
    expect(parseFixed("ap_ufixed<18,14>")).toEqual({ width: 18, int: 14, signed: false, quant: "TRN", overflow: "WRAP" });
    expect(parseFixed("ap_fixed<10,7,AP_RND_CONV,AP_SAT>").int).toBe(7);
    expect(parseFixed("fixed<16,6>")).toEqual({ width: 16, int: 6, signed: true, quant: "TRN", overflow: "WRAP" });
    expect(parseFixed("ap_uint<4>")).toEqual({ width: 4, int: 4, signed: false, quant: "TRN", overflow: "WRAP" });
    expect(parseFixed(" ap_fixed< 8 , 3 , AP_RND , AP_SAT_SYM > ").overflow).toBe("SAT_SYM");
  });
  it("round-trips through formatFixed", () => {
    for (const q of QUANT_MODES) for (const o of OVERFLOW_MODES) {
      const f = fixedFormat(12, 5, true, q, o);
      expect(parseFixed(formatFixed(f))).toEqual(f);
    }
  });
  it("rejects malformed specs with a clear message", () => {
    expect(() => parseFixed("float")).toThrow(/not a fixed-point type/);
    expect(() => parseFixed("ap_fixed<0,0>")).toThrow(/width/);
    expect(() => parseFixed("ap_fixed<8,3,AP_FOO>")).toThrow(/unsupported quantisation/);
    expect(() => parseFixed("ap_fixed<8,3,AP_TRN,AP_FOO>")).toThrow(/unsupported overflow/);
    expect(() => parseFixed("ap_ufixed<8,3,AP_TRN,AP_WRAP_SM>")).toThrow(/needs a signed format/);
    expect(parseFixed("ap_fixed<8,3,AP_TRN,AP_WRAP_SM>").overflow).toBe("WRAP_SM");
    expect(() => parseFixed("ap_fixed<8,3,AP_TRN,AP_SAT,2>")).toThrow(/saturation bits/);
    expect(() => parseFixed("ap_fixed<x,3>")).toThrow(/bad width/);
  });
});

describe.each([
  ["TS", (v: number, f: FixedFormat) => quantize(v, f), (v: number, ff: number, f: FixedFormat) => castRaw(v, ff, f)],
  ["C++", nativeQuantize, nativeCast],
] as const)("%s ap_fixed conversions", (_name, q, cast) => {
  it("quantisation modes on ties and non-ties (ap_fixed<4,2>)", () => {
    for (const [value, expected] of QUANT_TABLE) {
      Q.forEach((mode, k) => expect([value, mode, q(value, fixedFormat(4, 2, true, mode, "SAT"))]).toEqual([value, mode, expected[k]]));
    }
  });
  it("UG902-style ap_fixed<3,2,Q,AP_SAT> examples", () => {
    for (const [mode, value, expected] of UG902) {
      const f = fixedFormat(3, 2, true, mode, "SAT");
      expect([mode, value, rawToValue(q(value, f), f)]).toEqual([mode, value, expected]);
    }
  });
  it("overflow edges", () => {
    for (const [spec, value, expected] of OVERFLOW_TABLE) expect([spec, value, q(value, parseFixed(spec))]).toEqual([spec, value, expected]);
  });
  it("the real header's answers: ties just missed, underflowing negatives, NaN, 1-bit SAT_SYM, WRAP_SM", () => {
    for (const [spec, value, expected] of HEADER_TABLE) expect([spec, value, q(value, parseFixed(spec))]).toEqual([spec, value, expected]);
  });
  it("raw-to-raw casts", () => {
    for (const [raw, from, spec, expected] of CAST_TABLE) expect([raw, from, spec, cast(raw, from, parseFixed(spec))]).toEqual([raw, from, spec, expected]);
  });
});

const arbFormat = fc.record({
  width: fc.integer({ min: 1, max: 32 }),
  intOffset: fc.integer({ min: -6, max: 6 }),
  signed: fc.boolean(),
  quant: fc.constantFrom(...QUANT_MODES),
  overflow: fc.constantFrom(...(OVERFLOW_MODES as OverflowMode[])),
}).map(({ width, intOffset, signed, quant, overflow }) => fixedFormat(width, Math.max(-40, Math.min(width + 40, Math.round(width / 2) + intOffset * 3)), signed, quant, !signed && overflow === "WRAP_SM" ? "WRAP" : overflow));

describe("TS and C++ agree on random inputs", () => {
  it("quantize", () => {
    fc.assert(fc.property(arbFormat, fc.array(fc.oneof(fc.double({ noNaN: false }), fc.double({ min: -1000, max: 1000 }), fc.integer({ min: -4096, max: 4096 }).map((k) => k / 8)), { minLength: 1, maxLength: 30 }), (f, values) => {
      const out = new Float64Array(values.length);
      native.fxQuantize(Float64Array.from(values), Int32Array.from(formatInts(f)), out);
      expect(Array.from(out)).toEqual(values.map((v) => quantize(v, f)));
    }), { numRuns: 400 });
  });
  it("castRaw", () => {
    fc.assert(fc.property(arbFormat, fc.integer({ min: -70, max: 70 }), fc.array(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger().map((v) => v % 2 ** 52)), { minLength: 1, maxLength: 30 }), (f, fromFrac, raws) => {
      const out = new Float64Array(raws.length);
      native.fxCast(Float64Array.from(raws), fromFrac, Int32Array.from(formatInts(f)), out);
      expect(Array.from(out)).toEqual(raws.map((v) => castRaw(v, fromFrac, f)));
    }), { numRuns: 400 });
  });
});
