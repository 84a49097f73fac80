/**
 * Boards served by separate `scoutloop board serve` processes (ours, killed by `stopBoards`), and
 * host-side profiles pointing at them: what `run --board` tests talk to.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatFixed, type ScoringModel } from "../../src/scoring/index.js";
import { CLI } from "./cli.js";

const ROOT = join(import.meta.dirname, "..", "..");
const servers: ChildProcess[] = [];

export interface ServedBoard {
  /** What `board serve --json` printed first (address and identity). */
  info: Record<string, unknown>;
  address: string;
  child: ChildProcess;
  /** The latest counters it printed (with `--stats-every MS`), or null before the first. */
  stats: Record<string, number> | null;
}

/** Start `board serve … --json` and resolve once it printed its address. */
export function serveBoard(args: string[]): Promise<ServedBoard> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "board", "serve", ...args, "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    servers.push(child);
    let out = "", err = "";
    const timer = setTimeout(() => reject(new Error(`board serve did not start: ${err}`)), 30_000);
    child.stderr.on("data", (d) => (err += d));
    let served: ServedBoard | null = null;
    child.stdout.on("data", (d) => {
      out += d;
      for (let nl = out.indexOf("\n"); nl >= 0; nl = out.indexOf("\n")) {
        const line = JSON.parse(out.slice(0, nl)) as Record<string, unknown>;
        out = out.slice(nl + 1);
        if (served) {
          if (line.stats) served.stats = line.stats as Record<string, number>;
          continue;
        }
        clearTimeout(timer);
        const address = line.address ?? line.endpoint ?? line.path;
        if (typeof address !== "string") return reject(new Error(`no address in ${JSON.stringify(line)}`));
        served = { info: line, address, child, stats: null };
        resolve(served);
      }
    });
    child.on("exit", (code) => reject(new Error(`board serve exited ${code}: ${err}`)));
  });
}

/** Kill every board this file started that still runs. */
export function stopBoards(): void {
  for (const s of servers.splice(0)) if (s.exitCode === null && s.signalCode === null) s.kill("SIGKILL");
}

/**
 * A shipped profile with the model's formats and the served address, written to `dir` as
 * `<file>.json`; `patch` overrides top-level fields (name, timeouts, ...).
 */
export function hostProfile(dir: string, shipped: string, model: ScoringModel, transport: Record<string, unknown>, patch: Record<string, unknown> = {}, file = `${shipped}-host`): string {
  const p = JSON.parse(readFileSync(join(ROOT, "boards", `${shipped}.json`), "utf8"));
  delete p.$schema;
  Object.assign(p, { inputFormat: formatFixed(model.inputFormat), outputFormat: formatFixed(model.outputFormat) }, patch);
  p.transport = { ...p.transport, ...transport };
  const path = join(dir, `${file}.json`);
  writeFileSync(path, JSON.stringify(p));
  return path;
}
