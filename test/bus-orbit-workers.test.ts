/**
 * Whole-orbit workers: orbits framed on the main thread, deframed, featurised and scored (native)
 * in worker threads; results held to the in-process TS reference chain bit for bit, every orbit
 * accounted (also when a worker dies mid-run and when the link rate drops orbits).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipeline, scoutingLink, softwareScorer } from "../src/bus/index.js";
import { orbitWorkerPool, type OrbitWorkerPool } from "../src/bus/orbitWorkers/pool.js";
import type { OrbitWork } from "../src/bus/work.js";
import { REASON } from "../src/compare/results.js";
import { trainIsolationForest, type IsolationForestModel } from "../src/scoring/index.js";
import { extractFeatures } from "../src/events/features.js";
import { toyOrbit } from "./helpers/busFixtures.js";
import { cli } from "./helpers/cli.js";

/** A small forest trained on the toy orbits' own features, so its splits separate their events. */
function smallForest(): IsolationForestModel {
  const train = toyOrbit(77, 400, 3);
  return trainIsolationForest(extractFeatures(train), train.nBx, 57, { seed: 3, nTrees: 20, sampleSize: 128 });
}

const orbits = (count: number, nBx = 30) => Array.from({ length: count }, (_, k) => toyOrbit(5000 + k, nBx, 11));

/** Raw scores per orbit number, as each finished orbit leaves the pipeline. */
function collect(into: Map<number, { raw: number[]; status: number[] }>) {
  return (w: OrbitWork) => {
    const r = w.results![0];
    into.set(w.input.orbit, { raw: Array.from(r.raw ?? []), status: Array.from(r.status) });
  };
}

describe("whole-orbit workers", () => {
  const model = smallForest();
  let pool: OrbitWorkerPool;
  beforeAll(async () => {
    pool = await orbitWorkerPool(model, { workers: 2, streams: ["muon", "calo"] });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it("score every orbit as the in-process TS reference chain does, bit for bit, shared over both workers", async () => {
    const src = orbits(40);
    const want = new Map<number, { raw: number[]; status: number[] }>();
    const ref = await runPipeline({ source: src, model, link: scoutingLink(), scorers: [softwareScorer(model, { name: "ts" })], compare: null, onWork: collect(want) });
    const got = new Map<number, { raw: number[]; status: number[] }>();
    const before = pool.counters().map((c) => c.orbits);
    const s = await runPipeline({ source: src, model, scorers: [], orbitWorkers: pool, window: 8, compare: null, onWork: collect(got) });
    expect(s.accounting.events.in).toBe(40 * 30);
    expect(s.accounting.events.in).toBe(ref.accounting.events.in);
    expect(got.size).toBe(40);
    expect(new Set([...want.values()].flatMap((r) => r.raw)).size).toBeGreaterThan(10); // real, varied scores
    for (const [orbit, r] of want) expect(got.get(orbit)).toEqual(r);
    expect(s.scorers).toEqual(["native"]);
    expect(Object.values(s.linkFaults).every((v) => v === 0)).toBe(true);
    const share = pool.counters().map((c, i) => c.orbits - before[i]);
    expect(share[0] + share[1]).toBe(40);
    expect(share[0]).toBeGreaterThan(0);
    expect(share[1]).toBeGreaterThan(0);
  }, 60_000);

  it("link rate above what the pool does: dropped orbits are counted, every event ends scored or failed", async () => {
    const src = orbits(600, 20);
    const s = await runPipeline({ source: src, model, scorers: [], orbitWorkers: pool, mode: "link-rate", orbitHz: 200_000, bufferOrbits: 8, window: 4, compare: null });
    const a = s.accounting;
    expect(a.events.in).toBe(600 * 20);
    // the books balance; the drops (and the events they failed) are what makes the run fail
    expect(s.problems.filter((p) => !/^no-(failures|dropped-orbits)/.test(p))).toEqual([]);
    expect(s.problems.some((p) => p.startsWith("no-dropped-orbits"))).toBe(true);
    const dropped = Object.values(a.scorers)[0].failedByReason?.["dropped-orbit"] ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(Object.values(a.scorers)[0].scored + Object.values(a.scorers)[0].failed).toBe(600 * 20);
  }, 60_000);

  it("a worker killed mid-run: its in-flight orbits fail with scorer-error, the other worker scores the rest", async () => {
    const doomed = await orbitWorkerPool(model, { workers: 2, streams: ["muon", "calo"] });
    try {
      let seen = 0;
      const reasons = new Map<number, number>();
      const s = await runPipeline({
        source: orbits(80), model, scorers: [], orbitWorkers: doomed, window: 6, compare: null,
        onWork: (w) => {
          if (++seen === 10) void doomed.kill(0);
          const r = w.results![0];
          for (const st of r.status) reasons.set(st, (reasons.get(st) ?? 0) + 1);
        },
      });
      expect(s.accounting.events.in).toBe(80 * 30);
      expect(s.problems.filter((p) => !p.startsWith("no-failures"))).toEqual([]); // books balance; failed events are reported
      const total = [...reasons.values()].reduce((x, y) => x + y, 0);
      expect(total).toBe(80 * 30);
      const failed = reasons.get(REASON.scorerError) ?? 0;
      expect(failed % 30).toBe(0); // whole orbits fail, never part of one
      const c = doomed.counters();
      expect(c[1].orbits).toBeGreaterThan(40); // the survivor took over
      expect(c[0].orbits + c[1].orbits + failed / 30).toBe(80);
    } finally {
      await doomed.close();
    }
  }, 60_000);

  it("run --orbit-workers 2: the summary names each worker with its share; misuse is a usage error", async () => {
    const r = await cli(["run", "--software", "native", "--orbit-workers", "2", "--orbits", "3", "--json"], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { accounting: { events: { in: number } }; backends: { native: { workers: { name: string; orbits: number; events: number }[] } } };
    const workers = s.backends.native.workers;
    expect(workers.map((w) => w.name)).toEqual(["native-worker-0", "native-worker-1"]);
    expect(workers.reduce((a, w) => a + w.orbits, 0)).toBe(3);
    expect(workers.reduce((a, w) => a + w.events, 0)).toBe(s.accounting.events.in);
    const bad = await cli(["run", "--orbit-workers", "2", "--orbits", "1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--orbit-workers runs the native model alone/);
  }, 180_000);
});
