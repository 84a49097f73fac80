import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diffBatches, type OrbitBatch } from "../src/events/batch.js";
import { caloEtaToHw, caloPhiToHw, muonPtToHw } from "../src/events/scales.js";
import {
  Adc2021File, adc2021Orbits, FileFormatError, ADC_MAX_EVENTS, readAdc2021, writeAdc2021,
} from "../src/io/index.js";
import { adcCompatibleBatch, python } from "./io-helpers.js";
import { peerDescribe, peerIt } from "./helpers/peers.js";

const itH5py = peerIt("h5py");

const dir = mkdtempSync(join(tmpdir(), "scoutloop-io-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readOrbits(path: string): Promise<OrbitBatch[]> {
  const file = await Adc2021File.open(path);
  try {
    return [...adc2021Orbits(file)];
  } finally {
    file.close();
  }
}

async function expectBad(path: string, pattern: RegExp): Promise<void> {
  const err = await readOrbits(path).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(FileFormatError);
  const msg = (err as Error).message;
  expect(msg.startsWith(`${path}: `)).toBe(true);
  expect(msg).toMatch(pattern);
  expect(msg).not.toContain("\n");
}

describe("ADC2021 HDF5 round trip (ours -> ours)", () => {
  it.each([4096, 7])("keeps every hardware value, orbit, BX and label of slot-compatible batches (chunks of %i rows)", async (chunkRows) => {
    const batches = [adcCompatibleBatch(1, 7, 300), adcCompatibleBatch(2, 8, 1), adcCompatibleBatch(3, 10, 3564)];
    const path = join(dir, `rt-${chunkRows}.h5`);
    const n = await writeAdc2021(path, batches, { chunkRows, provenance: { seed: 42, tool: "scoutloop-test" } });
    expect(n).toBe(300 + 1 + 3564);
    const back = await readOrbits(path);
    expect(back.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(diffBatches(back[i], batches[i])).toBeNull();
      expect([...back[i].label!]).toEqual([...batches[i].label!]);
    }
    const ds = await readAdc2021(path);
    expect(ds.nEvents).toBe(n);
    expect(ds.names).toEqual(["Pt", "Eta", "Phi", "Class"]);
    expect(ds.attrs).toMatchObject({ seed: 42, tool: "scoutloop-test" });
  });

  it("writes an empty file that reads back as zero events", async () => {
    const path = join(dir, "empty.h5");
    expect(await writeAdc2021(path, [])).toBe(0);
    expect(await readOrbits(path)).toEqual([]);
  });
});

peerDescribe("h5py", "ADC2021 HDF5 from an independent writer (h5py)", () => {
  it("reads a python-written file value for value and quantises it to hardware units", async () => {
    const path = join(dir, "py.h5");
    const out = python(`
import sys, json, h5py, numpy as np
rng = np.random.default_rng(5)
n = 5000
p = np.zeros((n, 19, 4), dtype=np.float32)
cls = [1] + [2]*4 + [3]*4 + [4]*10
for s in range(19):
    keep = rng.random(n) < (1.0 if s == 0 else 0.5)
    p[keep, s, 0] = rng.uniform(0.0, 200.0, keep.sum())
    p[keep, s, 1] = 0.0 if s == 0 else rng.uniform(-2.4, 2.4, keep.sum())
    p[keep, s, 2] = rng.uniform(-3.14, 3.14, keep.sum())
    p[keep, s, 3] = cls[s]
# event 0: known values, hand-checked below
p[0] = 0
p[0, 0] = [50.0, 0.0, 1.0, 1]
p[0, 1] = [20.5, -1.0, 0.5, 2]
p[0, 5] = [30.0, 0.3, -2.0, 3]
p[0, 9] = [100.0, 2.0, 3.0, 4]
with h5py.File(sys.argv[1], "w") as f:
    # gzip in 1000-row chunks: our 3564-row orbit reads cross chunk boundaries
    f.create_dataset("Particles", data=p, compression="gzip", chunks=(1000, 19, 4))
    f.create_dataset("Particles_Names", data=np.array([b"Pt", b"Eta", b"Phi", b"Class"]))
    f.create_dataset("Particles_Classes", data=np.array([b"MET_class_1", b"Four_Ele_class_2", b"Four_Mu_class_3", b"Ten_Jet_class_4"]))
print(json.dumps({"sum": float(p.astype(np.float64).sum()), "row123": p[123].flatten().tolist()}))
`, [path]);
    const expected = JSON.parse(out) as { sum: number; row123: number[] };
    const ds = await readAdc2021(path);
    expect(ds.nEvents).toBe(5000);
    expect(ds.names).toEqual(["Pt", "Eta", "Phi", "Class"]);
    expect(ds.classes[3]).toBe("Ten_Jet_class_4");
    expect([...ds.particles.subarray(123 * 76, 124 * 76)]).toEqual(expected.row123);
    let sum = 0;
    for (const v of ds.particles) sum += v;
    expect(sum).toBeCloseTo(expected.sum, 0);

    // No orbit/bx datasets: one event per BX, consecutive BX 1..3564, orbits from 1.
    const orbits = await readOrbits(path);
    expect(orbits.map((b) => [b.orbit, b.nBx])).toEqual([[1, 3564], [2, 5000 - 3564]]);
    expect(orbits[1].bx[0]).toBe(1);
    expect(orbits[0].bx[3563]).toBe(3564);
    const b = orbits[0];
    expect(b.sums.hwMissEt[0]).toBe(100); // 50 GeV / 0.5
    expect(b.sums.hwMissEtPhi[0]).toBe(caloPhiToHw(1.0));
    expect([b.egammas.offset[1], b.egammas.hwEt[0], b.egammas.hwEta[0]]).toEqual([1, 41, caloEtaToHw(-1.0)]);
    expect([b.muons.offset[1], b.muons.hwPt[0]]).toEqual([1, muonPtToHw(30)]);
    expect(b.muons.hwPt[0]).toBe(61); // 30 GeV = 0.5 (61 - 1)
    expect([b.jets.offset[1], b.jets.hwEt[0], b.jets.hwEta[0]]).toEqual([1, 200, 46]); // 2.0 / 0.0435 = 45.98
  });

  it("our file reads correctly in h5py", async () => {
    const path = join(dir, "for-py.h5");
    const batch = adcCompatibleBatch(9, 33, 50);
    await writeAdc2021(path, [batch], { provenance: { seed: 9, signal: "Ato4l" } });
    const out = JSON.parse(python(`
import sys, json, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    p = f["Particles"]
    print(json.dumps({"shape": list(p.shape), "dtype": str(p.dtype), "row0": p[0].flatten().tolist(),
        "names": [x.decode() if isinstance(x, bytes) else x for x in f["Particles_Names"][()]],
        "labels": f["labels"][()].tolist(), "bx": f["bx"][()].tolist(), "orbit": int(f["orbit"][0]),
        "attrs": {k: (v.decode() if isinstance(v, bytes) else (v if isinstance(v, str) else int(v))) for k, v in f.attrs.items()}}))
`, [path])) as Record<string, any>;
    expect(out.shape).toEqual([50, 19, 4]);
    expect(out.dtype).toBe("float32");
    expect(out.names).toEqual(["Pt", "Eta", "Phi", "Class"]);
    expect(out.labels).toEqual([...batch.label!]);
    expect(out.bx).toEqual([...batch.bx]);
    expect(out.orbit).toBe(33);
    expect(out.attrs).toEqual({ seed: 9, signal: "Ato4l" });
    // Row 0: MET slot in physical units, class ids by slot occupancy.
    expect(out.row0[0]).toBe(batch.sums.hwMissEt[0] * 0.5);
    expect(out.row0[3]).toBe(1);
    const nEg = batch.egammas.offset[1];
    for (let k = 0; k < 4; k++) expect(out.row0[(1 + k) * 4 + 3]).toBe(k < nEg ? 2 : 0);
    const nJet = batch.jets.offset[1];
    if (nJet > 0) expect(out.row0[9 * 4]).toBe(batch.jets.hwEt[0] * 0.5);
  });
});

describe("bad ADC2021 files are rejected with one clear line", () => {
  const h5py = (name: string, body: string): string => {
    const path = join(dir, name);
    python(`import sys, h5py, numpy as np\nwith h5py.File(sys.argv[1], "w") as f:\n${body.replace(/^/gm, "    ")}`, [path]);
    return path;
  };

  it("not HDF5 / empty / missing file", async () => {
    const text = join(dir, "text.h5");
    writeFileSync(text, "pT,eta,phi\n1,2,3\n".repeat(100));
    await expectBad(text, /not an HDF5 file/);
    const empty = join(dir, "zero.h5");
    writeFileSync(empty, "");
    await expectBad(empty, /empty file/);
    await expectBad(join(dir, "nope.h5"), /cannot read file \(ENOENT\)/);
  });

  itH5py("missing Particles", async () => {
    await expectBad(h5py("noparticles.h5", `f.create_dataset("Other", data=np.zeros((3, 19, 4), np.float32))`), /missing dataset "Particles".*Other/);
  });

  itH5py("wrong shape (N,19,3) and wrong type", async () => {
    await expectBad(h5py("shape.h5", `f.create_dataset("Particles", data=np.zeros((3, 19, 3), np.float32))`), /shape \(3,19,3\), expected \(N,19,4\)/);
    await expectBad(h5py("type.h5", `f.create_dataset("Particles", data=np.zeros((3, 19, 4), np.int32))`), /expected float32 or float64/);
  });

  itH5py("NaN, Inf, negative pT, wrong class id", async () => {
    await expectBad(h5py("nan.h5", `p = np.zeros((4, 19, 4), np.float32); p[2, 7, 1] = np.nan\nf.create_dataset("Particles", data=p)`), /event 2 slot 7 has a non-finite value \(NaN\)/);
    await expectBad(h5py("inf.h5", `p = np.zeros((4, 19, 4)); p[3, 0, 0] = np.inf\nf.create_dataset("Particles", data=p)`), /event 3 slot 0 has a non-finite value \(Infinity\)/);
    await expectBad(h5py("neg.h5", `p = np.zeros((4, 19, 4), np.float32); p[1, 9, 0] = -5\nf.create_dataset("Particles", data=p)`), /event 1 slot 9 has negative pT/);
    await expectBad(h5py("cls.h5", `p = np.zeros((4, 19, 4), np.float32); p[0, 5, 3] = 4\nf.create_dataset("Particles", data=p)`), /event 0 slot 5 has class id 4, expected 0 or 3/);
  });

  itH5py("a field order other than Pt, Eta, Phi, Class", async () => {
    await expectBad(
      h5py("names.h5", `f.create_dataset("Particles", data=np.zeros((2, 19, 4), np.float32)); f.create_dataset("Particles_Names", data=np.array([b"Eta", b"Pt", b"Phi", b"Class"]))`),
      /"Particles_Names" is \[Eta, Pt, Phi, Class\], expected \[Pt, Eta, Phi, Class\]/,
    );
  });

  itH5py("compression filters h5wasm cannot decode", async () => {
    await expectBad(h5py("lzf.h5", `f.create_dataset("Particles", data=np.zeros((5, 19, 4), np.float32), compression="lzf")`), /uses HDF5 filter .*lzf.*id 32000.*cannot decode/);
  });

  itH5py("absurd event counts are refused before allocating", async () => {
    await expectBad(
      h5py("huge.h5", `f.create_dataset("Particles", shape=(${ADC_MAX_EVENTS + 1}, 19, 4), dtype=np.float32, chunks=(1024, 19, 4))`),
      new RegExp(`${ADC_MAX_EVENTS + 1} events, more than the maximum`),
    );
  });

  itH5py("labels of the wrong length, broken orbit/bx", async () => {
    await expectBad(h5py("labels.h5", `f.create_dataset("Particles", data=np.zeros((4, 19, 4), np.float32)); f.create_dataset("labels", data=np.zeros(3, np.uint8))`), /"labels" has shape \(3\), expected \(4\)/);
    await expectBad(
      h5py("bx.h5", `f.create_dataset("Particles", data=np.zeros((3, 19, 4), np.float32)); f.create_dataset("orbit", data=np.array([5, 5, 5], np.uint32)); f.create_dataset("bx", data=np.array([1, 9, 4000], np.uint16))`),
      /event 2 has bx 4000, expected 1\.\.3564/,
    );
  });

  it("a truncated file", async () => {
    const full = join(dir, "full.h5");
    await writeAdc2021(full, [adcCompatibleBatch(4, 1, 3000)], { compression: 0 });
    const bytes = readFileSync(full);
    const cut = join(dir, "cut.h5");
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectBad(cut, /cannot open HDF5 file: truncated file/);
  });
});

describe("corrupted HDF5 bytes", () => {
  it("every corruption reads fine or fails with a FileFormatError, and the library stays usable", async () => {
    const good = join(dir, "fuzz-src.h5");
    const batch = adcCompatibleBatch(21, 2, 400);
    await writeAdc2021(good, [batch]);
    const bytes = readFileSync(good);
    let state = 777;
    const rnd = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
    const outcomes = { ok: 0, rejected: 0 };
    for (let t = 0; t < 100; t++) {
      const b = Buffer.from(bytes);
      // Mostly hit the first 4 kB, where the superblock and object headers live.
      for (let k = 1 + Math.floor(rnd() * 8); k > 0; k--) b[Math.floor(rnd() * (rnd() < 0.7 ? 4096 : b.length))] = Math.floor(rnd() * 256);
      const path = join(dir, `fuzz-${t}.h5`);
      writeFileSync(path, b);
      try {
        await readOrbits(path);
        outcomes.ok++;
      } catch (err) {
        expect(err, String(err)).toBeInstanceOf(FileFormatError);
        expect((err as Error).message).not.toContain("\n");
        outcomes.rejected++;
      }
      rmSync(path);
    }
    expect(outcomes.rejected).toBeGreaterThan(50);
    const back = await readOrbits(good);
    expect(diffBatches(back[0], batch)).toBeNull();
  });
});
