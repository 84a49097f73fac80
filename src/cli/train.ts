/** `scoutloop train`: fit an anomaly model on background events and write its JSON. */
import { Command, InvalidArgumentError, Option } from "commander";
import { writeFileSync } from "node:fs";
import { N_FEATURES } from "../events/features.js";
import { featuresWithoutPhi, trainIsolationForest } from "../scoring/iforest.js";
import { trainGmm } from "../scoring/gmm.js";
import { checkLadder } from "../scoring/tukey.js";
import { loadFeatures } from "../scoring/inputs.js";
import type { ScoringModel } from "../scoring/model.js";
import { trainAutoencoder } from "../scoring/nn-train.js";
import { axol1tlNormalisation, standardisation } from "../scoring/normalise.js";
import { trainExtendedIsolationForest } from "../scoring/eiforest.js";
import { emit, intOption, numberOption, Progress, UsageError } from "./util.js";

/** `--tukey-ladder -1,0,0.5`: the powers, checked as the trainer checks them. */
function ladderOption(value: string): number[] {
  const ladder = value.split(",").map((p) => (p.trim() === "" ? NaN : Number(p)));
  try {
    checkLadder(ladder);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return ladder;
}

export function trainCommand(): Command {
  return new Command("train")
    .description("train an anomaly model (isolation forest, extended isolation forest, autoencoder or GMM) on background events")
    .addOption(new Option("--model <kind>", "model kind").choices(["iforest", "eif", "ae", "gmm"]).makeOptionMandatory())
    .option("--in <file>", "background events (any event file: scoutloop/ADC2021 .h5, .jsonl, .raw, pattern .txt, DarkMachines .csv)")
    .option("--gen-orbits <n>", "train on N generated background orbits instead of a file", intOption(1, 100000))
    .option("--seed <s>", "seed for the generator and the training", intOption(0, 2 ** 31 - 1), 1)
    .option("--max-events <n>", "use at most N events", intOption(1, 1e9))
    .requiredOption("--out <model.json>", "where to write the model")
    .option("--trees <n>", "iforest/eif: number of trees", intOption(1, 10000), 100)
    .option("--sample-size <n>", "iforest/eif: sub-sample size ψ per tree", intOption(2, 1 << 20), 256)
    .option("--all-features", "iforest/eif: let splits use φ too (default: pT and η only)")
    .option("--ndim <n>", "eif: features per hyperplane split (1 = plain isolation-forest splits)", intOption(1, N_FEATURES), 2)
    .option("--input-format <type>", "fixed-point type of the model inputs, e.g. ap_fixed<18,13,AP_RND_CONV,AP_SAT>")
    .option("--output-format <type>", "fixed-point type of the score")
    .option("--components <k>", "gmm: number of components", intOption(1, 256), 4)
    .addOption(new Option("--covariance <kind>", "gmm: covariance type").choices(["diag", "full"]).default("diag"))
    .option("--tukey", "gmm: Tukey ladder-of-powers transform per feature, λ chosen by Shapiro–Wilk W")
    .option("--tukey-ladder <powers>", "gmm: comma-separated ladder for --tukey (implies it)", ladderOption, undefined)
    .option("--epochs <n>", "ae: training epochs", intOption(1, 1000), 5)
    .option("--learning-rate <lr>", "ae: Adam learning rate", numberOption(1e-7, 1), 1e-3)
    .option("--json", "print the summary as JSON")
    .action(async (o) => {
      if (!o.in && o.genOrbits === undefined) throw new UsageError("train needs --in FILE or --gen-orbits N");
      const tukey = o.tukeyLadder ? { ladder: o.tukeyLadder as number[] } : Boolean(o.tukey);
      if (tukey && o.model !== "gmm") throw new UsageError("--tukey and --tukey-ladder apply to --model gmm only");
      if (o.model === "eif" && (o.inputFormat || o.outputFormat)) throw new UsageError("--model eif is float-only: it takes no --input-format/--output-format");
      const progress = new Progress("generate", o.genOrbits ?? 0, !o.json);
      const data = await loadFeatures({ in: o.in, genOrbits: o.genOrbits, seed: o.seed, maxEvents: o.maxEvents }, (k) => progress.update(k));
      progress.done();
      if (data.n < 2) throw new Error(`only ${data.n} events to train on`);
      const t0 = performance.now();
      let model: ScoringModel;
      if (o.model === "iforest") {
        model = trainIsolationForest(data.features, data.n, N_FEATURES, {
          seed: o.seed, nTrees: o.trees, sampleSize: o.sampleSize, normalisation: axol1tlNormalisation(),
          splitFeatures: o.allFeatures ? undefined : featuresWithoutPhi(), inputFormat: o.inputFormat, scoreFormat: o.outputFormat,
        });
      } else if (o.model === "eif") {
        // Hyperplanes add features, so each is standardised first (isotree's standardize_data default).
        model = trainExtendedIsolationForest(data.features, data.n, N_FEATURES, {
          seed: o.seed, nTrees: o.trees, sampleSize: o.sampleSize, ndim: o.ndim, normalisation: standardisation(data.features, data.n, N_FEATURES),
          splitFeatures: o.allFeatures ? undefined : featuresWithoutPhi(),
        });
      } else if (o.model === "gmm") {
        model = trainGmm(data.features, data.n, N_FEATURES, { components: o.components, covariance: o.covariance, tukey, seed: o.seed, inputFormat: o.inputFormat, outputFormat: o.outputFormat });
      } else {
        const bar = new Progress("epochs", o.epochs, !o.json);
        model = trainAutoencoder(data.features, data.n, N_FEATURES, {
          epochs: o.epochs, seed: o.seed, learningRate: o.learningRate, inputFormat: o.inputFormat, outputFormat: o.outputFormat,
          onEpoch: (e, loss) => bar.update(e + 1, `loss ${loss.toFixed(3)}`),
        });
        bar.done();
      }
      writeFileSync(o.out, JSON.stringify(model.toJSON()) + "\n");
      const summary = { model: o.model, id: model.id, events: data.n, seconds: (performance.now() - t0) / 1000, out: o.out };
      emit(Boolean(o.json), summary, () => `trained ${o.model} ${model.id} on ${data.n} events in ${summary.seconds.toFixed(2)} s → ${o.out}`);
    });
}
