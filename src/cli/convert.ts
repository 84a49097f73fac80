/**
 * `scoutloop convert IN OUT`: any event file to any other format (src/io openEvents →
 * openEventWriter, or the scouting-link framer for .raw / pattern .txt), streaming, with one line
 * saying what the target format dropped when it cannot hold everything.
 */
import { extname } from "node:path";
import { Command, Option } from "commander";
import type { OrbitBatch } from "../events/batch.js";
import type { HeaderMode } from "../io/captures.js";
import { emit, Progress, requireFile, UsageError } from "./util.js";

interface ConvertOptions {
  layout: "scoutloop" | "adc2021";
  header: HeaderMode;
  stream?: "muon" | "calo";
  json?: boolean;
}

export interface ConvertSummary {
  input: string;
  inputFormat: string;
  output: string;
  outputFormat: string;
  orbits: number;
  events: number;
  /** What the target could not hold, in one line; null when nothing was dropped. */
  dropped: string | null;
  linkFaults: Record<string, number>;
}

/** Frame every orbit into both link streams: a raw capture, or an EMP v2 pattern file of it. */
async function writeLink(out: string, orbits: Iterable<OrbitBatch>, pattern: boolean, onOrbit: () => void) {
  const { StreamFramer, writeRawFile, concatBytes, dmaToPattern, writePattern } = await import("../link/index.js");
  const dropped = { objects: 0 };
  let labelled = 0;
  const framers = (["muon", "calo"] as const).map((s) => new StreamFramer(s, { dropEmpty: true, dropped }));
  function* packets(): Generator<Uint8Array> {
    for (const b of orbits) {
      if (b.label || b.weight || b.process) labelled += b.nBx;
      for (const f of framers) yield f.push(b);
      onOrbit();
    }
    for (const f of framers) yield f.flush();
  }
  if (pattern) {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(out, writePattern(dmaToPattern(concatBytes([...packets()])), "EMPv2"));
  } else await writeRawFile(out, packets());
  const parts: string[] = [];
  if (dropped.objects) parts.push(`${dropped.objects} objects with hardware pT/ET 0 (the link reads 0 as "no object")`);
  if (labelled) parts.push(`labels/weights/process names of ${labelled} events (not on the link)`);
  return parts.length ? `${pattern ? "pattern file" : "raw capture"} dropped: ${parts.join("; ")}` : null;
}

export async function runConvert(input: string, output: string, opts: ConvertOptions): Promise<ConvertSummary> {
  requireFile(input);
  const ext = extname(output).toLowerCase();
  const { openEvents } = await import("../io/open-events.js");
  const { openEventWriter, writableFormatFor } = await import("../io/write-events.js");
  const toLink = ext === ".raw" || ext === ".txt";
  const format = toLink ? null : writableFormatFor(output, opts.layout);
  if (!toLink && !format) throw new UsageError(`${output}: unknown output type "${ext}" (use .h5/.hdf5, .jsonl, .csv, .raw or pattern .txt)`);
  if (opts.layout === "adc2021" && format !== "adc2021-h5") throw new UsageError("--layout adc2021 needs an .h5/.hdf5 output");
  const src = await openEvents(input, { header: opts.header, stream: opts.stream });
  const summary: ConvertSummary = {
    input, inputFormat: src.format, output, outputFormat: format ?? (ext === ".raw" ? "raw" : "pattern"), orbits: 0, events: 0, dropped: null, linkFaults: {},
  };
  const progress = new Progress("convert", src.totalOrbits ?? 0, !opts.json);
  const counted = function* (orbits: Iterable<OrbitBatch>): Generator<OrbitBatch> {
    for (const b of orbits) {
      summary.events += b.nBx;
      yield b;
    }
  };
  try {
    if (toLink) {
      summary.dropped = await writeLink(output, counted(src.orbits), ext === ".txt", () => progress.update(++summary.orbits));
    } else {
      const w = await openEventWriter(output, { format: format!, provenance: { converted_from: input, source_format: src.format } });
      try {
        for (const b of counted(src.orbits)) {
          w.append(b);
          progress.update(++summary.orbits);
        }
      } finally {
        w.close();
      }
      summary.dropped = w.lossLine();
    }
    summary.linkFaults = src.linkFaults?.() ?? {};
  } finally {
    progress.done();
    src.close();
  }
  return summary;
}

function human(s: ConvertSummary): string {
  const lines = [`converted ${s.input} (${s.inputFormat}) → ${s.output} (${s.outputFormat}): ${s.orbits} orbits, ${s.events} events`];
  if (s.dropped) lines.push(`  ${s.dropped}`);
  const faults = Object.entries(s.linkFaults);
  if (faults.length) lines.push(`  input link faults: ${faults.map(([k, n]) => `${k} ${n}`).join(", ")}`);
  return lines.join("\n");
}

export function convertCommand(): Command {
  return new Command("convert")
    .description("convert an event file to another format (.h5 scoutloop/ADC2021, .jsonl, DarkMachines .csv, .raw capture, EMP pattern .txt), saying what the target drops")
    .argument("<in>", "input event file (format told by its content)")
    .argument("<out>", "output file; the extension picks the format")
    .addOption(new Option("--layout <name>", "HDF5 output layout").choices(["scoutloop", "adc2021"]).default("scoutloop"))
    .addOption(new Option("--header <mode>", "capture input: orbit header mode").choices(["auto", "scoutloop", "scdaq"]).default("auto"))
    .addOption(new Option("--stream <name>", "capture input with SCDAQ headers: its stream (default: detected)").choices(["muon", "calo"]))
    .option("--json", "print the summary as JSON")
    .action(async (input: string, output: string, opts: ConvertOptions) => {
      const summary = await runConvert(input, output, opts);
      emit(Boolean(opts.json), summary, () => human(summary));
    });
}
