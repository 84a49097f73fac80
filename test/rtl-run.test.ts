/**
 * `scoutloop run --board boards/rtl-uart.json` (and rtl-zmq) end to end: the CLI generates the
 * model's core, verilates the board (cached), starts it in-process, and every event is scored on
 * the RTL with the software model side by side. A small forest keeps the build under a minute;
 * the default model's figures are in the bench (bench/rtl-board.ts).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { CLI, cli } from "./helpers/cli.js";
import { peerDescribe } from "./helpers/peers.js";

let modelPath = "";

interface RunJson {
  accounting: {
    orbits: { in: number; dropped: number; completed: number };
    events: { in: number };
    scorers: Record<string, { events: number; scored: number; failed: number }>;
  };
  comparison: { paired: number; mismatches: number };
  latency: { firmwareCycles: { count: number; min: number; max: number } | null; hostRtt: { count: number } | null };
  backends: Record<string, { hello?: { firmwareId: string; modelId: string; latencyCycles: number; boardName: string }; rtl?: { build: string; simulator: { simCycles: number; requests: number } | null } }>;
  problems: string[];
}

peerDescribe(["verilator"], "scoutloop run on the RTL board", () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-rtl-run-"));
    modelPath = join(dir, "forest.json");
    const r = await cli(["train", "--model", "iforest", "--gen-orbits", "2", "--trees", "8", "--sample-size", "32", "--seed", "5", "--out", modelPath], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
  }, 150_000);

  for (const profile of ["rtl-uart", "rtl-zmq"]) {
    it(`run --board boards/${profile}.json --orbits 2 --json: every event scored on the RTL, 0 mismatches, RTL-measured firmware cycles`, async () => {
      const r = await cli(["run", "--board", `boards/${profile}.json`, "--model", modelPath, "--orbits", "2", "--json"], { timeoutMs: 280_000 });
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      const s = JSON.parse(r.stdout) as RunJson;
      expect(s.problems).toEqual([]);
      const events = s.accounting.events.in;
      expect(events).toBeGreaterThan(1000);
      expect(s.accounting.orbits).toEqual({ in: 2, dropped: 0, completed: 2 });
      // the books balance: every event is scored or failed, on both sides
      for (const side of Object.values(s.accounting.scorers)) {
        expect(side.events).toBe(events);
        expect(side.scored + side.failed).toBe(events);
        expect(side.failed).toBe(0);
      }
      expect(s.comparison.paired).toBe(events);
      expect(s.comparison.mismatches).toBe(0);
      const board = s.backends.board!;
      expect(board.hello!.firmwareId).toMatch(/^scoutloop-rtl\/iforest-[0-9a-f]{16}$/);
      expect(board.hello!.boardName).toContain(profile);
      expect(board.rtl!.simulator!.simCycles).toBeGreaterThan(0);
      const fw = s.latency.firmwareCycles!;
      expect(s.latency.hostRtt!.count).toBeGreaterThan(0); // host round trip, reported separately
      expect(fw.count).toBe(events);
      // firmware latency measured by the RTL's counters = the generator's stated latency
      expect(fw.min).toBe(board.hello!.latencyCycles);
      expect(fw.max).toBe(board.hello!.latencyCycles);
    }, 300_000);
  }
  it("a run killed with SIGKILL takes its RTL simulator with it (no orphaned simulation: PR_SET_PDEATHSIG and the closed pipes)", async () => {
    const run = spawn(process.execPath, [CLI, "run", "--board", "boards/rtl-uart.json", "--model", modelPath, "--orbits", "10000", "--json"], { stdio: "ignore" });
    const childrenOf = (pid: number): number[] => {
      try {
        return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    const commandOf = (pid: number): string => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      } catch {
        return "";
      }
    };
    const alive = (pid: number): boolean => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
      } catch {
        return false;
      }
    };
    try {
      // the simulator is the run's child started with the harness's --mode option
      let sim = 0;
      for (let waited = 0; sim === 0 && waited < 200_000; waited += 200) {
        sim = childrenOf(run.pid!).find((c) => commandOf(c).includes("--mode uart")) ?? 0;
        if (sim === 0) await new Promise((r) => setTimeout(r, 200));
      }
      expect(sim, "the run never started its RTL simulator").toBeGreaterThan(0);
      expect(alive(sim)).toBe(true);
      run.kill("SIGKILL");
      let gone = false;
      for (let waited = 0; !gone && waited < 10_000; waited += 100) {
        gone = !alive(sim);
        if (!gone) await new Promise((r) => setTimeout(r, 100));
      }
      expect(gone, `simulator ${sim} still running after its run was killed`).toBe(true);
    } finally {
      run.kill("SIGKILL");
    }
  }, 240_000);
});
