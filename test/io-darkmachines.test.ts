/**
 * DarkMachines challenge CSV (arXiv:2105.14027; line format and object codes from the challenge's
 * data description, energies in MeV): read into L1-like kinds with weights and processes kept,
 * written back, converted, and run through inspect, train, eval and run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diffBatches } from "../src/events/batch.js";
import { caloEtaToHw, caloPhiToHw, muonEtaToHw, muonPtToHw } from "../src/events/scales.js";
import {
  DARKMACHINES_OTHER_LABEL, DarkMachinesWriter, detectEventFormat, emptyDarkMachinesLoss, FileFormatError, openEvents, readDarkMachines,
} from "../src/io/index.js";
import { generateOrbits } from "../src/trigger/generator.js";
import { cliSync } from "./helpers/cli.js";
import { peerIt, PYTHON } from "./helpers/peers.js";
import { spawnSync } from "node:child_process";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-dm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Three events in the challenge's format: weights, processes (two SM, one signal), every object code.
const SAMPLE = [
  "1;ttbar;0.5;45000;1.2;j,250000,200000,0.5,2.0;b,90000,80000,-1.2,-0.5;m-,40000,30000,0.3,1.0;e+,25000,20000,-2.0,3.0;",
  "2;njets;1.25;12000;-2.9;j,60000,55000,3.1,0.1;g,15000,14000,0.7,-1.5;",
  "3;glgl1400_neutralino1100;0.01;310000;0.0;m+,51000,50000,-1.0,-3.0;m-,45000,42000,1.9,2.5;j,800000,700000,0.0,0.0;",
].join("\n") + "\n";

describe("DarkMachines CSV", () => {
  const path = join(dir, "sample.csv");
  writeFileSync(path, SAMPLE);

  it("is recognised by its content and maps objects to L1-like kinds, weights and processes kept", async () => {
    expect(await detectEventFormat(path)).toBe("darkmachines");
    const loss = emptyDarkMachinesLoss();
    const [b] = [...readDarkMachines(path, { loss })];
    expect(b.nBx).toBe(3);
    expect([...b.bx]).toEqual([1, 2, 3]);
    expect([...b.weight!]).toEqual([0.5, 1.25, Math.fround(0.01)]);
    expect(b.process).toEqual(["ttbar", "njets", "glgl1400_neutralino1100"]);
    expect([...b.label!]).toEqual([0, 0, DARKMACHINES_OTHER_LABEL]);
    // Event 1: j and b → 2 jets (pT-ordered), m- → muon charge −1, e+ → e/γ; MET 45 GeV.
    expect([b.jets.offset[1], b.muons.offset[1], b.egammas.offset[1]]).toEqual([2, 1, 1]);
    expect([b.jets.hwEt[0], b.jets.hwEt[1]]).toEqual([400, 160]); // 200 GeV, 80 GeV at 0.5 GeV/count
    expect(b.jets.hwEta[1]).toBe(caloEtaToHw(-1.2));
    expect([b.muons.hwPt[0], b.muons.hwCharge[0], b.muons.hwEtaAtVtx[0]]).toEqual([muonPtToHw(30), -1, muonEtaToHw(0.3)]);
    expect(b.sums.hwMissEt[0]).toBe(90);
    expect(b.sums.hwMissEtPhi[0]).toBe(caloPhiToHw(1.2));
    // Event 3: two muons, charges +1 then −1 in pT order.
    expect([...b.muons.hwCharge.subarray(b.muons.offset[2], b.muons.offset[3])]).toEqual([1, -1]);
    expect(loss).toMatchObject({ bTags: 1, photonsAsEgamma: 1, energies: 9 });
  });

  it("writes what it read, and reads that back to the same events", async () => {
    const [b] = [...readDarkMachines(path)];
    const out = join(dir, "again.csv");
    const w = new DarkMachinesWriter(out);
    w.append(b);
    w.close();
    const [again] = [...readDarkMachines(out)];
    expect(diffBatches(again, b)).toBeNull();
    expect(again.process).toEqual(b.process);
    expect([...again.weight!]).toEqual([...b.weight!]);
    expect(readFileSync(out, "utf8").split("\n")[0]).toMatch(/^1;ttbar;0\.5;45000;/);
  });

  it("rejects malformed lines with the line number", () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "1;njets;1;1000;0.1;j,1,2,3,4;\n2;njets;1;1000;0.1;x,1,2,3,4;\n");
    expect(() => [...readDarkMachines(bad)]).toThrow(FileFormatError);
    expect(() => [...readDarkMachines(bad)]).toThrow(/bad\.csv: line 2: object 1 has code "x", expected one of j b e- e\+ m- m\+ g/);
    writeFileSync(bad, "1;njets;heavy;1000;0.1;\n");
    expect(() => [...readDarkMachines(bad)]).toThrow(/line 1: weight "heavy" is not a number/);
  });

  it("convert scoutloop HDF5 → CSV says what the CSV drops; CSV → HDF5 keeps weights", () => {
    const h5 = join(dir, "g.h5"), csv = join(dir, "g.csv"), back = join(dir, "back.h5");
    expect(cliSync(["gen", "--orbits", "1", "--out", h5]).code).toBe(0);
    const c = cliSync(["convert", h5, csv, "--json"]);
    expect(c.code, c.stderr).toBe(0);
    const s = JSON.parse(c.stdout);
    expect(s).toMatchObject({ inputFormat: "scoutloop-h5", outputFormat: "darkmachines" });
    expect(s.dropped).toMatch(/^DarkMachines CSV dropped: τ \d+ \(no τ code\);/);
    const c2 = cliSync(["convert", path, back, "--json"]);
    expect(c2.code, c2.stderr).toBe(0);
    expect(JSON.parse(c2.stdout).dropped).toBeNull();
    const csvAgain = join(dir, "back.csv");
    expect(cliSync(["convert", back, csvAgain]).code).toBe(0);
    // the HDF5 file kept the process names too (events/process + events/process_names)
    expect(readFileSync(csvAgain, "utf8").split("\n")[1]).toMatch(/^2;njets;1\.25;/);
  });

  it("weights and process names survive CSV → JSONL and CSV → HDF5 (read back), and the ADC2021 layout names their loss", async () => {
    const [want] = [...readDarkMachines(path)];
    for (const ext of ["jsonl", "h5"]) {
      const out = join(dir, `wp.${ext}`);
      const c = cliSync(["convert", path, out, "--json"]);
      expect(c.code, c.stderr).toBe(0);
      expect(JSON.parse(c.stdout).dropped).toBeNull();
      const src = await openEvents(out);
      const back = [...src.orbits];
      src.close();
      expect(back.flatMap((b) => [...b.weight!]), ext).toEqual([...want.weight!]);
      expect(back.flatMap((b) => b.process!), ext).toEqual(want.process);
      expect(diffBatches(back[0], want), ext).toBeNull();
    }
    const jsonLine = JSON.parse(readFileSync(join(dir, "wp.jsonl"), "utf8").split("\n")[2]);
    expect(jsonLine).toMatchObject({ orbit: 1, bx: 3, weight: Math.fround(0.01), process: "glgl1400_neutralino1100" });
    const adc = cliSync(["convert", path, join(dir, "wp-adc.h5"), "--layout", "adc2021", "--json"]);
    expect(adc.code, adc.stderr).toBe(0);
    expect(JSON.parse(adc.stdout).dropped).toMatch(/^ADC2021 layout dropped: .*weights of 3 events; process names of 3 events$/);
  });

  peerIt("h5py")("h5py reads the process names and weights of the scoutloop HDF5 file", () => {
    const out = join(dir, "wp-py.h5");
    expect(cliSync(["convert", path, out]).code).toBe(0);
    const r = spawnSync(PYTHON, ["-c", `
import sys, json, h5py
with h5py.File(sys.argv[1], "r") as f:
    names = [x.decode() if isinstance(x, bytes) else x for x in f["events/process_names"][()]]
    print(json.dumps({"process": [names[i] for i in f["events/process"][()]], "weight": f["events/weight"][()].tolist()}))
`, out], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ process: ["ttbar", "njets", "glgl1400_neutralino1100"], weight: [0.5, 1.25, Math.fround(0.01)] });
  });

  it("runs through inspect, train, eval and run", () => {
    // A bigger file: generated orbits written as DarkMachines CSV.
    const big = join(dir, "big.csv");
    const w = new DarkMachinesWriter(big);
    for (const b of generateOrbits({ seed: 3, orbits: 1 })) w.append(b);
    w.close();
    const ins = cliSync(["inspect", path, "--json"]);
    expect(ins.code, ins.stderr).toBe(0);
    expect(JSON.parse(ins.stdout)).toMatchObject({ format: "darkmachines", events: 3, kinds: { jet: { count: 4 }, muon: { count: 3 }, egamma: { count: 2 } } });
    const model = join(dir, "if.json");
    const tr = cliSync(["train", "--model", "iforest", "--in", big, "--out", model]);
    expect(tr.code, tr.stderr).toBe(0);
    const ev = cliSync(["eval", "--model", model, "--bkg", big, "--sig", path, "--json"]);
    expect(ev.code, ev.stderr).toBe(0);
    const run = cliSync(["run", "--in", path, "--model", model, "--json"], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.accounting.events.in).toBe(3);
    expect(r.comparison.mismatches).toBe(0);
  });
});
