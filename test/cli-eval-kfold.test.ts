import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliSync } from "./helpers/cli.js";
import { PACKAGE_ROOT } from "../src/native.js";
import { SIGNALS } from "../src/trigger/index.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-kfold-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe("scoutloop eval --kfold", () => {
  it("puts the given model beside retrained ones, AUC mean ± std per signal over k folds", () => {
    const model = join(dir, "if.json");
    expect(cliSync(["train", "--model", "iforest", "--gen-orbits", "1", "--out", model]).code).toBe(0);
    const res = cliSync(["eval", "--model", model, "--gen", "--orbits", "1", "--signal-events", "300", "--kfold", "3", "--kfold-models", "IF,GMM", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    // The plain evaluation is still there, and the k-fold table beside it.
    expect(out.kfold.k).toBe(3);
    const models = [...new Set(out.kfold.rows.map((r: { model: string }) => r.model))];
    expect(models).toEqual(["iforest:if.json", "IF", "GMM"]);
    expect(out.kfold.rows).toHaveLength(3 * SIGNALS.length);
    for (const row of out.kfold.rows) {
      expect(row.aucs).toHaveLength(3);
      const mean = row.aucs.reduce((a: number, b: number) => a + b, 0) / 3;
      expect(row.mean).toBeCloseTo(mean, 12);
      expect(row.std).toBeGreaterThan(0); // folds differ, so the spread is real
      expect(row.mean).toBeGreaterThan(0.5); // every model separates every generated signal somewhat
    }
  });

  it("names an unknown trainable model in one line with exit code 2", () => {
    const res = cliSync(["eval", "--model", join(PACKAGE_ROOT, "fixtures/models/conifer-tiny.json"), "--gen", "--kfold", "2", "--kfold-models", "XGB"]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split("\n").filter((l) => !l.startsWith("npm warn"))).toHaveLength(1);
    expect(res.stderr).toMatch(/--kfold-models: no trainer for model "XGB"/);
  });
});
