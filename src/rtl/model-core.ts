/**
 * The scorer core for a model: the RTL generator (src/rtl/core.ts, `generateScorerCore`) or a
 * user's core directory (scorer.v + core.json, the manifest of docs/firmware.md).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RtlCore } from "./build.js";
import type { ShellCoreManifest } from "./shell.js";
import type { ScoringModel } from "../scoring/model.js";
import { generateScorerCore } from "./core.js";

/** A core from a directory holding scorer.v and core.json. */
export function readCoreDir(dir: string): RtlCore {
  const v = join(dir, "scorer.v");
  const m = join(dir, "core.json");
  if (!existsSync(v) || !existsSync(m)) throw new Error(`${dir} needs scorer.v and core.json (the manifest of docs/firmware.md)`);
  let manifest: ShellCoreManifest;
  try {
    manifest = JSON.parse(readFileSync(m, "utf8")) as ShellCoreManifest;
  } catch (err) {
    throw new Error(`${m}: not valid JSON: ${(err as Error).message}`);
  }
  return { verilog: readFileSync(v, "utf8"), manifest };
}

/** Generate the core of `model` with the RTL generator (src/rtl/core.ts). */
export function coreForModel(model: ScoringModel): RtlCore {
  const { verilog, manifest } = generateScorerCore(model);
  return { verilog, manifest };
}
