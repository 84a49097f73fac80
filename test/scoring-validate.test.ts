/**
 * Bounded, strict model files (issue 11): every field checked with its JSON path, no coercion,
 * every count bounded before anything is allocated, files bounded in bytes before they are read,
 * and the TS reference and the native scorer accept exactly the same trees.
 */
import { describe, expect, it } from "vitest";
import { closeSync, mkdtempSync, openSync, writeFileSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IsolationForestModel, iforestFromJSON, loadModel, nativeScorer, MODEL_LIMITS, ModelFileError, type TreeJson } from "../src/scoring/index.js";
import { cliSync } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-validate-"));

/** A one-split forest in our iforest JSON. */
function forestJson(over: Record<string, unknown> = {}): Record<string, unknown> {
  const tree: TreeJson = { feature: [0, -2, -2], threshold: [0.5, -2, -2], children_left: [1, -1, -1], children_right: [2, -1, -1], value: [0, 1, 2] };
  return { format: "scoutloop-model", version: 1, kind: "iforest", nFeatures: 57, trees: [tree], sampleSize: 256, ...over };
}

/** A chain of `depth` splits (depth levels below the root), conifer layout. */
function chainTree(depth: number): TreeJson {
  const t: TreeJson = { feature: [], threshold: [], children_left: [], children_right: [], value: [] };
  for (let d = 0; d < depth; d++) {
    const node = t.feature.length;
    t.feature.push(0, -2); t.threshold.push(d, -2); t.value.push(0, d);
    t.children_left.push(node + 1, -1); t.children_right.push(node + 2, -1);
  }
  t.feature.push(-2); t.threshold.push(-2); t.value.push(1); t.children_left.push(-1); t.children_right.push(-1);
  return t;
}

describe("model JSON is read strictly", () => {
  it.each([
    [{ initPredict: "x" }, /iforest\.initPredict: expected a finite number, got "x"/],
    [{ norm: null }, /iforest\.norm: expected a finite number, got null/],
    [{ version: 2 }, /iforest\.version: expected an integer in \[1, 1\], got 2/],
    [{ format: "other" }, /iforest\.format: expected one of "scoutloop-model"/],
    [{ nFeatures: 10_000_000 }, /iforest\.nFeatures: expected an integer in \[1, 4096\]/],
    [{ nFeatures: "57" }, /iforest\.nFeatures: expected an integer/],
    [{ sampleSize: 2.5 }, /iforest\.sampleSize/],
    [{ initPredicts: 0 }, /iforest\.initPredicts: unknown field/],
    [{ splitting: "<<" }, /iforest\.splitting: expected one of/],
  ])("refuses %j with its path", (over, message) => {
    expect(() => iforestFromJSON(forestJson(over))).toThrow(message);
  });

  it("refuses a feature index that would wrap in an Int32Array (2^40 → 0), and a child index that is not an integer", () => {
    const json = forestJson();
    (json.trees as TreeJson[])[0]!.feature[0] = 2 ** 40;
    expect(() => iforestFromJSON(json)).toThrow(/trees\[0\]\.feature\[0\]: expected an integer feature index/);
    const json2 = forestJson();
    (json2.trees as TreeJson[])[0]!.children_left[0] = 1.5;
    expect(() => iforestFromJSON(json2)).toThrow(/children_left\[0\]/);
  });

  it("nFeatures of 10^7 costs nothing before it is refused", () => {
    const before = process.memoryUsage().rss;
    for (let k = 0; k < 5; k++) expect(() => loadModel(forestJson({ nFeatures: 10_000_000 }))).toThrow(ModelFileError);
    expect(process.memoryUsage().rss - before).toBeLessThan(50 * 1024 * 1024);
  });

  it("TS and native accept exactly the same trees: depth 4096 both, depth 4097 neither", () => {
    const at = (depth: number) => forestJson({ nFeatures: 1, normalisation: { scale: [1], offset: [0] }, trees: [chainTree(depth)] });
    const ok = iforestFromJSON(at(MODEL_LIMITS.depth));
    expect(ok).toBeInstanceOf(IsolationForestModel);
    expect(() => nativeScorer(ok)).not.toThrow();
    expect(() => iforestFromJSON(at(MODEL_LIMITS.depth + 1))).toThrow(/iforest\.trees\[0\]\.children_left\[\d+\]: node \d+ is at depth 4097, deeper than the 4096-level limit/);
  });

  it("a model file larger than the byte bound is refused before it is read, in one line with exit code 3", () => {
    const big = join(dir, "big.json");
    const fd = openSync(big, "w");
    ftruncateSync(fd, MODEL_LIMITS.bytes + 1); // sparse: costs no disk and, read, would cost the heap
    closeSync(fd);
    const t0 = performance.now();
    expect(() => loadModel(big)).toThrow(/larger than the 67108864-byte limit/);
    expect(performance.now() - t0).toBeLessThan(1000);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify(forestJson({ initPredict: "x" })));
    for (const [file, message] of [[big, /big\.json: \d+ bytes, larger than/], [bad, /iforest\.initPredict/]] as const) {
      const r = cliSync(["score", "--model", file, "--gen-orbits", "1"]);
      expect(r.code).toBe(3);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);
});

describe("dense network JSON read strictly (issue 11)", () => {
  it("each mutation → the exact one-line error with its JSON path, no coercion; the CLI exits 3", async () => {
    const { trainAutoencoder } = await import("../src/scoring/nn-train.js");
    const d = 4, n = 64;
    const x = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i));
    const good = trainAutoencoder(x, n, d, { hidden: [3], epochs: 1, batchSize: 16, seed: 1 }).toJSON() as Record<string, any>;
    const layer = (k: number, patch: object) => ({ ...good, layers: good.layers.map((l: object, i: number) => (i === k ? { ...l, ...patch } : l)) });
    const l0 = good.layers[0];
    const cases: Array<[unknown, string]> = [
      [{ ...good, extra: 1 }, "network.extra: unknown field"],
      [{ ...good, layers: [] }, "network.layers: 0 entries, at least 1 needed"],
      [{ ...good, layers: "x" }, 'network.layers: expected an array, got "x"'],
      [layer(0, { bogus: 1 }), "network.layers[0].bogus: unknown field"],
      [layer(0, { nIn: "4" }), 'network.layers[0].nIn: expected an integer in [1, 4096], got "4"'],
      [layer(0, { nOut: 10_000_000 }), "network.layers[0].nOut: expected an integer in [1, 4096], got 10000000"],
      [layer(0, { weights: l0.weights.slice(1) }), `network.layers[0].weights: expected ${l0.nIn * l0.nOut} entries, got ${l0.nIn * l0.nOut - 1}`],
      [layer(0, { weights: [null, ...l0.weights.slice(1)] }), "network.layers[0].weights[0]: expected a finite number, got null"],
      [layer(0, { bias: l0.bias.map((_: number, i: number) => (i === 1 ? "0.5" : 0)) }), 'network.layers[0].bias[1]: expected a finite number, got "0.5"'],
      [layer(0, { activation: "swish" }), 'network.layers[0].activation: expected one of "linear", "relu", "leaky_relu", "sigmoid", "tanh", got "swish"'],
      [layer(0, { weightFormat: 16 }), "network.layers[0].weightFormat: expected a string, got 16"],
      [layer(0, { weightRounding: "nearest" }), 'network.layers[0].weightRounding: expected one of "float", "hls4ml", got "nearest"'],
      [layer(0, { reuseFactor: 1.5 }), `network.layers[0].reuseFactor: expected an integer in [1, ${l0.nIn * l0.nOut}], got 1.5`],
      [layer(0, { tableSize: null }), "network.layers[0].tableSize: expected an integer in [2, 1048576], got null"],
      [{ ...good, version: 7 }, "network.version: expected an integer in [1, 1], got 7"],
    ];
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    for (const [json, msg] of cases) expect(() => loadModel(json)).toThrow(new RegExp(`^invalid model model: ${esc(msg)}$`));
    expect(() => loadModel(good)).not.toThrow();
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-net-"));
    const file = join(dir, "net.json");
    writeFileSync(file, JSON.stringify(layer(0, { activation: "swish" })));
    const r = cliSync(["score", "--model", file, "--gen-orbits", "1"]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe(`scoutloop: invalid model ${file}: network.layers[0].activation: expected one of "linear", "relu", "leaky_relu", "sigmoid", "tanh", got "swish"`);
  }, 60_000);
});
