/**
 * `scoutloop regress`: re-run every golden set under fixtures/golden (or the given ones), diff
 * field by field, print the first differences per event, exit 1 on any; `--update` rewrites the
 * goldens deliberately and says what changed.
 */
import { Command } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../native.js";
import { formatDifference } from "../regress/diff.js";
import { regressJunit } from "../regress/junit.js";
import { emit, intOption, ResultFailed, UsageError } from "./util.js";

export function regressCommand(): Command {
  return new Command("regress")
    .description("re-run the chain on golden fixture sets and diff deframed objects, features, raw score bits and fault counts")
    .argument("[sets...]", "golden set names or directories (default: every set under --root)")
    .option("--root <dir>", "golden sets directory: scoutloop's own, or your repository's sets over your own captures, pattern files, event files and models (format: fixtures/golden/README.md)", join(PACKAGE_ROOT, "fixtures", "golden"))
    .option("--update", "rewrite expected outputs from this run, and report what changed")
    .option("--first <n>", "differences printed per set", intOption(1, 100_000), 10)
    .option("--junit <file>", "write JUnit XML")
    .option("--report <file>", "write the results as JSON")
    .option("--json", "print the results as JSON")
    .addHelpText("after", `
Examples:
  scoutloop regress                                   # scoutloop's own sets
  scoutloop regress --root firmware/goldens --junit regress.xml   # a firmware repository's CI
  scoutloop regress --root firmware/goldens board-vs-emulator --update   # rewrite one set deliberately; prints what changed`)
    .action(async (sets: string[], o: { root: string; update?: boolean; first: number; junit?: string; report?: string; json?: boolean }) => {
      // Loaded on use: re-running the chain pulls in the link (RxJS), models and readers.
      const { listGoldenSets, regressSet } = await import("../regress/regress.js");
      let dirs: string[];
      try {
        dirs = sets.length ? sets.map((s) => (s.includes("/") ? s : join(o.root, s))) : listGoldenSets(o.root).map((s) => join(o.root, s));
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      if (dirs.length === 0) throw new UsageError(`no golden sets (directories with spec.json) under ${o.root}`);
      const results: Awaited<ReturnType<typeof regressSet>>[] = [];
      for (const d of dirs) results.push(await regressSet(d, Boolean(o.update)));
      const json = results.map((r) => ({ ...r, differences: r.differences.slice(0, 1000), differenceCount: r.differences.length }));
      if (o.junit) writeFileSync(o.junit, regressJunit(results, o.first));
      if (o.report) writeFileSync(o.report, JSON.stringify(json, null, 2) + "\n");
      emit(Boolean(o.json), json, () => results.map((r) => {
        const status = r.error ? "ERROR" : o.update ? (r.updated ? "UPDATED" : "unchanged") : r.ok ? "ok" : "FAIL";
        const head = `${status.padEnd(9)} ${r.name} (${r.events} events, ${r.seconds.toFixed(2)} s)${r.differences.length ? `: ${r.differences.length} differences${o.update ? " rewritten" : ""}` : ""}`;
        const lines = r.error ? [`  ${r.error}`] : [...r.failures.map((f) => `  ${f}`), ...r.differences.slice(0, o.first).map((d) => `  ${formatDifference(d)}`)];
        if (r.differences.length > o.first) lines.push(`  … ${r.differences.length - o.first} more`);
        return [head, ...lines].join("\n");
      }).join("\n"));
      const failed = results.filter((r) => !r.ok).length;
      // Thrown, not process.exitCode: main.ts sets the exit code from the action's outcome. On --update
      // only sets that could not run or whose spec's assertions failed count.
      if (failed > 0) throw new ResultFailed([`${failed} of ${results.length} golden sets ${o.update ? "failed" : "differ"}`], "regress");
    });
}
