/** Runs the built `scoutloop` CLI in a child process, as a user would (needs dist/: `npm test` builds it). */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/native.js";

export const CLI = join(PACKAGE_ROOT, "bin", "scoutloop.js");

export interface CliResult {
  /** Exit code; -1 when killed (timeout). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  timeoutMs?: number;
  cwd?: string;
}

/** Blocking run: for plain one-shot commands. */
export function cliSync(args: readonly string[], { timeoutMs = 60_000, cwd }: CliOptions = {}): CliResult {
  const res = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: timeoutMs, cwd });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** Non-blocking run: servers started by the same test keep answering, and independent runs go side by side. */
export function cli(args: readonly string[], { timeoutMs = 60_000, cwd }: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + String(err) });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
