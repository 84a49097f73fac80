import { describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";

describe("scoutloop pad", () => {
  it("fits λ̂ per injected λ for FBM and PAD, AUC above chance with signal", async () => {
    const r = await cli(["pad", "--orbits", "1", "--data-events", "800", "--lambdas", "0,0.1", "--k-background", "4", "--k-signal", "1", "--json"], { timeoutMs: 110_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rows.map((x: { method: string; injected: number }) => `${x.method}@${x.injected}`)).toEqual(["FBM@0", "PAD@0", "FBM@0.1", "PAD@0.1"]);
    const pad = out.rows[3];
    expect(pad.signalEvents).toBe(80);
    expect(pad.lambda).toBeGreaterThan(0.03);
    expect(pad.auc).toBeGreaterThan(0.8);
  }, 120_000);
  for (const args of [["--lambdas", "0,1.5"], ["--k-signal", "0"], ["--signal", "nope"]]) {
    it(`usage error ${JSON.stringify(args)}: one line, exit 2`, async () => {
      const r = await cli(["pad", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    });
  }
});
