/**
 * Help that teaches: every command and subcommand answers --help with exit 0, shows the default of
 * every option that has one, and ends with a worked example of itself.
 */
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/cli/commands.js";
import { cli } from "./helpers/cli.js";

function walk(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  const here = [...path, cmd.name()];
  const subs = cmd.commands.flatMap((c) => walk(c, here));
  return [{ path: here, cmd }, ...subs];
}

describe("--help on every command", () => {
  const all = COMMANDS.flatMap((make) => walk(make()));

  it("covers every command the CLI registers", () => {
    const names = all.map((c) => c.path.join(" "));
    for (const n of ["gen", "inspect", "convert", "run", "compare", "diff", "frame", "deframe", "replay", "board serve", "train", "score", "eval", "kfold", "monitor", "inject", "report", "regress"]) {
      expect(names).toContain(n);
    }
  });

  it("shows defaults and one worked example of the command itself", { timeout: 180_000 }, async () => {
    // Help of a command group lists its subcommands; the example requirement is for the leaves too.
    const results = await Promise.all(all.map(({ path }) => cli([...path, "--help"])));
    all.forEach(({ path, cmd }, i) => {
      const r = results[i];
      const name = path.join(" ");
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout, name).toContain(`Usage: scoutloop ${name}`);
      expect(r.stdout, `${name} has no example`).toMatch(/Examples?:\n/);
      expect(r.stdout, `${name}'s example does not run ${name}`).toContain(`scoutloop ${name}`);
      for (const opt of cmd.options) {
        if (opt.defaultValue === undefined || opt.hidden || typeof opt.defaultValue === "boolean") continue;
        // commander prints the JSON of the value (or the option's own description of it).
        const shown = opt.defaultValueDescription ?? JSON.stringify(opt.defaultValue);
        expect(r.stdout.replace(/\s+/g, " "), `${name} ${opt.flags} hides its default`).toContain(`default: ${shown}`);
      }
    });
  });

  it("model and backend names: train's spellings work in kfold, ts works where software does", async () => {
    const { trainerFor } = await import("../src/study/kfold.js");
    for (const n of ["iforest", "IF", "ae", "AE", "gmm", "eif"]) expect(() => trainerFor(n), n).not.toThrow();
    const { parseBackendSpec } = await import("../src/bus/backends.js");
    expect(parseBackendSpec("ts")).toEqual({ kind: "software" });
    expect(parseBackendSpec("software")).toEqual({ kind: "software" });
    expect(() => parseBackendSpec("tss")).toThrow(/software \(alias ts\)/);
  });
});
