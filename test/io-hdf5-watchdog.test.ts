/**
 * HDF5 inputs cannot hang or blow memory (issue 11): libhdf5 loops forever on some damaged files
 * (found by bench/fuzz.ts, seed 20261201 case 448: 12 bytes inserted into the global heap that
 * holds the variable-length name strings). The readers run h5wasm on an HDF5 thread under a
 * watchdog (src/io/hdf5-thread.ts); here with a short budget so that the damaged file fails fast.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Adc2021File, FileFormatError, inspectFile, openEvents, readAdc2021, writeAdc2021, writeScoutloopH5, ScoutloopH5File } from "../src/io/index.js";
import { headOfBatch } from "../src/io/head.js";
import { hdf5BudgetMs, hdf5Limits } from "../src/io/hdf5-thread.js";
import { generateOrbits } from "../src/trigger/generator.js";
import { CLI } from "./helpers/cli.js";
import { PACKAGE_ROOT } from "../src/native.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-h5dog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const good = join(dir, "good.h5");
const bad = join(dir, "bad.h5");
const aborts = join(dir, "aborts.h5");

/**
 * The fuzz's damage, made again from a freshly written file: `n` zero bytes inserted `offset`
 * bytes into the global heap collection (12 at 103: libhdf5 loops; 3 at 1831: it aborts).
 */
function damage(src: string, dst: string, offset: number, n: number): void {
  const b = readFileSync(src);
  const at = b.indexOf("GCOL") + offset;
  expect(at).toBeGreaterThan(offset);
  writeFileSync(dst, Buffer.concat([b.subarray(0, at), Buffer.alloc(n), b.subarray(at)]));
}

const ENV = ["SCOUTLOOP_HDF5_TIMEOUT_MS", "SCOUTLOOP_HDF5_MS_PER_MB", "SCOUTLOOP_HDF5_MAX_MB"] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of ENV) if (saved[k] === undefined) delete process.env[k];
  else process.env[k] = saved[k];
});

beforeAll(async () => {
  // The fuzz corpus's HDF5 file (bench/fuzz.ts): 20 events of one generated orbit.
  await writeAdc2021(good, [...generateOrbits({ seed: 13, orbits: 1 })].map((b) => headOfBatch(b, 20)));
  damage(good, bad, 103, 12);
  damage(good, aborts, 1831, 3);
});

describe("HDF5 watchdog", () => {
  it("the damage bites: plain h5wasm on the main thread does not finish reading the names", () => {
    // What every reader did before the HDF5 thread: this child is killed by the timeout.
    const script = `const lib = await import("h5wasm/node"); await lib.ready; lib.Module.activate_throwing_error_handler();
      const f = new lib.File(${JSON.stringify(bad)}, "r"); try { f.get("Particles_Names").value; } catch {} console.log("finished");`;
    const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: PACKAGE_ROOT, encoding: "utf8", timeout: 4000 });
    expect(res.stdout).not.toContain("finished");
    expect(res.signal).toBe("SIGTERM");
  }, 30_000);

  it("the damaged file is a one-line FileFormatError from every reader, and the next file reads as before", async () => {
    const before = await readAdc2021(good);
    process.env.SCOUTLOOP_HDF5_TIMEOUT_MS = "400";
    const expected = `${bad}: HDF5 library did not finish opening the file within 0.4 s (damaged file?)`;
    for (const open of [() => Adc2021File.open(bad), () => readAdc2021(bad), () => openEvents(bad), () => inspectFile(bad)]) {
      const err = await (open as () => Promise<unknown>)().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(FileFormatError);
      expect((err as Error).message).toBe(expected);
    }
    const after = await readAdc2021(good);
    expect(after.particles).toEqual(before.particles);
    expect(after.labels).toEqual(before.labels);
    expect(after.names).toEqual(["Pt", "Eta", "Phi", "Class"]);
  }, 60_000);

  it("an abort inside libhdf5 is a one-line error; it ends that file's thread only", async () => {
    const before = await readAdc2021(good);
    const open = await Adc2021File.open(good);
    try {
      const err = await Adc2021File.open(aborts).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(FileFormatError);
      expect((err as Error).message).toBe(`${aborts}: HDF5 library failed (Aborted(native code called abort()); damaged file?)`);
      // The file open on its own thread reads on, and so does the next one (on a new thread).
      expect(open.readParticles(0, 20)).toEqual(before.particles);
    } finally {
      open.close();
    }
    expect((await readAdc2021(good)).particles).toEqual(before.particles);
  });

  it("the CLI: inspect of the damaged file exits 3 with one line", () => {
    const res = spawnSync(process.execPath, [CLI, "inspect", bad], {
      encoding: "utf8", timeout: 30_000, env: { ...process.env, SCOUTLOOP_HDF5_TIMEOUT_MS: "400" },
    });
    expect(res.signal).toBeNull();
    expect(res.status).toBe(3);
    expect(res.stderr.trim().split("\n")).toEqual([`scoutloop: ${bad}: HDF5 library did not finish opening the file within 0.4 s (damaged file?)`]);
  }, 60_000);

  it("the HDF5 thread's WASM heap is capped: a read past the cap is a one-line error, not host memory", async () => {
    const big = join(dir, "big.h5");
    // ~70k events: one Particles read of 65536 rows is 20 MB of float32 in the thread's heap.
    await writeAdc2021(big, generateOrbits({ seed: 5, orbits: 28 }));
    const head = (await readAdc2021(big, 1e6)).particles.subarray(0, 1000 * 76);
    process.env.SCOUTLOOP_HDF5_MAX_MB = "32";
    const f = await Adc2021File.open(big);
    try {
      expect(f.nEvents).toBeGreaterThan(65536);
      expect(() => f.readParticles(0, 65536)).toThrow(
        `${big}: cannot read "Particles" rows 0..65536: filter returned failure during read (the HDF5 thread's memory cap of 32 MB was reached; SCOUTLOOP_HDF5_MAX_MB raises it)`,
      );
      // … and the file still reads within the cap.
      expect(f.readParticles(0, 1000)).toEqual(head);
    } finally {
      f.close();
    }
  }, 120_000);

  it("scoutloop-layout files go through the same thread", async () => {
    const sl = join(dir, "sl.h5");
    const orbits = [...generateOrbits({ seed: 21, orbits: 2 })].map((b) => headOfBatch(b, 50));
    await writeScoutloopH5(sl, orbits);
    const f = await ScoutloopH5File.open(sl);
    try {
      expect([...f.orbits()].map((b) => b.nBx)).toEqual(orbits.map((b) => b.nBx));
    } finally {
      f.close();
    }
    const slBad = join(dir, "sl-bad.h5");
    writeFileSync(slBad, readFileSync(sl).subarray(0, 3000));
    const err = await ScoutloopH5File.open(slBad).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as Error).message.split("\n")).toHaveLength(1);
  });

  it("budgets: a floor plus a rate per MB, from the environment", () => {
    expect(hdf5BudgetMs(0, { floorMs: 5000, msPerMB: 100, maxWasmMB: 256 })).toBe(5000);
    expect(hdf5BudgetMs(10 * 2 ** 20, { floorMs: 5000, msPerMB: 100, maxWasmMB: 256 })).toBe(6000);
    expect(hdf5Limits({})).toEqual({ floorMs: 5000, msPerMB: 100, maxWasmMB: 256 });
    expect(() => hdf5Limits({ SCOUTLOOP_HDF5_TIMEOUT_MS: "soon" })).toThrow(/SCOUTLOOP_HDF5_TIMEOUT_MS=soon/);
  });
});
