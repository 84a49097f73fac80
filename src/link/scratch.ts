/**
 * The decoder's output area: one Int32Array with a fixed layout, sized for a full orbit, that the
 * TS and native decoders both write into (no allocation per orbit). `materialize` copies the
 * used part out into an OrbitBatch whose arrays share one ArrayBuffer (views with offsets). native/link.cc computes the same offsets (checked by a test).
 */
import {
  MUON_FIELDS, CALO_FIELDS, SUM_FIELDS, CAPS, type OrbitBatch, type CaloBlock, type MuonBlock, type SumBlock,
} from "../events/batch.js";
import { BX_BLOCK_BYTES, MAX_BX_BLOCKS, DECODE_SLOT, MUON_SLOTS_PER_BX, WALK_SLOT } from "./format.js";

const NBX = MAX_BX_BLOCKS;
// Every muon slot of every block can be decoded (CMSSW unpacks up to 16 per BX), not just the 8 uGMT sends.
const MU_CAP = NBX * MUON_SLOTS_PER_BX;
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
  return new Float64Array(DECODE_SLOT.size);
}

/** A fresh block-walk memory (format.ts WALK_SLOT): nothing remembered, origin 0. */
export function createWalk(): Float64Array {
  return resetWalk(new Float64Array(WALK_SLOT.size));
}

/** Forget every remembered walk (a new stream): empty ranges [-1, -1), no trailer. */
export function resetWalk(w: Float64Array): Float64Array {
  w.fill(0);
  w[WALK_SLOT.scanFrom] = w[WALK_SLOT.scanTo] = -1;
  for (let r = 0; r < BX_BLOCK_BYTES; r++) w[WALK_SLOT.residues + 3 * r] = w[WALK_SLOT.residues + 3 * r + 1] = -1;
  return w;
}

/**
 * Carves every array of a batch out of one ArrayBuffer: V8 typed-array allocation costs ~1 µs
 * each and a batch has ~40 arrays, so one buffer makes materialising several times cheaper.
 */
class Carver {
  readonly buffer: ArrayBuffer;
  private at = 0;
  constructor(int32s: number, uint16s: number) {
    this.buffer = new ArrayBuffer(int32s * 4 + uint16s * 2);
  }
  i32(n: number): Int32Array {
    const a = new Int32Array(this.buffer, this.at, n);
    this.at += 4 * n;
    return a;
  }
  u32(n: number): Uint32Array {
    const a = new Uint32Array(this.buffer, this.at, n);
    this.at += 4 * n;
    return a;
  }
  u16(n: number): Uint16Array {
    const a = new Uint16Array(this.buffer, this.at, n);
    this.at += 2 * n;
    return a;
  }
}

function caloBlock(c: Carver, s: Int32Array, k: number, nBx: number, n: number): CaloBlock {
  const { offset, field } = LAYOUT.calo[k];
  const block = { offset: c.u32(nBx + 1) } as CaloBlock;
  for (let i = 0; i <= nBx; i++) block.offset[i] = s[offset + i];
  CALO_FIELDS.forEach((f, fi) => {
    block[f] = c.i32(n);
    block[f].set(s.subarray(field + fi * LAYOUT.caloCap, field + fi * LAYOUT.caloCap + n));
  });
  return block;
}

/** Copy the decoded orbit out of the scratch area into a fresh OrbitBatch (one ArrayBuffer). */
export function materialize(s: Int32Array, r: Float64Array, stream: "muon" | "calo"): OrbitBatch {
  const nBx = r[DECODE_SLOT.nBx];
  const nMu = stream === "muon" ? r[DECODE_SLOT.nMuon] : 0;
  const nCalo = stream === "calo" ? [r[DECODE_SLOT.nJet], r[DECODE_SLOT.nEgamma], r[DECODE_SLOT.nTau]] : [0, 0, 0];
  const int32s = 4 * (nBx + 1) + MUON_FIELDS.length * nMu + CALO_FIELDS.length * (nCalo[0] + nCalo[1] + nCalo[2]) +
    SUM_FIELDS.length * nBx;
  const c = new Carver(int32s, nBx);
  const muons = { offset: c.u32(nBx + 1) } as MuonBlock;
  if (stream === "muon") for (let i = 0; i <= nBx; i++) muons.offset[i] = s[LAYOUT.muOffset + i];
  MUON_FIELDS.forEach((f, fi) => {
    muons[f] = c.i32(nMu);
    const start = LAYOUT.muField + fi * LAYOUT.muCap;
    if (nMu) muons[f].set(s.subarray(start, start + nMu));
  });
  const jets = caloBlock(c, s, 0, nBx, nCalo[0]);
  const egammas = caloBlock(c, s, 1, nBx, nCalo[1]);
  const taus = caloBlock(c, s, 2, nBx, nCalo[2]);
  if (stream === "muon") for (const b of [jets, egammas, taus]) b.offset.fill(0);
  const sums = {} as SumBlock;
  SUM_FIELDS.forEach((f, fi) => {
    sums[f] = c.i32(nBx);
    if (stream === "calo") sums[f].set(s.subarray(LAYOUT.sums + fi * NBX, LAYOUT.sums + fi * NBX + nBx));
  });
  const bx = c.u16(nBx);
  for (let i = 0; i < nBx; i++) bx[i] = s[LAYOUT.bx + i];
  return { orbit: r[DECODE_SLOT.orbit], nBx, bx, muons, jets, egammas, taus, sums };
}

/**
 * Zero-copy alternative to `materialize`: an OrbitBatch whose arrays are views into the scratch
 * area (bx copied into `bxOut`, a reused array). Valid only until the next orbit is decoded.
 */
export function scratchView(s: Int32Array, r: Float64Array, stream: "muon" | "calo", bxOut: Uint16Array): OrbitBatch {
  const nBx = r[DECODE_SLOT.nBx];
  const u32 = (at: number, n: number) => new Uint32Array(s.buffer, s.byteOffset + 4 * at, n);
  for (let i = 0; i < nBx; i++) bxOut[i] = s[LAYOUT.bx + i];
  const none = { offset: ZERO_OFFSETS.subarray(0, nBx + 1) };
  const muons = { offset: stream === "muon" ? u32(LAYOUT.muOffset, nBx + 1) : none.offset } as MuonBlock;
  const nMu = stream === "muon" ? r[DECODE_SLOT.nMuon] : 0;
  MUON_FIELDS.forEach((f, fi) => (muons[f] = s.subarray(LAYOUT.muField + fi * LAYOUT.muCap, LAYOUT.muField + fi * LAYOUT.muCap + nMu)));
  const counts = [DECODE_SLOT.nJet, DECODE_SLOT.nEgamma, DECODE_SLOT.nTau];
  const [jets, egammas, taus] = LAYOUT.calo.map(({ offset, field }, k) => {
    const n = stream === "calo" ? r[counts[k]] : 0;
    const block = { offset: stream === "calo" ? u32(offset, nBx + 1) : none.offset } as CaloBlock;
    CALO_FIELDS.forEach((f, fi) => (block[f] = s.subarray(field + fi * LAYOUT.caloCap, field + fi * LAYOUT.caloCap + n)));
    return block;
  });
  const sums = {} as SumBlock;
  SUM_FIELDS.forEach((f, fi) => (sums[f] = stream === "calo" ? s.subarray(LAYOUT.sums + fi * NBX, LAYOUT.sums + fi * NBX + nBx) : ZERO_SUMS.subarray(0, nBx)));
  return { orbit: r[DECODE_SLOT.orbit], nBx, bx: bxOut.subarray(0, nBx), muons, jets, egammas, taus, sums };
}

const ZERO_OFFSETS = new Uint32Array(NBX + 1);
const ZERO_SUMS = new Int32Array(NBX);
