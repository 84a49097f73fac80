import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultModel } from "../src/bus/model.js";
import { stopBoards, serveBoard } from "./helpers/servedBoards.js";
import { BoardClient, SerialHostTransport, startEmulator, encodePing, decodeMessage, MsgType } from "../src/hil/index.js";
import { linearTestModel } from "./hil-model.js";
import { closeAfterEachTest, fastProfile, makeOrbits, scoreAll } from "./hil-helpers.js";

const model = linearTestModel();
const track = closeAfterEachTest();
afterAll(stopBoards);
const dir = mkdtempSync(join(tmpdir(), "scoutloop-serial-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const modelFile = join(dir, "model.json");
writeFileSync(modelFile, JSON.stringify(defaultModel().toJSON()));

/** Emulator on a fresh pty; the client opens its /dev/pts/N with serialport. */
async function setup(fault = "", over: Parameters<typeof fastProfile>[1] = {}, seed = 3) {
  const profile = fastProfile("emulator-serial", { maxBatch: 25, ...over });
  const emu = track(await startEmulator({ model, profile, pty: true, faults: fault, seed }));
  expect(emu.address).toMatch(/^\/dev\/pts\/\d+$/);
  const client = track(await BoardClient.connect({ profile, address: emu.address }));
  return { profile, emu, client };
}

describe("board emulator over a pty (serialport, COBS, CRC-32)", () => {
  it("scores bit-exactly through the native pty pair", async () => {
    const { client, emu } = await setup();
    const tally = await scoreAll(client, model, makeOrbits(3, 60));
    expect(tally.scored).toBe(180);
    expect(tally.mismatches).toEqual([]);
    expect(emu.stats.scoreRequests).toBe(9);
    expect(client.hello.boardName).toBe("scoutloop-emulator/emulator-serial");
  });

  it("paces writes to the UART byte rate (baud/10 bytes per second)", async () => {
    const baud = 115200;
    const { client } = await setup("", { transport: { kind: "serial", path: "", baudRate: baud, flowControl: "none", pacing: true }, timeouts: { helloMs: 1000, replyMs: 1500, pingMs: 500 } });
    const n = 20; // 8 + 20 × 236 bytes + COBS ≈ 4.75 kB → ≈ 0.41 s at 11.52 kB/s
    const t0 = performance.now();
    const r = await client.score({ n, orbit: 1, bx: Uint16Array.from({ length: n }, (_, i) => i + 1), features: new Int32Array(n * 57).fill(3) });
    const ms = performance.now() - t0;
    expect(r.scored).toBe(n);
    const bytes = 20 + 8 + n * 236;
    expect(ms).toBeGreaterThan(0.8 * (bytes / (baud / 10)) * 1000);
  });

  it("drop: lost replies are resent on a sequence gap or timeout", async () => {
    const { client, emu } = await setup("drop=0.25", { window: 3, maxBatch: 10 });
    const tally = await scoreAll(client, model, makeOrbits(3, 60));
    expect(emu.stats.dropped).toBeGreaterThan(0);
    const s = client.stats();
    expect(s.gapResends + s.timeouts).toBeGreaterThan(0);
    expect(s.gapResends).toBeGreaterThan(0); // ordered link: a later reply reveals the loss
    expect(tally.mismatches).toEqual([]);
    expect(tally.scored).toBeGreaterThan(150);
  }, 15000);

  it("corrupt: damaged frames are caught by CRC-32 and resent", async () => {
    const { client, emu } = await setup("corrupt=0.25", { window: 2, maxBatch: 10 });
    const tally = await scoreAll(client, model, makeOrbits(3, 60));
    expect(emu.stats.corrupted).toBeGreaterThan(0);
    const s = client.stats();
    // A flipped bit is either a CRC/format failure or (when it hits a 0x00 delimiter or code byte) a COBS fault.
    expect(s.badMessages + (s.transportFaults.malformed ?? 0)).toBeGreaterThan(0);
    expect(tally.mismatches).toEqual([]);
    expect(tally.scored).toBeGreaterThan(150);
  }, 15000);

  it("wrong-bits: mismatches exactly on the injected events", async () => {
    const { client, emu } = await setup("wrong-bits=0.05", {}, 5);
    const tally = await scoreAll(client, model, makeOrbits(3, 100));
    expect(tally.scored).toBe(300);
    const injected = emu.injected.orbit.map((o, i) => `${o}:${emu.injected.bx[i]}`).sort();
    expect(injected.length).toBeGreaterThan(3);
    expect(tally.mismatches.sort()).toEqual(injected);
  });

  it("the port vanishing mid-run ends the run with every event accounted", async () => {
    const { client, emu } = await setup("disconnect-after=2", { window: 1, maxBatch: 20, reconnects: 1 });
    const t0 = performance.now();
    const tally = await scoreAll(client, model, makeOrbits(2, 60));
    expect(performance.now() - t0).toBeLessThan(6000);
    expect(emu.stats.disconnected).toBe(true);
    expect(tally.scored).toBe(40);
    expect(tally.failed).toBe(80);
    expect(Object.keys(tally.failures).every((r) => r === "disconnected" || r === "timeout")).toBe(true);
    expect(tally.failures.disconnected).toBeGreaterThan(0);
  }, 15000);

  it("the host transport reports a vanished port as a disconnect, not a hang", async () => {
    const profile = fastProfile("emulator-serial");
    const emu = await startEmulator({ model, profile, pty: true });
    const t = track(await SerialHostTransport.open({ path: emu.address, baudRate: 3_000_000, pacing: false }));
    await t.send(encodePing(5, 42n));
    const pong = decodeMessage(await t.receive());
    expect(pong.type).toBe(MsgType.PONG);
    await emu.close();
    await expect(t.receive()).rejects.toMatchObject({ code: "EDISCONNECTED" });
  });

  it("a board process killed -9 while the host is mid-frame: the send fails as a disconnect at once, close returns", async () => {
    // serialport never calls back a write queued behind the hang-up; without a bound the send
    // hung and, with nothing else pending, the host process exited 0 mid-run.
    const board = await serveBoard(["--profile", "emulator-serial", "--model", modelFile, "--adopt-model", "--pty"]);
    const t = track(await SerialHostTransport.open({ path: board.address, baudRate: 9600, pacing: true }));
    const ping = encodePing(6, 7n);
    const sent = t.send({ header: ping.header, payload: Buffer.alloc(3000, 7) }); // ≈ 3 s on a 9600 baud line
    const settled = sent.then(() => "sent", (err: { code?: string }) => err.code);
    await new Promise((r) => setTimeout(r, 300));
    board.child.kill("SIGKILL");
    const t0 = performance.now();
    const outcome = await Promise.race([settled, new Promise((r) => setTimeout(() => r("still pending"), 2500))]);
    expect(outcome).toBe("EDISCONNECTED");
    expect(performance.now() - t0).toBeLessThan(2500);
    await t.close();
  }, 30_000);
});
