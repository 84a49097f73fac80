/** `scoutloop pad`: FBM and PAD fits of an injected signal fraction (λ̂ ± σ, AUC, uninformative variables). */
import { Command, Option } from "commander";
import { SIGNALS, type SignalName } from "../trigger/signals.js";
import { parseFractions } from "./inject.js";
import { intOption, numberOption, Progress } from "./util.js";
import { emitStudy, withStudyOutputs } from "./study-output.js";

interface PadCli {
  bkg?: string; sig?: string; signal: SignalName; lambdas: string; orbits?: number; dataEvents: number; kBackground: number; kSignal: number;
  gamma1: number; gamma2: number; seed: number; out?: string; html?: string; json?: boolean;
}

export function padCommand(): Command {
  const cmd = new Command("pad")
    .description("fixed-background (FBM) and penalised (PAD) Gaussian-mixture fits of the signal fraction λ in data, per injected λ: λ̂ ± σ, likelihood ratio, AUC, uninformative variables")
    .option("--bkg <file>", "background events (.h5/.jsonl; default: generated); the first --data-events form the data, the rest the background fit")
    .option("--sig <file>", "signal events (.h5/.jsonl; default: generated --signal)")
    .addOption(new Option("--signal <name>", "generated signal").choices([...SIGNALS]).default("Ato4l"))
    .option("--lambdas <list>", "injected signal fractions λ", "0,0.01,0.05,0.1")
    .option("--orbits <n>", "background orbits to generate (default 3)", intOption(1, 10_000))
    .option("--data-events <n>", "data events per injected λ", intOption(100, 1_000_000), 3000)
    .option("--k-background <n>", "background mixture components", intOption(1, 50), 10)
    .option("--k-signal <n>", "signal mixture components", intOption(1, 10), 2)
    .option("--gamma1 <x>", "PAD mean shrinkage γ₁ (group lasso per variable)", numberOption(0, 1e6), 30)
    .option("--gamma2 <x>", "PAD variance shrinkage γ₂ (pseudo-events toward the background variance)", numberOption(0, 1e6), 10)
    .option("--seed <n>", "generator and fit seed", intOption(0, 2 ** 31 - 1), 1);
  return withStudyOutputs(cmd, "pad.json", "the table and plot")
    .addHelpText("after", "\nExample:\n  scoutloop pad --signal Ato4l --lambdas 0,0.02,0.05,0.1 --out run/\n")
    .action(async (o: PadCli) => {
      const lambdas = parseFractions(o.lambdas);
      const { loadSample } = await import("../study/inputs.js");
      const { padStudy } = await import("../study/pad-study.js");
      const { formatPad, padSection } = await import("../study/pad-render.js");
      const bkg = await loadSample({ in: o.bkg, orbits: o.orbits ?? (o.bkg ? undefined : 3), seed: o.seed, truth: "background" });
      const sig = await loadSample({ in: o.sig, orbits: o.sig ? undefined : 1, seed: o.seed + 1, signal: o.sig ? undefined : o.signal, injectFraction: o.sig ? undefined : 1, truth: "signal" });
      const progress = new Progress("pad fits", lambdas.length * 2, !o.json);
      const result = padStudy({
        background: bkg.sample, signal: sig.sample, signalName: o.sig ?? o.signal, lambdas, dataEvents: o.dataEvents,
        kBackground: o.kBackground, kSignal: o.kSignal, gamma1: o.gamma1, gamma2: o.gamma2, seed: o.seed, onStep: (k) => progress.update(k),
      });
      progress.done();
      await emitStudy(o, {
        runFile: "pad.json", result, title: "scoutloop pad", subtitle: `${bkg.describe}; signal ${sig.describe}`,
        sections: () => [padSection(result)], human: () => formatPad(result),
      });
    });
}
