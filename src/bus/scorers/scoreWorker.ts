/**
 * Worker-thread side of the worker-pool scorer: loads the model from its JSON once, then answers
 * score requests (raw fixed-point inputs → raw score bits) until the port closes.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadModel, nativeScorer, type ScoringModel } from "../../scoring/index.js";

interface Init {
  model: unknown;
  native: boolean;
}

const init = workerData as Init;
let model: ScoringModel | null = null;
let failure: string | null = null;
try {
  const loaded = loadModel(init.model);
  model = init.native ? nativeScorer(loaded) : loaded;
} catch (err) {
  failure = (err as Error).message;
}
parentPort!.postMessage({ type: "ready", id: model?.id ?? null, error: failure });
parentPort!.on("message", (msg: { id: number; inputs: Int32Array; n: number }) => {
  try {
    const raw = model!.scoreFixedRaw(msg.inputs, msg.n);
    parentPort!.postMessage({ type: "result", id: msg.id, raw }, [raw.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ type: "result", id: msg.id, error: (err as Error).message });
  }
});
