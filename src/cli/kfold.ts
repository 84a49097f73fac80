/**
 * `scoutloop kfold`: AUC per signal, mean ± std over k folds of the background, models side by
 * side. Trainable models by name (--models IF,...) retrain per fold; --model-file adds ready-made
 * models (any kind loadModel reads) evaluated on each fold.
 */
import { Command } from "commander";
import { SIGNALS, type SignalName } from "../trigger/signals.js";
import { kfoldCompare, trainerFor, trainerNames, type KFoldCandidate } from "../study/kfold.js";
import { emit, intOption, Progress, UsageError } from "./util.js";

interface KFoldCli {
  k: number; models?: string; modelFile?: string[]; bkg?: string; signals: string; orbits: number; sigOrbits: number;
  seed: number; precision: string; out?: string; json?: boolean;
}

export function kfoldCommand(): Command {
  return new Command("kfold")
    .description("compare models by ROC AUC per signal, mean ± std over k folds of the background")
    .option("--k <n>", "number of folds", intOption(2, 100), 5)
    .option("--models <list>", `trainable models, comma-separated: ${trainerNames().join(", ")} (or as train spells them: iforest, eif, ae, gmm); default IF`)
    .option("--model-file <file>", "a ready-made model JSON to evaluate on every fold, repeatable", (v: string, prev: string[] = []) => [...prev, v])
    .option("--bkg <file>", "background events (any event file: .h5, .jsonl, .raw, .txt, .csv; default: generated)")
    .option("--signals <list>", "generated signals, comma-separated", SIGNALS.join(","))
    .option("--orbits <n>", "background orbits", intOption(1, 100_000), 2)
    .option("--sig-orbits <n>", "orbits of each generated signal", intOption(1, 100_000), 1)
    .option("--seed <n>", "generator and fold seed", intOption(0, 2 ** 32 - 1), 5)
    .option("--precision <p>", "fixed (firmware model) or float scores", "fixed")
    .option("--out <dir>", "write kfold.json into this run directory")
    .option("--json", "print the result as JSON")
    .action(async (o: KFoldCli) => {
      if (o.precision !== "fixed" && o.precision !== "float") throw new UsageError(`--precision: expected fixed or float, got "${o.precision}"`);
      // Loaded on use: the report renderer pulls in Plot, sources pull in h5wasm.
      const { loadModel } = await import("../scoring/index.js");
      const { formatKFold } = await import("../study/kfold-render.js");
      const { loadSample } = await import("../study/inputs.js");
      const { writeRunFile } = await import("../report/rundir.js");
      const candidates: KFoldCandidate[] = [];
      for (const name of (o.models ?? (o.modelFile ? "" : "IF")).split(",").map((s) => s.trim()).filter(Boolean)) {
        try {
          candidates.push({ name, trainer: trainerFor(name) });
        } catch (err) {
          throw new UsageError(`--models: ${(err as Error).message}`);
        }
      }
      for (const f of o.modelFile ?? []) {
        const model = loadModel(f);
        candidates.push({ name: `${model.kind}:${f.split("/").pop()}`, model });
      }
      const names = o.signals.split(",").map((s) => s.trim()).filter(Boolean);
      for (const s of names) if (!(SIGNALS as readonly string[]).includes(s)) throw new UsageError(`--signals: unknown signal "${s}" (known: ${SIGNALS.join(", ")})`);
      const bkg = await loadSample({ in: o.bkg, orbits: o.orbits, seed: o.seed });
      const signals = [];
      for (const [i, name] of names.entries()) {
        const s = await loadSample({ orbits: o.sigOrbits, seed: o.seed + 1 + i, signal: name as SignalName, injectFraction: 1 });
        signals.push({ name, sample: s.sample });
      }
      const progress = new Progress("kfold fits", o.k * candidates.length, !o.json);
      const result = kfoldCompare({ background: bkg.sample, signals, candidates, k: o.k, precision: o.precision, seed: o.seed, onStep: (d) => progress.update(d) });
      progress.done();
      if (o.out) writeRunFile(o.out, "kfold.json", result);
      emit(Boolean(o.json), result, () => formatKFold(result));
    });
}
