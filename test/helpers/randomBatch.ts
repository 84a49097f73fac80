/**
 * Random valid OrbitBatches for link tests: every field anywhere in its hardware range (extremes
 * drawn often), random occupancy, BX anywhere in 1..3564. Seeded and deterministic.
 */
import { allocateBatch, SUM_FIELDS, type OrbitBatch } from "../../src/events/batch.js";
import { mulberry32 as prng } from "../../src/study/shuffle.js";

/** The project's small seeded uniform PRNG (mulberry32), under the name the link tests use. */
export { mulberry32 as prng } from "../../src/study/shuffle.js";

export interface RandomBatchOptions {
  orbit?: number;
  /** Max number of stored BX (default 40). */
  maxBx?: number;
  /** Probability a BX has muons (default 0.4). */
  muonFraction?: number;
}

export function randomBatch(seed: number, opts: RandomBatchOptions = {}): OrbitBatch {
  const rnd = prng(seed);
  const int = (lo: number, hi: number): number => {
    const u = rnd();
    if (u < 0.1) return lo; // hit the extremes often
    if (u < 0.2) return hi;
    return lo + Math.floor(rnd() * (hi - lo + 1));
  };
  const maxBx = opts.maxBx ?? 40;
  const nBx = Math.floor(rnd() * (maxBx + 1));
  const bxSet = new Set<number>();
  while (bxSet.size < nBx) bxSet.add(int(1, 3564));
  const bxs = [...bxSet].sort((a, b) => a - b);
  const counts = bxs.map(() => ({
    mu: rnd() < (opts.muonFraction ?? 0.4) ? int(1, 8) : 0,
    jet: rnd() < 0.7 ? int(0, 12) : 0,
    eg: rnd() < 0.5 ? int(0, 12) : 0,
    tau: rnd() < 0.5 ? int(0, 12) : 0,
    sums: rnd() < 0.6,
  }));
  const total = (k: "mu" | "jet" | "eg" | "tau") => counts.reduce((s, c) => s + c[k], 0);
  const b = allocateBatch(opts.orbit ?? int(0, 0x7fffffff), {
    nBx, muons: total("mu"), jets: total("jet"), egammas: total("eg"), taus: total("tau"),
  });
  bxs.forEach((bx, i) => (b.bx[i] = bx));
  let mo = 0, jo = 0, eo = 0, to = 0;
  counts.forEach((c, i) => {
    for (let k = 0; k < c.mu; k++, mo++) {
      const m = b.muons;
      m.hwPt[mo] = int(1, 511);
      m.hwEtaAtVtx[mo] = int(-256, 255);
      m.hwPhiAtVtx[mo] = int(0, 1023);
      m.hwEta[mo] = int(-255, 256); // station η: CMSSW reads raw 0x100 as +256
      m.hwPhi[mo] = int(0, 1023);
      m.hwQual[mo] = int(0, 15);
      m.hwCharge[mo] = int(-1, 1);
      m.hwIso[mo] = int(0, 3);
      m.hwPtUnconstrained[mo] = int(0, 255);
      m.hwDXY[mo] = int(0, 3);
      m.tfMuonIndex[mo] = int(0, 127);
    }
    const fill = (blk: OrbitBatch["jets"], start: number, n: number, etMax: number) => {
      for (let k = 0; k < n; k++) {
        blk.hwEt[start + k] = int(1, etMax);
        blk.hwEta[start + k] = int(-128, 127);
        blk.hwPhi[start + k] = int(0, 255);
        blk.hwIso[start + k] = int(0, 3);
      }
    };
    fill(b.jets, jo, c.jet, 2047);
    fill(b.egammas, eo, c.eg, 511);
    fill(b.taus, to, c.tau, 511);
    jo += c.jet; eo += c.eg; to += c.tau;
    b.muons.offset[i + 1] = mo;
    b.jets.offset[i + 1] = jo;
    b.egammas.offset[i + 1] = eo;
    b.taus.offset[i + 1] = to;
    if (c.sums) {
      for (const f of SUM_FIELDS) {
        const max = f === "hwTowerCount" ? 8191 : f.endsWith("Phi") ? 255 : 4095;
        b.sums[f][i] = rnd() < 0.3 ? 0 : int(0, max);
      }
    }
  });
  return b;
}
