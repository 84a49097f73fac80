/**
 * `scoutloop board …`: serve the board emulator, ask a board who it is, check a profile, print
 * the protocol test vectors.
 */
import { Command, Option } from "commander";
import { FaultSpecError, formatFaultSpec, parseFaultSpec } from "../hil/faults.js";
import { loadProfile, profileAddress, type BoardProfile } from "../hil/profile.js";
import { vectorsMarkdown } from "../hil/vectors.js";
import { emit, intOption, UsageError } from "./util.js";

/** A profile by path or shipped name; a bad one is a ProfileError (exit 3, like every bad input file). */
export function profileOrUsage(p: string): BoardProfile {
  return loadProfile(p);
}

function serveCommand(): Command {
  return new Command("serve")
    .description("serve the board protocol from a model file (emulated board), until Ctrl-C")
    .requiredOption("--profile <profile>", "board profile: a path or a shipped name (emulator-zmq, emulator-serial, …)")
    .requiredOption("--model <file>", "model JSON (scoutloop, conifer or wrapped isotree)")
    .addOption(new Option("--zmq <endpoint>", "ZeroMQ endpoint to bind (default: the profile's; tcp://127.0.0.1:* picks a free port)").conflicts("pty"))
    .option("--pty", "serve on a new pty pair and print its /dev/pts/N path")
    .option("--fault <spec>", "inject faults: drop=P,delay=5ms,corrupt=P,reorder,disconnect-after=N,wrong-bits=P")
    .option("--seed <n>", "fault injection seed", intOption(0, 2 ** 32 - 1), 1)
    .option("--baud <rate>", "pace pty writes at this baud rate (default: the profile's; 0 = unpaced)", intOption(0, 12_000_000))
    .option("--adopt-model", "report the model's formats even if the profile names others (default: refuse)")
    .option("--curve", "enable CURVE encryption with a fresh server key pair (prints the public key)")
    .option("--json", "print the serving address and identity as one JSON line")
    .option("--stats-every <ms>", "print the board's counters every MS ms while serving (a JSON line {\"stats\":…} with --json, else one line on stderr)", intOption(10, 3_600_000))
    .action(async (opts: {
      profile: string; model: string; zmq?: string; pty?: boolean; fault?: string; seed: number; baud?: number;
      adoptModel?: boolean; curve?: boolean; json?: boolean; statsEvery?: number;
    }) => {
      let profile = profileOrUsage(opts.profile);
      let faults;
      try {
        faults = parseFaultSpec(opts.fault ?? "");
      } catch (err) {
        if (err instanceof FaultSpecError) throw new UsageError(err.message);
        throw err;
      }
      // Loaded on use: ZeroMQ, the serial port and the emulator are not needed for --help.
      const zmq = await import("zeromq");
      const { loadModel } = await import("../scoring/index.js");
      const { profileForModel, startEmulator } = await import("../hil/emulator.js");
      const model = loadModel(opts.model);
      const adopted = profileForModel(profile, model);
      if (!opts.adoptModel && (adopted.inputFormat !== profile.inputFormat || adopted.outputFormat !== profile.outputFormat || adopted.nFeatures !== profile.nFeatures)) {
        throw new UsageError(
          `model ${opts.model} (${adopted.inputFormat} → ${adopted.outputFormat}, ${adopted.nFeatures} features) does not match profile ${profile.name} ` +
            `(${profile.inputFormat} → ${profile.outputFormat}, ${profile.nFeatures}); pass --adopt-model to serve it anyway`,
        );
      }
      profile = adopted;
      const curve = opts.curve ? zmq.curveKeyPair() : undefined;
      if (curve && opts.pty) throw new UsageError("--curve applies to ZeroMQ only");
      const emu = await startEmulator({ model, profile, zmq: opts.zmq, pty: opts.pty, faults, seed: opts.seed, baudRate: opts.baud, curve });
      const info = { address: emu.address, kind: emu.kind, hello: emu.hello, faults: formatFaultSpec(faults), curvePublicKey: curve?.publicKey };
      if (opts.json) process.stdout.write(JSON.stringify(info) + "\n");
      else {
        // The address alone on the first line, so scripts can `head -1` it.
        process.stdout.write(`${emu.address}\n`);
        process.stderr.write(
          `board ${profile.name}: model ${model.id} (${model.kind}), ${emu.hello.inputFormat} → ${emu.hello.outputFormat}, ` +
            `${profile.clockMHz} MHz, latency ${profile.latencyCycles} cycles, faults ${info.faults}` +
            (curve ? `, CURVE server key ${curve.publicKey}` : "") + "\n",
        );
      }
      const stop = () => void emu.close();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const ticker = opts.statsEvery === undefined ? undefined : setInterval(() => {
        if (opts.json) process.stdout.write(JSON.stringify({ stats: emu.stats }) + "\n");
        else process.stderr.write(`board: ${emu.stats.scoreRequests} requests, ${emu.stats.eventsScored} events scored, ${emu.stats.badRequests} bad requests\n`);
      }, opts.statsEvery);
      await emu.stopped;
      clearInterval(ticker);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      if (!opts.json) process.stderr.write(`board stopped: ${JSON.stringify(emu.stats)}\n`);
    });
}

function helloCommand(): Command {
  return new Command("hello")
    .description("connect to a board, exchange HELLO and PING, and check it against its profile")
    .requiredOption("--profile <profile>", "board profile: a path or a shipped name")
    .option("--address <endpoint-or-path>", "override the profile's endpoint or device path")
    .option("--json", "print the result as JSON")
    .action(async (opts: { profile: string; address?: string; json?: boolean }) => {
      const profile = profileOrUsage(opts.profile);
      const { BoardClient } = await import("../hil/client.js");
      const client = await BoardClient.connect({ profile, address: opts.address });
      try {
        const rttNs = await client.ping();
        const out = { profile: profile.name, address: opts.address ?? profileAddress(profile), hello: client.hello, pingRttUs: rttNs / 1000 };
        emit(Boolean(opts.json), out, () =>
          [
            `board ${client.hello.boardName} at ${out.address} matches profile ${profile.name}`,
            `  firmware ${client.hello.firmwareId} ${client.hello.firmwareHash}, model ${client.hello.modelId}`,
            `  ${client.hello.inputFormat} → ${client.hello.outputFormat}, ${client.hello.nFeatures} features, max batch ${client.hello.maxBatch}`,
            `  clock ${client.hello.clockKHz / 1000} MHz, latency ${client.hello.latencyCycles} cycles, II ${client.hello.initiationInterval}`,
            `  ping ${out.pingRttUs.toFixed(1)} µs`,
          ].join("\n"),
        );
      } finally {
        await client.close();
      }
    });
}

function checkCommand(): Command {
  return new Command("check")
    .description("validate board profile files against boards/schema.json's rules")
    .argument("<profiles...>", "profile paths or shipped names")
    .option("--json", "print the parsed profiles as JSON")
    .action((names: string[], opts: { json?: boolean }) => {
      const profiles = names.map(profileOrUsage);
      emit(Boolean(opts.json), profiles, () => profiles.map((p) => `${p.name}: ok (${p.transport.kind} ${profileAddress(p)}, ${p.clockMHz} MHz)`).join("\n"));
    });
}

function vectorsCommand(): Command {
  return new Command("vectors")
    .description("print the protocol test vectors (the block docs/board-protocol.md ends with)")
    .action(() => {
      process.stdout.write(vectorsMarkdown() + "\n");
    });
}

export function boardCommand(): Command {
  return new Command("board")
    .description("board emulator, board identity check, profiles and protocol test vectors")
    .addCommand(serveCommand().exitOverride())
    .addCommand(helloCommand().exitOverride())
    .addCommand(checkCommand().exitOverride())
    .addCommand(vectorsCommand().exitOverride());
}
