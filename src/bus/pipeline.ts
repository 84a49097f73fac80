/**
 * The whole chain as one RxJS pipeline over orbit batches:
 *
 *   source → [frame → deframe] → features → score (scorers side by side) → tally
 *
 * Two clocks (DESIGN §1):
 * - "pull": the source yields an orbit only when the sink has returned credit (`window` orbits in
 *   flight), so a slow board throttles the source and nothing is dropped;
 * - "link-rate": orbits arrive on the LHC clock into a bounded receive buffer that the pipeline
 *   drains with the same credits; arrivals to a full buffer are counted as dropped orbits, and
 *   latency is measured from the scheduled arrival times.
 */
import { lastValueFrom, map, type Observable } from "rxjs";
import type { OrbitBatch } from "../events/batch.js";
import { ORBIT_HZ } from "../events/batch.js";
import { Comparator, type CompareOptions } from "../compare/comparator.js";
import { cyclesToNs } from "../compare/latency.js";
import type { RunSummary } from "../compare/summary.js";
import { checkSummary } from "../compare/summary.js";
import { features } from "./features.js";
import { deframe, frame, type LinkCodec } from "./link.js";
import { linkRateSource } from "./linkRateSource.js";
import { Demand, pullSource } from "./pullSource.js";
import { dropOrbit, score, scoreRequest } from "./score.js";
import { REASON, failedBatch } from "../compare/results.js";
import { expectedFlags } from "./scorers/software.js";
import { boundedMergeMap } from "../link/boundedMergeMap.js";
import type { OrbitWorkerPool } from "./orbitWorkers/pool.js";
import type { PipelineModel, Scorer } from "./scorer.js";
import { RunTally, tally } from "./tally.js";
import { newWork, nowNs, type OrbitWork } from "./work.js";

export interface PipelineOptions {
  source: Iterable<OrbitBatch>;
  /** Model whose input format the features are quantised to (what every scorer receives). */
  model: PipelineModel;
  /** One or more scorers; the first two are compared. */
  scorers: Scorer[];
  mode?: "pull" | "link-rate";
  /** Link framer/deframer; omit to hand orbits straight to the features stage. */
  link?: LinkCodec;
  /** Orbits in flight between source and sink (default 4). */
  window?: number;
  /** Orbits scored at once (default 2). */
  concurrency?: number;
  /** Link-rate mode: orbit rate (default LHC) and receive buffer in orbits (default 256). */
  orbitHz?: number;
  bufferOrbits?: number;
  /** Comparison settings (null: do not compare). */
  compare?: CompareOptions | null;
  /** Called after each orbit is booked. */
  onOrbit?: (tally: RunTally) => void;
  /** Sees each finished orbit with its results before its arrays are released (e.g. ScoreRecorder). */
  onWork?: (work: OrbitWork) => void;
  /**
   * Whole-orbit workers (orbitWorkers/pool.ts): frame on this thread, then deframe, features and
   * scoring of each orbit in a worker thread (`link` is unused: the pool frames and deframes with
   * the real scouting link). `scorers` may then hold scorers beside the pool — boards — which get
   * the raw inputs the workers send back (a pool made with `wantInputs`) and are compared with it.
   */
  orbitWorkers?: OrbitWorkerPool;
}

/** The pipeline as an Observable of finished orbits, with the tally it books into. */
export function buildPipeline(opts: PipelineOptions): { orbits$: Observable<OrbitWork>; tally: RunTally } {
  if (opts.orbitWorkers) return buildWorkerPipeline(opts, opts.orbitWorkers);
  if (opts.scorers.length === 0) throw new Error("pipeline needs at least one scorer");
  const names = opts.scorers.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error(`scorer names must differ: ${names.join(", ")}`);
  const comparator = opts.compare === null || opts.scorers.length < 2 ? null : new Comparator(opts.compare ?? {});
  const runTally = new RunTally(names, comparator);
  const concurrency = Math.max(1, opts.concurrency ?? 2);

  const demand = new Demand();
  const source$ = sourceOf(opts, demand);
  const linked = opts.link ? source$.pipe(frame(opts.link), deframe(opts.link)) : source$;
  const orbits$ = linked.pipe(
    features(opts.model),
    // The source's credits bound what is in flight, so the score stage never needs to drop.
    score(opts.scorers, { concurrency, queue: Infinity }),
    tally(runTally, demand, opts.onWork),
    map((work) => {
      opts.onOrbit?.(runTally);
      return work;
    }),
  );
  return { orbits$, tally: runTally };
}

function sourceOf(opts: PipelineOptions, demand: Demand): Observable<OrbitWork> {
  const window = opts.window ?? 4;
  if ((opts.mode ?? "pull") === "pull") {
    let seq = 0;
    return pullSource(opts.source, demand, { window }).pipe(map((batch) => newWork(seq++, batch, nowNs())));
  }
  return linkRateSource(opts.source, demand, { orbitHz: opts.orbitHz, bufferOrbits: opts.bufferOrbits, window });
}

/**
 * source → pool (frame here; deframe → features → score in a worker) → [scorers beside it, on the
 * inputs the worker sent back] → tally.
 */
function buildWorkerPipeline(opts: PipelineOptions, pool: OrbitWorkerPool): { orbits$: Observable<OrbitWork>; tally: RunTally } {
  const beside = opts.scorers;
  const names = [pool.name, ...beside.map((s) => s.name)];
  if (new Set(names).size !== names.length) throw new Error(`scorer names must differ: ${names.join(", ")}`);
  const comparator = opts.compare === null || beside.length === 0 ? null : new Comparator(opts.compare ?? {});
  const runTally = new RunTally(names, comparator);
  pool.newRun();
  const demand = new Demand();
  const dropped = [{ name: pool.name, score: () => { throw new Error("unreachable"); } }, ...beside];
  const process = (work: OrbitWork) => (beside.length ? pool.process(work).then((w) => scoreBeside(w, beside, opts.model)) : pool.process(work));
  const orbits$ = sourceOf(opts, demand).pipe(
    // The source's credits bound what is in flight (window), so nothing waits here without bound.
    boundedMergeMap((work: OrbitWork) => (work.dropped ? [dropOrbit(work, dropped)] : process(work)), {
      concurrency: Math.max(1, opts.window ?? 4),
      queueLimit: Infinity,
    }),
    tally(runTally, demand, opts.onWork),
    map((work) => {
      opts.onOrbit?.(runTally);
      return work;
    }),
  );
  return { orbits$, tally: runTally };
}

const NO_FEATURES = new Float32Array(0);

/**
 * The scorers beside a whole-orbit pool score what its worker decoded: the raw inputs and their BX
 * (boards take raw inputs only; physical features stay in the worker). An orbit the worker could
 * not decode or score has nothing to send: the others' events fail as the pool's did. The pool's
 * scores get the reply flags a correct board sets (as the in-process software scorer's do), so
 * flags are compared too.
 */
async function scoreBeside(work: OrbitWork, scorers: readonly Scorer[], model: PipelineModel): Promise<OrbitWork> {
  const own = work.results![0];
  if (!work.inputs || !work.inputsBx) {
    work.results = [own, ...scorers.map((s) => ({ ...failedBatch(s.name, work.input.orbit, work.input.bx, REASON.deframeLost), status: own.status.map((st) => (st === 0 ? REASON.scorerError : st)) }))];
    return work;
  }
  const bx = work.inputsBx;
  const req = { orbit: work.input.orbit, n: bx.length, bx, features: NO_FEATURES, inputs: work.inputs };
  if (own.raw && own.n === req.n && own.bx.every((b, i) => b === bx[i])) own.flags = expectedFlags(model, own.raw, req);
  work.results = [own, ...(await Promise.all(scorers.map((s) => scoreRequest(s, req, work.input))))];
  return work;
}

/** Summary of a finished (or interrupted) run. */
export function summarize(t: RunTally, mode: "pull" | "link-rate", seconds: number, orbitHz = ORBIT_HZ): RunSummary {
  const fw = t.firmwareCycles.count ? t.firmwareCycles.summary() : null;
  const summary: RunSummary = {
    tool: "scoutloop",
    mode,
    scorers: [...t.scorerNames],
    accounting: t.accounting.summary(),
    comparison: t.comparator ? t.comparator.summary() : null,
    latency: {
      hostRtt: t.hostRtt.count ? t.hostRtt.summary() : null,
      firmwareCycles: fw,
      firmwareNs: fw && t.clockMHz ? cyclesToNs(fw, t.clockMHz) : null,
      orbit: t.orbitLatency.count ? t.orbitLatency.summary() : null,
    },
    // Throughput counts what was processed: dropped orbits cost nothing and must not count.
    throughput: {
      seconds,
      orbitsPerSecond: seconds > 0 ? (t.orbits - t.droppedOrbits) / seconds : 0,
      eventsPerSecond: seconds > 0 ? t.eventsProcessed / seconds : 0,
      realTimeFraction: seconds > 0 ? (t.orbits - t.droppedOrbits) / seconds / orbitHz : 0,
    },
    linkFaults: { ...t.linkFaults },
    problems: [],
  };
  // A run is bad when the books do not balance, the scorers disagree, events failed or orbits
  // were dropped; what the user declared to expect is settled later (compare/verdict.ts).
  summary.problems = checkSummary(summary)
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`);
  return summary;
}

/** Run the pipeline to completion and summarise it. Scorers are not closed here. */
export async function runPipeline(opts: PipelineOptions): Promise<RunSummary> {
  return (await runPipelineTallied(opts)).summary;
}

/** runPipeline, also handing back the tally (per-unit books the summary does not carry by itself). */
export async function runPipelineTallied(opts: PipelineOptions): Promise<{ summary: RunSummary; tally: RunTally }> {
  const { orbits$, tally: t } = buildPipeline(opts);
  const start = nowNs();
  await lastValueFrom(orbits$, { defaultValue: null });
  const seconds = (nowNs() - start) / 1e9;
  return { summary: summarize(t, opts.mode ?? "pull", seconds, opts.orbitHz ?? ORBIT_HZ), tally: t };
}
