/** Link captures (raw DMA files, EMP pattern files) as pipeline sources, through runSession. */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSession } from "../src/bus/session.js";
import { dmaToPattern, frameBatches, writeEmpV2 } from "../src/link/index.js";
import { generateOrbits } from "../src/trigger/index.js";
import { toyOrbits } from "./helpers/busFixtures.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-capture-"));

describe("capture sources", () => {
  it("a raw capture with both streams: every orbit merged back whole, scored identically by TS and native", async () => {
    const batches = [...generateOrbits({ seed: 11, orbits: 2 })];
    const events = batches.reduce((n, b) => n + b.nBx, 0);
    const raw = join(dir, "two.raw");
    writeFileSync(raw, Buffer.concat([frameBatches(batches, "muon"), frameBatches(batches, "calo")]));
    const { summary: s } = await runSession({ source: { in: raw }, a: "software", b: "native", mode: "pull" });
    expect(s.accounting.orbits.in).toBe(2);
    expect(s.accounting.events.in).toBe(events);
    expect(s.comparison).toMatchObject({ paired: events, mismatches: 0 });
    expect(s.linkFaults).toEqual({});
  }, 60_000);

  it("corrupted bytes in a capture are counted as link faults, the run still balances", async () => {
    const batches = [...toyOrbits(6, 10)];
    const bytes = Buffer.from(frameBatches(batches, "muon"));
    const orbitBytes = bytes.length / 6;
    bytes.fill(0xa5, Math.floor(orbitBytes * 2.5), Math.floor(orbitBytes * 2.5) + 64); // inside orbit 3
    const raw = join(dir, "bad.raw");
    writeFileSync(raw, bytes);
    const { summary: s } = await runSession({ source: { in: raw }, a: "software", b: "native", mode: "pull" });
    expect(Object.values(s.linkFaults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // The 0xA5 bytes land in muon slots: more than 8 non-empty slots in one BX. CMSSW decodes such
    // an orbit (all 16 slots, garbage muons included), so the deframer does too and counts it
    // (docs/link-format.md §8a): nothing is lost, the deviation is reported.
    expect(s.linkFaults).toEqual({ countOverCap: 1 });
    expect(s.accounting.orbits.in).toBe(6);
    expect(s.problems).toEqual([]);
    expect(s.comparison!.paired).toBe(60);
  }, 60_000);

  it("an EMP v2 pattern file carrying the DMA words replays like the raw capture", async () => {
    const batches = [...toyOrbits(3, 5)];
    const pattern = join(dir, "muon.txt");
    writeFileSync(pattern, writeEmpV2(dmaToPattern(frameBatches(batches, "muon"))));
    expect(readFileSync(pattern, "utf8")).toMatch(/^ID: /);
    const { summary: s } = await runSession({ source: { in: pattern }, a: "software", b: "native", mode: "pull" });
    expect(s.accounting.orbits.in).toBe(3);
    expect(s.accounting.events.in).toBe(15);
    expect(s.comparison!.mismatches).toBe(0);
  }, 60_000);

  it("a file that is not a pattern file is one clear error naming it", async () => {
    const bad = join(dir, "nonsense.txt");
    writeFileSync(bad, "hello\nworld\n");
    await expect(runSession({ source: { in: bad }, a: "software", mode: "pull" })).rejects.toThrow(/nonsense\.txt/);
  });
});
