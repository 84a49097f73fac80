/**
 * `scoutloop gp`: the Gaussian-process resonance search (after Frate et al., arXiv:1709.05681) on
 * generated dijet-like spectra with an injected Gaussian signal: background kernel by maximum
 * marginal likelihood, signal kernel with the background frozen, the injection table.
 */
import { Command } from "commander";
import { intOption, numberOption, Progress, UsageError } from "./util.js";
import { emitStudy, withStudyOutputs } from "./study-output.js";

interface GpCli {
  lo: number; hi: number; bins: number; events: number; mass: number; width: number; inject: string; toys: number;
  seed: number; out?: string; html?: string; json?: boolean;
}

export function gpCommand(): Command {
  const cmd = new Command("gp")
    .description("GP resonance search: background kernel by max marginal likelihood, localised signal kernel with the background frozen; injection table (m̂, t̂, R̂ per injected R, spurious signal at R = 0)")
    .option("--lo <x>", "spectrum lower edge (TeV)", numberOption(0.01, 12), 1)
    .option("--hi <x>", "spectrum upper edge (TeV)", numberOption(0.02, 13), 3.5)
    .option("--bins <n>", "bins", intOption(8, 200), 30)
    .option("--events <n>", "background events in the spectrum (dijet function, √s = 13 TeV)", intOption(100, 1e9), 50_000)
    .option("--mass <x>", "injected resonance mass (TeV)", numberOption(0.01, 13), 2)
    .option("--width <x>", "injected Gaussian width (TeV)", numberOption(1e-4, 5), 0.08)
    .option("--inject <list>", "injected signal events R, comma-separated (0 = spurious-signal test)", "0,300,600,1200")
    .option("--toys <n>", "Poisson toys per injected R", intOption(1, 10_000), 10)
    .option("--seed <n>", "toy seed", intOption(0, 2 ** 31 - 1), 1);
  return withStudyOutputs(cmd, "gp.json", "the table and plots")
    .addHelpText("after", "\nExample:\n  scoutloop gp --mass 2 --width 0.08 --inject 0,500,1000 --toys 20 --out run/\n")
    .action(async (o: GpCli) => {
      if (!(o.hi > o.lo)) throw new UsageError(`--hi (${o.hi}) must be above --lo (${o.lo})`);
      if (o.mass <= o.lo || o.mass >= o.hi) throw new UsageError(`--mass ${o.mass} is outside the spectrum [${o.lo}, ${o.hi}]`);
      const injected = o.inject.split(",").map((v) => v.trim());
      const values = injected.map(Number);
      if (injected.some((v) => v === "") || values.some((v) => !Number.isFinite(v) || v < 0)) throw new UsageError(`--inject: expected comma-separated event counts ≥ 0, got "${o.inject}"`);
      const { gpInjectionStudy } = await import("../study/gp-search.js");
      const { formatGp, gpSection } = await import("../study/gp-render.js");
      const edges = Array.from({ length: o.bins + 1 }, (_, i) => o.lo + ((o.hi - o.lo) * i) / o.bins);
      const progress = new Progress("gp toys", values.length * o.toys, !o.json);
      const result = gpInjectionStudy({ edges, backgroundEvents: o.events, mass: o.mass, width: o.width, injected: values, toys: o.toys, seed: o.seed, onToy: (k) => progress.update(k) });
      progress.done();
      await emitStudy(o, {
        runFile: "gp.json", result, title: "scoutloop gp", subtitle: `signal at ${o.mass} TeV`,
        sections: () => [gpSection(result)], human: () => formatGp(result),
      });
    });
}
