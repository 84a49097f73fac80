/**
 * `scoutloop replay`: replay a raw capture orbit by orbit at link rate (the LHC orbit clock or a
 * Gb/s line rate) into a consumer (an in-process native deframer, optionally slowed down), with a
 * bounded queue; report delivered and dropped orbits and latency from the scheduled send times.
 * An orbit the consumer does not take before the queue would overflow is dropped and counted,
 * whether the consumer, the host or the replay itself ran late.
 */
import { readFileSync, statSync } from "node:fs";
import { Command, Option } from "commander";
import type { LinkRate, PacingReport } from "../link/index.js";
import { emit, intOption, requireFile, ResultFailed, UsageError } from "./util.js";

interface ReplayCliOptions {
  rate: string;
  queue: number;
  consumerUs: number;
  loops: number;
  expectFailures?: boolean;
  header?: "auto" | "scoutloop" | "scdaq";
  stream?: "muon" | "calo";
  json?: boolean;
}

export interface ReplaySummary {
  input: string;
  rate: LinkRate;
  orbits: number;
  report: PacingReport;
  consumerFaults: number;
}

/** Largest capture replayed from memory. */
const MAX_REPLAY_BYTES = 1 << 30;

function busyWaitUs(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

export async function runReplay(input: string, opts: ReplayCliOptions): Promise<ReplaySummary> {
  // Loaded on use: the link module pulls in RxJS (pacing), which --help does not need.
  const { Deframer, deframeAll, paceInto, parseRate } = await import("../link/index.js");
  let rate: LinkRate;
  try {
    rate = parseRate(opts.rate);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  requireFile(input);
  if (statSync(input).size > MAX_REPLAY_BYTES) throw new UsageError(`${input}: larger than ${MAX_REPLAY_BYTES} bytes, too big to replay from memory`);
  const bytes = readFileSync(input);
  const { detectCapture } = await import("../io/captures.js");
  const mode = detectCapture(bytes.subarray(0, 4 << 20), { header: opts.header ?? "auto", stream: opts.stream });
  // Find the orbits once; replay sends each orbit's bytes as one unit.
  const { orbits } = deframeAll(bytes, { core: "native", materialize: false, ...mode });
  if (orbits.length === 0) throw new ResultFailed([`${input}: no valid orbits to replay`], "replay");
  const units: Uint8Array[] = [];
  for (let l = 0; l < opts.loops; l++) for (const o of orbits) units.push(bytes.subarray(o.offset, o.offset + o.bytes));
  const consumer = new Deframer({ core: "native", materialize: false, ...mode });
  const report = await paceInto(units, (s) => {
    consumer.push(s.item);
    if (opts.consumerUs > 0) busyWaitUs(opts.consumerUs);
  }, { rate, bytesOf: (u) => u.length, queueLimit: opts.queue });
  consumer.end();
  const consumerFaults = Object.values(consumer.stats.faults).reduce((a, f) => a + (f === consumer.stats.faults.orbitOrder || f === consumer.stats.faults.orbitGap ? 0 : f.count), 0);
  return { input, rate, orbits: units.length, report, consumerFaults };
}

function human(r: ReplaySummary): string {
  const p = r.report;
  const rate = r.rate.kind === "lhc" ? "LHC orbit clock (11.2455 kHz)" : `${r.rate.gbps} Gb/s`;
  return [
    `replayed ${r.input} at ${rate}: ${p.offered} orbits offered in ${(p.elapsedMs / 1000).toFixed(3)} s (${(p.offeredHz / 1000).toFixed(2)} kHz)`,
    `  delivered ${p.delivered} (${p.offered ? ((100 * p.delivered) / p.offered).toFixed(1) : "0"} %), dropped ${p.dropped}${p.dropped ? ` (first: ${p.firstDropped.slice(0, 5).join(", ")})` : ""}, max queue ${p.maxQueue}`,
    `  latency from scheduled send: p50 ${p.latencyMs.p50.toFixed(3)} ms, p99 ${p.latencyMs.p99.toFixed(3)} ms, max ${p.latencyMs.max.toFixed(3)} ms`,
  ].join("\n");
}

export function replayCommand(): Command {
  return new Command("replay")
    .description("replay a raw capture at link rate (lhc or N gbps) into a consumer; report dropped orbits and latency")
    .argument("<input>", "raw capture (.raw)")
    .option("--rate <rate>", 'link rate: "lhc" (one orbit per 88.9 µs) or a line rate like "10gbps"', "lhc")
    .option("--queue <n>", "consumer queue length before orbits are dropped", intOption(1, 1_000_000), 16)
    .option("--consumer-us <n>", "extra work per orbit in the consumer, µs (simulates a slow stage)", intOption(0, 10_000_000), 0)
    .option("--loops <n>", "replay the capture this many times", intOption(1, 1_000_000), 1)
    .option("--expect-failures", "dropped orbits and consumer faults are expected (e.g. a deliberately slow --consumer-us): reported, exit 0")
    .addOption(new Option("--header <mode>", "orbit header: auto (detected), scoutloop or scdaq").choices(["auto", "scoutloop", "scdaq"]).default("auto"))
    .addOption(new Option("--stream <name>", "stream of an SCDAQ-header capture (default: detected)").choices(["muon", "calo"]))
    .option("--json", "print the summary as JSON")
    .action(async (input: string, opts: ReplayCliOptions) => {
      const r = await runReplay(input, opts);
      emit(Boolean(opts.json), r, () => human(r));
      const reasons: string[] = [];
      if (r.report.dropped > 0) reasons.push(`${r.report.dropped} of ${r.report.offered} orbits dropped`);
      if (r.consumerFaults > 0) reasons.push(`${r.consumerFaults} link faults in the consumer`);
      if (reasons.length > 0 && !opts.expectFailures) throw new ResultFailed(reasons, "replay");
    });
}
