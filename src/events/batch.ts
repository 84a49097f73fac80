/**
 * OrbitBatch: one LHC orbit's non-empty bunch crossings in columnar typed arrays.
 *
 * The bus carries whole orbits, not single events (DESIGN §1): every stage loops over typed arrays.
 * Objects of one kind are stored CSR-style: the objects of the i-th stored BX are the index range
 * `[offset[i], offset[i+1])` of every field array of that kind, already sorted by decreasing pT.
 */

export const BX_PER_ORBIT = 3564;
/** First and last valid BX number (CMSSW unpackers size their buffers for BX 1..3564). */
export const BX_MIN = 1;
export const BX_MAX = BX_PER_ORBIT;
/** LHC bunch-crossing clock (Hz) and orbit frequency (Hz). */
export const BX_CLOCK_HZ = 40.0789e6;
export const ORBIT_HZ = BX_CLOCK_HZ / BX_PER_ORBIT; // 11.2455 kHz

export type ObjectKind = "muon" | "jet" | "egamma" | "tau";
export const OBJECT_KINDS: readonly ObjectKind[] = ["muon", "jet", "egamma", "tau"];

/** Objects per BX as the Run-3 L1 trigger delivers them to scouting (uGMT 8, calo demux 12 each). */
export const CAPS: Record<ObjectKind, number> = { muon: 8, jet: 12, egamma: 12, tau: 12 };
/**
 * What a decoded capture can hold, as CMSSW's unpackers decode it: every muon slot of a DMA block
 * (8 links × 2, ScGMTRawToDigi's mu[16]) and BX 0 (its 3565-entry BX buffers keep index 0).
 * Event files read and write this range; the trigger emulator stays within CAPS and BX_MIN..BX_MAX.
 */
export const DECODED_CAPS: Record<ObjectKind, number> = { ...CAPS, muon: 16 };
export const BX_DECODED_MIN = 0;

/** Calo objects (jets, e/γ, τ): hardware ET, η, φ and an iso/quality field. */
export interface CaloBlock {
  offset: Uint32Array; // length nBx + 1
  hwEt: Int32Array;
  hwEta: Int32Array;
  hwPhi: Int32Array;
  /** e/γ, τ: isolation (2 b). Jets: quality (2 b). */
  hwIso: Int32Array;
}

/** uGMT muons with the CMSSW `l1ScoutingRun3::Muon` fields. η/φ "at vertex" are the ones physics uses. */
export interface MuonBlock {
  offset: Uint32Array;
  hwPt: Int32Array;
  hwEtaAtVtx: Int32Array;
  hwPhiAtVtx: Int32Array;
  /** η and φ at the muon station. */
  hwEta: Int32Array;
  hwPhi: Int32Array;
  hwQual: Int32Array;
  /** -1, 0 (charge not valid) or +1. */
  hwCharge: Int32Array;
  hwIso: Int32Array;
  hwPtUnconstrained: Int32Array;
  hwDXY: Int32Array;
  tfMuonIndex: Int32Array;
}

/** Calo layer-2 energy sums, one record per stored BX (12-bit ET fields, 8-bit φ). */
export interface SumBlock {
  hwTotalEt: Int32Array;
  hwTotalEtEm: Int32Array;
  hwTotalHt: Int32Array;
  hwMissEt: Int32Array;
  hwMissEtPhi: Int32Array;
  hwMissHt: Int32Array;
  hwMissHtPhi: Int32Array;
  hwMissEtHF: Int32Array;
  hwMissEtHFPhi: Int32Array;
  hwMissHtHF: Int32Array;
  hwMissHtHFPhi: Int32Array;
  hwTowerCount: Int32Array;
}

export const MUON_FIELDS = [
  "hwPt", "hwEtaAtVtx", "hwPhiAtVtx", "hwEta", "hwPhi", "hwQual", "hwCharge", "hwIso",
  "hwPtUnconstrained", "hwDXY", "tfMuonIndex",
] as const;
export const CALO_FIELDS = ["hwEt", "hwEta", "hwPhi", "hwIso"] as const;
export const SUM_FIELDS = [
  "hwTotalEt", "hwTotalEtEm", "hwTotalHt", "hwMissEt", "hwMissEtPhi", "hwMissHt", "hwMissHtPhi",
  "hwMissEtHF", "hwMissEtHFPhi", "hwMissHtHF", "hwMissHtHFPhi", "hwTowerCount",
] as const;

/** Truth label of a generated BX: 0 = background, otherwise the injected signal (see SIGNALS). */
export type TruthLabel = number;

export interface OrbitBatch {
  /** Orbit number (31 bits on the link). */
  orbit: number;
  /** Number of stored (non-empty) BX. */
  nBx: number;
  /** BX number of each stored BX, ascending, in 1..3564. */
  bx: Uint16Array;
  muons: MuonBlock;
  jets: CaloBlock;
  egammas: CaloBlock;
  taus: CaloBlock;
  sums: SumBlock;
  /** Generator truth per stored BX (absent for real data). */
  label?: Uint8Array;
  /** Event weight per stored BX, from files that carry one (DarkMachines CSV); absent = 1. */
  weight?: Float32Array;
  /** Physics process name per stored BX, from files that carry one (DarkMachines CSV). */
  process?: string[];
}

function emptyMuons(nBx: number, nObj: number): MuonBlock {
  const block = { offset: new Uint32Array(nBx + 1) } as MuonBlock;
  for (const f of MUON_FIELDS) block[f] = new Int32Array(nObj);
  return block;
}
function emptyCalo(nBx: number, nObj: number): CaloBlock {
  const block = { offset: new Uint32Array(nBx + 1) } as CaloBlock;
  for (const f of CALO_FIELDS) block[f] = new Int32Array(nObj);
  return block;
}
function emptySums(nBx: number): SumBlock {
  const block = {} as SumBlock;
  for (const f of SUM_FIELDS) block[f] = new Int32Array(nBx);
  return block;
}

/** Object totals of a batch to allocate for. */
export interface BatchSize {
  nBx: number;
  muons: number;
  jets: number;
  egammas: number;
  taus: number;
}

/** A zero-filled batch with room for the given numbers of BX and objects. */
export function allocateBatch(orbit: number, size: BatchSize, withLabels = false): OrbitBatch {
  return {
    orbit,
    nBx: size.nBx,
    bx: new Uint16Array(size.nBx),
    muons: emptyMuons(size.nBx, size.muons),
    jets: emptyCalo(size.nBx, size.jets),
    egammas: emptyCalo(size.nBx, size.egammas),
    taus: emptyCalo(size.nBx, size.taus),
    sums: emptySums(size.nBx),
    label: withLabels ? new Uint8Array(size.nBx) : undefined,
  };
}

/** Number of objects of one block in stored BX `i`. */
export function countAt(block: { offset: Uint32Array }, i: number): number {
  return block.offset[i + 1] - block.offset[i];
}

export function totalObjects(batch: OrbitBatch): BatchSize {
  return {
    nBx: batch.nBx,
    muons: batch.muons.offset[batch.nBx],
    jets: batch.jets.offset[batch.nBx],
    egammas: batch.egammas.offset[batch.nBx],
    taus: batch.taus.offset[batch.nBx],
  };
}

/** The calo block of a kind (muons have their own shape). */
export function caloBlock(batch: OrbitBatch, kind: Exclude<ObjectKind, "muon">): CaloBlock {
  return kind === "jet" ? batch.jets : kind === "egamma" ? batch.egammas : batch.taus;
}

/**
 * Field-by-field equality of two batches; returns the first difference as text, or null.
 * Used by round-trip tests and golden regressions.
 */
export function diffBatches(a: OrbitBatch, b: OrbitBatch): string | null {
  if (a.orbit !== b.orbit) return `orbit ${a.orbit} != ${b.orbit}`;
  if (a.nBx !== b.nBx) return `nBx ${a.nBx} != ${b.nBx}`;
  const cmp = (name: string, x: ArrayLike<number>, y: ArrayLike<number>): string | null => {
    if (x.length !== y.length) return `${name}: length ${x.length} != ${y.length}`;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${name}[${i}]: ${x[i]} != ${y[i]}`;
    return null;
  };
  const checks: [string, ArrayLike<number>, ArrayLike<number>][] = [["bx", a.bx, b.bx]];
  for (const f of ["offset", ...MUON_FIELDS] as const) checks.push([`muons.${f}`, a.muons[f], b.muons[f]]);
  for (const k of ["jets", "egammas", "taus"] as const)
    for (const f of ["offset", ...CALO_FIELDS] as const) checks.push([`${k}.${f}`, a[k][f], b[k][f]]);
  for (const f of SUM_FIELDS) checks.push([`sums.${f}`, a.sums[f], b.sums[f]]);
  for (const [name, x, y] of checks) {
    const d = cmp(name, x, y);
    if (d) return d;
  }
  return null;
}
