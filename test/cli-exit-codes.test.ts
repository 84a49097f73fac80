/**
 * The exit-code table of docs/cli.md (src/cli/errors.ts), over the commands that read event files
 * and captures: a missing file or a file of the wrong kind is exit 3 with one line naming the
 * file, a wrong call is exit 2 — the same in every command.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-exit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (f: string) => join(dir, f);

writeFileSync(p("hello.txt"), "hello\n"); // short text: no event format
mkdirSync(p("adir"));
writeFileSync(p("notes.csv"), "a;b;c\nd;e;f\n"); // a CSV that is not DarkMachines
writeFileSync(p("dm-bad.csv"), "1;ttbar;0.5;45000;1.2;j,250000,200000,0.5,2.0;\n2;ttbar;1;1000;0.1;x,1,2,3,4;\n");
writeFileSync(p("fake.h5"), "hello\n".repeat(50)); // named HDF5, is not
writeFileSync(p("bad.jsonl"), '{"orbit":1}\n');
writeFileSync(p("bad-pattern.txt"), "#LinkLabel garbage\nnot a pattern\n");
writeFileSync(p("ok.jsonl"), ""); // an empty JSONL file: no events, but a valid file

type Case = [args: string[], code: 2 | 3, message: RegExp];
const missing = p("missing.h5");
const CASES: Case[] = [
  // missing file → 3
  [["inspect", missing], 3, /missing\.h5: no such file/],
  [["convert", missing, p("o.jsonl")], 3, /missing\.h5: no such file/],
  [["frame", missing, "--out", p("o.raw")], 3, /missing\.h5: no such file/],
  [["deframe", p("missing.raw")], 3, /missing\.raw: no such file/],
  [["deframe", p("missing.raw"), "--header", "scdaq", "--stream", "muon"], 3, /missing\.raw: no such file/],
  [["replay", p("missing.raw")], 3, /missing\.raw: no such file/],
  [["run", "--in", p("missing.raw"), "--header", "scdaq", "--capture-stream", "calo"], 3, /missing\.raw: no such file/],
  [["deframe", p("adir"), "--header", "scdaq"], 3, /adir: not a regular file/],
  [["run", "--in", missing], 3, /missing\.h5: no such file/],
  [["train", "--model", "iforest", "--in", missing, "--out", p("m.json")], 3, /missing\.h5: no such file/],
  [["score", "--model", p("m.json"), "--in", missing], 3, /(missing\.h5|m\.json): no such file/],
  // not a regular file → 3
  [["inspect", p("adir")], 3, /adir: (is a directory|not a regular file)/],
  [["convert", p("adir"), p("o.jsonl")], 3, /adir: (is a directory|not a regular file)/],
  [["deframe", p("adir")], 3, /adir: not a regular file/],
  // wrong kind of file → 3
  [["inspect", p("hello.txt")], 3, /hello\.txt: not an event file scoutloop knows/],
  [["convert", p("hello.txt"), p("o.jsonl")], 3, /hello\.txt: not an event file scoutloop knows/],
  [["run", "--in", p("notes.csv")], 3, /notes\.csv: not an event file scoutloop knows/],
  [["convert", p("fake.h5"), p("o.jsonl")], 3, /fake\.h5: not an HDF5 file/],
  [["frame", p("fake.h5"), "--out", p("o.raw")], 3, /fake\.h5: not an HDF5 file/],
  // malformed files → 3, the line named
  [["convert", p("dm-bad.csv"), p("o.jsonl")], 3, /dm-bad\.csv: line 2: object 1 has code "x"/],
  [["inspect", p("dm-bad.csv")], 3, /dm-bad\.csv: line 2: object 1 has code "x"/],
  [["run", "--in", p("dm-bad.csv")], 3, /dm-bad\.csv: line 2: object 1 has code "x"/],
  [["convert", p("bad.jsonl"), p("o.h5")], 3, /bad\.jsonl: line 1: missing "bx"/],
  [["inspect", p("bad-pattern.txt")], 3, /bad-pattern\.txt: /],
  // usage → 2
  [["convert", p("ok.jsonl"), p("o.xyz")], 2, /o\.xyz: unknown output type "\.xyz"/],
  [["convert", p("ok.jsonl"), p("o.jsonl"), "--layout", "adc2021"], 2, /--layout adc2021 needs an \.h5\/\.hdf5 output/],
  [["convert", p("ok.jsonl")], 2, /missing required argument/],
  [["deframe", p("ok.jsonl"), "--header", "scdaq", "--stream", "gmt"], 2, /--stream <name>.*invalid.*muon, calo/],
  [["deframe", p("ok.jsonl"), "--header", "sdaq"], 2, /--header <mode>.*invalid/],
];

describe("exit codes and one-line errors, the same in every command (docs/cli.md)", () => {
  it.concurrent.each(CASES.map((c) => [c[0].join(" ").replace(dir + "/", ""), ...c] as const))("%s", async (_name, args, code, message) => {
    const r = await cli(args, { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(code);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    if (code === 3) expect(lines[0]).toMatch(/^scoutloop: /);
  });
});
