/**
 * Merge the muon-stream and calo-stream batches of one orbit back into one OrbitBatch, by BX.
 * A BX only on the muon stream gets no calo objects and zero sums; one only on the calo stream
 * gets no muons (the framer's per-stream zero suppression, see framer.ts `streamCarriesBx`).
 */
import {
  allocateBatch, CALO_FIELDS, MUON_FIELDS, SUM_FIELDS, type CaloBlock, type OrbitBatch,
} from "../events/batch.js";

function copyCalo(dst: CaloBlock, src: CaloBlock, srcRow: number, at: number): number {
  const a = src.offset[srcRow], n = src.offset[srcRow + 1] - a;
  for (const f of CALO_FIELDS) dst[f].set(src[f].subarray(a, a + n), at);
  return at + n;
}

export function mergeStreams(muon: OrbitBatch | null, calo: OrbitBatch | null): OrbitBatch {
  if (!muon && !calo) throw new Error("mergeStreams needs at least one batch");
  if (muon && calo && muon.orbit !== calo.orbit) {
    throw new Error(`mergeStreams: orbit numbers differ (muon ${muon.orbit}, calo ${calo.orbit})`);
  }
  const orbit = (muon ?? calo)!.orbit;
  const mBx = muon?.bx ?? new Uint16Array(0);
  const cBx = calo?.bx ?? new Uint16Array(0);
  const mN = muon?.nBx ?? 0, cN = calo?.nBx ?? 0;
  // Union of the two ascending BX lists.
  const bx: number[] = [];
  const mRow: number[] = [], cRow: number[] = [];
  let i = 0, j = 0;
  while (i < mN || j < cN) {
    const a = i < mN ? mBx[i] : Infinity, b = j < cN ? cBx[j] : Infinity;
    const v = Math.min(a, b);
    bx.push(v);
    mRow.push(a === v ? i++ : -1);
    cRow.push(b === v ? j++ : -1);
  }
  const out = allocateBatch(orbit, {
    nBx: bx.length,
    muons: muon ? muon.muons.offset[mN] : 0,
    jets: calo ? calo.jets.offset[cN] : 0,
    egammas: calo ? calo.egammas.offset[cN] : 0,
    taus: calo ? calo.taus.offset[cN] : 0,
  });
  let mo = 0, jo = 0, eo = 0, to = 0;
  for (let k = 0; k < bx.length; k++) {
    out.bx[k] = bx[k];
    if (muon && mRow[k] >= 0) {
      const a = muon.muons.offset[mRow[k]], n = muon.muons.offset[mRow[k] + 1] - a;
      for (const f of MUON_FIELDS) out.muons[f].set(muon.muons[f].subarray(a, a + n), mo);
      mo += n;
    }
    if (calo && cRow[k] >= 0) {
      const r = cRow[k];
      jo = copyCalo(out.jets, calo.jets, r, jo);
      eo = copyCalo(out.egammas, calo.egammas, r, eo);
      to = copyCalo(out.taus, calo.taus, r, to);
      for (const f of SUM_FIELDS) out.sums[f][k] = calo.sums[f][r];
    }
    out.muons.offset[k + 1] = mo;
    out.jets.offset[k + 1] = jo;
    out.egammas.offset[k + 1] = eo;
    out.taus.offset[k + 1] = to;
  }
  return out;
}

/**
 * Pairs deframed orbits of the two streams by orbit number as they arrive (streams may be
 * interleaved or one may lag). `push` returns merged batches in orbit order once both halves are
 * in, or once the other stream has moved past that orbit (then the missing half counts as empty).
 */
export class StreamMerger {
  private readonly pending = new Map<number, { muon: OrbitBatch | null; calo: OrbitBatch | null }>();
  private last = { muon: -1, calo: -1 };

  push(stream: "muon" | "calo", batch: OrbitBatch): OrbitBatch[] {
    const entry = this.pending.get(batch.orbit) ?? { muon: null, calo: null };
    entry[stream] = batch;
    this.pending.set(batch.orbit, entry);
    this.last[stream] = Math.max(this.last[stream], batch.orbit);
    return this.release(Math.min(this.last.muon, this.last.calo));
  }

  /** Everything still pending, merged with whatever half it has. */
  flush(): OrbitBatch[] {
    return this.release(Infinity);
  }

  private release(upTo: number): OrbitBatch[] {
    const ready = [...this.pending.keys()].filter((o) => o <= upTo || (this.pending.get(o)!.muon && this.pending.get(o)!.calo));
    ready.sort((a, b) => a - b);
    return ready.map((o) => {
      const e = this.pending.get(o)!;
      this.pending.delete(o);
      return mergeStreams(e.muon, e.calo);
    });
  }
}
