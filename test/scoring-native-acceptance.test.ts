/**
 * TS and native accept exactly the same models (issue 11), and a model with no native or
 * fixed-point scorer is refused by every command in one line with exit code 2 (docs/cli.md).
 *
 * Forests: random trees, valid and with structural faults native could see (a child pointing at
 * the root, itself, an ancestor or a node another parent has; a split on a feature ≥ nFeatures;
 * depth 4095…4098), go through the TS reader and through the native compiler's own check
 * (native.ifCompile on the same node arrays): both must accept or both refuse. (Faults of JSON
 * typing — a string, 1.5, 2^40, a child outside the tree — never reach native: the TS reader
 * refuses them before anything goes into an Int32Array, see scoring-import-strict.test.ts.)
 * Networks: every network TS accepts gets a native scorer with TS's bits, or is refused in one
 * declared line (a TS-only feature) — never a raw error from the C++ side.
 */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { native } from "../src/native.js";
import { trainExtendedIsolationForest } from "../src/scoring/eiforest.js";
import { formatInts, nativeScorer } from "../src/scoring/native.js";
import { parseFixed } from "../src/scoring/fixed.js";
import { seededRandom, type TreeJson } from "../src/scoring/iforest.js";
import { loadModel } from "../src/scoring/load.js";
import { ScorerUnavailableError } from "../src/scoring/model.js";
import { cliSync } from "./helpers/cli.js";

/** A random binary tree of at most `maxNodes` nodes (node 0 the root, children after parents). */
function randomTree(r: () => number, nFeatures: number, maxNodes: number): TreeJson {
  const t: TreeJson = { feature: [-2], threshold: [-2], value: [1], children_left: [-1], children_right: [-1] };
  const open = [0];
  while (open.length && t.feature.length + 2 <= maxNodes) {
    const node = open.splice(Math.floor(r() * open.length), 1)[0];
    if (r() < 0.2 && t.feature.length > 1) continue; // stays a leaf
    const l = t.feature.length, rt = l + 1;
    t.feature[node] = Math.floor(r() * nFeatures); t.threshold[node] = r() * 2 - 1; t.value[node] = 0;
    t.children_left[node] = l; t.children_right[node] = rt;
    for (let k = 0; k < 2; k++) { t.feature.push(-2); t.threshold.push(-2); t.value.push(1 + Math.floor(r() * 8)); t.children_left.push(-1); t.children_right.push(-1); }
    open.push(l, rt);
  }
  return t;
}

/** `depth` splits in a chain (its last leaf at depth `depth`). */
function chain(depth: number): TreeJson {
  const t: TreeJson = { feature: [], threshold: [], value: [], children_left: [], children_right: [] };
  for (let d = 0; d < depth; d++) {
    const node = t.feature.length;
    t.feature.push(0, -2); t.threshold.push(d, -2); t.value.push(0, d);
    t.children_left.push(node + 2, -1); t.children_right.push(node + 1, -1);
  }
  t.feature.push(-2); t.threshold.push(-2); t.value.push(1); t.children_left.push(-1); t.children_right.push(-1);
  return t;
}

/** The native compiler's own check on the node arrays TS would build (leaf: feature < 0 or left < 0). */
function nativeAccepts(trees: TreeJson[], nFeatures: number): boolean {
  const n = trees.reduce((s, t) => s + t.feature.length, 0);
  const root = new Int32Array(trees.length), feature = new Int32Array(n), left = new Int32Array(n), right = new Int32Array(n);
  let o = 0;
  trees.forEach((t, k) => {
    root[k] = o;
    t.feature.forEach((f, i) => {
      const leaf = f < 0 || t.children_left[i] < 0;
      feature[o + i] = leaf ? -1 : f;
      left[o + i] = leaf ? -1 : o + t.children_left[i];
      right[o + i] = leaf ? -1 : t.children_right[i] < 0 ? -1 : o + t.children_right[i];
    });
    o += t.feature.length;
  });
  try {
    native.ifCompile(nFeatures, root, feature, left, right, new Int32Array(n), new Int32Array(n), new Float64Array(n), new Float64Array(n),
      Int32Array.from(formatInts(parseFixed("ap_fixed<18,4,AP_RND_CONV,AP_SAT>"))), true, -0.1, 0, 0, new Float64Array(nFeatures).fill(1), new Float64Array(nFeatures));
    return true;
  } catch {
    return false;
  }
}

function tsAccepts(trees: TreeJson[], nFeatures: number): { ok: boolean; why: string } {
  try {
    const m = loadModel({ format: "scoutloop-model", version: 1, kind: "iforest", nFeatures, trees, sampleSize: 64 });
    nativeScorer(m); // an accepted forest always compiles natively
    return { ok: true, why: "" };
  } catch (err) {
    return { ok: false, why: (err as Error).message };
  }
}

describe("TS and native accept exactly the same models", () => {
  it("forests: 3000 random valid and faulty models, both accept or both refuse", () => {
    const r = seededRandom(2026);
    const tally = { valid: 0, refused: 0 };
    const disagree: string[] = [];
    for (let c = 0; c < 3000; c++) {
      const nFeatures = 1 + Math.floor(r() * 6);
      const trees = Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomTree(r, nFeatures, 3 + Math.floor(r() * 40)));
      const t = trees[Math.floor(r() * trees.length)];
      const n = t.feature.length;
      const i = Math.floor(r() * n);
      const fault = Math.floor(r() * 5);
      if (fault === 1) (r() < 0.5 ? t.children_left : t.children_right)[i] = Math.floor(r() * n); // root, self, ancestor, shared or fine
      else if (fault === 2) t.feature[i] = Math.floor(r() * (nFeatures + 4)) - 2; // -2, -1: a leaf; ≥ nFeatures: refused
      else if (fault === 3) trees[0] = chain(4095 + Math.floor(r() * 4)); // depth 4095 … 4098
      const ts = tsAccepts(trees, nFeatures);
      const nat = nativeAccepts(trees, nFeatures);
      tally[ts.ok ? "valid" : "refused"]++;
      if (ts.ok !== nat) disagree.push(`case ${c} (fault ${fault}): TS ${ts.ok ? "accepts" : `refuses (${ts.why})`}, native ${nat ? "accepts" : "refuses"}`);
    }
    expect(disagree.slice(0, 5), `${disagree.length} of 3000 disagree`).toEqual([]);
    // Both outcomes were exercised often (the generator is not all-valid or all-broken).
    expect(tally.valid).toBeGreaterThan(600);
    expect(tally.refused).toBeGreaterThan(400);
  }, 120_000);

  it("networks: every accepted network scores natively with TS's bits or is refused in one declared line", () => {
    const r = seededRandom(7);
    const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)];
    const formats = ["ap_fixed<8,3>", "ap_fixed<16,6,AP_RND,AP_SAT>", "ap_fixed<12,4,AP_RND_CONV,AP_SAT>", "ap_ufixed<10,4,AP_TRN,AP_SAT>", "ap_fixed<24,12>", "ap_fixed<32,16>"];
    const accums = ["ap_fixed<24,12>", "ap_fixed<32,16,AP_RND,AP_SAT>", "ap_fixed<40,20>", "ap_fixed<48,24>"];
    const seen = { native: 0, declared: 0, tsRefused: 0 };
    const wrong: string[] = [];
    for (let c = 0; c < 600; c++) {
      const d = 1 + Math.floor(r() * 5);
      let width = d;
      const layers = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
        const nOut = 1 + Math.floor(r() * 5), nIn = width;
        width = nOut;
        const activation = pick(["linear", "relu", "leaky_relu", "sigmoid", "tanh"] as const);
        return {
          nIn, nOut, activation, weights: Array.from({ length: nIn * nOut }, () => Math.round((r() * 4 - 2) * 64) / 64), bias: Array.from({ length: nOut }, () => Math.round((r() - 0.5) * 32) / 32),
          weightFormat: pick(formats), accumFormat: pick(accums), resultFormat: r() < 0.05 ? "ap_fixed<40,20>" : pick(formats),
          ...(activation === "leaky_relu" ? { alpha: 0.25, alphaFormat: "ap_fixed<8,1>" } : {}),
          ...(r() < 0.15 ? { activationFormat: pick(formats) } : {}),
          ...(r() < 0.2 && nIn * nOut > 1 ? { reuseFactor: 2 } : {}),
        };
      });
      const json = { format: "scoutloop-model", version: 1, kind: "vae", nFeatures: d, inputFormat: pick(formats), outputFormat: pick(formats), layers };
      let model;
      try {
        model = loadModel(json);
      } catch {
        seen.tsRefused++; // too wide for its raw storage or its loss terms (checked by the TS reader)
        continue;
      }
      let nat;
      try {
        nat = nativeScorer(model);
      } catch (err) {
        if (err instanceof ScorerUnavailableError && /^no native scorer for layer \d+: /.test(err.message) && !err.message.includes("\n")) seen.declared++;
        else wrong.push(`case ${c}: TS accepts, native threw ${(err as Error).name}: ${(err as Error).message}`);
        continue;
      }
      seen.native++;
      const x = Float32Array.from({ length: 50 * d }, () => (r() * 2 - 1) * 8);
      const q = model.quantizeInputs(x, 50);
      if (Array.from(nat.scoreFixedRaw(q, 50)).join() !== Array.from(model.scoreFixedRaw(q, 50)).join()) wrong.push(`case ${c}: native bits differ from TS`);
    }
    expect(wrong.slice(0, 5), `${wrong.length} wrong`).toEqual([]);
    process.stdout.write(`networks: ${JSON.stringify(seen)}\n`);
    expect(seen.native).toBeGreaterThan(60);
    expect(seen.declared).toBeGreaterThan(60);
  }, 120_000);
});

describe("a float-only model (eif) is refused in one line, exit 2, by every command that needs fixed point", () => {
  it("run, compare, board serve, worker, score/eval --native/--fixed, rtl export — none starts, none hangs", () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-eif-native-"));
    const file = join(dir, "eif.json");
    const x = Float32Array.from({ length: 57 * 300 }, (_, i) => Math.sin(i));
    writeFileSync(file, JSON.stringify(trainExtendedIsolationForest(x, 300, 57, { nTrees: 3, sampleSize: 32, seed: 1 }).toJSON()));
    const cases: string[][] = [
      ["run", "--model", file, "--orbits", "1"],
      ["run", "--model", file, "--software", "native", "--orbits", "1"],
      ["run", "--model", file, "--software", "native", "--orbit-workers", "1", "--orbits", "1"],
      ["run", "--model", file, "--workers", "1", "--orbits", "1"],
      ["compare", "--model", file, "--a", "software", "--b", "native", "--orbits", "1"],
      ["compare", "--model", file, "--a", "float", "--b", "emulator", "--orbits", "1"],
      ["board", "serve", "--model", file, "--profile", "emulator-zmq"],
      ["worker", "--model", file, "--connect", "tcp://127.0.0.1:9"],
      ["score", "--model", file, "--native", "--gen-orbits", "1"],
      ["score", "--model", file, "--fixed", "--gen-orbits", "1"],
      ["eval", "--model", file, "--native", "--gen", "--orbits", "1"],
      ["rtl", "export", "--model", file, "--out", join(dir, "rtl")],
    ];
    const wrong: string[] = [];
    for (const args of cases) {
      const res = cliSync(args, { timeoutMs: 30_000 });
      const lines = res.stderr.trim().split("\n");
      if (res.code !== 2 || lines.length !== 1 || !/float-only/.test(lines[0])) wrong.push(`${args.slice(0, 2).join(" ")} … → exit ${res.code}: ${res.stderr.trim()}`);
    }
    expect(wrong).toEqual([]);
  }, 300_000);

  it("a worker that cannot load its model ends (the pool rejects, the process exits) instead of keeping the run alive", () => {
    // A GMM has no native scorer: each whole-orbit worker refuses it. Run in a child process so a
    // leftover worker thread would show as a hang (the child is killed after 30 s: exit -1).
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-pool-"));
    const script = join(dir, "pool.mjs");
    writeFileSync(script, `
      import { orbitWorkerPool } from ${JSON.stringify(join(import.meta.dirname, "..", "dist", "src", "bus", "orbitWorkers", "pool.js"))};
      import { trainGmm } from ${JSON.stringify(join(import.meta.dirname, "..", "dist", "src", "scoring", "gmm.js"))};
      const x = Float32Array.from({ length: 57 * 100 }, (_, i) => Math.sin(i));
      const gmm = trainGmm(x, 100, 57, { components: 1, seed: 1 });
      orbitWorkerPool(gmm, { workers: 1 }).then(() => console.log("started"), (err) => console.log("refused: " + err.message));
    `);
    const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
    const res = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 30_000 });
    expect(res.stdout.trim()).toMatch(/^refused: orbit worker could not load the model: no native scorer for model kind "gmm"/);
    expect(res.status).toBe(0);
  }, 60_000);
});
