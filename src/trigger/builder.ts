/**
 * OrbitBuilder: accumulates one orbit's bunch crossings into reusable worst-case-sized typed arrays,
 * then copies out an exactly-sized `OrbitBatch`. Reusing the buffers keeps the generator's hot
 * loop allocation-free; the copy in `finish()` means batches never alias each other.
 */
import {
  BX_MAX, BX_MIN, BX_PER_ORBIT, CALO_FIELDS, CAPS, MUON_FIELDS, SUM_FIELDS, allocateBatch,
  type CaloBlock, type MuonBlock, type OrbitBatch, type SumBlock,
} from "../events/batch.js";

type MuonField = (typeof MUON_FIELDS)[number];
type CaloField = (typeof CALO_FIELDS)[number];
type SumField = (typeof SUM_FIELDS)[number];

interface CaloBuffer {
  count: number;
  offset: Uint32Array;
  fields: Record<CaloField, Int32Array>;
}

function caloBuffer(cap: number): CaloBuffer {
  const fields = {} as Record<CaloField, Int32Array>;
  for (const f of CALO_FIELDS) fields[f] = new Int32Array(BX_PER_ORBIT * cap);
  return { count: 0, offset: new Uint32Array(BX_PER_ORBIT + 1), fields };
}

export class OrbitBuilder {
  private orbit = 0;
  private nBx = 0;
  private readonly bx = new Uint16Array(BX_PER_ORBIT);
  private readonly label = new Uint8Array(BX_PER_ORBIT);
  private hasLabels = false;
  private muonCount = 0;
  private readonly muonOffset = new Uint32Array(BX_PER_ORBIT + 1);
  readonly muon = {} as Record<MuonField, Int32Array>;
  readonly jet = caloBuffer(CAPS.jet);
  readonly egamma = caloBuffer(CAPS.egamma);
  readonly tau = caloBuffer(CAPS.tau);
  readonly sum = {} as Record<SumField, Int32Array>;

  constructor() {
    for (const f of MUON_FIELDS) this.muon[f] = new Int32Array(BX_PER_ORBIT * CAPS.muon);
    for (const f of SUM_FIELDS) this.sum[f] = new Int32Array(BX_PER_ORBIT);
  }

  /** Start a new orbit (drops anything not finished). */
  begin(orbit: number, withLabels: boolean): void {
    this.orbit = orbit;
    this.nBx = 0;
    this.hasLabels = withLabels;
    this.muonCount = this.jet.count = this.egamma.count = this.tau.count = 0;
  }

  /** Index of the BX being written (objects appended now belong to it). */
  get current(): number {
    return this.nBx;
  }

  /** The last stored BX number, 0 if none. */
  get lastBx(): number {
    return this.nBx === 0 ? 0 : this.bx[this.nBx - 1];
  }

  /** Append one muon to the current BX; returns its index for the caller to fill the fields. */
  addMuon(): number {
    return this.muonCount++;
  }

  /** Append one calo object to the current BX's block `buf`; returns its index. */
  addCalo(buf: CaloBuffer): number {
    return buf.count++;
  }

  /** Close the current BX: record its number, label and the end offsets of every block. */
  commitBx(bx: number, label: number): void {
    if (!(bx >= BX_MIN && bx <= BX_MAX) || bx <= this.lastBx)
      throw new RangeError(`BX ${bx} out of order or outside ${BX_MIN}..${BX_MAX}`);
    const i = this.nBx++;
    this.bx[i] = bx;
    this.label[i] = label;
    this.muonOffset[i + 1] = this.muonCount;
    this.jet.offset[i + 1] = this.jet.count;
    this.egamma.offset[i + 1] = this.egamma.count;
    this.tau.offset[i + 1] = this.tau.count;
  }

  /** Copy out the orbit as an exactly-sized batch. */
  finish(): OrbitBatch {
    const n = this.nBx;
    const batch = allocateBatch(this.orbit, {
      nBx: n, muons: this.muonCount, jets: this.jet.count, egammas: this.egamma.count, taus: this.tau.count,
    }, this.hasLabels);
    batch.bx.set(this.bx.subarray(0, n));
    if (batch.label) batch.label.set(this.label.subarray(0, n));
    copyMuons(batch.muons, this.muonOffset, this.muon, n, this.muonCount);
    copyCalo(batch.jets, this.jet, n);
    copyCalo(batch.egammas, this.egamma, n);
    copyCalo(batch.taus, this.tau, n);
    copySums(batch.sums, this.sum, n);
    return batch;
  }
}

export type { CaloBuffer };

function copyMuons(out: MuonBlock, offset: Uint32Array, fields: Record<MuonField, Int32Array>, n: number, count: number): void {
  out.offset.set(offset.subarray(0, n + 1));
  for (const f of MUON_FIELDS) out[f].set(fields[f].subarray(0, count));
}

function copyCalo(out: CaloBlock, buf: CaloBuffer, n: number): void {
  out.offset.set(buf.offset.subarray(0, n + 1));
  for (const f of CALO_FIELDS) out[f].set(buf.fields[f].subarray(0, buf.count));
}

function copySums(out: SumBlock, fields: Record<SumField, Int32Array>, n: number): void {
  for (const f of SUM_FIELDS) out[f].set(fields[f].subarray(0, n));
}
