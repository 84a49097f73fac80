/**
 * A whole run as one call: open the source, the model and two scoring backends, run the pipeline,
 * close everything (also on failure), return the summary. `scoutloop run` and `scoutloop compare`
 * are thin shells over this; scripts can call it directly.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import type { CompareOptions } from "../compare/comparator.js";
import { PACKAGE_ROOT } from "../native.js";
import { generatorInputHash } from "../compare/run-record.js";
import type { RunRecord } from "../compare/run-record.js";
import { ScoreRecorder } from "./recorder.js";
import { checkSummary, type RunSummary } from "../compare/summary.js";
import type { OrbitBatch } from "../events/batch.js";
import { deframeAll, frameOrbit, wholeOrbit, type LinkStream } from "../link/index.js";
import { openBackend } from "./openBackend.js";
import { parseBackendSpec, backendName } from "./backends.js";
import { resolveModel, type LoadedModel } from "./model.js";
import { runPipelineTallied } from "./pipeline.js";
import { openBoardShards, type OpenBoardShards } from "./openBoardShards.js";
import { orbitWorkerPool, type OrbitWorkerPool } from "./orbitWorkers/pool.js";
import { remoteWorkerPool, type RemoteWorkerOptions } from "./orbitWorkers/remotePool.js";
import { floatOnlyError, hasNativeScorer, nativeScorer, type ScoringModel } from "../scoring/index.js";
import type { Emulator } from "../hil/emulator.js";
import { scoutingLink } from "./scoutingLink.js";
import { generatorSettings, openSource, type SourceSpec } from "./sources.js";
import type { RunTally } from "./tally.js";
import { boardUnits, concatUnits, poolUnits, type UnitSource } from "./units.js";

export interface SessionOptions {
  source: SourceSpec;
  /** Model JSON path; default: the default model (see model.ts). */
  model?: string;
  /** Backend specs (backends.ts); `b` absent = score with `a` only, no comparison. */
  a: string;
  b?: string;
  /**
   * Two or more boards ("board:PROFILE" or "emulator") sharing the `b` side instead of `b`: whole
   * orbits go to the least loaded one (openBoardShards.ts), each compared with `a`.
   */
  boards?: string[];
  /** With `boards`: orbits in flight per board (default ceil(concurrency / boards)). */
  perBoard?: number;
  /** With `boards`: re-score an orbit on another board when its board goes down in flight (default true). */
  failover?: boolean;
  /** Fault spec for an in-process emulated board. */
  fault?: string;
  /** Software backends score in this many worker threads (0/absent = main thread). */
  workers?: number;
  /** Whole-orbit workers: `a` (native, alone) deframes, featurises and scores whole orbits in this many threads. */
  orbitWorkers?: number;
  /**
   * Whole-orbit workers in other processes (`scoutloop worker --connect`): `a` (native, alone) is
   * scored by the workers that join `endpoint`; `onListening` sees the bound endpoint first.
   */
  remoteWorkers?: Omit<RemoteWorkerOptions, "streams" | "name">;
  /** Board client overrides (reply timeout, retries, reconnects). */
  client?: { replyTimeoutMs?: number; retries?: number; reconnects?: number };
  mode: "pull" | "link-rate";
  orbitHz?: number;
  /** Frame and deframe through the scouting link (default true). */
  link?: boolean;
  streams?: LinkStream[];
  window?: number;
  concurrency?: number;
  /** Link-rate mode: receive buffer in orbits. */
  bufferOrbits?: number;
  compare?: CompareOptions;
  /** Keep per-event samples for the HTML report (SessionResult.record). */
  record?: boolean;
  /** Called once everything is open, before the first orbit; `describe` is SessionResult.describe. */
  onStart?: (info: { totalOrbits: number | null; model: LoadedModel; scorers: string[]; describe: string; mode: "pull" | "link-rate"; orbitHz?: number; units: UnitSource }) => void;
  onOrbit?: (tally: RunTally) => void;
}

export interface SessionResult {
  summary: RunSummary;
  /** Per-event samples for `scoutloop report` (when `record` was asked for). */
  record?: RunRecord;
  /** One line saying what ran: source, model, backends. */
  describe: string;
}

function packageVersion(): string {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version as string;
}

/** SHA-256 of a file, read in chunks (inputs of any size). */
function fileSha256(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** The muon scouting system sees only BX with muons: keep those (through the link's own rules). */
function* muonStreamOnly(orbits: Iterable<OrbitBatch>): Generator<OrbitBatch> {
  for (const b of orbits) {
    const { orbits: decoded } = deframeAll(frameOrbit(b, "muon"), { core: "native" });
    const muonHalf = wholeOrbit(decoded[0]?.batch ?? null, null);
    if (muonHalf) yield muonHalf;
  }
}

/** Injected-fault events listed in the summary at most (the count is always complete). */
const MAX_LISTED_INJECTIONS = 10_000;

function emulatorReport(e: Emulator) {
  const n = Math.min(e.injected.orbit.length, MAX_LISTED_INJECTIONS);
  return {
    faults: e.faults,
    stats: { ...e.stats },
    injectedWrongBits: e.injected.orbit.length,
    /** (orbit, bx) of the events whose score bits the emulator corrupted on purpose. */
    injectedEvents: Array.from({ length: n }, (_, i) => [e.injected.orbit[i], e.injected.bx[i]]),
  };
}

/**
 * Link-rate mode replays orbits from memory, as a link replays a capture: the generator (tens of
 * ms per orbit) cannot keep the LHC clock, a recorded stream can. The first `pool` orbits are
 * taken now, before any clock starts (generating them inside the run would make the source late
 * and count as drops), and replayed with consecutive orbit numbers until `total` have been sent.
 */
export function replayPool(orbits: Iterable<OrbitBatch>, pool: number, total: number): Iterable<OrbitBatch> {
  const kept: OrbitBatch[] = [];
  for (const b of orbits) {
    kept.push(b);
    if (kept.length >= pool) break;
  }
  return {
    *[Symbol.iterator]() {
      if (kept.length === 0) return;
      const first = kept[0].orbit;
      for (let k = 0; k < total; k++) {
        const b = kept[k % kept.length];
        yield k < kept.length ? b : { ...b, orbit: first + k };
      }
    },
  };
}

/**
 * The model the features stage computes with: its native twin where one exists, for the one-pass
 * native feature path (the same bits as the TS reference, held to it by a property test).
 */
function featureStageModel(model: ScoringModel): ScoringModel {
  if (model.floatOnly || !hasNativeScorer(model)) return model;
  return nativeScorer(model);
}

function throwUsage(message: string): never {
  throw new Error(message);
}

/** Orbits kept in memory for link-rate replay. */
export const REPLAY_POOL = 64;

export async function runSession(opts: SessionOptions): Promise<SessionResult> {
  const sharded = (opts.boards?.length ?? 0) >= 2;
  if (sharded && opts.b) throwUsage("give the board side either as b or as boards, not both");
  const specs = [opts.a, ...(opts.b ? [opts.b] : [])].map((s, i) => parseBackendSpec(s, i === 0 ? "--a" : "--b"));
  const boardSpecs = sharded ? opts.boards!.map((s) => parseBackendSpec(s, "--board")) : [];
  if (boardSpecs.some((b) => b.kind !== "board" && b.kind !== "emulator")) throwUsage("boards: each must be a board profile or the in-process emulator");
  const names = specs.map(backendName);
  if (sharded) names.push("board");
  if (names.length === 2 && names[0] === names[1]) (names[0] += "-a"), (names[1] += "-b");
  const model = resolveModel(opts.model);
  const wholeOrbits = (opts.orbitWorkers ?? 0) > 0 || opts.remoteWorkers !== undefined;
  if (model.model.floatOnly) {
    // Only the float backend can score a float-only model: refused before anything is opened.
    const fixed = [...new Set([...specs, ...boardSpecs].filter((s) => s.kind !== "float").map((s) => (s.kind === "board" ? `board:${s.profile}` : s.kind)))];
    if (wholeOrbits) throw floatOnlyError(model.model, "the whole-orbit workers (native, fixed point)");
    if (fixed.length) throw floatOnlyError(model.model, `the ${fixed.join(" and ")} backend${fixed.length > 1 ? "s" : ""} (fixed point)`);
  }
  // Whole-orbit workers each compile the native scorer: a model it cannot take is refused here, in one line.
  if (wholeOrbits) nativeScorer(model.model);
  const source = await openSource(opts.source);
  const backends: Awaited<ReturnType<typeof openBackend>>[] = [];
  // Beside whole-orbit workers only boards: they score the raw inputs the workers send back.
  const boardBeside = sharded || (specs[1] !== undefined && (specs[1].kind === "board" || specs[1].kind === "emulator"));
  if (wholeOrbits && (specs[0].kind !== "native" || (specs.length > 1 && !boardBeside))) (source.close(), throwUsage("whole-orbit workers score with the native model, alone or beside boards (a: native, b: a board or the emulator)"));
  if (wholeOrbits && (opts.link === false || source.linkFaults)) (source.close(), throwUsage("whole-orbit workers deframe the link themselves: they need generated or file events sent over the link"));
  let pool: OrbitWorkerPool | null = null;
  let shards: OpenBoardShards | null = null;
  try {
    const remote = opts.remoteWorkers;
    let poolDescribe = `native model in ${opts.orbitWorkers} whole-orbit worker threads`;
    if (remote) {
      const r = await remoteWorkerPool(model.model, { ...remote, streams: opts.streams ?? ["muon", "calo"], name: names[0], wantInputs: boardBeside });
      pool = r;
      await r.waitForWorkers();
      poolDescribe = `native model in ${remote.workers} whole-orbit worker processes at ${r.endpoint}${remote.curve ? " (CURVE)" : ""}`;
    } else if (wholeOrbits) pool = await orbitWorkerPool(model.model, { workers: opts.orbitWorkers!, streams: opts.streams ?? ["muon", "calo"], name: names[0], wantInputs: boardBeside });
    // Scorers of the pipeline and their names (with a pool, `a` is the pool and not among them).
    const backendNames: string[] = [];
    for (let i = pool ? 1 : 0; i < specs.length; i++) {
      backends.push(await openBackend(specs[i], { name: names[i], model: model.model, fault: opts.fault, client: opts.client, workers: opts.workers }));
      backendNames.push(names[i]);
    }
    if (sharded) {
      const perBoard = opts.perBoard ?? Math.ceil((opts.concurrency ?? 2) / boardSpecs.length);
      shards = await openBoardShards(boardSpecs, { name: names[1], model: model.model, fault: opts.fault, client: opts.client, perBoard, failover: opts.failover });
      backends.push(shards);
      backendNames.push(names[1]);
    }
    const streams = opts.streams ?? ["muon", "calo"];
    const muonOnly = streams.length === 1 && streams[0] === "muon";
    const describe = [
      `source: ${source.describe}${muonOnly ? " (muon stream)" : ""}`,
      `model: ${model.describe}`,
      ...(pool ? [`${names[0]}: ${poolDescribe} (deframe → features → score per orbit${boardBeside ? ", raw inputs back to the board side" : ""})`] : []),
      ...backends.map((b, i) => `${backendNames[i]}: ${b.describe}`),
      ...(shards ? shards.boards.map((b) => `  ${b.name}: ${b.backend.describe}`) : []),
    ].join("\n");
    // Per-worker / per-board running totals for live views (units.ts): generic rows, any kind.
    const units = concatUnits([
      ...(pool ? [poolUnits(pool, opts.remoteWorkers ? "process" : "thread")] : []),
      boardUnits(backends.flatMap((b, i) => (b.client ? [{ name: backendNames[i], client: b.client }] : []))),
      ...(shards ? [shards.units] : []),
    ]);
    opts.onStart?.({ totalOrbits: source.total, model, scorers: names, describe, mode: opts.mode, orbitHz: opts.orbitHz, units });
    let orbits: Iterable<OrbitBatch> = muonOnly ? muonStreamOnly(source.orbits) : source.orbits;
    if (opts.mode === "link-rate") orbits = replayPool(orbits, REPLAY_POOL, source.total ?? REPLAY_POOL);
    const recorder = opts.record ? new ScoreRecorder() : null;
    const { summary, tally } = await runPipelineTallied({
      source: orbits,
      model: featureStageModel(model.model),
      scorers: backends.map((b) => b.scorer),
      orbitWorkers: pool ?? undefined,
      mode: opts.mode,
      orbitHz: opts.orbitHz,
      // A capture was deframed by its source; everything else goes over the link.
      link: opts.link === false || source.linkFaults ? undefined : scoutingLink({ streams }),
      window: opts.window,
      concurrency: opts.concurrency,
      bufferOrbits: opts.bufferOrbits,
      compare: opts.compare === null ? null : { rawWidth: model.model.outputFormat.width, ...opts.compare },
      onOrbit: opts.onOrbit,
      onWork: recorder ? (w) => recorder.book(w) : undefined,
    });
    if (source.linkFaults) {
      for (const [k, v] of Object.entries(source.linkFaults())) summary.linkFaults[k] = (summary.linkFaults[k] ?? 0) + v;
    }
    const rtlStats = await Promise.all(backends.map((b) => (b.rtl ? b.rtl.stats() : null)));
    summary.backends = Object.fromEntries(
      backends.map((b, i) => [
        backendNames[i],
        {
          describe: b.describe,
          ...(b.client ? { hello: b.client.hello, client: b.client.stats() } : {}),
          ...(b.emulator ? { emulator: emulatorReport(b.emulator) } : {}),
          ...(b.rtl ? { rtl: { build: b.rtl.build.key, simulator: rtlStats[i] } } : {}),
        },
      ]),
    );
    if (shards) {
      summary.backends[names[1]] = { describe: shards.describe, boards: shards.boards.map((b) => b.name) };
      summary.boards = shards.shares(tally);
      // Cycles of boards at different clocks have no one ns value: the per-board ns stand alone then.
      if (new Set(summary.boards.shares.map((b) => b.hello.clockKHz)).size > 1) summary.latency.firmwareNs = null;
      // The per-board checks (shares add up, no board lost) join the run's verdict.
      summary.problems = checkSummary(summary).filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    }
    if (pool) summary.backends[names[0]] = { describe: poolDescribe, workers: pool.counters() };
    const boardHello = backends.find((b) => b.client)?.client?.hello ?? null;
    const record = recorder?.toRunRecord({
      tool: "scoutloop",
      version: packageVersion(),
      seed: opts.source.in ? null : generatorSettings(opts.source).seed!,
      model: { kind: model.model.kind, id: model.model.id, describe: model.describe },
      boardHello: boardHello ? { ...boardHello } : null,
      inputs: [{ name: source.describe, sha256: opts.source.in ? fileSha256(opts.source.in) : generatorInputHash({ ...generatorSettings(opts.source) }) }],
      createdAt: new Date().toISOString(),
    });
    return { summary, describe, record };
  } finally {
    await pool?.close();
    source.close();
    for (const b of backends.reverse()) await b.close().catch(() => {});
  }
}
