/**
 * `scoutloop monitor`: generic-channel monitoring (HT, MET, M_inv, M_eff per selection) of a run
 * against a reference run, with flagged bins; generated data by default (reference = plain
 * background, observed = a different seed, optionally with a signal injected).
 */
import { Command, Option } from "commander";
import { SIGNALS, type SignalName } from "../trigger/signals.js";
import { DEFAULT_SELECTIONS, parseSelection } from "../monitor/selection.js";
import { intOption, numberOption, Progress, UsageError } from "./util.js";
import { emitStudy, withStudyOutputs } from "./study-output.js";

/** Orbits generated when no file is given (~2500 events each). */
const GENERATED_ORBITS = 4;

interface MonitorCli {
  in?: string; ref?: string; orbits?: number; refOrbits?: number; seed: number; refSeed: number;
  signal?: SignalName; injectFraction?: number; selection?: string[]; systematic: number; z: number; minCount: number;
  generalSearch?: boolean; pseudo: number; out?: string; html?: string; json?: boolean;
}

export function monitorCommand(): Command {
  const cmd = new Command("monitor")
    .description("fill HT, MET, M_inv, M_eff histograms per selection, compare with a reference run and flag significant bins")
    .option("--in <file>", "observed events (any event file: .h5, .jsonl, .raw, .txt, .csv; default: generated)")
    .option("--ref <file>", "reference events (any event file; default: generated background)")
    .option("--orbits <n>", `observed orbits to generate (default ${GENERATED_ORBITS}), or at most to read from --in (default: all)`, intOption(1, 1_000_000))
    .option("--ref-orbits <n>", "reference orbits (default: same as --orbits; all of --ref)", intOption(1, 1_000_000))
    .option("--seed <n>", "generator seed of the observed run", intOption(0, 2 ** 32 - 1), 2)
    .option("--ref-seed <n>", "generator seed of the reference run", intOption(0, 2 ** 32 - 1), 1)
    .addOption(new Option("--signal <name>", "inject this signal into the generated observed run").choices([...SIGNALS]))
    .option("--inject-fraction <f>", "fraction of filled BX carrying the signal", numberOption(0, 1))
    .option("--selection <name:cuts>", `a channel, repeatable, e.g. dijet:jets>=2,ht>=100; quantities jets egammas muons taus ht met minv meff (GeV) (default: ${DEFAULT_SELECTIONS.join(" ")} — each a small slice of zero-bias background; HT counts central jets above 30 GeV only, so ht>=30 means "any such jet")`, (v: string, prev: string[] = []) => [...prev, v])
    .option("--systematic <rel>", "relative systematic on the scaled reference", numberOption(0, 10), 0.05)
    .option("--z <sigma>", "flag bins whose excess or deficit reaches this significance", numberOption(0.1, 50), 3)
    .option("--min-count <n>", "never flag bins with fewer observed and expected events", numberOption(0, 1e9), 5)
    .option("--general-search", "also scan every connected-bin region (Poisson ⊗ Gaussian p-value) and correct each channel's most significant one by pseudo-experiments")
    .option("--pseudo <n>", "with --general-search: pseudo-experiments per channel", intOption(1, 1_000_000), 200);
  return withStudyOutputs(cmd, "monitor.json", "the tables and plots")
    .action(async (o: MonitorCli) => {
      if (o.injectFraction !== undefined && !o.signal) throw new UsageError("--inject-fraction needs --signal");
      if (o.signal && o.in) throw new UsageError("--signal injects into generated events; it cannot be combined with --in");
      let selections;
      try {
        selections = (o.selection ?? DEFAULT_SELECTIONS).map(parseSelection);
      } catch (err) {
        throw new UsageError(`--selection: ${(err as Error).message}`);
      }
      // Loaded on use: sources pull in h5wasm and the generator, rendering pulls in Plot.
      const { openSource } = await import("../bus/sources.js");
      const { MonitorFiller, compareToReference } = await import("../monitor/monitor.js");
      const { formatMonitor, monitorSection } = await import("../monitor/render.js");
      const fill = async (spec: Parameters<typeof openSource>[0]) => {
        const src = await openSource(spec);
        try {
          return { filler: new MonitorFiller(selections).addAll(src.orbits), describe: src.describe };
        } finally {
          src.close();
        }
      };
      // Generated runs default to a few orbits; files are read whole unless limited.
      const orbits = (file: string | undefined, n: number | undefined) => n ?? (file ? undefined : GENERATED_ORBITS);
      const obs = await fill({ in: o.in, orbits: orbits(o.in, o.orbits), seed: o.seed, signal: o.signal, injectFraction: o.injectFraction });
      const ref = await fill({ in: o.ref, orbits: orbits(o.ref, o.refOrbits ?? o.orbits), seed: o.refSeed });
      const result = compareToReference(obs.filler, ref.filler, { observed: obs.describe, reference: ref.describe }, { systematic: o.systematic, zThreshold: o.z, minCount: o.minCount });
      if (o.generalSearch) {
        const { generalSearch } = await import("../monitor/general-search.js");
        const progress = new Progress("general search", result.channels.length * o.pseudo, !o.json);
        result.generalSearch = generalSearch(result, { pseudoExperiments: o.pseudo, seed: o.seed, onPseudo: (k) => progress.update(k) });
        progress.done();
      }
      await emitStudy(o, {
        runFile: "monitor.json", result, title: "scoutloop monitor", subtitle: `${result.observed.describe} vs ${result.reference.describe}`,
        sections: () => [monitorSection(result)], human: () => formatMonitor(result),
      });
    });
}
