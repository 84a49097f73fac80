import { describe, expect, it } from "vitest";
import { binErrors, emptyHistogram, fill, linearEdges, ratio } from "../src/stats/index.js";

describe("histogram errors", () => {
  it("keeps Σw² per bin: √n for unit weights, √Σw² for weighted fills", () => {
    const h = emptyHistogram(linearEdges(0, 2, 2));
    for (let i = 0; i < 9; i++) fill(h, 0.5);
    fill(h, 1.5, 2);
    fill(h, 1.5, 3);
    expect(Array.from(h.counts)).toEqual([9, 5]);
    expect(Array.from(binErrors(h))).toEqual([3, Math.sqrt(13)]);
  });
  it("ratio propagates both errors and leaves empty reference bins undefined", () => {
    const a = emptyHistogram(linearEdges(0, 3, 3));
    const b = emptyHistogram(linearEdges(0, 3, 3));
    for (let i = 0; i < 4; i++) fill(a, 0.5);
    for (let i = 0; i < 16; i++) fill(b, 0.5);
    fill(b, 1.5);
    const r = ratio(a, b, 0.25);
    expect(r.ratio[0]).toBeCloseTo(1, 12);
    // (σ/r)² = 1/4 + 1/16
    expect(r.error[0]).toBeCloseTo(Math.sqrt(1 / 4 + 1 / 16), 12);
    expect(r.ratio[1]).toBe(0);
    expect(r.error[1]).toBeCloseTo(4, 12); // one event's worth over 0.25 expected
    expect(Number.isNaN(r.ratio[2])).toBe(true);
  });
});
