/**
 * The HTML report: every plot kind is rendered to SVG in Node, survives a real browser (headless
 * Chromium dumps the DOM it built), the page references nothing outside itself, and one PNG per
 * plot kind is kept under out/report-screens/ for eyeballing.
 */
import { describe, expect, it, beforeAll } from "vitest";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLOT_KINDS } from "../src/render/svg.js";
import { renderRunReport } from "../src/report/run-report.js";
import { readRunDirectory, writeRunFile } from "../src/report/rundir.js";
import { page } from "../src/render/html.js";
import { runChromium } from "./helpers/chromium.js";
import { peerDescribe } from "./helpers/peers.js";
import { fixtureDiff, fixtureGp, fixtureInject, fixtureKfold, fixtureMonitor, fixtureNplm, fixturePad, fixtureRecord, fixtureSummary } from "./report-fixture.js";
import { cli } from "./helpers/cli.js";
import { PACKAGE_ROOT } from "../src/native.js";
import { defaultModel } from "../src/bus/model.js";
import { loadModel } from "../src/scoring/index.js";
import { generatorInputHash } from "../src/report/record.js";
import { loadProfile } from "../src/hil/profile.js";
import { profileForModel, startEmulator } from "../src/hil/emulator.js";

let html = "";
let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "scoutloop-report-"));
  writeFileSync(join(dir, "summary.json"), JSON.stringify(fixtureSummary()));
  writeRunFile(dir, "record.json", fixtureRecord());
  writeRunFile(dir, "monitor.json", fixtureMonitor());
  writeRunFile(dir, "inject.json", fixtureInject());
  writeRunFile(dir, "kfold.json", fixtureKfold());
  writeRunFile(dir, "diff.json", fixtureDiff());
  const nplm = fixtureNplm();
  writeRunFile(dir, "nplm.json", nplm.test);
  writeRunFile(dir, "nplm-scan.json", nplm.scan);
  writeRunFile(dir, "gp.json", fixtureGp());
  writeRunFile(dir, "pad.json", fixturePad());
  html = renderRunReport(readRunDirectory(dir));
  writeFileSync(join(dir, "report.html"), html);
}, 60_000);

/** Markup of every element carrying data-plot="kind" (outer element only). */
function plotsOf(markup: string, kind: string): string[] {
  const re = new RegExp(`<(svg|figure)[^>]*data-plot="${kind}"[\\s\\S]*?</\\1>`, "g");
  return markup.match(re) ?? [];
}

describe("report HTML (Node side)", () => {
  it("has every plot kind, the tables and the manifest", () => {
    for (const kind of PLOT_KINDS) expect(plotsOf(html, kind).length, kind).toBeGreaterThan(0);
    for (const t of ["manifest", "inputs", "scorers", "faults", "mismatches", "roc", "latency", "monitor-channels", "monitor-flagged", "inject", "kfold", "diff-settings", "diff-kinds", "diff-fields", "diff-first", "nplm", "nplm-settings", "nplm-injection", "gp-injection", "pad", "pad-variables", "monitor-general-search"]) {
      expect(html, t).toContain(`data-table="${t}"`);
    }
    expect(html).toContain("0x000004d3"); // the mismatching raw bits
    expect(html).toContain("bad-magic");
    expect(html).toContain("sim-1"); // board HELLO
  });

  it("is self-contained: no scripts, no external URLs", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*"(?!#)/i);
    expect(html).not.toMatch(/url\(\s*['"]?(https?:|\/\/)/i);
    expect(html).not.toMatch(/@import|<link /i);
  });

  it("escapes text from run files", () => {
    const evil = page("<b>x</b>", "a & b", [{ id: "s", title: "<script>", html: "" }]);
    expect(evil).not.toContain("<script>");
    expect(evil).toContain("&lt;b&gt;x&lt;/b&gt;");
  });

  it("reports unreadable run files instead of crashing", () => {
    const bad = mkdtempSync(join(tmpdir(), "scoutloop-report-bad-"));
    writeFileSync(join(bad, "record.json"), "{not json");
    writeFileSync(join(bad, "summary.json"), JSON.stringify({ hello: 1 }));
    writeFileSync(join(bad, "monitor.json"), JSON.stringify({ format: "other" }));
    const run = readRunDirectory(bad);
    expect(run.record).toBeNull();
    expect(run.summary).toBeNull();
    expect(run.problems.join("\n")).toMatch(/record\.json/);
    expect(run.problems.join("\n")).toMatch(/not a run summary/);
    const out = renderRunReport(run);
    expect(out).toContain("Missing or unreadable");
    expect(out).toContain("monitor.json is not a scoutloop Monitoring result");
    expect(() => readRunDirectory(join(bad, "nope"))).toThrow(/does not exist/);
  });
});

// Without chromium the block is skipped with its install command (a failure under SCOUTLOOP_REQUIRE_PEERS=1).
peerDescribe("chromium", "report in headless Chromium", () => {
  it("every plot kind survives in the DOM Chromium builds", async () => {
    const r = await runChromium(["--dump-dom", `file://${join(dir, "report.html")}`]);
    expect(r.code).toBe(0);
    const dom = r.stdout;
    expect(dom.length).toBeGreaterThan(10_000);
    for (const kind of PLOT_KINDS) {
      const plots = plotsOf(dom, kind);
      expect(plots.length, kind).toBeGreaterThan(0);
      // The SVG came through with drawn marks, not as an empty shell.
      expect(plots[0], kind).toMatch(/<(path|rect|circle|line)\b/);
    }
  });

  it("keeps one PNG screenshot per plot kind under out/report-screens", { timeout: 90_000 }, async () => {
    const outDir = join(process.cwd(), "out", "report-screens");
    mkdirSync(outDir, { recursive: true });
    const shoot = async (kind: string) => {
      const one = join(dir, `${kind}.html`);
      const first = plotsOf(html, kind)[0];
      writeFileSync(one, `<!DOCTYPE html><html><body style="margin:8px;font-family:sans-serif">${first}</body></html>`);
      const png = join(outDir, `${kind}.png`);
      const r = await runChromium([`--screenshot=${png}`, "--window-size=800,480", "--hide-scrollbars", `file://${one}`]);
      expect(r.code, r.stderr.slice(-300)).toBe(0);
      const bytes = readFileSync(png);
      expect(bytes.subarray(1, 4).toString()).toBe("PNG");
      expect(statSync(png).size, kind).toBeGreaterThan(5_000);
    };
    // Four browsers at a time: each launch is mostly start-up latency, not CPU.
    for (let i = 0; i < PLOT_KINDS.length; i += 4) await Promise.all(PLOT_KINDS.slice(i, i + 4).map(shoot));
  });
});

/** Rows of a `data-table` table as arrays of cell texts (entities decoded), header row dropped. */
function tableRows(markup: string, name: string): string[][] {
  const t = markup.match(new RegExp(`<table [^>]*data-table="${name}"[\\s\\S]*?</table>`))?.[0];
  if (!t) return [];
  const decode = (x: string) => x.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#39;/g, "'").replace(/&amp;/g, "&");
  return [...t.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((r) => [...r[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1])));
}
const manifestOf = (markup: string) => Object.fromEntries(tableRows(markup, "manifest").map(([k, v]) => [k, v]));

describe("report manifest of real run directories (issue: tool version, seed, model hash, board HELLO, input hashes)", () => {
  const version = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version as string;
  const work = mkdtempSync(join(tmpdir(), "scoutloop-manifest-"));

  it("`run --report` with generated events and the in-process emulated board", { timeout: 120_000 }, async () => {
    const out = join(work, "gen-run");
    const res = await cli(["run", "--orbits", "1", "--seed", "7", "--report", out]);
    expect(res.code, res.stderr).toBe(0);
    const rep = await cli(["report", out, "--json"]);
    expect(rep.code, rep.stderr).toBe(0);
    const markup = readFileSync(JSON.parse(rep.stdout).report, "utf8");
    const m = manifestOf(markup);
    expect(m.tool).toBe(`scoutloop ${version}`);
    expect(m.seed).toBe("7");
    const model = defaultModel();
    expect(m["model hash"]).toContain(model.id);
    expect(m.board).toContain("scoutloop-emulator/");
    const hello = Object.fromEntries(tableRows(markup, "board-hello"));
    expect(hello.modelId).toBe(model.id); // the board said it runs the same model
    expect(Number(hello.protocolVersion)).toBeGreaterThanOrEqual(1);
    const inputs = tableRows(markup, "inputs");
    expect(inputs).toHaveLength(1);
    expect(inputs[0][0]).toMatch(/generator seed 7, 1 orbits/);
    expect(inputs[0][1]).toBe(generatorInputHash({ seed: 7, orbits: 1 }));
  });

  it("`run --board PROFILE --model FILE --in FILE --report` against a separately served board", { timeout: 120_000 }, async () => {
    const events = join(work, "bkg.h5");
    const gen = await cli(["gen", "--orbits", "1", "--seed", "5", "--out", events]);
    expect(gen.code, gen.stderr).toBe(0);
    const modelPath = join(work, "model.json");
    const train = await cli(["train", "--model", "iforest", "--gen-orbits", "1", "--out", modelPath]);
    expect(train.code, train.stderr).toBe(0);
    const model = loadModel(modelPath);
    const profile = profileForModel(loadProfile("emulator-zmq"), model);
    const emu = await startEmulator({ model, profile, zmq: "tcp://127.0.0.1:*", firmwareId: "fw-under-test" });
    try {
      const profilePath = join(work, "board.json");
      writeFileSync(profilePath, JSON.stringify({ ...profile, transport: { kind: "zmq", endpoint: emu.address } }));
      const out = join(work, "board-run");
      const res = await cli(["run", "--board", profilePath, "--model", modelPath, "--in", events, "--report", out]);
      expect(res.code, res.stderr).toBe(0);
      const markup = renderRunReport(readRunDirectory(out));
      const m = manifestOf(markup);
      expect(m.tool).toBe(`scoutloop ${version}`);
      expect(m.seed).toMatch(/read from a file/);
      expect(m["model hash"]).toContain(model.id);
      expect(m.board).toContain("firmware fw-under-test");
      const hello = Object.fromEntries(tableRows(markup, "board-hello"));
      expect(hello.firmwareId).toBe("fw-under-test");
      expect(hello.boardName).toBe("scoutloop-emulator/emulator-zmq");
      expect(hello.modelId).toBe(model.id);
      const inputs = tableRows(markup, "inputs");
      expect(inputs).toHaveLength(1);
      expect(inputs[0][1]).toBe(createHash("sha256").update(readFileSync(events)).digest("hex"));
    } finally {
      await emu.close();
    }
  });

  it("falls back to the summary's board HELLO when a run directory has no record.json", () => {
    const only = mkdtempSync(join(tmpdir(), "scoutloop-report-summary-"));
    const summary = { ...fixtureSummary(), backends: { board: { describe: "x", hello: { boardName: "zcu104", firmwareId: "fw-7", modelId: "abc" } } } };
    writeFileSync(join(only, "summary.json"), JSON.stringify(summary));
    const markup = renderRunReport(readRunDirectory(only));
    expect(manifestOf(markup).board).toBe("zcu104 (firmware fw-7, model abc)");
    expect(Object.fromEntries(tableRows(markup, "board-hello")).firmwareId).toBe("fw-7");
  });
});
