// Hand-checkable model fixtures (fixtures/models/README.md gives the arithmetic), and the CLI.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModel } from "../src/scoring/load.js";
import { nativeScorer } from "../src/scoring/native.js";

const FIX = join(import.meta.dirname, "..", "fixtures", "models");
const CLI = join(import.meta.dirname, "..", "bin", "scoutloop.js");

function check(file: string, rows: number[][], float: number[], raw: number[]): void {
  const model = loadModel(join(FIX, file));
  const x = Float32Array.from(rows.flat());
  const f = model.scoreFloat(x, rows.length);
  float.forEach((v, i) => expect(f[i]).toBeCloseTo(v, 6));
  const q = model.quantizeInputs(x, rows.length);
  expect(Array.from(model.scoreFixedRaw(q, rows.length))).toEqual(raw);
  expect(Array.from(nativeScorer(model).scoreFixedRaw(q, rows.length))).toEqual(raw);
}

describe("model fixtures score as computed by hand", () => {
  it("isotree to_json (ndim = 1, `<=` splits)", () => {
    check("isotree-tiny.json", [[0, 0], [0.5, 2], [1, 0], [1, 3]], [-16 / 13, -16 / 13, -11 / 13, -6 / 13], [-20164, -20164, -13863, -7562]);
  });
  it("conifer JSON (`<` splits, norm)", () => {
    check("conifer-tiny.json", [[0.5, -1, 5], [1, 0, -2], [3, 1, 0]], [-0.75, -1.25, -0.75], [-12288, -20480, -12288]);
  });
  it("dense VAE encoder JSON", () => {
    check("vae-tiny.json", [[1, 2], [0.3, 0.7]], [1.25, 0.115625], [20, 1]);
  });
});

describe("CLI train / score / eval", () => {
  const dir = mkdtempSync(join(tmpdir(), "scoutloop-scoring-"));
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: dir });

  it("trains on generated background, scores with --fixed --native, evaluates every signal", () => {
    const out = join(dir, "if.json");
    const train = JSON.parse(execFileSync(process.execPath, [CLI, "train", "--model", "iforest", "--gen-orbits", "1", "--seed", "3", "--trees", "30", "--out", out, "--json"], { encoding: "utf8" }));
    expect(train.events).toBeGreaterThan(1000);
    expect(loadModel(out).id).toBe(train.id);
    const score = JSON.parse(execFileSync(process.execPath, [CLI, "score", "--model", out, "--gen-orbits", "1", "--seed", "4", "--max-events", "500", "--fixed", "--native", "--json", "--out", join(dir, "s.txt")], { encoding: "utf8" }));
    expect(score.events).toBe(500);
    expect(readFileSync(join(dir, "s.txt"), "utf8").trim().split("\n")).toHaveLength(500);
    // The fixed-point budget: the input format's range, saturation per feature, fixed vs float.
    expect(score.budget.inputFormatRange).toEqual([-4096, 4096 - 1 / 32]);
    expect(score.budget.scoreDiff.lsb).toBe(2 ** -14);
    const d = score.budget.scoreDiff;
    expect(d.max).toBeGreaterThan(0); // leaves quantised, inputs quantised (branch flips): never 0 on 500 events
    expect(d.maxLsb).toBeCloseTo(d.max / d.lsb, 6);
    expect(d.mean).toBeLessThanOrEqual(d.p99);
    expect(d.p99).toBeLessThanOrEqual(d.max);
    expect(d.max).toBeLessThan(0.5); // log2-score units: fixed tracks float
    expect(Array.isArray(score.budget.saturation)).toBe(true);
    const ev = JSON.parse(execFileSync(process.execPath, [CLI, "eval", "--model", out, "--gen", "--orbits", "1", "--signal-events", "300", "--fixed", "--json"], { encoding: "utf8" }));
    expect(ev.signals.map((s: { name: string }) => s.name)).toEqual(["Ato4l", "LQ_btau", "h0_tautau", "hplus_taunu"]);
    for (const s of ev.signals) expect(s.auc).toBeGreaterThan(0.5);
    expect(ev.agreement.fraction).toBeGreaterThan(0.99);
  }, 60_000);

  it("usage errors are one line with exit code 2; a bad model file exits 3", () => {
    const r1 = run("eval", "--model", "m.json");
    expect(r1.status).toBe(2);
    expect(r1.stderr.trim().split("\n")).toHaveLength(1);
    const r2 = run("score", "--model", join(FIX, "missing.json"), "--gen-orbits", "1");
    expect(r2.status).toBe(3);
    expect(r2.stderr).toMatch(/cannot read model/);
    const r3 = run("train", "--model", "svm", "--out", "x.json", "--gen-orbits", "1");
    expect(r3.status).toBe(2);
    const r4 = run("score", "--model", join(FIX, "conifer-tiny.json"), "--gen-orbits", "1");
    expect(r4.status).toBe(3);
    expect(r4.stderr).toMatch(/expects 3 features/);
  });
});
