/**
 * `run --remote-workers N --workers-at ENDPOINT`: the options of a run whose orbits are scored by
 * `scoutloop worker` processes on this or other hosts, and the one-line messages it prints while
 * they join. Binding beyond loopback needs CURVE: `--curve` makes a keypair for this run, prints
 * its public key and writes it to `--server-key-out FILE`, which each worker takes with
 * `--server-key FILE`.
 */
import { writeFileSync } from "node:fs";
import { Option, type Command } from "commander";
import type { SessionOptions } from "../bus/session.js";
import { UsageError, intOption, numberOption } from "./util.js";
import { readPublicKeys } from "./curveKeys.js";

export const DEFAULT_WORKERS_AT = "tcp://127.0.0.1:5560";

export interface RemoteWorkerCliOptions {
  remoteWorkers?: number;
  workersAt: string;
  workerWait: number;
  workerTimeout: number;
  workerCredit: number;
  curve?: boolean;
  serverKeyOut?: string;
  workerKeys?: string;
}

export function addRemoteWorkerOptions(cmd: Command): Command {
  return cmd
    .option("--remote-workers <n>", "no board: the native model scores alone in N whole-orbit worker processes that join --workers-at (start each with `scoutloop worker --connect ENDPOINT`, on this or other hosts)", intOption(1, 1024))
    .option("--workers-at <endpoint>", "--remote-workers: where the run listens for workers (beyond 127.0.0.1 only with --curve)", DEFAULT_WORKERS_AT)
    .option("--worker-wait <s>", "--remote-workers: wait at most this long for them to join", numberOption(0.1, 86_400), 60)
    .option("--worker-timeout <ms>", "--remote-workers: a worker silent this long is lost (its orbits go to another)", intOption(100, 3_600_000), 5000)
    .option("--worker-credit <n>", "--remote-workers: orbits in flight per worker", intOption(1, 1024), 4)
    .addOption(new Option("--curve", "--remote-workers: encrypt with CURVE under a keypair made for this run (its public key is printed)"))
    .option("--server-key-out <file>", "--curve: write the run's public key to this file (workers take it with --server-key FILE)")
    .option("--worker-keys <file>", "--curve: admit only workers whose CURVE public key is in this file (their `worker --new-key` .pub files, concatenated)");
}

/** The session's remoteWorkers option, or undefined without --remote-workers. */
export async function remoteWorkersFromCli(o: RemoteWorkerCliOptions): Promise<SessionOptions["remoteWorkers"]> {
  if (o.remoteWorkers === undefined) {
    if (o.curve || o.serverKeyOut || o.workerKeys) throw new UsageError("--curve, --server-key-out and --worker-keys only apply with --remote-workers");
    return undefined;
  }
  if ((o.serverKeyOut || o.workerKeys) && !o.curve) throw new UsageError(`${o.serverKeyOut ? "--server-key-out" : "--worker-keys"} needs --curve`);
  const workerKeys = o.workerKeys ? readPublicKeys(o.workerKeys) : null;
  const { isLoopbackEndpoint } = await import("../bus/orbitWorkers/wire.js");
  if (!o.curve && !isLoopbackEndpoint(o.workersAt)) throw new UsageError(`--workers-at ${o.workersAt} is beyond loopback: add --curve (workers on other hosts must not talk in the clear)`);
  const curve = o.curve ? (await import("zeromq")).curveKeyPair() : null;
  const say = (line: string) => process.stderr.write(`scoutloop run: ${line}\n`);
  return {
    endpoint: o.workersAt,
    workers: o.remoteWorkers,
    waitMs: o.workerWait * 1000,
    timeoutMs: o.workerTimeout,
    credit: o.workerCredit,
    curve,
    workerKeys,
    log: say,
    onListening(endpoint) {
      if (curve && o.serverKeyOut) writeFileSync(o.serverKeyOut, `${curve.publicKey}\n`, { mode: 0o644 });
      const key = curve ? `; CURVE server key ${curve.publicKey}${o.serverKeyOut ? ` (in ${o.serverKeyOut})` : ""}${workerKeys ? `, ${workerKeys.length} worker keys admitted` : ""}` : "";
      const how = `scoutloop worker --connect ${endpoint}${curve ? ` --server-key ${o.serverKeyOut ?? `'${curve.publicKey}'`}${workerKeys ? " --key FILE" : ""}` : ""}`;
      say(`waiting up to ${o.workerWait} s for ${o.remoteWorkers} workers at ${endpoint}${key}; start each with: ${how}`);
    },
  };
}
