/**
 * `rtl report`: yosys resource figures of a scorer core (a directory with scorer.v and core.json).
 *   generic:  `synth -top scoutloop_scorer` — technology-independent gates and flip-flops
 *   xilinx:   `synth_xilinx -family xcup -top scoutloop_scorer -noiopad -flatten` — LUTs, FFs,
 *             CARRY4, DSP48E2, SRLs, BRAM, as hls4ml and conifer users read them from Vivado
 * yosys has no place and route here: no timing, and LUT counts run some 10–30 % from Vivado's.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { CoreManifest } from "./core.js";

const run = promisify(execFile);

export interface GenericResources {
  cells: number;
  flipFlops: number;
  cellsByType: Record<string, number>;
  seconds: number;
}

export interface XilinxResources {
  family: string;
  cells: number;
  luts: number;
  flipFlops: number;
  carry: number;
  dsps: number;
  srls: number;
  brams: number;
  estimatedLCs?: number;
  cellsByType: Record<string, number>;
  seconds: number;
}

export interface CoreReport {
  dir: string;
  manifest: CoreManifest;
  yosys: string;
  /** Absent when the user skipped the generic synthesis (--no-generic). */
  generic?: GenericResources;
  xilinx?: XilinxResources;
  /** Why the Xilinx synthesis is missing, if it is. */
  xilinxError?: string;
}

interface StatJson {
  modules?: Record<string, { num_cells?: number; num_cells_by_type?: Record<string, number>; estimated_num_lc?: number }>;
  design?: { num_cells?: number; num_cells_by_type?: Record<string, number>; estimated_num_lc?: number };
}

function topStat(stat: StatJson): { num_cells: number; num_cells_by_type: Record<string, number>; estimated_num_lc?: number } {
  const m = stat.design ?? stat.modules?.["\\scoutloop_scorer"] ?? Object.values(stat.modules ?? {})[0];
  if (!m) throw new Error("yosys printed no statistics");
  return { num_cells: m.num_cells ?? 0, num_cells_by_type: m.num_cells_by_type ?? {}, estimated_num_lc: m.estimated_num_lc };
}

const sum = (by: Record<string, number>, test: (type: string) => boolean): number =>
  Object.entries(by).filter(([t]) => test(t)).reduce((s, [, n]) => s + n, 0);

async function yosys(dir: string, script: string, timeoutMs: number): Promise<{ stat: StatJson; seconds: number }> {
  const work = mkdtempSync(join(tmpdir(), "scoutloop-yosys-"));
  const statPath = join(work, "stat.json");
  const t0 = performance.now();
  try {
    // Run in the core's directory (yosys' -p does not quote paths); the statistics go to our temp folder.
    await run("yosys", ["-q", "-p", `read_verilog -sv scorer.v; ${script}; tee -q -o ${statPath} ${script.startsWith("synth_xilinx") ? "stat -tech xilinx -json" : "stat -json"}`], { cwd: dir, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    const text = readFileSync(statPath, "utf8");
    // `tee` puts yosys' command echo before the JSON object.
    return { stat: JSON.parse(text.slice(text.indexOf("{"))) as StatJson, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    const e = err as { stderr?: string; killed?: boolean; message: string };
    if (e.killed) throw new Error(`yosys did not finish within ${timeoutMs / 1000} s`);
    const line = (e.stderr ?? e.message).split("\n").find((l) => /error/i.test(l)) ?? e.message.split("\n")[0];
    throw new Error(`yosys failed: ${line.trim()}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function yosysVersion(): Promise<string> {
  const { stdout } = await run("yosys", ["-V"]);
  return stdout.trim();
}

export interface ReportOptions {
  /** Run the technology-independent synth (default true); large constant-weight networks take long. */
  generic?: boolean;
  /** Run synth_xilinx as well (default true). */
  xilinx?: boolean;
  family?: "xcup" | "xcu" | "xc7";
  timeoutMs?: number;
}

/** Synthesise the core in `dir` and count its resources. */
export async function reportCore(dir: string, opts: ReportOptions = {}): Promise<CoreReport> {
  const v = join(dir, "scorer.v"), m = join(dir, "core.json");
  if (!existsSync(v) || !existsSync(m)) throw new RangeError(`${dir} needs scorer.v and core.json (write them with scoutloop rtl export or rtl build)`);
  let manifest: CoreManifest;
  try {
    manifest = JSON.parse(readFileSync(m, "utf8")) as CoreManifest;
  } catch (err) {
    throw new RangeError(`${m}: not valid JSON: ${(err as Error).message}`);
  }
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const report: CoreReport = { dir, manifest, yosys: await yosysVersion() };
  if (opts.generic !== false) {
    const g = await yosys(dir, "synth -top scoutloop_scorer", timeoutMs);
    const gs = topStat(g.stat);
    report.generic = { cells: gs.num_cells, flipFlops: sum(gs.num_cells_by_type, (t) => /DFF/.test(t)), cellsByType: gs.num_cells_by_type, seconds: g.seconds };
  }
  if (opts.xilinx !== false) {
    const family = opts.family ?? "xcup";
    try {
      const x = await yosys(dir, `synth_xilinx -family ${family} -top scoutloop_scorer -noiopad -flatten`, timeoutMs);
      const xs = topStat(x.stat);
      const by = xs.num_cells_by_type;
      report.xilinx = {
        family, cells: xs.num_cells, cellsByType: by, seconds: x.seconds, estimatedLCs: xs.estimated_num_lc,
        luts: sum(by, (t) => /^LUT\d$/.test(t)),
        flipFlops: sum(by, (t) => /^FD[RSCP]E$/.test(t)),
        carry: sum(by, (t) => /^CARRY/.test(t)),
        dsps: sum(by, (t) => /^DSP48/.test(t)),
        srls: sum(by, (t) => /^SRL/.test(t)),
        brams: sum(by, (t) => /^RAMB/.test(t)),
      };
    } catch (err) {
      report.xilinxError = (err as Error).message;
    }
  }
  return report;
}

/** The human-readable table `rtl report` prints. */
export function formatReport(r: CoreReport): string {
  const m = r.manifest;
  const lines = [
    `core ${m.kind} model ${m.modelId}: ${m.nFeatures} x ${m.inputFormat} -> ${m.outputFormat}`,
    `stated latency ${m.latency} cycles, II ${m.ii}${m.faults?.length ? `; FAULT: ${m.faults.map((f) => f.describe).join(", ")}` : ""}`,
    `${r.yosys}`,
  ];
  if (r.generic) lines.push(`  synth (generic)      cells ${r.generic.cells}, flip-flops ${r.generic.flipFlops}   (${r.generic.seconds.toFixed(1)} s)`);
  if (r.xilinx) {
    const x = r.xilinx;
    lines.push(`  synth_xilinx ${x.family.padEnd(6)}  LUT ${x.luts}, FF ${x.flipFlops}, DSP ${x.dsps}, CARRY4 ${x.carry}, SRL ${x.srls}, BRAM ${x.brams}${x.estimatedLCs !== undefined ? `, est. LCs ${x.estimatedLCs}` : ""}   (${x.seconds.toFixed(1)} s)`);
  } else if (r.xilinxError) {
    lines.push(`  synth_xilinx: not available (${r.xilinxError})`);
  }
  return lines.join("\n");
}
