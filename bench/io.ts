/**
 * File I/O throughput, events/s, each against baselines on the same bytes in the same run:
 * - HDF5 (ADC2021 layout) write: `writeAdc2021` (features + chunked gzip-1 datasets) vs h5wasm
 *   writing the same float32 rows in one uncompressed dataset (the library floor) and vs
 *   `writeFileSync` of the raw rows (the disk floor);
 * - HDF5 read: `adc2021Orbits` (chunked read + validation + quantisation into OrbitBatches) vs
 *   h5wasm reading that one dataset whole, and vs `readFileSync` of the raw rows;
 * - JSONL write/read vs `JSON.stringify`/`JSON.parse` of the same lines (the floor of any JSONL code).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OrbitBatch } from "../src/events/batch.js";
import {
  ADC_ROW, Adc2021File, adc2021Orbits, eventToJson, readAdc2021, readJsonl, writeAdc2021, writeJsonl,
} from "../src/io/index.js";
import { loadHdf5 } from "../src/io/hdf5.js";
import { generateOrbits } from "../src/trigger/index.js";
import { bestTime, formatRate, ratioLine } from "./_timing.js";

const ORBITS = 8;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "scoutloop-bench-io-"));
  try {
    const batches: OrbitBatch[] = [...generateOrbits({ seed: 1, orbits: ORBITS, signal: "Ato4l", injectFraction: 0.01 })];
    const events = batches.reduce((s, b) => s + b.nBx, 0);
    console.log(`${ORBITS} orbits, ${events} events (filled BX)`);
    const h5 = join(dir, "b.h5");
    const raw = join(dir, "b.raw");

    // HDF5 write vs raw write of the same rows.
    const hdf5Write = await timeAsync(() => writeAdc2021(h5, batches));
    const rows = (await readAdc2021(h5)).particles;
    const rawWrite = bestTime(() => writeFileSync(raw, rows.subarray(0, events * ADC_ROW)));
    const lib = await loadHdf5();
    const plain = join(dir, "plain.h5");
    const h5wasmWrite = bestTime(() => {
      const f = new lib.File(plain, "w");
      f.create_dataset({ name: "Particles", data: rows, shape: [events, 19, 4], dtype: "<f" });
      f.close();
    });
    const write = formatRate(events / hdf5Write, " ev/s");
    console.log(ratioLine("hdf5 write (writeAdc2021, gzip 1)", write, h5wasmWrite / hdf5Write, `of one plain h5wasm dataset write (${formatRate(events / h5wasmWrite, " ev/s")})`));
    console.log(ratioLine("", write, rawWrite / hdf5Write, `of raw writeFileSync (${formatRate(events / rawWrite, " ev/s")})`));

    // HDF5 read into batches vs raw read.
    const hdf5Read = await timeAsync(async () => {
      const f = await Adc2021File.open(h5);
      let n = 0;
      for (const b of adc2021Orbits(f)) n += b.nBx;
      f.close();
      if (n !== events) throw new Error(`read ${n} events, wrote ${events}`);
    });
    const rawRead = bestTime(() => readFileSync(raw));
    const h5wasmRead = bestTime(() => {
      const f = new lib.File(plain, "r");
      (f.get("Particles") as { value: unknown }).value;
      f.close();
    });
    const read = formatRate(events / hdf5Read, " ev/s");
    console.log(ratioLine("hdf5 read -> OrbitBatches", read, h5wasmRead / hdf5Read, `of one plain h5wasm dataset read (${formatRate(events / h5wasmRead, " ev/s")})`));
    console.log(ratioLine("", read, rawRead / hdf5Read, `of raw readFileSync (${formatRate(events / rawRead, " ev/s")})`));

    // JSONL vs bare JSON.stringify / JSON.parse of the same lines.
    const jl = join(dir, "b.jsonl");
    const jsonlWrite = bestTime(() => writeJsonl(jl, batches), 300, 2);
    const lines = readFileSync(jl, "utf8").trimEnd().split("\n");
    const objs = batches.flatMap((b) => Array.from({ length: b.nBx }, (_, i) => eventToJson(b, i)));
    const stringify = bestTime(() => objs.map((o) => JSON.stringify(o)), 300, 2);
    console.log(ratioLine("jsonl write", formatRate(events / jsonlWrite, " ev/s"), stringify / jsonlWrite, `of JSON.stringify alone (${formatRate(events / stringify, " ev/s")})`));
    const jsonlRead = bestTime(() => {
      for (const _ of readJsonl(jl));
    }, 300, 2);
    const parse = bestTime(() => lines.map((l) => JSON.parse(l)), 300, 2);
    console.log(ratioLine("jsonl read -> OrbitBatches", formatRate(events / jsonlRead, " ev/s"), parse / jsonlRead, `of JSON.parse alone (${formatRate(events / parse, " ev/s")})`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Best of three runs of an async job, in seconds. */
async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}
