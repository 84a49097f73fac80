/**
 * Worker-thread side of the whole-orbit worker pool: each message is one orbit's link packets
 * (transferred, not copied); orbitScorer.ts does the orbit's whole work and the compact answer
 * (BX list, raw score bits, link faults) is transferred back.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { LinkStream } from "../../link/index.js";
import type { ScoringModel } from "../../scoring/index.js";
import { orbitScorer, wholeOrbitModel, type OrbitScorer } from "./orbitScorer.js";

export type { OrbitAnswer } from "./orbitScorer.js";

export interface WorkerInit {
  model: unknown;
  streams: LinkStream[];
  /** Also send back the raw inputs (when another scorer, e.g. a board, needs them). */
  wantInputs: boolean;
}

export interface OrbitJob {
  id: number;
  chunks: Uint8Array[];
}

const init = workerData as WorkerInit;
let model: ScoringModel | null = null;
let scorer: OrbitScorer | null = null;
let failure: string | null = null;
try {
  model = wholeOrbitModel(init.model);
  scorer = orbitScorer(model, init.streams, init.wantInputs);
} catch (err) {
  failure = (err as Error).message;
}
parentPort!.postMessage({ type: "ready", id: model?.id ?? null, error: failure });

parentPort!.on("message", (job: OrbitJob) => {
  const answer = scorer!.score(job.id, job.chunks);
  const transfer: ArrayBuffer[] = [];
  for (const a of [answer.bx, answer.raw, answer.inputs]) if (a) transfer.push(a.buffer as ArrayBuffer);
  parentPort!.postMessage(answer, transfer);
});
