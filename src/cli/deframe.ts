/**
 * `scoutloop deframe`: validate and decode a raw scouting link capture; print orbits, BX, objects
 * and faults by kind (with the byte offsets of the first faults).
 */
import { Command, Option } from "commander";
import type { DeframerStats, FaultKind, FaultRecord } from "../link/index.js";
import { detectCaptureFile } from "../io/captures.js";
import { emit, intOption, requireFile, ResultFailed, UsageError } from "./util.js";

interface DeframeCliOptions {
  core: "native" | "ts";
  header?: "auto" | "scoutloop" | "scdaq";
  stream?: "muon" | "calo";
  faults: number;
  expectFailures?: boolean;
  json?: boolean;
}

export interface DeframeSummary {
  input: string;
  /** Orbit header mode the capture was read with (detected unless --header said it). */
  header: "scoutloop" | "scdaq";
  stream?: "muon" | "calo";
  bytes: number;
  seconds: number;
  core: string;
  stats: DeframerStats;
  firstFaults: FaultRecord[];
  /** Faults of orbits that were still decoded, as CMSSW's unpackers decode them (kind → count). */
  decodedAsCmssw: Partial<Record<FaultKind, number>>;
  ok: boolean;
}

export async function runDeframe(input: string, opts: DeframeCliOptions): Promise<DeframeSummary> {
  requireFile(input);
  // Loaded on use: the link module pulls in RxJS (pacing), which --help does not need.
  const { deframeFile, FAULT_KINDS, TOLERATED_FAULTS } = await import("../link/index.js");
  const mode = detectCaptureFile(input, opts.header, opts.stream);
  const t0 = performance.now();
  const d = await deframeFile(input, {
    core: opts.core, materialize: false, maxFaultRecords: opts.faults, header: mode.header, stream: mode.stream,
  });
  const s = d.stats;
  let faultCount = 0;
  for (const k of FAULT_KINDS) faultCount += s.faults[k].count;
  const decodedAsCmssw: DeframeSummary["decodedAsCmssw"] = {};
  for (const k of TOLERATED_FAULTS) if (s.faults[k].count) decodedAsCmssw[k] = s.faults[k].count;
  return {
    input, header: mode.header, ...(mode.stream ? { stream: mode.stream } : {}), bytes: s.bytesConsumed, seconds: (performance.now() - t0) / 1000, core: d.core.name, stats: s,
    firstFaults: d.faultLog, decodedAsCmssw, ok: faultCount === 0,
  };
}

function human(r: DeframeSummary, FAULT_KINDS: readonly FaultKind[]): string {
  const s = r.stats;
  const mb = r.bytes / 1e6;
  const how = r.header === "scdaq" ? `, SCDAQ headers (${r.stream} stream)` : "";
  const out = [`${r.input}${how}: ${mb.toFixed(2)} MB in ${r.seconds.toFixed(2)} s (${(mb / Math.max(r.seconds, 1e-9)).toFixed(0)} MB/s, ${r.core} core), ${s.packets} packets`];
  for (const [name, c] of Object.entries(s.streams)) {
    if (c.orbits === 0) continue;
    const objects = name === "muon" ? `${c.muons} muons${c.intermediateMuons ? ` (+${c.intermediateMuons} intermediate skipped)` : ""}`
      : `${c.jets} jets, ${c.egammas} e/γ, ${c.taus} τ`;
    out.push(`  ${name.padEnd(5)} ${c.orbits} orbits (${c.lastOrbit >= 0 ? `last ${c.lastOrbit}` : "none"}), ${c.bx} BX, ${objects}, ${c.lostOrbits} lost orbits`);
  }
  const faulty = FAULT_KINDS.filter((k) => s.faults[k].count > 0);
  if (faulty.length === 0) out.push("  faults: none");
  else {
    out.push("  faults:");
    for (const k of faulty) {
      const kept = k in r.decodedAsCmssw ? "  (orbits decoded, as CMSSW decodes them)" : "";
      out.push(`    ${k.padEnd(16)} ${String(s.faults[k].count).padStart(8)} × ${s.faults[k].bytes} B${kept}`);
    }
    out.push(`  first at: ${r.firstFaults.slice(0, 5).map((f) => `${f.kind}@${f.offset}`).join(", ")}`);
  }
  if (s.hardware.orbitCounter || s.hardware.dropped) out.push(`  packet trailer: orbit counter ${s.hardware.orbitCounter}, dropped ${s.hardware.dropped}, autorealign ${s.hardware.autorealign}`);
  return out.join("\n");
}

/** What makes a capture bad: no orbit at all, or any counted fault. */
export function deframeProblems(r: DeframeSummary, FAULT_KINDS: readonly FaultKind[]): string[] {
  const out: string[] = [];
  const orbits = Object.values(r.stats.streams).reduce((n, c) => n + c.orbits, 0);
  if (orbits === 0) out.push("no valid orbit in the capture");
  const faults = FAULT_KINDS.filter((k) => r.stats.faults[k].count > 0).map((k) => `${k} ${r.stats.faults[k].count}`);
  if (faults.length) out.push(`link faults: ${faults.join(", ")}`);
  return out;
}

export function deframeCommand(): Command {
  return new Command("deframe")
    .description("validate and decode a raw scouting link capture (.raw): orbits, BX, objects, faults by kind")
    .argument("<input>", "raw capture (concatenated Run-3 DMA packets)")
    .addOption(new Option("--core <name>", "deframer implementation").choices(["native", "ts"]).default("native"))
    .addOption(new Option("--header <mode>", "orbit header: auto (detected), scoutloop (marker, SDS id, block count) or scdaq (only the orbit number; orbits found by their trailer)").choices(["auto", "scoutloop", "scdaq"]).default("auto"))
    .addOption(new Option("--stream <name>", "stream of an SCDAQ-header capture (default: detected)").choices(["muon", "calo"]))
    .option("--faults <n>", "fault records (kind + byte offset) to keep", intOption(0, 1_000_000), 100)
    .option("--expect-failures", "link faults are expected (a capture damaged on purpose): reported, exit 0")
    .option("--json", "print the summary as JSON")
    .action(async (input: string, opts: DeframeCliOptions) => {
      const r = await runDeframe(input, opts);
      const { FAULT_KINDS } = await import("../link/index.js");
      emit(Boolean(opts.json), r, () => human(r, FAULT_KINDS));
      const reasons = deframeProblems(r, FAULT_KINDS);
      if (reasons.length > 0 && !(opts.expectFailures && r.stats.packets > 0)) throw new ResultFailed(reasons, "deframe");
    });
}
