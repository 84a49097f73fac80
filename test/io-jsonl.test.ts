import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diffBatches } from "../src/events/batch.js";
import { FileFormatError, MAX_JSONL_LINE, readJsonl, writeJsonl } from "../src/io/index.js";
import { fullRandomBatch } from "./io-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-jsonl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("JSONL events", () => {
  it("round-trips every hardware field, BX and label, one line per BX", () => {
    const batches = [fullRandomBatch(1, 3, 200), fullRandomBatch(2, 4, 1), fullRandomBatch(3, 9, 1000)];
    const path = join(dir, "rt.jsonl");
    expect(writeJsonl(path, batches)).toBe(1201);
    expect(readFileSync(path, "utf8").trimEnd().split("\n").length).toBe(1201);
    const back = [...readJsonl(path)];
    expect(back.length).toBe(3);
    back.forEach((b, i) => {
      expect(diffBatches(b, batches[i])).toBeNull();
      expect([...b.label!]).toEqual([...batches[i].label!]);
    });
  });

  it("writes physical units next to hardware units", () => {
    const b = fullRandomBatch(5, 1, 40);
    const path = join(dir, "phys.jsonl");
    writeJsonl(path, [b]);
    const evs = readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    const i = evs.findIndex((e) => e.muons.length > 0 && e.jets.length > 0);
    const e = evs[i];
    expect(e.orbit).toBe(1);
    expect(e.bx).toBe(b.bx[i]);
    expect(e.muons[0].pt).toBe(0.5 * (e.muons[0].hwPt - 1));
    expect(e.muons[0].eta).toBeCloseTo(e.muons[0].hwEtaAtVtx * 0.010875, 5);
    expect(e.jets[0].pt).toBe(e.jets[0].hwEt * 0.5);
    expect(e.sums.met.pt).toBe(e.sums.hwMissEt * 0.5);
    expect(Object.keys(e)).toEqual(["orbit", "bx", "label", "sums", "muons", "jets", "egammas", "taus"]);
  });

  const good = () => JSON.parse(readFileSync(join(dir, "phys.jsonl"), "utf8").split("\n")[0]);
  const bad = (name: string, text: string, pattern: RegExp) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    let err: unknown = null;
    try {
      [...readJsonl(path)];
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as Error).message).toMatch(new RegExp(`^${path.replace(/[.]/g, "\\.")}: `));
    expect((err as Error).message).toMatch(pattern);
  };

  it("rejects bad lines with the line number", () => {
    const ok = JSON.stringify(good());
    bad("json.jsonl", `${ok}\n{"orbit": 1, bx\n`, /line 2: invalid JSON/);
    bad("array.jsonl", `[1,2]\n`, /line 1: expected a JSON object/);
    bad("bx.jsonl", JSON.stringify({ ...good(), bx: 4000 }) + "\n", /line 1: bx = 4000, expected 0\.\.3564/);
    const e = good();
    e.jets = Array.from({ length: 13 }, () => e.jets[0] ?? { hwEt: 1, hwEta: 0, hwPhi: 0, hwIso: 0 });
    bad("cap.jsonl", JSON.stringify(e) + "\n", /13 jets, more than the cap 12/);
    const m = good();
    m.egammas = [{ hwEt: 600, hwEta: 0, hwPhi: 0, hwIso: 0 }];
    bad("range.jsonl", JSON.stringify(m) + "\n", /egammas\[0\]\.hwEt = 600, expected an integer in 0\.\.511/);
    const s = good();
    delete s.sums.hwMissEt;
    bad("sums.jsonl", JSON.stringify(s) + "\n", /line 1: missing "sums\.hwMissEt"/);
    bad("order.jsonl", `${ok}\n${ok}\n`, /line 2: bx \d+ not after bx \d+ in orbit 1/);
    bad("orbits.jsonl", `${JSON.stringify({ ...good(), orbit: 5 })}\n${JSON.stringify({ ...good(), orbit: 4 })}\n`, /line 2: orbit 4 after orbit 5/);
    bad("long.jsonl", "x".repeat(MAX_JSONL_LINE + 10), /line 1 is longer than/);
  });

  it("skips blank lines and reads a file without a final newline", () => {
    const ok = JSON.stringify(good());
    const path = join(dir, "blank.jsonl");
    writeFileSync(path, `\n${ok}\n\n`.replace(/\n$/, ""));
    const back = [...readJsonl(path)];
    expect(back.map((b) => b.nBx)).toEqual([1]);
  });
});

describe("JSONL block boundaries", () => {
  it("reads lines that straddle the 1 MB read blocks", () => {
    const b = fullRandomBatch(8, 2, 2500); // a few MB of JSONL: several block boundaries inside lines
    const path = join(dir, "blocks.jsonl");
    writeJsonl(path, [b]);
    expect(readFileSync(path).length).toBeGreaterThan(2 << 20);
    const back = [...readJsonl(path)];
    expect(back.length).toBe(1);
    expect(diffBatches(back[0], b)).toBeNull();
  });
});
