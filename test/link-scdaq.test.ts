/**
 * SCDAQ header mode: captures whose orbit header words 1-7 are not scoutloop's (real hardware).
 * Orbits are found by their 0xBEEFDEAD trailer and bitmap; the stream is given by the caller.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { diffBatches } from "../src/events/batch.js";
import { concatBytes, Deframer, frameOrbit, mergeStreams, packetTrailer, type DeframedOrbit, type LinkStream } from "../src/link/index.js";
import { prng, randomBatch } from "./helpers/randomBatch.js";
import { accountingError, diffRuns, mutate, runChunked, type Mutation } from "./helpers/linkStreams.js";

/** One stream of `n` orbits with header words 1..7 replaced by junk, packet trailers now and then. */
function foreignStream(seed: number, n: number, stream: LinkStream, maxBx = 4): { bytes: Uint8Array; batches: ReturnType<typeof randomBatch>[] } {
  const rnd = prng(seed);
  const parts: Uint8Array[] = [];
  const batches = [];
  for (let k = 0; k < n; k++) {
    const b = randomBatch(seed * 31 + k, { orbit: 100 + k, maxBx });
    batches.push(b);
    const o = frameOrbit(b, stream);
    for (let i = 4; i < 32; i++) o[i] = Math.floor(rnd() * 256);
    parts.push(o);
    if (rnd() < 0.3) parts.push(packetTrailer({ autorealign: 0, dropped: 0, orbitCounter: k }));
  }
  return { bytes: concatBytes(parts), batches };
}

/** Deframe in SCDAQ header mode for one stream, cut into chunks of the given sizes. */
function run(bytes: Uint8Array, core: "ts" | "native", stream: LinkStream, cuts: number[] = []): { orbits: DeframedOrbit[]; d: Deframer } {
  return runChunked(bytes, core, cuts, { header: "scdaq", stream });
}

describe("SCDAQ header mode", () => {
  it("needs the stream", () => {
    expect(() => new Deframer({ header: "scdaq" })).toThrow(/needs stream/);
  });

  for (const core of ["ts", "native"] as const) {
    it(`deframes foreign-header captures exactly (${core})`, () => {
      const mu = foreignStream(1, 15, "muon");
      const ca = foreignStream(1, 15, "calo");
      const m = run(mu.bytes, core, "muon", [777]);
      const c = run(ca.bytes, core, "calo");
      for (const r of [m, c]) expect(Object.values(r.d.stats.faults).every((f) => f.count === 0)).toBe(true);
      expect(m.orbits.length).toBe(15);
      mu.batches.forEach((b, i) => expect(diffBatches(mergeStreams(m.orbits[i].batch, c.orbits[i].batch), b)).toBeNull());
    });

    it(`resynchronises after garbage and corrupted orbits (${core})`, () => {
      const { bytes } = foreignStream(2, 6, "calo");
      const junk = Uint8Array.from({ length: 50 }, (_, i) => (i * 7) & 0xff);
      const r = run(concatBytes([junk, bytes, junk]), core, "calo");
      expect(r.orbits.map((o) => o.orbit)).toEqual([100, 101, 102, 103, 104, 105]);
      expect(r.d.stats.faults.garbage.bytes).toBe(50);
      expect(r.d.stats.faults.truncated.bytes).toBe(50);
      expect(accountingError(r.d, bytes.length + 100)).toBeNull();
    });
  }

  it("TS and native agree on mutated captures under any chunking", () => {
    const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.nat(800) }),
      fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), len: fc.nat(2000), to: fc.nat() }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.array(fc.nat(255), { maxLength: 40 }) }),
      fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.nat(100000), fc.integer({ min: 1, max: 8 }), fc.boolean(), fc.array(mutationArb, { maxLength: 5 }),
        fc.integer({ min: 1, max: 4000 }), (seed, n, muon, muts, cut) => {
          const stream: LinkStream = muon ? "muon" : "calo";
          const bytes = mutate(foreignStream(seed, n, stream).bytes, muts);
          const a = run(bytes, "ts", stream);
          const b = run(bytes, "native", stream, [cut]);
          const c = run(bytes, "ts", stream, [cut * 2 + 1]);
          expect(diffRuns(a, b)).toBeNull();
          expect(diffRuns(a, c)).toBeNull();
          expect(accountingError(b.d, bytes.length)).toBeNull();
        }),
      { numRuns: 150 },
    );
  });
});
