/**
 * `scoutloop gen`: generate orbits of synthetic L1 data (background, optionally with an injected
 * signal) and write them as HDF5 (`.h5`/`.hdf5`: the lossless scoutloop layout, or `--layout
 * adc2021`), JSONL (`.jsonl`) or DarkMachines CSV (`.csv`); a lossy format says what it dropped.
 */
import { readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { Command, Option } from "commander";
import type { OrbitBatch } from "../events/batch.js";
import { type EventWriter, openEventWriter, writableFormatFor } from "../io/write-events.js";
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
  /** HDF5 layout (default scoutloop). */
  layout?: "scoutloop" | "adc2021";
  signalMass?: number;
  firstOrbit: number;
  json?: boolean;
}

export interface GenSummary extends Omit<EventStats, "kinds"> {
  objects: Record<string, number>;
  output: string | null;
  format: string | null;
  /** What the output format could not hold, in one line (null: nothing dropped). */
  dropped: string | null;
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

async function openSink(path: string, layout: GenOptions["layout"], provenance: Record<string, string | number>): Promise<EventWriter> {
  const format = writableFormatFor(path, layout);
  if (!format) throw new UsageError(`--out ${path}: unknown file type "${extname(path)}" (use .h5, .hdf5, .jsonl or .csv)`);
  if (layout === "adc2021" && format !== "adc2021-h5") throw new UsageError("--layout adc2021 needs an .h5/.hdf5 output");
  return openEventWriter(path, { format, provenance });
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
  const out = opts.out ? await openSink(opts.out, opts.layout ?? "scoutloop", provenance) : null;
  const total = opts.events ?? resolved.orbits;
  const progress = new Progress(opts.events !== undefined ? "events" : "orbits", total, !opts.json);
  const acc = new StatsAccumulator();
  let events = 0;
  let orbits = 0;
  try {
    for (const full of generateOrbits(genOpts)) {
      const batch = opts.events !== undefined ? headOfBatch(full, opts.events - events) : full;
      out?.append(batch);
      acc.addBatch(batch);
      events += batch.nBx;
      orbits++;
      progress.update(opts.events !== undefined ? events : orbits);
      if (opts.events !== undefined && events >= opts.events) break;
    }
  } finally {
    out?.close();
    progress.done();
  }
  const stats = acc.result();
  const objects: Record<string, number> = {};
  for (const [kind, s] of Object.entries(stats.kinds)) if (kind !== "met") objects[kind] = s.count;
  return {
    events: stats.events, orbits, labels: stats.labels, objects,
    output: opts.out ?? null, format: out?.format ?? null, dropped: out?.lossLine() ?? null, bytes: opts.out ? statSync(opts.out).size : 0,
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
    ...(s.dropped ? [`  ${s.dropped}`] : []),
  ].join("\n");
}

export function genCommand(): Command {
  return new Command("gen")
    .description("generate synthetic L1 scouting events (background and/or a signal) to HDF5 (lossless scoutloop layout, or ADC2021), JSONL or DarkMachines CSV")
    .option("--orbits <n>", `number of orbits to generate (default ${DEFAULT_ORBITS})`, intOption(0, MAX_ORBITS))
    .option("--events <n>", "number of events (filled BX) to generate instead of whole orbits", intOption(0, MAX_EVENTS))
    .option("-o, --out <file>", "output file (required); the extension picks the format: .h5/.hdf5 (HDF5, see --layout), .jsonl or .csv (DarkMachines)")
    .addOption(new Option("--layout <name>", "HDF5 layout: scoutloop (everything the trigger emits) or adc2021 (19 slots of pT, η, φ; says what it dropped)").choices(["scoutloop", "adc2021"]).default("scoutloop"))
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
