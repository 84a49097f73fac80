/**
 * One orbit's whole work, wherever it runs (a worker thread of pool.ts, or a worker process of
 * remoteWorker.ts): its link packets are deframed (native), the 57 features and their raw inputs
 * computed in one native pass, scored by the native model, and the compact answer returned (BX
 * list, raw score bits, link faults by kind).
 *
 * Orbit continuity is the job of the side that sees every orbit (the run); this scorer sees every
 * N-th orbit, so the gaps its long-lived deframers see between its own orbits are not faults here.
 */
import { Deframer, FAULT_KINDS, wholeOrbit, type LinkStream } from "../../link/index.js";
import type { OrbitBatch } from "../../events/batch.js";
import { loadModel, nativeScorer, type ScoringModel } from "../../scoring/index.js";

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

/** The native model a whole-orbit worker scores with, or an error saying why it cannot. */
export function wholeOrbitModel(json: unknown): ScoringModel {
  const model = nativeScorer(loadModel(json));
  if (!model.featuresAndInputs) throw new Error(`model kind "${model.kind}" has no native feature path`);
  return model;
}

export interface OrbitScorer {
  /** Score one orbit's packets (one per stream, in `streams` order). Never throws. */
  score(id: number, chunks: Uint8Array[]): OrbitAnswer;
}

export function orbitScorer(model: ScoringModel, streams: readonly LinkStream[], wantInputs = false): OrbitScorer {
  const deframers = streams.map(() => new Deframer({ core: "native" }));
  /** Last orbit number each deframer saw: a step back means a new run, so that stream's deframer starts afresh. */
  const lastOrbit = streams.map(() => -1);
  return {
    score(id, chunks) {
      const t0 = process.hrtime.bigint();
      const busyNs = () => Number(process.hrtime.bigint() - t0);
      const faults: Record<string, number> = {};
      try {
        const got: Partial<Record<LinkStream, OrbitBatch>> = {};
        chunks.forEach((bytes, k) => {
          const orbit = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) : -1;
          if (orbit <= lastOrbit[k]) deframers[k] = new Deframer({ core: "native" });
          lastOrbit[k] = orbit;
          const d = deframers[k];
          const before = FAULT_KINDS.map((f) => d.stats.faults[f].count);
          for (const o of d.push(bytes)) if (o.batch && o.stream === streams[k]) got[o.stream] = o.batch;
          FAULT_KINDS.forEach((f, i) => {
            const n = d.stats.faults[f].count - before[i];
            if (n > 0 && f !== "orbitGap") faults[f] = (faults[f] ?? 0) + n;
          });
        });
        const batch = wholeOrbit(got.muon ?? null, got.calo ?? null);
        if (!batch) return { id, bx: null, raw: null, inputs: null, faults, busyNs: busyNs() };
        const { inputs } = model.featuresAndInputs!(batch);
        const raw = model.scoreFixedRaw(inputs, batch.nBx);
        return { id, bx: batch.bx.slice(), raw, inputs: wantInputs ? inputs : null, faults, busyNs: busyNs() };
      } catch (err) {
        return { id, bx: null, raw: null, inputs: null, faults, error: (err as Error).message, busyNs: busyNs() };
      }
    },
  };
}
