// The one-pass native feature path (native/features.cc featuresAndInputs) against the TS reference:
// extractFeatures (src/events/features.ts) then the general per-value quantiser, bit for bit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatArb } from "./helpers/fixedArbs.js";
import { allocateBatch, type OrbitBatch } from "../src/events/batch.js";
import { N_FEATURES, extractFeatures } from "../src/events/features.js";
import { fixedFormat, parseFixed, type FixedFormat } from "../src/scoring/fixed.js";
import { nativeFeaturesAndInputs } from "../src/scoring/native.js";
import { axol1tlNormalisation, type Normalisation } from "../src/scoring/normalise.js";
import { quantizeRowsReference } from "../src/scoring/quantize-rows.js";
import { generateOrbits } from "../src/trigger/index.js";


const INT32_EDGES = [0, 1, -1, 2, 511, 512, 2047, 4095, 65535, 2 ** 31 - 1, -(2 ** 31)];
/** Hardware values: ordinary ranges, field edges and int32 extremes. */
const etArb = fc.oneof(fc.integer({ min: 0, max: 2047 }), fc.constantFrom(...INT32_EDGES));
const etaArb = fc.oneof(fc.integer({ min: -300, max: 300 }), fc.constantFrom(...INT32_EDGES));
/** φ around the wrap points of both scales (72/144 calo, 288/576 muon) and beyond. */
const phiArb = fc.oneof(fc.integer({ min: -600, max: 1200 }), fc.constantFrom(0, 71, 72, 73, 143, 144, 287, 288, 575, 576, -72, -288, ...INT32_EDGES));

interface Obj { et: number; eta: number; phi: number }
const objArb = fc.record({ et: etArb, eta: etaArb, phi: phiArb });
/** One BX: up to 12 e/γ, 8 muons, 12 jets (more than the 4/4/10 slots), MET. */
const bxArb = fc.record({
  eg: fc.array(objArb, { maxLength: 12 }),
  mu: fc.array(objArb, { maxLength: 8 }),
  jet: fc.array(objArb, { maxLength: 12 }),
  met: etArb,
  metPhi: phiArb,
});

function buildBatch(rows: { eg: Obj[]; mu: Obj[]; jet: Obj[]; met: number; metPhi: number }[]): OrbitBatch {
  const count = (k: "eg" | "mu" | "jet") => rows.reduce((a, r) => a + r[k].length, 0);
  const b = allocateBatch(7, { nBx: rows.length, muons: count("mu"), jets: count("jet"), egammas: count("eg"), taus: 0 });
  let ne = 0, nm = 0, nj = 0;
  rows.forEach((r, i) => {
    b.bx[i] = i + 1;
    b.sums.hwMissEt[i] = r.met;
    b.sums.hwMissEtPhi[i] = r.metPhi;
    for (const o of r.eg) (b.egammas.hwEt[ne] = o.et), (b.egammas.hwEta[ne] = o.eta), (b.egammas.hwPhi[ne] = o.phi), ne++;
    for (const o of r.mu) (b.muons.hwPt[nm] = o.et), (b.muons.hwEtaAtVtx[nm] = o.eta), (b.muons.hwPhiAtVtx[nm] = o.phi), nm++;
    for (const o of r.jet) (b.jets.hwEt[nj] = o.et), (b.jets.hwEta[nj] = o.eta), (b.jets.hwPhi[nj] = o.phi), nj++;
    b.egammas.offset[i + 1] = ne;
    b.muons.offset[i + 1] = nm;
    b.jets.offset[i + 1] = nj;
  });
  return b;
}

/** Normalisations: the AXOL1TL one, or random scale/offset per feature (tiny, huge, negative, zero). */
const normArb: fc.Arbitrary<Normalisation> = fc.oneof(
  fc.constant(null).map(() => axol1tlNormalisation()),
  fc.record({
    scale: fc.array(fc.oneof(fc.constantFrom(1, 0, -1, 0.5, 1e9, 1e-9), fc.double({ min: -8, max: 8, noNaN: true })), { minLength: N_FEATURES, maxLength: N_FEATURES }),
    offset: fc.array(fc.oneof(fc.constant(0), fc.double({ min: -100, max: 100, noNaN: true })), { minLength: N_FEATURES, maxLength: N_FEATURES }),
  }).map((r) => ({ scale: Float64Array.from(r.scale), offset: Float64Array.from(r.offset) })),
);

function expectSameBits(batch: OrbitBatch, norm: Normalisation, f: FixedFormat): void {
  const refFeatures = extractFeatures(batch);
  const refInputs = quantizeRowsReference(norm, f, refFeatures, batch.nBx);
  // Reused output buffers must be fully overwritten: start them dirty.
  const outF = new Float32Array(batch.nBx * N_FEATURES).fill(NaN);
  const outI = new Int32Array(batch.nBx * N_FEATURES).fill(-7);
  const got = nativeFeaturesAndInputs(norm, f, batch, outF, outI);
  // Bytes, not values: -0 and +0 must agree too.
  expect(new Uint8Array(got.features.buffer)).toEqual(new Uint8Array(refFeatures.buffer));
  expect(got.inputs).toEqual(refInputs);
}

describe("native one-pass features and inputs", () => {
  it("random batches (edge values, overfull slots, > 64 rows) in any format and normalisation: the TS bits", () => {
    fc.assert(
      fc.property(fc.array(bxArb, { maxLength: 140 }), normArb, formatArb, (rows, norm, f) => {
        expectSameBits(buildBatch(rows), norm, f);
      }),
      { numRuns: 300 },
    );
  });

  it("generated orbits (both streams) in the AXOL1TL input format: the TS bits", () => {
    const f = parseFixed("ap_fixed<18,13,AP_RND_CONV,AP_SAT>");
    let n = 0;
    for (const b of generateOrbits({ seed: 11, orbits: 1 })) {
      expect(b.nBx).toBeGreaterThan(1000);
      expectSameBits(b, axol1tlNormalisation(), f);
      n++;
    }
    expect(n).toBe(1);
  });

  it("rejects what it cannot hold: a format wider than 32-bit storage, short buffers, bad offsets", () => {
    const b = buildBatch([{ eg: [], mu: [{ et: 3, eta: 1, phi: 2 }], jet: [], met: 1, metPhi: 1 }]);
    const norm = axol1tlNormalisation();
    expect(() => nativeFeaturesAndInputs(norm, fixedFormat(31, 10, false), b)).not.toThrow();
    expect(() => nativeFeaturesAndInputs(norm, fixedFormat(32, 10, false), b)).toThrow(/32-bit/);
    expect(() => nativeFeaturesAndInputs(norm, parseFixed("ap_fixed<18,13>"), b, new Float32Array(10))).toThrow(/lengths/);
    b.muons.offset[1] = 99;
    expect(() => nativeFeaturesAndInputs(norm, parseFixed("ap_fixed<18,13>"), b)).toThrow(/offsets out of range/);
  });
});
