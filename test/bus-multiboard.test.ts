/**
 * `scoutloop run --board a.json --board b.json …`: whole orbits sharded across boards served by
 * separate processes (ZeroMQ tcp on loopback and a pty pair), every event scored once and compared
 * with software, each board's share, failures and mismatches kept apart; a board that goes away
 * mid-run; and `--workers 2` beside a board scoring exactly as `--workers 0`.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { CLI, cli } from "./helpers/cli.js";
import { hostProfile, serveBoard, stopBoards } from "./helpers/servedBoards.js";
import { defaultModel } from "../src/bus/model.js";
import type { BoardShare, RunSummary } from "../src/compare/summary.js";
import { settleVerdict } from "../src/compare/verdict.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-multiboard-"));
afterAll(stopBoards);

const model = defaultModel();
const modelPath = join(dir, "model.json");
writeFileSync(modelPath, JSON.stringify(model.toJSON()));

/** A ZeroMQ board served on a free loopback port, and a host profile (named `name`) for it. */
async function zmqBoard(name: string, fault?: string, timeouts = { helloMs: 1000, replyMs: 5000, pingMs: 500 }) {
  const served = await serveBoard(["--profile", "emulator-zmq", "--model", modelPath, "--zmq", "tcp://127.0.0.1:*", "--adopt-model", ...(fault ? ["--fault", fault] : [])]);
  return { ...served, profile: hostProfile(dir, "emulator-zmq", model, { endpoint: served.address }, { name, timeouts }, name) };
}

function share(s: RunSummary, name: string): BoardShare {
  const b = s.boards!.shares.find((x) => x.name === name);
  if (!b) throw new Error(`no board ${name} in ${s.boards!.shares.map((x) => x.name).join(", ")}`);
  return b;
}

/** The books every multi-board run must keep: shares add up to the board side and to what entered. */
function expectSharesAddUp(s: RunSummary): void {
  const total = s.accounting.scorers.board;
  const sum = (f: (b: BoardShare) => number) => s.boards!.shares.reduce((a, b) => a + f(b), 0);
  expect(total.events).toBe(s.accounting.events.in);
  expect(sum((b) => b.events) + s.boards!.notSent.events).toBe(total.events);
  expect(sum((b) => b.scored)).toBe(total.scored);
  expect(sum((b) => b.failed)).toBe(total.failed);
  expect(sum((b) => b.orbits) + s.boards!.notSent.orbits).toBe(s.accounting.orbits.in);
  expect(sum((b) => b.mismatches)).toBe(s.comparison!.mismatches);
}

describe("run with several boards", () => {
  it("two ZeroMQ boards and a pty board: every event scored once, shares add up, one board's corrupted scores are its own", async () => {
    const [good, bad, serial] = await Promise.all([
      zmqBoard("zmq-good"),
      zmqBoard("zmq-bad", "wrong-bits=0.05"),
      serveBoard(["--profile", "emulator-serial", "--model", modelPath, "--pty", "--baud", "0"]),
    ]);
    const pty = hostProfile(dir, "emulator-serial", model, { path: serial.address, pacing: false }, { name: "pty" }, "pty");
    const out = join(dir, "three");
    const r = await cli(["run", "--board", good.profile, "--board", bad.profile, "--board", pty, "--model", modelPath, "--orbits", "24", "--stream", "muon", "--json", "--report", out]);
    expect(r.stderr).toMatch(/run failed: no-mismatches/);
    expect(r.code, r.stderr + r.stdout.slice(-4000)).toBe(1);
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s.boards!.shares.map((b) => b.name)).toEqual(["zmq-good", "zmq-bad", "pty"]);
    // Every event scored by exactly one board and compared once with software.
    expect(s.accounting.scorers.board.scored).toBe(s.accounting.events.in);
    expect(s.comparison!.paired).toBe(s.accounting.events.in);
    expectSharesAddUp(s);
    for (const b of s.boards!.shares) {
      expect(b.orbits, b.name).toBeGreaterThan(0);
      expect(b.hello.modelId).toBe(model.id);
      expect(b.lost).toBe(false);
      expect(b.latency.firmwareCycles!.count).toBe(b.scored);
      expect(b.latency.firmwareNs!.p50).toBeCloseTo((b.latency.firmwareCycles!.p50 * 1e3) / (Number(b.hello.clockKHz) / 1e3), 6);
      expect(b.latency.hostRtt!.count).toBeGreaterThan(0);
    }
    // 240 MHz emulators beside a 100 MHz one: their cycles have no one value in ns.
    expect(s.latency.firmwareCycles!.count).toBe(s.accounting.events.in);
    expect(s.latency.firmwareNs).toBeNull();
    // The corrupted scores are all the bad board's, and all of them injected on purpose.
    expect(share(s, "zmq-bad").mismatches).toBeGreaterThan(0);
    expect(share(s, "zmq-bad").injectedMismatches).toBe(share(s, "zmq-bad").mismatches);
    expect(share(s, "zmq-good").mismatches).toBe(0);
    expect(share(s, "pty").mismatches).toBe(0);
    expect(share(s, "zmq-good").paired + share(s, "zmq-bad").paired + share(s, "pty").paired).toBe(s.comparison!.paired);
    expect(s.problems).toEqual([expect.stringMatching(/^no-mismatches: /)]);
    // The run directory carries the same per-board books: summary.json, JUnit checks, the HTML report.
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).boards).toEqual(s.boards);
    const junit = readFileSync(join(out, "junit.xml"), "utf8");
    expect(junit).toMatch(/<testcase [^>]*name="board-shares" time="0"><\/testcase>/);
    expect(junit).toMatch(/name="board-up:zmq-bad" time="0"><\/testcase>/);
    const html = await cli(["report", out]);
    expect(html.code).toBe(0);
    const table = readFileSync(join(out, "report.html"), "utf8").match(/data-table="boards">(.*?)<\/table>/s)?.[1] ?? "";
    for (const b of s.boards!.shares) expect(table).toContain(`<td>${b.name}</td>`);
  }, 90_000);

  it("a board that goes dead mid-run without failover: its in-flight orbits fail with a reason, on its books only; exit 1", async () => {
    const [good, dying] = await Promise.all([zmqBoard("stays"), zmqBoard("dies", "disconnect-after=1", { helloMs: 300, replyMs: 800, pingMs: 200 })]);
    const r = await cli(["run", "--board", good.profile, "--board", dying.profile, "--no-failover", "--model", modelPath, "--orbits", "12", "--retries", "0", "--reconnects", "1", "--json"]);
    expect(r.code, r.stderr + r.stdout.slice(-4000)).toBe(1);
    const s = JSON.parse(r.stdout) as RunSummary;
    expectSharesAddUp(s);
    const dies = share(s, "dies");
    const stays = share(s, "stays");
    expect(dies.lost).toBe(true);
    expect(dies.failed).toBeGreaterThan(0);
    expect(Object.keys(dies.failedByReason).every((k) => ["timeout", "disconnected"].includes(k))).toBe(true);
    expect(stays.failed).toBe(0);
    expect(stays.lost).toBe(false);
    expect(s.accounting.scorers.board.failed).toBe(dies.failed);
    expect(s.comparison!.unpaired).toBe(dies.failed);
    expect(s.comparison!.mismatches).toBe(0);
    expect(s.problems.some((p) => p.startsWith("no-failures:board:"))).toBe(true);
    expect(s.problems.some((p) => p.startsWith("board-up:dies:"))).toBe(true);
    // Declared (--expect-failures: a board unplugged on purpose), the same books pass and say so.
    const declared = settleVerdict(s, { expectFailures: true });
    expect(declared.problems).toEqual([]);
    expect(declared.declared.filter((d) => /^(no-failures:board|board-up:dies):/.test(d))).toHaveLength(2);
  }, 90_000);

  it("a board process killed mid-run with failover: its orbits are re-scored on the other board, nothing fails, the loss still fails the run", async () => {
    const [good, victim] = await Promise.all([zmqBoard("survivor"), zmqBoard("victim", undefined, { helloMs: 300, replyMs: 800, pingMs: 200 })]);
    const out = join(dir, "failover");
    const run = spawn(process.execPath, [CLI, "run", "--board", good.profile, "--board", victim.profile, "--model", modelPath, "--orbits", "160", "--retries", "0", "--reconnects", "1", "--report", out], { stdio: ["ignore", "pipe", "pipe"] });
    const code = new Promise<number | null>((resolve) => run.on("exit", resolve));
    // Kill it soon after the run is scoring (it says what it opened before its first orbit); 160
    // orbits keep a quiet host busy for seconds, so the kill always lands mid-run.
    let said = "";
    await Promise.race([code, new Promise<void>((resolve) => run.stdout.on("data", (d) => ((said += d), said.includes("victim:") && resolve())))]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    victim.child.kill("SIGKILL");
    expect(await code).toBe(1);
    const s = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as RunSummary;
    expectSharesAddUp(s);
    expect(share(s, "victim").lost).toBe(true);
    expect(share(s, "survivor").lost).toBe(false);
    // Every event still ended scored, by one board or the other, and compared.
    expect(s.accounting.scorers.board.failed).toBe(0);
    expect(s.comparison!.paired).toBe(s.accounting.events.in);
    expect(share(s, "survivor").orbits).toBeGreaterThan(share(s, "victim").orbits);
    expect(s.problems).toEqual([expect.stringMatching(/^board-up:victim: board victim went down during the run/)]);
  }, 90_000);

  it("--workers 2 beside a board scores bit-identically to --workers 0; whole-orbit workers beside one board or two do too", async () => {
    const board = await zmqBoard("one");
    const runWith = async (workers: string, more: string[] = []) => {
      const out = join(dir, `workers-${workers}${more.length}`);
      const r = await cli(["run", "--board", board.profile, "--model", modelPath, "--orbits", "3", "--workers", workers, "--report", out, "--json", ...more]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as RunSummary;
      expect(s.comparison).toMatchObject({ mismatches: 0, unpaired: 0, paired: s.accounting.events.in });
      expect(s.comparison!.fields.flags.compared).toBe(s.accounting.events.in);
      const record = JSON.parse(readFileSync(join(out, "record.json"), "utf8")) as { pairs: { a: string; aValues: Array<number | null>; bValues: Array<number | null> } };
      // Orbits are recorded as they finish, which with orbits in flight need not be in order: compare as sorted lists.
      const sorted = (v: Array<number | null>) => [...v].sort((x, y) => (x ?? -Infinity) - (y ?? -Infinity));
      return { s, values: sorted(record.pairs.aValues), board: sorted(record.pairs.bValues) };
    };
    const serial = await runWith("0");
    // One board keeps the single-board summary: no per-board section.
    expect(serial.s.boards).toBeUndefined();
    const pooled = await runWith("2");
    expect(pooled.s.backends!.software).toMatchObject({ describe: expect.stringMatching(/in 2 worker threads/) });
    expect(pooled.values.length).toBe(serial.s.accounting.events.in);
    expect(pooled.values).toEqual(serial.values);
    // Whole-orbit workers (deframe → features → native score in the threads) with the board scoring
    // the inputs they send back: the same scores on both sides as the main-thread TS chain.
    const whole = await runWith("0", ["--software", "native", "--orbit-workers", "2"]);
    expect(whole.s.scorers).toEqual(["native", "board"]);
    expect((whole.s.backends!.native as { workers: Array<{ orbits: number }> }).workers.map((w) => w.orbits).reduce((a, b) => a + b)).toBe(3);
    expect(whole.values).toEqual(serial.values);
    expect(whole.board).toEqual(serial.board);
    const two = await runWith("0", ["--software", "native", "--orbit-workers", "2", "--board", "emulator"]);
    expect(two.s.boards!.shares.map((b) => b.name)).toEqual(["one", "emulator-zmq"]);
    expectSharesAddUp(two.s);
    expect(two.values).toEqual(serial.values);
  }, 90_000);
});
