/**
 * `scoutloop` command line. Errors come out as one clear line: usage mistakes exit 2,
 * failures of the work itself exit 1.
 */
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../native.js";
import { COMMANDS } from "./commands.js";
import { UsageError } from "./util.js";

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
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`scoutloop: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`scoutloop: ${message.split("\n")[0]}\n`);
    if (process.env.SCOUTLOOP_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

main(process.argv).then(
  (code) => {
    // A command may have set its own exit code (e.g. a run with mismatches): keep it.
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`scoutloop: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
