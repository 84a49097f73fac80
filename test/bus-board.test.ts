/**
 * `scoutloop run --board PROFILE --model M`: the pipeline against a board served by a separate
 * process (`scoutloop board serve`), over ZeroMQ tcp and over a real pty pair (serial), with the
 * model read from a file. Only loopback and ptys; the server process is ours and is killed.
 */
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";
import { hostProfile as profileIn, serveBoard, stopBoards } from "./helpers/servedBoards.js";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultModel } from "../src/bus/model.js";
import type { RunSummary } from "../src/compare/summary.js";

const dir = mkdtempSync(join(tmpdir(), "scoutloop-board-"));

afterAll(stopBoards);

/** Start `board serve` and resolve with the first JSON line it prints (address and identity). */
const serve = async (args: string[]) => (await serveBoard(args)).info;

const model = defaultModel();
const modelPath = join(dir, "model.json");
writeFileSync(modelPath, JSON.stringify(model.toJSON()));

/** A shipped profile with the model's formats and the served address. */
const hostProfile = (name: string, transport: Record<string, unknown>) => profileIn(dir, name, model, transport);

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
