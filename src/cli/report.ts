/**
 * `scoutloop report RUN_DIR`: one self-contained HTML file from a run directory (summary.json of
 * `run --report`, plus record.json / monitor.json / inject.json / kfold.json when present).
 * `--gen` first writes record.json from generated events scored by the model.
 */
import { Command } from "commander";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../native.js";
import { emit, intOption, InputError } from "./util.js";

export function toolVersion(): string {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version as string;
}

export function reportCommand(): Command {
  return new Command("report")
    .description("write one self-contained HTML report (plots, fault and mismatch tables, manifest) from a run directory")
    .argument("<run-dir>", "directory written by `scoutloop run --report DIR` (and/or monitor/inject/kfold --out DIR)")
    .option("-o, --out <file>", "HTML file to write (default: RUN_DIR/report.html)")
    .option("--gen", "first score generated background and signals with the model and write RUN_DIR/record.json")
    .option("--model <file>", "with --gen: model JSON (default: an isolation forest trained on generated background)")
    .option("--seed <n>", "with --gen: generator seed", intOption(0, 2 ** 32 - 1), 1)
    .option("--orbits <n>", "with --gen: background orbits", intOption(1, 1000), 2)
    .option("--signal-orbits <n>", "with --gen: orbits of each signal", intOption(1, 1000), 1)
    .option("--json", "print what was written as JSON")
    .action(async (dir: string, o: { out?: string; gen?: boolean; model?: string; seed: number; orbits: number; signalOrbits: number; json?: boolean }) => {
      // Loaded on use: rendering pulls in Plot and linkedom, --gen the models and the generator.
      const { readRunDirectory, writeRunFile } = await import("../report/rundir.js");
      const { renderRunReport } = await import("../report/run-report.js");
      if (o.gen) {
        const { generatedRunRecord } = await import("../report/record.js");
        const { resolveModel } = await import("../bus/model.js");
        if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
        const m = resolveModel(o.model);
        writeRunFile(dir, "record.json", generatedRunRecord({ model: m.model, modelDescribe: m.describe, seed: o.seed, orbits: o.orbits, signalOrbits: o.signalOrbits, version: toolVersion() }));
      }
      const run = readRunDirectory(dir);
      const { STUDY_REPORTS } = await import("../report/studies.js");
      const found = { summary: !!run.summary, record: !!run.record, ...Object.fromEntries(STUDY_REPORTS.map((s) => [s.id, run.studies.some((x) => x.study === s)])) };
      // Nothing to show and nothing wrong to report: most likely the wrong directory.
      if (!Object.values(found).some(Boolean) && run.problems.length === 0) {
        throw new InputError(`${dir}: no run files (summary.json, record.json, ${STUDY_REPORTS.map((s) => s.file).join(", ")}); write them with \`scoutloop run --report ${dir}\`, or use --gen`);
      }
      const html = renderRunReport(run);
      const out = o.out ?? join(dir, "report.html");
      writeFileSync(out, html);
      emit(Boolean(o.json), { report: out, bytes: Buffer.byteLength(html), found, problems: run.problems }, () =>
        `wrote ${out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB; ${Object.entries(found).filter(([, v]) => v).map(([k]) => k).join(", ") || "only unreadable run files"})` +
        (run.problems.length ? `\n${run.problems.map((p) => `warning: ${p}`).join("\n")}` : ""));
    });
}
