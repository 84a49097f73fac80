/**
 * `scoutloop diff` as a user runs it: a file against itself (exit 0), a copy with one muon's pT
 * changed (exactly that object and field, exit 1), a raw capture against the HDF5 it was framed
 * from and against the JSONL of the same events (0 differences on the common fields), JUnit and
 * JSON outputs, and usage errors (exit 2).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliSync } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-diff-"));
const p = (name: string) => join(dir, name);

function run(args: string[]) {
  return cliSync(args, { timeoutMs: 120_000 });
}

/** The first JSONL line with a muon; returns the changed copy's path and what was changed. */
function changeOneMuonPt(src: string, dst: string) {
  const lines = readFileSync(src, "utf8").split("\n");
  const k = lines.findIndex((l) => l && JSON.parse(l).muons.length > 0);
  const ev = JSON.parse(lines[k]);
  const before = ev.muons[0].hwPt as number;
  ev.muons[0].hwPt = before < 500 ? before + 7 : before - 7;
  lines[k] = JSON.stringify(ev);
  writeFileSync(dst, lines.join("\n"));
  return { orbit: ev.orbit as number, bx: ev.bx as number, before, after: ev.muons[0].hwPt as number };
}

beforeAll(() => {
  expect(run(["gen", "--orbits", "1", "--seed", "4", "-o", p("ev.jsonl")]).code).toBe(0);
  expect(run(["gen", "--orbits", "1", "--seed", "4", "-o", p("ev.h5"), "--layout", "adc2021"]).code).toBe(0);
  expect(run(["frame", p("ev.h5"), "-o", p("from-h5.raw")]).code).toBe(0);
  expect(run(["frame", "--gen", "1", "--seed", "4", "-o", p("gen.raw")]).code).toBe(0);
}, 180_000);

describe("scoutloop diff", () => {
  it("reports 0 differences and exits 0 for a file against itself", () => {
    const r = run(["diff", p("ev.jsonl"), p("ev.jsonl"), "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.identical).toBe(true);
    expect(j.differences.total).toBe(0);
    expect(j.bx.paired).toBeGreaterThan(1000);
    expect(j.kinds.muon.fields.hwPt.compared).toBeGreaterThan(0);
    // Streams meet orbit by orbit: memory holds a couple of orbits, not the file.
    expect(j.pairing.maxWaiting).toBeLessThanOrEqual(2);
  });

  it("reports exactly the changed object and field, and exits 1", () => {
    const c = changeOneMuonPt(p("ev.jsonl"), p("changed.jsonl"));
    const r = run(["diff", p("ev.jsonl"), p("changed.jsonl"), "--json", "--junit", p("diff.xml"), "--report", p("rep")]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.differences).toEqual({ bx: 0, counts: 0, fields: 1, total: 1 });
    expect(j.first).toHaveLength(1);
    expect(j.first[0]).toMatchObject({ orbit: c.orbit, bx: c.bx, kind: "muon", type: "fields", a: { index: 0 }, b: { index: 0 } });
    expect(j.first[0].fields).toEqual([{ field: "hwPt", a: c.before, b: c.after, delta: c.after - c.before, physicalDelta: 3.5 }]);
    for (const [kind, k] of Object.entries(j.kinds as Record<string, { fields: Record<string, { mismatches: number }> }>)) {
      for (const [name, f] of Object.entries(k.fields)) expect(f.mismatches, `${kind}.${name}`).toBe(kind === "muon" && name === "hwPt" ? 1 : 0);
    }
    const xml = readFileSync(p("diff.xml"), "utf8");
    expect([...xml.matchAll(/<failure message="([^"]*)"/g)].map((m) => m[1])).toEqual([expect.stringMatching(/^1 of \d+ differ/)]);
    // The report renders the diff as its own section, the changed muon in the first-differences table.
    expect(run(["report", p("rep")]).code).toBe(0);
    const html = readFileSync(p("rep/report.html"), "utf8");
    expect(html).toContain('<section id="diff">');
    expect(html).toMatch(new RegExp(`<tr><td>${c.orbit}</td><td>${c.bx}</td><td>muon</td><td>fields</td><td>hwPt ${c.before} → ${c.after}</td>`));
    expect(html).toContain('data-plot="diff-fields"');
    // Text output names it too; a 3.5 GeV tolerance accepts it (exit 0), 3 GeV does not.
    const text = run(["diff", p("ev.jsonl"), p("changed.jsonl")]);
    expect(text.stdout).toMatch(new RegExp(`orbit ${c.orbit} bx ${c.bx} muon #0: hwPt ${c.before} → ${c.after}`));
    expect(text.stdout).toMatch(/DIFFERENT: 1 differences/);
    expect(run(["diff", p("ev.jsonl"), p("changed.jsonl"), "--tolerance", "muon.pt=3.5"]).code).toBe(0);
    expect(run(["diff", p("ev.jsonl"), p("changed.jsonl"), "--tolerance", "pt=3"]).code).toBe(1);
    expect(run(["diff", p("ev.jsonl"), p("changed.jsonl"), "--ignore", "muon.hwPt"]).code).toBe(0);
  });

  it("reports 0 differences between a raw capture and the HDF5 it was framed from, on the fields both carry", () => {
    const r = run(["diff", p("from-h5.raw"), p("ev.h5"), "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.identical).toBe(true);
    expect(j.inputs.A.format).toBe("raw");
    expect(j.inputs.B.format).toBe("adc2021");
    expect(Object.keys(j.kinds).sort()).toEqual(["egamma", "jet", "muon", "sums"]);
    expect(Object.keys(j.kinds.jet.fields)).toEqual(["hwEt", "hwEta", "hwPhi"]);
    expect(j.kinds.jet.pairs).toBeGreaterThan(1000);
    expect(j.notCompared).toEqual(expect.arrayContaining([{ what: "tau", reason: "only A carries tau" }]));
  });

  it("compares a capture framed from the generator with the JSONL of the same events on every field, and with the HDF5 up to its caps", () => {
    const full = JSON.parse(run(["diff", p("gen.raw"), p("ev.jsonl"), "--json"]).stdout);
    expect(full.identical).toBe(true);
    expect(full.notCompared).toEqual([]);
    expect(full.kinds.tau.pairs).toBeGreaterThan(0);
    const h5 = run(["diff", p("gen.raw"), p("ev.h5"), "--json"]);
    expect(h5.code).toBe(0);
    const j = JSON.parse(h5.stdout);
    // Jets 11 and 12 of the capture are past the ADC2021 layout's 10 slots: counted, not compared.
    expect(j.kinds.jet.maxObjects).toBe(10);
    expect(j.kinds.jet.beyondCapA).toBeGreaterThan(0);
  });

  it("says so when a capture has link faults, and counts what they cost", () => {
    const bytes = readFileSync(p("gen.raw"));
    writeFileSync(p("cut.raw"), bytes.subarray(0, bytes.length - 3000)); // the last orbit's calo stream ends early
    const r = run(["diff", p("gen.raw"), p("cut.raw"), "--json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.identical).toBe(false);
    expect(j.problems).toEqual([expect.stringMatching(/^B \(.*cut\.raw\) had link faults: .*truncated 1/)]);
    expect(j.inputs.B.faults.truncated).toBe(1);
  });

  it("exits 2 on usage errors with one clear line", () => {
    for (const args of [
      ["diff", p("ev.jsonl")],
      ["diff", p("ev.jsonl"), p("ev.jsonl"), "--tolerance", "ptt=1"],
      ["diff", p("ev.jsonl"), p("ev.jsonl"), "--max-dr", "0.4"],
      ["diff", p("ev.jsonl"), p("ev.jsonl"), "--ignore", "muon,jet,egamma,tau,sums"],
    ]) {
      const r = run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
    // a missing input is an input-file error (exit 3), as in every command (docs/cli.md)
    const missing = run(["diff", p("ev.jsonl"), p("missing.jsonl")]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/missing\.jsonl: no such file/);
  });
});
