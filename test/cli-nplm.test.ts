import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";

describe("scoutloop nplm", () => {
  it("detects an injected Ato4l fraction in the anomaly scores and writes nplm.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-nplm-"));
    const r = await cli(["nplm", "--on", "scores", "--signal", "Ato4l", "--inject-fraction", "0.05", "--ref-events", "3000", "--data-events", "600", "--m", "30", "--toys", "10", "--json", "--out", dir], { timeoutMs: 110_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.format).toBe("scoutloop-nplm/1");
    expect(out.null.t).toHaveLength(10);
    expect(out.columns).toHaveLength(1);
    expect(out.chi2.z).toBeGreaterThan(3);
    expect(JSON.parse(readFileSync(join(dir, "nplm.json"), "utf8")).t).toBeCloseTo(out.t, 9);
  }, 120_000);

  it("--scan prints Z per injected fraction, growing with the fraction", async () => {
    const r = await cli(["nplm", "--scan", "0,0.1", "--on", "scores", "--ref-events", "3000", "--data-events", "500", "--m", "30", "--toys", "8", "--toys-per-fraction", "3", "--json"], { timeoutMs: 110_000 });
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout).injection.rows;
    expect(rows.map((x: { fraction: number }) => x.fraction)).toEqual([0, 0.1]);
    expect(rows[1].signalEvents).toBe(50);
    expect(rows[1].chi2.z).toBeGreaterThan(rows[0].chi2.z + 2);
  }, 120_000);

  it("--layout rmm runs on the rapidity–mass matrix of the L1 objects", async () => {
    const r = await cli(["nplm", "--layout", "rmm", "--rmm-n", "2", "--ref-events", "1200", "--data-events", "300", "--m", "20", "--toys", "4", "--json"], { timeoutMs: 110_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.columns).toHaveLength(81); // (1 + 4·2)²
    expect(out.columns[0]).toBe("rmm_met_met");
    expect(out.null.t).toHaveLength(4);
  }, 120_000);

  for (const args of [["--layout", "rmm", "--on", "scores"], ["--data-events", "600", "--ref-events", "1000"], ["--model", "m.json"], ["--scan", "0,2"], ["--on", "pixels"], ["--m", "0"]]) {
    it(`usage error ${JSON.stringify(args)}: one line, exit 2`, async () => {
      const r = await cli(["nplm", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    });
  }
});
