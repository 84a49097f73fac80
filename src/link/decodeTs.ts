/**
 * TypeScript reference decoder: finds candidate structures and validates/decodes one orbit into
 * the scratch area. native/link.cc is its twin; a property test demands identical results.
 * Nothing here throws on data: every outcome is a DecodeCode.
 */
import {
  BEEFDEAD, BITMAP_OFFSET, BITMAP_WORDS, BX_BLOCK_BYTES, CALO_LINKS, CALO_SUM_LINK, CALO_WORDS, DEADBEEF,
  DecodeCode, FLAG_CRC32C, FORMAT_VERSION, KNOWN_FLAGS, LINKS, MAX_BX_BLOCKS, MU, ORBIT_HEADER_BYTES,
  ORBIT_MARKER, PACKET_TRAILER_BYTES, DECODE_SLOT, SUM_HI_SHIFT, orbitBytes, FRAME_BYTES, ORBIT_TRAILER_BYTES,
  TOLERATED_BIT, WALK_SLOT,
} from "./format.js";
import { crc32c } from "./crc32c.js";
import { LAYOUT } from "./scratch.js";
import { BX_MAX, CAPS } from "../events/batch.js";

/** Little-endian u32 at any byte offset. */
function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

const sign9 = (u: number): number => (u & 0x100 ? u - 512 : u);
/** Muon η at the station, as CMSSW ScGMTRawToDigi reads it: raw 0x100 is +256 ("ieta_u > 256"). */
const stationEta9 = (u: number): number => (u > 256 ? u - 512 : u);
const sign8 = (u: number): number => (u & 0x80 ? u - 256 : u);

/**
 * First position p in [from, end - 8] where an orbit header (marker in word 1) or a packet
 * trailer (0xDEADBEEF 0xDEADBEEF) starts; -1 if none.
 */
export function findCandidate(b: Uint8Array, from: number, end: number): number {
  for (let p = from; p + 8 <= end; p++) {
    const w1 = u32(b, p + 4);
    if (w1 === ORBIT_MARKER) return p;
    if (w1 === DEADBEEF && u32(b, p) === DEADBEEF) return p;
  }
  return -1;
}

/**
 * Decode every non-empty final-muon slot of one block. Returns how many were decoded: CMSSW's
 * ScGMTRawToDigi unpacks all mAcount + mBcount (≤ 16) muons SCDAQ found, so more than the 8 uGMT
 * sends is decoded too; the caller counts it (countOverCap).
 */
function decodeMuons(b: Uint8Array, blk: number, s: Int32Array, bxIndex: number, r: Float64Array): number {
  let n = s[LAYOUT.muOffset + bxIndex];
  const start = n;
  // SCDAQ order: slot A of links 0..7, then slot B of links 0..7 (processor.cc).
  for (let slot = 0; slot < 2; slot++) {
    for (let link = 0; link < LINKS; link++) {
      const extra = u32(b, blk + 32 + 4 * link);
      const f = u32(b, blk + (slot ? 128 : 64) + 4 * link);
      const sw = u32(b, blk + (slot ? 160 : 96) + 4 * link);
      if (extra >>> MU.intermShift) {
        if ((f >>> MU.ptShift) & MU.ptMask) r[DECODE_SLOT.intermediate]++;
        continue;
      }
      const pt = (f >>> MU.ptShift) & MU.ptMask;
      if (pt === 0) continue; // empty slot (SCDAQ zero suppression: pt > 0)
      const F = LAYOUT.muField, C = LAYOUT.muCap;
      s[F + 0 * C + n] = pt;
      s[F + 1 * C + n] = sign9((f >>> MU.etaExtShift) & MU.etaExtMask);
      s[F + 2 * C + n] = (f >>> MU.phiExtShift) & MU.phiExtMask;
      s[F + 3 * C + n] = stationEta9((extra >>> (slot ? MU.eta2Shift : MU.eta1Shift)) & MU.etaMask);
      s[F + 4 * C + n] = (sw >>> MU.phiShift) & MU.phiMask;
      s[F + 5 * C + n] = (f >>> MU.qualShift) & MU.qualMask;
      s[F + 6 * C + n] = (sw >>> MU.chrgvShift) & 1 ? ((sw >>> MU.chrgShift) & 1 ? -1 : 1) : 0;
      s[F + 7 * C + n] = (sw >>> MU.isoShift) & MU.isoMask;
      s[F + 8 * C + n] = (sw >>> MU.ptUnconShift) & MU.ptUnconMask;
      s[F + 9 * C + n] = (sw >>> MU.dxyShift) & MU.dxyMask;
      s[F + 10 * C + n] = (sw >>> MU.indexShift) & MU.indexMask;
      n++;
    }
  }
  s[LAYOUT.muOffset + bxIndex + 1] = n;
  return n - start;
}

function decodeCaloKind(b: Uint8Array, blk: number, s: Int32Array, bxIndex: number, k: 0 | 1 | 2): void {
  const kind = k === 0 ? "jet" : k === 1 ? "egamma" : "tau";
  const spec = CALO_WORDS[kind];
  const { offset, field } = LAYOUT.calo[k];
  const C = LAYOUT.caloCap;
  let n = s[offset + bxIndex];
  for (const link of CALO_LINKS[kind]) {
    for (let word = 0; word < 6; word++) {
      const w = u32(b, blk + 32 * word + 4 * link);
      const et = w & spec.etMask;
      if (et === 0) continue; // ET = 0: no object (ScCALORawToDigi.cc)
      s[field + n] = et;
      s[field + C + n] = sign8((w >>> spec.etaShift) & 0xff);
      s[field + 2 * C + n] = (w >>> spec.phiShift) & 0xff;
      s[field + 3 * C + n] = (w >>> spec.isoShift) & 0x3;
      n++;
    }
  }
  s[offset + bxIndex + 1] = n;
}

function decodeSums(b: Uint8Array, blk: number, s: Int32Array, i: number): void {
  const NBX = MAX_BX_BLOCKS;
  const word = (k: number): number => u32(b, blk + 32 * k + 4 * CALO_SUM_LINK);
  const lo = (w: number): number => w & 0xfff;
  const S = LAYOUT.sums;
  const w0 = word(0), w1 = word(1), w2 = word(2), w3 = word(3), w4 = word(4), w5 = word(5);
  // SUM_FIELDS order: TotalEt, TotalEtEm, TotalHt, MissEt, MissEtPhi, MissHt, MissHtPhi,
  // MissEtHF, MissEtHFPhi, MissHtHF, MissHtHFPhi, TowerCount.
  s[S + 0 * NBX + i] = lo(w0);
  s[S + 1 * NBX + i] = (w0 >>> SUM_HI_SHIFT) & 0xfff;
  s[S + 2 * NBX + i] = lo(w1);
  s[S + 3 * NBX + i] = lo(w2);
  s[S + 4 * NBX + i] = (w2 >>> SUM_HI_SHIFT) & 0xff;
  s[S + 5 * NBX + i] = lo(w3);
  s[S + 6 * NBX + i] = (w3 >>> SUM_HI_SHIFT) & 0xff;
  s[S + 7 * NBX + i] = lo(w4);
  s[S + 8 * NBX + i] = (w4 >>> SUM_HI_SHIFT) & 0xff;
  s[S + 9 * NBX + i] = lo(w5);
  s[S + 10 * NBX + i] = (w5 >>> SUM_HI_SHIFT) & 0xff;
  s[S + 11 * NBX + i] = (w1 >>> SUM_HI_SHIFT) & 0x1fff;
}

function fail(r: Float64Array, code: DecodeCode, length: number): void {
  r[DECODE_SLOT.code] = code;
  r[DECODE_SLOT.length] = length;
}

/** A packet trailer at `p` (0xDEADBEEF 0xDEADBEEF, then three u64 counters), or NeedMore. */
function decodePacketTrailer(b: Uint8Array, p: number, end: number, r: Float64Array): void {
  if (end - p < PACKET_TRAILER_BYTES) return fail(r, DecodeCode.NeedMore, 0), void (r[DECODE_SLOT.need] = PACKET_TRAILER_BYTES);
  r[DECODE_SLOT.code] = DecodeCode.PacketTrailer;
  r[DECODE_SLOT.length] = PACKET_TRAILER_BYTES;
  // Counters are u64; 2^53 covers any real value, higher halves beyond that are clamped.
  for (const [slot, off] of [[DECODE_SLOT.autorealign, 8], [DECODE_SLOT.dropped, 16], [DECODE_SLOT.orbitCounter, 24]] as const) {
    r[slot] = u32(b, p + off) + u32(b, p + off + 4) * 2 ** 32;
  }
}

/**
 * Is there an orbit-trailer frame at one of the block boundaries p + 32 + 192 k, k < nBlocks,
 * among those whose 32 bytes are in the buffer (q + 32 <= end)?
 *
 * The boundaries of every walk lie on one residue of the stream offset modulo 192, and the bytes
 * at a stream offset never change, so `walk` remembers per residue a range [from, to) of
 * boundaries known to hold no trailer frame, and whether `to` itself is one. A walk starting
 * inside a remembered range resumes at `to` (or stops there, on a trailer), so each boundary is
 * examined at most once while candidates move forward: O(bytes), the same answer as walking all.
 */
function blockWalkFindsTrailer(b: Uint8Array, p: number, nBlocks: number, end: number, walk: Float64Array): boolean {
  const first = p + ORBIT_HEADER_BYTES;
  const last = Math.min(first + (nBlocks - 1) * BX_BLOCK_BYTES, end - FRAME_BYTES);
  if (first > last) return false;
  const origin = walk[WALK_SLOT.origin];
  const at = origin + first; // stream offset of the first boundary
  const m = WALK_SLOT.residues + 3 * (at % BX_BLOCK_BYTES);
  let q = first;
  if (walk[m] <= at && at <= walk[m + 1]) {
    // [at, to) is known clean: resume at `to`, or stop there if it is a trailer inside this walk.
    q = walk[m + 1] - origin;
    if (walk[m + 2] === 1 && q <= last) return true;
  } else {
    walk[m] = walk[m + 1] = at; // nothing known here yet: start a new range
    walk[m + 2] = 0;
  }
  for (; q <= last; q += BX_BLOCK_BYTES) {
    walk[WALK_SLOT.frames]++;
    if (isTrailerFrame(b, q)) {
      walk[m + 1] = origin + q;
      walk[m + 2] = 1;
      return true;
    }
  }
  if (walk[m + 2] === 0) walk[m + 1] = Math.max(walk[m + 1], origin + q); // clean up to q
  return false;
}

/**
 * Validate and decode the structure starting at `p` (a position findCandidate returned), using
 * bytes [p, end). Writes the outcome into `r` and, for a good orbit, the objects into `s`.
 */
export function decodeAt(b: Uint8Array, p: number, end: number, s: Int32Array, r: Float64Array, walk: Float64Array): void {
  r.fill(0);
  const avail = end - p;
  if (avail >= 8 && u32(b, p) === DEADBEEF && u32(b, p + 4) === DEADBEEF) return decodePacketTrailer(b, p, end, r);
  if (avail < ORBIT_HEADER_BYTES) return fail(r, DecodeCode.NeedMore, 0), void (r[DECODE_SLOT.need] = ORBIT_HEADER_BYTES);
  const orbit = u32(b, p);
  const w2 = u32(b, p + 8);
  const nBlocks = u32(b, p + 12);
  const sds = w2 & 0xff;
  const flags = (w2 >>> 8) & 0xff;
  let reservedOk = w2 >>> 24 === 0 && ((w2 >>> 16) & 0xff) === FORMAT_VERSION;
  for (let k = 4; k < 8; k++) if (u32(b, p + 4 * k) !== 0) reservedOk = false;
  if (!reservedOk || (sds !== 1 && sds !== 2) || flags & ~KNOWN_FLAGS || nBlocks > MAX_BX_BLOCKS) {
    return fail(r, DecodeCode.BadHeader, 0);
  }
  // An orbit trailer frame at an earlier block boundary means the block count is wrong. Decided
  // from the bytes already here (the same verdict once the claimed length is buffered), so a count
  // too large never holds back the orbits behind this one.
  if (blockWalkFindsTrailer(b, p, nBlocks, end, walk)) return fail(r, DecodeCode.LengthMismatch, 0);
  const len = orbitBytes(nBlocks);
  if (avail < len) return fail(r, DecodeCode.NeedMore, 0), void (r[DECODE_SLOT.need] = len);
  // Without the CRC flag the trailer's last word is 0; a CRC there means the flag was cleared in
  // transit, so the orbit cannot be trusted (a flipped bit cannot switch the check off).
  if (!(flags & FLAG_CRC32C) && u32(b, p + len - 4) !== 0) return fail(r, DecodeCode.CrcMismatch, len);
  decodeBody(b, p, orbit, nBlocks, sds, flags, s, r);
}


/**
 * Everything after the header: trailer, CRC, bitmap, blocks (shared by both header modes).
 * What CMSSW's unpackers decode through is decoded the same way and flagged in
 * DECODE_SLOT.tolerated (docs/link-format.md §6b): orbit bit 31 (masked), BX 0 (kept), bitmap
 * popcount ≠ block count (blocks paired with bitmap BXs by position, as SCDAQ does), link words
 * disagreeing with the header/bitmap (the header orbit and the bitmap BX win), 9-16 muons in a BX.
 */
function decodeBody(
  b: Uint8Array, p: number, rawOrbit: number, nBlocks: number, sds: number, flags: number, s: Int32Array, r: Float64Array,
): void {
  const len = orbitBytes(nBlocks);
  const orbit = (rawOrbit & 0x7fffffff) >>> 0; // ScGMT/ScCALORawToDigi: bl->orbit & 0x7FFFFFFF
  let tolerated = rawOrbit >>> 31 ? TOLERATED_BIT.orbitBit31 : 0;
  r[DECODE_SLOT.orbit] = orbit;
  r[DECODE_SLOT.sds] = sds;
  const t = p + ORBIT_HEADER_BYTES + nBlocks * BX_BLOCK_BYTES;
  for (let link = 0; link < LINKS; link++) if (u32(b, t + 4 * link) !== BEEFDEAD) return fail(r, DecodeCode.LengthMismatch, 0);
  if (flags & FLAG_CRC32C && crc32c(b, p, p + len - 4) !== u32(b, p + len - 4)) return fail(r, DecodeCode.CrcMismatch, len);
  // Bitmap → BX list. Bits above 3564 name no BX CMSSW can hold (its buffers have 3565 entries).
  const bm = t + BITMAP_OFFSET;
  let nBits = 0;
  for (let wi = 0; wi < BITMAP_WORDS; wi++) {
    let w = u32(b, bm + 4 * wi);
    if (wi === 0 && w & 1) tolerated |= TOLERATED_BIT.bxZero;
    while (w !== 0) {
      const bit = 31 - Math.clz32(w & -w);
      w = (w & (w - 1)) >>> 0;
      const bx = wi * 32 + bit;
      if (bx > BX_MAX) return fail(r, DecodeCode.BxOutOfRange, len);
      if (nBits < nBlocks) s[LAYOUT.bx + nBits] = bx;
      nBits++;
    }
  }
  if (nBits !== nBlocks) tolerated |= TOLERATED_BIT.bitmapMismatch;
  const nBx = Math.min(nBits, nBlocks);
  r[DECODE_SLOT.nBx] = nBx;
  if (sds === 1) {
    s[LAYOUT.muOffset] = 0;
    for (let i = 0; i < nBx; i++) {
      const blk = p + ORBIT_HEADER_BYTES + i * BX_BLOCK_BYTES;
      const bx = s[LAYOUT.bx + i];
      for (let link = 0; link < LINKS; link++) {
        // Every link repeats the orbit number (frame 0) and the BX (frame 1, bits 12-0); SCDAQ
        // passes the header's orbit and the bitmap's BX on instead (processor.cc), so do we.
        if (u32(b, blk + 4 * link) !== orbit || (u32(b, blk + 32 + 4 * link) & MU.bxMask) !== bx) {
          tolerated |= TOLERATED_BIT.linkWordMismatch;
        }
      }
      if (decodeMuons(b, blk, s, i, r) > CAPS.muon) tolerated |= TOLERATED_BIT.countOverCap;
    }
    r[DECODE_SLOT.nMuon] = s[LAYOUT.muOffset + nBx];
  } else {
    for (const c of LAYOUT.calo) s[c.offset] = 0;
    for (let i = 0; i < nBx; i++) {
      const blk = p + ORBIT_HEADER_BYTES + i * BX_BLOCK_BYTES;
      decodeCaloKind(b, blk, s, i, 0);
      decodeCaloKind(b, blk, s, i, 1);
      decodeCaloKind(b, blk, s, i, 2);
      decodeSums(b, blk, s, i);
    }
    r[DECODE_SLOT.nJet] = s[LAYOUT.calo[0].offset + nBx];
    r[DECODE_SLOT.nEgamma] = s[LAYOUT.calo[1].offset + nBx];
    r[DECODE_SLOT.nTau] = s[LAYOUT.calo[2].offset + nBx];
  }
  r[DECODE_SLOT.code] = DecodeCode.OrbitOk;
  r[DECODE_SLOT.length] = len;
  r[DECODE_SLOT.tolerated] = tolerated;
}

/** True when the 8 words at `t` are the 0xBEEFDEAD orbit-trailer frame. */
function isTrailerFrame(b: Uint8Array, t: number): boolean {
  for (let link = 0; link < LINKS; link++) if (u32(b, t + 4 * link) !== BEEFDEAD) return false;
  return true;
}

/** Bytes an orbit's header + blocks can span at most (the "W" of docs/link-format.md §8b). */
export const SCDAQ_WINDOW = ORBIT_HEADER_BYTES + MAX_BX_BLOCKS * BX_BLOCK_BYTES;

/**
 * SCDAQ header mode (captures whose header words 1-7 are not scoutloop's): orbits are anchored at
 * their trailer. From `pos`, find the first 0xBEEFDEAD frame t >= pos + 32; its bitmap population n
 * puts the orbit start at p = t - 32 - 192 n; header word 0 is the orbit, `sds` says the stream.
 * Result: the usual codes with DECODE_SLOT.start = p, or Skip (charge `length` bytes from pos).
 */
export function scanScdaq(
  b: Uint8Array, pos: number, end: number, atBoundary: boolean, sds: number, s: Int32Array, r: Float64Array, walk: Float64Array,
): void {
  r.fill(0);
  r[DECODE_SLOT.start] = pos;
  if (atBoundary && end - pos >= 8 && u32(b, pos) === DEADBEEF && u32(b, pos + 4) === DEADBEEF) return decodePacketTrailer(b, pos, end, r);
  // No trailer frame starts in [scanFrom, scanTo) (stream offsets, bytes that never change): a
  // search from inside that range resumes at scanTo, so a stream arriving in small pieces while no
  // trailer is in sight is searched once, not once per piece.
  const origin = walk[WALK_SLOT.origin];
  const first = origin + pos + ORBIT_HEADER_BYTES;
  let q = pos + ORBIT_HEADER_BYTES;
  if (walk[WALK_SLOT.scanFrom] <= first && first <= walk[WALK_SLOT.scanTo]) q = walk[WALK_SLOT.scanTo] - origin;
  else walk[WALK_SLOT.scanFrom] = first;
  let t = -1;
  for (; q + FRAME_BYTES <= end && q - pos <= 2 * SCDAQ_WINDOW; q++) {
    walk[WALK_SLOT.scanned]++;
    if (u32(b, q) === BEEFDEAD && isTrailerFrame(b, q)) {
      t = q;
      break;
    }
  }
  walk[WALK_SLOT.scanTo] = origin + q; // clean up to q (a trailer at q if found)
  if (t < 0) {
    // No trailer within 2W: no orbit can start in the first W bytes (its trailer would be there).
    if (end - pos >= 2 * SCDAQ_WINDOW + ORBIT_HEADER_BYTES + FRAME_BYTES) return fail(r, DecodeCode.Skip, SCDAQ_WINDOW);
    return fail(r, DecodeCode.NeedMore, 0), void (r[DECODE_SLOT.need] = end - pos + 1);
  }
  const tail = t + ORBIT_TRAILER_BYTES;
  if (tail > end) return fail(r, DecodeCode.NeedMore, 0), void (r[DECODE_SLOT.need] = tail - pos);
  let n = 0;
  for (let wi = 0; wi < BITMAP_WORDS; wi++) {
    let w = u32(b, t + BITMAP_OFFSET + 4 * wi);
    while (w !== 0) {
      w = (w & (w - 1)) >>> 0;
      n++;
    }
  }
  const p = t - ORBIT_HEADER_BYTES - n * BX_BLOCK_BYTES;
  // The trailer belongs to an orbit that began before pos: nothing here to decode, skip past it.
  if (p < pos) return fail(r, DecodeCode.Skip, tail - pos);
  r[DECODE_SLOT.start] = p;
  decodeBody(b, p, u32(b, p), n, sds, 0, s, r);
}
