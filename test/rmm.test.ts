import { describe, expect, it } from "vitest";
import { DEFAULT_RMM, extractRmm, rmmCells, rmmFeatureCount, rmmNames, type RmmLayout } from "../src/events/rmm.js";
import { generateOrbits } from "../src/trigger/index.js";

describe("rapidity–mass matrix", () => {
  const layout: RmmLayout = { types: ["jet", "muon"], n: 2, sqrtS: 1000, c: 1 };
  it("hand-computed event: MET, two jets (given in the wrong order), one muon", () => {
    const out = new Float64Array(25);
    rmmCells({ met: 30, metPhi: Math.PI / 2, objects: [[{ et: 60, eta: 1, phi: Math.PI / 2 }, { et: 100, eta: 0, phi: 0 }], [{ et: 50, eta: -0.5, phi: Math.PI }]] }, layout, out);
    const at = (i: number, j: number) => out[i * 5 + j];
    // 0 = MET, 1 = jet (100), 2 = jet (60), 3 = muon (50), 4 = empty muon slot.
    const expected: Array<[number, number, number]> = [
      [0, 0, 0.03],
      [0, 1, Math.sqrt(6000) / 1000], // m_T² = 2·100·30·(1 − cos(−π/2))
      [0, 2, 0], // jet along the MET
      [0, 3, Math.sqrt(3000) / 1000],
      [1, 0, 0], [2, 0, Math.cosh(1) - 1], [3, 0, Math.cosh(0.5) - 1],
      [1, 1, 0.1], [2, 2, 40 / 160], [3, 3, 0.05], [4, 4, 0],
      [1, 2, Math.sqrt(12000 * Math.cosh(1)) / 1000], [2, 1, Math.cosh(0.5) - 1],
      [1, 3, Math.sqrt(10000 * (Math.cosh(0.5) + 1)) / 1000], [3, 1, Math.cosh(0.25) - 1],
      [2, 3, Math.sqrt(6000 * Math.cosh(1.5)) / 1000], [3, 2, Math.cosh(0.75) - 1],
      [0, 4, 0], [4, 0, 0], [1, 4, 0], [4, 1, 0],
    ];
    for (const [i, j, v] of expected) expect(at(i, j), `cell (${i},${j})`).toBeCloseTo(v, 12);
    expect(at(1, 2)).toBeCloseTo(0.136077, 5); // the same by hand: √(2·100·60·(cosh 1 − cos 90°)) / 1000
  });

  it("no MET leaves the first row empty; C scales the h cells", () => {
    const out = new Float64Array(25);
    rmmCells({ met: 0, metPhi: 0, objects: [[{ et: 100, eta: 2, phi: 0 }], []] }, { ...layout, c: 0.5 }, out);
    expect(out[1]).toBe(0);
    expect(out[5]).toBeCloseTo(0.5 * (Math.cosh(2) - 1), 12);
  });

  it("generated events: fixed size, zero-padded, δE_T in [0, 1], names line up", () => {
    const batch = generateOrbits({ seed: 3, orbits: 1 })[Symbol.iterator]().next().value!;
    const f = rmmFeatureCount(DEFAULT_RMM);
    expect(f).toBe(21 * 21);
    expect(rmmNames(DEFAULT_RMM)).toHaveLength(f);
    const rows = extractRmm(batch);
    expect(rows.length).toBe(batch.nBx * f);
    let nonZero = 0;
    for (let i = 0; i < batch.nBx; i++) {
      for (let k = 2; k <= 5; k++) { const v = rows[i * f + k * 21 + k]; expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1); }
      for (let c = 0; c < f; c++) if (rows[i * f + c] !== 0) nonZero++;
    }
    expect(nonZero).toBeGreaterThan(0);
    expect(nonZero / rows.length).toBeLessThan(0.5); // sparse, as the paper says
  });
});
