import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffBatches } from "../src/events/batch.js";
import {
  FRAME_FLAG, PatternFileError, deframeAll, deframeFile, diffPatterns, dmaToPattern, frameBatches, parsePattern,
  patternToDma, writePattern, writeRawFile, type PatternFile,
} from "../src/link/index.js";
import { randomBatch } from "./helpers/randomBatch.js";

const sample = readFileSync(new URL("../fixtures/link/emp-v2-sample.txt", import.meta.url), "utf8");

describe("EMP / APx pattern files", () => {
  it("parses the hand-written EMP v2 sample", () => {
    const pf = parsePattern(sample);
    expect(pf.id).toBe("x0");
    expect(pf.frames).toBe(8);
    expect(pf.channels.map((c) => c.link)).toEqual([4, 5]);
    const [a, b] = pf.channels;
    const F = FRAME_FLAG;
    expect(a.flags[0]).toBe(F.strobe | F.startOfOrbit | F.startOfPacket | F.valid);
    expect(a.flags[3]).toBe(F.strobe | F.endOfPacket | F.valid);
    expect(a.flags[4]).toBe(F.strobe);
    expect(a.flags[6]).toBe(F.strobe | F.startOfPacket | F.valid);
    expect([a.hi[2], a.lo[2]]).toEqual([0x80000000, 0]);
    expect(a.lo[3]).toBe(0xdeadbeef);
    expect(b.lo[0]).toBe(0xbeefdead);
    expect([b.hi[2], b.lo[2]]).toEqual([0xffffffff, 0xffffffff]);
    expect(b.lo[7]).toBe(5);
  });

  it("round-trips through EMP v2, v1 and APx", () => {
    const pf = parsePattern(sample);
    const v2 = parsePattern(writePattern(pf, "EMPv2"));
    expect(diffPatterns(pf, v2, { flags: true })).toBeNull();
    expect(v2.id).toBe("x0");
    const apx = parsePattern(writePattern(pf, "APx"), "APx");
    expect(diffPatterns(pf, apx, { flags: true })).toBeNull();
    const v1 = parsePattern(writePattern(pf, "EMPv1"), "EMPv1");
    expect(diffPatterns(pf, v1)).toBeNull(); // v1 carries data + valid only
  });

  it("keeps a strobe column when a link has strobe-low frames", () => {
    const pf = parsePattern(sample);
    pf.channels[1].flags[5] &= ~FRAME_FLAG.strobe;
    const text = writePattern(pf, "EMPv2");
    expect(text).toMatch(/Frame 0005 {4}0000 0{16} {2}00000 0{16}/);
    expect(diffPatterns(pf, parsePattern(text), { flags: true })).toBeNull();
  });

  it("reports the first differing word", () => {
    const a = parsePattern(sample);
    const b = parsePattern(sample);
    b.channels[1].lo[1] ^= 0x10;
    expect(diffPatterns(a, b)).toBe("link 5 frame 1: 0000000012345678 != 0000000012345668");
  });

  it("rejects malformed files with the line number", () => {
    const bad = sample.replace("Frame 0002", "Frame 0009");
    expect(() => parsePattern(bad)).toThrow(PatternFileError);
    expect(() => parsePattern(bad)).toThrow(/line 9: expected "Frame 0002"/);
    expect(() => parsePattern(sample.replace("0001 00000000000000ff", "0001 00000000000000fg"))).toThrow(/line 8/);
    expect(() => parsePattern("hello\n")).toThrow(/unknown pattern file format/);
  });

  it("carries framed scouting orbits through an EMP file into the deframer", () => {
    const batches = Array.from({ length: 3 }, (_, k) => randomBatch(77 + k, { orbit: 500 + k, maxBx: 5 }));
    const bytes = frameBatches(batches, "calo");
    const pf: PatternFile = parsePattern(writePattern(dmaToPattern(bytes, "scout", 56), "EMPv2"));
    expect(pf.channels.map((c) => c.link)).toEqual([56, 57, 58, 59, 60, 61, 62, 63]);
    const back = patternToDma(pf);
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
    const { orbits } = deframeAll(back);
    orbits.forEach((o, i) => expect(o.batch!.nBx).toBe(batches[i].nBx));
  });
});

describe("raw files", () => {
  it("write and deframe a .raw file in small chunks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-raw-"));
    try {
      const batches = Array.from({ length: 5 }, (_, k) => randomBatch(300 + k, { orbit: 1 + k }));
      const path = join(dir, "x.raw");
      const n = await writeRawFile(path, [frameBatches(batches, "muon", { orbitsPerPacket: 2 }), frameBatches(batches, "calo")]);
      expect(n).toBeGreaterThan(0);
      const seen: number[] = [];
      const d = await deframeFile(path, { core: "native", chunkBytes: 333, onOrbit: (o) => seen.push(o.orbit) });
      expect(seen).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
      expect(d.stats.bytesConsumed).toBe(n);
      expect(d.stats.packets).toBe(3 + 5);
      expect(Object.values(d.stats.faults).every((f) => f.count === 0)).toBe(true);
      const whole = deframeAll(readFileSync(path));
      expect(diffBatches(whole.orbits[0].batch!, whole.orbits[0].batch!)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
