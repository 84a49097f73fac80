/**
 * `scoutloop compare --a X --b Y`: the same events through two scoring backends, paired by
 * (orbit, bx) and compared bit-exact (or within --tolerance). Backends: software (fixed-point TS
 * model), native (C++ fixed-point), float (float reference), emulator (in-process emulated board
 * over ZeroMQ), board:PROFILE.json (a real or separately started board).
 */
import { Command } from "commander";
import { BACKEND_HELP, parseBackendSpec } from "../bus/backends.js";
import { UsageError } from "./util.js";
import { addSessionOptions, runAndReport, sessionFromCli, type SessionCliOptions } from "./run.js";

export function compareCommand(): Command {
  const cmd = new Command("compare")
    .description("score the same events with two backends and compare them event by event")
    .requiredOption("--a <backend>", `first backend: ${BACKEND_HELP}`)
    .requiredOption("--b <backend>", "second backend (same choices)")
    .option("--fault <spec>", "faults for an in-process emulated board backend");
  addSessionOptions(cmd);
  cmd.action(async (o: SessionCliOptions & { a: string; b: string; fault?: string }) => {
    const [a, b] = [["--a", o.a], ["--b", o.b]].map(([what, text]) => {
      try {
        return parseBackendSpec(text, what);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    });
    if (o.fault && a.kind !== "emulator" && b.kind !== "emulator") throw new UsageError("--fault needs an emulator backend (--a or --b emulator)");
    if (o.a === o.b && a.kind !== "emulator") throw new UsageError("--a and --b are the same backend");
    await runAndReport({ ...sessionFromCli(o), a: o.a, b: o.b, fault: o.fault }, o, "scoutloop compare");
  });
  return cmd;
}
