/**
 * `scoutloop rtl build` and `scoutloop rtl serve`: verilate the model's board (scorer core +
 * protocol shell + C++ harness) and serve the simulation on a pty (UART bit timing, opened like a
 * USB-UART) or on ZeroMQ through the PS-daemon model.
 */
import { Command, Option } from "commander";
import { profileOrUsage } from "./board.js";
import { emit, intOption, UsageError } from "./util.js";

export function rtlBuildCommand(): Command {
  return new Command("build")
    .description("write the model's scorer core, the board shell and a C++ harness into DIR and verilate them")
    .requiredOption("--out <dir>", "output directory (scorer.v, core.json, shell.v, harness.cpp, board.json, obj/scoutloop_rtl_sim)")
    .option("--model <file>", "model JSON (default: the default isolation forest)")
    .option("--core <dir>", "use your own core instead of generating one: DIR holds scorer.v and core.json (docs/firmware.md)")
    .option("--profile <profile>", "board profile giving clock, UART baud rate and max batch", "rtl-uart")
    .option("--jobs <n>", "parallel C++ compile jobs", intOption(1, 64), 2)
    .option("--json", "print the build record as JSON")
    .addHelpText("after", "\nExample:\n  scoutloop rtl build --model model.json --out build/rtl && scoutloop rtl serve build/rtl --pty\n")
    .action(async (o: { out: string; model?: string; core?: string; profile: string; jobs: number; json?: boolean }) => {
      const profile = profileOrUsage(o.profile);
      if (!profile.rtl) throw new UsageError(`profile ${profile.name} is not an RTL profile (it has no "rtl" field); try rtl-uart or rtl-zmq`);
      const { buildRtl } = await import("../rtl/build.js");
      const { readCoreDir, coreForModel } = await import("../rtl/model-core.js");
      const { rtlIdentity } = await import("../rtl/inprocess.js");
      let core;
      let kind = "core";
      if (o.core) {
        if (o.model) throw new UsageError("--core and --model exclude each other (a core directory brings its own manifest)");
        core = readCoreDir(o.core);
      } else {
        const { resolveModel } = await import("../bus/model.js");
        const { model } = resolveModel(o.model);
        kind = model.kind;
        core = coreForModel(model);
      }
      const log = o.json ? undefined : (l: string) => process.stderr.write(`${l}\n`);
      const info = await buildRtl(o.out, { core, identity: rtlIdentity(profile, core, kind), jobs: o.jobs, log });
      emit(Boolean(o.json), info, () => `${o.out}: ${info.hello.firmwareId} (${info.hello.firmwareHash}), model ${info.hello.modelId}, core latency ${info.hello.latencyCycles} cycles, built in ${info.buildSeconds.toFixed(1)} s`);
    });
}

export function rtlServeCommand(): Command {
  return new Command("serve")
    .description("run a verilated board (from rtl build) on a pty or behind ZeroMQ, until Ctrl-C")
    .argument("<dir>", "build directory of scoutloop rtl build")
    .addOption(new Option("--pty", "UART on a new pty pair; prints its /dev/pts/N (default)").conflicts("zmq"))
    .option("--zmq <endpoint>", "serve through the PS-daemon model on this ZeroMQ endpoint (tcp://127.0.0.1:* picks a free port)")
    .option("--json", "print the serving address and identity as one JSON line")
    .addHelpText("after", "\nExamples:\n  scoutloop rtl serve build/rtl --pty\n  scoutloop rtl serve build/rtl --zmq tcp://127.0.0.1:5556\n")
    .action(async (dir: string, o: { pty?: boolean; zmq?: string; json?: boolean }) => {
      const { startRtlBoard } = await import("../rtl/board.js");
      const { RtlBuildError } = await import("../rtl/build.js");
      let board;
      try {
        board = await startRtlBoard({ dir, mode: o.zmq ? "zmq" : "pty", endpoint: o.zmq });
      } catch (err) {
        if (err instanceof RtlBuildError) throw new UsageError(err.message);
        throw err;
      }
      if (o.json) process.stdout.write(JSON.stringify({ address: board.address, kind: board.kind, hello: board.hello }) + "\n");
      else {
        process.stdout.write(`${board.address}\n`); // alone on the first line, for `head -1`
        const h = board.hello;
        process.stderr.write(`RTL board ${h.boardName}: firmware ${h.firmwareId} (${h.firmwareHash}), model ${h.modelId}, ${h.clockKHz / 1000} MHz, core latency ${h.latencyCycles} cycles, max batch ${h.maxBatch}\n`);
      }
      const stop = () => void board.close();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const stats = await board.exited;
      await board.close();
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      if (!o.json) process.stderr.write(`RTL board stopped: ${JSON.stringify(stats)}\n`);
    });
}
