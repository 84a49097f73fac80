/** Shared pieces of the RTL scorer-core tests: small models, randomized and boundary inputs. */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { N_FEATURES } from "../../src/events/features.js";
import { rawMax, seededRandom, type ScoringModel } from "../../src/scoring/index.js";
import { rawLow } from "../../src/rtl/fixed-hdl.js";
import { collectSample } from "../../src/scoring/sample.js";
import { generateOrbits } from "../../src/trigger/index.js";

export const execFileAsync = promisify(execFile);

/** Generated background events (physical features), as the default model trains on. */
export function generatedEvents(seed: number, maxEvents: number): { features: Float32Array; n: number; nFeatures: number } {
  const s = collectSample(generateOrbits({ seed, orbits: 1 }), maxEvents);
  return { features: s.features, n: s.n, nFeatures: N_FEATURES };
}

/** Uniform random raw inputs over the whole input format, with a share of values at the extremes. */
export function randomRaw(model: ScoringModel, n: number, seed: number): Int32Array {
  const rand = seededRandom(seed);
  const lo = rawLow(model.inputFormat), hi = rawMax(model.inputFormat);
  const out = new Int32Array(n * model.nFeatures);
  for (let i = 0; i < out.length; i++) {
    const u = rand();
    out[i] = u < 0.05 ? lo : u < 0.1 ? hi : u < 0.2 ? 0 : lo + Math.floor(rand() * (hi - lo + 1));
  }
  return out;
}

/** `verilator --lint-only -Wall` on a Verilog source; returns the tool's messages ("" when clean). */
export async function verilatorLint(verilog: string, top = "scoutloop_scorer"): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "scoutloop-lint-"));
  try {
    writeFileSync(join(dir, "scorer.v"), verilog);
    try {
      await execFileAsync("verilator", ["--lint-only", "-Wall", "--top-module", top, "scorer.v"], { cwd: dir });
      return "";
    } catch (err) {
      return (err as { stderr?: string }).stderr ?? String(err);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Indices where two score arrays differ. */
export function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}
