/**
 * `scoutloop nplm`: the NPLM goodness-of-fit test of data against a reference, on the event
 * features or on a model's anomaly scores; with --scan, the injection scan (Z against injected
 * signal fraction). Generated events unless files are given.
 */
import { Command, Option } from "commander";
import { SIGNALS, type SignalName } from "../trigger/signals.js";
import { parseFractions } from "./inject.js";
import { intOption, numberOption, Progress, UsageError } from "./util.js";
import { emitStudy, withStudyOutputs } from "./study-output.js";

interface NplmCli {
  ref?: string; data?: string; sig?: string; signal: SignalName; injectFraction: number; scan?: string;
  on: "features" | "scores"; layout: "axol1tl" | "rmm"; rmmN: number; model?: string; precision: "fixed" | "float";
  refEvents: number; dataEvents: number; m: number; lambda: number; sigma?: number; sigmaPercentile: number;
  toys: number; toysPerFraction: number; seed: number; backend: "native" | "ts"; out?: string; html?: string; json?: boolean;
}

const EXAMPLE = `
Examples:
  scoutloop nplm --ref ref.h5 --data data.h5 --toys 100
  scoutloop nplm --signal Ato4l --inject-fraction 0.02 --on scores
  scoutloop nplm --scan 0,0.005,0.01,0.02 --signal Ato4l --on scores --out run/
`;

export function nplmCommand(): Command {
  const cmd = new Command("nplm")
    .description("NPLM goodness-of-fit test (kernel logistic on Nyström centres, null from reference-only toys, fitted χ²): data vs reference, or --scan an injected signal")
    .option("--ref <file>", "reference events (.h5/.jsonl; default: generated background); also the pool of the null toys")
    .option("--data <file>", "data events (.h5/.jsonl; default: generated background + --inject-fraction of --signal)")
    .option("--sig <file>", "with --scan: signal events (default: generated --signal)")
    .addOption(new Option("--signal <name>", "generated signal").choices([...SIGNALS]).default("Ato4l"))
    .option("--inject-fraction <f>", "generated data: fraction of BX carrying --signal", numberOption(0, 1), 0)
    .option("--scan <fractions>", "injection scan: comma-separated signal fractions of the data (e.g. 0,0.01,0.02)")
    .addOption(new Option("--on <what>", "test the event features (57 per event) or the model's anomaly scores").choices(["features", "scores"]).default("features"))
    .addOption(new Option("--layout <l>", "with --on features: the 57 AXOL1TL inputs, or the rapidity–mass matrix (Chekanov 2019) of jets, e/γ, μ, τ").choices(["axol1tl", "rmm"]).default("axol1tl"))
    .option("--rmm-n <n>", "with --layout rmm: objects per type (matrix side 1 + 4n)", intOption(1, 12), 3)
    .option("--model <file>", "with --on scores: model JSON (default: an isolation forest trained on generated background)")
    .addOption(new Option("--precision <p>", "with --on scores: fixed-point (firmware) or float scores").choices(["fixed", "float"]).default("float"))
    .option("--ref-events <n>", "reference rows (also the toys' pool: N_ref = this − data rows)", intOption(2, 2_000_000), 10_000)
    .option("--data-events <n>", "data rows", intOption(1, 1_000_000), 2_000)
    .option("--m <n>", "Nyström centres M", intOption(1, 2000), 100)
    .option("--lambda <x>", "L2 penalty λ", numberOption(1e-14, 1e3), 1e-6)
    .option("--sigma <x>", "kernel width on standardised inputs (default: from --sigma-percentile)", numberOption(1e-6, 1e6))
    .option("--sigma-percentile <p>", "σ = this percentile of pairwise reference distances", numberOption(1, 99), 90)
    .option("--toys <n>", "null toys", intOption(2, 100_000), 50)
    .option("--toys-per-fraction <n>", "with --scan: signal toys per fraction (Z of their median t)", intOption(1, 10_000), 10)
    .option("--seed <n>", "generator, split and centre seed", intOption(0, 2 ** 31 - 1), 1)
    .addOption(new Option("--backend <b>", "fit in native C++ or the TS reference").choices(["native", "ts"]).default("native"));
  return withStudyOutputs(cmd, "nplm.json (or nplm-scan.json)", "the tables and plots")
    .addHelpText("after", EXAMPLE)
    .action(async (o: NplmCli) => {
      const fractions = o.scan !== undefined ? parseFractions(o.scan) : null;
      if (o.model && o.on !== "scores") throw new UsageError("--model needs --on scores");
      if (o.dataEvents * 2 > o.refEvents) throw new UsageError(`--ref-events (${o.refEvents}) must be at least twice --data-events (${o.dataEvents}): toys take disjoint data and reference slices of it`);
      if (fractions && o.data) throw new UsageError("--scan builds its own data from --ref and --sig; drop --data");
      if (o.layout === "rmm" && o.on !== "features") throw new UsageError("--layout rmm needs --on features");
      const { loadSample } = await import("../study/inputs.js");
      const { NPLM_DEFAULTS, nplmInjectionScan, nplmTest } = await import("../study/nplm.js");
      const { loadRmmTable, sampleTable } = await import("../study/nplm-inputs.js");
      const { DEFAULT_RMM } = await import("../events/rmm.js");
      const rmm = { ...DEFAULT_RMM, n: o.rmmN };
      const { formatNplm, nplmSection } = await import("../study/nplm-render.js");
      const orbitsFor = (n: number) => Math.ceil(n / 2000) + 1; // ~2500 filled BX per generated orbit
      const model = o.on === "scores" ? (await import("../bus/model.js")).resolveModel(o.model) : null;
      // Every input as a table (rows × columns) with its description.
      const load = async (spec: Parameters<typeof loadSample>[0]) => {
        if (o.layout === "rmm") {
          const r = await loadRmmTable(spec, rmm);
          return { table: r.table, describe: r.describe, n: r.table.n };
        }
        const s = await loadSample(spec);
        return { table: sampleTable(s.sample, model?.model ?? null, o.precision), describe: s.describe, n: s.sample.n };
      };
      const ref = await load({ in: o.ref, orbits: o.ref ? undefined : orbitsFor(o.refEvents), seed: o.seed, maxEvents: o.refEvents, truth: o.ref ? undefined : "background" });
      const config = { ...NPLM_DEFAULTS, m: o.m, lambda: o.lambda, sigma: o.sigma, sigmaPercentile: o.sigmaPercentile, toys: o.toys, seed: o.seed, backend: o.backend };
      const what = o.on === "scores" ? `${model!.describe} scores (${o.precision})` : o.layout === "rmm" ? `RMM T4N${o.rmmN}` : "features";
      let result;
      if (fractions) {
        const maxF = Math.max(...fractions);
        const sig = await load({ in: o.sig, orbits: o.sig ? undefined : orbitsFor(Math.max(1, maxF * o.dataEvents)), seed: o.seed + 2, signal: o.sig ? undefined : o.signal, injectFraction: o.sig ? undefined : 1, truth: "signal", maxEvents: Math.max(1, Math.ceil(maxF * o.dataEvents) * 4) });
        const nData = o.dataEvents;
        const progress = new Progress("nplm scan", o.toys + fractions.length * o.toysPerFraction, !o.json);
        result = nplmInjectionScan({
          background: ref.table, signal: sig.table, signalName: o.sig ?? o.signal, nData, nRef: ref.n - nData, fractions,
          toysPerFraction: o.toysPerFraction, config, describeBackground: `${ref.describe} (${what})`, onStep: (k) => progress.update(k),
        });
        progress.done();
      } else {
        const data = await load({ in: o.data, orbits: o.data ? undefined : orbitsFor(o.dataEvents), seed: o.seed + 1, signal: o.data || o.injectFraction === 0 ? undefined : o.signal, injectFraction: o.data || o.injectFraction === 0 ? undefined : o.injectFraction, maxEvents: o.dataEvents });
        if (ref.n < 2 * data.n) throw new Error(`the reference has ${ref.n} rows, fewer than twice the ${data.n} data rows the toys need`);
        const progress = new Progress("nplm toys", o.toys, !o.json);
        result = nplmTest({ reference: ref.table, data: data.table, describeReference: `${ref.describe} (${what})`, describeData: data.describe, config, onToy: (k) => progress.update(k) });
        progress.done();
      }
      await emitStudy(o, {
        runFile: fractions ? "nplm-scan.json" : "nplm.json", result, title: "scoutloop nplm", subtitle: result.data.describe,
        sections: () => [nplmSection(result)], human: () => formatNplm(result),
      });
    });
}
