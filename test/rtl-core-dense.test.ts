// Dense AE/VAE encoder cores under Verilator, bit for bit against the TS fixed-point model
// (src/scoring/nn.ts scoreFixedRaw, hls4ml dense-latency arithmetic): generated and randomized
// events, ReLU and LeakyReLU, rounding product casts, saturating results and scores, stalls,
// measured vs stated latency, and a stuck weight bit caught on exactly the events a faulted copy
// of the software model changes.
import { beforeAll, describe, expect, it as plainIt } from "vitest";
import { axol1tlNormalisation, denseLayer, DenseNetModel, parseFixed, seededRandom, type Activation } from "../src/scoring/index.js";
import { generateScorerCore } from "../src/rtl/core.js";
import { buildCoreSim, runCoreSim, type CoreSimBuild } from "../src/rtl/core-sim.js";
import { modelWithStuckBit, type WeightFault } from "../src/rtl/faults.js";
import { peerDescribe, peerIt } from "./helpers/peers.js";
import { generatedEvents, mismatches, randomRaw, verilatorLint } from "./helpers/rtlCore.js";

const BUILD_TIMEOUT = 300_000;
const it = peerIt("verilator");

function net(kind: "ae" | "vae", sizes: number[], acts: Activation[], formats: { accum: string; result: string; output: string; input?: string }, seed: number): DenseNetModel {
  const r = seededRandom(seed);
  const layers = sizes.slice(1).map((o, k) => denseLayer(sizes[k], o,
    Array.from({ length: sizes[k] * o }, () => (r() < 0.15 ? 0 : (r() - 0.5) / 3)), Array.from({ length: o }, () => (r() - 0.5)), acts[k],
    { weight: "ap_fixed<8,1,AP_RND_CONV,AP_SAT>", accum: formats.accum, result: formats.result }, 0.3));
  return new DenseNetModel({
    kind, nFeatures: sizes[0], normalisation: axol1tlNormalisation(), layers,
    inputFormat: parseFixed(formats.input ?? "ap_fixed<18,13,AP_RND_CONV,AP_SAT>"), outputFormat: parseFixed(formats.output),
  });
}

// VAE encoder 57→8→4: rounding product casts (AP_RND accumulator), ReLU then LeakyReLU, a narrow
// saturating score so both saturated and in-range scores occur.
const vae = net("vae", [57, 8, 4], ["relu", "leaky_relu"], { accum: "ap_fixed<24,14,AP_RND,AP_WRAP>", result: "ap_fixed<12,7,AP_RND_CONV,AP_SAT>", output: "ap_ufixed<14,11,AP_RND_CONV,AP_SAT>" }, 3);
// Autoencoder 57→6→57 with the hls4ml-default TRN/WRAP accumulator and a wider unsigned score.
const ae = net("ae", [57, 6, 57], ["relu", "linear"], { accum: "ap_fixed<32,16>", result: "ap_fixed<16,8,AP_RND_CONV,AP_SAT>", output: "ap_ufixed<24,20,AP_RND_CONV,AP_SAT>" }, 4);

function eventsFor(model: DenseNetModel, seed: number): Int32Array {
  const ev = generatedEvents(seed, 1200);
  const gen = model.quantizeInputs(ev.features, ev.n);
  // Random rows, scaled down for half of them so the network is not always saturated.
  const rnd = randomRaw(model, 1200, seed + 1);
  for (let i = 0; i < rnd.length; i++) if ((Math.floor(i / 57) & 1) === 0) rnd[i] >>= 6;
  const out = new Int32Array(gen.length + rnd.length);
  out.set(gen);
  out.set(rnd, gen.length);
  return out;
}

function saturation(model: DenseNetModel, ref: Int32Array): number[] {
  const f = model.outputFormat;
  const hi = f.signed ? 2 ** (f.width - 1) - 1 : 2 ** f.width - 1, lo = f.signed ? -(2 ** (f.width - 1)) : 0;
  return Array.from(ref, (r) => (r === hi || r === lo ? 1 : 0));
}

peerDescribe(["verilator"], "dense encoder cores (Verilator vs TS)", () => {
  describe("VAE encoder 57→8→4", () => {
    const core = generateScorerCore(vae);
    let build: CoreSimBuild;
    beforeAll(async () => {
      build = await buildCoreSim(core.verilog, core.manifest);
    }, BUILD_TIMEOUT);

    it("states its interface and passes verilator -Wall lint", async () => {
      expect(core.manifest).toMatchObject({ kind: "nn", modelKind: "vae", modelId: vae.id, nFeatures: 57, inWidth: 18, outWidth: 14, outSigned: false, ii: 1 });
      expect(await verilatorLint(core.verilog)).toBe("");
    });

    it("scores generated and randomized events bit for bit, saturation flags included, under stalls", async () => {
      const raw = eventsFor(vae, 51);
      const n = raw.length / 57;
      const ref = vae.scoreFixedRaw(raw, n);
      const sat = saturation(vae, ref);
      expect(sat.some((s) => s === 1) && sat.some((s) => s === 0)).toBe(true);
      const res = await runCoreSim(build, core.manifest, { raw, n }, { gapProb: 0.2, stallProb: 0.3, seed: 5 });
      expect(res.outputs).toBe(n);
      expect(res.violations).toBe(0);
      expect(mismatches(res.score, ref)).toEqual([]);
      expect(mismatches(res.saturated, sat)).toEqual([]);
      expect(mismatches(res.bx, Array.from({ length: n }, (_, i) => (i % 3564) + 1))).toEqual([]);
    });

    it("shows each event after exactly the stated latency, one per cycle", async () => {
      const raw = randomRaw(vae, 300, 8);
      const res = await runCoreSim(build, core.manifest, { raw, n: 300 });
      expect(new Set(Array.from(res.outCycle, (o, i) => o - res.inCycle[i]))).toEqual(new Set([core.manifest.latency]));
      expect(res.inCycle[299] - res.inCycle[0]).toBe(299);
    });

    it("a stuck weight bit changes exactly the events a faulted copy of the software model changes", async () => {
      const raw = eventsFor(vae, 61);
      const n = raw.length / 57;
      const clean = vae.scoreFixedRaw(raw, n);
      // A non-zero weight of layer 0 and its bit 5 forced to the opposite value.
      const l0 = vae.spec.layers[0];
      const idx = Array.from(l0.wRaw.keys()).find((i) => l0.wRaw[i] !== 0 && Math.floor(i / l0.nOut) < 3)!;
      const w = l0.wRaw[idx];
      const fault: WeightFault = { kind: "weight", layer: 0, input: Math.floor(idx / l0.nOut), output: idx % l0.nOut, bit: 6, value: (((w >>> 0) >> 6) & 1) ? 0 : 1 };
      const faultyRef = modelWithStuckBit(vae, fault).scoreFixedRaw(raw, n);
      const expected = mismatches(faultyRef, clean);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(n);
      const faulty = generateScorerCore(vae, { fault });
      expect(faulty.verilog).toContain("STUCK BIT");
      expect(faulty.manifest.faults[0]).toMatchObject(fault);
      const fbuild = await buildCoreSim(faulty.verilog, faulty.manifest);
      const res = await runCoreSim(fbuild, faulty.manifest, { raw, n });
      expect(mismatches(res.score, clean)).toEqual(expected);
      expect(mismatches(res.score, faultyRef)).toEqual([]);
    }, BUILD_TIMEOUT);
  });

  it("autoencoder 57→6→57 (reconstruction error, inputs delayed to the loss) is bit-exact", async () => {
    const core = generateScorerCore(ae);
    expect(core.manifest.modelKind).toBe("ae");
    expect(await verilatorLint(core.verilog)).toBe("");
    const build = await buildCoreSim(core.verilog, core.manifest);
    const raw = eventsFor(ae, 71);
    const n = raw.length / 57;
    const ref = ae.scoreFixedRaw(raw, n);
    expect(new Set(ref).size).toBeGreaterThan(100); // a real spread of scores, not one saturated value
    const res = await runCoreSim(build, core.manifest, { raw, n }, { stallProb: 0.25, seed: 9 });
    expect(mismatches(res.score, ref)).toEqual([]);
  }, BUILD_TIMEOUT);
});

describe("dense core generator limits", () => {
  plainIt("refuses a saturating accumulator that can overflow, with a clear reason", () => {
    const m = net("vae", [57, 4], ["linear"], { accum: "ap_fixed<12,4,AP_TRN,AP_SAT>", result: "ap_fixed<12,4>", output: "ap_ufixed<16,8>" }, 5);
    expect(() => generateScorerCore(m)).toThrow(/saturating accumulator .* can overflow/);
  });

  plainIt("accepts a saturating accumulator that provably never overflows", () => {
    const m = net("vae", [57, 4], ["linear"], { accum: "ap_fixed<40,28,AP_TRN,AP_SAT>", result: "ap_fixed<16,8>", output: "ap_ufixed<16,8>" }, 5);
    expect(generateScorerCore(m).manifest.kind).toBe("nn");
  });
});
