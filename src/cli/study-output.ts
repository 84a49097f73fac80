/**
 * The outputs every study command shares (gp, pad, inject, monitor, nplm): a JSON file in a run
 * directory for `scoutloop report`, one self-contained HTML page, or JSON on stdout.
 */
import type { Command } from "commander";
import type { Section } from "../render/html.js";
import { emit } from "./util.js";

export interface StudyOutputFlags { out?: string; html?: string; json?: boolean }

/** Adds --out, --html and --json; `runFile` names the JSON file --out writes. */
export function withStudyOutputs(cmd: Command, runFile: string, htmlContent = "the tables and plots"): Command {
  return cmd
    .option("--out <dir>", `write ${runFile} into this run directory (then \`scoutloop report DIR\`)`)
    .option("--html <file>", `write ${htmlContent} as one self-contained HTML page`)
    .option("--json", "print the result as JSON");
}

export interface StudyResultOutput {
  runFile: string;
  result: unknown;
  title: string;
  subtitle: string;
  sections: () => Section[];
  /** The human-readable summary printed without --json. */
  human: () => string;
}

/** Writes what the flags ask for, then prints the result (JSON or the summary with the files written). */
export async function emitStudy(flags: StudyOutputFlags, out: StudyResultOutput): Promise<void> {
  const { writeHtmlPage, writeRunFile } = await import("../report/rundir.js");
  const wrote: string[] = [];
  if (flags.out) wrote.push(writeRunFile(flags.out, out.runFile, out.result));
  if (flags.html) wrote.push(writeHtmlPage(flags.html, out.title, out.subtitle, out.sections()));
  emit(Boolean(flags.json), out.result, () => out.human() + wrote.map((w) => `\nwrote ${w}`).join(""));
}
