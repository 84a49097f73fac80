import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { accountingError, buildStream, diffRuns, mutate, runChunked, type Mutation } from "./helpers/linkStreams.js";
import { concatBytes, frameOrbit, packetTrailer, TOLERATED_FAULTS } from "../src/link/index.js";
import { randomBatch } from "./helpers/randomBatch.js";

/**
 * Edits that produce what CMSSW's unpackers decode through (docs/link-format.md §6b), each at a
 * structure's own position: orbit word bit 31, bitmap bit 0 (BX 0) or any bitmap bit (popcount ≠
 * blocks, or BX > 3564), a link's orbit/BX word, extra muon slots filled (9-16 muons in a BX).
 */
type CmsswEdit =
  | { kind: "orbitBit31" }
  | { kind: "bitmapBit"; bit: number }
  | { kind: "linkWord"; block: number; link: number; frame: 0 | 1; value: number }
  | { kind: "muonSlot"; block: number; slot: number; word: number };
const cmsswEditArb: fc.Arbitrary<CmsswEdit> = fc.oneof(
  fc.record({ kind: fc.constant("orbitBit31" as const) }),
  fc.record({ kind: fc.constant("bitmapBit" as const), bit: fc.oneof(fc.constant(0), fc.nat(3583)) }),
  fc.record({ kind: fc.constant("linkWord" as const), block: fc.nat(5), link: fc.nat(7), frame: fc.constantFrom(0 as const, 1 as const), value: fc.nat(0xffffffff) }),
  fc.record({ kind: fc.constant("muonSlot" as const), block: fc.nat(5), slot: fc.nat(15), word: fc.nat(0xffffffff) }),
);

function applyCmsswEdit(orbit: Uint8Array, e: CmsswEdit): void {
  const v = new DataView(orbit.buffer, orbit.byteOffset, orbit.length);
  const nBlocks = (orbit.length - 32 - 544) / 192;
  const bitmap = orbit.length - 544 + 32;
  const or = (at: number, x: number) => v.setUint32(at, (v.getUint32(at, true) | x) >>> 0, true);
  if (e.kind === "orbitBit31") or(0, 0x80000000);
  else if (e.kind === "bitmapBit") or(bitmap + 4 * (e.bit >>> 5), 1 << (e.bit & 31));
  else if (nBlocks > 0) {
    const blk = 32 + 192 * (e.block % nBlocks);
    // muon slot k: link k % 8, slot A (frames 2, 3) for k < 8, B (frames 4, 5) otherwise
    if (e.kind === "linkWord") v.setUint32(blk + 32 * e.frame + 4 * e.link, e.value, true);
    else v.setUint32(blk + 32 * (e.slot < 8 ? 2 : 4) + 4 * (e.slot % 8), (e.word | (1 << 10)) >>> 0, true); // pt ≥ 1
  }
}

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

  it("on orbits CMSSW decodes through (tolerated deviations), in both header modes, under any chunking", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.constantFrom("muon" as const, "calo" as const),
        fc.constantFrom("scoutloop" as const, "scdaq" as const),
        fc.array(fc.array(cmsswEditArb, { maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 3000 }), { maxLength: 4 }),
        (seed, stream, header, edits, cuts) => {
          const parts = edits.map((es, k) => {
            const bytes = frameOrbit(randomBatch(seed + k, { orbit: 10 + k, maxBx: 6, muonFraction: 0.9 }), stream, { header });
            for (const e of es) applyCmsswEdit(bytes, e);
            return bytes;
          });
          parts.push(packetTrailer({ autorealign: 0, dropped: 0, orbitCounter: parts.length }));
          const bytes = concatBytes(parts);
          const opts = header === "scdaq" ? { header, stream } : {};
          const ts = runChunked(bytes, "ts", [], opts);
          expect(diffRuns(ts, runChunked(bytes, "native", [], opts))).toBeNull();
          expect(diffRuns(ts, runChunked(bytes, "native", cuts.length ? cuts : [1], opts))).toBeNull();
          expect(accountingError(ts.d, bytes.length)).toBeNull();
          for (const k of TOLERATED_FAULTS) if (ts.d.stats.faults[k].count) seen.add(k);
        },
      ),
      { numRuns: 200 },
    );
    // the edits did reach every tolerated kind (the property is not vacuous)
    expect([...seen].sort()).toEqual([...TOLERATED_FAULTS].sort());
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
