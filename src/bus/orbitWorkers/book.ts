/**
 * What both kinds of whole-orbit worker pool do on the run's side (threads, pool.ts; processes,
 * remotePool.ts): frame each orbit into one packet per stream and check orbit continuity from the
 * packet headers (this side sees every orbit, a worker only its share), then turn a worker's
 * compact answer into the orbit's result.
 */
import { REASON, failedBatch, type ScoreBatch } from "../../compare/results.js";
import type { LinkStream } from "../../link/index.js";
import type { ScoringModel } from "../../scoring/index.js";
import { scoreValues } from "../scorer.js";
import { alignToInput } from "../score.js";
import { framePackets } from "../scoutingLink.js";
import type { OrbitWork } from "../work.js";

/** What the summary shows per worker (thread or process). */
export interface OrbitWorkerCounters {
  name: string;
  orbits: number;
  events: number;
  failedOrbits: number;
  /** Worker time spent on orbits, s. */
  busySeconds: number;
  /** Worker processes: where it runs. */
  host?: string;
  pid?: number;
  /** Worker processes: orbits it scored that another worker had been given first. */
  resentOrbits?: number;
  /** Worker processes: orbits it had in flight when it was lost (re-sent elsewhere or failed). */
  lostOrbits?: number;
  /** Worker processes: why it left mid-run (null: it served to the end). */
  left?: string | null;
}

/** Orbit number of a framed orbit: word 0 of the 32-byte orbit header (docs/link-format.md). */
export function packetOrbit(bytes: Uint8Array): number {
  return (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
}

/** Frames orbits for the workers, counting orbit gaps and reorders across the whole run. */
export class OrbitFramer {
  private packets = 0;
  private readonly lastOrbit: number[];
  constructor(private readonly streams: readonly LinkStream[]) {
    this.lastOrbit = streams.map(() => -1);
  }
  /** A new run: continuity is checked from its first orbit on. */
  reset(): void {
    this.lastOrbit.fill(-1);
  }
  /** The orbit's packets; sets `work.linkFaults` to the continuity faults seen here. */
  frame(work: OrbitWork): Uint8Array[] {
    const chunks = framePackets(work.input, this.streams, ++this.packets);
    const faults: Record<string, number> = {};
    chunks.forEach((c, k) => {
      const orbit = packetOrbit(c);
      const last = this.lastOrbit[k];
      if (last >= 0 && orbit > last + 1) faults.orbitGap = (faults.orbitGap ?? 0) + 1;
      if (last >= 0 && orbit <= last) faults.orbitOrder = (faults.orbitOrder ?? 0) + 1;
      this.lastOrbit[k] = orbit;
    });
    work.linkFaults = faults;
    return chunks;
  }
}

/** A worker's answer for one orbit, however it travelled. */
export interface CompactAnswer {
  bx: Uint16Array | null;
  raw: Int32Array | null;
  inputs?: Int32Array | null;
  faults: Record<string, number>;
  error?: string;
}

/** Every event of the orbit failed with `reason`. */
export function failWork(work: OrbitWork, name: string, reason: number): OrbitWork {
  work.results = [failedBatch(name, work.input.orbit, work.input.bx, reason)];
  return work;
}

/**
 * Fill `work.results` from a worker's answer: "scored", "lost" (the link gave no usable orbit:
 * every event deframe-lost) or "error" (the worker failed the orbit: scorer-error).
 */
export function bookAnswer(work: OrbitWork, a: CompactAnswer, model: ScoringModel, name: string): "scored" | "lost" | "error" {
  const faults = (work.linkFaults ??= {});
  for (const [k, v] of Object.entries(a.faults)) faults[k] = (faults[k] ?? 0) + v;
  if (a.error) return failWork(work, name, REASON.scorerError), "error";
  if (!a.bx || !a.raw) return failWork(work, name, REASON.deframeLost), "lost";
  const n = a.bx.length;
  const result: ScoreBatch = { scorer: name, orbit: work.input.orbit, n, bx: a.bx, status: new Uint8Array(n), raw: a.raw, value: scoreValues(a.raw, model.outputFormat) };
  work.results = [alignToInput(work.input, result)];
  if (a.inputs) (work.inputs = a.inputs), (work.inputsBx = a.bx);
  return "scored";
}
