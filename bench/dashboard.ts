/**
 * What watching a run costs: the same pipeline with and without the live dashboard (server,
 * sampler at 4 Hz, one SSE client reading every event), runs interleaved so the host's load hits
 * both alike; best and range of each, and their ratio.
 *  - pull mode, replay → link → native scorer (both streams): events/s;
 *  - link-rate mode, muon stream, bus only at the LHC orbit rate: dropped orbits.
 */
import { get } from "node:http";
import { loadavg } from "node:os";
import { ORBIT_HZ, type OrbitBatch } from "../src/events/batch.js";
import { runPipeline, scoutingLink, softwareScorer, type PipelineModel, type PipelineOptions } from "../src/bus/index.js";
import { defaultModel } from "../src/bus/model.js";
import { replayPool } from "../src/bus/session.js";
import type { RunSummary } from "../src/compare/summary.js";
import { deframeAll, frameOrbit, mergeStreams } from "../src/link/index.js";
import { Dashboard } from "../src/live/server.js";
import { nativeScorer } from "../src/scoring/index.js";
import { generateOrbits } from "../src/trigger/index.js";
import { formatRate } from "./_timing.js";

/** One pipeline run, watched (dashboard + one SSE reader) or not. */
async function once(opts: PipelineOptions, watched: boolean): Promise<{ summary: RunSummary; bytes: number }> {
  if (!watched) return { summary: await runPipeline(opts), bytes: 0 };
  const d = await Dashboard.start({ port: 0 });
  let bytes = 0;
  const reader = get(`${d.url}events`, (res) => res.on("data", (b: Buffer) => (bytes += b.length)));
  reader.on("error", () => {});
  try {
    d.begin({ describe: "bench", scorers: opts.scorers.map((s) => s.name), mode: opts.mode ?? "pull", orbitHz: opts.orbitHz, totalOrbits: null });
    const summary = await runPipeline({ ...opts, onOrbit: (t) => d.attach(t) });
    d.finish(summary);
    return { summary, bytes };
  } finally {
    await d.close();
    reader.destroy();
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
  let sent = 0;
  for (let r = 0; r < reps; r++) {
    for (const watched of r % 2 ? [true, false] : [false, true]) {
      const { summary, bytes } = await once({ ...pull, source: replayPool(pool, pool.length, 60), link: scoutingLink() }, watched);
      (watched ? rates.watched : rates.plain).push(summary.throughput.eventsPerSecond);
      sent += bytes;
    }
  }
  const f = (x: number) => formatRate(x, " ev/s");
  console.log(`pull, replay → link → native scorer, without dashboard  ${range(rates.plain, f)}`);
  console.log(`pull, replay → link → native scorer, with dashboard     ${range(rates.watched, f)}   (${(sent / 1024).toFixed(0)} KiB of SSE read)`);
  console.log(`with / without (best of ${reps} each)                       ${(Math.max(...rates.watched) / Math.max(...rates.plain)).toFixed(3)}×`);

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
      const { summary } = await once(opts, watched);
      (watched ? drops.watched : drops.plain).push(summary.accounting.orbits.dropped);
      (watched ? p99.watched : p99.plain).push(summary.latency.orbit?.p99 ?? 0);
    }
  }
  const ms = (xs: number[]) => xs.map((x) => (x / 1e6).toFixed(2)).join(", ") + " ms";
  console.log(`link-rate LHC, muon bus only, ${orbits} orbits: dropped without ${drops.plain.join(", ")}; with ${drops.watched.join(", ")}`);
  console.log(`  orbit latency p99 without ${ms(p99.plain)}; with ${ms(p99.watched)}`);
  console.log(`host load after (1/5/15 min): ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
}
