import { describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";

describe("scoutloop gp", () => {
  it("prints the injection table: extracted mass near the injected one, yield growing with R", async () => {
    const r = await cli(["gp", "--bins", "20", "--events", "20000", "--inject", "0,1000", "--toys", "1", "--json"], { timeoutMs: 110_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.format).toBe("scoutloop-gp/1");
    expect(out.rows).toHaveLength(2);
    expect(Math.abs(out.rows[1].mass.median - 2)).toBeLessThan(0.1);
    expect(out.rows[1].yield.median).toBeGreaterThan(out.rows[0].yield.median + 400);
  }, 120_000);
  for (const args of [["--mass", "5"], ["--inject", "1,,2"], ["--lo", "3", "--hi", "2"], ["--bins", "2"]]) {
    it(`usage error ${JSON.stringify(args)}: one line, exit 2`, async () => {
      const r = await cli(["gp", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    });
  }
});
