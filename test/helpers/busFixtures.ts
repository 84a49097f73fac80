/** Small hand-built orbits, a toy fixed-point model and scorers for pipeline tests. */
import { allocateBatch, type OrbitBatch } from "../../src/events/batch.js";
import type { PipelineModel, Scorer, OrbitScoreRequest } from "../../src/bus/scorer.js";
import type { ScoreBatch } from "../../src/compare/results.js";

/** Orbit `orbit` with events on BX 1, 1+step, ... each with one jet and one muon of varying pT. */
export function toyOrbit(orbit: number, nBx: number, step = 7): OrbitBatch {
  const b = allocateBatch(orbit, { nBx, muons: nBx, jets: nBx, egammas: 0, taus: 0 });
  for (let i = 0; i < nBx; i++) {
    b.bx[i] = 1 + i * step;
    b.jets.offset[i + 1] = i + 1;
    b.muons.offset[i + 1] = i + 1;
    b.jets.hwEt[i] = 20 + ((orbit * 31 + i * 17) % 200);
    b.jets.hwEta[i] = ((orbit + i) % 60) - 30;
    b.jets.hwPhi[i] = (orbit * 7 + i) % 144;
    b.muons.hwPt[i] = 5 + ((orbit + i * 3) % 100);
    b.muons.hwEtaAtVtx[i] = ((i * 5) % 200) - 100;
    b.muons.hwPhiAtVtx[i] = (i * 11) % 576;
    b.sums.hwMissEt[i] = (orbit + i) % 300;
  }
  return b;
}

export function* toyOrbits(count: number, nBx = 20, onMake?: (k: number) => void): Generator<OrbitBatch> {
  for (let k = 0; k < count; k++) {
    onMake?.(k);
    yield toyOrbit(1000 + k, nBx);
  }
}

/** ap_fixed<16,8> in, ap_fixed<16,10> out; score = sum of |inputs| (mod 2^15). */
export const toyModel: PipelineModel = {
  id: "toy",
  nFeatures: 57,
  inputFormat: { width: 16, int: 8 },
  outputFormat: { width: 16, int: 10, signed: true },
  quantizeInputs(f: Float32Array, n: number): Int32Array {
    const out = new Int32Array(n * 57);
    for (let i = 0; i < out.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(f[i] * 256)));
    return out;
  },
  scoreFixedRaw(raw: Int32Array, n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < 57; k++) s += Math.abs(raw[i * 57 + k]);
      out[i] = s & 0x7fff;
    }
    return out;
  },
  scoreFloat(f: Float32Array, n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = 0; k < 57; k++) out[i] += Math.abs(f[i * 57 + k]);
    return out;
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A board-like async scorer with a fixed delay per orbit; `corrupt(orbit, bx)` says which events
 * get one score bit flipped, `fail(orbit, bx)` which ones time out.
 */
export function slowScorer(
  name: string, model: PipelineModel, delayMs: number,
  opts: { corrupt?: (orbit: number, bx: number) => boolean; fail?: (orbit: number, bx: number) => boolean; onActive?: (n: number) => void } = {},
): Scorer & { active: number; maxActive: number } {
  const self = {
    name,
    active: 0,
    maxActive: 0,
    async score(req: OrbitScoreRequest): Promise<ScoreBatch> {
      self.active++;
      self.maxActive = Math.max(self.maxActive, self.active);
      try {
        if (delayMs > 0) await sleep(delayMs);
        const raw = model.scoreFixedRaw(req.inputs, req.n);
        const status = new Uint8Array(req.n);
        for (let i = 0; i < req.n; i++) {
          if (opts.corrupt?.(req.orbit, req.bx[i])) raw[i] ^= 1 << 3;
          if (opts.fail?.(req.orbit, req.bx[i])) status[i] = 7; // any non-zero reason code
        }
        const value = Float64Array.from(raw, (r) => r / 64);
        return { scorer: name, orbit: req.orbit, n: req.n, bx: req.bx, status, raw, value, hostRttNs: Float64Array.of(delayMs * 1e6) };
      } finally {
        self.active--;
      }
    },
  };
  return self;
}
