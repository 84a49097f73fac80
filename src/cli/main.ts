/**
 * `scoutloop` command line. Errors come out as one clear line; the exit code says which kind of
 * failure it was (errors.ts, table in docs/cli.md): 1 bad verdict, 2 usage, 3 input file, 4 board.
 */
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../native.js";
import { COMMANDS } from "./commands.js";
import { ExitCode, errorLine, exitCodeOf } from "./errors.js";

const version = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version as string;

export function buildProgram(): Command {
  const program = new Command("scoutloop")
    .description("Hardware-in-the-loop simulator of the CMS L1 40 MHz scouting chain")
    .version(version)
    .exitOverride();
  for (const make of COMMANDS) {
    const cmd = make();
    cmd.exitOverride();
    program.addCommand(cmd);
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version requests end here too, with exit code 0; commander already printed them.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
      return ExitCode.USAGE;
    }
    process.stderr.write(`scoutloop: ${errorLine(err)}\n`);
    if (process.env.SCOUTLOOP_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitCodeOf(err);
  }
}

// A reader that went away (`scoutloop … | head`) is not an error of ours: stop quietly.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") throw err;
  process.exit(process.exitCode ?? 0);
});

let settled = false;
main(process.argv).then(
  (code) => {
    settled = true;
    // A command may have set its own exit code (e.g. a run with mismatches): keep it.
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
  },
  (err) => {
    settled = true;
    process.stderr.write(`scoutloop: ${errorLine(err)}\n`);
    process.exitCode = ExitCode.INTERNAL;
  },
);
// Node exits 0 when nothing is left to wait for, even mid-command: a lost callback must not pass
// for success with half a result printed.
process.on("beforeExit", () => {
  if (settled) return;
  settled = true;
  process.stderr.write("scoutloop: internal error: the command stalled before it finished (nothing left to wait for); rerun with SCOUTLOOP_DEBUG=1\n");
  process.exitCode = ExitCode.INTERNAL;
});
