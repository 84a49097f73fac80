/**
 * `scoutloop inject` end to end: background and a mixed signal file written by `scoutloop gen`,
 * the per-fraction table read back from `--json` (event counts that add up, more signal past the
 * cut as the fraction grows, statistics that grow with it), the HTML page with its plots, and
 * one-line errors for bad calls and bad files.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";
import type { InjectResult } from "../src/study/inject.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-cli-inject-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string) => join(dir, name);
const errLines = (stderr: string) => stderr.trim().split("\n").filter((l) => l && !l.startsWith("npm warn"));
const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

let bkgEvents = 0;
let sigLabels = 0;
let sigEvents = 0;

beforeAll(async () => {
  const [bkg, sig, model] = await Promise.all([
    cli(["gen", "--orbits", "2", "--seed", "5", "--out", file("bkg.h5"), "--json"]),
    // 30 % signal: inject must take only the signal-labelled events, from every orbit of the file.
    cli(["gen", "--orbits", "2", "--seed", "6", "--signal", "Ato4l", "--inject-fraction", "0.3", "--out", file("sig.jsonl"), "--json"]),
    cli(["train", "--model", "iforest", "--gen-orbits", "1", "--out", file("if.json")]),
  ]);
  for (const r of [bkg, sig, model]) expect(r.code, r.stderr).toBe(0);
  bkgEvents = JSON.parse(bkg.stdout).events;
  const s = JSON.parse(sig.stdout);
  sigEvents = s.events;
  sigLabels = s.labels.Ato4l;
  expect(sigLabels).toBeGreaterThan(0);
  expect(sigLabels).toBeLessThan(sigEvents);
}, 120_000);

describe("scoutloop inject on generated files", () => {
  const fractions = [0, 0.01, 0.05, 0.2];
  let r: InjectResult;
  let html = "";

  beforeAll(async () => {
    const res = await cli([
      "inject", "--model", file("if.json"), "--bkg", file("bkg.h5"), "--sig", file("sig.jsonl"), "--fractions", fractions.join(","),
      "--cut", "0.02", "--variable", "M_inv", "--out", file("run"), "--html", file("inject.html"), "--json",
    ]);
    expect(res.code, res.stderr).toBe(0);
    r = JSON.parse(res.stdout);
    html = readFileSync(file("inject.html"), "utf8");
  }, 120_000);

  it("counts add up: reference + data halves, injected = f × data background, one row per fraction", () => {
    expect(r.rows.map((x) => x.fraction)).toEqual(fractions);
    const dataBkg = r.rows[0].dataEvents;
    expect(r.reference.events + dataBkg).toBe(bkgEvents);
    expect(Math.abs(r.reference.events - dataBkg)).toBeLessThanOrEqual(1);
    for (const row of r.rows) {
      expect(row.injected).toBe(Math.round(row.fraction * dataBkg));
      expect(row.dataEvents).toBe(dataBkg + row.injected);
      expect(sum(row.scoreCounts)).toBe(row.dataEvents); // the score binning spans every sample
      expect(sum(row.variableCounts)).toBeLessThanOrEqual(row.selected);
      expect(row.selectedSignal).toBeLessThanOrEqual(Math.min(row.selected, row.injected));
      for (const p of [row.scoreKsP, row.variableKsP, row.sculptKsP]) expect(p).toBeGreaterThanOrEqual(0), expect(p).toBeLessThanOrEqual(1);
      for (const d of [row.scoreKs, row.variableKs, row.sculptKs]) expect(d).toBeGreaterThan(0), expect(d).toBeLessThanOrEqual(1);
    }
    // The same background events are in every row: only signal changes the selected count.
    for (const row of r.rows) expect(row.selected - row.selectedSignal).toBe(r.rows[0].selected);
    expect(r.scoreEdges).toHaveLength(r.rows[0].scoreCounts.length + 1);
    expect(r.variableEdges).toHaveLength(r.rows[0].variableCounts.length + 1);
  });

  it("the cut is set on the reference at the asked pass fraction", () => {
    expect(r.cutFpr).toBe(0.02);
    expect(r.reference.selected / r.reference.events).toBeGreaterThanOrEqual(0.02);
    expect(r.reference.selected / r.reference.events).toBeLessThan(0.04); // ties of fixed-point scores add a little
    expect(sum(r.reference.variableCountsBeforeCut)).toBeGreaterThan(sum(r.reference.variableCounts));
    expect(r.rows[0].selectedSignal).toBe(0);
  });

  it("more signal passes the cut and the score distribution moves further as the fraction grows", () => {
    for (let i = 1; i < r.rows.length; i++) {
      expect(r.rows[i].selectedSignal).toBeGreaterThanOrEqual(r.rows[i - 1].selectedSignal);
      expect(r.rows[i].scoreMeanShift).toBeGreaterThan(r.rows[i - 1].scoreMeanShift);
    }
    const [first, last] = [r.rows[0], r.rows[r.rows.length - 1]];
    expect(last.selectedSignal).toBeGreaterThan(first.selectedSignal + 5);
    expect(last.scoreKs).toBeGreaterThan(2 * first.scoreKs);
    expect(last.scoreLr).toBeGreaterThan(first.scoreLr);
    expect(last.scoreKsP).toBeLessThan(1e-3);
  });

  it("the signal file gave only its signal-labelled events", async () => {
    // Asking for more signal than the file labels as signal names the labelled count, not the file's.
    const res = await cli(["inject", "--model", file("if.json"), "--bkg", file("bkg.h5"), "--sig", file("sig.jsonl"), "--fractions", "0.9"]);
    expect(res.code).toBe(1);
    expect(errLines(res.stderr)).toHaveLength(1);
    expect(res.stderr).toContain(`the signal sample has ${sigLabels}`);
    const human = await cli(["inject", "--model", file("if.json"), "--bkg", file("bkg.h5"), "--sig", file("sig.jsonl"), "--fractions", "0,0.01"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`signal: ${file("sig.jsonl")}, ${sigLabels} of ${sigEvents} events kept by truth label (signal)`);
    expect(human.stdout).toMatch(/reference sculpting by the cut alone: KS [\d.]+/);
    expect(human.stdout.trim().split("\n").filter((l) => /^\s+0(\.01)?\s+\d+\s+\d+/.test(l))).toHaveLength(2);
  });

  it("writes inject.json for the report and an HTML page with the score and sculpting plots", async () => {
    expect(JSON.parse(readFileSync(file("run/inject.json"), "utf8"))).toMatchObject({ format: "scoutloop-inject/1", threshold: r.threshold });
    for (const kind of ["inject-scores", "inject-sculpting"]) {
      const plot = html.match(new RegExp(`<(svg|figure)[^>]*data-plot="${kind}"[\\s\\S]*?</\\1>`))?.[0] ?? "";
      expect(plot, kind).toMatch(/<svg[\s\S]*<path\b/);
    }
    const rows = html.match(/<table [^>]*data-table="inject"[\s\S]*?<\/table>/)?.[0].match(/<tr>/g) ?? [];
    expect(rows).toHaveLength(fractions.length + 1);
    expect(html).toContain("reference before cut");
  });

  it("a variable the model looks at is sculpted by the cut (HT, float scores)", async () => {
    const res = await cli(["inject", "--model", file("if.json"), "--bkg", file("bkg.h5"), "--sig", file("sig.jsonl"), "--fractions", "0", "--variable", "HT", "--precision", "float", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const h: InjectResult = JSON.parse(res.stdout);
    expect(h.variable).toBe("HT");
    expect(h.precision).toBe("float");
    // Anomalous-looking events are the hard ones: passing events have a different HT spectrum.
    expect(h.reference.sculptKsP).toBeLessThan(1e-6);
    expect(h.rows[0].sculptKsP).toBeLessThan(1e-6);
  });
});

describe("scoutloop inject errors", () => {
  it.each([
    [["--fractions", "0,2"], /--fractions: expected comma-separated numbers in \[0, 1\]/],
    [["--fractions", "0,,0.1"], /--fractions/],
    [["--variable", "pT"], /--variable/],
    [["--cut", "0"], /--cut/],
    [["--precision", "double"], /--precision/],
    [["--signal", "Zprime"], /--signal/],
    [["--bins", "1"], /--bins/],
  ])("usage error %j: one line, exit 2", async (args, message) => {
    const res = await cli(["inject", ...args]);
    expect(res.code).toBe(2);
    expect(errLines(res.stderr)).toHaveLength(1);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe("");
  });

  it("bad input files: one line, exit 3", async () => {
    writeFileSync(file("junk.h5"), Buffer.alloc(4096, 0x33));
    writeFileSync(file("junk.json"), "{ not json");
    writeFileSync(file("other.json"), JSON.stringify({ kind: "xgboost" }));
    writeFileSync(file("empty.jsonl"), "");
    const cases: Array<[string[], RegExp]> = [
      [["--bkg", file("missing.h5")], /missing\.h5/],
      [["--sig", file("junk.h5")], /junk\.h5: not an HDF5 file/],
      [["--model", file("junk.json")], /junk\.json/],
      [["--model", file("other.json")], /invalid model .*other\.json: unknown model kind "xgboost"/],
      [["--bkg", file("empty.jsonl")], /no events/],
    ];
    // A given model, so the runs that fail on events do not first train the default one.
    const withModel = (args: string[]) => (args[0] === "--model" ? args : [...args, "--model", file("if.json")]);
    const results = await Promise.all(cases.map(([args]) => cli(["inject", ...withModel(args), "--fractions", "0"])));
    results.forEach((res, i) => {
      expect(res.code, `${cases[i][0].join(" ")}: ${res.stderr}`).toBe(3);
      expect(errLines(res.stderr)).toHaveLength(1);
      expect(res.stderr).toMatch(cases[i][1]);
    });
  });
});
