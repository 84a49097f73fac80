/** Shared helpers of the io tests: seeded random OrbitBatches that fit the ADC2021 slots, and python. */
import { spawnSync } from "node:child_process";
import { allocateBatch, type OrbitBatch } from "../src/events/batch.js";
// Seeded so failures reproduce.
import { mulberry32 as rng } from "../src/study/shuffle.js";

const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/**
 * A random batch whose content survives the ADC2021 layout exactly: ≤4 e/γ, ≤4 μ, ≤10 jets, no τ,
 * muon station η/φ equal to the vertex ones, only MET among the sums, objects sorted by pT.
 */
export function adcCompatibleBatch(seed: number, orbit: number, nBx: number, withLabels = true): OrbitBatch {
  const r = rng(seed);
  const counts = Array.from({ length: nBx }, () => ({ eg: int(r, 0, 4), mu: int(r, 0, 4), jet: int(r, 0, 10) }));
  const total = (k: "eg" | "mu" | "jet") => counts.reduce((s, c) => s + c[k], 0);
  const b = allocateBatch(orbit, { nBx, egammas: total("eg"), muons: total("mu"), jets: total("jet"), taus: 0 }, withLabels);
  const bx = new Set<number>();
  while (bx.size < nBx) bx.add(int(r, 1, 3564));
  b.bx.set([...bx].sort((x, y) => x - y));
  let ie = 0, im = 0, ij = 0;
  const sortedDesc = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => int(r, lo, hi)).sort((x, y) => y - x);
  counts.forEach((c, i) => {
    if (b.label) b.label[i] = int(r, 0, 4);
    b.sums.hwMissEt[i] = int(r, 0, 4095);
    b.sums.hwMissEtPhi[i] = int(r, 0, 143);
    for (const et of sortedDesc(c.eg, 0, 511)) {
      b.egammas.hwEt[ie] = et; b.egammas.hwEta[ie] = int(r, -128, 127); b.egammas.hwPhi[ie] = int(r, 0, 143); ie++;
    }
    for (const pt of sortedDesc(c.mu, 1, 511)) {
      b.muons.hwPt[im] = pt;
      b.muons.hwEta[im] = b.muons.hwEtaAtVtx[im] = int(r, -255, 255); // both fields' common range
      b.muons.hwPhi[im] = b.muons.hwPhiAtVtx[im] = int(r, 0, 575);
      im++;
    }
    for (const et of sortedDesc(c.jet, 0, 2047)) {
      b.jets.hwEt[ij] = et; b.jets.hwEta[ij] = int(r, -128, 127); b.jets.hwPhi[ij] = int(r, 0, 143); ij++;
    }
    b.egammas.offset[i + 1] = ie;
    b.muons.offset[i + 1] = im;
    b.jets.offset[i + 1] = ij;
  });
  return b;
}

export const PYTHON = "/usr/bin/python3";

/** Run an inline python script; returns stdout, throws with stderr on failure. */
export function python(script: string, args: string[] = []): string {
  const res = spawnSync(PYTHON, ["-c", script, ...args], { encoding: "utf8", timeout: 30_000 });
  if (res.status !== 0) throw new Error(`python failed (${res.status}): ${res.stderr || res.error}`);
  return res.stdout;
}

/** A random batch using every field at its full hardware range (caps respected, sorted by pT). */
export function fullRandomBatch(seed: number, orbit: number, nBx: number): OrbitBatch {
  const r = rng(seed);
  const caps = { muons: 8, jets: 12, egammas: 12, taus: 12 };
  const counts = Array.from({ length: nBx }, () => ({
    muons: int(r, 0, caps.muons), jets: int(r, 0, caps.jets), egammas: int(r, 0, caps.egammas), taus: int(r, 0, caps.taus),
  }));
  const total = (k: keyof typeof caps) => counts.reduce((s, c) => s + c[k], 0);
  const b = allocateBatch(orbit, { nBx, muons: total("muons"), jets: total("jets"), egammas: total("egammas"), taus: total("taus") }, true);
  const bx = new Set<number>();
  while (bx.size < nBx) bx.add(int(r, 1, 3564));
  b.bx.set([...bx].sort((x, y) => x - y));
  const at = { muons: 0, jets: 0, egammas: 0, taus: 0 };
  counts.forEach((c, i) => {
    b.label![i] = int(r, 0, 4);
    for (const f of Object.keys(b.sums) as (keyof typeof b.sums)[]) b.sums[f][i] = int(r, 0, f.endsWith("Phi") ? 143 : 4095);
    const pts = Array.from({ length: c.muons }, () => int(r, 1, 511)).sort((x, y) => y - x);
    for (const pt of pts) {
      const j = at.muons++;
      const m = b.muons;
      m.hwPt[j] = pt; m.hwEta[j] = int(r, -255, 256); m.hwEtaAtVtx[j] = int(r, -256, 255);
      m.hwPhi[j] = int(r, 0, 1023); m.hwPhiAtVtx[j] = int(r, 0, 575); m.hwQual[j] = int(r, 0, 15);
      m.hwCharge[j] = int(r, -1, 1); m.hwIso[j] = int(r, 0, 3); m.hwPtUnconstrained[j] = int(r, 0, 255);
      m.hwDXY[j] = int(r, 0, 3); m.tfMuonIndex[j] = int(r, 0, 107);
    }
    b.muons.offset[i + 1] = at.muons;
    for (const kind of ["jets", "egammas", "taus"] as const) {
      const ets = Array.from({ length: c[kind] }, () => int(r, 0, kind === "jets" ? 2047 : 511)).sort((x, y) => y - x);
      for (const et of ets) {
        const j = at[kind]++;
        const blk = b[kind];
        blk.hwEt[j] = et; blk.hwEta[j] = int(r, -128, 127); blk.hwPhi[j] = int(r, 0, 143); blk.hwIso[j] = int(r, 0, 3);
      }
      b[kind].offset[i + 1] = at[kind];
    }
  });
  return b;
}
