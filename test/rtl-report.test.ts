// `scoutloop rtl report`: yosys synthesises generated cores (generic synth and synth_xilinx) and
// the counts are plausible against what the generator knows it built: at least one flip-flop per
// tag and valid bit of every stage, comparators/multipliers mapped to LUTs/DSPs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect } from "vitest";
import { denseLayer, identityNormalisation, DenseNetModel, parseFixed, seededRandom, trainIsolationForest } from "../src/scoring/index.js";
import { exportRtl, generatedVectors } from "../src/rtl/export.js";
import { reportCore } from "../src/rtl/report.js";
import { cliSync } from "./helpers/cli.js";
import { peerIt } from "./helpers/peers.js";
import { generatedEvents } from "./helpers/rtlCore.js";

const work = mkdtempSync(join(tmpdir(), "scoutloop-rtl-report-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const it = peerIt("yosys");

describe("rtl report (yosys)", () => {
  it("synthesises an isolation-forest core: generic cells and flip-flops, Xilinx LUTs and FFs", async () => {
    const ev = generatedEvents(5, 800);
    const forest = trainIsolationForest(ev.features, ev.n, ev.nFeatures, { seed: 2, nTrees: 4, sampleSize: 16 });
    const dir = join(work, "forest");
    const { manifest } = exportRtl(forest, dir, { raw: generatedVectors(forest, 10), n: 10 });
    const r = await reportCore(dir);
    expect(r.manifest.latency).toBe(manifest.latency);
    expect(r.generic!.cells).toBeGreaterThan(0);
    // Tags (48 bits) and valid bits of every stage are real registers, plus the score register.
    expect(r.generic!.flipFlops).toBeGreaterThanOrEqual(49 * manifest.latency + manifest.outWidth);
    expect(r.xilinxError).toBeUndefined();
    expect(r.xilinx!.luts).toBeGreaterThan(Number(manifest.notes!.comparators) / 4);
    // synth_xilinx packs the tag delay lines into SRLs: at least one FF or SRL per tag bit.
    expect(r.xilinx!.flipFlops + r.xilinx!.srls).toBeGreaterThanOrEqual(48 + manifest.outWidth);
  }, 600_000);

  it("synthesises a dense encoder core, its constant multiplies in LUTs or DSPs", async () => {
    const r0 = seededRandom(4);
    const layers = [denseLayer(8, 2, Array.from({ length: 16 }, () => r0() - 0.5), [0.1, -0.2], "relu", { weight: "ap_fixed<6,1,AP_RND_CONV,AP_SAT>", accum: "ap_fixed<28,14>", result: "ap_fixed<12,6,AP_RND_CONV,AP_SAT>" })];
    const m = new DenseNetModel({ kind: "vae", nFeatures: 8, normalisation: identityNormalisation(8), layers, inputFormat: parseFixed("ap_fixed<12,9,AP_RND_CONV,AP_SAT>"), outputFormat: parseFixed("ap_ufixed<16,10,AP_RND_CONV,AP_SAT>") });
    const dir = join(work, "vae");
    const { manifest } = exportRtl(m, dir, { raw: Int32Array.from({ length: 80 }, (_, i) => (i * 37) % 300 - 150), n: 10 });
    const r = await reportCore(dir);
    expect(r.generic!.flipFlops).toBeGreaterThanOrEqual(49 * manifest.latency);
    expect(r.xilinx!.luts + r.xilinx!.dsps).toBeGreaterThan(0);
    // --no-generic (for networks whose generic synth takes too long) gives the same Xilinx counts alone
    const xOnly = await reportCore(dir, { generic: false });
    expect(xOnly.generic).toBeUndefined();
    expect({ luts: xOnly.xilinx!.luts, ff: xOnly.xilinx!.flipFlops, dsp: xOnly.xilinx!.dsps }).toEqual({ luts: r.xilinx!.luts, ff: r.xilinx!.flipFlops, dsp: r.xilinx!.dsps });
  }, 600_000);

  it("a directory without a core is an input error (exit 3, one line); nothing to synthesise is a usage error (exit 2)", () => {
    const res = cliSync(["rtl", "report", work]);
    expect(res.code).toBe(3);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(/needs scorer.v and core.json/);
    const none = cliSync(["rtl", "report", work, "--no-generic", "--no-xilinx"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nothing to synthesise/);
    const help = cliSync(["rtl", "report", "--help"]);
    expect(help.stdout).toContain("(default: 30)");
    expect(help.stdout).toContain('default: "xcup"');
    expect(help.stdout).toContain("Example:");
  });
});
