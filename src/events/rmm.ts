/**
 * Rapidity–mass matrix features (Chekanov, NIM A 931 (2019) 92, arXiv:1805.11650; cell rules of
 * the author's Map2RMM `projectevent.cxx`): a (1 + T·N)² matrix per event — row/column 0 for the
 * missing E_T, then N slots for each of the T object types, objects by decreasing E_T, empty
 * slots zero. With s = √s:
 *   (0,0) E_T^miss/s;  (0,j) m_T(MET, j)/s, m_T² = 2 E_T E_T^miss (1 − cos Δφ) (the experimental
 *   definition; only when E_T^miss > 0);  (j,0) h_L = C (cosh y_j − 1);
 *   (j,j) E_T/s for the first object of a type, δE_T = (E_T,k−1 − E_T,k)/(E_T,k−1 + E_T,k) for the k-th;
 *   (i,j), i < j: m_ij/s;  (i,j), i > j: h = C (cosh(Δy/2) − 1).
 * L1 objects carry no mass: y = η, m_ij² = 2 E_T,i E_T,j (cosh Δη − cos Δφ). Rows are Float32, n × (1+T·N)².
 */
import type { CaloBlock, MuonBlock, OrbitBatch } from "./batch.js";
import { caloEtFromHw, caloEtaFromHw, caloPhiFromHw, muonEtaFromHw, muonPhiFromHw, muonPtFromHw } from "./scales.js";

export type RmmType = "jet" | "egamma" | "muon" | "tau";

export interface RmmLayout {
  types: readonly RmmType[];
  /** Slots per type. */
  n: number;
  /** √s in GeV (Run 3: 13 600). */
  sqrtS: number;
  /** The h-cell constant C (the reference code uses 1). */
  c: number;
}

export const DEFAULT_RMM: RmmLayout = { types: ["jet", "egamma", "muon", "tau"], n: 5, sqrtS: 13_600, c: 1 };

export const rmmSize = (l: RmmLayout) => 1 + l.types.length * l.n;
export const rmmFeatureCount = (l: RmmLayout) => rmmSize(l) ** 2;

export function rmmNames(l: RmmLayout): string[] {
  const label = (k: number) => (k === 0 ? "met" : `${l.types[Math.floor((k - 1) / l.n)]}${(k - 1) % l.n}`);
  const d = rmmSize(l);
  const names: string[] = [];
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) names.push(`rmm_${label(i)}_${label(j)}`);
  return names;
}

/** One event's objects in physical units, the input of `rmmCells`. */
export interface RmmObjects {
  met: number;
  metPhi: number;
  /** Per type (layout order): E_T, η, φ of each object (any order; sorted here). */
  objects: Array<Array<{ et: number; eta: number; phi: number }>>;
}

/** Fill one event's matrix (row-major d × d) into `out` at `base`. */
export function rmmCells(ev: RmmObjects, l: RmmLayout, out: Float32Array | Float64Array, base = 0): void {
  const d = rmmSize(l);
  out.fill(0, base, base + d * d);
  const s = l.sqrtS;
  // Slot k → object (E_T, y, φ), after sorting each type by decreasing E_T.
  const et = new Float64Array(d), y = new Float64Array(d), phi = new Float64Array(d), used = new Uint8Array(d);
  ev.objects.forEach((objs, t) => {
    const sorted = [...objs].sort((a, b) => b.et - a.et).slice(0, l.n);
    sorted.forEach((o, k) => { const i = 1 + t * l.n + k; et[i] = o.et; y[i] = o.eta; phi[i] = o.phi; used[i] = 1; });
  });
  out[base] = ev.met / s;
  for (let i = 1; i < d; i++) {
    if (!used[i]) continue;
    if (ev.met > 0) out[base + i] = Math.sqrt(Math.max(0, 2 * et[i] * ev.met * (1 - Math.cos(phi[i] - ev.metPhi)))) / s;
    out[base + i * d] = l.c * (Math.cosh(y[i]) - 1);
    const first = (i - 1) % l.n === 0;
    out[base + i * d + i] = first ? et[i] / s : (et[i - 1] - et[i]) / (et[i - 1] + et[i]);
    for (let j = i + 1; j < d; j++) {
      if (!used[j]) continue;
      const m2 = 2 * et[i] * et[j] * (Math.cosh(y[i] - y[j]) - Math.cos(phi[i] - phi[j]));
      out[base + i * d + j] = Math.sqrt(Math.max(0, m2)) / s;
      out[base + j * d + i] = l.c * (Math.cosh((y[j] - y[i]) / 2) - 1);
    }
  }
}

function calo(block: CaloBlock, i: number) {
  const out = [];
  for (let j = block.offset[i]; j < block.offset[i + 1]; j++) out.push({ et: caloEtFromHw(block.hwEt[j]), eta: caloEtaFromHw(block.hwEta[j]), phi: caloPhiFromHw(block.hwPhi[j]) });
  return out;
}

function muons(block: MuonBlock, i: number) {
  const out = [];
  for (let j = block.offset[i]; j < block.offset[i + 1]; j++) out.push({ et: muonPtFromHw(block.hwPt[j]), eta: muonEtaFromHw(block.hwEtaAtVtx[j]), phi: muonPhiFromHw(block.hwPhiAtVtx[j]) });
  return out;
}

/** RMM rows of every stored BX of a batch. */
export function extractRmm(batch: OrbitBatch, l: RmmLayout = DEFAULT_RMM, out = new Float32Array(batch.nBx * rmmFeatureCount(l))): Float32Array {
  const f = rmmFeatureCount(l);
  if (out.length < batch.nBx * f) throw new RangeError(`RMM buffer too small: ${out.length} < ${batch.nBx * f}`);
  for (let i = 0; i < batch.nBx; i++) {
    const objects = l.types.map((t) => (t === "muon" ? muons(batch.muons, i) : calo(t === "jet" ? batch.jets : t === "egamma" ? batch.egammas : batch.taus, i)));
    rmmCells({ met: caloEtFromHw(batch.sums.hwMissEt[i]), metPhi: caloPhiFromHw(batch.sums.hwMissEtPhi[i]), objects }, l, out, i * f);
  }
  return out;
}
