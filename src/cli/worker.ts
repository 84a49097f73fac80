/**
 * `scoutloop worker --connect tcp://HOST:PORT`: a scoring worker process for a run started with
 * `run --remote-workers N --workers-at …`. It loads its own copy of the model (the run refuses it
 * if the model differs), takes whole orbits of link packets, deframes, featurises and scores them
 * natively, and returns the scores. One run per process: it exits when the run ends (0), refuses
 * it or vanishes (4).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { PACKAGE_ROOT } from "../native.js";
import { CliError, ExitCode } from "./errors.js";
import { UsageError, emit, numberOption } from "./util.js";

/** A Z85 CURVE key (40 characters), given as itself or as a file holding it. */
function serverKey(text: string): string {
  const key = existsSync(text) ? readFileSync(text, "utf8").trim() : text.trim();
  if (!/^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/.test(key)) throw new UsageError(`--server-key: expected a file holding the run's 40-character Z85 public key, or the key itself`);
  return key;
}

export function workerCommand(): Command {
  return new Command("worker")
    .description("score orbits for a run on this or another host: connect to `run --remote-workers N --workers-at ENDPOINT`, score whole orbits natively, exit when the run ends")
    .requiredOption("--connect <endpoint>", "the run's endpoint, e.g. tcp://10.0.0.1:5560 (what the run prints)")
    .option("--model <file>", "scoring model JSON; must be the run's model (default: the shipped default model)")
    .option("--server-key <file|key>", "the run's CURVE public key (the file `run --curve --server-key-out FILE` wrote, or the key)")
    .option("--name <label>", "host label this worker states to the run (default: the host name)")
    .option("--join-timeout <s>", "give up when no run answers within this long", numberOption(0.1, 86_400), 60)
    .option("--json", "print the final counts as JSON")
    .action(async (o: { connect: string; model?: string; serverKey?: string; name?: string; joinTimeout: number; json?: boolean }) => {
      if (!/^tcp:\/\/[^:]+:\d+$|^tcp:\/\/\[[^\]]+\]:\d+$|^ipc:\/\//.test(o.connect)) throw new UsageError(`--connect: expected tcp://HOST:PORT, got "${o.connect}"`);
      const key = o.serverKey ? serverKey(o.serverKey) : undefined;
      const { resolveModel } = await import("../bus/model.js");
      const { wholeOrbitModel } = await import("../bus/orbitWorkers/orbitScorer.js");
      const { serveOrbits } = await import("../bus/orbitWorkers/remoteWorker.js");
      const loaded = resolveModel(o.model);
      const model = wholeOrbitModel(loaded.model.toJSON());
      const version = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version as string;
      const say = (line: string) => process.stderr.write(`scoutloop worker: ${line}\n`);
      say(`pid ${process.pid}, model ${model.kind} ${model.id} (native), connecting to ${o.connect}${key ? " with CURVE" : ""}`);
      const r = await serveOrbits({ connect: o.connect, model, version, host: o.name, serverKey: key, joinTimeoutMs: o.joinTimeout * 1000, log: say });
      emit(Boolean(o.json), r, () => `worker ${r.name ?? `pid ${process.pid}`}: ${r.orbits} orbits, ${r.events} events scored, busy ${r.busySeconds.toFixed(2)} s; ${r.detail}`);
      if (r.end !== "bye") throw new CliError(ExitCode.BOARD, r.detail);
    });
}
