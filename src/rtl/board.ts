/**
 * Run a verilated board (a build directory from build.ts) as a child process behind the same
 * transports as a dev kit:
 *  - "pty": the harness drives the UART pins from a pty master; the host opens the slave
 *    (/dev/pts/N) with the serial transport exactly like a USB-UART.
 *  - "zmq": a PS-side daemon model (ps-daemon.ts) binds a ZeroMQ ROUTER and passes each
 *    two-frame message, COBS-framed, into the shell's byte-stream port (link_sel = 1).
 * The harness exits when we close its stdin (or die); close() also ends it with SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, constants as fsc } from "node:fs";
import { join } from "node:path";
import { native } from "../native.js";
import type { HelloInfo } from "../hil/protocol.js";
import { readRtlBuild, type RtlBuildInfo } from "./build.js";
import { startPsDaemon, type PsDaemon } from "./ps-daemon.js";

export interface RtlBoardOptions {
  dir: string;
  mode: "pty" | "zmq";
  /** ZeroMQ endpoint for "zmq" (default tcp://127.0.0.1:* — a free port). */
  endpoint?: string;
}

/** What the harness reports when it exits (one JSON line on stderr). */
export interface RtlSimStats {
  simCycles: number;
  warpCycles: number;
  bytesIn: number;
  bytesOut: number;
  idleSleeps: number;
  wallSeconds: number;
  busySeconds: number;
  droppedFrames: number;
  rxOverruns: number;
  requests: number;
  end: string;
}

export interface RtlBoard {
  readonly kind: "serial" | "zmq";
  /** The pty slave path or the bound ZeroMQ endpoint. */
  readonly address: string;
  readonly hello: HelloInfo;
  readonly build: RtlBuildInfo;
  readonly daemon?: PsDaemon;
  /** Resolves when the simulator exited (with its statistics, if it printed them). */
  readonly exited: Promise<RtlSimStats | null>;
  /** The running simulator's statistics (asked for with SIGUSR1; null if it does not answer). */
  stats(): Promise<RtlSimStats | null>;
  close(): Promise<RtlSimStats | null>;
}

const READY_TIMEOUT_MS = 10_000;

/** Start the simulator binary of a build (board-level tests talk to its byte stream directly). */
export function spawnRtlSim(dir: string, info: RtlBuildInfo, mode: "uart" | "stream", stdio: Array<"pipe" | "ignore" | number>): {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<RtlSimStats | null>;
  stats: () => Promise<RtlSimStats | null>;
} {
  const args = ["--mode", mode, "--clocks-per-bit", String(info.identity.clocksPerBit), "--clock-mhz", String(info.identity.clockMHz)];
  const child = spawn(join(dir, info.binary), args, { stdio: stdio as never });
  let err = "";
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => ((resolveReady = res), (rejectReady = rej)));
  let statWaiters: Array<(s: RtlSimStats | null) => void> = [];
  let partial = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => {
    err = (err + d).slice(-8192);
    if (err.includes("scoutloop-rtl-sim ready")) resolveReady();
    partial += d;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) {
      if (!l.startsWith("{") || statWaiters.length === 0) continue;
      let parsed: RtlSimStats | null = null;
      try {
        parsed = JSON.parse(l) as RtlSimStats;
      } catch {
        /* not a stats line */
      }
      const w = statWaiters;
      statWaiters = [];
      for (const f of w) f(parsed);
    }
  });
  const stats = (): Promise<RtlSimStats | null> => {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), 2000);
      statWaiters.push((s) => {
        clearTimeout(timer);
        resolve(s);
      });
      child.kill("SIGUSR1");
    });
  };
  const exited = new Promise<RtlSimStats | null>((resolve) => {
    child.on("error", (e) => {
      rejectReady(new Error(`cannot start the RTL simulator ${join(dir, info.binary)}: ${e.message}`));
      resolve(null);
    });
    child.on("close", (code, signal) => {
      rejectReady(new Error(`RTL simulator exited before it was ready (${signal ?? `exit ${code}`}): ${err.trim().split("\n").pop() ?? ""}`));
      const line = err.trim().split("\n").reverse().find((l) => l.startsWith("{"));
      try {
        resolve(line ? (JSON.parse(line) as RtlSimStats) : null);
      } catch {
        resolve(null);
      }
    });
  });
  const timer = setTimeout(() => rejectReady(new Error(`RTL simulator not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  ready.then(() => clearTimeout(timer), () => clearTimeout(timer));
  return { child, ready, exited, stats };
}

async function stopChild(child: ChildProcess, exited: Promise<RtlSimStats | null>): Promise<RtlSimStats | null> {
  if (child.exitCode === null && child.signalCode === null) {
    child.stdin?.end(); // end of file on stdin: the harness stops by itself
    const timer = setTimeout(() => child.kill("SIGTERM"), 2000);
    const stats = await exited;
    clearTimeout(timer);
    return stats;
  }
  return exited;
}

/** Start the simulator of build `dir` and serve it on a pty or a ZeroMQ endpoint. */
export async function startRtlBoard(opts: RtlBoardOptions): Promise<RtlBoard> {
  const info = readRtlBuild(opts.dir);
  if (opts.mode === "pty") {
    const pty = native.openPty();
    // Hold the slave open ourselves: the master stays usable while the host closes and reopens.
    let slaveFd: number;
    try {
      slaveFd = openSync(pty.path, fsc.O_RDWR | fsc.O_NOCTTY);
      native.setRaw(slaveFd);
    } catch (err) {
      closeSync(pty.fd);
      throw err;
    }
    const { child, ready, exited, stats } = spawnRtlSim(opts.dir, info, "uart", ["pipe", "ignore", "pipe", pty.fd]);
    closeSync(pty.fd); // the child has its own copy as fd 3
    const closeSlave = () => {
      try {
        closeSync(slaveFd);
      } catch {
        /* already closed */
      }
    };
    void exited.then(closeSlave);
    try {
      await ready;
    } catch (err) {
      child.kill("SIGKILL");
      closeSlave();
      throw err;
    }
    let closing: Promise<RtlSimStats | null> | null = null;
    return {
      kind: "serial",
      address: pty.path,
      hello: info.hello,
      build: info,
      exited,
      stats,
      close: () => (closing ??= stopChild(child, exited).finally(closeSlave)),
    };
  }
  const { child, ready, exited, stats } = spawnRtlSim(opts.dir, info, "stream", ["pipe", "pipe", "pipe"]);
  try {
    await ready;
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  let daemon: PsDaemon;
  try {
    daemon = await startPsDaemon({ endpoint: opts.endpoint ?? "tcp://127.0.0.1:*", toPl: child.stdin!, fromPl: child.stdout! });
  } catch (err) {
    await stopChild(child, exited);
    throw err;
  }
  let closing: Promise<RtlSimStats | null> | null = null;
  return {
    kind: "zmq",
    address: daemon.address,
    hello: info.hello,
    build: info,
    daemon,
    exited,
    stats,
    close: () =>
      (closing ??= (async () => {
        await daemon.close();
        return stopChild(child, exited);
      })()),
  };
}
