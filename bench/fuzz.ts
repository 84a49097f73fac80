/**
 * Mutation fuzz over every input scoutloop reads (issue 11): link captures (TS and native
 * deframer, byte accounting checked), model JSON (strict readers; a model TS accepts must compile
 * natively and score the same bits), HDF5 and JSONL event files, board profiles. Counts cases,
 * crashes (anything thrown that is not an Error, a broken invariant), hangs (a case over its time
 * budget) and the peak RSS. `npm run bench -- fuzz` runs ≥ 10^5 cases; test/fuzz-inputs.test.ts
 * runs a small sample in CI.
 *
 * Each file case is a new file (a new inode), removed after: rewriting one file in place let
 * libhdf5 find a handle still open on the old inode and read stale metadata, which hid hangs.
 * HDF5 cases that libhdf5 would never finish end at the HDF5 thread's watchdog
 * (src/io/hdf5-thread.ts), with a budget below the hang budget; they are counted as `watchdog`.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateOrbits } from "../src/trigger/generator.js";
import { concatBytes, deframeAll, frameOrbit } from "../src/link/index.js";
import { writeJsonl, readJsonl } from "../src/io/jsonl.js";
import { writeAdc2021 } from "../src/io/adc2021-writer.js";
import { Adc2021File } from "../src/io/adc2021-reader.js";
import { headOfBatch } from "../src/io/head.js";
import { BOARDS_DIR, validateProfile } from "../src/hil/profile.js";
import { loadModel, nativeScorer, trainIsolationForest } from "../src/scoring/index.js";
import { generatedFeatures } from "../src/scoring/data.js";

export type FuzzTarget = "link" | "model" | "hdf5" | "jsonl" | "profile";

export interface FuzzCounts {
  cases: number;
  crashes: number;
  hangs: number;
  /** Cases refused with an Error (the expected outcome of most mutations). */
  refused: number;
  accepted: number;
  maxRssMB: number;
  byTarget: Record<FuzzTarget, TargetCounts>;
  /** The first few crash descriptions. */
  firstCrashes: string[];
}

export interface TargetCounts {
  cases: number;
  refused: number;
  crashes: number;
  hangs: number;
  /** HDF5 cases refused by the watchdog: libhdf5 did not finish within its budget. */
  watchdog: number;
  /** Total and longest case time. */
  ms: number;
  maxMs: number;
  /** Index of the longest case: `fuzzInputs({ first: slowestCase, cases: 1 })` replays it alone. */
  slowestCase: number;
  /** Peak RSS seen right after a case of this target. */
  maxRssMB: number;
}

/** SplitMix32-style seeded generator. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
  return { next, below: (n: number) => Math.floor(next() * n) };
}
type Rng = ReturnType<typeof rng>;

/** Byte-level mutations: flips, overwrites, truncation, deletion, duplication, insertion. */
export function mutateBytes(src: Uint8Array, r: Rng): Uint8Array {
  let b: Uint8Array = Uint8Array.from(src);
  const k = 1 + r.below(4);
  for (let m = 0; m < k && b.length > 0; m++) {
    const at = r.below(b.length);
    switch (r.below(6)) {
      case 0: b[at] ^= 1 << r.below(8); break;
      case 1: b[at] = [0, 0xff, 0x7f, 0x80][r.below(4)]!; break;
      case 2: b = b.subarray(0, at); break;
      case 3: b = concatBytes([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r.below(64)))]); break;
      case 4: { const len = 1 + r.below(256); b = concatBytes([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]); break; }
      default: b = concatBytes([b.subarray(0, at), Uint8Array.from({ length: 1 + r.below(16) }, () => r.below(256)), b.subarray(at)]);
    }
  }
  return b;
}

/** Odd values to put where a field was (cloned on use: one array must not end up inside itself). */
const WEIRD: unknown[] = [null, "x", "", -1, 0, 1.5, 2 ** 31, 2 ** 40, -(2 ** 53), 1e308, true, [], {}, [1, 2, 3], { a: 1 }, "57", 10_000_000];

const weird = (r: Rng): unknown => structuredClone(WEIRD[r.below(WEIRD.length)]);

/** Structural JSON mutations: a value replaced by an odd one, a key deleted or added, an array cut or grown. */
export function mutateJson(src: unknown, r: Rng): unknown {
  const copy = JSON.parse(JSON.stringify(src)) as unknown;
  const k = 1 + r.below(3);
  for (let m = 0; m < k; m++) {
    // Walk to a random container.
    let parent: Record<string, unknown> | unknown[] = copy as Record<string, unknown>;
    for (let depth = 0; depth < 6; depth++) {
      const keys = Array.isArray(parent) ? parent.map((_, i) => i) : Object.keys(parent);
      if (keys.length === 0) break;
      const key = keys[r.below(keys.length)]!;
      const child = (parent as Record<string | number, unknown>)[key];
      if (child && typeof child === "object" && r.next() < 0.7) parent = child as Record<string, unknown>;
      else break;
    }
    const keys = Array.isArray(parent) ? parent.map((_, i) => i) : Object.keys(parent);
    const op = r.below(5);
    if (keys.length === 0 || op === 0) {
      if (Array.isArray(parent)) parent.push(weird(r));
      else parent[`extra${r.below(3)}`] = weird(r);
      continue;
    }
    const key = keys[r.below(keys.length)]!;
    if (op === 1) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (op === 2 && Array.isArray((parent as Record<string | number, unknown>)[key])) {
      const arr = (parent as Record<string | number, unknown[]>)[key]!;
      arr.length = r.below(arr.length + 2);
    } else {
      (parent as Record<string | number, unknown>)[key] = weird(r);
    }
  }
  return copy;
}

interface Corpus {
  capture: Uint8Array;
  models: unknown[];
  rows: Int32Array;
  h5: Uint8Array;
  jsonl: Uint8Array;
  profiles: unknown[];
}

async function buildCorpus(dir: string): Promise<Corpus> {
  // Small inputs (tens of BX): each case is cheap, so 10^5 of them fit in minutes.
  const orbits = [...generateOrbits({ seed: 11, orbits: 2 })].map((b) => headOfBatch(b, 40));
  const capture = concatBytes(orbits.flatMap((b, i) => [frameOrbit(b, "muon", { crc: i === 1 }), frameOrbit(b, "calo", { crc: i === 1 })]));
  const data = generatedFeatures({ seed: 3, orbits: 1, maxEvents: 512 });
  const forest = trainIsolationForest(data.features, data.n, 57, { nTrees: 5, sampleSize: 32, seed: 1 });
  const h5Path = join(dir, "base.h5");
  await writeAdc2021(h5Path, [...generateOrbits({ seed: 13, orbits: 1 })].map((b) => headOfBatch(b, 20)));
  const jsonlPath = join(dir, "base.jsonl");
  writeJsonl(jsonlPath, [...generateOrbits({ seed: 14, orbits: 2 })].map((b) => headOfBatch(b, 10)));
  return {
    capture,
    models: [forest.toJSON()],
    rows: forest.quantizeInputs(data.features.subarray(0, 8 * 57), 8),
    h5: readFileSync(h5Path),
    jsonl: readFileSync(jsonlPath),
    profiles: ["emulator-zmq", "emulator-serial", "arty-a7-uart"].map((n) => JSON.parse(readFileSync(join(BOARDS_DIR, `${n}.json`), "utf8"))),
  };
}

export interface FuzzOptions {
  cases: number;
  seed?: number;
  /** First case index (default 0): each case draws from its own generator, so any one replays alone. */
  first?: number;
  /** Only these targets (the other cases of the range are skipped, not counted). */
  only?: readonly FuzzTarget[];
  hangMs?: number;
  /** The HDF5 watchdog's floor during the run (SCOUTLOOP_HDF5_TIMEOUT_MS), default half of hangMs. */
  hdf5TimeoutMs?: number;
  onProgress?: (done: number) => void;
}

/** The generator of case `c` under `seed`. */
export const caseRng = (seed: number, c: number): Rng => rng(Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(c + 1, 0x85ebca6b));

/** Run `cases` mutated inputs, spread over the targets; never throws. */
export async function fuzzInputs(opts: FuzzOptions): Promise<FuzzCounts> {
  const dir = mkdtempSync(join(tmpdir(), "scoutloop-fuzz-"));
  const seed = opts.seed ?? 1;
  const first = opts.first ?? 0;
  const hangMs = opts.hangMs ?? 2000;
  const savedTimeout = process.env.SCOUTLOOP_HDF5_TIMEOUT_MS;
  process.env.SCOUTLOOP_HDF5_TIMEOUT_MS = String(opts.hdf5TimeoutMs ?? hangMs / 2);
  const counts: FuzzCounts = {
    cases: 0, crashes: 0, hangs: 0, refused: 0, accepted: 0, maxRssMB: 0, firstCrashes: [],
    byTarget: Object.fromEntries((["link", "model", "hdf5", "jsonl", "profile"] as const).map((t) => [t, { cases: 0, refused: 0, crashes: 0, hangs: 0, watchdog: 0, ms: 0, maxMs: 0, slowestCase: -1, maxRssMB: 0 }])) as FuzzCounts["byTarget"],
  };
  try {
    const corpus = await buildCorpus(dir);
    const crash = (t: FuzzTarget, what: string) => {
      counts.crashes++;
      counts.byTarget[t].crashes++;
      if (counts.firstCrashes.length < 10) counts.firstCrashes.push(`${t} (case ${current}): ${what}`);
    };
    // Weights: HDF5 cases cost a file write and a WASM open, so they get fewer.
    const plan: FuzzTarget[] = [...Array(6).fill("link"), ...Array(6).fill("model"), ...Array(4).fill("jsonl"), ...Array(3).fill("profile"), "hdf5"];
    let current = first;
    for (let c = first; c < first + opts.cases; c++) {
      current = c;
      const r = caseRng(seed, c);
      const target = plan[r.below(plan.length)]!;
      if (opts.only && !opts.only.includes(target)) continue;
      const t0 = performance.now();
      try {
        switch (target) {
          case "link": {
            const bytes = mutateBytes(corpus.capture, r);
            const results = (["ts", "native"] as const).map((core) => deframeAll(bytes, { core }));
            for (const { deframer } of results) {
              const s = deframer.stats;
              const faults = Object.values(s.faults).reduce((a, f) => a + f.bytes, 0);
              if (s.bytesConsumed !== bytes.length || s.bytesGood + s.bytesTrailer + faults !== s.bytesConsumed) crash(target, "byte accounting broken");
            }
            if (JSON.stringify(results[0]!.deframer.stats) !== JSON.stringify(results[1]!.deframer.stats)) crash(target, "TS and native deframers disagree");
            counts.accepted++;
            break;
          }
          case "model": {
            const json = mutateJson(corpus.models[r.below(corpus.models.length)], r);
            let model;
            try {
              model = loadModel(json);
            } catch (err) {
              if (!(err instanceof Error)) crash(target, `non-Error thrown: ${String(err)}`);
              counts.refused++;
              counts.byTarget.model.refused++;
              break;
            }
            counts.accepted++;
            // A model the TS reader accepts must compile natively and score the same bits.
            const nF = model.nFeatures;
            const rows = new Int32Array(4 * nF);
            rows.set(corpus.rows.subarray(0, Math.min(rows.length, corpus.rows.length)));
            const ts = model.scoreFixedRaw(rows, 4);
            let nat;
            try {
              nat = nativeScorer(model).scoreFixedRaw(rows, 4);
            } catch (err) {
              crash(target, `TS accepts, native refuses: ${(err as Error).message}`);
              break;
            }
            if (ts.some((v, i) => v !== nat[i])) crash(target, "TS and native scores differ");
            break;
          }
          case "hdf5": {
            const h5 = join(dir, `case-${c}.h5`);
            writeFileSync(h5, mutateBytes(corpus.h5, r));
            try {
              const f = await Adc2021File.open(h5);
              try {
                const n = Math.min(f.nEvents, 5000);
                f.readParticles(0, n);
                f.readLabels(0, n);
              } finally {
                f.close();
              }
              counts.accepted++;
            } catch (err) {
              if (!(err instanceof Error)) crash(target, `non-Error thrown: ${String(err)}`);
              else if (err.message.split("\n").length > 1) crash(target, `error of more than one line: ${err.message.slice(0, 200)}`);
              if (err instanceof Error && err.message.includes("HDF5 library did not finish")) counts.byTarget.hdf5.watchdog++;
              counts.refused++;
              counts.byTarget.hdf5.refused++;
            } finally {
              unlinkSync(h5);
            }
            break;
          }
          case "jsonl": {
            const jl = join(dir, `case-${c}.jsonl`);
            writeFileSync(jl, mutateBytes(corpus.jsonl, r));
            try {
              let events = 0;
              for (const b of readJsonl(jl)) events += b.nBx;
              void events;
              counts.accepted++;
            } catch (err) {
              if (!(err instanceof Error)) crash(target, `non-Error thrown: ${String(err)}`);
              counts.refused++;
              counts.byTarget.jsonl.refused++;
            } finally {
              unlinkSync(jl);
            }
            break;
          }
          case "profile": {
            const json = mutateJson(corpus.profiles[r.below(corpus.profiles.length)], r);
            try {
              validateProfile(json, "fuzz");
              counts.accepted++;
            } catch (err) {
              if (!(err instanceof Error) || err.name !== "ProfileError") crash(target, `not a ProfileError: ${String(err)}`);
              counts.refused++;
              counts.byTarget.profile.refused++;
            }
            break;
          }
        }
      } catch (err) {
        crash(target, `threw ${(err as Error)?.stack?.split("\n").slice(0, 2).join(" ") ?? String(err)}`);
      }
      const ms = performance.now() - t0;
      const tc = counts.byTarget[target];
      counts.cases++;
      tc.cases++;
      tc.ms += ms;
      if (ms > tc.maxMs) (tc.maxMs = ms), (tc.slowestCase = c);
      if (ms > hangMs) {
        counts.hangs++;
        tc.hangs++;
      }
      // RSS after every case (≈ 10 µs): a case that balloons memory is caught by its target.
      const rss = process.memoryUsage.rss() / 2 ** 20;
      if (rss > tc.maxRssMB) tc.maxRssMB = rss;
      if (rss > counts.maxRssMB) counts.maxRssMB = rss;
      if (((c - first) & 255) === 0) opts.onProgress?.(c - first);
    }
    counts.maxRssMB = Math.max(counts.maxRssMB, process.memoryUsage().rss / 2 ** 20);
    counts.refused = Object.values(counts.byTarget).reduce((a, t) => a + t.refused, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (savedTimeout === undefined) delete process.env.SCOUTLOOP_HDF5_TIMEOUT_MS;
    else process.env.SCOUTLOOP_HDF5_TIMEOUT_MS = savedTimeout;
  }
  return counts;
}

/**
 * `npm run bench -- fuzz`. SCOUTLOOP_FUZZ_CASES (10^5), SCOUTLOOP_FUZZ_SEED (1),
 * SCOUTLOOP_FUZZ_FIRST (0) and SCOUTLOOP_FUZZ_ONLY (e.g. "link,model") pick the cases; the
 * slowest case of each target is printed with its index, to replay it alone.
 */
export async function run(): Promise<void> {
  const cases = Number(process.env.SCOUTLOOP_FUZZ_CASES ?? 100_000);
  const seed = Number(process.env.SCOUTLOOP_FUZZ_SEED ?? 1);
  const only = process.env.SCOUTLOOP_FUZZ_ONLY ? (process.env.SCOUTLOOP_FUZZ_ONLY.split(",") as FuzzTarget[]) : undefined;
  const t0 = performance.now();
  let shown = 0;
  const c = await fuzzInputs({ cases, seed, first: Number(process.env.SCOUTLOOP_FUZZ_FIRST ?? 0), only, onProgress: (d) => {
    if (d < shown + 10_000) return; // progress comes every 256 cases; say it every 10^4
    shown = d - (d % 10_000);
    process.stderr.write(`  ${d}/${cases} cases, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  } });
  console.log(`fuzz (seed ${seed}): ${c.cases} cases in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${c.crashes} crashes, ${c.hangs} hangs (> 2 s), ${c.refused} refused with an error, ${c.accepted} accepted, max RSS ${c.maxRssMB.toFixed(0)} MB`);
  for (const [t, v] of Object.entries(c.byTarget)) {
    console.log(
      `  ${t.padEnd(8)} ${v.cases} cases, ${v.refused} refused, ${v.crashes} crashes, ${v.hangs} hangs, ${v.watchdog} ended by the HDF5 watchdog, ` +
        `${(v.ms / Math.max(1, v.cases)).toFixed(2)} ms/case, max ${v.maxMs.toFixed(1)} ms (case ${v.slowestCase}), max RSS ${v.maxRssMB.toFixed(0)} MB`,
    );
  }
  for (const line of c.firstCrashes) console.log(`  crash: ${line}`);
}
