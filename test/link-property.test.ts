import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { accountingError, buildStream, diffRuns, mutate, runChunked, type Mutation } from "./helpers/linkStreams.js";

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), len: fc.nat(3000), to: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.nat(800) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.array(fc.nat(255), { maxLength: 64 }) }) },
);

describe("TS and native deframers agree", () => {
  it("on random and mutated streams, under any chunking", () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.array(mutationArb, { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 5 }),
        (seed, n, crc, muts, cuts) => {
          const bytes = mutate(buildStream(seed, n, { crc, maxBx: 4 }), muts);
          const tsWhole = runChunked(bytes, "ts");
          const nativeWhole = runChunked(bytes, "native");
          const tsChunked = runChunked(bytes, "ts", cuts);
          const nativeChunked = runChunked(bytes, "native", cuts.length ? cuts.map((c) => c * 3 + 1) : [1]);
          expect(diffRuns(tsWhole, nativeWhole)).toBeNull();
          expect(diffRuns(tsWhole, tsChunked)).toBeNull();
          expect(diffRuns(tsWhole, nativeChunked)).toBeNull();
          expect(accountingError(tsWhole.d, bytes.length)).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("an unmutated stream deframes with no faults", () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.integer({ min: 1, max: 10 }), fc.boolean(), (seed, n, crc) => {
        const bytes = buildStream(seed, n, { crc });
        const r = runChunked(bytes, "native", [97]);
        const faults = Object.entries(r.d.stats.faults).filter(([, v]) => v.count > 0);
        expect(faults).toEqual([]);
        expect(r.orbits.length).toBe(2 * n);
      }),
      { numRuns: 100 },
    );
  });
});
