/**
 * `scoutloop run` / `scoutloop compare` end to end: the real CLI (dist/, built by `npm test`), the
 * generator, the scouting link, the default model and an emulated board over ZeroMQ on loopback.
 */
import { describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunSummary } from "../src/compare/summary.js";
import { validateRunRecord } from "../src/report/rundir.js";



type Summary = RunSummary & { backends: Record<string, { emulator?: { injectedWrongBits: number; injectedEvents: [number, number][] } }> };

describe("scoutloop run", () => {
  it("with no files and no board: zero mismatches, books balanced, report written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-run-"));
    const r = await cli(["run", "--orbits", "1", "--json", "--report", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    const events = s.accounting.events.in;
    expect(events).toBeGreaterThan(1000);
    expect(s.accounting.scorers.board).toEqual({ events, scored: events, failed: 0, failedByReason: {} });
    expect(s.comparison).toMatchObject({ paired: events, mismatches: 0, unpaired: 0, orphans: 0 });
    expect(s.comparison!.fields.raw.compared).toBe(events);
    expect(s.latency.firmwareCycles!.p50).toBeGreaterThan(0);
    expect(s.latency.hostRtt!.count).toBeGreaterThan(0);
    expect(s.linkFaults).toEqual({});
    expect(s.problems).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"))).toEqual(s);
    const junit = readFileSync(join(dir, "junit.xml"), "utf8");
    expect(junit).toMatch(/<testsuite name="scoutloop run" tests="5" failures="0"/);
    // per-event samples for `scoutloop report`: valid for the report's reader, one pair per event
    const record = JSON.parse(readFileSync(join(dir, "record.json"), "utf8"));
    expect(validateRunRecord(record)).toBeNull();
    expect(record.pairs.aValues).toHaveLength(events);
    expect(record.pairs.aValues).toEqual(record.pairs.bValues);
    expect(record.scores[0].name).toBe("background");
    expect(record.manifest.boardHello.modelId).toBe(record.manifest.model.id);
  }, 60_000);

  it("--fault wrong-bits: the mismatches are exactly the events the emulator corrupted (software side in workers)", async () => {
    const r = await cli(["run", "--orbits", "1", "--workers", "2", "--fault", "wrong-bits=0.004", "--keep", "100000", "--json"]);
    expect(r.code, r.stderr).toBe(0); // the mismatches are exactly what was injected: declared
    expect(r.stdout).not.toMatch(/result: FAILED/);
    const s = JSON.parse(r.stdout) as Summary;
    expect(String((s.backends.software as { describe: string }).describe)).toMatch(/2 worker threads/);
    const emu = s.backends.board.emulator!;
    expect(emu.injectedWrongBits).toBeGreaterThan(0);
    expect(s.comparison!.mismatches).toBe(emu.injectedWrongBits);
    const key = ([o, b]: [number, number]) => `${o}:${b}`;
    const found = s.comparison!.firstMismatches.map((m) => key([m.orbit, m.bx])).sort();
    expect(found).toEqual(emu.injectedEvents.map(key).sort());
    // each record carries the inputs and both scores in bits
    const m = s.comparison!.firstMismatches[0];
    expect(m.inputs).toHaveLength(57);
    expect(m.a.raw).not.toBe(m.b.raw);
    expect(s.problems).toEqual([]);
    expect(s.comparison!.injectedMismatches).toBe(emu.injectedWrongBits);
    expect(s.declared!.join(" ")).toMatch(/injected on purpose/);
  }, 60_000);

  it("an emulated board that disconnects mid-run: every event still ends scored or failed with a reason", async () => {
    const args = ["run", "--orbits", "3", "--no-link", "--fault", "disconnect-after=1", "--reply-timeout", "150", "--retries", "1", "--reconnects", "0"];
    const [r, declared] = await Promise.all([cli([...args, "--json"]), cli([...args, "--expect-failures"])]);
    expect(declared.code, declared.stderr).toBe(0);
    expect(declared.stdout).toMatch(/result: OK \(declared: no-failures:board: \d+\/\d+ events failed .*\(expected\)\)/);
    expect(r.code).toBe(1); // failed events fail the run unless declared
    expect(r.stderr).toMatch(/^scoutloop: run failed: no-failures:board: \d+\/\d+ events failed/);
    const s = JSON.parse(r.stdout) as Summary;
    const events = s.accounting.events.in;
    const board = s.accounting.scorers.board;
    expect(board.events).toBe(events);
    expect(board.scored).toBeGreaterThan(0); // the first orbit made it
    expect(board.failed).toBeGreaterThan(0);
    expect(board.scored + board.failed).toBe(events);
    expect(Object.keys(board.failedByReason).every((k) => ["disconnected", "timeout", "closed"].includes(k))).toBe(true);
    expect(s.comparison).toMatchObject({ paired: board.scored, unpaired: board.failed, mismatches: 0 });
  }, 60_000);

  it("link-rate mode on the muon stream at a rate the chain keeps up with drops nothing", async () => {
    const r = await cli(["run", "--orbits", "30", "--rate", "lhc", "--orbit-hz", "40", "--stream", "muon", "--json"]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.mode).toBe("link-rate");
    expect(s.accounting.orbits).toEqual({ in: 30, dropped: 0, completed: 30 });
    // the muon stream carries only BX with muons: a few per cent of ~2500 filled BX
    expect(s.accounting.events.in).toBeGreaterThan(30);
    expect(s.accounting.events.in).toBeLessThan(30 * 400);
    expect(s.comparison!.mismatches).toBe(0);
    expect(s.latency.orbit!.count).toBe(30);
  }, 60_000);

  it("usage mistakes are one line and exit 2; a missing input file exits 3", async () => {
    const cases = [
      ["run", "--tolerance", "abc"],
      ["run", "--board", "boards/emulator-zmq.json", "--fault", "wrong-bits=0.1"],
      ["run", "--orbit-hz", "5"],
      ["run", "--rate", "sometimes"],
      ["compare", "--a", "nope", "--b", "software"],
      ["run", "--ignore", "colour"],
    ];
    const results = await Promise.all(cases.map((args) => cli(args)));
    results.forEach((r, k) => {
      expect(r.code, cases[k].join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), cases[k].join(" ")).toHaveLength(1);
    });
    const missing = await cli(["run", "--in", "/nonexistent/file.h5", "--orbits", "1"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/file\.h5/);
  }, 60_000);

  it("a capture that is all garbage is a failed run (no events), not an OK one; an empty run directory is no report", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-garbage-"));
    const junk = join(dir, "junk.raw");
    writeFileSync(junk, Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 2654435761) >>> 24)));
    const [r, rep, dev] = await Promise.all([
      cli(["run", "--in", junk, "--json"]),
      cli(["report", join(dir)]),
      cli(["deframe", dir]),
    ]);
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.accounting.events.in).toBe(0);
    expect(s.linkFaults.garbage).toBeGreaterThan(0);
    expect(s.problems.join(" ")).toMatch(/no events/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(rep.code).toBe(3);
    expect(rep.stderr).toMatch(/no run files/);
    expect(existsSync(join(dir, "report.html"))).toBe(false);
    expect(dev.code).toBe(3);
    expect(dev.stderr).toMatch(/not a regular file/);
  });

  it("--help describes run and compare", { timeout: 30_000 }, async () => {
    const [run, cmp] = await Promise.all([cli(["run", "--help"]), cli(["compare", "--help"])]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--fault/);
    expect(run.stdout).toMatch(/--report/);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/--a <backend>/);
  });
});

describe("scoutloop compare", () => {
  it("fixed-point software vs float reference: bit-exact finds differences, a tolerance absorbs them", async () => {
    const exact = await cli(["compare", "--a", "software", "--b", "float", "--orbits", "1", "--no-link", "--json"]);
    const se = JSON.parse(exact.stdout) as Summary;
    expect(se.scorers).toEqual(["software", "float"]);
    expect(se.comparison!.fields.raw.compared).toBe(0); // the float side has no raw bits
    expect(se.comparison!.mismatches).toBeGreaterThan(0);
    expect(exact.code).toBe(1);
    const tol = await cli(["compare", "--a", "software", "--b", "float", "--orbits", "1", "--no-link", "--tolerance", "0.05,0.05", "--json"]);
    const st = JSON.parse(tol.stdout) as Summary;
    expect(st.comparison!.mode).toBe("tolerance");
    expect(st.comparison!.mismatches).toBeLessThan(se.comparison!.mismatches);
  }, 60_000);
});
