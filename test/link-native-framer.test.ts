import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { diffBatches, SUM_FIELDS, type OrbitBatch } from "../src/events/batch.js";
import { generateOrbits } from "../src/trigger/index.js";
import { deframeAll, frameOrbit, frameOrbitNative, mergeStreams, type FrameOptions, type LinkStream } from "../src/link/index.js";
import { randomBatch } from "./helpers/randomBatch.js";

const STREAMS: readonly LinkStream[] = ["muon", "calo"];

/** Both cores on the same batch; the native packer must not decline a batch the link can carry. */
function expectSameBytes(b: OrbitBatch, stream: LinkStream, opts: FrameOptions = {}): void {
  const ts = frameOrbit(b, stream, { ...opts, core: "ts" });
  const nat = frameOrbitNative(b, stream, opts);
  expect(nat, "native packer declined a valid batch").toBeDefined();
  expect(Buffer.from(nat!).equals(Buffer.from(ts))).toBe(true);
}

/** The error message `f` throws, or null. */
function thrown(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

// Valid [lo, hi] of every field the link carries (written out here, independent of the framer's tables).
// Station η: CMSSW ScGMTRawToDigi reads raw 0x100 as +256 ("ieta_u > 256 ? ieta_u - 512"), so −255..256.
type Target = { stream: LinkStream; block: "muons" | "jets" | "egammas" | "taus" | "sums"; field: string; lo: number; hi: number };
const MUON_T: [string, number, number][] = [
  ["hwPt", 1, 511], ["hwEtaAtVtx", -256, 255], ["hwPhiAtVtx", 0, 1023], ["hwEta", -255, 256], ["hwPhi", 0, 1023],
  ["hwQual", 0, 15], ["hwCharge", -1, 1], ["hwIso", 0, 3], ["hwPtUnconstrained", 0, 255], ["hwDXY", 0, 3], ["tfMuonIndex", 0, 127],
];
const TARGETS: Target[] = [
  ...MUON_T.map(([field, lo, hi]) => ({ stream: "muon" as const, block: "muons" as const, field, lo, hi })),
  ...(["jets", "egammas", "taus"] as const).flatMap((block) => [
    { stream: "calo" as const, block, field: "hwEt", lo: 1, hi: block === "jets" ? 2047 : 511 },
    { stream: "calo" as const, block, field: "hwEta", lo: -128, hi: 127 },
    { stream: "calo" as const, block, field: "hwPhi", lo: 0, hi: 255 },
    { stream: "calo" as const, block, field: "hwIso", lo: 0, hi: 3 },
  ]),
  ...SUM_FIELDS.map((field) => ({
    stream: "calo" as const, block: "sums" as const, field,
    lo: 0, hi: field === "hwTowerCount" ? 8191 : field.endsWith("Phi") ? 255 : 4095,
  })),
];

describe("native framer (native/framer.cc) is bit-identical to the TS framer", () => {
  it("random batches, both streams, CRC on and off", () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000), fc.integer({ min: 0, max: 300 }), fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(...STREAMS), fc.boolean(),
        (seed, maxBx, muonFraction, stream, crc) => expectSameBytes(randomBatch(seed, { maxBx, muonFraction }), stream, { crc }),
      ),
      { numRuns: 400 },
    );
  });

  it("full generated orbits, both streams, CRC on and off", () => {
    for (const b of generateOrbits({ seed: 3, orbits: 2, signal: "Ato4l", injectFraction: 0.05 })) {
      expect(b.nBx).toBeGreaterThan(1000);
      for (const stream of STREAMS) for (const crc of [false, true]) expectSameBytes(b, stream, { crc });
    }
  });

  it("dropEmpty: same bytes and the same dropped count", () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.constantFrom(...STREAMS), (seed, stream) => {
        const b = randomBatch(seed, { maxBx: 60, muonFraction: 0.6 });
        // Empty objects ("no object" values) here and there.
        b.muons.hwPt.forEach((_, j) => j % 3 === 0 && (b.muons.hwPt[j] = 0));
        for (const blk of [b.jets, b.egammas, b.taus]) blk.hwEt.forEach((_, j) => j % 4 === 1 && (blk.hwEt[j] = 0));
        const dTs = { objects: 0 }, dNative = { objects: 0 };
        const ts = frameOrbit(b, stream, { core: "ts", dropEmpty: true, dropped: dTs });
        const nat = frameOrbit(b, stream, { core: "native", dropEmpty: true, dropped: dNative });
        expect(Buffer.from(nat).equals(Buffer.from(ts))).toBe(true);
        expect(dNative.objects).toBe(dTs.objects);
        expect(frameOrbitNative(b, stream, { dropEmpty: true })).toBeDefined();
      }),
      { numRuns: 150 },
    );
  });

  it("an out-of-range field: the native packer declines, both cores throw the same error", () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000), fc.constantFrom(...TARGETS), fc.constantFrom("below", "above", "far"), fc.nat(),
        (seed, t, side, pick) => {
          const b = randomBatch(seed, { maxBx: 30, muonFraction: 0.7 });
          const arr = (b[t.block] as unknown as Record<string, Int32Array>)[t.field];
          fc.pre(arr.length > 0);
          arr[pick % arr.length] = side === "below" ? t.lo - 1 : side === "above" ? t.hi + 1 : -(2 ** 31);
          expect(frameOrbitNative(b, t.stream, {})).toBeUndefined();
          const errTs = thrown(() => frameOrbit(b, t.stream, { core: "ts" }));
          expect(errTs).toMatch(/^RangeError: orbit \d+ BX \d+: /);
          expect(thrown(() => frameOrbit(b, t.stream, { core: "native" }))).toBe(errTs);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("bad orbit, BX list, counts and malformed batches: same outcome in both cores, no crash", () => {
    const cases: [string, (b: OrbitBatch) => void][] = [
      ["orbit over 31 bits", (b) => (b.orbit = 2 ** 31)],
      ["orbit not an integer", (b) => (b.orbit = 1.5)],
      ["BX 0", (b) => (b.bx[0] = 0)],
      ["BX not ascending", (b) => (b.bx[1] = b.bx[0])],
      ["9 muons in a BX", (b) => (b.muons.offset[1] = b.muons.offset[0] + 9)],
      ["13 jets in a BX", (b) => (b.jets.offset[1] = b.jets.offset[0] + 13)],
      ["offsets past the field arrays", (b) => (b.muons.offset[b.nBx] = 1e6)],
      ["offsets going backwards", (b) => (b.jets.offset[1] = 0)],
      ["nBx larger than the BX list", (b) => (b.nBx = b.bx.length + 5)],
      ["a field as Float64Array", (b) => (b.jets.hwEta = Float64Array.from(b.jets.hwEta) as unknown as Int32Array)],
    ];
    for (const [what, breakIt] of cases) {
      for (const stream of STREAMS) {
        const b = randomBatch(42, { maxBx: 40, muonFraction: 1 });
        expect(b.nBx).toBeGreaterThan(2);
        breakIt(b);
        let bytesTs: Uint8Array | undefined, bytesNative: Uint8Array | undefined;
        const errTs = thrown(() => (bytesTs = frameOrbit(b, stream, { core: "ts" })));
        expect(thrown(() => (bytesNative = frameOrbit(b, stream, { core: "native" }))), `${what} (${stream})`).toBe(errTs);
        if (errTs) expect(frameOrbitNative(b, stream, {}), `${what} (${stream})`).toBeUndefined();
        else expect(Buffer.from(bytesNative!).equals(Buffer.from(bytesTs!))).toBe(true);
      }
    }
  });

  it("native frame → native deframe gives the batch back", () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.integer({ min: 0, max: 200 }), fc.boolean(), (seed, maxBx, crc) => {
        const b = randomBatch(seed, { maxBx, orbit: 1 + (seed % 1000) });
        const mu = deframeAll(frameOrbit(b, "muon", { core: "native", crc }), { core: "native" });
        const ca = deframeAll(frameOrbit(b, "calo", { core: "native", crc }), { core: "native" });
        expect(mu.orbits.length).toBe(1);
        expect(ca.orbits.length).toBe(1);
        expect(diffBatches(mergeStreams(mu.orbits[0].batch, ca.orbits[0].batch), b)).toBeNull();
      }),
      { numRuns: 150 },
    );
  });
});
