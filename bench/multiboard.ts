/**
 * Several boards in one run (`run --board a --board b`), measured side by side in one run: the
 * pipeline (replayed orbits → link → native features → board side) with 1 and with 2 emulated
 * boards, each served by its own `scoutloop board serve` process over ZeroMQ tcp loopback (a real
 * board is its own hardware: in-process emulators would share this thread). Two kinds of board:
 *  - a fast one (the emulator as is: the host, not the board, sets the rate);
 *  - a slow one (every reply 20 ms late, like a dev kit behind a slow link), where sharding pays.
 * Each line says events/s, the 2-board / 1-board ratio and the host load it was measured under;
 * the second pair of each runs as `run` does, with the native software side compared event by
 * event. Last, the muon stream at the LHC orbit rate (1 s of beam) with 2 whole-orbit workers and
 * 1 or 2 fast boards beside them (`run --rate lhc --stream muon --software native --orbit-workers 2
 * --board a --board b`): dropped orbits and orbit latency from the scheduled send.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runPipeline, scoutingLink, softwareScorer, type PipelineOptions } from "../src/bus/index.js";
import { defaultModel } from "../src/bus/model.js";
import { openBoardShards } from "../src/bus/openBoardShards.js";
import { openBackend } from "../src/bus/openBackend.js";
import { replayPool } from "../src/bus/session.js";
import { PACKAGE_ROOT } from "../src/native.js";
import { formatFixed, nativeScorer } from "../src/scoring/index.js";
import { generateOrbits } from "../src/trigger/index.js";
import { orbitWorkerPool } from "../src/bus/orbitWorkers/pool.js";
import { deframeAll, frameOrbit, mergeStreams } from "../src/link/index.js";
import { ORBIT_HZ } from "../src/events/batch.js";
import type { ScoringModel } from "../src/scoring/index.js";
import { formatLatency } from "../src/compare/latency.js";
import type { RunSummary } from "../src/compare/summary.js";
import { formatRate, ratioLine } from "./_timing.js";

const CLI = join(PACKAGE_ROOT, "bin", "scoutloop.js");

/** `board serve` in a child process; resolves with its address once it printed it. */
function serve(modelPath: string, fault: string | null, children: ChildProcess[]): Promise<string> {
  const args = [CLI, "board", "serve", "--profile", "emulator-zmq", "--model", modelPath, "--zmq", "tcp://127.0.0.1:*", "--adopt-model", "--json", ...(fault ? ["--fault", fault] : [])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)).address as string);
    });
    child.on("exit", (code) => reject(new Error(`board serve exited ${code}`)));
  });
}

const load = () => `host load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`;

/** Muon stream at the LHC rate: 2 whole-orbit workers, 1 or 2 boards beside them scoring the inputs they send back. */
async function linkRateBeside(model: ScoringModel, profiles: string[]): Promise<void> {
  const muon = [...generateOrbits({ seed: 8, orbits: 8 })].flatMap((b) => {
    const m = mergeStreams(deframeAll(frameOrbit(b, "muon"), { core: "native" }).orbits[0]?.batch ?? null, null);
    return m ? [m] : [];
  });
  const orbits = Math.round(ORBIT_HZ);
  for (const n of [1, 2]) {
    const pool = await orbitWorkerPool(model, { workers: 2, streams: ["muon"], wantInputs: true });
    const side = n === 1
      ? await openBackend({ kind: "board", profile: profiles[0] }, { name: "board", model })
      : await openBoardShards(profiles.map((p) => ({ kind: "board" as const, profile: p })), { name: "board", model, perBoard: 4 });
    try {
      const base: PipelineOptions = { source: replayPool(muon, muon.length, 2000), model, scorers: [side.scorer], orbitWorkers: pool, window: 16, compare: {} };
      await runPipeline(base); // warm-up
      const s = await runPipeline({ ...base, mode: "link-rate", bufferOrbits: 2048, source: replayPool(muon, muon.length, orbits) });
      console.log(
        `link-rate muon stream at ${ORBIT_HZ.toFixed(1)} Hz, 2 whole-orbit workers + ${n} fast board${n > 1 ? "s" : ""}: ${s.accounting.orbits.dropped}/${orbits} orbits dropped, ` +
          `${s.comparison?.mismatches ?? "?"} mismatches in ${s.comparison?.paired ?? 0} paired, ${(s.throughput.realTimeFraction * 100).toFixed(1)} % of real time; ${load()}`,
      );
      if (s.latency.orbit) console.log(`  orbit latency from scheduled send: ${formatLatency(s.latency.orbit)}`);
    } finally {
      await side.close();
      await pool.close();
    }
  }
}

export async function run(): Promise<void> {
  const model = defaultModel();
  const fast = nativeScorer(model);
  const dir = mkdtempSync(join(tmpdir(), "scoutloop-bench-boards-"));
  const modelPath = join(dir, "model.json");
  writeFileSync(modelPath, JSON.stringify(model.toJSON()));
  const shipped = JSON.parse(readFileSync(join(PACKAGE_ROOT, "boards", "emulator-zmq.json"), "utf8"));
  delete shipped.$schema;
  const profileAt = (name: string, endpoint: string) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify({ ...shipped, name, inputFormat: formatFixed(model.inputFormat), outputFormat: formatFixed(model.outputFormat), transport: { kind: "zmq", endpoint }, timeouts: { helloMs: 5000, replyMs: 10_000, pingMs: 2000 } }));
    return path;
  };
  const orbits = [...generateOrbits({ seed: 8, orbits: 8 })];
  const children: ChildProcess[] = [];
  try {
    for (const [kind, fault, total] of [["fast emulated board", null, 48], ["slow emulated board (replies 20 ms late)", "delay=20ms", 48]] as const) {
      const addresses = await Promise.all([serve(modelPath, fault, children), serve(modelPath, fault, children)]);
      const profiles = addresses.map((a, i) => profileAt(`bench-${i}`, a));
      const rates: number[] = [];
      for (const withSoftware of [false, true]) {
        for (const n of [1, 2]) {
          // Two orbits in flight per board, as `run` allows with several boards.
          const perBoard = 2;
          const side = n === 1
            ? await openBackend({ kind: "board", profile: profiles[0] }, { name: "board", model })
            : await openBoardShards(profiles.slice(0, n).map((p) => ({ kind: "board" as const, profile: p })), { name: "board", model, perBoard });
          try {
            const base: PipelineOptions = {
              source: replayPool(orbits, orbits.length, 8), model: fast, mode: "pull", link: scoutingLink(),
              scorers: withSoftware ? [softwareScorer(fast, { name: "native" }), side.scorer] : [side.scorer],
              window: 2 * perBoard * n, concurrency: perBoard * n, compare: withSoftware ? {} : null,
            };
            await runPipeline(base); // warm-up: JIT, sockets, emulator
            // A fresh link: the warm-up's link has seen these orbit numbers already.
            const s: RunSummary = await runPipeline({ ...base, link: scoutingLink(), source: replayPool(orbits, orbits.length, total) });
            const bad = s.problems.filter((p) => !p.startsWith("no-dropped"));
            if (bad.length) throw new Error(`bench run not clean: ${bad.join("; ")}`);
            const rate = s.throughput.eventsPerSecond;
            rates.push(rate);
            const label = `${kind}, ${n} board${n > 1 ? "s" : ""}${withSoftware ? " + native software compared" : ""}`;
            const ratio = n === 1 ? 1 : rate / rates[rates.length - 2];
            console.log(ratioLine(label, formatRate(rate, " ev/s"), ratio, `${n === 1 ? "baseline" : "of 1 board (target ≈ 2 when the board sets the rate)"}; ${load()}`));
            if (s.latency.hostRtt) console.log(`  host round trip per orbit request: ${formatLatency(s.latency.hostRtt)}`);
          } finally {
            await side.close();
          }
        }
      }
      if (!fault) await linkRateBeside(model, profiles);
      for (const c of children.splice(0)) c.kill("SIGKILL");
    }
  } finally {
    for (const c of children) c.kill("SIGKILL");
  }
}
