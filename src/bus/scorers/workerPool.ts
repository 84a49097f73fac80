/**
 * The software scorer spread over worker threads (`--workers N`): each worker holds its own copy
 * of the model (from its JSON, checked by model id) and scores whole orbits; the pool sends each
 * orbit to the least busy worker. This is how a run uses more than one core for the software side
 * (DESIGN §8); the emulated board and the rest of the chain stay on the main thread.
 */
import { Worker } from "node:worker_threads";
import type { ScoreBatch } from "../../compare/results.js";
import { expectedFlags } from "./software.js";
import { scoreValues, type PipelineModel, type OrbitScoreRequest, type Scorer } from "../scorer.js";

interface Slot {
  worker: Worker;
  busy: number;
}

export interface WorkerPoolOptions {
  workers: number;
  name?: string;
  /** Score with the native C++ model inside each worker (default: the TS reference). */
  native?: boolean;
}

export async function workerPoolScorer(model: PipelineModel & { toJSON(): unknown }, opts: WorkerPoolOptions): Promise<Scorer> {
  const count = Math.max(1, Math.floor(opts.workers));
  const name = opts.name ?? "software";
  const json = model.toJSON();
  const pending = new Map<number, { resolve: (raw: Int32Array) => void; reject: (err: Error) => void; slot: Slot }>();
  let nextId = 1;
  const slots: Slot[] = [];
  const url = new URL("./scoreWorker.js", import.meta.url);

  const start = (): Promise<Slot> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(url, { workerData: { model: json, native: opts.native ?? false } });
      const slot: Slot = { worker, busy: 0 };
      worker.once("error", reject);
      worker.on("message", (msg: { type: string; id: number | string | null; raw?: Int32Array; error?: string | null }) => {
        if (msg.type === "ready") {
          if (msg.error) return reject(new Error(`score worker could not load the model: ${msg.error}`));
          if (msg.id !== model.id) return reject(new Error(`score worker loaded model ${msg.id}, expected ${model.id}`));
          worker.off("error", reject);
          worker.on("error", (err) => {
            for (const [id, p] of pending) if (p.slot === slot) (pending.delete(id), p.reject(err));
          });
          return resolve(slot);
        }
        const p = pending.get(msg.id as number);
        if (!p) return;
        pending.delete(msg.id as number);
        slot.busy--;
        if (msg.error) p.reject(new Error(msg.error));
        else p.resolve(msg.raw!);
      });
    });

  try {
    for (let i = 0; i < count; i++) slots.push(await start());
  } catch (err) {
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw err;
  }

  return {
    name,
    async score(req: OrbitScoreRequest): Promise<ScoreBatch> {
      let slot = slots[0];
      for (const s of slots) if (s.busy < slot.busy) slot = s;
      slot.busy++;
      const id = nextId++;
      const raw = await new Promise<Int32Array>((resolve, reject) => {
        pending.set(id, { resolve, reject, slot });
        slot.worker.postMessage({ id, inputs: req.inputs, n: req.n });
      });
      return {
        scorer: name, orbit: req.orbit, n: req.n, bx: req.bx,
        status: new Uint8Array(req.n), raw, value: scoreValues(raw, model.outputFormat), flags: expectedFlags(model, raw, req),
      };
    },
    async close() {
      for (const p of pending.values()) p.reject(new Error("worker pool closed"));
      pending.clear();
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
