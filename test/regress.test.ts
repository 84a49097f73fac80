/**
 * Golden regression: the shipped sets pass; a single flipped score bit in a (temp copy of a)
 * golden fails with a readable per-event diff, through the library and through the CLI; --update
 * rewrites it; malformed goldens give one clear error.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listGoldenSets, regressSet } from "../src/regress/regress.js";
import { formatDifference } from "../src/regress/diff.js";

const ROOT = join(process.cwd(), "fixtures", "golden");
const CLI = join(process.cwd(), "bin", "scoutloop.js");

function tempCopy(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), "scoutloop-golden-")), name);
  cpSync(join(ROOT, name), dir, { recursive: true });
  return dir;
}

/** Flip one bit of one event's score in expected.json; returns the event and the new value. */
function flipScoreBit(dir: string, model: string, eventIndex: number, bit: number) {
  const path = join(dir, "expected.json");
  const g = JSON.parse(readFileSync(path, "utf8"));
  const e = g.events[eventIndex];
  e.scores[model] ^= 1 << bit;
  writeFileSync(path, JSON.stringify(g));
  return { orbit: e.orbit as number, bx: e.bx as number, value: e.scores[model] as number };
}

describe("shipped golden sets", () => {
  const sets = listGoldenSets(ROOT);
  it("include the default chain, every model kind and a corrupted link", () => {
    expect(sets).toEqual(expect.arrayContaining(["generator-default", "iforest", "ae", "vae", "corrupted-link", "corrupted-link-crc"]));
  });
  for (const name of sets) {
    it(`${name} matches its golden`, async () => {
      const r = await regressSet(join(ROOT, name));
      expect(r.error).toBeNull();
      expect(r.differences.map(formatDifference)).toEqual([]);
      expect(r.events).toBeGreaterThan(0);
      expect(r.ok).toBe(true);
    });
  }
  it("the corrupted-link golden really counts faults", () => {
    const g = JSON.parse(readFileSync(join(ROOT, "corrupted-link", "expected.json"), "utf8"));
    const faults = Object.values(g.faults as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(faults).toBeGreaterThan(0);
  });
  it("the CRC golden catches a flipped data bit, resynchronises after a wrecked header and counts the cut tail", () => {
    const g = JSON.parse(readFileSync(join(ROOT, "corrupted-link-crc", "expected.json"), "utf8"));
    expect(g.faults.crcMismatch).toBeGreaterThan(0);
    expect(g.faults.garbage + g.faults.badHeader).toBeGreaterThan(0);
    expect(g.faults.truncated).toBe(1);
    // Only the calo orbit before the damage survives; every muon orbit does.
    expect(g.streams.calo.orbits).toBe(1);
    expect(g.streams.muon.orbits).toBe(4);
  });
  it("rejects a spec with a bad crc or truncation field", async () => {
    const dir = tempCopy("corrupted-link-crc");
    const specPath = join(dir, "spec.json");
    const spec = JSON.parse(readFileSync(specPath, "utf8"));
    writeFileSync(specPath, JSON.stringify({ ...spec, truncateCalo: -3 }));
    expect((await regressSet(dir)).error).toMatch(/truncateCalo/);
    writeFileSync(specPath, JSON.stringify({ ...spec, crc: "yes" }));
    expect((await regressSet(dir)).error).toMatch(/crc/);
  });
});

describe("a changed golden fails readably", () => {
  it("one flipped score bit → one difference naming the event, field and bits", async () => {
    const dir = tempCopy("generator-default");
    const flipped = flipScoreBit(dir, "if-fixed", 5, 0);
    const r = await regressSet(dir);
    expect(r.ok).toBe(false);
    expect(r.differences).toHaveLength(1);
    const line = formatDifference(r.differences[0]);
    expect(line).toContain(`orbit ${flipped.orbit} bx ${flipped.bx}: score.if-fixed expected ${flipped.value} (0x`);
  });

  it("the CLI exits 1, prints the diff and writes JUnit; --update repairs it", async () => {
    const dir = tempCopy("vae");
    const flipped = flipScoreBit(dir, "vae-fixed", 0, 3);
    const junit = join(dir, "..", "junit.xml");
    const run = spawnSync(process.execPath, [CLI, "regress", dir, "--junit", junit], { encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^FAIL\s+vae .*1 differences/m);
    expect(run.stdout).toContain(`orbit ${flipped.orbit} bx ${flipped.bx}: score.vae-fixed`);
    expect(readFileSync(junit, "utf8")).toMatch(/<failure message="1 differences from golden">/);
    const upd = spawnSync(process.execPath, [CLI, "regress", dir, "--update"], { encoding: "utf8", timeout: 60_000 });
    expect(upd.status).toBe(0);
    expect(upd.stdout).toMatch(/UPDATED\s+vae .*1 differences rewritten/);
    expect((await regressSet(dir)).ok).toBe(true);
  });

  it("a changed fault count and a missing event are differences too", async () => {
    const dir = tempCopy("corrupted-link");
    const path = join(dir, "expected.json");
    const g = JSON.parse(readFileSync(path, "utf8"));
    g.faults.garbage += 1;
    g.events.pop();
    writeFileSync(path, JSON.stringify(g));
    const fields = (await regressSet(dir)).differences.map((d) => `${d.where}/${d.field}`);
    expect(fields).toContain("faults/garbage");
    expect(fields.some((f) => f.endsWith("/event"))).toBe(true);
  });

  it("malformed goldens are one clear error, not a crash", async () => {
    const dir = tempCopy("ae");
    writeFileSync(join(dir, "expected.json"), "{ nope");
    const r = await regressSet(dir);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/expected\.json/);
    writeFileSync(join(dir, "spec.json"), JSON.stringify({ generator: { seed: 1, orbits: 1e6 }, eventsPerOrbit: 1, models: [] }));
    expect((await regressSet(dir)).error).toMatch(/orbits/);
    const cli = spawnSync(process.execPath, [CLI, "regress", "--root", join(dir, "nowhere")], { encoding: "utf8", timeout: 30_000 });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/does not exist/);
  });
});
