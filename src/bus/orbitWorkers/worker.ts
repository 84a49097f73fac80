/**
 * Worker-thread side of the whole-orbit worker pool: each message is one orbit's link packets
 * (transferred, not copied); the worker deframes them (native), computes the 57 features and their
 * raw inputs in one native pass, scores them with the native model and answers with the compact
 * result (BX list, raw score bits, link faults), transferred back.
 *
 * Orbit continuity is the main thread's job (it sees every orbit; this worker sees every N-th), so
 * the gaps this worker's long-lived deframers see between its own orbits are not faults here.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Deframer, FAULT_KINDS, wholeOrbit, type LinkStream } from "../../link/index.js";
import type { OrbitBatch } from "../../events/batch.js";
import { loadModel, nativeScorer, type ScoringModel } from "../../scoring/index.js";

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

export interface OrbitAnswer {
  id: number;
  /** null: the link gave no usable orbit (every event is deframe-lost). */
  bx: Uint16Array | null;
  raw: Int32Array | null;
  inputs: Int32Array | null;
  faults: Record<string, number>;
  error?: string;
  /** Worker CPU time for this orbit, ns (for the per-worker counters). */
  busyNs: number;
}

const init = workerData as WorkerInit;
let model: ScoringModel | null = null;
let failure: string | null = null;
try {
  model = nativeScorer(loadModel(init.model));
  if (!model.featuresAndInputs) throw new Error(`model kind "${model.kind}" has no native feature path`);
} catch (err) {
  failure = (err as Error).message;
}
const deframers = init.streams.map(() => new Deframer({ core: "native" }));
/** Last orbit number each deframer saw: a step back means a new run, so that stream's deframer starts afresh. */
const lastOrbit = init.streams.map(() => -1);
parentPort!.postMessage({ type: "ready", id: model?.id ?? null, error: failure });

parentPort!.on("message", (job: OrbitJob) => {
  const t0 = process.hrtime.bigint();
  const faults: Record<string, number> = {};
  try {
    const got: Partial<Record<LinkStream, OrbitBatch>> = {};
    job.chunks.forEach((bytes, k) => {
      const orbit = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) : -1;
      if (orbit <= lastOrbit[k]) deframers[k] = new Deframer({ core: "native" });
      lastOrbit[k] = orbit;
      const d = deframers[k];
      const before = FAULT_KINDS.map((f) => d.stats.faults[f].count);
      for (const o of d.push(bytes)) if (o.batch && o.stream === init.streams[k]) got[o.stream] = o.batch;
      FAULT_KINDS.forEach((f, i) => {
        const n = d.stats.faults[f].count - before[i];
        if (n > 0 && f !== "orbitGap") faults[f] = (faults[f] ?? 0) + n;
      });
    });
    const batch = wholeOrbit(got.muon ?? null, got.calo ?? null);
    if (!batch) {
      const answer: OrbitAnswer = { id: job.id, bx: null, raw: null, inputs: null, faults, busyNs: Number(process.hrtime.bigint() - t0) };
      parentPort!.postMessage(answer);
      return;
    }
    const { inputs } = model!.featuresAndInputs!(batch);
    const raw = model!.scoreFixedRaw(inputs, batch.nBx);
    const bx = batch.bx.slice();
    const answer: OrbitAnswer = { id: job.id, bx, raw, inputs: init.wantInputs ? inputs : null, faults, busyNs: Number(process.hrtime.bigint() - t0) };
    const transfer: ArrayBuffer[] = [bx.buffer as ArrayBuffer, raw.buffer as ArrayBuffer];
    if (init.wantInputs) transfer.push(inputs.buffer as ArrayBuffer);
    parentPort!.postMessage(answer, transfer);
  } catch (err) {
    const answer: OrbitAnswer = { id: job.id, bx: null, raw: null, inputs: null, faults, error: (err as Error).message, busyNs: Number(process.hrtime.bigint() - t0) };
    parentPort!.postMessage(answer);
  }
});
