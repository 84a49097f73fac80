/**
 * Orbits that CMSSW's L1 scouting unpackers decode are decoded here too, the same objects out, and
 * each deviation is still counted as a fault by kind (docs/link-format.md §6b). The captures are
 * crafted word by word (not with scoutloop's framer); the expected objects follow from the CMSSW
 * and SCDAQ sources named at each case:
 * - EventFilter/L1ScoutingRawToDigi/plugins/ScGMTRawToDigi.cc, ScCALORawToDigi.cc (unpackOrbit),
 * - EventFilter/L1ScoutingRawToDigi/interface/blocks.h (ugmt::block holds mu[16]),
 * - DataFormats/L1Scouting/interface/OrbitCollection.h (orbitBufferSize_ = 3565, BX index 0 kept),
 * - SCDAQ src/processor.cc FillOrbitMuon (what CMSSW reads: BX from the trailer bitmap, orbit from
 *   header word 0, A slots of links 0..7 then B slots, zero suppression pt > 0).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openEvents } from "../src/io/index.js";
import { deframeAll, ORBIT_MARKER, FORMAT_VERSION, BEEFDEAD, type FaultKind } from "../src/link/index.js";
import type { OrbitBatch } from "../src/events/batch.js";
import { accountingError } from "./helpers/linkStreams.js";
import { cliSync } from "./helpers/cli.js";

interface Mu {
  pt: number; qual: number; etaExt: number; phiExt: number; iso: number; charge: -1 | 0 | 1;
  index: number; phi: number; ptUncon: number; dxy: number;
}
/** One BX block of the muon stream: per link, slot A and slot B (undefined = empty, pt 0). */
interface MuBlock {
  bx: number;
  a: (Mu | undefined)[];
  b: (Mu | undefined)[];
  eta1?: number; // raw 9-bit station η of muon A (frame 1 bits 21-13), the same on every link here
  eta2?: number; // raw 9-bit station η of muon B (frame 1 bits 30-22)
  linkBx?: Record<number, number>; // link → BX word that disagrees with the bitmap
  linkOrbit?: Record<number, number>; // link → orbit word that disagrees with the header
}

// Word layouts: CMSSW interface/shifts.h + masks.h (ugmt::shiftsMuon / masksMuon).
const fWord = (m: Mu) => ((m.phiExt & 0x3ff) | (m.pt << 10) | (m.qual << 19) | ((m.etaExt & 0x1ff) << 23)) >>> 0;
const sWord = (m: Mu) =>
  (m.iso | ((m.charge < 0 ? 1 : 0) << 2) | ((m.charge !== 0 ? 1 : 0) << 3) | (m.index << 4) | (m.phi << 11) | (m.ptUncon << 21) | (m.dxy << 30)) >>> 0;

/** A crafted orbit: header (scoutloop: marker, SDS id, block count; scdaq: word 0 only), blocks, trailer. */
function craftOrbit(opts: {
  header: "scoutloop" | "scdaq"; sds: 1 | 2; orbitWord: number; blocks: Uint32Array[]; bitmapBx: number[]; nBlocksField?: number;
}): Uint8Array {
  const n = opts.blocks.length;
  const w = new Uint32Array(8 + 48 * n + 136);
  w[0] = opts.orbitWord >>> 0;
  if (opts.header === "scoutloop") {
    w[1] = ORBIT_MARKER;
    w[2] = opts.sds | (FORMAT_VERSION << 16);
    w[3] = opts.nBlocksField ?? n;
  }
  opts.blocks.forEach((blk, i) => w.set(blk, 8 + 48 * i));
  const t = 8 + 48 * n;
  for (let l = 0; l < 8; l++) w[t + l] = BEEFDEAD;
  for (const bx of opts.bitmapBx) w[t + 8 + (bx >>> 5)] |= 1 << (bx & 31);
  return new Uint8Array(w.buffer);
}

function muonBlock(orbit: number, m: MuBlock): Uint32Array {
  const w = new Uint32Array(48);
  for (let l = 0; l < 8; l++) {
    w[l] = m.linkOrbit?.[l] ?? orbit; // frame 0: orbit
    w[8 + l] = ((m.linkBx?.[l] ?? m.bx) | ((m.eta1 ?? 0) << 13) | ((m.eta2 ?? 0) << 22)) >>> 0; // frame 1
    const a = m.a[l], b = m.b[l];
    if (a) (w[16 + l] = fWord(a)), (w[24 + l] = sWord(a));
    if (b) (w[32 + l] = fWord(b)), (w[40 + l] = sWord(b));
  }
  return w;
}

/** Calo block: one jet word on link 1 (jet1[0]) and a sum on link 5 (demux shifts: jet ET 10-0, η 18-11, φ 26-19). */
function caloBlock(jet: { et: number; eta: number; phi: number }): Uint32Array {
  const w = new Uint32Array(48);
  w[1] = (jet.et | ((jet.eta & 0xff) << 11) | (jet.phi << 19)) >>> 0;
  w[5] = 123; // ETEt of the ET sum word (frame 0, link 5)
  return w;
}

const mu = (j: number): Mu => ({
  pt: 10 + j, qual: 1 + (j % 15), etaExt: -100 + 7 * j, phiExt: 5 * j, iso: j % 4, charge: ([-1, 0, 1] as const)[j % 3],
  index: j, phi: 7 * j, ptUncon: j, dxy: j % 4,
});

function decode(bytes: Uint8Array, core: "ts" | "native", header: "scoutloop" | "scdaq" = "scoutloop", stream: "muon" | "calo" = "muon") {
  const { orbits, deframer } = deframeAll(bytes, { core, ...(header === "scdaq" ? { header, stream } : {}) });
  expect(accountingError(deframer, bytes.length)).toBeNull();
  const counts: Partial<Record<FaultKind, number>> = {};
  for (const [k, v] of Object.entries(deframer.stats.faults)) if (v.count) counts[k as FaultKind] = v.count;
  return { orbits, counts, batch: orbits[0]?.batch as OrbitBatch | undefined, deframer };
}

/** The muons of BX index i as plain objects (CMSSW l1ScoutingRun3::Muon fields). */
function muonsAt(b: OrbitBatch, i: number) {
  const out = [];
  for (let k = b.muons.offset[i]; k < b.muons.offset[i + 1]; k++) {
    out.push({
      pt: b.muons.hwPt[k], qual: b.muons.hwQual[k], etaExt: b.muons.hwEtaAtVtx[k], phiExt: b.muons.hwPhiAtVtx[k], iso: b.muons.hwIso[k],
      charge: b.muons.hwCharge[k], index: b.muons.tfMuonIndex[k], phi: b.muons.hwPhi[k], ptUncon: b.muons.hwPtUnconstrained[k],
      dxy: b.muons.hwDXY[k], eta: b.muons.hwEta[k],
    });
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "scoutloop-cmssw-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(["ts", "native"] as const)("orbits CMSSW decodes are decoded (%s core)", (core) => {
  it("9-16 final muons in a BX: all decoded, A slots of links 0..7 then B slots, counted as countOverCap", () => {
    // ugmt::block is { bx, orbit, mu[16] } and ScGMTRawToDigi loops i < mAcount + mBcount, with
    // mAcount/mBcount the non-empty A/B slots SCDAQ counted over links 0..7 (processor.cc): up to 16.
    const all = Array.from({ length: 16 }, (_, j) => mu(j));
    const block = muonBlock(42, { bx: 17, a: all.slice(0, 8), b: all.slice(8), eta1: 0x100, eta2: 300 });
    for (const header of ["scoutloop", "scdaq"] as const) {
      const r = decode(craftOrbit({ header, sds: 1, orbitWord: 42, blocks: [block], bitmapBx: [17] }), core, header);
      expect(r.counts).toEqual({ countOverCap: 1 });
      expect(r.batch!.orbit).toBe(42);
      expect([...r.batch!.bx]).toEqual([17]);
      // Station η: ScGMT picks eta1 for A (extra bit 0 = 0) and eta2 for B; "ieta_u > 256" makes
      // raw 0x100 +256 and raw 300 → 300 − 512 = −212.
      const want = all.map((m, j) => ({ ...m, eta: j < 8 ? 256 : -212 }));
      expect(muonsAt(r.batch!, 0)).toEqual(want);
    }
    // 9 muons: the 8 A slots and B slot of link 0.
    const nine = muonBlock(42, { bx: 17, a: all.slice(0, 8), b: [all[8]] });
    const r9 = decode(craftOrbit({ header: "scoutloop", sds: 1, orbitWord: 42, blocks: [nine], bitmapBx: [17] }), core);
    expect(r9.counts).toEqual({ countOverCap: 1 });
    expect(muonsAt(r9.batch!, 0).map((m) => m.pt)).toEqual(all.slice(0, 9).map((m) => m.pt));
    // 8 muons are no fault at all.
    const eight = muonBlock(42, { bx: 17, a: all.slice(0, 4), b: all.slice(4, 8) });
    expect(decode(craftOrbit({ header: "scoutloop", sds: 1, orbitWord: 42, blocks: [eight], bitmapBx: [17] }), core).counts).toEqual({});
  });

  it("BX 0: decoded at BX 0 (OrbitCollection keeps index 0 of its 3565 entries); BX 3565 still dropped", () => {
    const calo = craftOrbit({ header: "scoutloop", sds: 2, orbitWord: 9, blocks: [caloBlock({ et: 200, eta: -30, phi: 71 }), caloBlock({ et: 5, eta: 3, phi: 1 })], bitmapBx: [0, 3564] });
    const r = decode(calo, core);
    expect(r.counts).toEqual({ bxZero: 1 });
    expect([...r.batch!.bx]).toEqual([0, 3564]);
    // ScCALORawToDigi unpackLinkJets: ET bits 10-0, η 18-11 (Eta > 127 → −256), φ 26-19.
    expect([...r.batch!.jets.hwEt]).toEqual([200, 5]);
    expect([...r.batch!.jets.hwEta]).toEqual([-30, 3]);
    expect([...r.batch!.jets.hwPhi]).toEqual([71, 1]);
    expect([...r.batch!.sums.hwTotalEt]).toEqual([123, 123]);
    const m = decode(craftOrbit({ header: "scdaq", sds: 1, orbitWord: 9, blocks: [muonBlock(9, { bx: 0, a: [mu(3)], b: [] })], bitmapBx: [0] }), core, "scdaq");
    expect(m.counts).toEqual({ bxZero: 1 });
    expect([...m.batch!.bx]).toEqual([0]);
    expect(muonsAt(m.batch!, 0).map((x) => x.pt)).toEqual([13]);
    // BX 3565 has no slot in CMSSW's 3565-entry buffers (index 3565 is past the end): not decodable.
    const past = decode(craftOrbit({ header: "scoutloop", sds: 2, orbitWord: 9, blocks: [caloBlock({ et: 1, eta: 0, phi: 0 })], bitmapBx: [3565] }), core);
    expect(past.orbits).toEqual([]);
    expect(past.counts).toEqual({ bxOutOfRange: 1 });
  });

  it("orbit word with bit 31 set: decoded as orbit & 0x7FFFFFFF (ScGMT/ScCALORawToDigi), counted orbitBit31", () => {
    for (const header of ["scoutloop", "scdaq"] as const) {
      const muon = craftOrbit({ header, sds: 1, orbitWord: 0x80000000 + 77, blocks: [muonBlock(77, { bx: 5, a: [mu(1)], b: [] })], bitmapBx: [5] });
      const r = decode(muon, core, header);
      expect(r.counts).toEqual({ orbitBit31: 1 });
      expect(r.batch!.orbit).toBe(77);
      expect(muonsAt(r.batch!, 0).map((x) => x.pt)).toEqual([11]);
      const calo = craftOrbit({ header, sds: 2, orbitWord: 0xffffffff, blocks: [caloBlock({ et: 9, eta: 1, phi: 2 })], bitmapBx: [8] });
      const c = decode(calo, core, header, "calo");
      expect(c.counts).toEqual({ orbitBit31: 1 });
      expect(c.batch!.orbit).toBe(0x7fffffff);
    }
  });

  it("link words disagreeing with the header/bitmap: the header orbit and the bitmap BX win (SCDAQ processor.cc), linkWordMismatch", () => {
    // SCDAQ writes bx_vect[relbx] (from the trailer bitmap) and orbitN (header word 0) into what
    // CMSSW reads as bl->bx / bl->orbit; the links' own frame-0/frame-1 words are not used.
    const block = muonBlock(77, { bx: 10, a: [mu(1), mu(2)], b: [mu(3)], linkBx: { 1: 12 }, linkOrbit: { 5: 99 } });
    const other = muonBlock(77, { bx: 11, a: [mu(4)], b: [] });
    for (const header of ["scoutloop", "scdaq"] as const) {
      const r = decode(craftOrbit({ header, sds: 1, orbitWord: 77, blocks: [block, other], bitmapBx: [10, 11] }), core, header);
      expect(r.counts).toEqual({ linkWordMismatch: 1 });
      expect(r.batch!.orbit).toBe(77);
      expect([...r.batch!.bx]).toEqual([10, 11]);
      expect(muonsAt(r.batch!, 0).map((x) => x.pt)).toEqual([11, 12, 13]);
      expect(muonsAt(r.batch!, 1).map((x) => x.pt)).toEqual([14]);
    }
  });

  it("bitmap population ≠ block count: blocks paired with bitmap BXs by position, as SCDAQ does (likely garbage), bitmapMismatch", () => {
    // processor.cc FillOrbitMuon: `while (relbx < bx_vect.size())`, block relbx gets bx_vect[relbx],
    // and the loop ends at the 0xBEEFDEAD frame: min(blocks, bitmap bits) BX come out.
    const blocks = [muonBlock(3, { bx: 5, a: [mu(0)], b: [] }), muonBlock(3, { bx: 9, a: [mu(1)], b: [] })];
    const more = decode(craftOrbit({ header: "scoutloop", sds: 1, orbitWord: 3, blocks, bitmapBx: [5, 9, 20] }), core);
    expect(more.counts).toEqual({ bitmapMismatch: 1 });
    expect([...more.batch!.bx]).toEqual([5, 9]);
    const fewer = decode(craftOrbit({ header: "scoutloop", sds: 1, orbitWord: 3, blocks, bitmapBx: [7] }), core);
    // One bitmap BX for two blocks: block 0 is decoded at BX 7 (its link BX words say 5, so that is counted too).
    expect(fewer.counts).toEqual({ bitmapMismatch: 1, linkWordMismatch: 1 });
    expect([...fewer.batch!.bx]).toEqual([7]);
    expect(muonsAt(fewer.batch!, 0).map((x) => x.pt)).toEqual([10]);
  });
});

describe("tolerated faults in the reports", () => {
  const all = Array.from({ length: 16 }, (_, j) => mu(j));
  const orbit = (n: number) => craftOrbit({ header: "scdaq", sds: 1, orbitWord: 0x80000000 + n, blocks: [muonBlock(n, { bx: 17, a: all.slice(0, 8), b: all.slice(8) })], bitmapBx: [17] });
  const trailer = new Uint8Array(32);
  new DataView(trailer.buffer).setUint32(0, 0xdeadbeef, true);
  new DataView(trailer.buffer).setUint32(4, 0xdeadbeef, true);
  const file = join(dir, "tolerated.muon.raw");
  writeFileSync(file, Buffer.concat([orbit(1), orbit(2), trailer]));

  it("deframe --json lists them under decodedAsCmssw and the text report says the orbits were decoded", () => {
    const j = cliSync(["deframe", file, "--json"]);
    const s = JSON.parse(j.stdout);
    expect(s.header).toBe("scdaq");
    expect(s.stats.streams.muon.orbits).toBe(2);
    expect(s.stats.streams.muon.muons).toBe(32);
    expect(s.decodedAsCmssw).toEqual({ orbitBit31: 2, countOverCap: 2 });
    expect(s.ok).toBe(false); // counted faults: not a clean capture
    expect(j.code).not.toBe(0);
    const t = cliSync(["deframe", file]);
    expect(t.stdout).toMatch(/countOverCap +2 × 0 B +\(orbits decoded, as CMSSW decodes them\)/);
    expect(cliSync(["deframe", file, "--expect-failures"]).code).toBe(0);
  });

  it("the lossless files keep BX 0 and 16 muons: convert to HDF5 and JSONL and read back the same objects", async () => {
    const bx0 = join(dir, "bx0.muon.raw");
    writeFileSync(bx0, Buffer.concat([
      craftOrbit({ header: "scdaq", sds: 1, orbitWord: 4, blocks: [muonBlock(4, { bx: 0, a: all.slice(0, 8), b: all.slice(8) })], bitmapBx: [0] }),
      trailer,
    ]));
    for (const ext of ["h5", "jsonl"]) {
      const out = join(dir, `bx0.${ext}`);
      const c = cliSync(["convert", bx0, out]);
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout).toMatch(/input link faults: bxZero 1, countOverCap 1/);
      const src = await openEvents(out);
      const [b] = [...src.orbits];
      src.close();
      expect([...b.bx]).toEqual([0]);
      expect([...b.muons.hwPt]).toEqual(all.map((m) => m.pt));
      expect([...b.muons.tfMuonIndex]).toEqual(all.map((m) => m.index));
    }
  });

  it("run --in counts them in its summary, every event scored", () => {
    const r = cliSync(["run", "--in", file, "--json"], { timeoutMs: 120_000 });
    const s = JSON.parse(r.stdout);
    expect(s.linkFaults).toMatchObject({ orbitBit31: 2, countOverCap: 2 });
    expect(s.accounting.events.in).toBe(2);
    expect(s.comparison.mismatches).toBe(0);
    const h = cliSync(["run", "--in", file], { timeoutMs: 120_000 });
    expect(h.stdout + h.stderr).toMatch(/link faults: .*countOverCap 2 \(orbits decoded, as CMSSW\)/);
  });
});
