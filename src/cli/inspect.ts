/**
 * `scoutloop inspect FILE`: what an event file holds — format details, events, orbits, truth
 * labels, and per object kind the count and pT/η/φ ranges. The format is told by the content
 * (src/io/open-events.ts): scoutloop or ADC2021 HDF5, JSONL, raw DMA capture, EMP/APx pattern,
 * DarkMachines CSV.
 */
import { Command } from "commander";
import { FileFormatError } from "../io/errors.js";
import { type FileSummary, inspectFile } from "../io/inspect.js";
import { STAT_KINDS } from "../io/stats.js";
import { emit, InputError } from "./util.js";

const fmtRange = (r: [number, number] | null, digits: number) => (r ? `${r[0].toFixed(digits)} .. ${r[1].toFixed(digits)}` : "-");

function human(s: FileSummary): string {
  const lines = [`${s.file}: ${s.format}, ${s.bytes} bytes`, `  events ${s.events}, orbits ${s.orbits}`];
  const datasets = s.details.datasets as { name: string; shape: number[] | null; dtype: string }[] | undefined;
  if (datasets) {
    lines.push("  datasets:");
    for (const d of datasets) lines.push(`    ${d.name.padEnd(18)} ${d.shape ? `(${d.shape.join(",")})` : "scalar"} ${d.dtype}`);
  }
  const attrs = s.details.attrs as Record<string, unknown> | undefined;
  if (attrs && Object.keys(attrs).length > 0) lines.push(`  attributes: ${Object.entries(attrs).map(([k, v]) => `${k}=${v}`).join(", ")}`);
  if (s.details.orbitStructure) lines.push(`  orbit structure: ${s.details.orbitStructure}`);
  if (s.details.describe) lines.push(`  ${s.details.describe}`);
  const faults = s.details.linkFaults as Record<string, number> | undefined;
  if (faults) lines.push(`  link faults: ${Object.entries(faults).map(([k, v]) => `${k} ${v}`).join(", ") || "none"}`);
  lines.push(`  labels: ${s.labels ? Object.entries(s.labels).map(([k, v]) => `${k} ${v}`).join(", ") : "none"}`);
  lines.push(`  ${"kind".padEnd(8)} ${"objects".padStart(10)}  ${"pT [GeV]".padEnd(20)} ${"eta".padEnd(18)} phi`);
  for (const kind of STAT_KINDS) {
    const k = s.kinds[kind];
    lines.push(`  ${kind.padEnd(8)} ${String(k.count).padStart(10)}  ${fmtRange(k.pt, 1).padEnd(20)} ${fmtRange(k.eta, 3).padEnd(18)} ${fmtRange(k.phi, 3)}`);
  }
  return lines.join("\n");
}

export function inspectCommand(): Command {
  return new Command("inspect")
    .description("describe an event file (scoutloop/ADC2021 .h5, .jsonl, .raw, pattern .txt, DarkMachines .csv): events, labels, objects per kind with pT/eta/phi ranges")
    .argument("<file>", "file to inspect")
    .option("--json", "print the summary as JSON")
    .action(async (file: string, opts: { json?: boolean }) => {
      let summary: FileSummary;
      try {
        summary = await inspectFile(file);
      } catch (err) {
        if (err instanceof FileFormatError) throw err; // one line, exit 3
        throw new InputError(`${file}: ${(err as Error).message.split("\n")[0]}`);
      }
      emit(Boolean(opts.json), summary, () => human(summary));
    });
}
