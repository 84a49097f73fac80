/**
 * `scoutloop run --board boards/rtl-uart.json` (and rtl-zmq) end to end: the CLI generates the
 * model's core, verilates the board (cached), starts it in-process, and every event is scored on
 * the RTL with the software model side by side. A small forest keeps the build under a minute;
 * the default model's figures are in the bench (bench/rtl-board.ts).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";
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
});
