/** `scoutloop board …` through the real CLI (dist/, built by `npm test`'s tsc step). */
import { cli } from "./helpers/cli.js";
import { afterEach, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BoardClient, EventStatus, loadProfile, profileForModel } from "../src/hil/index.js";
import { trainIsolationForest } from "../src/scoring/index.js";
import { PACKAGE_ROOT } from "../src/native.js";

const CLI = join(PACKAGE_ROOT, "bin", "scoutloop.js");
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

function smallForest() {
  const n = 512;
  const x = new Float32Array(n * 57);
  for (let i = 0; i < x.length; i++) x[i] = (Math.abs(Math.sin(i * 7.31)) * 40) % 40;
  return { model: trainIsolationForest(x, n, 57, { seed: 3, nTrees: 10, sampleSize: 64 }), x };
}

describe("scoutloop board CLI", () => {
  it("board serve --pty prints the /dev/pts path, scores a real model bit-exactly and stops on SIGTERM", async () => {
    const { model, x } = smallForest();
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-cli-"));
    const file = join(dir, "model.json");
    writeFileSync(file, JSON.stringify(model.toJSON()));
    const child = spawn(process.execPath, [CLI, "board", "serve", "--profile", "emulator-serial", "--model", file, "--pty", "--baud", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const path = await new Promise<string>((resolve, reject) => {
      let out = "";
      const t = setTimeout(() => reject(new Error(`no address printed: ${stderr}`)), 8000);
      child.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("\n")) {
          clearTimeout(t);
          resolve(out.split("\n")[0]!);
        }
      });
    });
    expect(path).toMatch(/^\/dev\/pts\/\d+$/);
    const profile = profileForModel(loadProfile("emulator-serial"), model);
    const client = await BoardClient.connect({ profile, address: path, expectModelId: model.id });
    const n = 40;
    const raw = model.quantizeInputs(x.subarray(0, n * 57), n);
    const r = await client.score({ n, orbit: 3, bx: Uint16Array.from({ length: n }, (_, i) => i + 1), features: raw });
    await client.close();
    expect(r.status.every((s) => s === EventStatus.SCORED)).toBe(true);
    expect(Array.from(r.score)).toEqual(Array.from(model.scoreFixedRaw(raw, n)));
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stderr).toMatch(/board stopped: .*"eventsScored":40/);
  }, 20000);

  it("a bad profile is one line with exit code 3, a bad --fault exit code 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-cli-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ name: "x" }));
    const check = spawnSync(process.execPath, [CLI, "board", "check", bad], { encoding: "utf8", timeout: 10000 });
    expect(check.status).toBe(3);
    expect(check.stderr.trim().split("\n")).toHaveLength(1);
    expect(check.stderr).toMatch(/invalid board profile .*transport: expected an object/);
    const fault = spawnSync(process.execPath, [CLI, "board", "serve", "--profile", "emulator-zmq", "--model", bad, "--fault", "drop=2"], { encoding: "utf8", timeout: 10000 });
    expect(fault.status).toBe(2);
    expect(fault.stderr).toMatch(/fault drop needs a probability in \[0, 1\]/);
    const ok = spawnSync(process.execPath, [CLI, "board", "check", "emulator-zmq", "arty-a7-uart"], { encoding: "utf8", timeout: 10000 });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/arty-a7-uart: ok \(serial \/dev\/ttyUSB1, 100 MHz\)/);
  }, 20000);

  it("a reader that goes away (| head) ends the command quietly, no EPIPE stack", async () => {
    const child = spawn(process.execPath, [CLI, "board", "vectors"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    child.stdout!.destroy(); // the reader is gone before the first write
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  }, 20000);

  it("every command that takes a profile: missing file 3, malformed 3, unknown shipped name 2, in one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scoutloop-cli-"));
    const malformed = join(dir, "half.json");
    writeFileSync(malformed, '{"name": "x", ');
    const missing = join(dir, "nope", "missing.json");
    const commands: Array<(p: string) => string[]> = [
      (p) => ["run", "--board", p, "--orbits", "1"],
      (p) => ["board", "serve", "--profile", p, "--model", malformed],
      (p) => ["board", "hello", "--profile", p],
      (p) => ["board", "check", p],
      (p) => ["rtl", "export", "--profile", p, "--out", join(dir, "rtl")],
      (p) => ["rtl", "build", "--profile", p, "--out", join(dir, "rtl-build")],
    ];
    const cases: Array<[string, number, RegExp]> = [
      [missing, 3, /^scoutloop: invalid board profile .*missing\.json: no such file$/],
      [malformed, 3, /^scoutloop: invalid board profile .*half\.json: not valid JSON/],
      ["emulator-zmqq", 2, /^scoutloop: unknown board profile "emulator-zmqq": no such file, and the shipped profiles are arty-a7-uart, emulator-serial, emulator-zmq, /],
    ];
    const runs = commands.flatMap((cmd) => cases.map(([p, code, line]) => ({ args: cmd(p), code, line })));
    const results = await Promise.all(runs.map((r) => cli(r.args, { timeoutMs: 60_000 })));
    results.forEach((res, k) => {
      const { args, code, line } = runs[k]!;
      const lines = res.stderr.trim().split("\n");
      expect({ args, code: res.code, lines: lines.length }).toEqual({ args, code, lines: 1 });
      expect(lines[0], args.join(" ")).toMatch(line);
    });
  }, 120_000);
});
