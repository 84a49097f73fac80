/**
 * `scoutloop inject`: signal-injection study — per injected fraction, the anomaly-score shift and
 * the sculpting of a variable after a score cut, with KS and likelihood-ratio statistics.
 * Runs on generated data unless --bkg / --sig files are given.
 */
import { Command, Option } from "commander";
import { SIGNALS, type SignalName } from "../trigger/signals.js";
import { STUDY_VARIABLES, type StudyVariable } from "../study/variables.js";
import { intOption, numberOption, UsageError } from "./util.js";
import { emitStudy, withStudyOutputs } from "./study-output.js";

export function parseFractions(text: string): number[] {
  const parts = text.split(",").map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === "") || values.some((v) => !Number.isFinite(v) || v < 0 || v > 1)) {
    throw new UsageError(`--fractions: expected comma-separated numbers in [0, 1], got "${text}"`);
  }
  return values;
}

interface InjectCli {
  model?: string; bkg?: string; sig?: string; signal: SignalName; fractions: string; orbits?: number; sigOrbits?: number;
  seed: number; variable: StudyVariable; cut: number; precision: "fixed" | "float"; bins: number; out?: string; html?: string; json?: boolean;
}

export function injectCommand(): Command {
  const cmd = new Command("inject")
    .description("signal-injection study: score shift and variable sculpting after a score cut, per injected fraction (KS and likelihood ratio)")
    .option("--model <file>", "model JSON (default: an isolation forest trained on generated background)")
    .option("--bkg <file>", "background events (any event file: .h5, .jsonl, .raw, .txt, .csv; default: generated)")
    .option("--sig <file>", "signal events (any event file; default: generated --signal); a labelled file gives its signal-labelled events, --bkg its background-labelled ones")
    .addOption(new Option("--signal <name>", "generated signal (without --sig)").choices([...SIGNALS]).default("Ato4l"))
    .option("--fractions <list>", "injected signal fractions of the data half of the background (with the default 4 orbits, 1e-3 is ~5 events)", "0,1e-3,1e-2,5e-2")
    .option("--orbits <n>", "background orbits to generate (default 4), or at most to read from --bkg (default: all)", intOption(1, 100_000))
    .option("--sig-orbits <n>", "signal orbits to generate signal-only (default 1), or at most to read from --sig (default: all)", intOption(1, 100_000))
    .option("--seed <n>", "generator seed and split seed", intOption(0, 2 ** 32 - 1), 3)
    .addOption(new Option("--variable <v>", "variable whose sculpting is measured").choices([...STUDY_VARIABLES]).default("M_inv"))
    .option("--cut <fraction>", "score cut: fraction of the reference background passing", numberOption(1e-9, 1), 0.01)
    .addOption(new Option("--precision <p>", "score with the fixed-point (firmware) model or the float reference").choices(["fixed", "float"]).default("fixed"))
    .option("--bins <n>", "histogram bins", intOption(2, 1000), 40);
  return withStudyOutputs(cmd, "inject.json", "the table and plots")
    .action(async (o: InjectCli) => {
      const fractions = parseFractions(o.fractions);
      // Loaded on use: the study pulls in the models, sources (h5wasm) and Plot.
      const { injectStudy } = await import("../study/inject.js");
      const { formatInject, injectSection } = await import("../study/inject-render.js");
      const { loadSample } = await import("../study/inputs.js");
      const { resolveModel } = await import("../bus/model.js");
      const m = resolveModel(o.model);
      // Generated samples default to a few orbits; files are read whole unless limited.
      const bkg = await loadSample({ in: o.bkg, orbits: o.orbits ?? (o.bkg ? undefined : 4), seed: o.seed, truth: "background" });
      const sig = await loadSample({ in: o.sig, orbits: o.sigOrbits ?? (o.sig ? undefined : 1), seed: o.seed + 1, signal: o.sig ? undefined : o.signal, injectFraction: o.sig ? undefined : 1, truth: "signal" });
      const result = injectStudy({
        model: m.model, background: bkg.sample, signal: sig.sample, signalName: o.sig ?? o.signal, fractions,
        variable: o.variable, cutFpr: o.cut, precision: o.precision, bins: o.bins, seed: o.seed,
      });
      await emitStudy(o, {
        runFile: "inject.json", result, title: "scoutloop inject", subtitle: `model ${m.describe}; background ${bkg.describe}; signal ${sig.describe}`,
        sections: () => [injectSection(result)], human: () => `model: ${m.describe}\nbackground: ${bkg.describe}\nsignal: ${sig.describe}\n${formatInject(result)}`,
      });
    });
}
