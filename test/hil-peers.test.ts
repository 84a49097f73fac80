/**
 * Independent peers (test/peers/scoutloop_peer.py, written from docs/board-protocol.md alone with
 * Debian's python3-zmq and python3-serial) talking to our client and our emulator. Needs apt
 * packages python3-zmq, python3-serial and socat.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoardClient, startEmulator } from "../src/hil/index.js";
import { PACKAGE_ROOT } from "../src/native.js";
import { linearTestModel } from "./hil-model.js";
import { fastProfile, makeOrbits, scoreAll } from "./hil-helpers.js";
import { peerIt } from "./helpers/peers.js";

const PY = "/usr/bin/python3";
const PEER = join(PACKAGE_ROOT, "test", "peers", "scoutloop_peer.py");
const DOC = join(PACKAGE_ROOT, "docs", "board-protocol.md");
const model = linearTestModel();

const children: ChildProcess[] = [];
const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
  for (const ch of children.splice(0)) if (ch.exitCode === null) ch.kill("SIGTERM");
});

/** Start a process and resolve with its first stdout line (bounded wait). */
function firstLine(cmd: string, args: string[], timeoutMs = 5000): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`${cmd} printed nothing in ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ child, line: out.slice(0, nl) });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (!out.includes("\n")) reject(new Error(`${cmd} exited with ${code}: ${err}`));
    });
  });
}

describe("independent Python peers", () => {
  it("the Python codec reproduces every test vector in the protocol doc", () => {
    const out = execFileSync(PY, [PEER, "selfcheck", DOC], { encoding: "utf8", timeout: 10000 });
    expect(JSON.parse(out)).toEqual({ checked: 8, mismatched: [] });
  });

  peerIt("pyzmq")("our client scores on a Python (pyzmq) board, bit-exactly", async () => {
    const { line } = await firstLine(PY, [PEER, "zmq-board", "tcp://127.0.0.1:*", "20"]);
    expect(line).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const profile = fastProfile("emulator-zmq", { maxBatch: 64, timeouts: { helloMs: 2000, replyMs: 1000, pingMs: 500 } });
    const client = await BoardClient.connect({ profile, address: line });
    closers.push(client);
    expect(client.hello.boardName).toBe("python-peer");
    const tally = await scoreAll(client, model, makeOrbits(3, 100));
    expect(tally.scored).toBe(300);
    expect(tally.mismatches).toEqual([]);
    const r = tally.results[0]!;
    expect(r.egressCycle[5]! - r.ingressCycle[5]!).toBe(12);
  }, 20000);

  peerIt("pyzmq")("a Python (pyzmq) host gets correct answers from our emulator, and ERROR on a bad CRC", async () => {
    const profile = fastProfile("emulator-zmq");
    const emu = await startEmulator({ model, profile, zmq: "tcp://127.0.0.1:*" });
    closers.push(emu);
    const { line } = await firstLine(PY, [PEER, "zmq-client", emu.address], 10000);
    const res = JSON.parse(line);
    expect(res.hello).toEqual({
      nFeatures: 57, maxBatch: 4096, clockKHz: 240000, modelId: "test-linear-v1",
      inputFormat: "ap_fixed<18,13,AP_RND_CONV,AP_SAT>", outputFormat: "ap_fixed<18,4,AP_RND_CONV,AP_SAT>",
    });
    expect(res.events).toBe(40);
    expect(res.mismatches).toBe(0);
    expect(res.latency).toEqual([12]);
    expect(res.badCrcAnswer).toEqual([0xff, 5]); // ERROR, BAD_CRC
    expect(emu.stats.badRequests).toBe(1);
  }, 20000);

  peerIt(["pyserial", "socat"])("our serial client scores on a Python (pyserial) board over a socat pty pair", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-socat-"));
    const a = join(dir, "host");
    const b = join(dir, "board");
    const socat = spawn("socat", [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: "ignore" });
    children.push(socat);
    for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(a) && existsSync(b)).toBe(true);
    const { line } = await firstLine(PY, [PEER, "serial-board", b, "20"]);
    expect(line).toBe("ready");
    const profile = fastProfile("emulator-serial", { clockMHz: 240, maxBatch: 20, timeouts: { helloMs: 2000, replyMs: 1000, pingMs: 500 } });
    const client = await BoardClient.connect({ profile, address: a });
    closers.push(client);
    expect(client.hello.boardName).toBe("python-peer");
    const tally = await scoreAll(client, model, makeOrbits(2, 50));
    expect(tally.scored).toBe(100);
    expect(tally.mismatches).toEqual([]);
  }, 20000);
});
