/**
 * Whole-orbit workers in other processes over ZeroMQ (loopback): real `scoutloop worker`
 * processes score every orbit exactly once, bit for bit as the in-process native chain; a worker
 * killed with SIGKILL mid-run has its orbits re-sent to the other; a worker with another model is
 * refused; frames longer than the protocol allows cost the run nothing; the CLI names each worker
 * with its share.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipeline, scoutingLink, softwareScorer } from "../src/bus/index.js";
import { remoteWorkerPool, WORKER_LOST, type RemoteWorkerPool } from "../src/bus/orbitWorkers/remotePool.js";
import { KIND, RUN_MAX_FRAME, WORKER_MAX_FRAME, WireError, decodeResult, isLoopbackEndpoint, jsonPart } from "../src/bus/orbitWorkers/wire.js";
import { workerIdentity } from "../src/bus/orbitWorkers/remoteWorker.js";
import type { OrbitWork } from "../src/bus/work.js";
import { extractFeatures } from "../src/events/features.js";
import { nativeScorer, trainIsolationForest, type IsolationForestModel } from "../src/scoring/index.js";
import { toyOrbit } from "./helpers/busFixtures.js";
import { CLI, cli } from "./helpers/cli.js";

function smallForest(seed: number): IsolationForestModel {
  const train = toyOrbit(77, 400, 3);
  return trainIsolationForest(extractFeatures(train), train.nBx, 57, { seed, nTrees: 20, sampleSize: 128 });
}

const orbits = (count: number, nBx = 30) => Array.from({ length: count }, (_, k) => toyOrbit(5000 + k, nBx, 11));

type Scores = Map<number, { raw: number[]; status: number[] }>;
function collect(into: Scores) {
  return (w: OrbitWork) => {
    const r = w.results![0];
    into.set(w.input.orbit, { raw: Array.from(r.raw ?? []), status: Array.from(r.status) });
  };
}

/** A `scoutloop worker` process; resolves its exit code and stderr when it ends. */
function startWorker(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, "worker", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr })));
  return { child, done };
}

describe("whole-orbit workers in other processes (loopback)", () => {
  const model = smallForest(3);
  const dir = mkdtempSync(join(tmpdir(), "scoutloop-remote-"));
  const modelFile = join(dir, "model.json");
  const otherModelFile = join(dir, "other.json");
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  let pool: RemoteWorkerPool;
  let workers: ReturnType<typeof startWorker>[];

  beforeAll(async () => {
    writeFileSync(modelFile, JSON.stringify(model.toJSON()));
    writeFileSync(otherModelFile, JSON.stringify(smallForest(4).toJSON()));
    pool = await remoteWorkerPool(model, { endpoint: "tcp://127.0.0.1:*", workers: 2, waitMs: 60_000, timeoutMs: 3000, log: (l) => logs.push(l) });
    workers = [0, 1].map(() => startWorker(["--connect", pool.endpoint, "--model", modelFile]));
    children.push(...workers.map((w) => w.child));
    await pool.waitForWorkers();
  }, 90_000);

  afterAll(async () => {
    await pool?.close();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("two worker processes score every orbit once, bit for bit as the in-process native chain, both sharing", async () => {
    const src = orbits(40);
    const want: Scores = new Map();
    const native = nativeScorer(model);
    const ref = await runPipeline({ source: src, model: native, link: scoutingLink(), scorers: [softwareScorer(native, { name: "native" })], compare: null, onWork: collect(want) });
    const got: Scores = new Map();
    const s = await runPipeline({ source: src, model, scorers: [], orbitWorkers: pool, window: 8, compare: null, onWork: collect(got) });
    expect(s.problems).toEqual([]);
    expect(s.accounting.events.in).toBe(ref.accounting.events.in);
    expect(got.size).toBe(40);
    expect(new Set([...want.values()].flatMap((r) => r.raw)).size).toBeGreaterThan(10); // real, varied scores
    for (const [orbit, r] of want) expect(got.get(orbit)).toEqual(r);
    const c = pool.counters();
    expect(c.map((w) => w.pid).sort()).toEqual(workers.map((w) => w.child.pid).sort());
    expect(c[0].orbits + c[1].orbits).toBe(40);
    expect(c[0].orbits).toBeGreaterThan(0);
    expect(c[1].orbits).toBeGreaterThan(0);
    expect(c[0].events + c[1].events).toBe(40 * 30);
  }, 60_000);

  it("a worker with another model is refused with a reason and exits 4; the run goes on", async () => {
    const other = startWorker(["--connect", pool.endpoint, "--model", otherModelFile]);
    children.push(other.child);
    const end = await other.done;
    expect(end.code).toBe(4);
    expect(end.stderr).toMatch(/refused by the run: .*model iforest [0-9a-f]{16} differs from the run's iforest [0-9a-f]{16}/);
    expect(logs.some((l) => /worker refused: .*differs/.test(l))).toBe(true);
    expect(pool.counters()).toHaveLength(2);
  }, 60_000);

  it("a frame longer than the protocol allows drops only its sender; lying result sizes are refused before use", async () => {
    const fake = new zmq.Dealer({ linger: 0 });
    fake.connect(pool.endpoint);
    const id = { ...workerIdentity(model, "test"), pid: 1 };
    await fake.send([Buffer.from(KIND.hello), jsonPart(id)]);
    await expect.poll(() => pool.counters().length, { timeout: 10_000 }).toBe(3);
    await fake.send([Buffer.from(KIND.ping), Buffer.alloc(RUN_MAX_FRAME + 1)]);
    await expect.poll(() => pool.counters()[2].left, { timeout: 10_000 }).toBe("connection lost");
    fake.close();
    // the decoder's own bounds, below libzmq's
    const header = jsonPart({ id: 1, busyNs: 1, faults: {} });
    const parts = (bx: Buffer, raw: Buffer) => [Buffer.from(KIND.result), header, bx, raw];
    expect(() => decodeResult(parts(Buffer.alloc(6), Buffer.alloc(8)))).toThrow(WireError);
    expect(() => decodeResult(parts(Buffer.alloc(3), Buffer.alloc(6)))).toThrow(WireError);
    expect(() => decodeResult(parts(Buffer.alloc(2 * 4000), Buffer.alloc(4 * 4000)))).toThrow(/do not describe one orbit/);
    expect(() => decodeResult([Buffer.from(KIND.result), jsonPart({ id: 1, busyNs: 1, faults: { madeUp: 1 } }), Buffer.alloc(0), Buffer.alloc(0)])).toThrow(/not a link fault/);
    const ok = Buffer.from(new Uint16Array([3, 9]).buffer);
    expect(Array.from(decodeResult(parts(ok, Buffer.from(new Int32Array([5, -6]).buffer))).raw!)).toEqual([5, -6]);
    expect(() => decodeResult(parts(Buffer.from(new Uint16Array([9, 3]).buffer), Buffer.alloc(8)))).toThrow(/order/);
    // and the two good workers still score
    const s = await runPipeline({ source: orbits(6), model, scorers: [], orbitWorkers: pool, window: 4, compare: null });
    expect(s.problems).toEqual([]);
  }, 60_000);

  it("link rate above what the workers do: dropped orbits counted from the schedule, every event scored or failed", async () => {
    const s = await runPipeline({ source: orbits(600, 20), model, scorers: [], orbitWorkers: pool, mode: "link-rate", orbitHz: 200_000, bufferOrbits: 8, window: 4, compare: null });
    const t = Object.values(s.accounting.scorers)[0];
    expect(s.accounting.events.in).toBe(600 * 20);
    expect(s.problems.filter((p) => !/^no-(failures|dropped-orbits)/.test(p))).toEqual([]); // the books balance
    expect(s.accounting.orbits.dropped).toBeGreaterThan(0);
    expect(t.failedByReason["dropped-orbit"]).toBe(s.accounting.orbits.dropped * 20);
    expect(t.scored + t.failed).toBe(600 * 20);
    expect(s.latency.orbit!.count).toBe(600 - s.accounting.orbits.dropped);
  }, 60_000);

  it("a worker killed (SIGKILL) mid-run: its in-flight orbits go to the other, every event scored once", async () => {
    const src = orbits(120);
    const want: Scores = new Map();
    await runPipeline({ source: src, model, scorers: [softwareScorer(nativeScorer(model), { name: "native" })], link: scoutingLink(), compare: null, onWork: collect(want) });
    const got: Scores = new Map();
    const before = pool.counters().map((c) => ({ ...c }));
    let seen = 0;
    const victim = workers[0].child.pid;
    const s = await runPipeline({
      source: src, model, scorers: [], orbitWorkers: pool, window: 8, compare: null,
      onWork: (w) => {
        if (++seen === 15) workers[0].child.kill("SIGKILL");
        collect(got)(w);
      },
    });
    expect(s.problems).toEqual([]); // nothing failed: the survivor took every orbit
    expect(got.size).toBe(120);
    for (const [orbit, r] of want) expect(got.get(orbit)).toEqual(r);
    const after = pool.counters();
    const dead = after.find((c) => c.pid === victim)!;
    const alive = after.find((c) => c.pid === workers[1].child.pid)!;
    expect(dead.left).toBe("connection lost");
    expect(dead.lostOrbits).toBeGreaterThan(0);
    expect(alive.resentOrbits).toBe(dead.lostOrbits); // every lost orbit re-sent to the survivor
    const share = (c: typeof after[number]) => c.orbits - (before.find((b) => b.pid === c.pid)?.orbits ?? 0);
    expect(share(dead) + share(alive)).toBe(120);
    expect(share(alive)).toBeGreaterThan(share(dead));
    expect((await workers[0].done).signal).toBe("SIGKILL");
    expect(logs.some((l) => /lost \(connection lost\)/.test(l))).toBe(true);
  }, 60_000);

  it("a worker that hangs (SIGSTOP) is lost after the timeout; with no one left its orbits fail as worker-lost", async () => {
    workers[1].child.kill("SIGSTOP");
    const t0 = Date.now();
    const s = await runPipeline({ source: orbits(5), model, scorers: [], orbitWorkers: pool, window: 4, compare: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000); // its silence, not a disconnect, gave it away
    const t = Object.values(s.accounting.scorers)[0];
    expect(t.failed).toBe(5 * 30);
    expect(t.failedByReason["worker-lost"]).toBe(5 * 30);
    expect(WORKER_LOST).toBeGreaterThan(0);
    const hung = pool.counters().find((c) => c.pid === workers[1].child.pid)!;
    expect(hung.left).toMatch(/^silent for \d+\.\d s$/);
    expect(hung.lostOrbits).toBeGreaterThan(0);
    workers[1].child.kill("SIGKILL");
  }, 30_000);
});

describe("a worker process facing a run that breaks the protocol", () => {
  it("an ORBIT part longer than one full link packet drops the connection, never the worker", async () => {
    const run = new zmq.Router({ linger: 0 });
    await run.bind("tcp://127.0.0.1:*");
    const w = startWorker(["--connect", run.lastEndpoint!, "--join-timeout", "30"]);
    try {
      const [routing, kind, identity] = await run.receive();
      expect(kind!.toString()).toBe(KIND.hello);
      expect(JSON.parse(identity!.toString())).toMatchObject({ pid: w.child.pid, impl: "native", littleEndian: true });
      const settings = { name: "w", streams: ["muon", "calo"], heartbeatMs: 100, timeoutMs: 60_000, credit: 4 };
      await run.send([routing!, Buffer.from(KIND.welcome), jsonPart(settings)]);
      let disconnected = false;
      run.events.on("disconnect", () => (disconnected = true));
      await run.send([routing!, Buffer.from(KIND.orbit), Buffer.alloc(4), Buffer.alloc(WORKER_MAX_FRAME + 1), Buffer.alloc(64)]);
      await expect.poll(() => disconnected, { timeout: 10_000 }).toBe(true);
      expect(w.child.exitCode).toBeNull(); // still there: nothing was allocated or parsed
    } finally {
      w.child.kill("SIGKILL");
      run.close();
    }
  }, 30_000);
});

describe("run --remote-workers (CLI)", () => {
  it("two worker processes on loopback beside the emulated board: exit 0, scores equal on both sides, the summary names each worker with its share", async () => {
    const port = 20_000 + (process.pid % 20_000);
    const endpoint = `tcp://127.0.0.1:${port}`;
    const run = cli(["run", "--software", "native", "--remote-workers", "2", "--workers-at", endpoint, "--board", "emulator", "--orbits", "4", "--json"], { timeoutMs: 120_000 });
    const ws = [0, 1].map(() => startWorker(["--connect", endpoint]));
    const r = await run;
    const ends = await Promise.all(ws.map((w) => w.done));
    expect(r.stderr).toMatch(/waiting up to 60 s for 2 workers at tcp:\/\/127\.0\.0\.1:\d+/);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { comparison: { paired: number; mismatches: number }; accounting: { events: { in: number } }; backends: { native: { workers: { name: string; pid: number; orbits: number; events: number; busySeconds: number; resentOrbits: number }[] } } };
    const shares = s.backends.native.workers;
    expect(shares.map((w) => w.pid).sort()).toEqual(ws.map((w) => w.child.pid).sort());
    expect(shares.every((w) => w.name.endsWith(`/${w.pid}`) && w.resentOrbits === 0 && w.busySeconds > 0)).toBe(true);
    expect(shares.reduce((a, w) => a + w.orbits, 0)).toBe(4);
    expect(shares.reduce((a, w) => a + w.events, 0)).toBe(s.accounting.events.in);
    expect(ends.map((e) => e.code)).toEqual([0, 0]); // BYE: the workers end with the run
    // the board scored the raw inputs the workers sent back, event by event the same
    expect(s.comparison.paired).toBe(s.accounting.events.in);
    expect(s.comparison.mismatches).toBe(0);
  }, 150_000);

  it("usage: beyond loopback without --curve is refused in one line (exit 2); no workers in time is exit 4", async () => {
    expect(isLoopbackEndpoint("tcp://127.0.0.1:5560")).toBe(true);
    expect(isLoopbackEndpoint("tcp://0.0.0.0:5560")).toBe(false);
    expect(isLoopbackEndpoint("tcp://10.250.1.1:5560")).toBe(false);
    const bad = await cli(["run", "--software", "native", "--remote-workers", "1", "--workers-at", "tcp://0.0.0.0:5560", "--orbits", "1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/beyond loopback: add --curve/);
    const alone = await cli(["run", "--software", "native", "--remote-workers", "1", "--workers-at", "tcp://127.0.0.1:*", "--worker-wait", "0.5", "--orbits", "1"], { timeoutMs: 60_000 });
    expect(alone.code).toBe(4);
    expect(alone.stderr).toMatch(/only 0 of 1 workers joined tcp:\/\/127\.0\.0\.1:\d+ within 0.5 s \(start each with: scoutloop worker --connect/);
    const mixed = await cli(["run", "--remote-workers", "1", "--orbits", "1"]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--remote-workers runs the native model alone or beside --board/);
  }, 120_000);
});
