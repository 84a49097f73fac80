/**
 * ADC2021 rows <-> OrbitBatches.
 *
 * Rows -> batches: physical values are quantised to hardware units with src/events/scales.ts
 * (calo ET 0.5 GeV, η/φ 0.0435 and 2π/144; muon pT 0.5 (hw−1) GeV, η 0.010875, φ 2π/576). Slot 0
 * becomes the MET sum (`hwMissEt`, `hwMissEtPhi`; other sums stay 0), slots 1–4 e/γ, 5–8 muons
 * (η/φ at the vertex; the station η/φ get the same values, charge 0 = "not valid", quality 0),
 * 9–18 jets. A slot is filled when its class id is non-zero or its pT is positive (ADC2021 pads
 * missing objects with zero rows of class 0). Objects are re-sorted by hardware pT, as OrbitBatch
 * requires.
 *
 * Orbit packing: files with scoutloop's `orbit`/`bx` datasets keep their events where they were.
 * Plain ADC2021 files (no orbit structure) put one event per BX on consecutive BX 1..3564, orbit
 * after orbit from `firstOrbit` — every BX filled, denser than a real LHC fill.
 */
import { allocateBatch, BX_MAX, BX_MIN, BX_PER_ORBIT, type OrbitBatch } from "../events/batch.js";
import { CALO, caloEtaToHw, caloEtToHw, caloPhiToHw, muonEtaToHw, muonPhiToHw, muonPtToHw, muonStationEtaToHw } from "../events/scales.js";
import { ADC_FIELDS, ADC_ROW, ADC_SLOT_RANGES } from "./adc2021-layout.js";
import type { Adc2021File } from "./adc2021-reader.js";
import { FileFormatError } from "./errors.js";

function filled(rows: Float32Array, row: number, slot: number): boolean {
  const o = row * ADC_ROW + slot * ADC_FIELDS;
  return rows[o + 3] !== 0 || rows[o] > 0;
}

function countFilled(rows: Float32Array, row: number, kind: { first: number; n: number }): number {
  let c = 0;
  for (let s = kind.first; s < kind.first + kind.n; s++) if (filled(rows, row, s)) c++;
  return c;
}

function swap(a: Int32Array, j: number): void {
  const t = a[j];
  a[j] = a[j - 1];
  a[j - 1] = t;
}

/** Sort objects [from, to) of parallel arrays by decreasing `key` (insertion sort: ≤ 10 objects, stable). */
function sortByPt(key: Int32Array, others: Int32Array[], from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    for (let j = i; j > from && key[j] > key[j - 1]; j--) {
      swap(key, j);
      for (let k = 0; k < others.length; k++) swap(others[k], j);
    }
  }
}

/** Hardware columns of one calo object kind (e/γ or jets). */
interface CaloColumns {
  hwEt: Int32Array;
  hwEta: Int32Array;
  hwPhi: Int32Array;
}

/** Converts row `r`'s filled slots of one calo kind into `cols` from index `start`, pT-sorted; returns the next free index. */
function fillCaloSlots(
  rows: Float32Array, r: number, kind: { first: number; n: number }, etField: Parameters<typeof caloEtToHw>[1], cols: CaloColumns, start: number,
): number {
  let i = start;
  for (let s = kind.first; s < kind.first + kind.n; s++) {
    if (!filled(rows, r, s)) continue;
    const o = r * ADC_ROW + s * ADC_FIELDS;
    cols.hwEt[i] = caloEtToHw(rows[o], etField);
    cols.hwEta[i] = caloEtaToHw(rows[o + 1]);
    cols.hwPhi[i] = caloPhiToHw(rows[o + 2]);
    i++;
  }
  sortByPt(cols.hwEt, [cols.hwEta, cols.hwPhi], start, i);
  return i;
}

/**
 * One orbit from `nRows` ADC2021 rows (76 floats each, already validated) at the given BX numbers.
 */
export function rowsToBatch(
  orbit: number, rows: Float32Array, nRows: number, bx: ArrayLike<number>, labels: ArrayLike<number> | null,
): OrbitBatch {
  let nEg = 0, nMu = 0, nJet = 0;
  for (let r = 0; r < nRows; r++) {
    nEg += countFilled(rows, r, ADC_SLOT_RANGES.egamma);
    nMu += countFilled(rows, r, ADC_SLOT_RANGES.muon);
    nJet += countFilled(rows, r, ADC_SLOT_RANGES.jet);
  }
  const batch = allocateBatch(orbit, { nBx: nRows, muons: nMu, jets: nJet, egammas: nEg, taus: 0 }, labels !== null);
  const { egammas: eg, muons: mu, jets, sums } = batch;
  let iEg = 0, iMu = 0, iJet = 0;
  for (let r = 0; r < nRows; r++) {
    batch.bx[r] = bx[r];
    if (batch.label && labels) batch.label[r] = labels[r];
    const met = r * ADC_ROW;
    sums.hwMissEt[r] = caloEtToHw(rows[met], CALO.fields.sumEt);
    sums.hwMissEtPhi[r] = caloPhiToHw(rows[met + 2]);

    iEg = fillCaloSlots(rows, r, ADC_SLOT_RANGES.egamma, CALO.fields.egEt, eg, iEg);
    eg.offset[r + 1] = iEg;

    const muFrom = iMu;
    for (let s = ADC_SLOT_RANGES.muon.first; s < ADC_SLOT_RANGES.muon.first + ADC_SLOT_RANGES.muon.n; s++) {
      if (!filled(rows, r, s)) continue;
      const o = r * ADC_ROW + s * ADC_FIELDS;
      mu.hwPt[iMu] = muonPtToHw(rows[o]);
      mu.hwEtaAtVtx[iMu] = muonEtaToHw(rows[o + 1]);
      mu.hwEta[iMu] = muonStationEtaToHw(rows[o + 1]);
      mu.hwPhi[iMu] = mu.hwPhiAtVtx[iMu] = muonPhiToHw(rows[o + 2]);
      iMu++;
    }
    sortByPt(mu.hwPt, [mu.hwEtaAtVtx, mu.hwPhiAtVtx, mu.hwEta, mu.hwPhi], muFrom, iMu);
    mu.offset[r + 1] = iMu;

    iJet = fillCaloSlots(rows, r, ADC_SLOT_RANGES.jet, CALO.fields.jetEt, jets, iJet);
    jets.offset[r + 1] = iJet;
  }
  return batch;
}

export interface OrbitReadOptions {
  /** Orbit number of the first orbit when the file has no `orbit` dataset (default 1). */
  firstOrbit?: number;
  /** First event row to read (default 0) and how many (default: to the end). */
  start?: number;
  count?: number;
}

/**
 * The events of an open ADC2021 file as OrbitBatches, reading one orbit's worth of rows at a time
 * (≤ 3564 rows, ~1 MB), so files of any size stream in bounded memory.
 */
export function* adc2021Orbits(file: Adc2021File, opts: OrbitReadOptions = {}): Generator<OrbitBatch> {
  const start = opts.start ?? 0;
  const end = opts.count === undefined ? file.nEvents : Math.min(file.nEvents, start + opts.count);
  const rows = new Float32Array(BX_PER_ORBIT * ADC_ROW);
  if (!file.hasOrbitBx) {
    let orbit = opts.firstOrbit ?? 1;
    const bx = Uint16Array.from({ length: BX_PER_ORBIT }, (_, i) => i + BX_MIN);
    for (let at = start; at < end; at += BX_PER_ORBIT, orbit++) {
      const n = Math.min(BX_PER_ORBIT, end - at);
      file.readParticles(at, n, rows);
      yield rowsToBatch(orbit, rows, n, bx, file.readLabels(at, n));
    }
    return;
  }
  // With orbit/bx: read a window, cut it where the orbit number changes, carry the rest over.
  let at = start;
  let prevOrbit = -1;
  while (at < end) {
    const n = Math.min(BX_PER_ORBIT, end - at);
    const ob = file.readOrbitBx(at, n)!;
    let len = 0;
    const orbit = ob.orbit[0];
    while (len < n && ob.orbit[len] === orbit) {
      const b = ob.bx[len];
      if (!Number.isInteger(b) || b < BX_MIN || b > BX_MAX) throw new FileFormatError(file.path, `event ${at + len} has bx ${b}, expected ${BX_MIN}..${BX_MAX}`);
      if (len > 0 && b <= ob.bx[len - 1]) throw new FileFormatError(file.path, `event ${at + len}: bx ${b} not after bx ${ob.bx[len - 1]} in orbit ${orbit}`);
      len++;
    }
    if (!Number.isInteger(orbit) || orbit < 0 || orbit <= prevOrbit) {
      throw new FileFormatError(file.path, `event ${at} has orbit ${orbit}, expected an integer after orbit ${prevOrbit}`);
    }
    file.readParticles(at, len, rows);
    yield rowsToBatch(orbit, rows, len, ob.bx.subarray(0, len), file.readLabels(at, len));
    prevOrbit = orbit;
    at += len;
  }
}
