/** `scoutloop score`: score events with a model, float or bit-exact fixed point, TS or native. */
import { N_FEATURES } from "../events/features.js";
import { Command, Option } from "commander";
import { writeFileSync } from "node:fs";
import { rawArrayToValues } from "../scoring/fixed.js";
import { loadFeatures } from "../scoring/inputs.js";
import { loadModel } from "../scoring/load.js";
import type { ScoringModel } from "../scoring/model.js";
import { nativeScorer } from "../scoring/native.js";
import { fixedBudget } from "../scoring/budget.js";
import type { Normalisation } from "../scoring/normalise.js";
import { SIGNALS, type SignalName } from "../trigger/signals.js";
import { emit, intOption, UsageError, InputError } from "./util.js";

/** Scores of every row in the chosen arithmetic (fixed: raw bits and their values). */
export function scoreRows(model: ScoringModel, features: Float32Array, n: number, fixed: boolean): { values: Float64Array; raw?: Int32Array } {
  if (!fixed) return { values: model.scoreFloat(features, n) };
  const raw = model.scoreFixedRaw(model.quantizeInputs(features, n), n);
  return { values: rawArrayToValues(raw, model.outputFormat), raw };
}

/** The model's host-side normalisation (every fixed-point model kind has one). */
function normalisationOf(model: ScoringModel): Normalisation | undefined {
  return (model as { spec?: { normalisation?: Normalisation } }).spec?.normalisation;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

export function scoreCommand(): Command {
  return new Command("score")
    .description("score events with a model file (float reference, or bit-exact fixed point with --fixed)")
    .requiredOption("--model <model.json>", "model file (scoutloop, conifer, or wrapped isotree JSON)")
    .option("--in <file>", "events (any event file: scoutloop/ADC2021 .h5, .jsonl, .raw, pattern .txt, DarkMachines .csv)")
    .option("--gen-orbits <n>", "score N generated orbits instead of a file", intOption(1, 100000))
    .option("--seed <s>", "generator seed", intOption(0, 2 ** 31 - 1), 1)
    .addOption(new Option("--signal <name>", "generate this signal only").choices([...SIGNALS]))
    .option("--max-events <n>", "score at most N events", intOption(1, 1e9))
    .option("--fixed", "fixed-point inference (raw bits of the model's output format)")
    .option("--native", "use the native (C++) scorer")
    .option("--out <file>", "write one score per line (fixed: raw bits and value)")
    .option("--json", "print the summary as JSON")
    .action(async (o) => {
      if (!o.in && o.genOrbits === undefined) throw new UsageError("score needs --in FILE or --gen-orbits N");
      let model = loadModel(o.model);
      const reference = model;
      if (model.floatOnly && (o.fixed || o.native)) throw new UsageError(`model ${o.model} (${model.kind}) is float-only: --fixed and --native are not available for it`);
      if (o.native) model = nativeScorer(model);
      if (model.nFeatures !== N_FEATURES) throw new InputError(`model ${o.model} expects ${model.nFeatures} features per event; events carry the ${N_FEATURES} AXOL1TL features`);
      const data = await loadFeatures({ in: o.in, genOrbits: o.genOrbits, seed: o.seed, signal: o.signal as SignalName | undefined, maxEvents: o.maxEvents });
      const t0 = performance.now();
      const { values, raw } = scoreRows(model, data.features, data.n, Boolean(o.fixed));
      const seconds = (performance.now() - t0) / 1000;
      if (o.out) {
        const lines: string[] = [];
        for (let i = 0; i < data.n; i++) lines.push(raw ? `${raw[i]} ${values[i]}` : String(values[i]));
        writeFileSync(o.out, lines.join("\n") + "\n");
      }
      const sorted = Float64Array.from(values).sort();
      const summary = {
        model: model.id, kind: model.kind, events: data.n, arithmetic: o.fixed ? "fixed" : "float", native: Boolean(o.native),
        eventsPerSecond: data.n / Math.max(seconds, 1e-9),
        min: sorted[0], median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1],
        // Fixed point: per-feature input saturation and the fixed-vs-float score difference.
        ...(o.fixed && normalisationOf(reference) ? { budget: fixedBudget(reference, normalisationOf(reference)!, data.features, data.n, raw) } : {}),
      };
      emit(Boolean(o.json), summary, () =>
        `${data.n} events scored (${summary.arithmetic}${o.native ? ", native" : ""}): median ${summary.median.toFixed(4)}, p99 ${summary.p99.toFixed(4)}, max ${summary.max.toFixed(4)}` +
        `; ${(summary.eventsPerSecond / 1e6).toFixed(2)} M events/s` +
        (summary.budget ? `\nfixed vs float: max |Δ| ${summary.budget.scoreDiff.max.toPrecision(3)} (${summary.budget.scoreDiff.maxLsb.toFixed(1)} LSB), mean ${summary.budget.scoreDiff.mean.toPrecision(3)}; ` +
          `${summary.budget.eventsSaturated} events with saturated inputs${summary.budget.saturation.length ? ` (most: ${summary.budget.saturation.slice(0, 3).map((s) => `${s.name} ${s.below + s.above}`).join(", ")})` : ""}` : ""));
    });
}
