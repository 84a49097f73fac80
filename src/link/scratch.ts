/**
 * The decoder's output area: one Int32Array with a fixed layout, sized for a full orbit, that the
 * TS and native decoders both write into (no allocation per orbit). `materialize` copies the
 * used part out into an OrbitBatch. native/link.cc computes the same offsets (checked by a test).
 */
import {
  MUON_FIELDS, CALO_FIELDS, SUM_FIELDS, CAPS, allocateBatch, type OrbitBatch, type CaloBlock,
} from "../events/batch.js";
import { MAX_BX_BLOCKS, R } from "./format.js";

const NBX = MAX_BX_BLOCKS;
const MU_CAP = NBX * CAPS.muon;
const CALO_CAP = NBX * CAPS.jet;

/** Section starts (in int32 elements). */
export const LAYOUT = (() => {
  let o = 0;
  const bx = o; o += NBX;
  const muOffset = o; o += NBX + 1;
  const muField = o; o += MUON_FIELDS.length * MU_CAP;
  const calo: { offset: number; field: number }[] = [];
  for (let k = 0; k < 3; k++) {
    const offset = o; o += NBX + 1;
    const field = o; o += CALO_FIELDS.length * CALO_CAP;
    calo.push({ offset, field });
  }
  const sums = o; o += SUM_FIELDS.length * NBX;
  return { bx, muOffset, muField, muCap: MU_CAP, calo, caloCap: CALO_CAP, sums, total: o };
})();

export function createScratch(): Int32Array {
  return new Int32Array(LAYOUT.total);
}

export function createResult(): Float64Array {
  return new Float64Array(R.size);
}

function copyCalo(dst: CaloBlock, s: Int32Array, k: number, nBx: number, n: number): void {
  const { offset, field } = LAYOUT.calo[k];
  for (let i = 0; i <= nBx; i++) dst.offset[i] = s[offset + i];
  CALO_FIELDS.forEach((f, fi) => dst[f].set(s.subarray(field + fi * LAYOUT.caloCap, field + fi * LAYOUT.caloCap + n)));
}

/** Copy the decoded orbit out of the scratch area into a fresh OrbitBatch. */
export function materialize(s: Int32Array, r: Float64Array, stream: "muon" | "calo"): OrbitBatch {
  const nBx = r[R.nBx];
  const size = {
    nBx,
    muons: stream === "muon" ? r[R.nMuon] : 0,
    jets: stream === "calo" ? r[R.nJet] : 0,
    egammas: stream === "calo" ? r[R.nEgamma] : 0,
    taus: stream === "calo" ? r[R.nTau] : 0,
  };
  const b = allocateBatch(r[R.orbit], size);
  for (let i = 0; i < nBx; i++) b.bx[i] = s[LAYOUT.bx + i];
  if (stream === "muon") {
    for (let i = 0; i <= nBx; i++) b.muons.offset[i] = s[LAYOUT.muOffset + i];
    MUON_FIELDS.forEach((f, fi) => {
      const start = LAYOUT.muField + fi * LAYOUT.muCap;
      b.muons[f].set(s.subarray(start, start + size.muons));
    });
  } else {
    copyCalo(b.jets, s, 0, nBx, size.jets);
    copyCalo(b.egammas, s, 1, nBx, size.egammas);
    copyCalo(b.taus, s, 2, nBx, size.taus);
    SUM_FIELDS.forEach((f, fi) => b.sums[f].set(s.subarray(LAYOUT.sums + fi * NBX, LAYOUT.sums + fi * NBX + nBx)));
  }
  return b;
}
