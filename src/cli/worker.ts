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
import { UsageError, emit, intOption, numberOption } from "./util.js";
import { isZ85, readKeyPair, readPublicKeys, writeKeyPair } from "./curveKeys.js";

/** A Z85 CURVE key (40 characters), given as itself or as a file holding it. */
function serverKey(text: string): string {
  if (existsSync(text)) return readPublicKeys(text)[0]!;
  if (!isZ85(text.trim())) throw new UsageError(`--server-key: expected a file holding the run's 40-character Z85 public key, or the key itself`);
  return text.trim();
}

export function workerCommand(): Command {
  return new Command("worker")
    .description("score orbits for a run on this or another host: connect to `run --remote-workers N --workers-at ENDPOINT`, score whole orbits natively, exit when the run ends")
    .option("--connect <endpoint>", "the run's endpoint, e.g. tcp://10.0.0.1:5560 (what the run prints)")
    .option("--model <file>", "scoring model JSON; must be the run's model (default: the shipped default model)")
    .option("--server-key <file|key>", "the run's CURVE public key (the file `run --curve --server-key-out FILE` wrote, or the key)")
    .option("--key <file>", "this worker's CURVE certificate (for a run that admits only listed workers: `run --worker-keys`)")
    .option("--new-key <file>", "make a CURVE certificate for this worker: FILE (secret, mode 0600) and FILE.pub (for the run's --worker-keys), then exit")
    .option("--name <label>", "host label this worker states to the run (default: the host name)")
    .option("--log-every <n>", "also log one line every N orbits scored (for logs that are not a terminal; 0: never)", intOption(0, 1e9), 0)
    .option("--join-timeout <s>", "give up when no run answers within this long", numberOption(0.1, 86_400), 60)
    .option("--json", "print the final counts as JSON")
    .action(async (o: { connect?: string; model?: string; serverKey?: string; key?: string; newKey?: string; name?: string; joinTimeout: number; logEvery: number; json?: boolean }) => {
      if (o.newKey) {
        const keys = (await import("zeromq")).curveKeyPair();
        writeKeyPair(o.newKey, keys, `scoutloop worker ${o.name ?? ""}`.trim());
        process.stdout.write(`${keys.publicKey}\n`);
        process.stderr.write(`scoutloop worker: wrote ${o.newKey} (secret) and ${o.newKey}.pub (give it to the run: --worker-keys)\n`);
        return;
      }
      if (!o.connect) throw new UsageError("--connect <endpoint> is required (or --new-key FILE)");
      if (o.key && !o.serverKey) throw new UsageError("--key needs --server-key (CURVE)");
      const ownKeys = o.key ? readKeyPair(o.key) : undefined;
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
      // A live line on a terminal: what this worker has scored and at what rate (it cannot know the run's total).
      const tty = Boolean(process.stderr.isTTY) && !o.json;
      let t0 = 0;
      let drawn = 0;
      const onOrbit = (r: { name: string | null; orbits: number; events: number }) => {
        const now = Date.now();
        t0 ||= now;
        if (o.logEvery > 0 && r.orbits % o.logEvery === 0) say(`${r.name}: ${r.orbits} orbits, ${r.events} events scored`);
        if (!tty || now - drawn < 250) return;
        drawn = now;
        const s = Math.max((now - t0) / 1000, 1e-3);
        process.stderr.write(`\rscoutloop worker ${r.name}: ${r.orbits} orbits, ${r.events} events, ${(r.orbits / s).toFixed(1)} orbits/s\x1b[K`);
      };
      const r = await serveOrbits({ connect: o.connect, model, version, host: o.name, serverKey: key, ownKeys, joinTimeoutMs: o.joinTimeout * 1000, log: say, onOrbit });
      if (drawn) process.stderr.write("\n");
      emit(Boolean(o.json), r, () => `worker ${r.name ?? `pid ${process.pid}`}: ${r.orbits} orbits, ${r.events} events scored, busy ${r.busySeconds.toFixed(2)} s; ${r.detail}`);
      if (r.end !== "bye") throw new CliError(ExitCode.BOARD, r.detail);
    });
}
