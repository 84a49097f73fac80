/**
 * An RTL board for a run (profiles with `rtl`, e.g. boards/rtl-uart.json): generate the model's
 * core, build (or reuse from the cache) the verilated board, start it on a pty or behind the
 * PS-daemon model, and hand back the profile the client should check HELLO against.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { BoardProfile } from "../hil/profile.js";
import type { ScoringModel } from "../scoring/model.js";
import { ensureRtlBuild, HARNESS_SOURCE, type RtlCore } from "./build.js";
import { startRtlBoard, type RtlBoard } from "./board.js";
import { coreForModel } from "./model-core.js";
import { HDL_DIR, SHELL_HDL_FILES, type ShellIdentity } from "./shell.js";
import { join } from "node:path";

export interface RtlRun {
  board: RtlBoard;
  /** The profile with the build's identity filled in (formats, model, firmware, latency). */
  profile: BoardProfile;
  dir: string;
  cached: boolean;
}

/** Short hash naming a firmware build: core, shell HDL and harness. */
export function firmwareHash(core: RtlCore): string {
  const h = createHash("sha256");
  h.update(core.verilog);
  h.update(JSON.stringify(core.manifest));
  for (const f of SHELL_HDL_FILES) h.update(readFileSync(join(HDL_DIR, f)));
  h.update(readFileSync(HARNESS_SOURCE));
  return h.digest("hex").slice(0, 12);
}

/** Identity of an RTL build for `profile`. */
export function rtlIdentity(profile: BoardProfile, core: RtlCore, kind: string): ShellIdentity {
  const clocksPerBit = profile.rtl?.clocksPerBit ?? 8;
  return {
    boardName: `scoutloop-rtl/verilator (${profile.name})`,
    firmwareId: `scoutloop-rtl/${kind}-${core.manifest.modelId}`,
    firmwareHash: firmwareHash(core),
    clockMHz: profile.clockMHz,
    clocksPerBit,
    maxBatch: profile.maxBatch,
  };
}

export async function startRtlForModel(
  model: ScoringModel,
  profile: BoardProfile,
  opts: { core?: RtlCore; log?: (line: string) => void } = {},
): Promise<RtlRun> {
  const core = opts.core ?? coreForModel(model);
  if (core.manifest.modelId !== model.id) throw new Error(`RTL core is for model ${core.manifest.modelId}, the run's model is ${model.id}`);
  const identity = rtlIdentity(profile, core, model.kind);
  const { dir, info, cached } = await ensureRtlBuild({ core, identity, log: opts.log });
  const board = await startRtlBoard({ dir, mode: profile.transport.kind === "serial" ? "pty" : "zmq" });
  const h = info.hello;
  const adapted: BoardProfile = {
    ...profile,
    transport: profile.transport.kind === "serial" ? { ...profile.transport, path: board.address } : { ...profile.transport, endpoint: board.address },
    inputFormat: h.inputFormat,
    outputFormat: h.outputFormat,
    nFeatures: h.nFeatures,
    latencyCycles: h.latencyCycles,
    modelId: h.modelId,
    firmware: { id: h.firmwareId, hash: h.firmwareHash },
  };
  return { board, profile: adapted, dir, cached };
}
