import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, cliSync } from "./helpers/cli.js";
import { runGen } from "../src/cli/gen.js";
import { UsageError } from "../src/cli/util.js";
import { readAdc2021 } from "../src/io/index.js";

const ROOT = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "scoutloop-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist/src/cli/gen.js"))) throw new Error("dist/ is missing: run `npx tsc -p tsconfig.json` (npm test does) before the CLI tests");
});



describe("scoutloop gen + inspect", () => {
  it("gen --orbits 5 writes the lossless HDF5 layout: inspect counts equal gen's, τ included", () => {
    const out = join(dir, "x.h5");
    const gen = cliSync(["gen", "--orbits", "5", "--seed", "3", "--out", out, "--json"]);
    expect(gen.stderr).toBe("");
    expect(gen.code).toBe(0);
    const g = JSON.parse(gen.stdout);
    expect(g).toMatchObject({ orbits: 5, output: out, format: "scoutloop-h5", dropped: null, seed: 3, signal: null, preset: "l1" });
    expect(g.events).toBeGreaterThan(5 * 1000); // a realistic fill has ~2500 filled BX per orbit
    expect(g.labels).toEqual({ background: g.events });
    expect(g.bytes).toBe(statSync(out).size);
    expect(g.seconds).toBeGreaterThan(0);

    const s = JSON.parse(cliSync(["inspect", out, "--json"]).stdout);
    expect(s).toMatchObject({ file: out, format: "scoutloop-h5", events: g.events, orbits: 5, labels: { background: g.events } });
    expect(s.details.attrs).toMatchObject({ generator_seed: 3, signal: "none", preset: "l1", scoutloop_layout: "events-v1" });
    for (const kind of ["egamma", "muon", "jet", "tau"]) expect(s.kinds[kind].count, kind).toBe(g.objects[kind]);
    expect(s.kinds.tau.count).toBeGreaterThan(0);
  });

  it("gen --layout adc2021 writes the ADC2021 layout, which inspect describes, and says what it dropped", () => {
    const out = join(dir, "x-adc.h5");
    const gen = cliSync(["gen", "--orbits", "5", "--seed", "3", "--out", out, "--layout", "adc2021", "--json"]);
    expect(gen.code, gen.stderr).toBe(0);
    const g = JSON.parse(gen.stdout);
    expect(g.format).toBe("adc2021-h5");
    expect(g.dropped).toMatch(new RegExp(`^ADC2021 layout dropped: τ ${g.objects.tau} \\(no τ slots\\)`));

    const ins = cliSync(["inspect", out, "--json"]);
    expect(ins.code).toBe(0);
    const s = JSON.parse(ins.stdout);
    expect(s).toMatchObject({ file: out, format: "hdf5-adc2021", events: g.events, orbits: 5, labels: { background: g.events } });
    expect(s.details.datasets).toContainEqual({ name: "Particles", shape: [g.events, 19, 4], dtype: "<f" });
    expect(s.details.attrs).toMatchObject({ generator_seed: 3, signal: "none", preset: "l1" });
    expect(s.kinds.met.count).toBe(g.events);
    // The ADC2021 layout keeps at most 4 e/γ, 4 μ and 10 jets per event and no τ.
    expect(s.kinds.muon.count).toBeLessThanOrEqual(g.objects.muon);
    expect(s.kinds.jet.count).toBeLessThanOrEqual(g.objects.jet);
    expect(s.kinds.jet.count).toBeGreaterThan(0.9 * g.objects.jet);
    expect(s.kinds.tau.count).toBe(0);
    expect(s.kinds.jet.pt[0]).toBeGreaterThanOrEqual(0);
    expect(Math.abs(s.kinds.egamma.phi[1])).toBeLessThanOrEqual(Math.PI);

    const human = cliSync(["inspect", out]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Particles\s+\(\d+,19,4\)/);
    expect(human.stdout).toMatch(/labels: background \d+/);
  });

  it("gen --events with a signal to JSONL: exact event count, labels, inspect agrees, same seed same bytes", () => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    const args = ["--events", "300", "--signal", "Ato4l", "--inject-fraction", "0.5", "--seed", "11", "--json"];
    const ga = JSON.parse(cliSync(["gen", ...args, "--out", a]).stdout);
    const gb = cliSync(["gen", ...args, "--out", b]);
    expect(gb.code).toBe(0);
    expect(ga.events).toBe(300);
    expect(ga.labels.background + ga.labels.Ato4l).toBe(300);
    expect(ga.labels.Ato4l).toBeGreaterThan(100);
    expect(readFileSync(a, "utf8").trimEnd().split("\n").length).toBe(300);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);

    const s = JSON.parse(cliSync(["inspect", a, "--json"]).stdout);
    expect(s).toMatchObject({ format: "jsonl", events: 300, orbits: 1, labels: ga.labels });
    for (const kind of ["egamma", "muon", "jet", "tau"]) expect(s.kinds[kind].count).toBe(ga.objects[kind]);
  });

  it("same seed gives the same HDF5 contents (runGen in process)", async () => {
    const [a, b] = [join(dir, "s1.h5"), join(dir, "s2.h5")];
    const opts = { orbits: 1, seed: 8, preset: "l1" as const, layout: "adc2021" as const, firstOrbit: 1, json: true };
    const [sa, sb] = [await runGen({ ...opts, out: a }), await runGen({ ...opts, out: b })];
    expect(sa.events).toBe(sb.events);
    expect(sa.output).toBe(a);
    const [da, db] = [await readAdc2021(a), await readAdc2021(b)];
    expect(da.nEvents).toBeGreaterThan(0);
    expect(Buffer.from(da.particles.buffer).equals(Buffer.from(db.particles.buffer))).toBe(true);
    expect([...da.bx!]).toEqual([...db.bx!]);
  });

  it("--help for each command", async () => {
    const cmds = ["gen", "inspect"];
    const results = await Promise.all(cmds.map((cmd) => cli([cmd, "--help"])));
    for (const [i, cmd] of cmds.entries()) {
      const r = results[i];
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: scoutloop ${cmd}`);
      expect(r.stdout).toContain("--json");
    }
    expect(results[0].stdout).toMatch(/--signal <name>.*\n?.*Ato4l/);
  });

  it("usage errors: exit 2, one line on stderr", async () => {
    const cases: [string[], RegExp][] = [
      [["gen", "--orbits", "abc"], /--orbits/],
      [["gen", "--signal", "nope"], /Ato4l/],
      [["gen", "--out", join(dir, "x.txt")], /unknown file type "\.txt"/],
      [["gen", "--orbits", "1", "--events", "2", "--out", join(dir, "x.h5")], /not both/],
      [["gen", "--inject-fraction", "0.3", "--out", join(dir, "x.h5")], /--inject-fraction needs --signal/],
      [["gen", "--orbits", "1"], /gen needs --out FILE/],
      [["inspect"], /missing required argument/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli([...args])));
    for (const [i, [args, pattern]] of cases.entries()) {
      const r = results[i];
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trimEnd().split("\n").length, r.stderr).toBe(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe("");
    }
  });

  it("runGen turns bad generator options into usage errors", async () => {
    const base = { seed: 1, preset: "l1" as const, firstOrbit: 1, orbits: 1 };
    await expect(runGen({ ...base, pileup: 5000 })).rejects.toThrow(UsageError);
    await expect(runGen({ ...base, pileup: 5000 })).rejects.toThrow(/pileup must be in 0\.\.1000/);
    await expect(runGen({ ...base, signalMass: 10 })).rejects.toThrow(/--signal-mass needs --signal/);
    await expect(runGen({ ...base, signal: "Ato4l", signalMass: 1 })).rejects.toThrow(/signalMass for Ato4l must be in/);
  });

  it("bad files: exit 3, one line naming the file", async () => {
    const notH5 = join(dir, "not.h5");
    writeFileSync(notH5, "hello\n".repeat(200));
    const badJsonl = join(dir, "bad.jsonl");
    writeFileSync(badJsonl, '{"orbit":1,"bx":1}\n');
    const cases = [[notH5, /not an HDF5 file/], [badJsonl, /line 1: missing "sums"/], [join(dir, "missing.h5"), /no such file/], [join(dir, "a.csv"), /no such file/]] as const;
    const results = await Promise.all(cases.map(([file]) => cli(["inspect", file])));
    for (const [i, [file, pattern]] of cases.entries()) {
      const r = results[i];
      expect(r.code, file).toBe(3);
      expect(r.stderr.trimEnd().split("\n").length).toBe(1);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(pattern);
    }
  });
});
