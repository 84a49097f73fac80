/**
 * What watching a run costs: the same pipeline with and without the live dashboard (server,
 * sampler at 4 Hz, one SSE client reading every event), runs interleaved so the host's load hits
 * both alike; best and range of each, and their ratio.
 *  - pull mode, replay → link → native scorer (both streams): events/s;
 *  - link-rate mode, muon stream, bus only at the LHC orbit rate: dropped orbits.
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { ORBIT_HZ, type OrbitBatch } from "../src/events/batch.js";
import { runPipeline, scoutingLink, softwareScorer, type PipelineModel, type PipelineOptions } from "../src/bus/index.js";
import { defaultModel } from "../src/bus/model.js";
import { replayPool } from "../src/bus/session.js";
import type { RunSummary } from "../src/compare/summary.js";
import { deframeAll, frameOrbit, mergeStreams } from "../src/link/index.js";
import { Dashboard } from "../src/live/server.js";
import { LiveSampler } from "../src/live/sampler.js";
import type { RunTally } from "../src/bus/tally.js";
import { nativeScorer } from "../src/scoring/index.js";
import { generateOrbits } from "../src/trigger/index.js";
import { bestTime, formatRate } from "./_timing.js";

/** One pipeline run, watched (dashboard + one SSE reader in another process, as a browser is) or not. */
let lastTally: RunTally | null = null;

async function once(opts: PipelineOptions, watched: boolean): Promise<{ summary: RunSummary; cost?: Dashboard["cost"]; cpuNsPerEvent: number }> {
  // CPU of this process per event (the dashboard's work included): less bent by other processes than wall rates.
  const cpu = async (run: Promise<RunSummary>) => {
    const c0 = process.cpuUsage();
    const summary = await run;
    const c = process.cpuUsage(c0);
    return { summary, cpuNsPerEvent: ((c.user + c.system) * 1e3) / Math.max(1, summary.accounting.events.in) };
  };
  if (!watched) return cpu(runPipeline(opts));
  const d = await Dashboard.start({ port: 0 });
  d.begin({ describe: "bench", scorers: opts.scorers.map((s) => s.name), mode: opts.mode ?? "pull", orbitHz: opts.orbitHz, totalOrbits: null });
  // A plain reader in its own process: prints one byte at its first chunk, then drains the stream.
  const readerJs = "require('http').get(process.argv[1], (r) => { r.once('data', () => process.stdout.write('x')); r.resume(); })";
  const reader = spawn(process.execPath, ["-e", readerJs, `${d.url}events`], { stdio: ["ignore", "pipe", "ignore"] });
  // Connected (it has the hello) before the first orbit, as a browser left open is.
  await new Promise<void>((resolve) => (reader.stdout.once("data", () => resolve()), reader.once("exit", () => resolve())));
  reader.stdout.resume();
  try {
    const { summary, cpuNsPerEvent } = await cpu(runPipeline({ ...opts, onOrbit: (t) => (d.attach(t), (lastTally = t)) }));
    d.finish(summary);
    return { summary, cost: d.cost, cpuNsPerEvent };
  } finally {
    await d.close();
    reader.kill();
  }
}

function range(xs: number[], f: (x: number) => string): string {
  return `${f(Math.max(...xs))} (range ${f(Math.min(...xs))} – ${f(Math.max(...xs))})`;
}

export async function run(): Promise<void> {
  const model = defaultModel();
  const fast: PipelineModel = nativeScorer(model);
  const pool = [...generateOrbits({ seed: 8, orbits: 8 })];
  const reps = 3;
  console.log(`host load (1/5/15 min): ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);

  // Pull mode: every orbit as fast as the chain goes; the dashboard would show here as lost events/s.
  const pull: PipelineOptions = { source: [], model: fast, scorers: [softwareScorer(fast, { name: "native" })], link: scoutingLink(), mode: "pull", window: 4, concurrency: 2, compare: null };
  const rates = { plain: [] as number[], watched: [] as number[] };
  const cpuPer = { plain: [] as number[], watched: [] as number[] };
  const cost = { samples: 0, busyMs: 0, bytesSent: 0, seconds: 0 };
  const book = (summary: RunSummary, c?: Dashboard["cost"]) => {
    if (!c) return;
    cost.samples += c.samples;
    cost.busyMs += c.busyMs;
    cost.bytesSent += c.bytesSent;
    cost.seconds += summary.throughput.seconds;
  };
  for (let r = 0; r < reps; r++) {
    for (const watched of r % 2 ? [true, false] : [false, true]) {
      const { summary, cost: c, cpuNsPerEvent } = await once({ ...pull, source: replayPool(pool, pool.length, 400), link: scoutingLink() }, watched);
      (watched ? rates.watched : rates.plain).push(summary.throughput.eventsPerSecond);
      (watched ? cpuPer.watched : cpuPer.plain).push(cpuNsPerEvent);
      book(summary, c);
    }
  }
  const f = (x: number) => formatRate(x, " ev/s");
  console.log(`pull, replay → link → native scorer, without dashboard  ${range(rates.plain, f)}`);
  console.log(`pull, replay → link → native scorer, with dashboard     ${range(rates.watched, f)}`);
  console.log(`with / without (best of ${reps} each)                       ${(Math.max(...rates.watched) / Math.max(...rates.plain)).toFixed(3)}×`);
  const ns = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ") + " ns";
  console.log(`process CPU per event: without ${ns(cpuPer.plain)}; with ${ns(cpuPer.watched)}; best with / best without ${(Math.min(...cpuPer.watched) / Math.min(...cpuPer.plain)).toFixed(3)}×`);

  // Link-rate mode at the LHC clock, muon stream, bus only: the dashboard would show here as drops.
  const muonPool: OrbitBatch[] = pool.map((b) => mergeStreams(deframeAll(frameOrbit(b, "muon"), { core: "native" }).orbits[0]?.batch ?? null, null));
  const nullModel: PipelineModel = {
    id: "null", nFeatures: 57, inputFormat: { width: 16, int: 8 }, outputFormat: { width: 16, int: 8 },
    quantizeInputs: (_f, n) => new Int32Array(n * 57), scoreFixedRaw: (_r, n) => new Int32Array(n), scoreFloat: (_f, n) => new Float64Array(n),
  };
  const orbits = Math.round(ORBIT_HZ); // 1 s of beam
  const drops = { plain: [] as number[], watched: [] as number[] };
  const p99 = { plain: [] as number[], watched: [] as number[] };
  for (let r = 0; r < reps; r++) {
    for (const watched of r % 2 ? [true, false] : [false, true]) {
      const opts: PipelineOptions = { source: replayPool(muonPool, muonPool.length, orbits), model: nullModel, scorers: [softwareScorer(nullModel, { name: "null" })], mode: "link-rate", bufferOrbits: 2048, window: 4, concurrency: 2, compare: null };
      const { summary, cost: c } = await once(opts, watched);
      book(summary, c);
      (watched ? drops.watched : drops.plain).push(summary.accounting.orbits.dropped);
      (watched ? p99.watched : p99.plain).push(summary.latency.orbit?.p99 ?? 0);
    }
  }
  const ms = (xs: number[]) => xs.map((x) => (x / 1e6).toFixed(2)).join(", ") + " ms";
  console.log(`link-rate LHC, muon bus only, ${orbits} orbits: dropped without ${drops.plain.join(", ")}; with ${drops.watched.join(", ")}`);
  console.log(`  orbit latency p99 without ${ms(p99.plain)}; with ${ms(p99.watched)}`);
  console.log(`dashboard's own work over all watched runs: ${cost.samples} time points in ${cost.seconds.toFixed(1)} s, ${(cost.busyMs / cost.samples).toFixed(2)} ms each (sample + send), ${((cost.busyMs / 1e3 / cost.seconds) * 100).toFixed(2)} % of the main thread; ${(cost.bytesSent / 1024).toFixed(0)} KiB sent`);
  // CPU cost of one time point on a real run's tally, best of many (wall time above includes the host's preemption).
  if (lastTally) {
    const t: RunTally = lastTally;
    const sampler = new LiveSampler({});
    sampler.attach(t);
    let x = 1e6;
    const one = bestTime(() => {
      // Something new in every histogram, so each window walks its buckets.
      t.orbitLatency.record((x += 1000));
      t.hostRtt.record(x);
      t.firmwareCycles.record(12);
      JSON.stringify(sampler.sample());
    }, 300, 50);
    console.log(`one time point (sample + JSON), best of many: ${(one * 1e6).toFixed(0)} µs → ${((one * 4) * 100).toFixed(3)} % of one core at 4 Hz`);
    sampler.destroy();
  }
  console.log(`host load after (1/5/15 min): ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
}
