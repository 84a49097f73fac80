/**
 * score: every scorer scores each orbit's events (side by side, e.g. software model and board);
 * results are laid over the orbit's *input* BX list so each event that entered gets a status.
 *
 * ```
 * source: --a--b--c-----|          concurrency 2
 * board:  --[==a==]
 *              [====b====]
 * score:  --------a'------b'--c'|   each orbit' carries one ScoreBatch per scorer
 * ```
 *
 * Built on `boundedMergeMap`: the pipeline's source credits keep its queue short; with a finite
 * `queue` an overflowing orbit is dropped here instead (every event failed "dropped-orbit").
 * Orbits the source already dropped pass straight through with their events failed.
 */
import type { OperatorFunction } from "rxjs";
import { REASON, failedBatch, type ScoreBatch } from "../compare/results.js";
import type { OrbitBatch } from "../events/batch.js";
import { boundedMergeMap } from "../link/boundedMergeMap.js";
import type { OrbitScoreRequest, Scorer } from "./scorer.js";
import type { OrbitWork } from "./work.js";

/**
 * A result over the decoded events mapped onto the input BX list: events the link lost become
 * "deframe-lost"; events the deframer invented (not in the input) are not events and are left out.
 */
export function alignToInput(input: OrbitBatch, result: ScoreBatch): ScoreBatch {
  const n = input.nBx;
  if (result.n === n && result.bx.every((b, i) => b === input.bx[i])) return result;
  const at = new Int32Array(1 << 16).fill(-1);
  for (let j = 0; j < result.n; j++) at[result.bx[j]] = j;
  const out: ScoreBatch = {
    ...result,
    n,
    bx: input.bx,
    status: new Uint8Array(n),
    value: new Float64Array(n),
    raw: result.raw ? new Int32Array(n) : undefined,
    flags: result.flags ? new Uint8Array(n) : undefined,
    firmwareCycles: result.firmwareCycles ? new Float64Array(n).fill(NaN) : undefined,
  };
  for (let i = 0; i < n; i++) {
    const j = at[input.bx[i]];
    if (j < 0) {
      out.status[i] = REASON.deframeLost;
      out.value[i] = NaN;
      continue;
    }
    out.status[i] = result.status[j];
    out.value[i] = result.value[j];
    if (out.raw) out.raw[i] = result.raw![j];
    if (out.flags) out.flags[i] = result.flags![j];
    if (out.firmwareCycles) out.firmwareCycles[i] = result.firmwareCycles![j];
  }
  return out;
}

/** Fail every event of an orbit for every scorer (dropped orbit). */
export function dropOrbit(work: OrbitWork, scorers: readonly Scorer[]): OrbitWork {
  work.dropped = true;
  work.results = scorers.map((s) => failedBatch(s.name, work.input.orbit, work.input.bx, REASON.droppedOrbit));
  return work;
}

function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

/**
 * A scorer that throws (or rejects) does not end the run: its events fail with "scorer-error".
 * Synchronous scorers (software models) stay synchronous: no promise and no microtask hop per orbit.
 */
function scoreOne(scorer: Scorer, work: OrbitWork): ScoreBatch | Promise<ScoreBatch> {
  const batch = work.decoded!;
  return scoreRequest(scorer, { orbit: batch.orbit, n: batch.nBx, bx: batch.bx, features: work.features!, inputs: work.inputs! }, work.input);
}

/** One scorer on one request, its result laid over the orbit's input BX list (a throw fails the events). */
export function scoreRequest(scorer: Scorer, req: OrbitScoreRequest, input: OrbitBatch): ScoreBatch | Promise<ScoreBatch> {
  const failed = () => failedBatch(scorer.name, input.orbit, input.bx, REASON.scorerError);
  const accept = (result: ScoreBatch): ScoreBatch => {
    if (result.n !== req.n) throw new Error(`${scorer.name} returned ${result.n} results for ${req.n} events`);
    return alignToInput(input, result);
  };
  try {
    const result = scorer.score(req);
    if (isThenable(result)) return Promise.resolve(result).then(accept).catch(failed);
    return accept(result);
  } catch {
    return failed();
  }
}

export function scoreOrbit(work: OrbitWork, scorers: readonly Scorer[]): OrbitWork | Promise<OrbitWork> {
  if (work.dropped) return dropOrbit(work, scorers);
  if (!work.decoded) {
    work.results = scorers.map((s) => failedBatch(s.name, work.input.orbit, work.input.bx, REASON.deframeLost));
    return work;
  }
  const results = scorers.map((s) => scoreOne(s, work));
  if (!results.some(isThenable)) {
    work.results = results as ScoreBatch[];
    return work;
  }
  return Promise.all(results).then((r) => {
    work.results = r;
    return work;
  });
}

export interface ScoreOptions {
  /** Orbits scored at once (board batches in flight). */
  concurrency: number;
  /** Orbits waiting for a slot; Infinity in pull mode. Overflow = dropped orbit. */
  queue: number;
}

export function score(scorers: readonly Scorer[], opts: ScoreOptions): OperatorFunction<OrbitWork, OrbitWork> {
  return boundedMergeMap((work: OrbitWork) => {
    const done = scoreOrbit(work, scorers);
    return isThenable(done) ? done : [done]; // an array is a synchronous inner: no promise per orbit
  }, {
    concurrency: Math.max(1, Math.floor(opts.concurrency)),
    queueLimit: opts.queue === Infinity ? Infinity : Math.max(0, Math.floor(opts.queue)),
    onOverflow: (work: OrbitWork) => dropOrbit(work, scorers),
  });
}
