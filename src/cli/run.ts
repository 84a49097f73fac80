/**
 * `scoutloop run`: the main job — events through the whole chain (generator or file → scouting
 * link → features → software model and board side by side → comparison), with a live progress
 * line, a final summary, `--json` and `--report DIR`. With no options it needs no files and no
 * board: generated events, a default model, and an emulated board started in-process over ZeroMQ
 * on loopback.
 */
import { Command, Option } from "commander";
import { SIGNALS, type SignalName } from "../trigger/signals.js";
import { COMPARE_FIELDS, type CompareField } from "../compare/comparator.js";
import type { RunSummary } from "../compare/summary.js";
import type { SessionOptions } from "../bus/session.js";
import type { Dashboard } from "../live/server.js";
import { Progress, ResultFailed, UsageError, emit, intOption, numberOption } from "./util.js";
import { addDashboardOptions, lingerAndClose, openDashboard, type DashboardCliOptions } from "./dashboard.js";
import { errorLine } from "./errors.js";
import { addRemoteWorkerOptions, remoteWorkersFromCli, type RemoteWorkerCliOptions } from "./remoteWorkers.js";

/** Options `run` and `compare` share: source, clock, link, comparison, output. */
export function addSessionOptions(cmd: Command): Command {
  return cmd
    .option("--in <file>", "read events from a file instead of generating them: scoutloop/ADC2021 .h5, .jsonl, raw DMA capture .raw, EMP/APx pattern .txt, DarkMachines .csv (format told by the content)")
    .addOption(new Option("--header <mode>", "--in capture: orbit header mode, auto (detected), scoutloop or scdaq (real Run-3 captures)").choices(["auto", "scoutloop", "scdaq"]).default("auto"))
    .addOption(new Option("--capture-stream <name>", "--in capture with SCDAQ headers: its stream (default: detected)").choices(["muon", "calo"]))
    .option("--orbits <n>", "orbits to generate (or at most to read from --in)", intOption(1, 10_000_000))
    .option("--seed <n>", "generator seed", intOption(0, 2 ** 32 - 1), 1)
    .addOption(new Option("--signal <name>", "inject this signal into the generated background").choices([...SIGNALS]))
    .option("--inject-fraction <f>", "fraction of filled BX carrying the signal", numberOption(0, 1))
    .option("--model <file>", "scoring model JSON (default: the shipped default model)")
    .addOption(new Option("--rate <rate>", "max = pull as fast as the slowest stage allows; lhc = link rate on the LHC orbit clock, drops counted").choices(["max", "lhc"]).default("max"))
    .option("--orbit-hz <hz>", "link-rate mode: orbit rate instead of the LHC's 11245.5 Hz", numberOption(1e-3, 1e7))
    .addOption(new Option("--stream <s>", "link streams carried: both, or the muon stream only").choices(["both", "muon"]).default("both"))
    .option("--no-link", "skip the scouting-link framer/deframer (features straight from the source)")
    .option("--window <n>", "orbits in flight between source and sink", intOption(1, 1024), 4)
    .option("--concurrency <n>", "orbits scored at once (board requests in flight)", intOption(1, 256), 2)
    .option("--buffer <n>", "link-rate mode: receive buffer in orbits; arrivals beyond it are dropped", intOption(1, 1_000_000), 256)
    .option("--workers <n>", "score the software side in N worker threads (use more cores)", intOption(0, 64), 0)
    .option("--reply-timeout <ms>", "board: reply timeout per request (default: the profile's)", intOption(1, 600_000))
    .option("--retries <n>", "board: resends per request before its events fail (default: the profile's)", intOption(0, 100))
    .option("--reconnects <n>", "board: reconnect attempts after a disconnect (default: the profile's)", intOption(0, 100))
    .option("--tolerance <abs,rel>", "compare values within |a-b| <= abs + rel*max(|a|,|b|) instead of bit-exact")
    .option("--ignore <fields>", `fields not compared (${COMPARE_FIELDS.join(",")})`)
    .option("--keep <k>", "mismatching events kept in full", intOption(0, 100_000), 10)
    .option("--mismatch-tb <dir>", "write the kept mismatching events as an hls4ml testbench (tb_input_features.dat, tb_output_predictions.dat; raw words beside)")
    .option("--expect-failures", "failed events and dropped orbits are expected (e.g. a board that is unplugged on purpose): reported, exit 0")
    .option("--json", "print the summary as JSON")
    .option("--report <dir>", "write summary.json, junit.xml and record.json (for `scoutloop report DIR`) into this directory");
}

export interface SessionCliOptions extends DashboardCliOptions {
  in?: string;
  header: "auto" | "scoutloop" | "scdaq";
  captureStream?: "muon" | "calo";
  orbits?: number;
  seed: number;
  signal?: SignalName;
  injectFraction?: number;
  model?: string;
  rate: "max" | "lhc";
  orbitHz?: number;
  stream: "both" | "muon";
  link: boolean;
  window: number;
  concurrency: number;
  buffer: number;
  workers: number;
  replyTimeout?: number;
  retries?: number;
  reconnects?: number;
  tolerance?: string;
  mismatchTb?: string;
  ignore?: string;
  keep: number;
  expectFailures?: boolean;
  json?: boolean;
  report?: string;
}

function parseTolerance(text: string): { abs: number; rel: number } {
  const parts = text.split(",").map((p) => p.trim());
  const nums = parts.map(Number);
  if (parts.length < 1 || parts.length > 2 || parts.some((p) => p === "") || nums.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new UsageError(`--tolerance: expected "abs" or "abs,rel" with non-negative numbers, got "${text}"`);
  }
  return { abs: nums[0], rel: nums[1] ?? 0 };
}

function parseIgnore(text: string): CompareField[] {
  const fields = text.split(",").map((f) => f.trim()).filter(Boolean);
  for (const f of fields) {
    if (!(COMPARE_FIELDS as readonly string[]).includes(f)) throw new UsageError(`--ignore: unknown field "${f}" (known: ${COMPARE_FIELDS.join(", ")})`);
  }
  return fields as CompareField[];
}

/** The session options common to `run` and `compare`, from parsed CLI options. */
export function sessionFromCli(o: SessionCliOptions): Omit<SessionOptions, "a" | "b"> {
  if (o.orbitHz !== undefined && o.rate !== "lhc") throw new UsageError("--orbit-hz only applies with --rate lhc");
  if (o.window < o.concurrency) throw new UsageError(`--window (${o.window}) must be at least --concurrency (${o.concurrency})`);
  const tol = o.tolerance ? parseTolerance(o.tolerance) : null;
  return {
    source: { in: o.in, orbits: o.orbits, seed: o.seed, signal: o.signal, injectFraction: o.injectFraction, ...(o.in ? { header: o.header, stream: o.captureStream } : {}) },
    model: o.model,
    mode: o.rate === "lhc" ? "link-rate" : "pull",
    orbitHz: o.orbitHz,
    link: o.link,
    streams: o.stream === "muon" ? ["muon"] : ["muon", "calo"],
    window: o.window,
    concurrency: o.concurrency,
    bufferOrbits: o.buffer,
    workers: o.workers,
    client: { replyTimeoutMs: o.replyTimeout, retries: o.retries, reconnects: o.reconnects },
    compare: {
      mode: tol ? "tolerance" : "exact",
      abs: tol?.abs ?? 0,
      rel: tol?.rel ?? 0,
      ignore: o.ignore ? parseIgnore(o.ignore) : [],
      keepFirst: o.keep,
    },
  };
}

/** Run a session with a progress line, then print / write the summary; throw ResultFailed (exit 1) on a bad verdict. */
export async function runAndReport(session: SessionOptions, o: SessionCliOptions, suite: string): Promise<RunSummary> {
  // Listening comes first: its URL is the first line, and a port in use stops the run before it starts.
  const dashboard = await openDashboard(o);
  try {
    return await reportRun(session, o, suite, dashboard);
  } catch (err) {
    if (dashboard && !dashboard.finished) dashboard.fail(errorLine(err));
    throw err;
  } finally {
    await dashboard?.close();
  }
}

async function reportRun(session: SessionOptions, o: SessionCliOptions, suite: string, dashboard: Dashboard | null): Promise<RunSummary> {
  let progress: Progress | undefined;
  let formats: { input: { width: number; int: number }; output: { width: number; int: number } } | undefined;
  // Loaded on use: the session pulls in zeromq, h5wasm and the native addon, which --help and
  // usage errors do not need.
  const { runSession } = await import("../bus/session.js");
  const { formatSummary } = await import("../compare/format.js");
  const { writeReport } = await import("../compare/report.js");
  const { writeRunFile } = await import("../report/rundir.js");
  const result = await runSession({
    ...session,
    record: Boolean(o.report),
    onStart: (info) => {
      // What runs is known before the first orbit: say it at once, not after the whole run.
      if (!o.json) process.stdout.write(`${info.describe}\n`);
      formats = { input: info.model.model.inputFormat, output: info.model.model.outputFormat };
      progress = new Progress(suite, info.totalOrbits ?? 0, !o.json);
      dashboard?.begin(info);
    },
    onOrbit: (t) => {
      dashboard?.attach(t);
      if (!progress) return;
      const mismatches = t.comparator ? `, ${t.comparator.mismatchCount} mismatches` : "";
      progress.update(t.orbits, `${t.events} ev${mismatches}${t.droppedOrbits ? `, ${t.droppedOrbits} orbits dropped` : ""}`);
    },
  });
  progress?.done();
  const summary = result.summary;
  const { settleVerdict } = await import("../compare/verdict.js");
  const verdict = settleVerdict(summary, { expectFailures: o.expectFailures, injectedWrongBits: injectedWrongBits(summary) });
  summary.problems = verdict.problems;
  summary.declared = verdict.declared;
  if (o.report) {
    writeReport(o.report, summary, suite);
    // Per-event samples for the HTML report (`scoutloop report DIR`).
    if (result.record) writeRunFile(o.report, "record.json", result.record);
  }
  if (o.mismatchTb && summary.comparison && formats) {
    const { writeMismatchTestbench } = await import("../compare/testbench.js");
    const tb = writeMismatchTestbench(o.mismatchTb, summary.comparison.firstMismatches, formats.input, formats.output);
    if (!o.json) process.stdout.write(`mismatch testbench: ${tb.events} events in ${o.mismatchTb}${tb.withoutInputs ? ` (${tb.withoutInputs} without inputs left out)` : ""}\n`);
  }
  emit(Boolean(o.json), summary, () => formatSummary(summary));
  if (dashboard) (dashboard.finish(summary), await lingerAndClose(dashboard, o.dashboardLinger));
  // The summary is out; a bad run (mismatches, books not balancing) still has to fail for CI.
  if (summary.problems.length > 0) throw new ResultFailed(summary.problems, suite.replace(/^scoutloop /, ""));
  return summary;
}

/** Scores an in-process emulator corrupted on purpose (wrong-bits), or null when none was told to. */
function injectedWrongBits(summary: RunSummary): number | null {
  let total: number | null = null;
  for (const b of Object.values(summary.backends ?? {})) {
    const emu = (b as { emulator?: { faults: { wrongBits: number }; injectedWrongBits: number } }).emulator;
    if (emu && emu.faults.wrongBits > 0) total = (total ?? 0) + emu.injectedWrongBits;
  }
  return total;
}

/** `--board` may be given several times (one board each). */
function collectBoards(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function runCommand(): Command {
  const cmd = new Command("run")
    .description("run events through the scouting chain and score them with the software model and a board side by side")
    .option("--board <profile>", "board profile JSON, or \"emulator\" (default: an emulated board started in-process over ZeroMQ on 127.0.0.1); repeat to shard whole orbits across several boards, each compared with software", collectBoards)
    .option("--no-failover", "several boards: fail the orbits in flight on a board that goes down instead of re-scoring them on another board")
    .option("--fault <spec>", "faults for the in-process emulated board, e.g. wrong-bits=0.001,drop=0.01,delay=5ms")
    .addOption(new Option("--software <impl>", "software side: the TypeScript reference or the native C++ scorer").choices(["ts", "native"]).default("ts"))
    .option("--orbit-workers <n>", "the native model scores in N whole-orbit worker threads (each deframes, featurises and scores whole orbits; needs --software native): alone, or with --board beside them (the board scores the inputs the workers send back), e.g. --rate lhc --stream muon --orbit-workers 2", intOption(1, 64));
  addSessionOptions(cmd);
  addDashboardOptions(cmd);
  addRemoteWorkerOptions(cmd);
  cmd.action(async (o: SessionCliOptions & RemoteWorkerCliOptions & { board?: string[]; failover: boolean; fault?: string; software: "ts" | "native"; orbitWorkers?: number }) => {
    if (o.board && o.fault) throw new UsageError("--fault configures the in-process emulated board; it cannot be combined with --board");
    const boards = o.board ?? [];
    if (boards.length > 1 && cmd.getOptionValueSource("concurrency") === "default") {
      // Two orbits in flight per board unless told otherwise; the window must hold them.
      o.concurrency = 2 * boards.length;
      if (cmd.getOptionValueSource("window") === "default") o.window = Math.max(o.window, o.concurrency);
    }
    const session = sessionFromCli(o);
    const remoteWorkers = await remoteWorkersFromCli(o);
    const specs = boards.map((b) => (b === "emulator" ? "emulator" : `board:${b}`));
    const side = specs.length > 1 ? { boards: specs, failover: o.failover } : { b: specs[0] ?? "emulator" };
    if (remoteWorkers) {
      if (o.software !== "native" || o.fault || o.workers > 0 || o.orbitWorkers !== undefined || !o.link || o.in) {
        throw new UsageError("--remote-workers runs the native model alone or beside --board, over the link: use it with --software native and without --fault, --workers, --orbit-workers, --no-link or --in");
      }
      await runAndReport({ ...session, a: "native", remoteWorkers, ...(specs.length ? side : {}) }, o, "scoutloop run");
      return;
    }
    if (o.orbitWorkers !== undefined) {
      if (o.software !== "native" || o.fault || o.workers > 0 || !o.link || o.in) {
        throw new UsageError("--orbit-workers runs the native model alone or beside --board, over the link: use it with --software native and without --fault, --workers, --no-link or --in");
      }
      await runAndReport({ ...session, a: "native", orbitWorkers: o.orbitWorkers, ...(specs.length ? side : {}) }, o, "scoutloop run");
      return;
    }
    await runAndReport({ ...session, a: o.software === "native" ? "native" : "software", ...side, fault: o.fault }, o, "scoutloop run");
  });
  return cmd;
}
