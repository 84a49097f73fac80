/**
 * `scoutloop diff A B`: two event sources compared object by object — BX paired by (orbit, bx),
 * objects per kind in the trigger's order (or best (η, φ) match), every field both carry, exactly
 * in hardware bits or within a tolerance. Exit 0 identical, 1 different, 2 usage.
 */
import { Command, Option } from "commander";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emit, intOption, numberOption, Progress, requireFile, UsageError } from "./util.js";

interface DiffCliOptions {
  pair: "bx" | "events";
  match: "order" | "eta-phi";
  maxDr?: number;
  tolerance?: string;
  ignore?: string;
  first: number;
  window: number;
  orbits?: number;
  json?: boolean;
  junit?: string;
  report?: string;
}

const EXAMPLE = `
Inputs: raw captures (.raw), EMP/APx pattern files (.txt), HDF5 (.h5/.hdf5), JSONL (.jsonl).
Only the fields both inputs carry are compared (an ADC2021 HDF5 file holds pT, η, φ of 4 e/γ, 4 μ,
10 jets and MET); the report lists what was not compared.

Examples:
  scoutloop diff board.txt expected.txt                      # board capture vs emulator pattern file
  scoutloop diff capture.raw events.h5 --tolerance pt=0.5,eta=0.01 --ignore tau
  scoutloop diff old.jsonl new.jsonl --match eta-phi --json
  scoutloop diff events.csv capture.raw --pair events         # DarkMachines CSV: events in file order
  scoutloop diff a.raw b.raw --junit diff.xml --report out/   # then: scoutloop report out/`;

export function diffCommand(): Command {
  return new Command("diff")
    .description("compare two event sources object by object: BX only in one, object counts, every common field (exit 0 identical, 1 different, 2 usage)")
    .argument("<a>", "first event source (the reference)")
    .argument("<b>", "second event source")
    .addOption(new Option("--pair <how>", "pair events by (orbit, bx), or by their order in each file (for DarkMachines CSV or plain ADC2021 files, which keep no orbit/BX)").choices(["bx", "events"]).default("bx"))
    .addOption(new Option("--match <mode>", "pair objects in the trigger's order, or by best match in (η, φ) for reordered outputs").choices(["order", "eta-phi"]).default("order"))
    .option("--max-dr <dr>", "with --match eta-phi: leave objects further apart than this ΔR unpaired (default: no limit)", numberOption(0))
    .option("--tolerance <spec>", "allowed differences: physical (pt GeV, eta, phi rad) or hardware counts by field name, optionally per kind: pt=0.5,eta=0.01,muon.hwQual=1 (default: exact bits)")
    .option("--ignore <list>", "kinds, fields, quantities or counts not to compare: tau,hwIso,muon.hwQual,count")
    .option("--first <k>", "differences shown in full", intOption(0, 100_000), 20)
    .option("--window <orbits>", "orbits that may wait for their partner (memory bound)", intOption(1, 100_000), 64)
    .option("--orbits <n>", "compare at most the first N orbits of each input", intOption(1))
    .option("--json", "print the result as JSON")
    .option("--junit <file>", "write JUnit XML (one testcase per compared field)")
    .option("--report <dir>", "write diff.json into DIR, for `scoutloop report DIR`")
    .addHelpText("after", EXAMPLE)
    .action(async (a: string, b: string, o: DiffCliOptions) => {
      const { makeRules, parseIgnore, parseTolerance } = await import("../compare/objects/rules.js");
      let rules;
      try {
        rules = makeRules(o.tolerance ? parseTolerance(o.tolerance) : {}, o.ignore ? parseIgnore(o.ignore) : []);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      if (o.maxDr !== undefined && o.match !== "eta-phi") throw new UsageError("--max-dr needs --match eta-phi");
      requireFile(a);
      requireFile(b);
      const { diffEventSources } = await import("../bus/objectDiff.js");
      const { formatObjectDiff, objectDiffJunit } = await import("../compare/objects/render.js");
      const progress = new Progress("diff", o.orbits ? 2 * o.orbits : 0, !o.json);
      let result;
      try {
        result = await diffEventSources(a, b, {
          rules, pairBy: o.pair, match: o.match, maxDeltaR: o.maxDr, firstK: o.first, window: o.window, orbits: o.orbits,
          onOrbit: (n) => progress.update(n, "orbits read"),
        });
      } catch (err) {
        if (err instanceof RangeError && /nothing to compare/.test(err.message)) throw new UsageError(err.message);
        throw err;
      } finally {
        progress.done();
      }
      if (o.junit) writeFileSync(o.junit, objectDiffJunit(result));
      if (o.report) {
        mkdirSync(o.report, { recursive: true });
        writeFileSync(join(o.report, "diff.json"), JSON.stringify(result, null, 2) + "\n");
      }
      emit(Boolean(o.json), result, () => formatObjectDiff(result, o.first));
      if (!result.identical) process.exitCode = 1;
    });
}
