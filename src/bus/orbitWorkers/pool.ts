/**
 * Whole-orbit workers: N worker threads each take whole orbits — deframe → features → quantise →
 * score, all native — while the main thread only frames (the detector side of the link), paces,
 * checks orbit continuity from the packet headers, books and compares.
 *
 * ```
 * main:     frame a ─post→        frame b ─post→        frame c ─post→ ...   (packets transferred)
 * worker 0:         [deframe·features·score a] ─post→ main books a
 * worker 1:                               [deframe·features·score b] ─post→ main books b
 * ```
 *
 * Each orbit goes to the worker with the fewest orbits in flight. Packets move to the worker as
 * transferred ArrayBuffers and results come back the same way (BX list + raw scores), so no orbit
 * is copied between threads. A worker that dies fails its in-flight orbits with "scorer-error"
 * (counted per worker); the others go on.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { PACKAGE_ROOT } from "../../native.js";
import { REASON, failedBatch, type ScoreBatch } from "../../compare/results.js";
import type { LinkStream } from "../../link/index.js";
import type { ScoringModel } from "../../scoring/index.js";
import { scoreValues } from "../scorer.js";
import { alignToInput } from "../score.js";
import { framePackets } from "../scoutingLink.js";
import type { OrbitWork } from "../work.js";
import type { OrbitAnswer, WorkerInit } from "./worker.js";

export interface OrbitWorkerOptions {
  workers: number;
  streams?: LinkStream[];
  /** Scorer name in results and summaries (default "native"). */
  name?: string;
  /** Send the raw inputs back too (another scorer, e.g. a board, scores the same inputs). */
  wantInputs?: boolean;
}

/** What the summary shows per worker. */
export interface OrbitWorkerCounters {
  name: string;
  orbits: number;
  events: number;
  failedOrbits: number;
  /** Worker time spent on orbits, s. */
  busySeconds: number;
}

interface Slot {
  worker: Worker;
  inFlight: number;
  counters: OrbitWorkerCounters;
  dead: string | null;
}

interface Pending {
  work: OrbitWork;
  slot: Slot;
  resolve: (w: OrbitWork) => void;
}

export interface OrbitWorkerPool {
  readonly name: string;
  /** Frame `work.input`, score it in a worker; resolves with `results` (one batch) and faults set. */
  process(work: OrbitWork): Promise<OrbitWork>;
  /** A new run starts: orbit continuity is checked from its first orbit on. */
  newRun(): void;
  counters(): OrbitWorkerCounters[];
  /** Stop worker `index` now, as a crash would (fault tests): its in-flight orbits fail, the others go on. */
  kill(index: number): Promise<void>;
  close(): Promise<void>;
}

/** The compiled worker beside this module, or dist's when this module runs from source (tests). */
function workerUrl(): URL {
  const here = new URL("./worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return pathToFileURL(join(PACKAGE_ROOT, "dist", "src", "bus", "orbitWorkers", "worker.js"));
}

/** Orbit number of a framed orbit: word 0 of the 32-byte orbit header (docs/link-format.md). */
export function packetOrbit(bytes: Uint8Array): number {
  return (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
}

export async function orbitWorkerPool(model: ScoringModel, opts: OrbitWorkerOptions): Promise<OrbitWorkerPool> {
  const count = Math.max(1, Math.floor(opts.workers));
  const streams = opts.streams ?? ["muon", "calo"];
  const name = opts.name ?? "native";
  const init: WorkerInit = { model: model.toJSON(), streams, wantInputs: opts.wantInputs ?? false };
  const url = workerUrl();
  const pending = new Map<number, Pending>();
  const slots: Slot[] = [];
  let nextId = 1;
  let packets = 0;
  const lastOrbit = streams.map(() => -1);

  const fail = (p: Pending, reason: number) => {
    p.work.results = [failedBatch(name, p.work.input.orbit, p.work.input.bx, reason)];
    p.slot.counters.failedOrbits++;
    p.resolve(p.work);
  };

  const answer = (slot: Slot, a: OrbitAnswer) => {
    const p = pending.get(a.id);
    if (!p) return;
    pending.delete(a.id);
    slot.inFlight--;
    slot.counters.busySeconds += a.busyNs / 1e9;
    const work = p.work;
    for (const [k, v] of Object.entries(a.faults)) work.linkFaults![k] = (work.linkFaults![k] ?? 0) + v;
    if (a.error) return fail(p, REASON.scorerError);
    if (!a.bx || !a.raw) {
      // Nothing usable came off the link: every event of the orbit is deframe-lost.
      work.results = [failedBatch(name, work.input.orbit, work.input.bx, REASON.deframeLost)];
      slot.counters.orbits++;
      return p.resolve(work);
    }
    const n = a.bx.length;
    const result: ScoreBatch = { scorer: name, orbit: work.input.orbit, n, bx: a.bx, status: new Uint8Array(n), raw: a.raw, value: scoreValues(a.raw, model.outputFormat) };
    work.results = [alignToInput(work.input, result)];
    if (a.inputs) work.inputs = a.inputs;
    slot.counters.orbits++;
    slot.counters.events += n;
    p.resolve(work);
  };

  const start = (index: number): Promise<Slot> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(url, { workerData: init });
      const slot: Slot = { worker, inFlight: 0, dead: null, counters: { name: `${name}-worker-${index}`, orbits: 0, events: 0, failedOrbits: 0, busySeconds: 0 } };
      worker.once("error", reject);
      worker.on("message", (msg: OrbitAnswer & { type?: string; error?: string | null }) => {
        if (msg.type === "ready") {
          if (msg.error) return reject(new Error(`orbit worker could not load the model: ${msg.error}`));
          if ((msg.id as unknown) !== model.id) return reject(new Error(`orbit worker loaded model ${String(msg.id)}, expected ${model.id}`));
          worker.off("error", reject);
          const died = (why: string) => {
            if (slot.dead) return;
            slot.dead = why;
            for (const [id, p] of pending) if (p.slot === slot) (pending.delete(id), fail(p, REASON.scorerError));
          };
          worker.on("error", (err) => died(err.message));
          worker.on("exit", (code) => died(`exited with code ${code}`));
          return resolve(slot);
        }
        answer(slot, msg);
      });
    });

  try {
    for (let i = 0; i < count; i++) slots.push(await start(i));
  } catch (err) {
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw err;
  }

  return {
    name,
    process(work: OrbitWork): Promise<OrbitWork> {
      const chunks = framePackets(work.input, streams, ++packets);
      // Continuity from the packet headers, on the one thread that sees every orbit.
      work.linkFaults = {};
      chunks.forEach((c, k) => {
        const orbit = packetOrbit(c);
        if (lastOrbit[k] >= 0 && orbit > lastOrbit[k] + 1) work.linkFaults!.orbitGap = (work.linkFaults!.orbitGap ?? 0) + 1;
        if (lastOrbit[k] >= 0 && orbit <= lastOrbit[k]) work.linkFaults!.orbitOrder = (work.linkFaults!.orbitOrder ?? 0) + 1;
        lastOrbit[k] = orbit;
      });
      let slot: Slot | undefined;
      for (const s of slots) if (!s.dead && (!slot || s.inFlight < slot.inFlight)) slot = s;
      return new Promise<OrbitWork>((resolve) => {
        if (!slot) {
          work.results = [failedBatch(name, work.input.orbit, work.input.bx, REASON.scorerError)];
          return resolve(work);
        }
        const id = nextId++;
        pending.set(id, { work, slot, resolve });
        slot.inFlight++;
        slot.worker.postMessage({ id, chunks }, chunks.map((c) => c.buffer as ArrayBuffer));
      });
    },
    newRun: () => lastOrbit.fill(-1),
    async kill(index: number) {
      const slot = slots[index];
      if (!slot) throw new RangeError(`no worker ${index}`);
      await slot.worker.terminate();
    },
    counters: () => slots.map((s) => ({ ...s.counters })),
    async close() {
      for (const p of [...pending.values()]) fail(p, REASON.scorerError);
      pending.clear();
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
