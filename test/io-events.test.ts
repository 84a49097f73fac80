/**
 * The lossless scoutloop HDF5 layout and the one reader of every event format (openEvents):
 * round trips field for field, the layout as h5py sees it, gen's counts = inspect's counts, the
 * ADC2021 loss line, every format read to the same events.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diffBatches, OBJECT_KINDS, type OrbitBatch } from "../src/events/batch.js";
import {
  detectEventFormat, FileFormatError, openEvents, openEventWriter, writeJsonl, writeScoutloopH5,
} from "../src/io/index.js";
import { generateOrbits } from "../src/trigger/generator.js";
import { fullRandomBatch, python } from "./io-helpers.js";
import { peerIt } from "./helpers/peers.js";
import { cliSync } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-events-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(path: string): Promise<OrbitBatch[]> {
  const src = await openEvents(path);
  try {
    return [...src.orbits];
  } finally {
    src.close();
  }
}

describe("scoutloop HDF5 layout", () => {
  it("keeps every field of every kind, labels, orbit and BX (random full-range batches)", async () => {
    const batches = [fullRandomBatch(1, 5, 300), fullRandomBatch(2, 6, 1), fullRandomBatch(3, 9, 3564)];
    const path = join(dir, "full.h5");
    // Small chunks: batches cross chunk boundaries on write and on read.
    expect(await writeScoutloopH5(path, batches, { chunkRows: 100 })).toBe(300 + 1 + 3564);
    expect(await detectEventFormat(path)).toBe("scoutloop-h5");
    const back = await readAll(path);
    expect(back).toHaveLength(3);
    back.forEach((b, i) => {
      expect(diffBatches(b, batches[i])).toBeNull();
      expect([...b.label!]).toEqual([...batches[i].label!]);
    });
  });

  it("writes no label dataset for unlabelled data and reads it back without labels", async () => {
    const b = fullRandomBatch(4, 1, 20);
    delete b.label;
    const path = join(dir, "nolabel.h5");
    await writeScoutloopH5(path, [b]);
    const [back] = await readAll(path);
    expect(back.label).toBeUndefined();
    expect(diffBatches(back, b)).toBeNull();
  });

  peerIt("h5py")("is readable by h5py: columnar per kind, counts give each BX's objects", async () => {
    const b = fullRandomBatch(7, 42, 50);
    const path = join(dir, "py.h5");
    await writeScoutloopH5(path, [b]);
    const out = JSON.parse(python(`
import sys, json, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    c = np.concatenate([[0], np.cumsum(f["tau/count"][()], dtype=np.int64)])
    i = int(np.argmax(f["tau/count"][()]))
    print(json.dumps({"layout": f.attrs["scoutloop_layout"] if isinstance(f.attrs["scoutloop_layout"], str) else f.attrs["scoutloop_layout"].decode(),
        "orbit": f["events/orbit"][()].tolist(), "bx": f["events/bx"][()].tolist(), "label": f["events/label"][()].tolist(),
        "i": i, "tauEt": f["tau/hwEt"][c[i]:c[i+1]].tolist(), "muCharge": f["muon/hwCharge"][()].tolist(),
        "towers": f["sums/hwTowerCount"][()].tolist(), "jets": int(f["jet/hwEt"].shape[0])}))
`, [path]));
    expect(out.layout).toBe("events-v1");
    expect(out.orbit).toEqual(Array(50).fill(42));
    expect(out.bx).toEqual([...b.bx]);
    expect(out.label).toEqual([...b.label!]);
    const i = out.i as number;
    expect(out.tauEt).toEqual([...b.taus.hwEt.subarray(b.taus.offset[i], b.taus.offset[i + 1])]);
    expect(out.tauEt.length).toBeGreaterThan(0);
    expect(out.muCharge).toEqual([...b.muons.hwCharge]);
    expect(out.towers).toEqual([...b.sums.hwTowerCount]);
    expect(out.jets).toBe(b.jets.offset[b.nBx]);
  });

  peerIt("h5py")("refuses a file whose counts break the caps or the object datasets' length", async () => {
    const make = (name: string, body: string) => {
      const path = join(dir, name);
      python(`import sys, h5py, numpy as np
n = 3
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["scoutloop_layout"] = "events-v1"
    f["events/orbit"] = np.array([1, 1, 1], np.uint32); f["events/bx"] = np.array([1, 2, 3], np.uint16)
    for s in ["hwTotalEt","hwTotalEtEm","hwTotalHt","hwMissEt","hwMissEtPhi","hwMissHt","hwMissHtPhi","hwMissEtHF","hwMissEtHFPhi","hwMissHtHF","hwMissHtHFPhi","hwTowerCount"]:
        f["sums/" + s] = np.zeros(n, np.int32)
    fields = {"muon": ["hwPt","hwEtaAtVtx","hwPhiAtVtx","hwEta","hwPhi","hwQual","hwCharge","hwIso","hwPtUnconstrained","hwDXY","tfMuonIndex"]}
    for k in ["muon", "jet", "egamma", "tau"]:
        counts = COUNTS.get(k, np.zeros(n, np.uint8))
        f[k + "/count"] = counts
        for fl in fields.get(k, ["hwEt","hwEta","hwPhi","hwIso"]):
            f[k + "/" + fl] = np.ones(int(counts.sum()) + EXTRA.get(k, 0), np.int16)
`.replace("COUNTS", `(${body})[0]`).replace("EXTRA", `(${body})[1]`), [path]);
      return path;
    };
    await expect(readAll(make("cap.h5", `({"jet": np.array([0, 13, 0], np.uint8)}, {})`))).rejects.toThrow(/event 1 has 13 jet objects, expected 0\.\.12/);
    await expect(readAll(make("len.h5", `({"tau": np.array([1, 0, 2], np.uint8)}, {"tau": 1})`))).rejects.toThrow(/"tau\/hwEt" has shape \(4\), expected \(3\)/);
    const ok = await readAll(make("ok.h5", `({"tau": np.array([1, 0, 2], np.uint8)}, {})`));
    expect(ok[0].taus.offset[3]).toBe(3);
  });
});

describe("openEvents reads every format to the same events", () => {
  const orbits = [...generateOrbits({ seed: 11, orbits: 2 })];

  it("scoutloop HDF5, JSONL and a raw capture of the same orbits", async () => {
    const h5 = join(dir, "g.h5"), jsonl = join(dir, "g.jsonl"), raw = join(dir, "g.raw");
    await writeScoutloopH5(h5, orbits);
    writeJsonl(jsonl, orbits);
    const r = cliSync(["frame", h5, "--out", raw]);
    expect(r.code, r.stderr).toBe(0);
    for (const [path, format] of [[h5, "scoutloop-h5"], [jsonl, "jsonl"], [raw, "raw"]] as const) {
      expect(await detectEventFormat(path)).toBe(format);
      const back = await readAll(path);
      expect(back.length, path).toBe(2);
      // The link keeps every object the trigger emits (labels are not on the link).
      back.forEach((b, i) => expect(diffBatches(b, orbits[i]), path).toBeNull());
    }
  });

  it("names a missing, empty or unknown file in one line", async () => {
    await expect(openEvents(join(dir, "nope.h5"))).rejects.toThrow(FileFormatError);
    await expect(openEvents(join(dir, "nope.h5"))).rejects.toThrow(/nope\.h5: no such file/);
    await expect(openEvents(dir)).rejects.toThrow(/is a directory/);
    const txt = join(dir, "notes.txt");
    const w = await openEventWriter(join(dir, "x.jsonl"));
    w.close();
    await import("node:fs").then((fs) => fs.writeFileSync(txt, "hello world\nthis is not an event file\n"));
    await expect(openEvents(txt)).rejects.toThrow(/not an event file scoutloop knows/);
  });
});

describe("gen → inspect → frame → deframe (CLI)", () => {
  it("inspect counts equal gen's, τ included, through the HDF5 file and the link capture", () => {
    const h5 = join(dir, "cli.h5"), raw = join(dir, "cli.raw");
    const gen = cliSync(["gen", "--orbits", "3", "--out", h5, "--json"]);
    expect(gen.code, gen.stderr).toBe(0);
    const g = JSON.parse(gen.stdout);
    expect(g.dropped).toBeNull();
    expect(g.objects.tau).toBeGreaterThan(1000);
    const ins = JSON.parse(cliSync(["inspect", h5, "--json"]).stdout);
    expect(ins.events).toBe(g.events);
    for (const k of ["muon", "egamma", "jet", "tau"]) expect(ins.kinds[k].count, k).toBe(g.objects[k]);
    expect(cliSync(["frame", h5, "--out", raw]).code).toBe(0);
    const cap = JSON.parse(cliSync(["inspect", raw, "--json"]).stdout);
    for (const k of ["muon", "egamma", "jet", "tau"]) expect(cap.kinds[k].count, k).toBe(g.objects[k]);
    const def = JSON.parse(cliSync(["deframe", raw, "--json"]).stdout);
    expect(JSON.stringify(def)).toContain(`"taus":${g.objects.tau}`);
  });

  it("--layout adc2021 says what it dropped, per kind, in one line", () => {
    const h5 = join(dir, "adc.h5");
    const gen = cliSync(["gen", "--orbits", "1", "--out", h5, "--layout", "adc2021"]);
    expect(gen.code, gen.stderr).toBe(0);
    const line = gen.stdout.split("\n").filter((l) => l.includes("dropped"));
    expect(line).toHaveLength(1);
    expect(line[0]).toMatch(/ADC2021 layout dropped: τ \d+ \(no τ slots\);.*jets \d+ beyond 10;.*muons/);
    for (const k of OBJECT_KINDS) expect(k).toBeTruthy();
  });
});
