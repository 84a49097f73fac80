/**
 * Exit codes and error classes of the whole CLI: one code per condition, the same in every
 * command (the table is in docs/cli.md). A command throws one of these (or a library error that
 * `exitCodeOf` maps); main.ts prints the message as one line `scoutloop: …` and exits with the code.
 */
import { FileFormatError } from "../io/errors.js";

export const ExitCode = {
  /** The work was done and its verdict is good (or failures were declared and matched). */
  OK: 0,
  /** The verdict is bad (failed events, mismatches, dropped orbits, link faults, regressions), or the work could not be done for another reason the line names. */
  FAILED: 1,
  /** The command was called wrongly: unknown option, bad value, missing argument. */
  USAGE: 2,
  /** An input file is missing, not a regular file, of the wrong kind, malformed or too large. */
  INPUT: 3,
  /** The board (or a run's remote workers) could not be reached, or it is not the board/model its profile describes. */
  BOARD: 4,
  /** A bug in scoutloop (something thrown that is not an Error, stack or heap exhausted): rerun with SCOUTLOOP_DEBUG=1 for the stack. */
  INTERNAL: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that knows its exit code. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

/** A mistake in how the command was called: exit 2. */
export class UsageError extends CliError {
  override name = "UsageError";
  constructor(message: string) {
    super(ExitCode.USAGE, message);
  }
}

/** An input file that cannot be used: exit 3. The message starts with the path. */
export class InputError extends CliError {
  override name = "InputError";
  constructor(message: string) {
    super(ExitCode.INPUT, message);
  }
}

/** The verdict of finished work is bad (the summary was already printed): exit 1. */
export class ResultFailed extends CliError {
  override name = "ResultFailed";
  constructor(
    readonly reasons: string[],
    what = "run",
  ) {
    super(ExitCode.FAILED, `${what} failed: ${reasons.join("; ")}`);
  }
}

/** Library errors by name, so the CLI need not import every layer to classify them. */
const INPUT_ERRORS = new Set(["FileFormatError", "ProfileError", "ModelFileError", "PatternFileError", "InputError"]);
const USAGE_ERRORS = new Set(["UsageError", "FaultSpecError", "BackendSpecError", "CommanderError", "ProfileNameError", "ScorerUnavailableError"]);
const BOARD_ERRORS = new Set(["BoardUnreachableError", "BoardMismatchError", "TransportDisconnectedError", "WorkersUnavailableError"]);

/** The exit code for anything a command threw. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof FileFormatError) return ExitCode.INPUT;
  if (!(err instanceof Error)) return ExitCode.INTERNAL;
  if (INPUT_ERRORS.has(err.name)) return ExitCode.INPUT;
  if (USAGE_ERRORS.has(err.name)) return ExitCode.USAGE;
  if (BOARD_ERRORS.has(err.name)) return ExitCode.BOARD;
  // V8 running out of heap or stack is a bug in our bounds, not the user's problem to decode.
  if (err instanceof RangeError && /call stack|heap|allocation/i.test(err.message)) return ExitCode.INTERNAL;
  return ExitCode.FAILED;
}

/** The one line printed for an error (first line of its message). */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0]!;
}
