/** A complete run directory for report tests, built from generated events (small, seeded). */
import { N_FEATURES } from "../src/events/features.js";
import { generateOrbits } from "../src/trigger/index.js";
import { trainIsolationForest } from "../src/scoring/index.js";
import type { RunSummary } from "../src/compare/summary.js";
import { generatedRunRecord } from "../src/report/record.js";
import { MonitorFiller, compareToReference } from "../src/monitor/monitor.js";
import { DEFAULT_SELECTIONS, parseSelection } from "../src/monitor/selection.js";
import { generalSearch } from "../src/monitor/general-search.js";
import { collectSample } from "../src/scoring/sample.js";
import { injectStudy } from "../src/study/inject.js";
import { kfoldCompare } from "../src/study/kfold.js";
import { mulberry32 } from "../src/study/shuffle.js";
import { gpInjectionStudy } from "../src/study/gp-search.js";
import { padStudy } from "../src/study/pad-study.js";
import { NPLM_DEFAULTS, nplmInjectionScan, nplmTest, type Table } from "../src/study/nplm.js";
import type { RunRecord } from "../src/compare/run-record.js";
import { FULL_COVERAGE, ObjectDiffer, pairOrbitStreams } from "../src/compare/objects/index.js";
import { randomBatch } from "./helpers/randomBatch.js";

export function smallModel(seed = 11) {
  const s = collectSample(generateOrbits({ seed, orbits: 1 }), 1500);
  return trainIsolationForest(s.features, s.n, N_FEATURES, { seed, nTrees: 20, sampleSize: 128 });
}

export function lognormal(n: number, medianNs: number, sigma: number, seed: number): number[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const u = Math.max(rnd(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
    return medianNs * Math.exp(sigma * z);
  });
}

export function fixtureSummary(): RunSummary {
  const lat = (p50: number) => ({ unit: "ns", count: 100, min: p50 / 2, mean: p50, p50, p90: p50 * 1.5, p99: p50 * 2, p99_9: p50 * 3, max: p50 * 4 });
  return {
    tool: "scoutloop 0.1.0", mode: "pull", scorers: ["software", "board"],
    accounting: {
      orbits: { in: 2, completed: 2, dropped: 0 }, events: { in: 5000 },
      scorers: { software: { events: 5000, scored: 5000, failed: 0, failedByReason: {} }, board: { events: 5000, scored: 4998, failed: 2, failedByReason: { timeout: 2 } } },
    },
    comparison: {
      mode: "exact", abs: 0, rel: 0, ignore: [], paired: 4998, unpaired: 2, orphans: 0, matched: 4997, mismatches: 1,
      fields: { raw: { compared: 4998, mismatched: 1 }, value: { compared: 4998, mismatched: 1 }, flags: { compared: 0, mismatched: 0 } },
      firstMismatches: [{ orbit: 1, bx: 77, fields: ["raw", "value"], a: { scorer: "software", raw: 1234, value: 0.6025, flags: null }, b: { scorer: "board", raw: 1235, value: 0.603, flags: null }, inputs: null, rawBits: { a: "0x000004d2", b: "0x000004d3" }, rawXor: "0x00000001" }],
    },
    latency: { hostRtt: lat(80_000), firmwareCycles: null, firmwareNs: lat(400), orbit: null },
    throughput: { seconds: 1, orbitsPerSecond: 2, eventsPerSecond: 5000, realTimeFraction: 0.0002 },
    linkFaults: { "bad-magic": 3, "crc": 1 },
    problems: ["no-mismatches: 1/4998 events mismatched"],
  } as unknown as RunSummary;
}

export function fixtureRecord(): RunRecord {
  const model = smallModel();
  const rec = generatedRunRecord({ model, seed: 4, orbits: 1, signalOrbits: 1, signals: ["Ato4l", "LQ_btau"], version: "test" });
  rec.latency = { firmwareNs: lognormal(500, 400, 0.1, 1), hostRttNs: lognormal(500, 80_000, 0.4, 2) };
  rec.manifest.boardHello = { board: "emulator", firmware: "sim-1", clockMHz: 240 };
  return rec;
}

export function fixtureMonitor() {
  const sels = DEFAULT_SELECTIONS.map(parseSelection);
  const obs = new MonitorFiller(sels).addAll(generateOrbits({ seed: 2, orbits: 1, signal: "Ato4l", injectFraction: 0.05 }));
  const ref = new MonitorFiller(sels).addAll(generateOrbits({ seed: 1, orbits: 1 }));
  const m = compareToReference(obs, ref, { observed: "seed 2 + Ato4l 5 %", reference: "seed 1" });
  m.generalSearch = generalSearch(m, { pseudoExperiments: 3, seed: 1 });
  return m;
}

export function fixtureInject(model = smallModel()) {
  const bkg = collectSample(generateOrbits({ seed: 6, orbits: 1 }));
  const sig = collectSample(generateOrbits({ seed: 7, orbits: 1, signal: "Ato4l", injectFraction: 1 }), 400);
  return injectStudy({ model, background: bkg, signal: sig, signalName: "Ato4l", fractions: [0, 0.01, 0.1], cutFpr: 0.05, seed: 3 });
}

export function fixtureKfold() {
  const bkg = collectSample(generateOrbits({ seed: 8, orbits: 1 }), 1200);
  const sig = collectSample(generateOrbits({ seed: 9, orbits: 1, signal: "Ato4l", injectFraction: 1 }), 300);
  const small = (f: Float32Array, n: number, nf: number, seed: number) => trainIsolationForest(f, n, nf, { seed, nTrees: 10, sampleSize: 64 });
  const deep = (f: Float32Array, n: number, nf: number, seed: number) => trainIsolationForest(f, n, nf, { seed, nTrees: 30, sampleSize: 128 });
  return kfoldCompare({ background: bkg, signals: [{ name: "Ato4l", sample: sig }], candidates: [{ name: "IF-10", trainer: small }, { name: "IF-30", trainer: deep }], k: 3, seed: 2 });
}

/** An object diff of a random batch against a copy with a few fields changed (diff.json of `diff --report`). */
export function fixtureDiff() {
  const a = randomBatch(21, { maxBx: 40, muonFraction: 0.6 });
  const b = structuredClone(a);
  for (let j = 0; j < b.jets.hwEt.length; j += 7) b.jets.hwEt[j] = b.jets.hwEt[j] > 1 ? b.jets.hwEt[j] - 1 : 2;
  for (let j = 0; j < b.muons.hwPhi.length; j += 3) b.muons.hwPhi[j] = (b.muons.hwPhi[j] + 2) % 576;
  const differ = new ObjectDiffer({ coverageA: FULL_COVERAGE, coverageB: FULL_COVERAGE, firstK: 5 });
  const pairing = pairOrbitStreams([a], [b], differ);
  const input = (path: string) => ({ path, describe: path, format: "jsonl", coverage: FULL_COVERAGE, faults: {} });
  return { ...differ.result(), inputs: { A: input("a.jsonl"), B: input("b.jsonl") }, pairBy: "bx" as const, pairing, problems: [] };
}

/** NPLM on one column (exponential reference, a Gaussian bump in the data): test and injection scan, small and fast. */
export function fixtureNplm(): { test: ReturnType<typeof nplmTest>; scan: ReturnType<typeof nplmInjectionScan> } {
  const rnd = mulberry32(17);
  const col = (n: number, bump = 0): Table => ({ n, d: 1, columns: ["x"], values: Float64Array.from({ length: n }, (_, i) => (i < bump ? 2.5 + 0.4 * Math.sqrt(-2 * Math.log(Math.max(rnd(), 1e-12))) * Math.cos(2 * Math.PI * rnd()) : -Math.log(1 - rnd()))) });
  const config = { ...NPLM_DEFAULTS, m: 30, toys: 12 };
  const test = nplmTest({ reference: col(3000), data: col(600, 40), describeReference: "exp(1)", describeData: "exp(1) + bump", config });
  const scan = nplmInjectionScan({ background: col(3600), signal: col(200, 200), signalName: "bump", nData: 600, nRef: 2400, fractions: [0, 0.05, 0.1], toysPerFraction: 3, config, describeBackground: "exp(1)" });
  return { test, scan };
}

/** GP search: a small spectrum, the spurious-signal row and one injected row, one toy each. */
export function fixtureGp() {
  const edges = Array.from({ length: 21 }, (_, i) => 1 + (2.5 * i) / 20);
  return gpInjectionStudy({ edges, backgroundEvents: 2e4, mass: 2, width: 0.1, injected: [0, 800], toys: 1, seed: 5 });
}

/** PAD/FBM on one generated orbit: λ = 0 and 0.1 of Ato4l. */
export function fixturePad() {
  const bkg = collectSample(generateOrbits({ seed: 12, orbits: 1 }));
  const sig = collectSample(generateOrbits({ seed: 13, orbits: 1, signal: "Ato4l", injectFraction: 1 }), 300);
  return padStudy({ background: bkg, signal: sig, signalName: "Ato4l", lambdas: [0, 0.1], dataEvents: 800, kBackground: 4, kSignal: 1, gamma1: 30, gamma2: 10, seed: 2 });
}
