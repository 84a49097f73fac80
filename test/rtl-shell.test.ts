/**
 * The Verilog board shell (src/rtl/hdl, emitShellVerilog) under Verilator, against the protocol
 * doc's test vectors and against bad input, over its byte-stream port, a pty (serialport, like a
 * USB-UART) and ZeroMQ (the PS-daemon model). The core is the fixture core (sum of features), so
 * these tests do not depend on the model generator.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { crc32 } from "node:zlib";
import { peerDescribe } from "./helpers/peers.js";
import { docVectors, RawSimClient, vectorBoardBuild } from "./helpers/rtlBoards.js";
import { fixtureScore } from "./helpers/rtlFixtureCore.js";
import { decodeMessage, encodeHello, encodePing, encodeScore, messageBytes, splitMessage } from "../src/hil/codec.js";
import { ErrorCode, MsgType, ReplyFlag } from "../src/hil/protocol.js";
import { BoardClient } from "../src/hil/client.js";
import { loadProfile, type BoardProfile } from "../src/hil/profile.js";
import { VECTOR_HELLO, vectorFeature } from "../src/hil/vectors.js";
import { startRtlBoard, type RtlBoard } from "../src/rtl/board.js";
import type { RtlBuildInfo } from "../src/rtl/build.js";
import { spawn } from "node:child_process";
import { CLI, cli } from "./helpers/cli.js";

const NF = 57;
let dir = "";
let info: RtlBuildInfo;

function errorOf(frame: Buffer): { seq: number; code: number; text: string } {
  const m = decodeMessage(splitMessage(frame));
  if (m.type !== MsgType.ERROR) throw new Error(`expected ERROR, got type 0x${m.type.toString(16)}`);
  return { seq: m.seq, code: m.error.code, text: m.error.text };
}

function randomEvents(n: number, seed: number, lo = -(1 << 17), hi = (1 << 17) - 1) {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const orbit = Uint32Array.from({ length: n }, (_, i) => 5000 + (i >> 4));
  const bx = Uint16Array.from({ length: n }, (_, i) => 1 + ((i * 37) % 3564));
  const features = Int32Array.from({ length: n * NF }, () => Math.floor(lo + rnd() * (hi - lo + 1)));
  return { orbit, bx, features };
}

function rtlProfile(kind: "serial" | "zmq", address: string): BoardProfile {
  const base = loadProfile(kind === "serial" ? "rtl-uart" : "rtl-zmq");
  const h = info.hello;
  return {
    ...base,
    transport: kind === "serial" ? { kind: "serial", path: address, baudRate: 12_000_000, flowControl: "none", pacing: true } : { kind: "zmq", endpoint: address },
    clockMHz: h.clockKHz / 1000,
    inputFormat: h.inputFormat,
    outputFormat: h.outputFormat,
    nFeatures: h.nFeatures,
    maxBatch: 50,
    modelId: h.modelId,
    firmware: { id: h.firmwareId, hash: h.firmwareHash },
  };
}

peerDescribe(["verilator"], "RTL board shell under Verilator", () => {
  beforeAll(async () => {
    ({ dir, info } = await vectorBoardBuild());
  }, 180_000);

  it("answers the test vectors of docs/board-protocol.md byte for byte", async () => {
    const v = docVectors();
    const sim = new RawSimClient(dir, info);
    try {
      sim.send(v.get("HELLO")!);
      expect((await sim.next()).equals(v.get("HELLO_REPLY")!)).toBe(true);

      // the serial frame of PING as the doc gives it (already COBS-encoded with its delimiter)
      sim.sendRaw(v.get("Serial frame of PING")!);
      const pong = decodeMessage(splitMessage(await sim.next()));
      const want = decodeMessage(splitMessage(v.get("PONG")!));
      expect(pong.type).toBe(MsgType.PONG);
      if (pong.type !== MsgType.PONG || want.type !== MsgType.PONG) return;
      expect(pong.seq).toBe(want.seq);
      expect(pong.pong.token).toBe(want.pong.token);
      expect(pong.pong.boardCycle).toBeGreaterThan(0n);

      sim.send(v.get("SCORE")!);
      const reply = decodeMessage(splitMessage(await sim.next()));
      const wantReply = decodeMessage(splitMessage(v.get("SCORE_REPLY")!));
      expect(reply.type).toBe(MsgType.SCORE_REPLY);
      if (reply.type !== MsgType.SCORE_REPLY || wantReply.type !== MsgType.SCORE_REPLY) return;
      expect(reply.seq).toBe(2);
      expect(Array.from(reply.reply.orbit)).toEqual(Array.from(wantReply.reply.orbit));
      expect(Array.from(reply.reply.bx)).toEqual(Array.from(wantReply.reply.bx));
      for (let i = 0; i < 2; i++) {
        const f = Array.from({ length: NF }, (_, k) => vectorFeature(i, k));
        const expected = fixtureScore(f, 18, 18);
        expect(reply.reply.score[i]).toBe(expected.score);
        expect(reply.reply.flags[i]).toBe(expected.saturated ? ReplyFlag.SATURATED : 0);
        // firmware latency measured by the RTL's counters = the core's stated latency
        expect(reply.reply.egressCycle[i]! - reply.reply.ingressCycle[i]!).toBe(VECTOR_HELLO.latencyCycles);
      }
      expect(reply.reply.ingressCycle[1]).toBeGreaterThan(reply.reply.ingressCycle[0]!);

      // ERROR vector: a SCORE of maxBatch + 1 events with seq 4 overflows the board's buffer
      const n = VECTOR_HELLO.maxBatch + 1;
      const big = encodeScore(4, new Uint32Array(n).fill(7), Uint16Array.from({ length: n }, (_, i) => 1 + (i % 3564)), new Int32Array(n * NF).fill(1), NF);
      sim.send(messageBytes(big));
      expect((await sim.next(60_000)).equals(v.get("ERROR")!)).toBe(true);
      sim.send(v.get("HELLO")!); // and it keeps serving
      expect((await sim.next()).equals(v.get("HELLO_REPLY")!)).toBe(true);
    } finally {
      await sim.close();
    }
  }, 120_000);

  it("answers bad magic, version, CRC, length, type, batch and feature count with ERROR, drops garbage, keeps serving", async () => {
    const sim = new RawSimClient(dir, info);
    try {
      const ping = (seq: number) => Buffer.from(messageBytes(encodePing(seq, 42n)));
      const patchCrc = (b: Buffer) => {
        b.writeUInt32LE(crc32(b.subarray(20), crc32(b.subarray(0, 16))) >>> 0, 16);
        return b;
      };
      const cases: Array<[Buffer, number, number]> = [];
      let m = ping(10); m[0] = 0x54; cases.push([m, 10, ErrorCode.BAD_MAGIC]);
      m = ping(11); m[4] = 2; cases.push([patchCrc(m), 11, ErrorCode.BAD_VERSION]);
      m = ping(12); m[25] ^= 0x10; cases.push([m, 12, ErrorCode.BAD_CRC]);
      m = ping(13); m.writeUInt32LE(9, 12); cases.push([patchCrc(m), 13, ErrorCode.BAD_LENGTH]);
      m = ping(14); m[5] = 0x42; cases.push([patchCrc(m), 14, ErrorCode.BAD_TYPE]);
      m = ping(15); m.writeUInt32LE(2_000_000, 12); cases.push([m, 15, ErrorCode.BAD_LENGTH]);
      const ev = randomEvents(3, 1);
      cases.push([Buffer.from(messageBytes(encodeScore(16, ev.orbit, ev.bx, ev.features.subarray(0, 3 * 56), 56))), 16, ErrorCode.BAD_FEATURE_COUNT]);
      m = Buffer.from(messageBytes(encodeScore(17, ev.orbit, ev.bx, ev.features, NF))); m.writeUInt32LE(5000, 20); cases.push([patchCrc(m), 17, ErrorCode.BATCH_TOO_LARGE]);
      m = Buffer.from(messageBytes(encodeScore(18, ev.orbit, ev.bx, ev.features, NF))); m.writeUInt32LE(2, 20); cases.push([patchCrc(m), 18, ErrorCode.BAD_LENGTH]);
      for (const [bytes, seq, code] of cases) {
        sim.send(bytes);
        const e = errorOf(await sim.next());
        expect({ seq: e.seq, code: e.code }).toEqual({ seq, code });
        expect(e.text.length).toBeGreaterThan(3);
      }
      // garbage: broken COBS, a frame shorter than a header, empty frames, random bytes: no reply
      sim.sendRaw(Buffer.from([0x05, 0x01, 0x02, 0x00, 0x00, 0x00, 0x03, 0x11, 0x22, 0x00]));
      let s = 99;
      const noise = Buffer.from(Array.from({ length: 5000 }, () => 1 + ((s = (s * 1103515245 + 12345) & 0x7fffffff) % 255)));
      sim.sendRaw(noise); // no delimiter for 5000 bytes: far over nothing, but must not hang the board
      sim.sendRaw(Buffer.from([0x00]));
      sim.send(messageBytes(encodeHello(19)));
      let hello = await sim.next();
      // the noise frame may decode to something header-sized; it is then answered with an ERROR
      while (hello[5] === MsgType.ERROR) hello = await sim.next();
      expect(decodeMessage(splitMessage(hello)).type).toBe(MsgType.HELLO_REPLY);
      expect(hello.readUInt32LE(8)).toBe(19);
      const stats = await sim.close();
      expect(stats?.droppedFrames).toBeGreaterThanOrEqual(2);
      expect(stats?.end).toBe("stdin closed");
    } finally {
      await sim.close();
    }
  }, 120_000);

  it("keeps replies by seq and request CRC: a resent SCORE gets the stored reply, not a second scoring", async () => {
    const sim = new RawSimClient(dir, info);
    try {
      const ev = randomEvents(5, 2);
      const req = messageBytes(encodeScore(30, ev.orbit, ev.bx, ev.features, NF));
      sim.send(req);
      const first = await sim.next();
      sim.send(messageBytes(encodePing(31, 1n)));
      await sim.next();
      sim.send(req); // identical bytes
      const again = await sim.next();
      expect(again.equals(first)).toBe(true); // same ingress/egress cycles: served from the cache
      const other = Buffer.from(req);
      other[other.length - 1] ^= 1; // same seq, different request (CRC differs once fixed)
      other.writeUInt32LE(crc32(other.subarray(20), crc32(other.subarray(0, 16))) >>> 0, 16);
      sim.send(other);
      const rescored = await sim.next();
      expect(rescored.equals(first)).toBe(false);
      expect(rescored.readUInt32LE(8)).toBe(30);
    } finally {
      await sim.close();
    }
  }, 60_000);

  const boards: RtlBoard[] = [];
  afterAll(async () => {
    for (const b of boards) await b.close();
  });

  for (const mode of ["pty", "zmq"] as const) {
    it(`scores over ${mode === "pty" ? "a pty with the serial transport (UART bit timing)" : "ZeroMQ through the PS-daemon model"}, bit-exact, with RTL-measured latency`, async () => {
      const board = await startRtlBoard({ dir, mode });
      boards.push(board);
      if (mode === "pty") expect(board.address).toMatch(/^\/dev\/pts\/\d+$/);
      const profile = rtlProfile(mode === "pty" ? "serial" : "zmq", board.address);
      const client = await BoardClient.connect({ profile, address: board.address, expectModelId: info.hello.modelId });
      try {
        expect(client.hello).toEqual(info.hello);
        const n = 120;
        const ev = randomEvents(n, mode === "pty" ? 3 : 4, -70_000, 70_000);
        // two events with a word outside ap_fixed<18,…>: INPUT_OVERFLOW, computed by the shell
        ev.features[5 * NF + 3] = 1 << 20;
        ev.features[77 * NF] = -(1 << 17) - 1;
        const r = await client.score({ n, orbit: ev.orbit, bx: ev.bx, features: ev.features });
        expect(r.scored).toBe(n);
        for (let i = 0; i < n; i++) {
          const want = fixtureScore(ev.features.subarray(i * NF, (i + 1) * NF), 18, 18);
          expect(r.score[i]).toBe(want.score);
          const overflow = i === 5 || i === 77 ? ReplyFlag.INPUT_OVERFLOW : 0;
          expect(r.flags[i]).toBe((want.saturated ? ReplyFlag.SATURATED : 0) | overflow);
          expect(r.egressCycle[i]! - r.ingressCycle[i]!).toBe(VECTOR_HELLO.latencyCycles);
        }
      } finally {
        await client.close();
      }
      const stats = await board.close();
      expect(stats?.requests).toBeGreaterThanOrEqual(4); // HELLO + 3 SCORE (max batch 50)
      expect(stats?.simCycles).toBeGreaterThan(0);
    }, 120_000);
  }

  it("rtl serve DIR --zmq prints the endpoint, serves HELLO, stops on SIGINT; rtl usage mistakes exit 2", async () => {
    const child = spawn(process.execPath, [CLI, "rtl", "serve", dir, "--zmq", "tcp://127.0.0.1:*"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const closed = new Promise<number | null>((r) => child.on("close", r));
    try {
      const address = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no address from rtl serve: ${err}`)), 30_000);
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
          out += d;
          if (out.includes("\n")) {
            clearTimeout(t);
            resolve(out.split("\n")[0]!);
          }
        });
      });
      expect(address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      const client = await BoardClient.connect({ profile: rtlProfile("zmq", address), address });
      expect(client.hello.firmwareId).toBe(VECTOR_HELLO.firmwareId);
      await client.close();
    } finally {
      child.kill("SIGINT");
    }
    expect(await closed).toBe(0);
    expect(err).toContain("RTL board stopped");
    const bad = await cli(["rtl", "build", "--core", dir, "--model", "x.json", "--out", "/tmp/never"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    const notBuild = await cli(["rtl", "serve", "/nonexistent-rtl-build"]);
    expect(notBuild.code).toBe(2);
    expect(notBuild.stderr).toContain("not an RTL build");
  }, 90_000);
});
