/**
 * A distributed run across real separate hosts on one machine: the run in one network namespace,
 * bound to its veth address with CURVE, a `scoutloop worker` in each of two other namespaces, one
 * of them killed (SIGKILL) mid-run. Every event must end scored (the survivor takes the dead
 * worker's orbits), the run must exit 0, and the summary must name both workers with their share.
 * Workers hold their own certificates and the run admits only the listed ones: a worker without
 * the run's key, or with a key the run does not list, never gets in. Needs root and `ip` (CI runs it as root).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLI } from "./helpers/cli.js";
import { makeHosts, netnsUnavailable, type Hosts } from "./helpers/netns.js";
import { describeUnless } from "./helpers/peers.js";

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  done: Promise<{ code: number | null; signal: string | null }>;
}

function start(argv: string[]): Proc {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const done = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeUnless(netnsUnavailable(), "distributed run across three network namespaces", () => {
  let hosts: Hosts;
  const dir = mkdtempSync(join(tmpdir(), "scoutloop-netns-"));
  const procs: Proc[] = [];
  beforeAll(() => {
    hosts = makeHosts();
  });
  afterAll(() => {
    // `ip netns exec` passes signals on; kill the whole tree of what is still running.
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    hosts?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("run bound to its veth address with CURVE, a worker in each other namespace, one killed mid-run: every event scored, exit 0", async () => {
    const keyFile = join(dir, "server.key");
    const endpoint = `tcp://${hosts.runAddress}:5600`;
    const node = (ns: string, args: string[]) => start(hosts.exec(ns, [process.execPath, CLI, ...args]));
    // Each worker its own certificate; the run admits only those two.
    const certs = ["a", "b", "unlisted"].map((h) => join(dir, `worker-${h}.cert`));
    await Promise.all(certs.map((c) => node(hosts.run, ["worker", "--new-key", c]).done));
    writeFileSync(join(dir, "workers.pub"), certs.slice(0, 2).map((c) => readFileSync(`${c}.pub`, "utf8")).join(""));
    const run = node(hosts.run, [
      "run", "--software", "native", "--remote-workers", "2", "--workers-at", endpoint, "--curve", "--server-key-out", keyFile, "--worker-keys", join(dir, "workers.pub"),
      "--orbits", "80", "--worker-timeout", "3000", "--worker-wait", "60", "--json",
    ]);
    procs.push(run);
    for (let t = 0; !existsSync(keyFile) || readFileSync(keyFile, "utf8").trim().length !== 40; t++) {
      if (t > 600 || run.child.exitCode !== null) throw new Error(`the run never wrote its key: ${run.err()}`);
      await sleep(100);
    }
    // Without the server key the CURVE handshake never completes: the worker gives up by itself.
    const stranger = node(hosts.b, ["worker", "--connect", endpoint, "--join-timeout", "2", "--name", "stranger"]);
    // With the server key but a certificate the run does not list: refused at the handshake.
    const unlisted = node(hosts.a, ["worker", "--connect", endpoint, "--server-key", keyFile, "--key", certs[2]!, "--name", "unlisted"]);
    const a = node(hosts.a, ["worker", "--connect", endpoint, "--server-key", keyFile, "--key", certs[0]!, "--name", "host-a", "--log-every", "4"]);
    const b = node(hosts.b, ["worker", "--connect", endpoint, "--server-key", keyFile, "--key", certs[1]!, "--name", "host-b"]);
    procs.push(stranger, unlisted, a, b);
    for (let t = 0; !/2 of 2 ready/.test(run.err()); t++) {
      if (t > 600 || run.child.exitCode !== null) throw new Error(`workers never joined: ${run.err()}`);
      await sleep(100);
    }
    // Killed once it has scored a few orbits (its own log says so), whatever the machine's speed.
    for (let t = 0; !/host-a\/\d+: 4 orbits/.test(a.err()); t++) {
      if (t > 600 || run.child.exitCode !== null) throw new Error(`worker a scored nothing: ${a.err()}`);
      await sleep(50);
    }
    expect(run.child.exitCode, "the run must still be going when the worker is killed").toBeNull();
    // `ip netns exec` execs the command, so the child is the worker process itself.
    a.child.kill("SIGKILL");
    const end = await run.done;
    const [endA, endB, endStranger, endUnlisted] = await Promise.all([a.done, b.done, stranger.done, unlisted.done]);
    expect(endUnlisted.code).toBe(4);
    expect(unlisted.err()).toMatch(/refused by the run: its list of worker keys does not hold this worker's key/);
    expect(run.err()).toMatch(/refused a worker at 10\.250\.\d+\.2: its CURVE key is not on the run's list/);
    expect(endA.signal).toBe("SIGKILL");
    expect(endB.code).toBe(0); // BYE at the end of the run
    expect(endStranger.code).toBe(4);
    expect(stranger.err()).toMatch(/no answer from a run at tcp:\/\/10\.250\.\d+\.1:5600 within 2 s/);
    expect(run.err()).toMatch(/CURVE server key .{40} \(in /);
    expect(run.err()).toMatch(/worker host-a\/\d+ lost \(connection lost\)/);
    expect(end.code, run.err()).toBe(0);
    const s = JSON.parse(run.out()) as {
      accounting: { events: { in: number }; scorers: Record<string, { scored: number; failed: number }> };
      backends: { native: { describe: string; workers: { name: string; orbits: number; events: number; lostOrbits: number; resentOrbits: number; left: string | null }[] } };
      problems: string[];
    };
    expect(s.problems).toEqual([]);
    expect(s.backends.native.describe).toMatch(/CURVE/);
    const t = s.accounting.scorers.native;
    expect(t.scored).toBe(s.accounting.events.in);
    expect(t.failed).toBe(0);
    const [wa, wb] = ["host-a", "host-b"].map((h) => s.backends.native.workers.find((w) => w.name.startsWith(`${h}/`))!);
    expect(wa.left).toBe("connection lost");
    expect(wb.left).toBeNull();
    expect(wb.resentOrbits).toBe(wa.lostOrbits);
    expect(wa.orbits + wa.lostOrbits).toBeGreaterThanOrEqual(4); // it had scored (or held) 4 orbits when it died
    expect(wa.orbits + wb.orbits).toBe(80);
    expect(wa.events + wb.events).toBe(s.accounting.events.in);
  }, 120_000);
});
