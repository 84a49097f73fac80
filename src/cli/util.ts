/** Shared CLI plumbing: input checks, progress, option parsing (exit codes and error classes: errors.ts). */
import { InvalidArgumentError } from "commander";
import { existsSync, statSync } from "node:fs";
import { InputError } from "./errors.js";

export { UsageError, InputError, ResultFailed, ExitCode } from "./errors.js";

/** An input path that must be a regular file: an InputError (exit 3) naming what is wrong otherwise. */
export function requireFile(path: string): void {
  if (!existsSync(path)) throw new InputError(`${path}: no such file`);
  if (!statSync(path).isFile()) throw new InputError(`${path}: not a regular file`);
}

/** Parse an integer option (commander argParser), with a clear message on bad input. */
export function intOption(min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer in [${min}, ${max}], got "${value}"`);
    }
    return n;
  };
}

/** Parse a number option, with a clear message on bad input. */
export function numberOption(min = -Infinity, max = Infinity) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number in [${min}, ${max}], got "${value}"`);
    }
    return n;
  };
}

/**
 * Progress on long work: a redrawn bar on a terminal, nothing when stderr is a pipe or a file
 * (scripts read the final summary or `--json` instead).
 */
export class Progress {
  private readonly tty: boolean;
  private lastDraw = 0;
  private readonly start = Date.now();

  constructor(private readonly label: string, private readonly total: number, enabled = true) {
    this.tty = enabled && Boolean(process.stderr.isTTY);
  }

  update(done: number, extra = ""): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const width = 28;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.start) / 1000;
    const eta = frac > 0 ? elapsed / frac - elapsed : 0;
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    process.stderr.write(
      `\r${this.label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${this.total}` +
        ` ${elapsed.toFixed(1)}s ${elapsed > 0 ? `${+(done / elapsed).toPrecision(3)}/s` : ""}${done < this.total ? ` eta ${eta.toFixed(1)}s` : ""} ${extra}\x1b[K`,
    );
  }

  done(): void {
    if (this.tty) process.stderr.write("\n");
  }
}

/** Print a result object: JSON when asked, otherwise the caller's human-readable lines. */
export function emit(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + "\n" : human() + "\n");
}
