import { describe, expect, it } from "vitest";
import { diffBatches, type OrbitBatch } from "../src/events/batch.js";
import { generateOrbits } from "../src/trigger/index.js";
import {
  Deframer, deframeAll, frameBatches, frameOrbit, mergeStreams, StreamMerger, crc32c, LINK_SCRATCH_LAYOUT,
  orbitBytes, packetTrailer, concatBytes,
} from "../src/link/index.js";
import { native } from "../src/native.js";
import { randomBatch } from "./helpers/randomBatch.js";

function roundTrip(batches: OrbitBatch[], core: "ts" | "native", crc = false): OrbitBatch[] {
  const mu = frameBatches(batches, "muon", { crc, orbitsPerPacket: 3 });
  const ca = frameBatches(batches, "calo", { crc });
  const m = deframeAll(mu, { core });
  const c = deframeAll(ca, { core });
  for (const d of [m.deframer, c.deframer]) {
    const f = Object.entries(d.stats.faults).filter(([, v]) => v.count > 0);
    expect(f).toEqual([]);
  }
  expect(m.orbits.length).toBe(batches.length);
  expect(c.orbits.length).toBe(batches.length);
  return batches.map((_, i) => mergeStreams(m.orbits[i].batch, c.orbits[i].batch));
}

describe("link framing round trip", () => {
  it("native scratch layout matches the TS layout", () => {
    expect(native.linkScratchSize()).toBe(LINK_SCRATCH_LAYOUT.total);
  });

  it("crc32c check value and native agreement", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    const bytes = new Uint8Array(1000).map((_, i) => (i * 37) & 0xff);
    for (const n of [0, 1, 7, 8, 9, 999, 1000]) expect(native.linkCrc32c(bytes.subarray(0, n))).toBe(crc32c(bytes, 0, n));
  });

  for (const core of ["ts", "native"] as const) {
    it(`round-trips random batches exactly (${core})`, () => {
      const batches = Array.from({ length: 40 }, (_, k) => randomBatch(1000 + k, { orbit: 100 + k }));
      const back = roundTrip(batches, core, core === "native");
      batches.forEach((b, i) => expect(diffBatches(back[i], b)).toBeNull());
    });

    it(`round-trips generated orbits exactly (${core})`, () => {
      const batches = [...generateOrbits({ seed: 7, orbits: 2, signal: "Ato4l", injectFraction: 0.05 })];
      const back = roundTrip(batches, core);
      batches.forEach((b, i) => expect(diffBatches(back[i], b)).toBeNull());
    });
  }

  it('zero-copy "view" batches equal the materialized copies', () => {
    const batches = Array.from({ length: 8 }, (_, k) => randomBatch(600 + k, { orbit: 1 + k }));
    const bytes = concatBytes([frameBatches(batches, "muon"), frameBatches(batches, "calo")]);
    const copies = deframeAll(bytes).orbits;
    let i = 0;
    const d = new Deframer({
      materialize: "view",
      onOrbit: (o) => {
        expect(diffBatches(o.batch!, copies[i].batch!)).toBeNull();
        expect(o.orbit).toBe(copies[i++].orbit);
      },
    });
    expect(d.push(bytes)).toEqual([]);
    d.end();
    expect(i).toBe(16);
    expect(() => new Deframer({ materialize: "view" })).toThrow(/onOrbit/);
  });

  it("streams interleaved in one byte stream merge back by orbit", () => {
    const batches = Array.from({ length: 6 }, (_, k) => randomBatch(50 + k, { orbit: 10 + k }));
    const parts: Uint8Array[] = [];
    for (const b of batches) {
      parts.push(frameBatches([b], "calo"), frameBatches([b], "muon"));
    }
    const d = new Deframer({ core: "native" });
    const merger = new StreamMerger();
    const merged: OrbitBatch[] = [];
    for (const o of [...d.push(concatBytes(parts)), ...d.end()]) merged.push(...merger.push(o.stream, o.batch!));
    merged.push(...merger.flush());
    expect(merged.map((b) => b.orbit)).toEqual(batches.map((b) => b.orbit));
    batches.forEach((b, i) => expect(diffBatches(merged[i], b)).toBeNull());
  });

  it("lays out the header, bitmap and muon words as documented", () => {
    const b = randomBatch(3, { orbit: 0x1234, maxBx: 0 });
    const empty = frameOrbit(b, "muon");
    expect(empty.length).toBe(orbitBytes(0));
    expect(empty.length).toBe(576);
    const v = new DataView(empty.buffer);
    expect(v.getUint32(0, true)).toBe(0x1234);
    expect(v.getUint32(4, true)).toBe(0x4b4c4353);
    expect(v.getUint32(8, true)).toBe(0x00010001);
    expect(v.getUint32(12, true)).toBe(0);
    expect(v.getUint32(32, true)).toBe(0xbeefdead);
    const t = packetTrailer({ autorealign: 1, dropped: 2, orbitCounter: 3 });
    expect(Buffer.from(t).toString("hex")).toBe(
      "efbeaddeefbeadde" + "0100000000000000" + "0200000000000000" + "0300000000000000",
    );
  });

  it("encodes one muon into the documented bits", () => {
    const b = randomBatch(1, { orbit: 5, maxBx: 0 });
    // Hand-built batch: one BX (BX 17) with one muon.
    const one = { ...b, nBx: 1, bx: Uint16Array.of(17) } as OrbitBatch;
    const M = (v: number) => Int32Array.of(v);
    one.muons = {
      offset: Uint32Array.of(0, 1), hwPt: M(21), hwEtaAtVtx: M(-3), hwPhiAtVtx: M(100), hwEta: M(256), hwPhi: M(575),
      hwQual: M(12), hwCharge: M(-1), hwIso: M(2), hwPtUnconstrained: M(9), hwDXY: M(1), tfMuonIndex: M(70),
    };
    for (const k of ["jets", "egammas", "taus"] as const) one[k] = { ...b[k], offset: Uint32Array.of(0, 0) };
    one.sums = Object.fromEntries(Object.keys(b.sums).map((k) => [k, new Int32Array(1)])) as never;
    const bytes = frameOrbit(one, "muon");
    const v = new DataView(bytes.buffer);
    const blk = 32;
    expect(v.getUint32(blk + 0, true)).toBe(5); // orbit word link 0
    // BX word: bx 17 | eta1 (+256 → 0x100, which CMSSW ScGMTRawToDigi reads back as +256) << 13
    expect(v.getUint32(blk + 32, true)).toBe((17 | (0x100 << 13)) >>> 0);
    // f: phiExt 100 | pt 21 << 10 | qual 12 << 19 | eta -3 (0x1FD) << 23
    expect(v.getUint32(blk + 64, true)).toBe((100 | (21 << 10) | (12 << 19) | (0x1fd << 23)) >>> 0);
    // s: iso 2 | sign 1 << 2 | valid 1 << 3 | index 70 << 4 | phi 575 << 11 | ptUncon 9 << 21 | dxy 1 << 30
    expect(v.getUint32(blk + 96, true)).toBe((2 | 4 | 8 | (70 << 4) | (575 << 11) | (9 << 21) | (1 << 30)) >>> 0);
    // bitmap bit 17
    expect(v.getUint32(32 + 192 + 32, true)).toBe(1 << 17);
    const back = deframeAll(bytes).orbits[0].batch!;
    expect(diffBatches(mergeStreams(back, null), one)).toBeNull();
  });

  it("with dropEmpty, leaves out and counts objects whose value means 'no object'", () => {
    const b = randomBatch(21, { orbit: 9, maxBx: 8, muonFraction: 1 });
    const nJets = b.jets.offset[b.nBx];
    expect(nJets).toBeGreaterThan(0);
    b.jets.hwEt[0] = 0;
    b.muons.hwPt[0] = 0;
    const dropped = { objects: 0 };
    const back = mergeStreams(
      deframeAll(frameOrbit(b, "muon", { dropEmpty: true, dropped })).orbits[0].batch,
      deframeAll(frameOrbit(b, "calo", { dropEmpty: true, dropped })).orbits[0].batch,
    );
    expect(dropped.objects).toBe(2);
    expect(back.jets.offset[back.nBx]).toBe(nJets - 1);
    expect(back.muons.offset[back.nBx]).toBe(b.muons.offset[b.nBx] - 1);
    expect(Array.from(back.jets.hwEt)).toEqual(Array.from(b.jets.hwEt.subarray(1)));
  });

  it("rejects batches the link cannot carry with a clear error", () => {
    const b = randomBatch(11, { orbit: 1, maxBx: 5, muonFraction: 1 });
    b.muons.hwPt[0] = 0;
    expect(() => frameOrbit(b, "muon")).toThrow(/hwPt = 0/);
    const c = randomBatch(12, { orbit: 1 });
    c.orbit = 2 ** 31;
    expect(() => frameOrbit(c, "calo")).toThrow(/31 bits/);
  });
});
