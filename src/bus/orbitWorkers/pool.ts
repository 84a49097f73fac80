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
import { REASON } from "../../compare/results.js";
import type { LinkStream } from "../../link/index.js";
import type { ScoringModel } from "../../scoring/index.js";
import type { OrbitWork } from "../work.js";
import { OrbitFramer, bookAnswer, failWork, type OrbitWorkerCounters } from "./book.js";
import type { OrbitAnswer, WorkerInit } from "./worker.js";

export { packetOrbit, type OrbitWorkerCounters } from "./book.js";

export interface OrbitWorkerOptions {
  workers: number;
  streams?: LinkStream[];
  /** Scorer name in results and summaries (default "native"). */
  name?: string;
  /** Send the raw inputs back too (another scorer, e.g. a board, scores the same inputs). */
  wantInputs?: boolean;
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

export async function orbitWorkerPool(model: ScoringModel, opts: OrbitWorkerOptions): Promise<OrbitWorkerPool> {
  const count = Math.max(1, Math.floor(opts.workers));
  const streams = opts.streams ?? ["muon", "calo"];
  const name = opts.name ?? "native";
  const init: WorkerInit = { model: model.toJSON(), streams, wantInputs: opts.wantInputs ?? false };
  const url = workerUrl();
  const pending = new Map<number, Pending>();
  const slots: Slot[] = [];
  let nextId = 1;
  const framer = new OrbitFramer(streams);

  const fail = (p: Pending, reason: number) => {
    p.slot.counters.failedOrbits++;
    p.resolve(failWork(p.work, name, reason));
  };

  const answer = (slot: Slot, a: OrbitAnswer) => {
    const p = pending.get(a.id);
    if (!p) return;
    pending.delete(a.id);
    slot.inFlight--;
    slot.counters.busySeconds += a.busyNs / 1e9;
    const outcome = bookAnswer(p.work, a, model, name);
    if (outcome === "error") slot.counters.failedOrbits++;
    else slot.counters.orbits++;
    if (outcome === "scored") slot.counters.events += a.bx!.length;
    p.resolve(p.work);
  };

  const start = (index: number): Promise<Slot> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(url, { workerData: init });
      const slot: Slot = { worker, inFlight: 0, dead: null, counters: { name: `${name}-worker-${index}`, orbits: 0, events: 0, failedOrbits: 0, busySeconds: 0 } };
      worker.once("error", reject);
      worker.on("message", (msg: OrbitAnswer & { type?: string; error?: string | null }) => {
        if (msg.type === "ready") {
          // A worker that did not start is ended here: left running it would keep the process alive.
          if (msg.error) return (void worker.terminate(), reject(new Error(`orbit worker could not load the model: ${msg.error}`)));
          if ((msg.id as unknown) !== model.id) return (void worker.terminate(), reject(new Error(`orbit worker loaded model ${String(msg.id)}, expected ${model.id}`)));
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
      const chunks = framer.frame(work);
      let slot: Slot | undefined;
      for (const s of slots) if (!s.dead && (!slot || s.inFlight < slot.inFlight)) slot = s;
      return new Promise<OrbitWork>((resolve) => {
        if (!slot) return resolve(failWork(work, name, REASON.scorerError));
        const id = nextId++;
        pending.set(id, { work, slot, resolve });
        slot.inFlight++;
        slot.worker.postMessage({ id, chunks }, chunks.map((c) => c.buffer as ArrayBuffer));
      });
    },
    newRun: () => framer.reset(),
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
