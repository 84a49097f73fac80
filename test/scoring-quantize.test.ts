// The fast row quantiser (TS and C++) against the general per-value path of fixed.ts, bit for bit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatArb } from "./helpers/fixedArbs.js";
import { N_FEATURES } from "../src/events/features.js";
import { native } from "../src/native.js";
import { generatedFeatures } from "../src/scoring/data.js";
import { fixedFormat, fracBits, type FixedFormat } from "../src/scoring/fixed.js";
import { formatInts, nativeQuantizeRows } from "../src/scoring/native.js";
import { axol1tlNormalisation, type Normalisation } from "../src/scoring/normalise.js";
import { quantizeRows, quantizeRowsReference } from "../src/scoring/quantize-rows.js";

/** Feature values that hit ties, saturation edges, zeros, NaN, ±∞ and huge magnitudes. */
function valueArb(f: FixedFormat): fc.Arbitrary<number> {
  const lsb = 2 ** -fracBits(f);
  return fc.oneof(
    fc.integer({ min: -(2 ** (f.width + 2)), max: 2 ** (f.width + 2) }).map((k) => Math.fround((k / 2) * lsb)), // on and between LSBs
    fc.float({ noDefaultInfinity: false, noNaN: false }),
    fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 1e-45),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(Math.fround),
  );
}

const caseArb = formatArb.chain((f) =>
  fc.record({
    f: fc.constant(f),
    d: fc.integer({ min: 1, max: 6 }),
    n: fc.integer({ min: 0, max: 8 }),
    values: fc.array(valueArb(f), { minLength: 48, maxLength: 48 }),
    scale: fc.array(fc.oneof(fc.constantFrom(1, 0.5, 2, 0, -1), fc.double({ min: -4, max: 4, noNaN: true })), { minLength: 6, maxLength: 6 }),
    offset: fc.array(fc.oneof(fc.constant(0), fc.double({ min: -4, max: 4, noNaN: true })), { minLength: 6, maxLength: 6 }),
  }),
);

describe("quantizeRows fast paths", () => {
  it("TS fast path and native give the general path's bits for any format, value and normalisation", () => {
    fc.assert(
      fc.property(caseArb, ({ f, d, n, values, scale, offset }) => {
        const norm: Normalisation = { scale: Float64Array.from(scale.slice(0, d)), offset: Float64Array.from(offset.slice(0, d)) };
        const x = Float32Array.from(values.slice(0, n * d));
        const ref = quantizeRowsReference(norm, f, x, n);
        expect(quantizeRows(norm, f, x, n)).toEqual(ref);
        expect(nativeQuantizeRows(norm, f, x, n)).toEqual(ref);
      }),
      { numRuns: 800 },
    );
  });

  it("native 4-wide path: in-range values on and between LSBs (ties) round as the general path, every mode", () => {
    fc.assert(
      fc.property(formatArb, fc.integer({ min: 4, max: 13 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 2 ** 30 }), (f, d, n, seed) => {
        const lsb = 2 ** -fracBits(f);
        const span = Math.min(2 ** (f.width - 1), 2 ** 20);
        let s = seed;
        const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
        // Quarter-LSB steps: exact ties, values just off ties and on the grid, both signs.
        const x = Float32Array.from({ length: n * d }, () => Math.fround((Math.floor((next() - 0.5) * span * 4) / 4) * lsb));
        const norm: Normalisation = { scale: new Float64Array(d).fill(1), offset: new Float64Array(d) };
        expect(nativeQuantizeRows(norm, f, x, n)).toEqual(quantizeRowsReference(norm, f, x, n));
      }),
      { numRuns: 400 },
    );
  });

  it("agrees on generated orbits in the AXOL1TL input format", () => {
    const set = generatedFeatures({ seed: 5, orbits: 1 });
    const norm = axol1tlNormalisation();
    const f = fixedFormat(18, 13, true, "RND_CONV", "SAT");
    const ref = quantizeRowsReference(norm, f, set.features, set.n);
    expect(set.n).toBeGreaterThan(100);
    expect(ref.some((v) => v !== 0)).toBe(true);
    expect(quantizeRows(norm, f, set.features, set.n)).toEqual(ref);
    expect(nativeQuantizeRows(norm, f, set.features, set.n)).toEqual(ref);
  });

  it("native rejects short buffers, bad counts and too-wide formats with a RangeError", () => {
    const norm = axol1tlNormalisation();
    const fmt = Int32Array.from(formatInts(fixedFormat(18, 13)));
    const x = new Float32Array(2 * N_FEATURES);
    expect(() => native.fxQuantizeRows(x, 3, norm.scale, norm.offset, fmt, new Int32Array(3 * N_FEATURES))).toThrow(RangeError);
    expect(() => native.fxQuantizeRows(x, 2, norm.scale, norm.offset, fmt, new Int32Array(N_FEATURES))).toThrow(RangeError);
    expect(() => native.fxQuantizeRows(x, -1, norm.scale, norm.offset, fmt, new Int32Array(0))).toThrow(RangeError);
    expect(() => native.fxQuantizeRows(x, 1.5, norm.scale, norm.offset, fmt, new Int32Array(2 * N_FEATURES))).toThrow(RangeError);
    expect(() => native.fxQuantizeRows(x, 1, norm.scale, new Float64Array(3), fmt, new Int32Array(N_FEATURES))).toThrow(RangeError);
    const wide = Int32Array.from(formatInts(fixedFormat(40, 20)));
    expect(() => native.fxQuantizeRows(x, 1, norm.scale, norm.offset, wide, new Int32Array(N_FEATURES))).toThrow(RangeError);
    expect(() => quantizeRows(norm, fixedFormat(40, 20), x, 1)).toThrow(RangeError);
  });
});
