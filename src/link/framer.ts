/**
 * Framer: OrbitBatch → Run-3 scouting DMA bytes, one stream (muons, SDS 1; calo, SDS 2) at a time.
 *
 * Each stream zero-suppresses its own empty BX (the firmware sends only BX set in the bitmap).
 * Which BX go on which stream is decided so that deframing both streams and merging them by BX
 * gives back the batch exactly (see `streamCarriesBx`).
 */
import { CALO, MUON, fieldRange, type FieldSpec } from "../events/scales.js";
import { BX_MAX, BX_MIN, SUM_FIELDS, type CaloBlock, type OrbitBatch } from "../events/batch.js";
import { native } from "../native.js";
import { crc32c } from "./crc32c.js";
import { caloWord, muonWordF, muonWordS, sumWord } from "./words.js";
import {
  BEEFDEAD, BITMAP_OFFSET, BX_BLOCK_BYTES, CALO_LINKS, CALO_SUM_LINK, DEADBEEF, FLAG_CRC32C,
  FORMAT_VERSION, LINKS, MU, MUON_SLOTS_A, ORBIT_HEADER_BYTES, ORBIT_MARKER,
  PACKET_TRAILER_BYTES, SDS_ID, orbitBytes, type LinkStream,
} from "./format.js";

export interface FrameOptions {
  /** Append the scoutloop CRC-32C to each orbit trailer (flagged in the header). Default off. */
  crc?: boolean;
  /**
   * Objects the link cannot carry because their value means "no object" (muon hwPt 0, calo ET 0):
   * throw (default) or leave them out and count them in `dropped` (e.g. quantised real data).
   */
  dropEmpty?: boolean;
  /** Receives the number of objects left out under `dropEmpty`. */
  dropped?: { objects: number };
  /**
   * Byte packer: "native" (default, native/framer.cc) or "ts" (the reference). Same bytes, same
   * errors: the native packer declines anything the link cannot carry and the TS framer then throws.
   */
  core?: "ts" | "native";
  /**
   * Orbit header: "scoutloop" (default: marker, SDS id, block count in words 1–3) or "scdaq"
   * (word 0 the orbit number, words 1–7 zero, as captures from SCDAQ hardware; no CRC possible).
   */
  header?: "scoutloop" | "scdaq";
}

/** Hardware DMA packet-trailer counters (format.h: autorealign, dropped orbits, orbit counter). */
export interface PacketCounters {
  autorealign: number;
  dropped: number;
  orbitCounter: number;
}

function hasCaloContent(batch: OrbitBatch, i: number): boolean {
  if (batch.jets.offset[i + 1] > batch.jets.offset[i]) return true;
  if (batch.egammas.offset[i + 1] > batch.egammas.offset[i]) return true;
  if (batch.taus.offset[i + 1] > batch.taus.offset[i]) return true;
  for (let f = 0; f < SUM_FIELDS.length; f++) if (batch.sums[SUM_FIELDS[f]][i] !== 0) return true;
  return false;
}

/**
 * Does stream `stream` carry stored BX `i`? Muons: BX with at least one muon. Calo: BX with any
 * calo object or non-zero sum, and also BX empty in both streams, so no stored BX is ever lost.
 */
export function streamCarriesBx(batch: OrbitBatch, stream: LinkStream, i: number): boolean {
  const hasMuons = batch.muons.offset[i + 1] > batch.muons.offset[i];
  return stream === "muon" ? hasMuons : hasCaloContent(batch, i) || !hasMuons;
}

/** Accepted range of a field: [lo, hi] (lo raised to 1 where 0 means "no object"). */
interface Range {
  lo: number;
  hi: number;
}
function range(spec: FieldSpec, min?: number): Range {
  const [lo, hi] = fieldRange(spec);
  return { lo: min ?? lo, hi };
}

/** Throw if `value` does not fit the field (hot path: monomorphic, no allocation unless it fails). */
function check(value: number, r: Range, what: string, orbit: number, bx: number): void {
  if (value < r.lo || value > r.hi || !Number.isInteger(value)) {
    throw new RangeError(`orbit ${orbit} BX ${bx}: ${what} = ${value} does not fit the link word (${r.lo}..${r.hi})`);
  }
}

const MU_R = {
  pt: range(MUON.fields.hwPt, 1), // hwPt = 0 means "no muon"
  eta: range(MUON.fields.hwEta),
  /** η at the station: CMSSW decodes raw 0x100 as +256, so the link carries −255..256. */
  etaStation: range(MUON.fields.hwEtaStation),
  phi: range(MUON.fields.hwPhi),
  qual: range(MUON.fields.hwQual),
  iso: range(MUON.fields.hwIso),
  ptUncon: range(MUON.fields.hwPtUnconstrained),
  dxy: range(MUON.fields.hwDXY),
  index: range(MUON.fields.tfMuonIndex),
};
const CALO_R = {
  jetEt: range(CALO.fields.jetEt, 1), // ET = 0 means "no object"
  egEt: range(CALO.fields.egEt, 1),
  tauEt: range(CALO.fields.tauEt, 1),
  eta: range(CALO.fields.hwEta),
  phi: range(CALO.fields.hwPhi),
  iso: range(CALO.fields.hwIso),
};

/** Field names for error messages, built once (not per object). */
const CALO_NAMES = {
  jet: { et: "jet hwEt", eta: "jet hwEta", phi: "jet hwPhi", iso: "jet hwIso" },
  egamma: { et: "egamma hwEt", eta: "egamma hwEta", phi: "egamma hwPhi", iso: "egamma hwIso" },
  tau: { et: "tau hwEt", eta: "tau hwEta", phi: "tau hwPhi", iso: "tau hwIso" },
} as const;

const U = (bits: number): FieldSpec => ({ bits, signed: false });

/** Encode one BX of muons into the 6×8 block at `o` (u32 index into `w`). */
function putMuonBlock(w: Uint32Array, o: number, batch: OrbitBatch, i: number, bx: number, opts: FrameOptions): void {
  const m = batch.muons;
  const n = m.offset[i + 1] - m.offset[i];
  if (n > 8) throw new RangeError(`orbit ${batch.orbit} BX ${bx}: ${n} muons exceed the uGMT cap of 8`);
  for (let link = 0; link < LINKS; link++) {
    w[o + link] = batch.orbit >>> 0; // frame 0: orbit word of every link
    w[o + LINKS + link] = bx; // frame 1: BX word ("extra"), eta-at-station fields added below
  }
  let k = 0; // link slot of the next muon
  for (let j = m.offset[i]; j < m.offset[i + 1]; j++) {
    const orbit = batch.orbit;
    if (m.hwPt[j] === 0 && opts.dropEmpty) {
      if (opts.dropped) opts.dropped.objects++;
      continue;
    }
    check(m.hwPt[j], MU_R.pt, "muon hwPt", orbit, bx);
    check(m.hwEtaAtVtx[j], MU_R.eta, "muon hwEtaAtVtx", orbit, bx);
    check(m.hwPhiAtVtx[j], MU_R.phi, "muon hwPhiAtVtx", orbit, bx);
    check(m.hwEta[j], MU_R.etaStation, "muon hwEta", orbit, bx);
    check(m.hwPhi[j], MU_R.phi, "muon hwPhi", orbit, bx);
    check(m.hwQual[j], MU_R.qual, "muon hwQual", orbit, bx);
    check(m.hwIso[j], MU_R.iso, "muon hwIso", orbit, bx);
    check(m.hwPtUnconstrained[j], MU_R.ptUncon, "muon hwPtUnconstrained", orbit, bx);
    check(m.hwDXY[j], MU_R.dxy, "muon hwDXY", orbit, bx);
    check(m.tfMuonIndex[j], MU_R.index, "muon tfMuonIndex", orbit, bx);
    const q = m.hwCharge[j];
    if (q !== -1 && q !== 0 && q !== 1) throw new RangeError(`orbit ${orbit} BX ${bx}: muon hwCharge = ${q} is not -1, 0 or +1`);
    const f = muonWordF(m.hwPhiAtVtx[j], m.hwPt[j], m.hwQual[j], m.hwEtaAtVtx[j]);
    const s = muonWordS(m.hwIso[j], q, m.tfMuonIndex[j], m.hwPhi[j], m.hwPtUnconstrained[j], m.hwDXY[j]);
    // Final muon k rides link k mod 4, slot A for k < 4 and B after: SCDAQ emits all A slots
    // (links 0..7) before all B slots, so its output order equals the uGMT pT order.
    const link = k % MUON_SLOTS_A;
    const slotB = k >= MUON_SLOTS_A;
    w[o + (slotB ? 4 : 2) * LINKS + link] = f >>> 0;
    w[o + (slotB ? 5 : 3) * LINKS + link] = s >>> 0;
    const etaBits = (m.hwEta[j] & MU.etaMask) << (slotB ? MU.eta2Shift : MU.eta1Shift);
    w[o + LINKS + link] = (w[o + LINKS + link] | etaBits) >>> 0;
    k++;
  }
}

function putCaloKind(
  w: Uint32Array, o: number, block: CaloBlock, kind: "jet" | "egamma" | "tau", i: number, orbit: number, bx: number,
  opts: FrameOptions,
): void {
  const n = block.offset[i + 1] - block.offset[i];
  if (n > 12) throw new RangeError(`orbit ${orbit} BX ${bx}: ${n} ${kind} objects exceed the demux cap of 12`);
  const etRange = kind === "jet" ? CALO_R.jetEt : kind === "egamma" ? CALO_R.egEt : CALO_R.tauEt;
  let k = 0; // word slot of the next object
  for (let j = block.offset[i]; j < block.offset[i + 1]; j++) {
    if (block.hwEt[j] === 0 && opts.dropEmpty) {
      if (opts.dropped) opts.dropped.objects++;
      continue;
    }
    const names = CALO_NAMES[kind];
    check(block.hwEt[j], etRange, names.et, orbit, bx);
    check(block.hwEta[j], CALO_R.eta, names.eta, orbit, bx);
    check(block.hwPhi[j], CALO_R.phi, names.phi, orbit, bx);
    check(block.hwIso[j], CALO_R.iso, names.iso, orbit, bx);
    const word = caloWord(kind, block.hwEt[j], block.hwEta[j], block.hwPhi[j], block.hwIso[j]);
    // Objects 0..5 on the "1" link, 6..11 on the "2" link: the unpacker reads link 1 first.
    const link = CALO_LINKS[kind][k < 6 ? 0 : 1];
    w[o + (k % 6) * LINKS + link] = word >>> 0;
    k++;
  }
}

function putCaloBlock(w: Uint32Array, o: number, batch: OrbitBatch, i: number, bx: number, opts: FrameOptions): void {
  putCaloKind(w, o, batch.jets, "jet", i, batch.orbit, bx, opts);
  putCaloKind(w, o, batch.egammas, "egamma", i, batch.orbit, bx, opts);
  putCaloKind(w, o, batch.taus, "tau", i, batch.orbit, bx, opts);
  const s = batch.sums;
  // Word k of link 5: low 12 bits and the field at bit 12 (ScCALORawToDigi.cc unpackEtSums).
  putSum(w, o, 0, s.hwTotalEt[i], s.hwTotalEtEm[i], SUM_ET, "sums.hwTotalEt", "sums.hwTotalEtEm", batch.orbit, bx);
  putSum(w, o, 1, s.hwTotalHt[i], s.hwTowerCount[i], SUM_TOWERS, "sums.hwTotalHt", "sums.hwTowerCount", batch.orbit, bx);
  putSum(w, o, 2, s.hwMissEt[i], s.hwMissEtPhi[i], SUM_PHI, "sums.hwMissEt", "sums.hwMissEtPhi", batch.orbit, bx);
  putSum(w, o, 3, s.hwMissHt[i], s.hwMissHtPhi[i], SUM_PHI, "sums.hwMissHt", "sums.hwMissHtPhi", batch.orbit, bx);
  putSum(w, o, 4, s.hwMissEtHF[i], s.hwMissEtHFPhi[i], SUM_PHI, "sums.hwMissEtHF", "sums.hwMissEtHFPhi", batch.orbit, bx);
  putSum(w, o, 5, s.hwMissHtHF[i], s.hwMissHtHFPhi[i], SUM_PHI, "sums.hwMissHtHF", "sums.hwMissHtHFPhi", batch.orbit, bx);
}

const SUM_ET = range(U(12)), SUM_PHI = range(U(8)), SUM_TOWERS = range(U(13));

function putSum(
  w: Uint32Array, o: number, k: number, lo: number, hi: number, hiSpec: Range, loName: string, hiName: string,
  orbit: number, bx: number,
): void {
  check(lo, SUM_ET, loName, orbit, bx);
  check(hi, hiSpec, hiName, orbit, bx);
  w[o + k * LINKS + CALO_SUM_LINK] = sumWord(lo, hi);
}

/** Indices of the stored BX that `stream` carries, validated (ascending, in 1..3564). */
export function streamBxIndices(batch: OrbitBatch, stream: LinkStream): number[] {
  const out: number[] = [];
  let prev = 0;
  for (let i = 0; i < batch.nBx; i++) {
    const bx = batch.bx[i];
    if (bx < BX_MIN || bx > BX_MAX) throw new RangeError(`orbit ${batch.orbit}: BX ${bx} outside ${BX_MIN}..${BX_MAX}`);
    if (bx <= prev) throw new RangeError(`orbit ${batch.orbit}: BX list not strictly ascending at ${bx}`);
    prev = bx;
    if (streamCarriesBx(batch, stream, i)) out.push(i);
  }
  return out;
}

/** Field ranges for the native packer, in native/framer.cc `RangeIx` order (built once from the TS tables). */
const NATIVE_RANGES = Int32Array.from(
  [
    MU_R.pt, MU_R.eta, MU_R.phi, MU_R.qual, MU_R.iso, MU_R.ptUncon, MU_R.dxy, MU_R.index,
    CALO_R.jetEt, CALO_R.egEt, CALO_R.tauEt, CALO_R.eta, CALO_R.phi, CALO_R.iso,
    SUM_ET, SUM_TOWERS, SUM_PHI, MU_R.etaStation,
  ].flatMap((r) => [r.lo, r.hi]),
);
const nativeResult = new Float64Array(1);

/** The native packer's bytes, or undefined when it declines (the TS reference then decides). */
export function frameOrbitNative(batch: OrbitBatch, stream: LinkStream, options: FrameOptions): Uint8Array | undefined {
  const m = batch.muons, j = batch.jets, e = batch.egammas, t = batch.taus, s = batch.sums;
  const out = native.linkFrameOrbit(
    SDS_ID[stream], options.crc === true, options.dropEmpty === true, batch.orbit, batch.nBx, batch.bx, NATIVE_RANGES,
    m.offset, m.hwPt, m.hwEtaAtVtx, m.hwPhiAtVtx, m.hwEta, m.hwPhi, m.hwQual, m.hwCharge, m.hwIso, m.hwPtUnconstrained, m.hwDXY, m.tfMuonIndex,
    j.offset, j.hwEt, j.hwEta, j.hwPhi, j.hwIso,
    e.offset, e.hwEt, e.hwEta, e.hwPhi, e.hwIso,
    t.offset, t.hwEt, t.hwEta, t.hwPhi, t.hwIso,
    s.hwTotalEt, s.hwTotalEtEm, s.hwTotalHt, s.hwMissEt, s.hwMissEtPhi, s.hwMissHt, s.hwMissHtPhi, s.hwMissEtHF,
    s.hwMissEtHFPhi, s.hwMissHtHF, s.hwMissHtHFPhi, s.hwTowerCount, nativeResult,
  );
  if (out && options.dropped) options.dropped.objects += nativeResult[0];
  return out;
}

/**
 * Frame one orbit of one stream: header + BX blocks + orbit trailer (no packet trailer). The native
 * packer by default; whatever it declines (values the link cannot carry, malformed batches) goes to
 * the TS reference, so errors and edge cases are the reference's by construction.
 */
export function frameOrbit(batch: OrbitBatch, stream: LinkStream, options: FrameOptions = {}): Uint8Array {
  if (options.header === "scdaq" && options.crc) throw new RangeError("the CRC-32C extension needs scoutloop orbit headers (its flag lives in header word 2)");
  const out = (options.core !== "ts" ? frameOrbitNative(batch, stream, options) : undefined) ?? frameOrbitTs(batch, stream, options);
  if (options.header === "scdaq") out.fill(0, 4, ORBIT_HEADER_BYTES); // SCDAQ trusts word 0 only
  return out;
}

/** The TypeScript reference framer. */
function frameOrbitTs(batch: OrbitBatch, stream: LinkStream, options: FrameOptions): Uint8Array {
  if (!Number.isInteger(batch.orbit) || batch.orbit < 0 || batch.orbit > 0x7fffffff) {
    throw new RangeError(`orbit number ${batch.orbit} does not fit 31 bits`);
  }
  const rows = streamBxIndices(batch, stream);
  const bytes = new Uint8Array(orbitBytes(rows.length));
  const w = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  // Header frame: word 0 = orbit (SCDAQ); words 1..3 = scoutloop marker, source/flags, block count.
  w[0] = batch.orbit;
  w[1] = ORBIT_MARKER;
  w[2] = SDS_ID[stream] | ((options.crc ? FLAG_CRC32C : 0) << 8) | (FORMAT_VERSION << 16);
  w[3] = rows.length;
  let o = ORBIT_HEADER_BYTES / 4;
  for (const i of rows) {
    const bx = batch.bx[i];
    if (stream === "muon") putMuonBlock(w, o, batch, i, bx, options);
    else putCaloBlock(w, o, batch, i, bx, options);
    o += BX_BLOCK_BYTES / 4;
  }
  const t = o;
  for (let link = 0; link < LINKS; link++) w[t + link] = BEEFDEAD;
  for (const i of rows) {
    const bx = batch.bx[i];
    w[t + BITMAP_OFFSET / 4 + (bx >>> 5)] |= 1 << (bx & 31);
  }
  if (options.crc) w[w.length - 1] = crc32c(bytes, 0, bytes.length - 4);
  return bytes;
}

/** The 32-B DMA packet trailer (u64 LE words). */
export function packetTrailer(counters: PacketCounters): Uint8Array {
  const bytes = new Uint8Array(PACKET_TRAILER_BYTES);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, DEADBEEF, true);
  v.setUint32(4, DEADBEEF, true);
  v.setBigUint64(8, BigInt(counters.autorealign), true);
  v.setBigUint64(16, BigInt(counters.dropped), true);
  v.setBigUint64(24, BigInt(counters.orbitCounter), true);
  return bytes;
}

/** Join byte arrays into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface StreamFramerOptions extends FrameOptions {
  /** Orbits per DMA packet (SCDAQ: 20 for GMT, 1 for calo). Default 1. */
  orbitsPerPacket?: number;
}

/**
 * Frames a sequence of orbits of one stream into DMA packets, keeping the packet-trailer orbit
 * counter. `push` returns the bytes of completed packets (possibly empty); `flush` closes the last.
 */
export class StreamFramer {
  private readonly pending: Uint8Array[] = [];
  private orbits = 0;
  private readonly perPacket: number;

  constructor(readonly stream: LinkStream, private readonly options: StreamFramerOptions = {}) {
    this.perPacket = options.orbitsPerPacket ?? 1;
    if (!Number.isInteger(this.perPacket) || this.perPacket < 1) throw new RangeError("orbitsPerPacket must be an integer >= 1");
  }

  push(batch: OrbitBatch): Uint8Array {
    this.pending.push(frameOrbit(batch, this.stream, this.options));
    this.orbits++;
    return this.pending.length >= this.perPacket ? this.flush() : new Uint8Array(0);
  }

  flush(): Uint8Array {
    if (this.pending.length === 0) return new Uint8Array(0);
    this.pending.push(packetTrailer({ autorealign: 0, dropped: 0, orbitCounter: this.orbits }));
    const out = concatBytes(this.pending);
    this.pending.length = 0;
    return out;
  }
}

/** Frame whole batches into one byte array per stream (one packet per orbit unless told otherwise). */
export function frameBatches(
  batches: Iterable<OrbitBatch>, stream: LinkStream, options: StreamFramerOptions = {},
): Uint8Array {
  const framer = new StreamFramer(stream, options);
  const parts: Uint8Array[] = [];
  for (const b of batches) parts.push(framer.push(b));
  parts.push(framer.flush());
  return concatBytes(parts);
}
