/**
 * `scoutloop diff` across every event format: captures with the real SCDAQ orbit headers (one file
 * per stream) and the lossless scoutloop HDF5 layout they were framed from, and a DarkMachines CSV
 * (no orbit/BX of its own) against the JSONL it was converted from, paired by event order.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliSync } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-diff-formats-"));
const p = (name: string) => join(dir, name);
const run = (args: string[]) => cliSync(args, { timeoutMs: 120_000 });
const json = (args: string[]) => {
  const r = run([...args, "--json"]);
  return { code: r.code, j: JSON.parse(r.stdout) };
};

beforeAll(() => {
  expect(run(["gen", "--orbits", "1", "--seed", "6", "--signal", "Ato4l", "--inject-fraction", "0.1", "-o", p("ev.h5")]).code).toBe(0);
  expect(run(["convert", p("ev.h5"), p("ev.jsonl")]).code).toBe(0);
  expect(run(["frame", p("ev.h5"), "-o", p("sc.raw"), "--header", "scdaq"]).code).toBe(0);
  expect(run(["convert", p("ev.jsonl"), p("ev.csv")]).code).toBe(0);
}, 180_000);

describe("diff across formats", () => {
  it("SCDAQ-header captures, one per stream, against the lossless HDF5 they were framed from: 0 differences on every field of their stream", () => {
    const calo = json(["diff", p("sc.calo.raw"), p("ev.h5")]);
    expect(calo.code).toBe(0);
    expect(calo.j.inputs.A.describe).toMatch(/SCDAQ headers, calo stream/);
    expect(calo.j.inputs.B.format).toBe("scoutloop");
    expect(Object.keys(calo.j.kinds)).toEqual(["jet", "egamma", "tau", "sums"]);
    expect(Object.keys(calo.j.kinds.jet.fields)).toEqual(["hwEt", "hwEta", "hwPhi", "hwIso"]);
    expect(calo.j.kinds.jet.pairs).toBeGreaterThan(1000);
    const muon = json(["diff", p("sc.muon.raw"), p("ev.h5")]);
    expect(muon.code).toBe(0);
    expect(Object.keys(muon.j.kinds)).toEqual(["muon"]);
    expect(muon.j.kinds.muon.pairs).toBeGreaterThan(0);
    // The muon stream stores only BX with muons; the file's other BX hold nothing it carries.
    expect(muon.j.bx.emptyOnlyB).toBeGreaterThan(1000);
    expect(muon.j.bx.onlyB).toBe(0);
  });

  it("a DarkMachines CSV against its JSONL, paired by event order, on the fields the CSV holds", () => {
    const byBx = json(["diff", p("ev.csv"), p("ev.jsonl")]);
    expect(byBx.code).toBe(1); // the CSV renumbers events onto BX 1..3564: (orbit, bx) no longer match
    const byOrder = json(["diff", p("ev.csv"), p("ev.jsonl"), "--pair", "events"]);
    expect(byOrder.code).toBe(0);
    expect(byOrder.j.pairBy).toBe("events");
    expect(byOrder.j.inputs.A.format).toBe("darkmachines");
    expect(Object.keys(byOrder.j.kinds.muon.fields)).toEqual(["hwPt", "hwEtaAtVtx", "hwPhiAtVtx", "hwCharge"]);
    expect(byOrder.j.kinds.tau).toBeUndefined();
    expect(byOrder.j.kinds.jet.pairs).toBeGreaterThan(1000);
  });
});
