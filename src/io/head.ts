/** The first `n` stored BX of a batch as a new batch (for `gen --events N`). */
import { allocateBatch, CALO_FIELDS, MUON_FIELDS, type OrbitBatch, SUM_FIELDS } from "../events/batch.js";

export function headOfBatch(batch: OrbitBatch, n: number): OrbitBatch {
  if (n >= batch.nBx) return batch;
  const k = Math.max(0, n);
  const out = allocateBatch(batch.orbit, {
    nBx: k, muons: batch.muons.offset[k], jets: batch.jets.offset[k], egammas: batch.egammas.offset[k], taus: batch.taus.offset[k],
  }, Boolean(batch.label));
  out.bx.set(batch.bx.subarray(0, k));
  if (out.label && batch.label) out.label.set(batch.label.subarray(0, k));
  for (const f of SUM_FIELDS) out.sums[f].set(batch.sums[f].subarray(0, k));
  out.muons.offset.set(batch.muons.offset.subarray(0, k + 1));
  for (const f of MUON_FIELDS) out.muons[f].set(batch.muons[f].subarray(0, out.muons[f].length));
  for (const kind of ["jets", "egammas", "taus"] as const) {
    out[kind].offset.set(batch[kind].offset.subarray(0, k + 1));
    for (const f of CALO_FIELDS) out[kind][f].set(batch[kind][f].subarray(0, out[kind][f].length));
  }
  return out;
}
