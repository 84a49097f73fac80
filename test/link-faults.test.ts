import { describe, expect, it } from "vitest";
import { concatBytes, deframeAll, Deframer, frameOrbit, packetTrailer, type FaultKind } from "../src/link/index.js";
import { randomBatch } from "./helpers/randomBatch.js";
import { accountingError } from "./helpers/linkStreams.js";
import type { OrbitBatch } from "../src/events/batch.js";

const batches = (n: number, first = 1, muonFraction = 0.5): OrbitBatch[] =>
  Array.from({ length: n }, (_, k) => randomBatch(900 + k, { orbit: first + k, maxBx: 6, muonFraction }));

function faults(bytes: Uint8Array, core: "ts" | "native") {
  const { orbits, deframer } = deframeAll(bytes, { core });
  expect(accountingError(deframer, bytes.length)).toBeNull();
  const counts: Partial<Record<FaultKind, number>> = {};
  for (const [k, v] of Object.entries(deframer.stats.faults)) if (v.count) counts[k as FaultKind] = v.count;
  return { orbits, counts, d: deframer };
}

const u32 = (b: Uint8Array, p: number) => new DataView(b.buffer, b.byteOffset).getUint32(p, true);
const setU32 = (b: Uint8Array, p: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(p, v >>> 0, true);

describe.each(["ts", "native"] as const)("deframer faults (%s)", (core) => {
  it("skips garbage before and between orbits and resynchronises", () => {
    const [a, b] = batches(2).map((x) => frameOrbit(x, "calo"));
    const junk = Uint8Array.from({ length: 13 }, (_, i) => i * 19);
    const r = faults(concatBytes([junk, a, junk, b]), core);
    expect(r.orbits.map((o) => o.orbit)).toEqual([1, 2]);
    expect(r.counts).toEqual({ garbage: 2 });
    expect(r.d.stats.faults.garbage.bytes).toBe(26);
    expect(r.d.faultLog).toEqual([{ kind: "garbage", offset: 0 }, { kind: "garbage", offset: 13 + a.length }]);
  });

  it("counts a corrupted block count as a length mismatch and keeps the next orbit", () => {
    const [a, b] = batches(2).map((x) => frameOrbit(x, "calo"));
    setU32(a, 12, u32(a, 12) + 1);
    const r = faults(concatBytes([a, b]), core);
    expect(r.orbits.map((o) => o.orbit)).toEqual([2]);
    expect(r.counts).toEqual({ lengthMismatch: 1 });
    expect(r.d.stats.faults.lengthMismatch.bytes).toBe(a.length);
  });

  it("a block count too large costs only its own orbit when orbits arrive one push at a time (issue 11)", () => {
    const orbits = batches(6, 1, 0.9);
    for (const delta of [1, 5, 100, 3000]) {
      const d = new Deframer({ core });
      const perPush = orbits.map((x, i) => {
        const bytes = frameOrbit(x, "muon");
        if (i === 2) setU32(bytes, 12, Math.min(3564, u32(bytes, 12) + delta));
        return [...d.push(concatBytes([bytes, packetTrailer({ autorealign: 0, dropped: 0, orbitCounter: i + 1 })]))]
          .filter((o) => o.batch).map((o) => o.orbit);
      });
      // every other orbit comes out of the very push that carried it
      expect(perPush, `count +${delta}`).toEqual([[1], [2], [], [4], [5], [6]]);
      expect(d.stats.faults.lengthMismatch.count).toBe(1);
    }
  });

  it("a CRC orbit whose CRC flag was cleared in transit is not passed as clean (issue 11)", () => {
    const [x, y] = batches(2);
    const good = frameOrbit(y, "calo", { crc: true });
    let passed = 0;
    for (let k = 0; k < 80; k++) {
      const bytes = frameOrbit(x, "calo", { crc: true });
      bytes[9] &= ~1; // header word 2 bit 8: the CRC-present flag
      if (k % 2) bytes[32 + ((k * 977) % (bytes.length - 32 - 4))] ^= 1 << (k % 8); // and some payload damage
      const r = faults(concatBytes([bytes, good]), core);
      if (r.orbits.some((o) => o.orbit === 1)) passed++;
      expect(r.orbits.map((o) => o.orbit)).toContain(2);
    }
    expect(passed).toBe(0);
    // without the CRC extension nothing changes: the trailer word is 0 and the orbit is clean
    expect(faults(frameOrbit(x, "calo"), core).orbits.map((o) => o.orbit)).toEqual([1]);
  });

  it("flags bad headers; decodes (and counts) bitmap mismatches and BX 0, as CMSSW does", () => {
    const bs = batches(4);
    const [a, b, c, d] = bs.map((x) => frameOrbit(x, "calo"));
    setU32(a, 20, 1); // reserved header word
    const bmB = b.length - 544 + 32;
    setU32(b, bmB + 4 * 100, u32(b, bmB + 4 * 100) | 1); // extra BX 3200 not backed by a block
    const bmC = c.length - 544 + 32;
    setU32(c, bmC, u32(c, bmC) | 1); // BX 0
    const r = faults(concatBytes([a, b, c, d]), core);
    // b and c are decoded (SCDAQ pairs blocks with bitmap BXs by position; CMSSW keeps BX 0):
    // test/link-cmssw-tolerated.test.ts has the objects.
    expect(r.orbits.map((o) => o.orbit)).toEqual([2, 3, 4]);
    // c's extra BX-0 bit is also one bit more than its blocks: a second bitmapMismatch.
    expect(r.counts).toEqual({ badHeader: 1, bitmapMismatch: 2, bxZero: 1 });
    expect(r.d.stats.streams.calo.lostOrbits).toBe(0); // first accepted orbit: no gap before it
  });

  it("decodes more than 8 muons in a BX (as CMSSW) and counts them as over the cap", () => {
    const x = batches(1, 1, 1)[0];
    const bytes = frameOrbit(x, "muon");
    // Put a muon (pt 5) into slot A of links 4..7 and slot B of links 0..7 of the first block.
    for (const off of [64 + 16, 64 + 20, 64 + 24, 64 + 28, 128, 132, 136, 140, 144]) setU32(bytes, 32 + off, 5 << 10);
    const r = faults(bytes, core);
    expect(r.orbits).toHaveLength(1);
    expect(r.counts).toEqual({ countOverCap: 1 });
    const before = x.muons.offset[1] - x.muons.offset[0];
    const got = r.orbits[0].batch!.muons.offset[1];
    expect(got).toBeGreaterThan(8);
    expect(got).toBeLessThanOrEqual(before + 9);
  });

  it("skips intermediate muons (bit 31 of the BX word) without a fault", () => {
    const x = batches(1, 1, 1)[0];
    const bytes = frameOrbit(x, "muon");
    setU32(bytes, 32 + 32 + 4 * 6, u32(bytes, 32 + 32 + 4 * 6) | 0x80000000);
    setU32(bytes, 32 + 64 + 4 * 6, 9 << 10);
    const r = faults(bytes, core);
    expect(r.counts).toEqual({});
    expect(r.d.stats.streams.muon.intermediateMuons).toBe(1);
    expect(r.orbits[0].batch!.muons.offset[1]).toBe(x.muons.offset[1]);
  });

  it("detects payload corruption with the CRC-32C extension and not without it", () => {
    const x = batches(1)[0];
    for (const crc of [true, false]) {
      const bytes = frameOrbit(x, "calo", { crc });
      bytes[32 + 5] ^= 0x10;
      const r = faults(bytes, core);
      if (crc) expect(r.counts).toEqual({ crcMismatch: 1 });
      else expect(r.counts).toEqual({});
    }
  });

  it("counts duplicates, out-of-order orbits and gaps", () => {
    const bs = batches(6);
    const o = bs.map((x) => frameOrbit(x, "calo"));
    // 1 2 2 5 3 6 → dup of 2, gap 2→5 (lost 3,4), 3 out of order, 6 ok
    const r = faults(concatBytes([o[0], o[1], o[1], o[4], o[2], o[5]]), core);
    expect(r.orbits.map((x) => x.orbit)).toEqual([1, 2, 5, 6]);
    expect(r.counts).toEqual({ orbitOrder: 2, orbitGap: 1 });
    expect(r.d.stats.streams.calo.lostOrbits).toBe(2);
  });

  it("charges a stream that ends inside an orbit to truncation", () => {
    const [a, b] = batches(2).map((x) => frameOrbit(x, "muon"));
    const r = faults(concatBytes([a, b.subarray(0, 100)]), core);
    expect(r.orbits.map((x) => x.orbit)).toEqual([1]);
    expect(r.counts).toEqual({ truncated: 1 });
    expect(r.d.stats.faults.truncated.bytes).toBe(100);
  });
});
