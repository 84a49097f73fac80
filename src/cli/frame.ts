/**
 * `scoutloop frame`: OrbitBatches (an event file, or the generator with --gen N) → a raw
 * link capture: Run-3 scouting DMA packets of the muon stream (SDS 1) and the calo stream
 * (SDS 2), interleaved orbit by orbit in one `.raw` file — or the same words as an EMP/APx
 * pattern file (`.txt`).
 */
import { Command, Option } from "commander";
import { writeFileSync } from "node:fs";
import type { OrbitBatch } from "../events/batch.js";
import type { LinkStream } from "../link/index.js";
import { generateOrbits } from "../trigger/generator.js";
import { SIGNALS, type SignalName } from "../trigger/signals.js";
import { emit, intOption, numberOption, Progress, requireFile, UsageError } from "./util.js";

interface FrameCliOptions {
  out: string;
  gen?: number;
  seed: number;
  signal?: SignalName;
  injectFraction?: number;
  crc?: boolean;
  orbitsPerPacket?: number;
  header: "scoutloop" | "scdaq";
  streams: string;
  patternFormat: "EMPv2" | "EMPv1" | "APx";
  json?: boolean;
}

export interface FrameSummary {
  output: string;
  /** Files written: one (both streams interleaved), or one per stream with --header scdaq. */
  files: Partial<Record<LinkStream, string>>;
  header: "scoutloop" | "scdaq";
  orbits: number;
  bytes: number;
  streams: Record<LinkStream, { orbits: number; bx: number; bytes: number }>;
  crc: boolean;
  seconds: number;
  /** Objects left out because their value means "no object" on the link (muon hwPt 0, calo ET 0). */
  droppedEmptyObjects: number;
}

function parseStreams(text: string): LinkStream[] {
  const list = text.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (s !== "muon" && s !== "calo") throw new UsageError(`--streams: unknown stream "${s}" (muon, calo)`);
  if (list.length === 0) throw new UsageError("--streams needs at least one of muon, calo");
  return [...new Set(list)] as LinkStream[];
}

export async function runFrame(input: string | undefined, opts: FrameCliOptions): Promise<FrameSummary> {
  if ((input === undefined) === (opts.gen === undefined)) throw new UsageError("give an input event file or --gen <orbits>, exactly one");
  if (!opts.signal && opts.injectFraction) throw new UsageError("--inject-fraction needs --signal");
  const streams = parseStreams(opts.streams);
  // Loaded on use: the link module pulls in RxJS (pacing), which --help does not need.
  const { StreamFramer, writeRawFile } = await import("../link/index.js");
  let source: Iterable<OrbitBatch>;
  let total: number;
  let opened: { close(): void } | undefined;
  // Any event file (src/io openEvents: HDF5 either layout, JSONL, capture/pattern, DarkMachines CSV).
  const open = async (): Promise<Iterable<OrbitBatch>> => {
    opened?.close();
    if (input === undefined) return generateOrbits({ seed: opts.seed, orbits: opts.gen!, signal: opts.signal, injectFraction: opts.injectFraction });
    const { openEvents } = await import("../io/open-events.js");
    const src = await openEvents(input);
    opened = src;
    return src.orbits;
  };
  if (input !== undefined) {
    requireFile(input);
    const { openEvents } = await import("../io/open-events.js");
    const src = await openEvents(input);
    opened = src;
    source = src.orbits;
    total = src.totalOrbits ?? 0;
  } else {
    source = generateOrbits({ seed: opts.seed, orbits: opts.gen!, signal: opts.signal, injectFraction: opts.injectFraction });
    total = opts.gen!;
  }
  const t0 = performance.now();
  const dropped = { objects: 0 };
  const scdaq = opts.header === "scdaq";
  if (scdaq && opts.crc) throw new UsageError("--crc needs scoutloop headers (the CRC flag lives in header word 2)");
  if (scdaq && opts.out.toLowerCase().endsWith(".txt")) throw new UsageError("--header scdaq writes raw captures (one .raw per stream), not a pattern file");
  // SCDAQ packs 20 GMT orbits per packet and 1 calo orbit (scdaq-gmt.conf, scdaq-calo.conf).
  const perPacket = (s: LinkStream) => opts.orbitsPerPacket ?? (scdaq && s === "muon" ? 20 : 1);
  const framers = streams.map((s) => new StreamFramer(s, { crc: opts.crc, orbitsPerPacket: perPacket(s), dropEmpty: true, dropped, header: opts.header }));
  // SCDAQ writes one file per stream (its headers carry no stream id): OUT → OUT-stem.muon.raw, .calo.raw.
  const stem = opts.out.replace(/\.raw$/i, "");
  const files: Partial<Record<LinkStream, string>> = {};
  for (const s of streams) files[s] = scdaq ? `${stem}.${s}.raw` : opts.out;
  const summary: FrameSummary = {
    output: opts.out, files, header: opts.header ?? "scoutloop", orbits: 0, bytes: 0, crc: Boolean(opts.crc), seconds: 0, droppedEmptyObjects: 0,
    streams: { muon: { orbits: 0, bx: 0, bytes: 0 }, calo: { orbits: 0, bx: 0, bytes: 0 } },
  };
  const progress = new Progress("frame", total, !opts.json);
  function* packets(only?: LinkStream): Generator<Uint8Array> {
    const mine = framers.filter((f) => !only || f.stream === only);
    for (const batch of source) {
      for (const f of mine) {
        const bytes = f.push(batch);
        summary.streams[f.stream].bytes += bytes.length;
        yield bytes;
      }
      if (!only || only === streams[0]) {
        summary.orbits++;
        progress.update(summary.orbits);
      }
    }
    for (const f of mine) {
      const bytes = f.flush();
      summary.streams[f.stream].bytes += bytes.length;
      yield bytes;
    }
  }
  try {
    if (opts.out.toLowerCase().endsWith(".txt")) summary.bytes = await writePatternOutput(opts.out, packets(), opts.patternFormat);
    else if (!scdaq) summary.bytes = await writeRawFile(opts.out, packets());
    else {
      // One pass per stream file: the source is read once per stream (it streams, so memory stays flat).
      for (const [i, s] of streams.entries()) {
        if (i > 0) source = await open();
        summary.bytes += await writeRawFile(files[s]!, packets(s));
      }
    }
  } finally {
    progress.done();
    opened?.close();
  }
  for (const s of streams) summary.streams[s].orbits = summary.orbits;
  summary.droppedEmptyObjects = dropped.objects;
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

/** A pattern file (the DMA words on 8 channels, as an EMP/APx board buffer holds them) instead of a raw file. */
async function writePatternOutput(path: string, parts: Iterable<Uint8Array>, format: FrameCliOptions["patternFormat"]): Promise<number> {
  const { concatBytes, dmaToPattern, MAX_PATTERN_FRAMES, writePattern } = await import("../link/index.js");
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (const p of parts) {
    bytes += p.length;
    if (bytes / 32 > MAX_PATTERN_FRAMES) throw new UsageError(`${path}: more than ${MAX_PATTERN_FRAMES} frames do not fit a pattern file; frame fewer orbits or write .raw`);
    chunks.push(p);
  }
  writeFileSync(path, writePattern(dmaToPattern(concatBytes(chunks)), format));
  return bytes;
}

function human(s: FrameSummary): string {
  const where = s.header === "scdaq" ? `${Object.values(s.files).join(", ")} (SCDAQ headers, one file per stream)` : s.output;
  const lines = [`wrote ${where}: ${s.orbits} orbits, ${(s.bytes / 1e6).toFixed(2)} MB in ${s.seconds.toFixed(2)} s${s.crc ? " (CRC-32C on)" : ""}`];
  for (const [name, v] of Object.entries(s.streams)) if (v.bytes) lines.push(`  ${name.padEnd(5)} ${(v.bytes / 1e6).toFixed(2)} MB`);
  if (s.droppedEmptyObjects) lines.push(`  left out ${s.droppedEmptyObjects} objects with hardware pT/ET 0 (the link reads 0 as "no object")`);
  return lines.join("\n");
}

export function frameCommand(): Command {
  return new Command("frame")
    .description("frame orbits (an event file or --gen N generated orbits) into a raw scouting link capture (.raw) or a pattern file (.txt)")
    .argument("[input]", "event file to frame (any format: scoutloop/ADC2021 .h5, .jsonl, .raw, pattern .txt, DarkMachines .csv)")
    .requiredOption("-o, --out <file>", "output .raw file (concatenated Run-3 DMA packets, muon and calo streams interleaved), or .txt for a pattern file of the same words on 8 channels")
    .addOption(new Option("--pattern-format <f>", "pattern file layout for a .txt output").choices(["EMPv2", "EMPv1", "APx"]).default("EMPv2"))
    .option("--gen <orbits>", "frame this many generated orbits instead of a file", intOption(1, 1_000_000))
    .option("--seed <n>", "generator seed (with --gen)", intOption(0, Number.MAX_SAFE_INTEGER), 1)
    .addOption(new Option("--signal <name>", "signal to inject (with --gen)").choices([...SIGNALS]))
    .option("--inject-fraction <f>", "fraction of filled BX carrying the signal", numberOption(0, 1))
    .option("--crc", "add the scoutloop CRC-32C to each orbit trailer (not in the real format)")
    .option("--orbits-per-packet <n>", "orbits per DMA packet (default 1; with --header scdaq 20 for the muon stream and 1 for calo, as SCDAQ)", intOption(1, 1000))
    .addOption(new Option("--header <mode>", "orbit header: scoutloop (marker, SDS id, block count; both streams in one file) or scdaq (the real format: orbit number only, one file per stream, OUT-stem.muon.raw / .calo.raw)").choices(["scoutloop", "scdaq"]).default("scoutloop"))
    .option("--streams <list>", "streams to write: muon, calo or muon,calo", "muon,calo")
    .option("--json", "print the summary as JSON")
    .action(async (input: string | undefined, opts: FrameCliOptions) => {
      const summary = await runFrame(input, opts);
      emit(Boolean(opts.json), summary, () => human(summary));
    });
}
