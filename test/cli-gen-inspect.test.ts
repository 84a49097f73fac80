import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAdc2021 } from "../src/io/index.js";

const ROOT = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "scoutloop-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist/src/cli/gen.js"))) throw new Error("dist/ is missing: run `npx tsc -p tsconfig.json` (npm test does) before the CLI tests");
});

function cli(...args: string[]) {
  const res = spawnSync(process.execPath, [join(ROOT, "bin/scoutloop.js"), ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("scoutloop gen + inspect", () => {
  it("gen --orbits 5 writes HDF5 that inspect describes consistently", () => {
    const out = join(dir, "x.h5");
    const gen = cli("gen", "--orbits", "5", "--seed", "3", "--out", out, "--json");
    expect(gen.stderr).toBe("");
    expect(gen.code).toBe(0);
    const g = JSON.parse(gen.stdout);
    expect(g).toMatchObject({ orbits: 5, output: out, format: "hdf5", seed: 3, signal: null, preset: "l1" });
    expect(g.events).toBeGreaterThan(5 * 1000); // a realistic fill has ~2500 filled BX per orbit
    expect(g.labels).toEqual({ background: g.events });
    expect(g.bytes).toBe(statSync(out).size);
    expect(g.seconds).toBeGreaterThan(0);

    const ins = cli("inspect", out, "--json");
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

    const human = cli("inspect", out);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Particles\s+\(\d+,19,4\)/);
    expect(human.stdout).toMatch(/labels: background \d+/);
  });

  it("gen --events with a signal to JSONL: exact event count, labels, inspect agrees, same seed same bytes", () => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    const args = ["--events", "300", "--signal", "Ato4l", "--inject-fraction", "0.5", "--seed", "11", "--json"];
    const ga = JSON.parse(cli("gen", ...args, "--out", a).stdout);
    const gb = cli("gen", ...args, "--out", b);
    expect(gb.code).toBe(0);
    expect(ga.events).toBe(300);
    expect(ga.labels.background + ga.labels.Ato4l).toBe(300);
    expect(ga.labels.Ato4l).toBeGreaterThan(100);
    expect(readFileSync(a, "utf8").trimEnd().split("\n").length).toBe(300);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);

    const s = JSON.parse(cli("inspect", a, "--json").stdout);
    expect(s).toMatchObject({ format: "jsonl", events: 300, orbits: 1, labels: ga.labels });
    for (const kind of ["egamma", "muon", "jet", "tau"]) expect(s.kinds[kind].count).toBe(ga.objects[kind]);
  });

  it("same seed gives the same HDF5 contents", async () => {
    const [a, b] = [join(dir, "s1.h5"), join(dir, "s2.h5")];
    expect(cli("gen", "--orbits", "1", "--seed", "8", "--out", a).code).toBe(0);
    expect(cli("gen", "--orbits", "1", "--seed", "8", "--out", b).code).toBe(0);
    const [da, db] = [await readAdc2021(a), await readAdc2021(b)];
    expect(da.nEvents).toBeGreaterThan(0);
    expect(Buffer.from(da.particles.buffer).equals(Buffer.from(db.particles.buffer))).toBe(true);
    expect([...da.bx!]).toEqual([...db.bx!]);
  });

  it("--help for each command", () => {
    for (const cmd of ["gen", "inspect"]) {
      const r = cli(cmd, "--help");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: scoutloop ${cmd}`);
      expect(r.stdout).toContain("--json");
    }
    expect(cli("gen", "--help").stdout).toMatch(/--signal <name>.*\n?.*Ato4l/);
  });

  it("usage errors: exit 2, one line on stderr", () => {
    const cases: [string[], RegExp][] = [
      [["gen", "--orbits", "abc"], /--orbits/],
      [["gen", "--signal", "nope"], /Ato4l/],
      [["gen", "--out", join(dir, "x.txt")], /unknown file type "\.txt"/],
      [["gen", "--orbits", "1", "--events", "2"], /not both/],
      [["gen", "--inject-fraction", "0.3"], /--inject-fraction needs --signal/],
      [["gen", "--inject-fraction", "2", "--signal", "Ato4l"], /--inject-fraction/],
      [["inspect"], /missing required argument/],
      [["inspect", join(dir, "a.csv")], /unknown file type/],
    ];
    for (const [args, pattern] of cases) {
      const r = cli(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trimEnd().split("\n").length, r.stderr).toBe(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe("");
    }
  });

  it("bad files: exit 1, one line naming the file", () => {
    const notH5 = join(dir, "not.h5");
    writeFileSync(notH5, "hello\n".repeat(200));
    const badJsonl = join(dir, "bad.jsonl");
    writeFileSync(badJsonl, '{"orbit":1,"bx":1}\n');
    for (const [file, pattern] of [[notH5, /not an HDF5 file/], [badJsonl, /line 1: missing "sums"/], [join(dir, "missing.h5"), /ENOENT/]] as const) {
      const r = cli("inspect", file);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split("\n").length).toBe(1);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(pattern);
    }
  });
});
