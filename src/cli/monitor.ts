/**
 * `scoutloop monitor`: generic-channel monitoring (HT, MET, M_inv, M_eff per selection) of a run
 * against a reference run, with flagged bins; generated data by default (reference = plain
 * background, observed = a different seed, optionally with a signal injected).
 */
import { Command, Option } from "commander";
import { openSource } from "../bus/sources.js";
import { SIGNALS, type SignalName } from "../trigger/index.js";
import { MonitorFiller, compareToReference } from "../monitor/monitor.js";
import { DEFAULT_SELECTIONS, parseSelection } from "../monitor/selection.js";
import { formatMonitor } from "../monitor/render.js";
import { writeRunFile } from "../report/rundir.js";
import { emit, intOption, numberOption, UsageError } from "./util.js";

interface MonitorCli {
  in?: string; ref?: string; orbits: number; refOrbits?: number; seed: number; refSeed: number;
  signal?: SignalName; injectFraction?: number; selection?: string[]; systematic: number; z: number; minCount: number;
  out?: string; json?: boolean;
}

export function monitorCommand(): Command {
  return new Command("monitor")
    .description("fill HT, MET, M_inv, M_eff histograms per selection, compare with a reference run and flag significant bins")
    .option("--in <file>", "observed events (.h5 or .jsonl; default: generated)")
    .option("--ref <file>", "reference events (.h5 or .jsonl; default: generated background)")
    .option("--orbits <n>", "observed orbits (generated, or at most from --in)", intOption(1, 1_000_000), 4)
    .option("--ref-orbits <n>", "reference orbits (default: same as --orbits)", intOption(1, 1_000_000))
    .option("--seed <n>", "generator seed of the observed run", intOption(0, 2 ** 32 - 1), 2)
    .option("--ref-seed <n>", "generator seed of the reference run", intOption(0, 2 ** 32 - 1), 1)
    .addOption(new Option("--signal <name>", "inject this signal into the generated observed run").choices([...SIGNALS]))
    .option("--inject-fraction <f>", "fraction of filled BX carrying the signal", numberOption(0, 1))
    .option("--selection <name:cuts>", `a channel, repeatable, e.g. dijet:jets>=2,ht>=100 (default: ${DEFAULT_SELECTIONS.join(" ")})`, (v: string, prev: string[] = []) => [...prev, v])
    .option("--systematic <rel>", "relative systematic on the scaled reference", numberOption(0, 10), 0.05)
    .option("--z <sigma>", "flag bins whose excess or deficit reaches this significance", numberOption(0.1, 50), 3)
    .option("--min-count <n>", "never flag bins with fewer observed and expected events", numberOption(0, 1e9), 5)
    .option("--out <dir>", "write monitor.json into this run directory (then `scoutloop report DIR`)")
    .option("--json", "print the result as JSON")
    .action(async (o: MonitorCli) => {
      if (o.injectFraction !== undefined && !o.signal) throw new UsageError("--inject-fraction needs --signal");
      if (o.signal && o.in) throw new UsageError("--signal injects into generated events; it cannot be combined with --in");
      let selections;
      try {
        selections = (o.selection ?? DEFAULT_SELECTIONS).map(parseSelection);
      } catch (err) {
        throw new UsageError(`--selection: ${(err as Error).message}`);
      }
      const fill = async (spec: Parameters<typeof openSource>[0]) => {
        const src = await openSource(spec);
        try {
          return { filler: new MonitorFiller(selections).addAll(src.orbits), describe: src.describe };
        } finally {
          src.close();
        }
      };
      const obs = await fill({ in: o.in, orbits: o.orbits, seed: o.seed, signal: o.signal, injectFraction: o.injectFraction });
      const ref = await fill({ in: o.ref, orbits: o.refOrbits ?? o.orbits, seed: o.refSeed });
      const result = compareToReference(obs.filler, ref.filler, { observed: obs.describe, reference: ref.describe }, { systematic: o.systematic, zThreshold: o.z, minCount: o.minCount });
      if (o.out) writeRunFile(o.out, "monitor.json", result);
      emit(Boolean(o.json), result, () => formatMonitor(result) + (o.out ? `\nwrote ${o.out}/monitor.json` : ""));
    });
}
