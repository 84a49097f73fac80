/** `scoutloop rtl export`: scorer.v, testbench and hls4ml-style test vectors for Icarus Verilog. */
import { Command } from "commander";
import { resolve } from "node:path";
import { resolveModel } from "../bus/model.js";
import { exportRtl, generatedVectors } from "../rtl/export.js";
import { parseStuckBit, type StuckBitFault } from "../rtl/faults.js";
import { rtlIdentity } from "../rtl/inprocess.js";
import { emitShellVerilog } from "../rtl/shell.js";
import { profileOrUsage } from "./board.js";
import { emit, intOption, requireFile, UsageError } from "./util.js";

/** Parse `--stuck-bit` (commander argParser) with the one-line syntax in the error. */
export function stuckBitOption(value: string): StuckBitFault {
  try {
    return parseStuckBit(value);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function rtlExportCommand(): Command {
  return new Command("export")
    .description("write scorer.v (top scoutloop_scorer), shell.v (top scoutloop_board), core.json, tb.v and hls4ml-style test vectors that Icarus Verilog reproduces")
    .option("--model <model.json>", "model file (default: the default isolation forest that `run` uses)")
    .requiredOption("--out <dir>", "output directory (created if missing)")
    .option("--vectors <n>", "generated events written as test vectors", intOption(1, 10_000_000), 1000)
    .option("--seed <s>", "generator seed of the test vectors", intOption(0, 2 ** 31 - 1), 1)
    .option("--stuck-bit <spec>", "inject a stuck bit: threshold:TREE:NODE:BIT=0|1 (forest) or weight:LAYER:IN:OUT:BIT=0|1 (network)", stuckBitOption)
    .option("--profile <profile>", "board profile of the shell (shell.v: clock, UART baud rate, max batch)", "rtl-uart")
    .option("--json", "print the manifest and file list as JSON")
    .addHelpText("after", "\nThen, in the output directory:\n  iverilog -g2012 -o sim *.v && vvp -n sim\n\nExample:\n  scoutloop rtl export --model model.json --out rtl-out --vectors 1000\n")
    .action((o) => {
      if (o.model) requireFile(o.model);
      const profile = profileOrUsage(o.profile);
      if (!profile.rtl) throw new UsageError(`profile ${profile.name} is not an RTL profile (it has no "rtl" field); try rtl-uart or rtl-zmq`);
      const { model, describe } = resolveModel(o.model);
      let raw: Int32Array;
      try {
        raw = generatedVectors(model, o.vectors, o.seed);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const dir = resolve(o.out);
      let res;
      try {
        res = exportRtl(model, dir, {
          raw, n: o.vectors, fault: o.stuckBit,
          shell: (core) => emitShellVerilog(core.manifest, rtlIdentity(profile, core, model.kind)),
        });
      } catch (err) {
        if (err instanceof RangeError) throw new UsageError(err.message);
        throw err;
      }
      emit(Boolean(o.json), { dir, model: describe, manifest: res.manifest, files: res.files }, () =>
        `exported ${res.manifest.kind} core of ${describe} to ${dir}: ${res.files.join(", ")}\n` +
        `latency ${res.manifest.latency} cycles, II 1${res.manifest.faults.length ? `; FAULT: ${res.manifest.faults[0].describe}` : ""}\n` +
        `check with: cd ${dir} && iverilog -g2012 -o sim *.v && vvp -n sim`);
    });
}
