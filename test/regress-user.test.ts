/**
 * Golden sets users own (src/regress/userChain.ts): a set in a temporary directory over the user's
 * own capture, pattern file, event file and model passes `regress --root`; `--update` writes it and
 * says what changed; a board capture with one jet's ET changed fails, naming the object and field;
 * bad specs are one clear error.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { regressSet } from "../src/regress/regress.js";
import { cliSync } from "./helpers/cli.js";

const root = mkdtempSync(join(tmpdir(), "scoutloop-user-golden-"));
const work = mkdtempSync(join(tmpdir(), "scoutloop-user-inputs-"));
const set = join(root, "board-vs-emulator");
const run = (args: string[]) => cliSync(args, { timeoutMs: 120_000 });

/** Events with one jet's hwEt changed: what a board with a firmware bug would send. */
function withOneJetChanged(src: string, dst: string) {
  const lines = readFileSync(src, "utf8").trim().split("\n");
  const k = lines.findIndex((l) => JSON.parse(l).jets.length > 1);
  const ev = JSON.parse(lines[k]);
  const before = ev.jets[1].hwEt as number;
  // Keep it below jet 0 and above jet 2 so the trigger's pT order still holds.
  ev.jets[1].hwEt = before === ev.jets[0].hwEt ? before : before + 1;
  if (ev.jets[1].hwEt === before) ev.jets[1].hwEta = ev.jets[1].hwEta === 0 ? 1 : 0;
  lines[k] = JSON.stringify(ev);
  writeFileSync(dst, lines.join("\n") + "\n");
  return { orbit: ev.orbit as number, bx: ev.bx as number, field: ev.jets[1].hwEt === before ? "hwEta" : "hwEt" };
}

beforeAll(() => {
  mkdirSync(set);
  const events = join(work, "emu.jsonl");
  expect(run(["gen", "--events", "24", "--seed", "11", "--signal", "Ato4l", "--inject-fraction", "0.25", "-o", events]).code).toBe(0);
  // The user's files: the board's raw capture, the emulator's expected pattern file, an event file and a model.
  expect(run(["frame", events, "-o", join(set, "capture.raw")]).code).toBe(0);
  expect(run(["frame", events, "-o", join(set, "expected-emu.txt")]).code).toBe(0);
  cpSync(events, join(set, "events.jsonl"));
  expect(run(["train", "--model", "iforest", "--gen-orbits", "1", "--trees", "4", "--sample-size", "16", "--out", join(set, "model.json")]).code).toBe(0);
  writeFileSync(join(set, "spec.json"), JSON.stringify({
    description: "board capture vs the emulator's pattern file, re-framed through the link, scored by our model",
    input: "capture.raw",
    steps: ["link", "objects", "features", "scores", "diff"],
    models: [{ name: "ours", file: "model.json", precision: "fixed" }, { name: "ours-float", file: "model.json", precision: "float" }],
    diff: { against: "expected-emu.txt", requireIdentical: true },
  }));
  // A second set in the same root: the event file itself, features only.
  mkdirSync(join(root, "events-only"));
  cpSync(events, join(root, "events-only", "events.jsonl"));
  writeFileSync(join(root, "events-only", "spec.json"), JSON.stringify({ input: "events.jsonl", steps: ["features"], eventsPerOrbit: 10 }));
}, 240_000);

describe("regress --root with user-owned golden sets", () => {
  it("--update writes the goldens and says so; then the sets pass", () => {
    const upd = run(["regress", "--root", root, "--update"]);
    expect(upd.stderr).toBe("");
    expect(upd.code).toBe(0);
    expect(upd.stdout).toMatch(/^UPDATED\s+board-vs-emulator \(24 events/m);
    expect(upd.stdout).toMatch(/^UPDATED\s+events-only \(10 events/m);
    const g = JSON.parse(readFileSync(join(set, "expected.json"), "utf8"));
    expect(g.input).toEqual({ file: "capture.raw", format: "raw", steps: ["link", "objects", "features", "scores", "diff"] });
    expect(g.diff).toMatchObject({ against: "expected-emu.txt", identical: true, differences: { total: 0 } });
    expect(g.streams.calo.bx).toBe(24);
    expect(g.events[0].objects.jets[0]).toHaveLength(4);
    expect(g.events[0].features).toHaveLength(57);
    expect(Object.keys(g.events[0].scores)).toEqual(["ours", "ours-float"]);
    const ok = run(["regress", "--root", root, "--junit", join(work, "regress.xml")]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok\s+board-vs-emulator/m);
    expect(ok.stdout).toMatch(/^ok\s+events-only/m);
    expect(readFileSync(join(work, "regress.xml"), "utf8")).toMatch(/tests="2" failures="0"/);
  });

  it("fails on a capture whose board changed one jet, naming the object and field, and the required diff", async () => {
    const bad = mkdtempSync(join(tmpdir(), "scoutloop-user-bad-"));
    const copy = join(bad, "board-vs-emulator");
    cpSync(set, copy, { recursive: true });
    const c = withOneJetChanged(join(set, "events.jsonl"), join(work, "bad.jsonl"));
    expect(run(["frame", join(work, "bad.jsonl"), "-o", join(copy, "capture.raw")]).code).toBe(0);
    const r = await regressSet(copy);
    expect(r.ok).toBe(false);
    expect(r.error).toBeNull();
    expect(r.failures).toEqual([expect.stringMatching(/capture\.raw and expected-emu\.txt differ \(1 differences\); the spec requires them identical/)]);
    const where = `orbit ${c.orbit} bx ${c.bx}`;
    const fields = r.differences.map((d) => `${d.where}/${d.field}`);
    expect(fields).toContain(`${where}/objects.jets[1].${c.field}`);
    expect(fields).toContain(`diff/jet.${c.field}`);
    expect(r.differences.filter((d) => d.where === "diff").map((d) => d.field).sort()).toEqual(["first[0]", "identical", `jet.${c.field}`, "fields", "total"].sort());
    const cli = run(["regress", "--root", bad]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/^FAIL\s+board-vs-emulator/m);
    expect(cli.stdout).toContain(`${where}: objects.jets[1].${c.field} expected`);
  });

  it("rejects bad user specs with one clear error", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "scoutloop-user-spec-")), "s");
    mkdirSync(dir);
    cpSync(join(set, "events.jsonl"), join(dir, "events.jsonl"));
    const bad: Array<[unknown, RegExp]> = [
      [{ input: "events.jsonl", steps: [] }, /spec\.steps must list/],
      [{ input: "events.jsonl", steps: ["deframe"] }, /unknown step "deframe"/],
      [{ input: "events.jsonl", steps: ["scores"] }, /needs spec\.models/],
      [{ input: "events.jsonl", steps: ["diff"] }, /needs spec\.diff\.against/],
      [{ input: "events.jsonl", steps: ["diff"], diff: { against: "events.jsonl", tolerance: { ptt: 1 } } }, /unknown field or quantity "ptt"/],
      [{ input: "missing.raw", steps: ["objects"] }, /missing\.raw/],
      [{ input: "events.jsonl", steps: ["objects"], orbits: 0 }, /spec\.orbits/],
    ];
    for (const [spec, msg] of bad) {
      writeFileSync(join(dir, "spec.json"), JSON.stringify(spec));
      const r = await regressSet(dir);
      expect(r.ok, JSON.stringify(spec)).toBe(false);
      expect(r.error, JSON.stringify(spec)).toMatch(msg);
      expect(r.error!.split("\n")).toHaveLength(1);
    }
  });
});
