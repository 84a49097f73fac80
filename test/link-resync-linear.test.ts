/**
 * Resync on garbage is linear (issue 11) and the block-walk memory behind it changes no result.
 *
 * - Work, not time: `Deframer.blockWalkFrames` counts the block-boundary frames the orbit-header
 *   checks examined. On header floods (bench/_linkGarbage.ts) it grows like the input (ratio at 4N
 *   vs N ≤ 5) and never exceeds the bytes pushed — without the memory every candidate header
 *   re-walked the boundaries of the one before it (O(N · 3564)).
 *   In SCDAQ header mode the trailer search likewise examines each position once however the
 *   stream is chunked (`trailerScanPositions`), and buffer copies stay ≤ 3× the bytes pushed with
 *   small chunks (`bytesCopied`; held bytes used to be copied again with every chunk).
 * - Same output: on random captures salted with header floods, orbit-trailer frames and
 *   mutations, both cores under any chunking give exactly what an oracle core gives whose walk is
 *   a copy of the old one (every candidate walks all its claimed boundaries, nothing remembered);
 *   in SCDAQ mode, what the trailer search gives when it starts from scratch on every call.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { headerFlood } from "../bench/_linkGarbage.js";
import {
  BEEFDEAD, concatBytes, DECODE_SLOT, DecodeCode, Deframer, frameOrbit, KNOWN_FLAGS, MAX_BX_BLOCKS, ORBIT_MARKER, packetTrailer,
  tsCore, WALK_SLOT, type DeframerCore, type DeframerOptions,
} from "../src/link/index.js";
import { createWalk } from "../src/link/scratch.js";
import { accountingError, buildStream, diffRuns, mutate, runChunked, type Mutation } from "./helpers/linkStreams.js";
import { randomBatch } from "./helpers/randomBatch.js";

const u32 = (b: Uint8Array, p: number): number => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
const isTrailerFrame = (b: Uint8Array, q: number): boolean => [0, 1, 2, 3, 4, 5, 6, 7].every((l) => u32(b, q + 4 * l) === BEEFDEAD);

/** Test-only copy of the header checks that come before the walk (decodeTs.ts decodeAt). */
function headerPasses(b: Uint8Array, p: number, end: number): boolean {
  if (end - p < 32 || u32(b, p + 4) !== ORBIT_MARKER) return false;
  const w2 = u32(b, p + 8), sds = w2 & 0xff, flags = (w2 >>> 8) & 0xff;
  for (let k = 4; k < 8; k++) if (u32(b, p + 4 * k) !== 0) return false;
  return w2 >>> 24 === 0 && ((w2 >>> 16) & 0xff) === 1 && (sds === 1 || sds === 2) && !(flags & ~KNOWN_FLAGS) && u32(b, p + 12) <= MAX_BX_BLOCKS;
}

/**
 * A memory that calls every boundary clean (one range over all stream offsets, per residue): the
 * decoder's own walk finds nothing, so the copied old walk in `oracleDecodeAt` alone decides.
 */
function everythingCleanWalk(): Float64Array {
  const w = createWalk();
  for (let r = 0; r < 192; r++) {
    w[WALK_SLOT.residues + 3 * r] = -Infinity;
    w[WALK_SLOT.residues + 3 * r + 1] = Infinity;
    w[WALK_SLOT.residues + 3 * r + 2] = 0;
  }
  return w;
}

/** The decoder as it was before the walk memory: the full walk per candidate, then the rest. */
function oracleDecodeAt(b: Uint8Array, p: number, end: number, s: Int32Array, r: Float64Array): void {
  if (headerPasses(b, p, end)) {
    const nBlocks = u32(b, p + 12);
    for (let k = 0; k < nBlocks; k++) {
      const q = p + 32 + k * 192;
      if (q + 32 > end) break;
      if (isTrailerFrame(b, q)) {
        r.fill(0);
        r[DECODE_SLOT.code] = DecodeCode.LengthMismatch;
        return;
      }
    }
  }
  tsCore.decodeAt(b, p, end, s, r, everythingCleanWalk());
}

const oracleCore: DeframerCore = {
  name: "ts",
  findCandidate: tsCore.findCandidate,
  decodeAt: (b, p, end, s, r) => oracleDecodeAt(b, p, end, s, r),
  next(b, from, end, s, r) {
    const p = tsCore.findCandidate(b, from, end);
    if (p >= 0) oracleDecodeAt(b, p, end, s, r);
    return p;
  },
  // a fresh memory per call: the SCDAQ trailer search as it was, from scratch every time
  scanScdaq: (b, pos, end, atBoundary, sds, s, r) => tsCore.scanScdaq(b, pos, end, atBoundary, sds, s, r, createWalk()),
};

/** Deframe `bytes` pushed in `chunk`-byte pieces (counting only); the deframer, its books checked. */
function deframeChunked(bytes: Uint8Array, core: "ts" | "native", chunk: number, options: Omit<DeframerOptions, "core"> = {}): Deframer {
  const d = new Deframer({ ...options, core, materialize: false });
  for (let p = 0; p < bytes.length; p += chunk) d.push(bytes.subarray(p, p + chunk));
  d.end();
  expect(accountingError(d, bytes.length)).toBeNull();
  return d;
}

const walkFrames = (bytes: Uint8Array, core: "ts" | "native", chunk = bytes.length): number => deframeChunked(bytes, core, chunk).blockWalkFrames;
const SCDAQ_MUON = { header: "scdaq", stream: "muon" } as const;

describe("resync work is linear in the input", () => {
  const N = 256 * 1024;
  for (const core of ["ts", "native"] as const) {
    for (const stride of [32, 192, 200]) {
      it(`header flood every ${stride} B (${core}): 4× the bytes, ≤ 5× the walk, ≤ 1 frame per byte`, () => {
        const small = walkFrames(headerFlood(N, stride), core);
        const large = walkFrames(headerFlood(4 * N, stride), core);
        const chunked = walkFrames(headerFlood(4 * N, stride), core, 64 * 1024);
        expect(small).toBeGreaterThan(0);
        expect(large / small).toBeLessThanOrEqual(5);
        expect(large).toBeLessThanOrEqual(4 * N);
        expect(chunked).toBeLessThanOrEqual(4 * N);
      });
    }
  }

  for (const core of ["ts", "native"] as const) {
    it(`SCDAQ header mode, 2 MiB without an orbit trailer in 16 KiB chunks (${core}): ≤ 1 position searched per byte`, () => {
      const d = deframeChunked(new Uint8Array(2 * 1024 * 1024), core, 16 * 1024, SCDAQ_MUON);
      expect(d.stats.faults.garbage.bytes + d.stats.faults.truncated.bytes).toBe(2 * 1024 * 1024);
      expect(d.trailerScanPositions).toBeGreaterThan(0);
      expect(d.trailerScanPositions).toBeLessThanOrEqual(2 * 1024 * 1024);
    });

    it(`buffer copies stay ≤ 3× the bytes pushed, however small the chunks (${core})`, () => {
      const cases: [Uint8Array, number, Omit<DeframerOptions, "core">][] = [
        [headerFlood(4 * N, 192), 192, {}], // past the first claimed orbit (684 kB): one decision per chunk
        [headerFlood(4 * N, 32), 1500, {}],
        [new Uint8Array(2 * 1024 * 1024), 16 * 1024, SCDAQ_MUON],
        [buildStream(7, 200, { maxBx: 30 }), 97, {}],
      ];
      for (const [bytes, chunk, options] of cases) {
        const d = deframeChunked(bytes, core, chunk, options);
        expect(d.bytesCopied, `${bytes.length} B in ${chunk} B chunks`).toBeLessThanOrEqual(3 * bytes.length);
      }
    });
  }

  it("a header flood deframes exactly as without the walk memory", () => {
    const bytes = headerFlood(N, 192);
    const oracle = runChunked(bytes, oracleCore);
    expect(oracle.d.stats.faults.lengthMismatch.count + oracle.d.stats.faults.truncated.count).toBeGreaterThan(1000);
    expect(diffRuns(oracle, runChunked(bytes, "ts"))).toBeNull();
    expect(diffRuns(oracle, runChunked(bytes, "native", [4096]))).toBeNull();
  });
});

/** Pieces of a capture: real orbits, header floods (small or full block counts), trailer frames, packet trailers, noise. */
type Piece =
  | { kind: "orbit"; seed: number; calo: boolean; crc: boolean }
  | { kind: "flood"; bytes: number; stride: number; blocks: number }
  | { kind: "trailerFrame"; at: number }
  | { kind: "packetTrailer" }
  | { kind: "noise"; bytes: number[] };
const pieceArb: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("orbit" as const), seed: fc.nat(1e6), calo: fc.boolean(), crc: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("flood" as const),
      bytes: fc.integer({ min: 32, max: 4000 }),
      stride: fc.oneof(fc.constantFrom(32, 64, 192, 196, 200, 384), fc.integer({ min: 32, max: 500 })),
      blocks: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constant(MAX_BX_BLOCKS)),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("trailerFrame" as const), at: fc.nat(200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("packetTrailer" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("noise" as const), bytes: fc.array(fc.nat(255), { maxLength: 300 }) }) },
);

function buildCapture(pieces: readonly Piece[]): Uint8Array {
  let orbit = 1;
  const parts = pieces.map((piece): Uint8Array => {
    switch (piece.kind) {
      case "orbit":
        return frameOrbit(randomBatch(piece.seed, { orbit: orbit++, maxBx: 4 }), piece.calo ? "calo" : "muon", { crc: piece.crc });
      case "flood":
        return headerFlood(piece.bytes, piece.stride, piece.blocks);
      case "trailerFrame": {
        // zeros, then an orbit-trailer frame `at` bytes in (any alignment a walk may step on)
        const b = new Uint8Array(piece.at + 32);
        const v = new DataView(b.buffer);
        for (let l = 0; l < 8; l++) v.setUint32(piece.at + 4 * l, BEEFDEAD, true);
        return b;
      }
      case "packetTrailer":
        return packetTrailer({ autorealign: 0, dropped: 0, orbitCounter: orbit });
      case "noise":
        return Uint8Array.from(piece.bytes);
    }
  });
  return concatBytes(parts);
}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), len: fc.nat(3000), to: fc.nat() }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.nat(800) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.array(fc.nat(255), { maxLength: 64 }) }),
);

/** How many push() calls runChunked makes for `length` bytes cut at `cuts` (cycled; none = one push). */
function pushes(length: number, cuts: readonly number[]): number {
  let n = 0;
  for (let pos = 0; pos < length; n++) pos += cuts.length ? Math.max(1, cuts[n % cuts.length]) : length;
  return n;
}

describe("the walk memory changes no result", () => {
  it("random captures salted with header floods and trailer frames: both cores, any chunking, = the old walk", () => {
    let lengthMismatches = 0, orbitsOk = 0, floodBytes = 0;
    fc.assert(
      fc.property(
        fc.array(pieceArb, { minLength: 1, maxLength: 14 }),
        fc.array(mutationArb, { maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 4 }),
        (pieces, muts, cuts) => {
          const bytes = mutate(buildCapture(pieces), muts);
          const oracle = runChunked(bytes, oracleCore);
          const runs = [
            runChunked(bytes, "ts"),
            runChunked(bytes, "ts", cuts),
            runChunked(bytes, "native"),
            runChunked(bytes, "native", cuts.map((c) => c * 3 + 1)),
          ];
          for (const run of runs) {
            expect(diffRuns(oracle, run)).toBeNull();
            expect(run.d.blockWalkFrames).toBeLessThanOrEqual(bytes.length);
          }
          // the two cores do the same work, not only give the same answer
          expect(runs[2].d.blockWalkFrames).toBe(runs[0].d.blockWalkFrames);
          expect(accountingError(oracle.d, bytes.length)).toBeNull();
          lengthMismatches += oracle.d.stats.faults.lengthMismatch.count;
          orbitsOk += oracle.orbits.length;
          floodBytes += pieces.reduce((a, p) => a + (p.kind === "flood" ? p.bytes : 0), 0);
        },
      ),
      { numRuns: 300 },
    );
    // not vacuous: walks did find trailers (length mismatches), orbits still came through
    expect(lengthMismatches).toBeGreaterThan(100);
    expect(orbitsOk).toBeGreaterThan(100);
    expect(floodBytes).toBeGreaterThan(0);
  }, 120_000);

  it("SCDAQ header mode: captures with trailer frames, noise and long trailer-less runs, both cores, any chunking, = the search without memory", () => {
    let orbitsOk = 0, skipped = 0;
    const scdaqPieceArb = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant("orbit" as const), seed: fc.nat(1e6) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("trailerFrame" as const), at: fc.nat(300) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("noise" as const), bytes: fc.array(fc.nat(255), { maxLength: 300 }) }) },
      // longer than the search window 2W (1.37 MB) now and then: the search gives up and skips W
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("zeros" as const), bytes: fc.oneof(fc.nat(5000), fc.integer({ min: 1_300_000, max: 3_000_000 })) }) },
    );
    fc.assert(
      fc.property(
        fc.constantFrom("muon" as const, "calo" as const),
        fc.array(scdaqPieceArb, { minLength: 1, maxLength: 10 }),
        fc.array(mutationArb, { maxLength: 3 }),
        fc.array(fc.integer({ min: 300, max: 40_000 }), { minLength: 1, maxLength: 3 }),
        (stream, pieces, muts, cuts) => {
          let orbit = 100;
          const parts = pieces.map((piece): Uint8Array => {
            if (piece.kind === "orbit") return frameOrbit(randomBatch(piece.seed, { orbit: orbit++, maxBx: 4 }), stream, { header: "scdaq" });
            if (piece.kind === "trailerFrame") {
              const b = new Uint8Array(piece.at + 32);
              for (let l = 0; l < 8; l++) new DataView(b.buffer).setUint32(piece.at + 4 * l, BEEFDEAD, true);
              return b;
            }
            return piece.kind === "zeros" ? new Uint8Array(piece.bytes) : Uint8Array.from(piece.bytes);
          });
          const bytes = mutate(concatBytes(parts), muts);
          const options = { header: "scdaq", stream } as const;
          const oracle = runChunked(bytes, oracleCore, [], options);
          for (const c of [cuts, cuts.map((x) => x * 3 + 1), []]) {
            for (const core of ["ts", "native"] as const) {
              const run = runChunked(bytes, core, c, options);
              expect(diffRuns(oracle, run)).toBeNull();
              // each position searched once, but a trailer found before its orbit is all here once more per push
              expect(run.d.trailerScanPositions).toBeLessThanOrEqual(bytes.length + pushes(bytes.length, c));
            }
          }
          orbitsOk += oracle.orbits.length;
          skipped += oracle.d.stats.faults.garbage.bytes;
        },
      ),
      { numRuns: 60 },
    );
    expect(orbitsOk).toBeGreaterThan(50);
    expect(skipped).toBeGreaterThan(1_000_000);
  }, 300_000);
});
