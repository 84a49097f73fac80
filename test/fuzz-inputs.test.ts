/**
 * The input mutation fuzz (bench/fuzz.ts) at CI size: link captures, model JSON, HDF5, JSONL and
 * board profiles. Every case ends accepted or refused with an Error; TS and native deframers and
 * scorers agree; no case runs over its time budget; memory stays bounded. `npm run bench -- fuzz`
 * runs the same at 10^5 cases. Every file case is a new file: seed 20261201 case 448 is an HDF5
 * file libhdf5 never finishes, which the HDF5 thread's watchdog ends (src/io/hdf5-thread.ts).
 */
import { describe, expect, it } from "vitest";
import { fuzzInputs, mutateBytes, mutateJson } from "../bench/fuzz.js";

describe("input mutation fuzz (small)", () => {
  it("1500 mutated inputs over every target: 0 crashes, 0 hangs, RSS bounded", async () => {
    const c = await fuzzInputs({ cases: 1500, seed: 20261201 });
    expect(c.firstCrashes).toEqual([]);
    expect(c.crashes).toBe(0);
    expect(c.hangs).toBe(0);
    expect(c.byTarget.hdf5.watchdog).toBeGreaterThanOrEqual(1);
    // The main thread plus one HDF5 thread, whose WASM heap is capped at 256 MB.
    expect(c.maxRssMB).toBeLessThan(500);
    for (const t of Object.values(c.byTarget)) expect(t.cases).toBeGreaterThan(40);
    // the mutations bite: most inputs are refused, some still pass
    expect(c.refused).toBeGreaterThan(500);
    expect(c.accepted).toBeGreaterThan(200);
    process.stdout.write(`fuzz (CI size): ${JSON.stringify({ cases: c.cases, crashes: c.crashes, hangs: c.hangs, refused: c.refused, maxRssMB: Math.round(c.maxRssMB) })}\n`);
  }, 300_000);

  it("the mutators are seeded and change their input", () => {
    const src = Uint8Array.from({ length: 100 }, (_, i) => i);
    const r = () => { let s = 5; return { next: () => ((s = (s * 69069 + 1) >>> 0) / 2 ** 32), below: (n: number) => Math.floor(((s = (s * 69069 + 1) >>> 0) / 2 ** 32) * n) }; };
    expect(mutateBytes(src, r())).toEqual(mutateBytes(src, r()));
    expect(JSON.stringify(mutateJson({ a: [1, 2], b: { c: 3 } }, r()))).not.toBe(JSON.stringify({ a: [1, 2], b: { c: 3 } }));
  });
});
