/**
 * `scoutloop gen`: generate orbits of synthetic L1 data (background, optionally with an injected
 * signal) and write them as ADC2021-layout HDF5 (`.h5`/`.hdf5`) or JSONL (`.jsonl`).
 */
import { readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { Command, Option } from "commander";
import type { OrbitBatch } from "../events/batch.js";
import { Adc2021Writer } from "../io/adc2021-writer.js";
import { JsonlWriter } from "../io/jsonl.js";
import { headOfBatch } from "../io/head.js";
import { type EventStats, StatsAccumulator } from "../io/stats.js";
import { PACKAGE_ROOT } from "../native.js";
import { generateOrbits, type GeneratorOptions, resolveGeneratorOptions } from "../trigger/generator.js";
import { SIGNALS, type SignalName } from "../trigger/signals.js";
import { emit, intOption, numberOption, Progress, UsageError } from "./util.js";

interface GenOptions {
  orbits?: number;
  events?: number;
  out?: string;
  seed: number;
  signal?: SignalName;
  injectFraction?: number;
  pileup?: number;
  preset: "l1" | "adc2021";
  signalMass?: number;
  firstOrbit: number;
  json?: boolean;
}

export interface GenSummary extends Omit<EventStats, "kinds"> {
  objects: Record<string, number>;
  output: string | null;
  format: "hdf5" | "jsonl" | null;
  bytes: number;
  seconds: number;
  seed: number;
  signal: string | null;
  injectFraction: number;
  preset: string;
}

const DEFAULT_ORBITS = 10;
const PACKAGE_VERSION = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version as string;
/** Largest --events / --orbits we accept (a 2500-BX orbit is ~0.8 MB of HDF5). */
const MAX_EVENTS = 100_000_000;
const MAX_ORBITS = 100_000;

type Sink = { append(b: OrbitBatch): void; close(): number };

async function openSink(path: string, provenance: Record<string, string | number>): Promise<{ sink: Sink; format: "hdf5" | "jsonl" }> {
  const ext = extname(path).toLowerCase();
  if (ext === ".h5" || ext === ".hdf5") return { sink: await Adc2021Writer.create(path, { provenance }), format: "hdf5" };
  if (ext === ".jsonl") return { sink: new JsonlWriter(path), format: "jsonl" };
  throw new UsageError(`--out ${path}: unknown file type "${ext}" (use .h5, .hdf5 or .jsonl)`);
}

export async function runGen(opts: GenOptions): Promise<GenSummary> {
  if (opts.orbits !== undefined && opts.events !== undefined) throw new UsageError("give --orbits or --events, not both");
  if (!opts.signal && opts.injectFraction) throw new UsageError("--inject-fraction needs --signal");
  if (!opts.signal && opts.signalMass !== undefined) throw new UsageError("--signal-mass needs --signal");
  const genOpts: GeneratorOptions = {
    seed: opts.seed,
    orbits: opts.events !== undefined ? Math.min(MAX_ORBITS, opts.events) : (opts.orbits ?? DEFAULT_ORBITS),
    firstOrbit: opts.firstOrbit,
    signal: opts.signal,
    injectFraction: opts.injectFraction,
    pileup: opts.pileup,
    preset: opts.preset,
    signalMass: opts.signalMass,
  };
  let resolved;
  try {
    resolved = resolveGeneratorOptions(genOpts);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const provenance: Record<string, string | number> = {
    tool: `scoutloop ${PACKAGE_VERSION}`, generator_seed: resolved.seed, signal: resolved.signal ?? "none",
    inject_fraction: resolved.injectFraction, pileup: resolved.pileup, preset: resolved.preset, first_orbit: resolved.firstOrbit,
  };
  if (resolved.signal) provenance.signal_mass_gev = resolved.signalMass;

  const start = performance.now();
  const out = opts.out ? await openSink(opts.out, provenance) : null;
  const total = opts.events ?? resolved.orbits;
  const progress = new Progress(opts.events !== undefined ? "events" : "orbits", total, !opts.json);
  const acc = new StatsAccumulator();
  let events = 0;
  let orbits = 0;
  try {
    for (const full of generateOrbits(genOpts)) {
      const batch = opts.events !== undefined ? headOfBatch(full, opts.events - events) : full;
      out?.sink.append(batch);
      acc.addBatch(batch);
      events += batch.nBx;
      orbits++;
      progress.update(opts.events !== undefined ? events : orbits);
      if (opts.events !== undefined && events >= opts.events) break;
    }
  } finally {
    out?.sink.close();
    progress.done();
  }
  const stats = acc.result();
  const objects: Record<string, number> = {};
  for (const [kind, s] of Object.entries(stats.kinds)) if (kind !== "met") objects[kind] = s.count;
  return {
    events: stats.events, orbits, labels: stats.labels, objects,
    output: opts.out ?? null, format: out?.format ?? null, bytes: opts.out ? statSync(opts.out).size : 0,
    seconds: (performance.now() - start) / 1000,
    seed: resolved.seed, signal: resolved.signal ?? null, injectFraction: resolved.injectFraction, preset: resolved.preset,
  };
}

function human(s: GenSummary): string {
  const labels = s.labels ? Object.entries(s.labels).map(([k, v]) => `${k} ${v}`).join(", ") : "none";
  const objects = Object.entries(s.objects).map(([k, v]) => `${k} ${v}`).join(", ");
  const rate = s.seconds > 0 ? ` (${Math.round(s.events / s.seconds).toLocaleString("en-US")} events/s)` : "";
  return [
    `generated ${s.orbits} orbits, ${s.events} events in ${s.seconds.toFixed(2)} s${rate}`,
    `  seed ${s.seed}, preset ${s.preset}, signal ${s.signal ?? "none"}${s.signal ? ` at ${s.injectFraction}` : ""}`,
    `  labels: ${labels}`,
    `  objects: ${objects}`,
    s.output ? `  wrote ${s.output} (${s.format}, ${s.bytes} bytes)` : "  nothing written (no output file)",
  ].join("\n");
}

export function genCommand(): Command {
  return new Command("gen")
    .description("generate synthetic L1 scouting events (background and/or a signal) to HDF5 (ADC2021 layout) or JSONL")
    .option("--orbits <n>", `number of orbits to generate (default ${DEFAULT_ORBITS})`, intOption(0, MAX_ORBITS))
    .option("--events <n>", "number of events (filled BX) to generate instead of whole orbits", intOption(0, MAX_EVENTS))
    .option("-o, --out <file>", "output file (required); the extension picks the format: .h5/.hdf5 (ADC2021 layout) or .jsonl")
    .option("--seed <n>", "generator seed", intOption(0, Number.MAX_SAFE_INTEGER), 1)
    .addOption(new Option("--signal <name>", "signal to inject").choices([...SIGNALS]))
    .option("--inject-fraction <f>", "fraction of filled BX carrying the signal (default 0.01 with --signal)", numberOption(0, 1))
    .option("--signal-mass <GeV>", "override the signal's benchmark mass", numberOption(0))
    .option("--pileup <mu>", "mean pile-up interactions per filled BX", numberOption(0))
    .addOption(new Option("--preset <name>", "trigger acceptance preset").choices(["l1", "adc2021"]).default("l1"))
    .option("--first-orbit <n>", "number of the first orbit", intOption(0, 0x7fffffff), 1)
    .option("--json", "print the summary as JSON")
    .action(async (opts: GenOptions) => {
      // On the command line, generating and writing nothing is always a mistake (runGen called
      // from a script may want the statistics alone).
      if (!opts.out) throw new UsageError("gen needs --out FILE (.h5, .hdf5 or .jsonl)");
      const summary = await runGen(opts);
      emit(Boolean(opts.json), summary, () => human(summary));
    });
}
