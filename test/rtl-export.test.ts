// `scoutloop rtl export` end to end: the exported directory compiles and runs under Icarus Verilog
// (`iverilog -g2012 -o sim *.v && vvp -n sim`, exactly as a user types it) and reproduces the
// software model's predictions; with --stuck-bit the testbench names exactly the events a faulted
// copy of the software model changes. Usage errors exit 2.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadModel, trainIsolationForest } from "../src/scoring/index.js";
import { generatedVectors } from "../src/rtl/export.js";
import { modelWithStuckBit, parseStuckBit } from "../src/rtl/faults.js";
import { cliSync } from "./helpers/cli.js";
import { peerIt } from "./helpers/peers.js";
import { execFileAsync, generatedEvents, mismatches } from "./helpers/rtlCore.js";

const work = mkdtempSync(join(tmpdir(), "scoutloop-rtl-export-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const train = generatedEvents(3, 1500);
const forest = trainIsolationForest(train.features, train.n, train.nFeatures, { seed: 9, nTrees: 6, sampleSize: 32 });
const modelPath = join(work, "forest.json");
writeFileSync(modelPath, JSON.stringify(forest.toJSON()));

const readInts = (path: string): number[] => readFileSync(path, "utf8").trim().split("\n").map((l) => Number(l.trim()));

async function icarus(dir: string): Promise<string> {
  const { stdout } = await execFileAsync("sh", ["-c", "iverilog -g2012 -o sim *.v && vvp -n sim"], { cwd: dir, timeout: 120_000 });
  return stdout;
}

describe("rtl export", () => {
  const it2 = peerIt("iverilog");

  it2("writes a directory Icarus runs as is, reproducing the predictions exactly", async () => {
    const dir = join(work, "clean");
    const res = cliSync(["rtl", "export", "--model", modelPath, "--out", dir, "--vectors", "400", "--seed", "4", "--json"]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.files).toEqual(["scorer.v", "core.json", "tb.v", "tb_input_features.dat", "tb_output_predictions.dat", "shell.v"]);
    expect(readFileSync(join(dir, "shell.v"), "utf8")).toMatch(/module scoutloop_board/);
    expect(JSON.parse(readFileSync(join(dir, "core.json"), "utf8"))).toMatchObject({ top: "scoutloop_scorer", modelId: forest.id, latency: out.manifest.latency });
    // The vector files hold what the library computes: generated events, the model's raw bits.
    const raw = generatedVectors(forest, 400, 4);
    const rows = readFileSync(join(dir, "tb_input_features.dat"), "utf8").trim().split("\n");
    expect(rows).toHaveLength(400);
    expect(rows[0].trim().split(" ").map(Number)).toEqual(Array.from(raw.subarray(0, 57)));
    const predicted = readInts(join(dir, "tb_output_predictions.dat"));
    expect(predicted).toEqual(Array.from(forest.scoreFixedRaw(raw, 400)));
    const stdout = await icarus(dir);
    expect(stdout).toContain("PASS: 400 events");
    expect(readInts(join(dir, "rtl_output.dat"))).toEqual(predicted);
    expect(readFileSync(join(dir, "rtl_output.dat"), "utf8")).toBe(readFileSync(join(dir, "tb_output_predictions.dat"), "utf8"));
  }, 240_000);

  it2("with --stuck-bit the testbench names exactly the events the faulted software copy changes", async () => {
    const dir = join(work, "fault");
    const raw = generatedVectors(forest, 600, 1);
    const clean = forest.scoreFixedRaw(raw, 600);
    // The root of tree 0, the highest bit whose flip changes some of these events (found in TS).
    let spec = "", faulty = clean, expected: number[] = [];
    for (let bit = 16; bit >= 0 && expected.length === 0; bit--) {
      const set = (forest.cut[forest.spec.forest.root[0]] >> bit) & 1;
      spec = `threshold:0:0:${bit}=${1 - set}`;
      faulty = modelWithStuckBit(loadModel(modelPath), parseStuckBit(spec)).scoreFixedRaw(raw, 600);
      expected = mismatches(faulty, clean);
    }
    expect(expected.length).toBeGreaterThan(0);
    const res = cliSync(["rtl", "export", "--model", modelPath, "--out", dir, "--vectors", "600", "--stuck-bit", spec]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`FAULT: stuck bit ${spec}`);
    const stdout = await icarus(dir);
    const named = [...stdout.matchAll(/MISMATCH event (\d+)/g)].map((m) => Number(m[1]));
    expect(named).toEqual(expected.slice(0, 20));
    expect(stdout).toContain(`FAIL: ${expected.length} of 600 events differ, 0 tags out of order`);
    expect(readInts(join(dir, "rtl_output.dat"))).toEqual(Array.from(faulty));
  }, 240_000);

  it("usage mistakes exit 2 with one line; --help has the defaults and an example", () => {
    const help = cliSync(["rtl", "export", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("(default: 1000)");
    expect(help.stdout).toContain("Example:");
    const noOut = cliSync(["rtl", "export", "--model", modelPath]);
    expect(noOut.code).toBe(2);
    const badFault = cliSync(["rtl", "export", "--model", modelPath, "--out", join(work, "x"), "--stuck-bit", "threshold:1"]);
    expect(badFault.code).toBe(2);
    expect(badFault.stderr).toMatch(/bad stuck-bit fault/);
    const notSplit = cliSync(["rtl", "export", "--model", modelPath, "--out", join(work, "y"), "--stuck-bit", "threshold:0:999:1=1"]);
    expect(notSplit.code).toBe(2);
    expect(notSplit.stderr.trim().split("\n")).toHaveLength(1);
    const missing = cliSync(["rtl", "export", "--model", join(work, "nope.json"), "--out", join(work, "z")]);
    expect(missing.code).toBe(3); // a missing input file, as in every command (docs/cli.md)
    const group = cliSync(["rtl", "--help"]);
    expect(group.stdout).toContain("export");
  });
});
