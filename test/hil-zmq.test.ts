import { describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import {
  BoardClient,
  BoardMismatchError,
  BoardRequestError,
  BoardUnreachableError,
  EventStatus,
  ReplyFlag,
  startEmulator,
  type Emulator,
} from "../src/hil/index.js";
import { linearTestModel, testWeight } from "./hil-model.js";
import { closeAfterEachTest, fastProfile, ipcEndpoint, makeOrbits, scoreAll } from "./hil-helpers.js";

const model = linearTestModel();
const track = closeAfterEachTest();

async function setup(fault = "", over: Parameters<typeof fastProfile>[1] = {}, endpoint = "tcp://127.0.0.1:*", seed = 7) {
  const profile = fastProfile("emulator-zmq", over);
  const emu = track(await startEmulator({ model, profile, zmq: endpoint, faults: fault, seed }));
  const client = track(await BoardClient.connect({ profile, address: emu.address }));
  return { profile, emu, client };
}

describe("board emulator over ZeroMQ", () => {
  for (const kind of ["tcp", "ipc"] as const) {
    it(`scores bit-exactly over ${kind}, splitting at max batch, with firmware cycles`, async () => {
      const { emu, client } = await setup("", { maxBatch: 100 }, kind === "tcp" ? "tcp://127.0.0.1:*" : ipcEndpoint());
      expect(emu.address.startsWith(kind)).toBe(true);
      const orbits = makeOrbits(6, 250);
      const tally = await scoreAll(client, model, orbits);
      expect(tally.scored).toBe(1500);
      expect(tally.mismatches).toEqual([]);
      const r = tally.results[0]!;
      expect(r.requests.map((q) => q.n)).toEqual([100, 100, 50]);
      for (let i = 0; i < r.n; i++) {
        expect(r.egressCycle[i]! - r.ingressCycle[i]!).toBe(12);
        if (i > 0 && i % 100 !== 0) expect(r.ingressCycle[i]! - r.ingressCycle[i - 1]!).toBe(1); // II = 1 within a request
      }
      for (const q of r.requests) expect(q.recvNs).toBeGreaterThan(q.sendNs);
      expect(r.clockMHz).toBe(240);
      expect(emu.stats.eventsScored).toBe(1500);
      expect(client.recentRttsMs().length).toBeGreaterThan(0);
    });
  }

  it("keeps several batches in flight, never more than the window", async () => {
    const { emu, client } = await setup("delay=20ms", { window: 3, maxBatch: 10, timeouts: { helloMs: 400, replyMs: 500, pingMs: 100 } });
    const t0 = performance.now();
    const tally = await scoreAll(client, model, makeOrbits(1, 60));
    const ms = performance.now() - t0;
    expect(tally.scored).toBe(60);
    // 6 requests of 20 ms each: 2 rounds of 3 in flight (~40 ms), not 6 in a row (~120 ms).
    expect(ms).toBeLessThan(110);
    expect(emu.stats.scoreRequests).toBe(6);
  });

  it("flags saturated scores and out-of-range inputs", async () => {
    const { client } = await setup();
    const features = new Int32Array(2 * 57);
    for (let k = 0; k < 57; k++) features[k] = Math.sign(testWeight(k)) * 131071; // event 0: Σ w·x far above the max → saturates
    features[57] = 1 << 20; // event 1: outside the 18-bit input range
    const r = await client.score({ n: 2, orbit: 1, bx: Uint16Array.of(1, 2), features });
    expect(r.flags[0]! & ReplyFlag.SATURATED).toBe(ReplyFlag.SATURATED);
    expect(r.flags[1]! & ReplyFlag.INPUT_OVERFLOW).toBe(ReplyFlag.INPUT_OVERFLOW);
    expect(r.flags[0]! & ReplyFlag.INPUT_OVERFLOW).toBe(0);
  });

  it("refuses a board whose HELLO disagrees with the profile before sending any data", async () => {
    const profile = fastProfile("emulator-zmq");
    const emu = track(await startEmulator({ model, profile, zmq: "tcp://127.0.0.1:*" }));
    const wrong = { ...profile, outputFormat: "ap_fixed<10,7,AP_RND_CONV,AP_SAT>", nFeatures: 19 };
    const err = await BoardClient.connect({ profile: wrong, address: emu.address }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BoardMismatchError);
    expect((err as Error).message).toMatch(/output format ap_fixed<18,4,AP_RND_CONV,AP_SAT>, profile says ap_fixed<10,7/);
    expect((err as BoardMismatchError).mismatches).toHaveLength(2);
    const err2 = await BoardClient.connect({ profile, address: emu.address, expectModelId: "other-model" }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/model test-linear-v1, expected other-model/);
    expect(emu.stats.helloRequests).toBe(2);
    expect(emu.stats.scoreRequests).toBe(0);
  });

  it("reports an unreachable board as one clear error within the HELLO timeout", async () => {
    const profile = fastProfile("emulator-zmq", { timeouts: { helloMs: 100, replyMs: 50, pingMs: 50 } });
    const t0 = performance.now();
    const err = await BoardClient.connect({ profile, address: ipcEndpoint() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BoardUnreachableError);
    expect((err as Error).message).toMatch(/no HELLO from board emulator-zmq/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("works with CURVE keys, and a host without the server key gets nothing", async () => {
    const server = zmq.curveKeyPair();
    const profile = fastProfile("emulator-zmq", { timeouts: { helloMs: 150, replyMs: 80, pingMs: 80 } });
    const emu = track(await startEmulator({ model, profile, zmq: "tcp://127.0.0.1:*", curve: server }));
    const client = track(await BoardClient.connect({ profile, address: emu.address, curve: { serverPublicKey: server.publicKey } }));
    const tally = await scoreAll(client, model, makeOrbits(2, 30));
    expect(tally.scored).toBe(60);
    await expect(BoardClient.connect({ profile, address: emu.address })).rejects.toBeInstanceOf(BoardUnreachableError);
  });
});

describe("fault injection over ZeroMQ: every event accounted", () => {
  it("drop: lost replies are retried; scores still exact", async () => {
    const { emu, client } = await setup("drop=0.3", { maxBatch: 20 });
    const tally = await scoreAll(client, model, makeOrbits(4, 100));
    expect(emu.stats.dropped).toBeGreaterThan(0);
    expect(client.stats().retries).toBeGreaterThan(0);
    expect(tally.mismatches).toEqual([]);
    expect(tally.scored).toBeGreaterThan(300); // 5 attempts at 30 % loss: almost all arrive
  }, 15000);

  it("delay beyond the reply timeout: retries answered from the reply cache, no double scoring", async () => {
    const { emu, client } = await setup("delay=120ms", { maxBatch: 50 });
    const tally = await scoreAll(client, model, makeOrbits(2, 100));
    expect(tally.mismatches).toEqual([]);
    expect(tally.scored).toBe(200);
    expect(emu.stats.scoreRequests).toBe(4);
    expect(emu.stats.duplicateRequests).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200)); // let the answers to the retries arrive
    expect(client.stats().unmatchedReplies).toBeGreaterThan(0); // late duplicates, ignored
  }, 15000);

  it("a board steadily slower than the profile's timeout: the wait adapts to its replies, nothing lost", async () => {
    // Every reply takes 250 ms, the profile says 100 ms and allows one resend: with fixed waits
    // (100 ms, then 100 ms) every request failed as timeout. The wait backs off on a timeout and
    // then follows the measured reply time (smoothed + 4 deviations).
    const { client } = await setup("delay=250ms", { maxBatch: 10, window: 1, retries: 1, timeouts: { helloMs: 400, replyMs: 100, pingMs: 400 } });
    const tally = await scoreAll(client, model, makeOrbits(1, 100));
    expect(tally.failed).toBe(0);
    expect(tally.scored).toBe(100);
    expect(tally.mismatches).toEqual([]);
    const s = client.stats();
    expect(s.timeouts).toBeGreaterThan(0); // the first requests did wait too short: counted
    expect(s.timeouts).toBeLessThanOrEqual(3);
  }, 20000);

  it("corrupt: damaged replies fail their CRC and are retried", async () => {
    const { emu, client } = await setup("corrupt=0.3", { maxBatch: 20 });
    const tally = await scoreAll(client, model, makeOrbits(4, 100));
    expect(emu.stats.corrupted).toBeGreaterThan(0);
    expect(client.stats().badMessages).toBe(emu.stats.corrupted);
    expect(tally.mismatches).toEqual([]);
    expect(tally.scored).toBeGreaterThan(300);
  }, 15000);

  it("reorder: replies out of order are matched by seq", async () => {
    const { emu, client } = await setup("reorder", { maxBatch: 10, window: 4 });
    const tally = await scoreAll(client, model, makeOrbits(3, 100));
    expect(emu.stats.reordered).toBeGreaterThan(0);
    expect(tally.scored).toBe(300);
    expect(tally.mismatches).toEqual([]);
  }, 15000);

  it("wrong-bits: mismatches are exactly the events the emulator corrupted", async () => {
    const { emu, client } = await setup("wrong-bits=0.02", {}, "tcp://127.0.0.1:*", 11);
    const tally = await scoreAll(client, model, makeOrbits(5, 400));
    expect(tally.scored).toBe(2000);
    const injected = emu.injected.orbit.map((o, i) => `${o}:${emu.injected.bx[i]}`);
    expect(injected.length).toBeGreaterThan(10);
    expect(tally.mismatches.sort()).toEqual(injected.sort());
    let flagged = 0;
    for (const r of tally.results) for (let i = 0; i < r.n; i++) if (r.flags[i]! & ReplyFlag.FAULT_INJECTED) flagged++;
    expect(flagged).toBe(injected.length);
  });

  it("wrong-bits off: zero mismatches on the same inputs", async () => {
    const { emu, client } = await setup("", {}, "tcp://127.0.0.1:*", 11);
    const tally = await scoreAll(client, model, makeOrbits(5, 400));
    expect(tally.scored).toBe(2000);
    expect(tally.mismatches).toEqual([]);
    expect(emu.injected.orbit).toEqual([]);
  });

  it("disconnect with no restart: the run ends, events fail with a reason and the error says what was in flight", async () => {
    const { emu, client } = await setup("disconnect-after=2", { maxBatch: 25, window: 2, reconnects: 1 });
    const t0 = performance.now();
    const tally = await scoreAll(client, model, makeOrbits(2, 100));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(emu.stats.disconnected).toBe(true);
    expect(tally.scored).toBe(50);
    expect(tally.failed).toBe(150);
    expect(Object.keys(tally.failures).every((r) => r === "disconnected" || r === "timeout")).toBe(true);
    const errors = tally.results.flatMap((r) => r.requests.map((q) => q.error)).filter((e): e is BoardRequestError => e !== undefined);
    expect(errors.length).toBeGreaterThan(0);
    const e = errors[0]!;
    expect(e).toBeInstanceOf(BoardRequestError);
    expect(e.rawRequest.header.readUInt32LE(8)).toBe(e.seq);
    expect(e.recentRttsMs.length).toBeGreaterThan(0);
    expect(e.inFlight.some((f) => f.seq === e.seq)).toBe(true);
    expect(JSON.stringify(e)).toMatch(/rawRequestHex/);
    // A later batch fails fast instead of hanging.
    const later = await client.score({ n: 5, orbit: 9, bx: Uint16Array.of(1, 2, 3, 4, 5), features: new Int32Array(5 * 57) });
    expect(later.failures).toEqual({ disconnected: 5 });
  }, 15000);

  it("disconnect then restart of the emulator mid-run: the client reconnects, every event accounted", async () => {
    const profile = fastProfile("emulator-zmq", { maxBatch: 20, window: 2, reconnects: 4 });
    const first = await startEmulator({ model, profile, zmq: "tcp://127.0.0.1:*", faults: "disconnect-after=3" });
    const address = first.address;
    const client = track(await BoardClient.connect({ profile, address }));
    let second: Emulator | null = null;
    void first.stopped.then(async () => {
      second = track(await startEmulator({ model, profile, zmq: address }));
    });
    const tally = await scoreAll(client, model, makeOrbits(4, 60));
    expect(first.stats.disconnected).toBe(true);
    expect(second).not.toBeNull();
    expect(tally.mismatches).toEqual([]);
    expect(tally.scored).toBeGreaterThan(60); // the new board scored what came after
    expect(second!.stats.eventsScored).toBeGreaterThan(0);
    // After the silence the client PINGed and redid HELLO, so the new board's identity was checked
    // (ZeroMQ itself reconnected the DEALER to the new ROUTER, or the client reconnected).
    expect(client.stats().helloChecks + client.stats().reconnects).toBeGreaterThan(0);
    expect(second!.stats.helloRequests).toBeGreaterThan(0);
    const after = await client.score({ n: 3, orbit: 1, bx: Uint16Array.of(1, 2, 3), features: new Int32Array(3 * 57) });
    expect(after.scored).toBe(3);
    expect(after.status.every((s) => s === EventStatus.SCORED)).toBe(true);
  }, 15000);
});
