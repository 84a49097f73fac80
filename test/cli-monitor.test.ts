/**
 * `scoutloop monitor` end to end: inputs written by `scoutloop gen`, the table read back from
 * `--json` (counts that must add up, flags for an injected signal and none for an independent
 * background run), the HTML page with its plots, and one-line errors for bad calls and bad files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";
import type { MonitorResult } from "../src/monitor/monitor.js";
import { DEFAULT_SELECTIONS } from "../src/monitor/selection.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-cli-monitor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string) => join(dir, name);
const events: Record<string, number> = {};

/** stderr without npm's own config warnings: what the user sees from scoutloop. */
const errLines = (stderr: string) => stderr.trim().split("\n").filter((l) => l && !l.startsWith("npm warn"));

beforeAll(async () => {
  // Reference and an independent background run (different seeds), and a run with A→4ℓ injected.
  const runs = await Promise.all([
    // More orbits than a generated run's default: a file is read whole.
    cli(["gen", "--orbits", "5", "--seed", "1", "--out", file("ref.h5"), "--json"]),
    cli(["gen", "--orbits", "2", "--seed", "2", "--out", file("bkg.h5"), "--json"]),
    cli(["gen", "--orbits", "2", "--seed", "3", "--signal", "Ato4l", "--inject-fraction", "0.03", "--out", file("sig.jsonl"), "--json"]),
  ]);
  for (const [i, name] of ["ref.h5", "bkg.h5", "sig.jsonl"].entries()) {
    expect(runs[i].code, runs[i].stderr).toBe(0);
    events[name] = JSON.parse(runs[i].stdout).events;
  }
}, 120_000);

async function monitor(args: string[]): Promise<MonitorResult> {
  const res = await cli(["monitor", ...args, "--json"]);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as MonitorResult;
}

const flagsOf = (m: MonitorResult) => m.channels.flatMap((c) => c.variables.flatMap((v) => v.flagged.map((f, i) => ({ channel: c.name, variable: v.variable, f, z: v.z[i] })).filter((x) => x.f)));

/** Every number in the table agrees with the others. */
function checkBooks(m: MonitorResult, observed: number, reference: number): void {
  expect(m.observed.events).toBe(observed);
  expect(m.reference.events).toBe(reference);
  expect(m.scale).toBeCloseTo(observed / reference, 12);
  const all = m.channels.find((c) => c.name === "all")!;
  expect(all.observedSelected).toBe(observed);
  expect(all.referenceSelected).toBe(reference);
  let flagged = 0;
  for (const c of m.channels) {
    expect(c.observedSelected).toBeLessThanOrEqual(observed);
    for (const v of c.variables) {
      const n = v.observed.length;
      expect(v.edges).toHaveLength(n + 1);
      for (const k of ["reference", "expected", "sigma", "z", "flagged"] as const) expect(v[k]).toHaveLength(n);
      // Each selected event fills each variable once; overflow beyond the last edge is the rest.
      const inBins = v.observed.reduce((a, b) => a + b, 0);
      expect(inBins).toBeLessThanOrEqual(c.observedSelected);
      expect(v.reference.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(c.referenceSelected);
      v.reference.forEach((r, i) => expect(v.expected[i]).toBeCloseTo(r * m.scale, 9));
      v.flagged.forEach((f, i) => {
        if (f) expect(Math.abs(v.z[i])).toBeGreaterThanOrEqual(m.zThreshold);
      });
      flagged += v.flagged.reduce((a, b) => a + b, 0);
    }
  }
  expect(m.flaggedBins).toBe(flagged);
}

describe("scoutloop monitor on generated files", () => {
  it("an independent background run against the reference: consistent books, no flagged bin", async () => {
    const m = await monitor(["--in", file("bkg.h5"), "--ref", file("ref.h5")]);
    checkBooks(m, events["bkg.h5"], events["ref.h5"]);
    expect(m.channels.map((c) => c.name)).toEqual(DEFAULT_SELECTIONS.map((s) => s.split(":")[0]));
    expect(flagsOf(m)).toEqual([]);
  });

  it("--general-search: the dimuon channel's most significant region is an A→4ℓ excess that survives the look-elsewhere correction", async () => {
    const res = await cli(["monitor", "--in", file("sig.jsonl"), "--ref", file("ref.h5"), "--general-search", "--pseudo", "10", "--json"], { timeoutMs: 110_000 });
    expect(res.code, res.stderr).toBe(0);
    const m = JSON.parse(res.stdout) as MonitorResult;
    const gs = (m as unknown as { generalSearch: { channels: Array<{ channel: string; zLocal: number; globalBound: boolean; pGlobal: number; region: { excess: boolean } | null }> } }).generalSearch;
    expect(gs.channels).toHaveLength(m.channels.length);
    const mu = gs.channels.find((c) => c.channel === "diMuon")!;
    expect(mu.region?.excess).toBe(true);
    expect(mu.zLocal).toBeGreaterThan(5);
    expect(mu.globalBound).toBe(true); // no background-only pseudo-experiment reaches it: p̃ < 1/10
  }, 120_000);

  it("an A→4ℓ injection is flagged as an excess in the dimuon channel; --out and --html write the table and plots", async () => {
    const out = file("run");
    const html = file("monitor.html");
    const m = await monitor(["--in", file("sig.jsonl"), "--ref", file("ref.h5"), "--out", out, "--html", html]);
    checkBooks(m, events["sig.jsonl"], events["ref.h5"]);
    const flags = flagsOf(m);
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.some((f) => f.channel === "diMuon" && f.z >= m.zThreshold)).toBe(true);
    const diMuon = m.channels.find((c) => c.name === "diMuon")!;
    expect(diMuon.observedSelected).toBeGreaterThan(10 * Math.max(1, diMuon.referenceSelected * m.scale));

    expect(JSON.parse(readFileSync(join(out, "monitor.json"), "utf8"))).toMatchObject({ format: "scoutloop-monitor/1", flaggedBins: m.flaggedBins });
    const page = readFileSync(html, "utf8");
    // One plot per channel and variable, drawn (marks inside), flagged bins listed in the table.
    const plots = page.match(/<(svg|figure)[^>]*data-plot="monitor"[\s\S]*?<\/\1>/g) ?? [];
    expect(plots).toHaveLength(m.channels.length * 4);
    expect(plots[0]).toMatch(/<svg[\s\S]*<(path|rect)\b/);
    expect(page).toContain('data-table="monitor-channels"');
    const flaggedRows = page.match(/<table [^>]*data-table="monitor-flagged"[\s\S]*?<\/table>/)?.[0].match(/<tr>/g) ?? [];
    expect(flaggedRows).toHaveLength(m.flaggedBins + 1); // + header

    const report = await cli(["report", out, "--json"]);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).found).toMatchObject({ monitor: true });
  });

  it("default channels each keep a small, non-empty slice of generated background", async () => {
    const m = await monitor(["--orbits", "2"]);
    checkBooks(m, m.observed.events, m.reference.events);
    for (const c of m.channels.filter((x) => x.name !== "all" && x.name !== "diMuon")) {
      const frac = c.observedSelected / m.observed.events;
      expect(frac, c.name).toBeGreaterThan(0.001);
      expect(frac, c.name).toBeLessThan(0.15);
    }
    const ht = m.channels.find((c) => c.name === "jetHT")!;
    // HT sums only central jets above 30 GeV: every selected event sits at or above 30 GeV.
    const htHist = ht.variables.find((v) => v.variable === "HT")!;
    htHist.observed.forEach((n, i) => {
      if (htHist.edges[i + 1] <= 30) expect(n).toBe(0);
    });
  });

  it("the human-readable table names channels and counts", async () => {
    const res = await cli(["monitor", "--in", file("bkg.h5"), "--ref", file("ref.h5")]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`monitoring: ${events["bkg.h5"]} events vs reference ${events["ref.h5"]}`));
    expect(res.stdout).toMatch(/jetHT\s+\d+ selected \(expected [\d.]+\)/);
  });
});

describe("scoutloop monitor errors", () => {
  it.each([
    [["--inject-fraction", "0.1"], /--inject-fraction needs --signal/],
    [["--selection", "nocolon"], /--selection: .*name:cut/],
    [["--selection", "x:weight>=3"], /unknown quantity "weight"/],
    [["--orbits", "0"], /--orbits/],
    [["--z", "abc"], /--z/],
    [["--signal", "Ato4l", "--in", "x.h5"], /cannot be combined with --in/],
    [["--bogus"], /unknown option/],
  ])("usage error %j: one line, exit 2", async (args, message) => {
    const res = await cli(["monitor", ...args]);
    expect(res.code).toBe(2);
    expect(errLines(res.stderr)).toHaveLength(1);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe("");
  });

  it("bad input files: one line, exit 3", async () => {
    writeFileSync(file("junk.h5"), Buffer.alloc(4096, 0x5a));
    writeFileSync(file("junk.jsonl"), '{"orbit": 1, "bx": \n');
    writeFileSync(file("empty.jsonl"), "");
    const cases: Array<[string[], RegExp]> = [
      [["--in", file("missing.h5")], /missing\.h5/],
      [["--in", file("junk.h5")], /junk\.h5: not an HDF5 file/],
      [["--ref", file("junk.jsonl")], /junk\.jsonl: line 1/],
      [["--ref", file("empty.jsonl")], /reference run has no events/],
      [["--in", file("events.csv")], /events\.csv/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(["monitor", ...args])));
    results.forEach((res, i) => {
      expect(res.code, `${cases[i][0].join(" ")}: ${res.stderr}`).toBe(3);
      expect(errLines(res.stderr)).toHaveLength(1);
      expect(res.stderr).toMatch(cases[i][1]);
    });
  });
});
