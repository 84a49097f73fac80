/**
 * Run-3 L1 scouting DMA link format: sizes, magic words and bit fields, in one place.
 * docs/link-format.md has the tables; every number below cites its source.
 *
 * Sources:
 * - DMA framing: SCDAQ `src/format.h` (mirror HTStP/scouting-es@feature_calopacker): `block1`
 *   (6 frames × 8 links × u32 = 192 B per BX), `orbit_trailer` (beefdead[8], bx_map[14*8],
 *   trailer1[8], trailer2[8] = 544 B), `constants::beefdead` / `deadbeef`.
 * - Muon words: CMSSW `EventFilter/L1ScoutingRawToDigi/interface/shifts.h` + `masks.h`
 *   (`ugmt::shiftsMuon` / `ugmt::masksMuon`), decoding in `plugins/ScGMTRawToDigi.cc`.
 * - Calo words: same files, `demux::shiftsJet/EGamma/Tau/ESums`; link order from
 *   `interface/blocks.h` `demux::dmaBlock` (link0 jet2, link1 jet1, link2 egamma2, link3 egamma1,
 *   link4 empty, link5 sum, link6 tau2, link7 tau1); unpack order from `ScCALORawToDigi.cc`.
 * - SDS ids: CMSSW `DataFormats/L1ScoutingRawData/interface/SDSNumbering.h` (GmtSDSID 1, CaloSDSID 2).
 */

export type LinkStream = "muon" | "calo";
export const LINK_STREAMS: readonly LinkStream[] = ["muon", "calo"];
/** Scouting data source ids (SDSNumbering.h). */
export const SDS_ID: Record<LinkStream, number> = { muon: 1, calo: 2 };

/** One DMA frame = one u32 per link × 8 links (format.h: every row is `uint32_t x[8]`). */
export const LINKS = 8;
export const FRAME_BYTES = 32;
/** Orbit header: one frame. */
export const ORBIT_HEADER_BYTES = 32;
/** Per non-empty BX: 6 frames × 8 links (format.h `block1`). */
export const FRAMES_PER_BX = 6;
export const BX_BLOCK_BYTES = FRAMES_PER_BX * FRAME_BYTES; // 192
/** Orbit trailer (format.h `orbit_trailer`, constants::orbit_trailer_size = 544). */
export const ORBIT_TRAILER_BYTES = 544;
export const BITMAP_WORDS = 14 * 8; // 112 words = 3584 bits, bit k = BX k carries data
export const BITMAP_OFFSET = FRAME_BYTES; // after the beefdead frame
/** DMA packet trailer: u64 0xDEADBEEFDEADBEEF, u64 autorealign, u64 dropped orbits, u64 orbit counter. */
export const PACKET_TRAILER_BYTES = 32;

export const BEEFDEAD = 0xbeefdead;
export const DEADBEEF = 0xdeadbeef;

/**
 * Header words 1..7 are not described by any public source (SCDAQ reads only the orbit number
 * from word 0), so scoutloop defines them: a marker that makes resynchronisation reliable, the
 * source id, flags and the block count. Documented in docs/link-format.md §2.
 */
export const ORBIT_MARKER = 0x4b4c4353; // bytes "SCLK" in memory order
export const FORMAT_VERSION = 1;
/** Header flag: the last u32 of the orbit trailer holds a CRC-32C of the orbit (scoutloop extension). */
export const FLAG_CRC32C = 0x01;
export const KNOWN_FLAGS = FLAG_CRC32C;

/** Largest orbit: all 3564 BX filled (32 + 3564·192 + 544 = 684,864 B). */
export const MAX_BX_BLOCKS = 3564;
export const MAX_ORBIT_BYTES = ORBIT_HEADER_BYTES + MAX_BX_BLOCKS * BX_BLOCK_BYTES + ORBIT_TRAILER_BYTES;

export function orbitBytes(nBx: number): number {
  return ORBIT_HEADER_BYTES + nBx * BX_BLOCK_BYTES + ORBIT_TRAILER_BYTES;
}

/** uGMT muon words (CMSSW shifts.h / masks.h `ugmt::shiftsMuon`, `ugmt::masksMuon`). */
export const MU = {
  // f word (frames 2 and 4)
  phiExtShift: 0, phiExtMask: 0x3ff,
  ptShift: 10, ptMask: 0x1ff,
  qualShift: 19, qualMask: 0xf,
  etaExtShift: 23, etaExtMask: 0x1ff,
  // s word (frames 3 and 5)
  isoShift: 0, isoMask: 0x3,
  chrgShift: 2, chrgvShift: 3,
  indexShift: 4, indexMask: 0x7f,
  phiShift: 11, phiMask: 0x3ff,
  ptUnconShift: 21, ptUnconMask: 0xff,
  dxyShift: 30, dxyMask: 0x3,
  // bx ("extra") word, frame 1
  bxMask: 0x1fff,
  eta1Shift: 13, eta2Shift: 22, etaMask: 0x1ff,
  intermShift: 31,
} as const;

/** uGMT sends 8 final muons; each scouting link carries 2 (A = mu1, B = mu2). See docs §3. */
export const MUON_SLOTS_A = 4; // final muons k = 0..3 → link k slot A, k = 4..7 → link k-4 slot B

/** Calo demux words (CMSSW shifts.h / masks.h `demux::*`). */
export const CALO_WORDS = {
  jet: { etMask: 0x7ff, etaShift: 11, phiShift: 19, isoShift: 28 }, // iso field = jet qual (bits 29-28)
  egamma: { etMask: 0x1ff, etaShift: 9, phiShift: 17, isoShift: 25 },
  tau: { etMask: 0x1ff, etaShift: 9, phiShift: 17, isoShift: 25 },
} as const;
/** Calo links per kind, in unpack order (ScCALORawToDigi.cc: jet1 then jet2, ...; blocks.h link numbers). */
export const CALO_LINKS = { jet: [1, 0], egamma: [3, 2], tau: [7, 6] } as const;
export const CALO_SUM_LINK = 5;
export const CALO_EMPTY_LINK = 4;
/** Sum words: ET/HT/ETmiss/HTmiss/ETHFmiss/HTHFmiss, 12-bit ET at bit 0, second field at bit 12. */
export const SUM_HI_SHIFT = 12;

/**
 * Fault kinds the deframer counts (docs/link-format.md §6). The "tolerated" kinds mark orbits that
 * CMSSW's unpackers (EventFilter/L1ScoutingRawToDigi) decode: the orbit is decoded as CMSSW
 * decodes it and the deviation is counted here (never silently), like orbitGap.
 */
export const FAULT_KINDS = [
  "garbage", // bytes skipped while searching for the next orbit header / packet trailer
  "badHeader", // header marker present but fields invalid
  "lengthMismatch", // orbit trailer not where the block count puts it
  "bitmapMismatch", // tolerated: bitmap popcount ≠ header block count (SCDAQ pairs blocks and bitmap BXs by position)
  "linkWordMismatch", // tolerated: a link's orbit (frame 0) or BX (frame 1) word disagrees with the header/bitmap
  "bxOutOfRange", // bitmap bit for a BX above 3564 (orbit dropped: CMSSW's 3565-entry BX buffer has no slot)
  "bxZero", // tolerated: bitmap bit for BX 0 (CMSSW's OrbitCollection keeps index 0)
  "orbitBit31", // tolerated: orbit word bit 31 set (CMSSW reads orbit & 0x7FFFFFFF)
  "countOverCap", // tolerated: 9-16 final muons in one BX (ScGMTRawToDigi unpacks every non-empty slot, blocks.h mu[16])
  "crcMismatch", // CRC-32C extension on and wrong
  "truncated", // stream ended inside an orbit
  "orbitOrder", // duplicate or out-of-order orbit number (orbit rejected)
  "orbitGap", // orbits missing before this one (orbit accepted; lost orbits counted)
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Deviations of an orbit that is still decoded (as CMSSW decodes it); one count per orbit. */
export const TOLERATED_FAULTS = ["bitmapMismatch", "linkWordMismatch", "bxZero", "orbitBit31", "countOverCap"] as const;
export type ToleratedFault = (typeof TOLERATED_FAULTS)[number];
/** Bit of DECODE_SLOT.tolerated per tolerated kind (native/link.cc uses the same bits). */
export const TOLERATED_BIT: Record<ToleratedFault, number> = {
  bitmapMismatch: 1, linkWordMismatch: 2, bxZero: 4, orbitBit31: 8, countOverCap: 16,
};
/** Muon slots of one DMA BX block: 8 links × 2 (A, B); CMSSW's ugmt::block holds mu[16]. */
export const MUON_SLOTS_PER_BX = 16;

/** Result codes shared by the TS and native decoders (native/link.cc mirrors them). */
export const enum DecodeCode {
  NeedMore = 0,
  OrbitOk = 1,
  PacketTrailer = 2,
  BadHeader = 10,
  LengthMismatch = 11,
  BitmapMismatch = 12,
  BxOutOfRange = 13,
  CrcMismatch = 15,
  /** SCDAQ header mode: charge `length` bytes from the scan position to the search, go on. */
  Skip = 20,
}

export const CODE_FAULT: Partial<Record<DecodeCode, FaultKind>> = {
  [DecodeCode.BadHeader]: "badHeader",
  [DecodeCode.LengthMismatch]: "lengthMismatch",
  [DecodeCode.BitmapMismatch]: "bitmapMismatch",
  [DecodeCode.BxOutOfRange]: "bxOutOfRange",
  [DecodeCode.CrcMismatch]: "crcMismatch",
};

/** Slots of the decoder's result vector (Float64Array). */
export const DECODE_SLOT = {
  code: 0,
  length: 1, // bytes of the structure (accepted or skipped whole); 0 = rescan from p + 1
  orbit: 2,
  nBx: 3,
  nMuon: 4,
  nJet: 5,
  nEgamma: 6,
  nTau: 7,
  sds: 8,
  need: 9, // NeedMore: bytes needed from p
  intermediate: 10, // intermediate muons skipped
  autorealign: 11,
  dropped: 12,
  orbitCounter: 13,
  start: 14, // SCDAQ header mode: where the structure starts
  tolerated: 15, // OrbitOk: bits of TOLERATED_BIT, the deviations CMSSW decodes through
  size: 16,
} as const;

/**
 * Slots of the block-walk memory (Float64Array, one per Deframer, native/link.cc mirrors them).
 * It also holds the SCDAQ-mode trailer search's memory (the same idea, one range).
 * decodeAt's walk over a header's claimed block boundaries (looking for an orbit-trailer frame
 * too early) is remembered per residue of the boundary's stream offset modulo 192: a later
 * candidate on the same residue skips the boundaries already found clean, so a flood of
 * valid-looking headers costs O(N), not O(N · 3564) (docs/link-format.md §8). Offsets are
 * absolute stream offsets; `origin` is the stream offset of the buffer's first byte.
 */
export const WALK_SLOT = {
  origin: 0,
  /** Block-boundary frames examined so far (a work count: tests and benchmarks read it). */
  frames: 1,
  /** SCDAQ header mode: positions the trailer search examined so far (a work count). */
  scanned: 2,
  /** SCDAQ header mode: no orbit-trailer frame starts in [scanFrom, scanTo) (decodeTs.ts scanScdaq). */
  scanFrom: 3,
  scanTo: 4,
  /** Per residue r = 0..191: [from, to, trailerAtTo] at residues + 3r (decodeTs.ts blockWalkFindsTrailer). */
  residues: 5,
  size: 5 + 3 * BX_BLOCK_BYTES,
} as const;
