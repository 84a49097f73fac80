/** fast-check arbitraries for ap_fixed formats (every width up to 32-bit raw storage, every Q/O mode). */
import fc from "fast-check";
import { fixedFormat, OVERFLOW_MODES, QUANT_MODES, type FixedFormat } from "../../src/scoring/fixed.js";

export const formatArb: fc.Arbitrary<FixedFormat> = fc
  .record({
    signed: fc.boolean(),
    width: fc.integer({ min: 1, max: 32 }),
    int: fc.integer({ min: -8, max: 40 }),
    quant: fc.constantFrom(...QUANT_MODES),
    overflow: fc.constantFrom(...OVERFLOW_MODES),
  })
  .map((r) => fixedFormat(r.signed ? r.width : Math.min(r.width, 31), r.int, r.signed, r.quant, !r.signed && r.overflow === "WRAP_SM" ? "WRAP" : r.overflow));
