/**
 * `scoutloop run --board PROFILE --model M`: the pipeline against a board served by a separate
 * process (`scoutloop board serve`), over ZeroMQ tcp and over a real pty pair (serial), with the
 * model read from a file. Only loopback and ptys; the server process is ours and is killed.
 */
import { afterAll, describe, expect, it } from "vitest";
import { cli, CLI } from "./helpers/cli.js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultModel } from "../src/bus/model.js";
import { formatFixed } from "../src/scoring/index.js";
import type { RunSummary } from "../src/compare/summary.js";

const ROOT = join(import.meta.dirname, "..");

const dir = mkdtempSync(join(tmpdir(), "scoutloop-board-"));
const servers: ChildProcess[] = [];

afterAll(() => {
  for (const s of servers) if (s.exitCode === null) s.kill("SIGKILL");
});


/** Start `board serve` and resolve with the first JSON line it prints (address and identity). */
function serve(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "board", "serve", ...args, "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    servers.push(child);
    let out = "", err = "";
    const timer = setTimeout(() => reject(new Error(`board serve did not start: ${err}`)), 30_000);
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) (clearTimeout(timer), resolve(JSON.parse(out.slice(0, nl))));
    });
    child.on("exit", (code) => reject(new Error(`board serve exited ${code}: ${err}`)));
  });
}

const model = defaultModel();
const modelPath = join(dir, "model.json");
writeFileSync(modelPath, JSON.stringify(model.toJSON()));

/** A shipped profile with the model's formats and the served address. */
function hostProfile(name: string, transport: Record<string, unknown>): string {
  const p = JSON.parse(readFileSync(join(ROOT, "boards", `${name}.json`), "utf8"));
  delete p.$schema;
  Object.assign(p, { inputFormat: formatFixed(model.inputFormat), outputFormat: formatFixed(model.outputFormat) });
  p.transport = { ...p.transport, ...transport };
  const path = join(dir, `${name}-host.json`);
  writeFileSync(path, JSON.stringify(p));
  return path;
}

function addressOf(info: Record<string, unknown>): string {
  const a = info.address ?? info.endpoint ?? info.path;
  if (typeof a !== "string") throw new Error(`no address in ${JSON.stringify(info)}`);
  return a;
}

describe("run --board against a separately served board", () => {
  it("over ZeroMQ tcp: zero mismatches, board identity in the summary", async () => {
    const info = await serve(["--profile", "emulator-zmq", "--model", modelPath, "--zmq", "tcp://127.0.0.1:*", "--adopt-model"]);
    const profile = hostProfile("emulator-zmq", { endpoint: addressOf(info) });
    const r = await cli(["run", "--board", profile, "--model", modelPath, "--orbits", "1", "--json"]);
    expect(r.stderr).toBe("");
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s.comparison).toMatchObject({ mismatches: 0, unpaired: 0 });
    expect(s.comparison!.paired).toBe(s.accounting.events.in);
    expect((s.backends!.board as { hello: { modelId: string } }).hello.modelId).toBe(model.id);
  }, 60_000);

  it("over a pty pair (serial, COBS frames), muon stream: zero mismatches", async () => {
    const info = await serve(["--profile", "emulator-serial", "--model", modelPath, "--pty", "--baud", "0"]);
    const profile = hostProfile("emulator-serial", { path: addressOf(info), pacing: false });
    const r = await cli(["run", "--board", profile, "--model", modelPath, "--orbits", "1", "--stream", "muon", "--json"]);
    expect(r.stderr).toBe("");
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s.accounting.events.in).toBeGreaterThan(0);
    expect(s.comparison).toMatchObject({ mismatches: 0, unpaired: 0, paired: s.accounting.events.in });
    expect(s.latency.firmwareCycles!.p50).toBeGreaterThan(0);
  }, 60_000);

  it("a board whose formats differ from the model is refused before any data is sent", async () => {
    const info = await serve(["--profile", "emulator-zmq", "--model", modelPath, "--zmq", "tcp://127.0.0.1:*", "--adopt-model"]);
    const wrong = JSON.parse(readFileSync(hostProfile("emulator-zmq", { endpoint: addressOf(info) }), "utf8"));
    wrong.inputFormat = "ap_fixed<16,6>";
    const path = join(dir, "wrong.json");
    writeFileSync(path, JSON.stringify(wrong));
    const r = await cli(["run", "--board", path, "--model", modelPath, "--orbits", "1"]);
    expect(r.code).toBe(4); // not the board its profile describes
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/format/i);
  }, 60_000);
});
