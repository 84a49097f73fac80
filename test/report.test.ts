/**
 * The HTML report: every plot kind is rendered to SVG in Node, survives a real browser (headless
 * Chromium dumps the DOM it built), the page references nothing outside itself, and one PNG per
 * plot kind is kept under out/report-screens/ for eyeballing.
 */
import { describe, expect, it, beforeAll } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLOT_KINDS } from "../src/report/svg.js";
import { renderRunReport } from "../src/report/run-report.js";
import { readRunDirectory, writeRunFile } from "../src/report/rundir.js";
import { page } from "../src/report/html.js";
import { CHROMIUM, runChromium } from "./helpers/chromium.js";
import { fixtureInject, fixtureKfold, fixtureMonitor, fixtureRecord, fixtureSummary } from "./report-fixture.js";

let html = "";
let dir = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "scoutloop-report-"));
  writeFileSync(join(dir, "summary.json"), JSON.stringify(fixtureSummary()));
  writeRunFile(dir, "record.json", fixtureRecord());
  writeRunFile(dir, "monitor.json", fixtureMonitor());
  writeRunFile(dir, "inject.json", fixtureInject());
  writeRunFile(dir, "kfold.json", fixtureKfold());
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
    for (const t of ["manifest", "inputs", "scorers", "faults", "mismatches", "roc", "latency", "monitor-channels", "monitor-flagged", "inject", "kfold"]) {
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
    expect(out).toContain("not a scoutloop monitoring result");
    expect(() => readRunDirectory(join(bad, "nope"))).toThrow(/does not exist/);
  });
});

describe("report in headless Chromium", () => {
  it("has Debian chromium installed (.ci/run installs it)", () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  });
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
