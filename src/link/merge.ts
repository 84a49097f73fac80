/**
 * Merge the muon-stream and calo-stream batches of one orbit back into one OrbitBatch, by BX.
 * A BX only on the muon stream gets no calo objects and zero sums; one only on the calo stream
 * gets no muons (the framer's per-stream zero suppression, see framer.ts `streamCarriesBx`).
 */
import {
  allocateBatch, CALO_FIELDS, MUON_FIELDS, SUM_FIELDS, type OrbitBatch,
} from "../events/batch.js";

/** Object offsets of the merged BX list: `rows[k]` is the source row of merged BX k, or −1. */
function mergedOffsets(dst: Uint32Array, src: Uint32Array, rows: Int32Array): void {
  let at = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    if (r >= 0) at += src[r + 1] - src[r];
    dst[k + 1] = at;
  }
}

/**
 * Each stream's rows are taken in ascending order, so the objects of one stream stay one contiguous
 * run in the merged batch: one copy per field, not one per BX and field (no per-BX subarrays).
 */
function copyObjects<F extends string>(dst: Record<F, Int32Array>, src: Record<F, Int32Array> & { offset: Uint32Array }, fields: readonly F[], nRows: number): void {
  const a = src.offset[0], b = src.offset[nRows];
  for (const f of fields) dst[f].set(a === 0 && b === src[f].length ? src[f] : src[f].subarray(a, b));
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
  // Union of the two ascending BX lists, with the source row of each merged BX (−1: absent).
  const bx = new Uint16Array(mN + cN);
  const mRowAll = new Int32Array(mN + cN), cRowAll = new Int32Array(mN + cN);
  let i = 0, j = 0, nBx = 0;
  while (i < mN || j < cN) {
    const a = i < mN ? mBx[i] : Infinity, b = j < cN ? cBx[j] : Infinity;
    const v = Math.min(a, b);
    bx[nBx] = v;
    mRowAll[nBx] = a === v ? i++ : -1;
    cRowAll[nBx] = b === v ? j++ : -1;
    nBx++;
  }
  const mRow = mRowAll.subarray(0, nBx), cRow = cRowAll.subarray(0, nBx);
  const out = allocateBatch(orbit, {
    nBx,
    muons: muon ? muon.muons.offset[mN] : 0,
    jets: calo ? calo.jets.offset[cN] : 0,
    egammas: calo ? calo.egammas.offset[cN] : 0,
    taus: calo ? calo.taus.offset[cN] : 0,
  });
  out.bx.set(bx.subarray(0, nBx));
  if (muon) {
    copyObjects(out.muons, muon.muons, MUON_FIELDS, mN);
    mergedOffsets(out.muons.offset, muon.muons.offset, mRow);
  }
  if (calo) {
    for (const kind of ["jets", "egammas", "taus"] as const) {
      copyObjects(out[kind], calo[kind], CALO_FIELDS, cN);
      mergedOffsets(out[kind].offset, calo[kind].offset, cRow);
    }
    for (const f of SUM_FIELDS) {
      const src = calo.sums[f], dst = out.sums[f];
      for (let k = 0; k < nBx; k++) if (cRow[k] >= 0) dst[k] = src[cRow[k]];
    }
  }
  return out;
}

/**
 * Pairs deframed orbits of the two streams by orbit number as they arrive (streams may be
 * interleaved or one may lag). `push` returns merged batches in orbit order once both halves are
 * in, or once the other stream has moved past that orbit (then the missing half counts as empty).
 */
/**
 * One orbit from the deframed halves of its two streams. A half alone is already a whole orbit —
 * the deframer gives it empty objects of the other stream and zero sums, exactly what merging it
 * with nothing yields — so it is handed over without a copy; only two halves are merged.
 */
export function wholeOrbit(muon: OrbitBatch | null, calo: OrbitBatch | null): OrbitBatch | null {
  return muon && calo ? mergeStreams(muon, calo) : (muon ?? calo);
}

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
      return wholeOrbit(e.muon, e.calo)!; // an entry always holds at least one half
    });
  }
}
