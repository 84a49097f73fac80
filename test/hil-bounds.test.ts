/**
 * Bounded inputs on the wire (issue 11): a ZeroMQ frame far above the protocol bound costs the
 * board nothing (libzmq's maxMessageSize drops the peer before allocating), and the board keeps
 * serving well-behaved hosts.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { BoardClient } from "../src/hil/client.js";
import { startEmulator } from "../src/hil/emulator.js";
import { PACKAGE_ROOT } from "../src/native.js";
import { closeAfterEachTest, fastProfile, makeOrbits, scoreAll } from "./hil-helpers.js";
import { linearTestModel } from "./hil-model.js";

const track = closeAfterEachTest();

/** A separate process (its memory is not ours) sends one [header, 256 MB payload] message. */
function sendHugeFrame(endpoint: string): Promise<number | null> {
  const script = `
    import * as zmq from "zeromq";
    const s = new zmq.Dealer({ linger: 20000 }); // close() waits until the frame is on the wire
    s.connect(${JSON.stringify(endpoint)});
    const header = Buffer.alloc(20);
    header.writeUInt32LE(0x50484c53, 0); header[4] = 1; header[5] = 2; header.writeUInt32LE(7, 8);
    await s.send([header, Buffer.alloc(256 * 1024 * 1024, 1)]);
    await new Promise((r) => setTimeout(r, 500));
    s.close();
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: PACKAGE_ROOT, stdio: "ignore" });
    const kill = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("exit", (code) => (clearTimeout(kill), resolve(code)));
  });
}

describe("bounded wire inputs", () => {
  it("a 256 MB ZeroMQ frame does not reach the board's memory; the board still serves", async () => {
    const model = linearTestModel();
    const profile = fastProfile("emulator-zmq");
    const emu = track(await startEmulator({ model, profile, zmq: "tcp://127.0.0.1:*" }));
    const before = process.memoryUsage().rss;
    expect(await sendHugeFrame(emu.address)).toBe(0);
    await new Promise((r) => setTimeout(r, 1000)); // whatever arrived has been handled
    const grew = process.memoryUsage().rss - before;
    expect(grew).toBeLessThan(64 * 1024 * 1024);
    expect(emu.stats.badRequests).toBe(0); // never decoded: dropped by libzmq before allocation
    const client = track(await BoardClient.connect({ profile, address: emu.address }));
    const tally = await scoreAll(client, model, makeOrbits(2, 50));
    expect(tally.failures).toEqual({});
  }, 60_000);
});
