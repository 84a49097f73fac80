import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import {
  CobsDecoder,
  cobsDecode,
  cobsEncode,
  decodeMessage,
  encodeError,
  encodeHello,
  encodeHelloReply,
  encodePing,
  encodePong,
  encodeScore,
  encodeScoreReply,
  ErrorCode,
  MAX_PAYLOAD,
  messageBytes,
  MsgType,
  ProtocolError,
  splitMessage,
} from "../src/hil/index.js";
import { parseHexDump, testVectors, VECTOR_HELLO, vectorsMarkdown, VECTORS_BEGIN, VECTORS_END } from "../src/hil/vectors.js";
import { PACKAGE_ROOT } from "../src/native.js";
import { encodeMessage as encodeMessageWithCrc } from "../src/hil/codec.js";

const DOC = join(PACKAGE_ROOT, "docs", "board-protocol.md");

describe("board protocol codec", () => {
  it("round-trips every message type", () => {
    const hello = decodeMessage(encodeHelloReply(9, VECTOR_HELLO));
    expect(hello).toEqual({ type: MsgType.HELLO_REPLY, seq: 9, hello: VECTOR_HELLO });
    expect(decodeMessage(encodeHello(1))).toEqual({ type: MsgType.HELLO, seq: 1 });
    expect(decodeMessage(encodePing(2, 0xfedcba9876543210n))).toEqual({ type: MsgType.PING, seq: 2, token: 0xfedcba9876543210n });
    expect(decodeMessage(encodePong(3, { token: 5n, boardCycle: 2n ** 40n }))).toEqual({ type: MsgType.PONG, seq: 3, pong: { token: 5n, boardCycle: 2n ** 40n } });
    expect(decodeMessage(encodeError(4, { code: ErrorCode.BUSY, text: "später" }))).toEqual({ type: MsgType.ERROR, seq: 4, error: { code: ErrorCode.BUSY, text: "später" } });
  });

  it("round-trips random SCORE requests and replies (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 64 }), fc.integer(), (n, nF, seed) => {
        const orbit = Uint32Array.from({ length: n }, (_, i) => (seed + i * 7919) >>> 0);
        const bx = Uint16Array.from({ length: n }, (_, i) => 1 + ((seed + i) & 0x7ff));
        const features = Int32Array.from({ length: n * nF }, (_, i) => Math.imul(seed ^ i, 0x9e3779b1));
        const m = decodeMessage(encodeScore(seed >>> 0, orbit, bx, features, nF));
        expect(m.type).toBe(MsgType.SCORE);
        if (m.type !== MsgType.SCORE) return;
        expect(m.seq).toBe(seed >>> 0);
        expect(m.request.n).toBe(n);
        expect(Array.from(m.request.orbit)).toEqual(Array.from(orbit));
        expect(Array.from(m.request.bx)).toEqual(Array.from(bx));
        expect(Array.from(m.request.features)).toEqual(Array.from(features));
        const cycles = Float64Array.from({ length: n }, (_, i) => 2 ** 45 + i * 3);
        const r = decodeMessage(encodeScoreReply(7, {
          n, orbit, bx, flags: Uint8Array.from({ length: n }, (_, i) => i & 0x83), score: features.subarray(0, n).length === n ? Int32Array.from(features.subarray(0, n)) : new Int32Array(n),
          ingressCycle: cycles, egressCycle: cycles.map((c) => c + 25),
        }));
        if (r.type !== MsgType.SCORE_REPLY) throw new Error("not a reply");
        expect(Array.from(r.reply.ingressCycle)).toEqual(Array.from(cycles));
        expect(Array.from(r.reply.egressCycle)).toEqual(Array.from(cycles, (c) => c + 25));
        expect(Array.from(r.reply.flags)).toEqual(Array.from({ length: n }, (_, i) => i & 0x83));
      }),
      { numRuns: 60 },
    );
  });

  it("encodes a sub-range of a batch (first, n)", () => {
    const orbit = Uint32Array.of(1, 2, 3, 4);
    const bx = Uint16Array.of(10, 20, 30, 40);
    const features = Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const m = decodeMessage(encodeScore(1, orbit, bx, features, 2, 1, 2));
    if (m.type !== MsgType.SCORE) throw new Error("not SCORE");
    expect(Array.from(m.request.bx)).toEqual([20, 30]);
    expect(Array.from(m.request.features)).toEqual([3, 4, 5, 6]);
  });

  it("detects every single-bit flip of a message", () => {
    const raw = encodeScore(77, Uint32Array.of(5, 6), Uint16Array.of(1, 2), Int32Array.from({ length: 2 * 57 }, (_, i) => i * 1000 - 50000), 57);
    const bytes = messageBytes(raw);
    for (let bit = 0; bit < bytes.length * 8; bit += 3) {
      const bad = Buffer.from(bytes);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => decodeMessage(splitMessage(bad)), `bit ${bit}`).toThrow(ProtocolError);
    }
  });

  it("rejects bad input with ProtocolError codes, never a crash (random bytes property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
        try {
          decodeMessage(splitMessage(Buffer.from(bytes)));
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 300 },
    );
    // A valid-looking header announcing a huge payload is refused before anything is read.
    const h = encodeHello(1).header;
    h.writeUInt32LE(MAX_PAYLOAD + 1, 12);
    expect(() => decodeMessage({ header: h, payload: Buffer.alloc(0) })).toThrow(/exceeds/);
    // A SCORE whose counts disagree with its size.
    const s = encodeScore(1, Uint32Array.of(1), Uint16Array.of(1), new Int32Array(57), 57);
    s.payload.writeUInt32LE(4000, 0);
    const fixed = encodeMessageWithCrc(MsgType.SCORE, 1, s.payload);
    expect(() => decodeMessage(fixed)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_LENGTH }));
    s.payload.writeUInt32LE(5000, 0);
    expect(() => decodeMessage(encodeMessageWithCrc(MsgType.SCORE, 1, s.payload))).toThrow(expect.objectContaining({ code: ErrorCode.BATCH_TOO_LARGE }));
  });

  it("matches Python's binascii.crc32 (independent CRC-32)", () => {
    const raw = encodeScoreReply(2, { n: 1, orbit: Uint32Array.of(9), bx: Uint16Array.of(3), flags: Uint8Array.of(1), score: Int32Array.of(-1), ingressCycle: Float64Array.of(1), egressCycle: Float64Array.of(2) });
    const hex = Buffer.concat([raw.header.subarray(0, 16), raw.payload]).toString("hex");
    const py = execFileSync("/usr/bin/python3", ["-c", `import binascii,sys; print(binascii.crc32(bytes.fromhex("${hex}")))`], { encoding: "utf8" });
    expect(Number(py.trim())).toBe(raw.header.readUInt32LE(16));
  });
});



describe("COBS framing", () => {
  it("round-trips arbitrary bytes and never emits a zero inside a frame (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (data) => {
        const enc = cobsEncode(data);
        expect(enc[enc.length - 1]).toBe(0);
        expect(enc.subarray(0, -1).includes(0)).toBe(false);
        expect(enc.length).toBeLessThanOrEqual(data.length + Math.ceil(data.length / 254) + 2);
        expect(Buffer.from(cobsDecode(enc.subarray(0, -1))!).equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("splits a stream cut anywhere into the same frames, and resyncs after garbage", () => {
    const msgs = [Buffer.from([0, 0, 1]), Buffer.alloc(600, 0), Buffer.from("scoutloop"), Buffer.alloc(254, 7)];
    const stream = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([0]), ...msgs.map((m) => cobsEncode(m))]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 8 }), (cuts) => {
        const got: Buffer[] = [];
        const dec = new CobsDecoder((f) => got.push(f));
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        for (let i = 1; i < points.length; i++) dec.push(stream.subarray(points[i - 1], points[i]));
        expect(got.map((g) => g.toString("hex"))).toEqual(msgs.map((m) => m.toString("hex")));
        expect(dec.faults.malformed).toBe(1); // the leading garbage frame
      }),
      { numRuns: 100 },
    );
  });

  it("drops frames longer than the bound without growing memory", () => {
    const got: Buffer[] = [];
    const dec = new CobsDecoder((f) => got.push(f), 100);
    dec.push(cobsEncode(Buffer.alloc(1000, 1)));
    dec.push(cobsEncode(Buffer.from("ok")));
    expect(dec.faults.oversize).toBe(1);
    expect(got.map((g) => g.toString())).toEqual(["ok"]);
  });
});

describe("protocol doc test vectors", () => {
  it("docs/board-protocol.md ends with exactly the vectors the codec generates", () => {
    const doc = readFileSync(DOC, "utf8");
    const start = doc.indexOf(VECTORS_BEGIN);
    const end = doc.indexOf(VECTORS_END);
    expect(start).toBeGreaterThan(0);
    expect(doc.slice(start, end + VECTORS_END.length)).toBe(vectorsMarkdown());
  });

  it("every vector in the doc decodes to the message it describes", () => {
    const doc = readFileSync(DOC, "utf8");
    const blocks = [...doc.slice(doc.indexOf(VECTORS_BEGIN)).matchAll(/### (\S+)[^`]*```hex\n([^`]*)```/g)];
    const byName = new Map(blocks.map((m) => [m[1]!, parseHexDump(m[2]!)]));
    for (const v of testVectors()) {
      const bytes = byName.get(v.name);
      expect(bytes?.equals(v.bytes), v.name).toBe(true);
      const m = decodeMessage(splitMessage(bytes!));
      expect(m.seq).toBeGreaterThan(0);
    }
    const score = decodeMessage(splitMessage(byName.get("SCORE")!));
    if (score.type !== MsgType.SCORE) throw new Error("SCORE vector is not a SCORE");
    expect(score.request.features[57 + 2]).toBe(2 * 3 * 16);
    expect(score.request.features[1]).toBe(-2 * 16);
  });
});
