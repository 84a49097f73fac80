/** `scoutloop eval`: per-signal AUC, PR AUC, TPR at 1e-5 and the threshold for a trigger rate. */
import { N_FEATURES } from "../events/features.js";
import { Command } from "commander";
import { basename } from "node:path";
import type { FeatureSet } from "../scoring/data.js";
import { evaluate, formatEvaluation } from "../scoring/evaluate.js";
import { loadFeatures } from "../scoring/inputs.js";
import { loadModel } from "../scoring/load.js";
import { nativeScorer } from "../scoring/native.js";
import { SIGNALS } from "../trigger/signals.js";
import { kfoldCompare, trainerFor, type KFoldCandidate } from "../study/kfold.js";
import { emit, intOption, numberOption, Progress, UsageError, InputError } from "./util.js";

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function evalCommand(): Command {
  return new Command("eval")
    .description("evaluate a model on background and signal samples: AUC, PR AUC, TPR@1e-5, threshold for a rate")
    .requiredOption("--model <model.json>", "model file")
    .option("--bkg <file>", "background events (any event file: scoutloop/ADC2021 .h5, .jsonl, .raw, pattern .txt, DarkMachines .csv)")
    .option("--sig <file>", "signal events (any event file); repeat for several signals", collect)
    .option("--gen", "use generated background and every generated signal instead of files")
    .option("--orbits <n>", "--gen: background orbits", intOption(1, 100000), 2)
    .option("--signal-events <n>", "--gen: events per signal", intOption(1, 1e7), 2000)
    .option("--seed <s>", "--gen: seed", intOption(0, 2 ** 31 - 1), 1000)
    .option("--max-events <n>", "read at most N events per file", intOption(1, 1e9))
    .option("--rate <hz>", "target trigger rate out of 40 MHz", numberOption(1e-3, 4e7), 1000)
    .option("--fixed", "evaluate the bit-exact fixed-point scores (default: float reference)")
    .option("--native", "use the native (C++) scorer")
    .option("--kfold <k>", "also give AUC mean ± std over k folds of the background, this model beside retrained ones", intOption(2, 100))
    .option("--kfold-models <list>", "--kfold: trainable models to retrain per fold, comma-separated (IF, AE, GMM, EIF)", "IF,AE,GMM")
    .option("--json", "print the result as JSON")
    .action(async (o) => {
      if (!o.gen && (!o.bkg || !o.sig?.length)) throw new UsageError("eval needs --bkg FILE --sig FILE [--sig FILE ...], or --gen");
      if (o.gen && (o.bkg || o.sig)) throw new UsageError("give either --gen or --bkg/--sig files, not both");
      // Resolve --kfold-models first: a typo is a usage error before any work is done.
      const retrained: KFoldCandidate[] = [];
      if (o.kfold !== undefined) {
        for (const name of String(o.kfoldModels).split(",").map((s) => s.trim()).filter(Boolean)) {
          try {
            retrained.push({ name, trainer: trainerFor(name) });
          } catch (err) {
            throw new UsageError(`--kfold-models: ${(err as Error).message}`);
          }
        }
      }
      let model = loadModel(o.model);
      if (model.floatOnly && (o.fixed || o.native)) throw new UsageError(`model ${o.model} (${model.kind}) is float-only: --fixed and --native are not available for it`);
      if (o.native) model = nativeScorer(model);
      if (model.nFeatures !== N_FEATURES) throw new InputError(`model ${o.model} expects ${model.nFeatures} features per event; events carry the ${N_FEATURES} AXOL1TL features`);
      const steps = 1 + (o.gen ? SIGNALS.length : o.sig.length);
      const progress = new Progress("eval", steps * 2, !o.json);
      let done = 0;
      const tick = () => progress.update(++done);
      let background: FeatureSet;
      const signals: Array<{ name: string; set: FeatureSet }> = [];
      if (o.gen) {
        background = await loadFeatures({ genOrbits: o.orbits, seed: o.seed });
        tick();
        for (const [k, name] of SIGNALS.entries()) {
          signals.push({ name, set: await loadFeatures({ genOrbits: 1000, seed: o.seed + 1 + k, signal: name, maxEvents: o.signalEvents }) });
          tick();
        }
      } else {
        background = await loadFeatures({ in: o.bkg, maxEvents: o.maxEvents });
        tick();
        for (const path of o.sig as string[]) {
          signals.push({ name: basename(path).replace(/\.(h5|hdf5|jsonl|csv|raw|txt)$/, ""), set: await loadFeatures({ in: path, maxEvents: o.maxEvents }) });
          tick();
        }
      }
      const result = evaluate(model, background, signals, { fixed: Boolean(o.fixed), rateHz: o.rate, onStep: () => tick() });
      progress.done();
      if (o.kfold === undefined) {
        emit(Boolean(o.json), result, () => formatEvaluation(result));
        return;
      }
      const candidates: KFoldCandidate[] = [{ name: `${model.kind}:${basename(o.model)}`, model }, ...retrained];
      const asSample = (set: FeatureSet) => ({ n: set.n, features: set.features, label: set.labels });
      const foldProgress = new Progress("eval --kfold fits", o.kfold * candidates.length, !o.json);
      const kfold = kfoldCompare({
        background: asSample(background), signals: signals.map((s) => ({ name: s.name, sample: asSample(s.set) })),
        candidates, k: o.kfold, precision: o.fixed ? "fixed" : "float", seed: o.seed, onStep: (d) => foldProgress.update(d),
      });
      foldProgress.done();
      // Loaded on use: the k-fold renderer pulls in Plot.
      const { formatKFold } = await import("../study/kfold-render.js");
      emit(Boolean(o.json), { ...result, kfold }, () => `${formatEvaluation(result)}\n\n${formatKFold(kfold)}`);
    });
}
