// Isolation-forest scorer cores under Verilator, bit for bit against the TS fixed-point model
// (src/scoring/iforest.ts scoreFixedRaw): generated and randomized events, threshold boundaries,
// both sum plans (adder tree, in-order saturating chain), WRAP and unsigned formats, random
// stalls, measured vs stated latency, and a stuck threshold bit caught on exactly the events a
// faulted copy of the software model changes.
import { beforeAll, describe, expect } from "vitest";
import { iforestFromJSON, overflowRaw, seededRandom, trainIsolationForest, type IsolationForestModel } from "../src/scoring/index.js";
import { generateScorerCore, type ScorerCore } from "../src/rtl/core.js";
import { buildCoreSim, runCoreSim, type CoreSimBuild } from "../src/rtl/core-sim.js";
import { modelWithStuckBit, stuckValue, thresholdFaultNode, type ThresholdFault } from "../src/rtl/faults.js";
import { iforestSumPlan } from "../src/rtl/iforest-core.js";
import { peerDescribe, peerIt } from "./helpers/peers.js";
import { generatedEvents, mismatches, randomRaw, verilatorLint } from "./helpers/rtlCore.js";

const BUILD_TIMEOUT = 240_000;
const it = peerIt("verilator");

function smallForest(): IsolationForestModel {
  const train = generatedEvents(7, 2000);
  return trainIsolationForest(train.features, train.n, train.nFeatures, { seed: 5, nTrees: 8, sampleSize: 32 });
}

/** Rows that sit on split bounds: feature j at cut − 1, cut, cut + 1 of random split nodes. */
function boundaryRaw(model: IsolationForestModel, n: number, seed: number): Int32Array {
  const rand = seededRandom(seed);
  const out = randomRaw(model, n, seed + 1);
  const f = model.spec.forest;
  const splits = Array.from(f.feature.keys()).filter((i) => f.feature[i] >= 0);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < 6; k++) {
      const node = splits[Math.floor(rand() * splits.length)];
      const v = model.cut[node] + Math.floor(rand() * 3) - 1;
      out[r * model.nFeatures + f.feature[node]] = Math.max(-(2 ** 17), Math.min(2 ** 17 - 1, v));
    }
  }
  return out;
}

/** init + Σ leaves of event i with no overflow anywhere (what a wide adder tree computes). */
function plainSum(model: IsolationForestModel, raw: Int32Array, i: number): number {
  const f = model.spec.forest;
  let total = model.initRaw;
  for (let t = 0; t < f.nTrees; t++) {
    let node = f.root[t];
    while (f.feature[node] >= 0) node = raw[i * model.nFeatures + f.feature[node]] >= model.cut[node] ? f.right[node] : f.left[node];
    total += model.leafRaw[node];
  }
  return total;
}

function concat(...parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

async function expectBitExact(model: IsolationForestModel, core: ScorerCore, build: CoreSimBuild, raw: Int32Array): Promise<void> {
  const n = raw.length / model.nFeatures;
  const res = await runCoreSim(build, core.manifest, { raw, n });
  expect(res.outputs).toBe(n);
  expect(res.violations).toBe(0);
  expect(mismatches(res.score, model.scoreFixedRaw(raw, n))).toEqual([]);
  const fmt = model.outputFormat;
  const ref = model.scoreFixedRaw(raw, n);
  const sat = Array.from(ref, (r) => (fmt.overflow !== "WRAP" && (r === (fmt.signed ? 2 ** (fmt.width - 1) - 1 : 2 ** fmt.width - 1) || r === (fmt.signed ? -(2 ** (fmt.width - 1)) + (fmt.overflow === "SAT_SYM" ? 1 : 0) : 0)) ? 1 : 0));
  expect(mismatches(res.saturated, sat)).toEqual([]);
}

peerDescribe(["verilator"], "isolation-forest core (Verilator vs TS)", () => {
  const model = smallForest();
  const core = generateScorerCore(model);
  let build: CoreSimBuild;
  beforeAll(async () => {
    build = await buildCoreSim(core.verilog, core.manifest);
  }, BUILD_TIMEOUT);

  it("states its interface in the manifest and passes verilator -Wall lint", async () => {
    expect(core.manifest).toMatchObject({
      top: "scoutloop_scorer", kind: "iforest", modelId: model.id, nFeatures: 57, inWidth: 18, outWidth: 18, outSigned: true,
      inputFormat: "ap_fixed<18,13,AP_RND_CONV,AP_SAT>", outputFormat: "ap_fixed<18,4,AP_RND_CONV,AP_SAT>", ii: 1, faults: [],
    });
    expect(core.manifest.notes?.sum).toBe("tree");
    expect(core.verilog).toContain(`model ${model.id}`);
    expect(await verilatorLint(core.verilog)).toBe("");
  });

  it("scores generated, randomized and boundary events bit for bit", async () => {
    const ev = generatedEvents(99, 1500);
    const raw = concat(model.quantizeInputs(ev.features, ev.n), randomRaw(model, 1000, 3), boundaryRaw(model, 1000, 4));
    await expectBitExact(model, core, build, raw);
  });

  it("takes one event per cycle and shows each after exactly the stated latency", async () => {
    const raw = randomRaw(model, 500, 11);
    const res = await runCoreSim(build, core.manifest, { raw, n: 500 });
    const lat = new Set(Array.from(res.outCycle, (o, i) => o - res.inCycle[i]));
    expect([...lat]).toEqual([core.manifest.latency]);
    for (let i = 1; i < 500; i++) expect(res.inCycle[i] - res.inCycle[i - 1]).toBe(1);
  });

  it("keeps order and tags under random input gaps and output stalls, losing and duplicating nothing", async () => {
    const n = 3000;
    const raw = randomRaw(model, n, 12);
    const orbit = new Uint32Array(n), bx = new Uint16Array(n);
    for (let i = 0; i < n; i++) { orbit[i] = 0xfffff000 + i * 3; bx[i] = 1 + ((i * 37) % 3564); } // every tag distinct, full 32-bit orbits
    for (const [gapProb, stallProb, seed] of [[0.3, 0.5, 1], [0, 0.9, 2], [0.7, 0.1, 3]] as const) {
      const res = await runCoreSim(build, core.manifest, { raw, n, orbit, bx }, { gapProb, stallProb, seed });
      expect(res.timedOut).toBe(false);
      expect(res.violations).toBe(0);
      expect(res.outputs).toBe(n);
      expect(res.accepted).toBe(n);
      expect(mismatches(res.orbit, orbit)).toEqual([]);
      expect(mismatches(res.bx, bx)).toEqual([]);
      expect(mismatches(res.score, model.scoreFixedRaw(raw, n))).toEqual([]);
      expect(res.cycles).toBeGreaterThan(n * 1.05); // the stalls really happened
    }
  });

  it("a stuck threshold bit changes exactly the events a faulted copy of the software model changes", async () => {
    const ev = generatedEvents(99, 1500);
    const raw = concat(model.quantizeInputs(ev.features, ev.n), boundaryRaw(model, 1000, 21));
    const n = raw.length / 57;
    const clean = model.scoreFixedRaw(raw, n);
    // The root of tree 0: the highest bit whose stuck value changes some events here.
    let fault: ThresholdFault | undefined, expected: number[] = [];
    for (let bit = 16; bit >= 0 && !fault; bit--) {
      const node = thresholdFaultNode(model, { kind: "threshold", tree: 0, node: 0, bit, value: 0 });
      const cut = model.cut[node];
      const value = (stuckValue(cut, 18, true, bit, 1) === cut ? 0 : 1) as 0 | 1;
      const cand: ThresholdFault = { kind: "threshold", tree: 0, node: 0, bit, value };
      const changed = mismatches(modelWithStuckBit(model, cand).scoreFixedRaw(raw, n), clean);
      if (changed.length > 0) { fault = cand; expected = changed; }
    }
    expect(fault).toBeDefined();
    const faulty = generateScorerCore(model, { fault });
    expect(faulty.manifest.faults).toHaveLength(1);
    expect(faulty.verilog).toContain("STUCK BIT");
    const fbuild = await buildCoreSim(faulty.verilog, faulty.manifest);
    const res = await runCoreSim(fbuild, faulty.manifest, { raw, n });
    expect(mismatches(res.score, clean)).toEqual(expected);
    expect(mismatches(res.score, modelWithStuckBit(model, fault!).scoreFixedRaw(raw, n))).toEqual([]);
  }, BUILD_TIMEOUT);
});

describe("isolation-forest sum plans", () => {
  const base = smallForest().toJSON() as Record<string, unknown>;
  const rand = seededRandom(31);
  // Mixed-sign leaves, a big norm and a narrow AP_SAT_SYM score: partial sums saturate, so the
  // order of the additions matters and only the in-order chain is exact.
  const mixed = iforestFromJSON({
    ...base, norm: -0.2, initPredict: -1.5, outputFormat: "ap_fixed<8,2,AP_TRN,AP_SAT_SYM>",
    trees: (base.trees as Array<Record<string, number[]>>).map((t) => ({ ...t, value: t.value.map((v) => (rand() < 0.5 ? -v : v)) })),
  });
  // Unsigned inputs, the "<=" convention and a wrapping unsigned score (adder tree, wrap once).
  const wrapping = iforestFromJSON({
    ...base, splitting: "<=", norm: 1, inputFormat: "ap_ufixed<10,8,AP_TRN,AP_SAT>", thresholdFormat: "ap_ufixed<10,8,AP_TRN,AP_SAT>",
    outputFormat: "ap_ufixed<12,4,AP_TRN,AP_WRAP>",
  });

  it("picks the chain only when a saturating sum depends on order", () => {
    expect(iforestSumPlan(mixed)).toBe("chain");
    expect(iforestSumPlan(wrapping)).toBe("tree");
    expect(iforestSumPlan(smallForest())).toBe("tree");
  });

  peerDescribe(["verilator"], "under Verilator", () => {
    it("the in-order saturating chain is bit-exact where an adder tree would not be", async () => {
      const raw = randomRaw(mixed, 3000, 41);
      const n = 3000;
      const ref = mixed.scoreFixedRaw(raw, n);
      // The inputs really exercise order dependence: clamp(total) differs from the software sum.
      let differs = 0, saturated = 0;
      for (let i = 0; i < n; i++) {
        if (overflowRaw(plainSum(mixed, raw, i), mixed.outputFormat) !== ref[i]) differs++;
        if (ref[i] === 127 || ref[i] === -127) saturated++;
      }
      expect(differs).toBeGreaterThan(0);
      expect(saturated).toBeGreaterThan(0);
      const core = generateScorerCore(mixed);
      expect(core.manifest.notes?.sum).toBe("chain");
      expect(await verilatorLint(core.verilog)).toBe("");
      const build = await buildCoreSim(core.verilog, core.manifest);
      await expectBitExact(mixed, core, build, raw);
      const lat = await runCoreSim(build, core.manifest, { raw, n: 200 });
      expect(new Set(Array.from(lat.outCycle, (o, i) => o - lat.inCycle[i]))).toEqual(new Set([core.manifest.latency]));
    }, BUILD_TIMEOUT);

    it("unsigned inputs, '<=' splits and a wrapping unsigned score are bit-exact", async () => {
      const ev = generatedEvents(77, 1000);
      const raw = concat(wrapping.quantizeInputs(ev.features, ev.n), randomRaw(wrapping, 1500, 42));
      const core = generateScorerCore(wrapping);
      expect(core.manifest).toMatchObject({ inWidth: 10, outWidth: 12, outSigned: false });
      expect(await verilatorLint(core.verilog)).toBe("");
      const build = await buildCoreSim(core.verilog, core.manifest);
      await expectBitExact(wrapping, core, build, raw);
      // Wrapping really happened on some events (the exact sum left the 12 bits).
      let wrapped = 0;
      for (let i = 0; i < raw.length / 57; i++) if (plainSum(wrapping, raw, i) > 4095) wrapped++;
      expect(wrapped).toBeGreaterThan(0);
    }, BUILD_TIMEOUT);
  });
});
