/**
 * Verilate a board: scorer.v + core.json (a generated or a user's core), shell.v
 * (emitShellVerilog) and the C++ harness (src/rtl/sim/harness.cpp) into one simulator binary.
 * `ensureRtlBuild` caches builds by the hash of everything that goes in (core, identity, shell
 * and harness sources, verilator version) under ~/.cache/scoutloop/rtl or $SCOUTLOOP_RTL_CACHE.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../native.js";
import type { HelloInfo } from "../hil/protocol.js";
import { emitShellVerilog, shellHello, type ShellCoreManifest, type ShellIdentity } from "./shell.js";

export const HARNESS_SOURCE = join(PACKAGE_ROOT, "src", "rtl", "sim", "harness.cpp");
export const SIM_BINARY = "scoutloop_rtl_sim";
/** What a build directory records about itself (board.json). */
export interface RtlBuildInfo {
  hello: HelloInfo;
  identity: ShellIdentity;
  manifest: ShellCoreManifest;
  /** Relative to the build directory. */
  binary: string;
  key: string;
  buildSeconds: number;
  verilator: string;
}

export interface RtlCore {
  verilog: string;
  manifest: ShellCoreManifest;
}

export interface RtlBuildOptions {
  core: RtlCore;
  identity: ShellIdentity;
  /** Parallel compile jobs (default 2: tests share small machines). */
  jobs?: number;
  /** Progress lines (verilator and make output go here only on failure). */
  log?: (line: string) => void;
}

export class RtlBuildError extends Error {
  override name = "RtlBuildError";
}

export function verilatorVersion(): string {
  try {
    return execFileSync("verilator", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    throw new RtlBuildError("verilator not found on PATH (Debian/Ubuntu: apt-get install verilator)");
  }
}

/** Hash of every input of a build: same key, same simulator. */
export function rtlBuildKey(opts: RtlBuildOptions): string {
  const h = createHash("sha256");
  h.update(opts.core.verilog);
  h.update(JSON.stringify(opts.core.manifest));
  h.update(JSON.stringify(opts.identity));
  h.update(emitShellVerilog(opts.core.manifest, opts.identity)); // static HDL + what shell.ts generates
  h.update(readFileSync(HARNESS_SOURCE));
  h.update(readFileSync(new URL(import.meta.url)));
  h.update(verilatorVersion());
  return h.digest("hex").slice(0, 16);
}

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (err) => reject(new RtlBuildError(`${cmd}: ${err.message}`)));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new RtlBuildError(`${cmd} failed (exit ${code}):\n${out.slice(-4000)}`))));
  });
}

/** Write the sources into `outDir` and verilate them; returns the build record. */
export async function buildRtl(outDir: string, opts: RtlBuildOptions): Promise<RtlBuildInfo> {
  const t0 = Date.now();
  const version = verilatorVersion();
  mkdirSync(outDir, { recursive: true });
  const shell = emitShellVerilog(opts.core.manifest, opts.identity);
  writeFileSync(join(outDir, "scorer.v"), opts.core.verilog);
  writeFileSync(join(outDir, "core.json"), JSON.stringify(opts.core.manifest, null, 2) + "\n");
  writeFileSync(join(outDir, "shell.v"), shell);
  copyFileSync(HARNESS_SOURCE, join(outDir, "harness.cpp"));
  const jobs = String(opts.jobs ?? 2);
  opts.log?.(`verilating ${outDir} (${version})`);
  // -O1 C++ and x-assign fast: a forest core is wide, flat logic, and compile time dominates.
  await run(
    "verilator",
    [
      "--cc", "--exe", "--build", "-j", jobs, "--top-module", "scoutloop_board",
      "-Wno-fatal", "-Wno-lint", "-Wno-style", "-Wno-MULTIDRIVEN",
      "--x-assign", "fast", "--x-initial", "fast", "-O3",
      "-GSIM_WARP=1", "-GSIM_GATE_CORE=1",
      "-CFLAGS", "-O1", "-MAKEFLAGS", "OPT_FAST=-O1 OPT_SLOW=-O0 OPT_GLOBAL=-O1",
      "--Mdir", "obj", "-o", SIM_BINARY,
      "shell.v", "scorer.v", "harness.cpp",
    ],
    outDir,
  );
  const info: RtlBuildInfo = {
    hello: shellHello(opts.core.manifest, opts.identity),
    identity: opts.identity,
    manifest: opts.core.manifest,
    binary: join("obj", SIM_BINARY),
    key: rtlBuildKey(opts),
    buildSeconds: (Date.now() - t0) / 1000,
    verilator: version,
  };
  writeFileSync(join(outDir, "board.json"), JSON.stringify(info, null, 2) + "\n");
  opts.log?.(`built ${join(outDir, info.binary)} in ${info.buildSeconds.toFixed(1)} s`);
  return info;
}

/** Read a build directory's record; throws one clear line if it is not a finished build. */
export function readRtlBuild(dir: string): RtlBuildInfo {
  const path = join(dir, "board.json");
  if (!existsSync(path)) throw new RtlBuildError(`${dir} is not an RTL build (no board.json; run scoutloop rtl build)`);
  const info = JSON.parse(readFileSync(path, "utf8")) as RtlBuildInfo;
  if (!existsSync(join(dir, info.binary))) throw new RtlBuildError(`${dir}: simulator ${info.binary} is missing (rebuild)`);
  return info;
}

/** Where cached builds live. */
export function rtlCacheDir(): string {
  return process.env.SCOUTLOOP_RTL_CACHE || join(homedir(), ".cache", "scoutloop", "rtl");
}

/** A cached build for these inputs (built on first use); returns its directory and record. */
export async function ensureRtlBuild(opts: RtlBuildOptions): Promise<{ dir: string; info: RtlBuildInfo; cached: boolean }> {
  const key = rtlBuildKey(opts);
  const dir = join(rtlCacheDir(), key);
  if (existsSync(join(dir, "board.json"))) return { dir, info: readRtlBuild(dir), cached: true };
  // Build beside the final place and rename: a concurrent build of the same key loses the race harmlessly.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await buildRtl(tmp, opts);
    try {
      renameSync(tmp, dir);
    } catch {
      if (!existsSync(join(dir, "board.json"))) throw new RtlBuildError(`cannot move the build into ${dir}`);
    }
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
  return { dir, info: readRtlBuild(dir), cached: false };
}
